"""Signed checkpoints: a service's Ed25519 word on its log's root at a position, which nobody
without its private key can forge, and which verify checks with keys it was given, never with a
key the database hands over."""
import dataclasses
import json
import sqlite3
import time
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from seklik import audit
from services.partners.application import PartnersApplication
from shared import application
from shared.application import extend_root
from shared.auth import development_key
from shared.checkpoints import TrustedKeys, key_id, sign
from shared.domain import GENESIS
from tests.support import actor, company, loaded

PARTNERS_KEY = development_key("partners")


def checkpoint(key=PARTNERS_KEY, service="partners", **changes):
    fields = {"regency": "16.02", "service": service, "notification_id": 40,
              "root_hash": "ab" * 32, "recorded_at": "2026-03-01T02:00:00+00:00"}
    return sign(key, **{**fields, **changes})


def trusting(key=PARTNERS_KEY, service="partners") -> TrustedKeys:
    trusted = TrustedKeys()
    trusted.add(service, key.public_key(), "the deployment's keys")
    return trusted


def test_a_checkpoint_signed_by_the_service_verifies_with_its_trusted_key():
    entry = checkpoint()
    assert entry["key_id"] == key_id(PARTNERS_KEY.public_key())
    assert trusting().check(entry, "partners") is None


def test_a_changed_root_or_position_no_longer_verifies():
    for change in ({"root_hash": "cd" * 32}, {"notification_id": 39},
                   {"recorded_at": "2026-03-02T02:00:00+00:00"}, {"regency": "16.03"}):
        problem = trusting().check({**checkpoint(), **change}, "partners")
        assert problem is not None and "does not verify" in problem, change


def test_a_checkpoint_re_signed_with_another_key_is_refused_even_with_its_public_key_beside_it():
    insider = Ed25519PrivateKey.generate()
    entry = checkpoint(key=insider)  # carries the insider's public key: verify ignores it
    problem = trusting().check(entry, "partners")
    assert f"signed by key {key_id(insider.public_key())}, which is not trusted" in problem
    assert key_id(PARTNERS_KEY.public_key()) in problem  # says which key it trusted


def test_one_service_s_key_cannot_sign_for_another():
    trusted = trusting()
    trusted.add("contracts", development_key("contracts").public_key(), "dev")
    entry = checkpoint(key=development_key("contracts"), service="partners")
    assert "not trusted for partners" in trusted.check(entry, "partners")
    assert "names service 'partners'" in trusted.check(checkpoint(), "contracts")


def test_a_digest_entry_verifies_on_its_own():
    entry = checkpoint()
    digest_entry = {**{k: v for k, v in entry.items() if k != "notification_id"},
                    "last_notification_id": entry["notification_id"]}
    assert trusting().check(digest_entry, "partners") is None


@pytest.fixture
def partners(sqlite_settings):
    settings = dataclasses.replace(sqlite_settings, env="development", checkpoint_every=3,
                                   checkpoint_seconds=0.2)
    return PartnersApplication(settings)


def register(app, n):
    app.register_partner(loaded(company(n)), actor=actor("admin"))  # two events each


def test_checkpoints_are_due_every_n_events_or_t_seconds_with_anything_new(partners,
                                                                         monkeypatch):
    # the application's clock, moved by the test: a loaded machine's pauses do not count
    now = [1000.0]
    monkeypatch.setattr(application, "time", SimpleNamespace(monotonic=lambda: now[0],
                                                             sleep=time.sleep))
    assert not partners.checkpoint_due()  # nothing in the log
    register(partners, 1)
    assert not partners.checkpoint_due()  # 2 events < 3, and not 0.2 s yet
    register(partners, 2)
    assert partners.checkpoint_due()  # 4 events
    signed = partners.sign_checkpoint()
    assert signed["notification_id"] == 4
    assert trusting().check(signed, "partners") is None
    assert not partners.checkpoint_due() and partners.sign_checkpoint() is None
    register(partners, 3)
    now[0] += 0.19
    assert not partners.checkpoint_due()
    now[0] += 0.02
    assert partners.checkpoint_due()  # 2 new events, 0.2 s passed
    assert [c["notification_id"] for c in partners.signed_checkpoints(0, 10)] == [4]
    partners.sign_checkpoint()
    assert [c["notification_id"] for c in partners.signed_checkpoints(0, 10)] == [4, 6]


def test_the_digest_is_the_head_signed_and_the_same_row_when_nothing_is_new(partners):
    register(partners, 1)
    first = partners.digest()
    assert first["last_notification_id"] == 2 and trusting().check(first, "partners") is None
    assert partners.digest()["signature"] == first["signature"]  # the stored one stands
    empty = PartnersApplication(dataclasses.replace(partners.settings,
                                                    data_dir=partners.settings.data_dir / "e"))
    head = empty.digest()
    assert head["last_notification_id"] == 0 and head["root_hash"] == GENESIS
    assert trusting().check(head, "partners") is None


def verify(app, trusted=None, digests=()):
    return audit.verify_service(
        "partners", audit.pages(app.notifications), audit.pages(app.checkpoints),
        signed=audit.pages(app.signed_checkpoints), trusted=trusted or trusting(),
        digests=list(digests))


def recompute_journal(db):
    """What an insider without the key does: every journal root again from the journal's own
    hashes, so that the journal agrees with the log he edited."""
    root = GENESIS
    for nid, event_hash in db.execute("SELECT notification_id, event_hash FROM journal"
                                      " ORDER BY notification_id").fetchall():
        root = extend_root(root, nid, event_hash)
        db.execute("UPDATE journal SET root_hash = ? WHERE notification_id = ?", (root, nid))
    db.commit()


def test_an_event_deleted_with_its_journal_row_recomputed_is_caught_by_the_signed_checkpoint(
        partners):
    for n in (1, 2, 3):
        register(partners, n)
    partners.sign_checkpoint(force=True)  # at 6
    clean = verify(partners)
    assert clean["findings"] == [] and clean["signed"] == 1
    db = sqlite3.connect(partners.settings.data_dir / "partners.sqlite")
    db.execute("DELETE FROM stored_events WHERE rowid = 4")  # partner 2's NPWP claim
    db.execute("DELETE FROM journal WHERE notification_id = 4")
    recompute_journal(db)
    report = verify(partners)
    assert [f["problem"].split(" (")[0] for f in report["findings"]] == [
        "the signed checkpoint at notification 6"]
    assert "is not the root recomputed from the log" in report["findings"][0]["problem"]


def test_verify_trusts_no_key_it_was_not_given(partners):
    register(partners, 1)
    partners.sign_checkpoint(force=True)
    report = verify(partners, trusted=TrustedKeys())
    assert "which is not trusted for partners (trusted: none)" in report["findings"][0][
        "problem"]


def test_an_older_digest_s_root_must_still_hold_in_the_log(partners):
    register(partners, 1)
    old = partners.digest()
    register(partners, 2)
    new = partners.digest()
    assert verify(partners, digests=[("old.json", old), ("new.json", new)])["findings"] == []
    db = sqlite3.connect(partners.settings.data_dir / "partners.sqlite")
    db.execute("DELETE FROM stored_events WHERE rowid = 1")
    db.execute("DELETE FROM signed_checkpoints")  # whatever the store held is gone too
    db.commit()
    findings = verify(partners, digests=[("old.json", old), ("new.json", new)])["findings"]
    named = [f["problem"].split(":")[0] for f in findings
             if "kept digest" in f["problem"]]
    assert named == ["the kept digest old.json (signed at notification 2)",
                     "the kept digest new.json (signed at notification 4)"]


class Witness:
    """Confirms the first `confirm` messages of each batch (None: all)."""

    def __init__(self, confirm=None):
        self.batches, self.confirm = [], confirm

    def publish(self, messages):
        from shared.relay import PublishFailed

        self.batches.append([(key, json.loads(body)) for key, body, _ in messages])
        if self.confirm is not None and self.confirm < len(messages):
            raise PublishFailed("refused", self.confirm)
        return len(messages)

    def close(self):
        pass


def test_the_relay_publishes_each_signed_checkpoint_once_confirmed_under_the_service_s_name(
        partners):
    from shared.relay import OutboxRelay, PublishFailed

    for n in (1, 2):
        register(partners, n)
        partners.sign_checkpoint()
    witness = Witness(confirm=1)
    relay = OutboxRelay(partners, "amqp://unused", publisher=Witness(), witness_publisher=witness)
    with pytest.raises(PublishFailed):
        relay.publish_checkpoints()  # the broker confirmed the first only
    assert relay.publish_checkpoints() == 1  # the second again, not the first
    assert relay.publish_checkpoints() == 0
    sent = [(key, entry["notification_id"]) for batch in witness.batches for key, entry in batch]
    assert sent == [("partners", 2), ("partners", 4), ("partners", 4)]
    assert witness.batches[-1][0][1] == partners.signed_checkpoints(2, 1)[0]
