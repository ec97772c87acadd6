"""An event class gets a new version and an upcaster: every hash recorded before still verifies.

A later release adds the company's website to `PartnerRegistered` (class_version 2, with an
upcaster that gives the companies registered before it `website: None`), as the longevity work
will do to real events. The registrations recorded under version 1 are then read in the new
shape, while their hashes commit to what was first recorded: the envelope carries that as
`recorded`, and an auditor holding no key verifies every chain from the envelopes alone. An
insider who edits the recorded event at rest, or rewrites it in the new shape, breaks the chain.
"""
import copy
import datetime as dt
import json
import uuid

import pytest
from eventsourcing.cryptography import AESCipher

from services.partners.application import PartnersApplication
from services.partners.domain import Partner
from shared import personal
from shared.config import Settings
from shared.domain import chain_hash, verify_chain
from shared.personal import committed
from tests.support import actor, chief_editor, company, loaded

ADMIN = actor("admin", sub="kominfo.ani")
REGISTERED = Partner.PartnerRegistered


@pytest.fixture
def partners(tmp_path):
    # encrypted at rest, as every deployment is: the insider below holds the key
    return PartnersApplication(Settings.from_env({
        "SEKLIK_DATA_DIR": str(tmp_path / "partners"), "CIPHER_KEY": AESCipher.create_key(32)}))


def register(app, n=1) -> str:
    return app.register_partner(loaded(company(n)), actor=ADMIN)["partner_id"]


def upgrade(monkeypatch):
    """The release that adds `website`: PartnerRegistered becomes version 2."""
    def upcast_v1_v2(state):
        state["website"] = None  # not asked of the companies registered before

    monkeypatch.setattr(REGISTERED, "class_version", 2, raising=False)
    monkeypatch.setattr(REGISTERED, "upcast_v1_v2", staticmethod(upcast_v1_v2), raising=False)


def registration(envelopes, pid):
    return next(e for e in envelopes
                if e["type"] == "PartnerRegistered" and e["originator_id"] == pid)


def stored_state(app, pid):
    """What an insider holding the cipher key reads at rest: the registration as recorded."""
    row = app.sql.query(f"SELECT state FROM {app.recorder.events_table_name} WHERE"
                        f" originator_id = ? AND originator_version = 1", (pid.replace("-", ""),))
    data = app.mapper.cipher.decrypt(row[0][0])
    if app.mapper.compressor:
        data = app.mapper.compressor.decompress(data)
    return app.mapper.transcoder.decode(data)


def store_state(app, pid, state):
    """The insider writes the registration back, re-encrypted: it reads fine."""
    data = app.mapper.transcoder.encode(state)
    if app.mapper.compressor:
        data = app.mapper.compressor.compress(data)
    app.sql.execute(f"UPDATE {app.recorder.events_table_name} SET state = ? WHERE"
                    f" originator_id = ? AND originator_version = 1",
                    (app.mapper.cipher.encrypt(data), pid.replace("-", "")))


def test_a_registration_recorded_before_the_upgrade_is_read_upcast_and_still_verifies(
        partners, monkeypatch):
    pid = register(partners)
    before = registration(partners.notifications(0, 100), pid)
    assert before["schema_version"] == 1 and "recorded" not in before

    upgrade(monkeypatch)
    envelopes = partners.notifications(0, 100)
    after = registration(envelopes, pid)
    # consumers read the new shape...
    assert after["schema_version"] == 2
    assert after["payload"]["website"] is None
    assert after["payload"]["legal_name"] == company(1)["legal_name"]
    # ...the hash is the one recorded then, and the envelope says what it commits to
    assert after["hash"] == before["hash"]
    assert after["recorded"]["schema_version"] == 1
    assert "website" not in after["recorded"]["payload"]
    assert committed(after["recorded"]["payload"]) == committed(before["payload"])
    # an auditor's machine: no key at all, only the envelopes
    monkeypatch.setattr(personal, "_commitment_key", None)
    assert verify_chain(envelopes) == []


def test_the_application_loads_and_extends_an_upcast_history(partners, monkeypatch):
    pid = register(partners)
    upgrade(monkeypatch)
    first = next(iter(partners.events.get(uuid.UUID(pid))))
    assert type(first) is REGISTERED and first.website is None  # the upcast state
    # a journalist added after the upgrade chains onto the upcast registration's hash
    partners.add_journalist(pid, chief_editor(1), actor=ADMIN)
    assert partners.get_partner(pid)["legal_name"] == company(1)["legal_name"]
    envelopes = partners.notifications(0, 100)
    added = next(e for e in envelopes if e["type"] == "JournalistAdded")
    assert added["prev_hash"] == registration(envelopes, pid)["hash"]
    assert verify_chain(envelopes) == []


def test_a_registration_recorded_under_version_2_carries_no_recorded_copy_and_commits_to_it(
        partners, monkeypatch):
    upgrade(monkeypatch)
    pid = register(partners, 2)
    env = registration(partners.notifications(0, 100), pid)
    assert env["schema_version"] == 2 and "recorded" not in env  # its payload is the recorded
    assert verify_chain([env]) == []
    fields = {k: env[k] for k in ("originator_id", "originator_version", "type", "timestamp",
                                  "actor", "payload", "prev_hash")}
    assert chain_hash(schema_version=2, **fields) == env["hash"]
    assert chain_hash(schema_version=1, **fields) != env["hash"]  # the version is committed


def test_the_recorded_copy_travels_sealed(partners, monkeypatch):
    pid = register(partners)
    upgrade(monkeypatch)
    env = registration(partners.notifications(0, 100), pid)
    assert company(1)["npwp"] not in json.dumps(env)
    assert set(env["recorded"]["payload"]["npwp"]) == {"sealed", "digest"}


def test_an_insider_who_edits_a_registration_recorded_under_version_1_breaks_the_chain(
        partners, monkeypatch):
    pid = register(partners)
    register(partners, 2)
    upgrade(monkeypatch)
    state = stored_state(partners, pid)
    assert "class_version" not in state  # recorded under version 1
    store_state(partners, pid, {**state, "legal_name": "PT Lain Sama Sekali"})
    envelopes = partners.notifications(0, 100)
    assert registration(envelopes, pid)["payload"]["legal_name"] == "PT Lain Sama Sekali"
    findings = verify_chain(envelopes)
    assert [(f["originator_id"], f["originator_version"]) for f in findings] == [(pid, 1)]
    assert "changed" in findings[0]["problem"]


def test_an_insider_who_rewrites_an_old_registration_as_if_recorded_under_version_2_breaks_it(
        partners, monkeypatch):
    """Rewritten in the new shape, there is no recorded copy left to hash: the hash commits
    to the version it was recorded under, so the rewrite shows."""
    pid = register(partners)
    upgrade(monkeypatch)
    state = stored_state(partners, pid)
    store_state(partners, pid, {**state, "website": None, "class_version": 2})
    env = registration(partners.notifications(0, 100), pid)
    assert "recorded" not in env
    findings = verify_chain([env])
    assert findings and "changed" in findings[0]["problem"]


def test_a_recorded_copy_changed_or_dropped_on_the_way_breaks_the_chain(partners, monkeypatch):
    pid = register(partners)
    upgrade(monkeypatch)
    env = registration(partners.notifications(0, 100), pid)
    changed = copy.deepcopy(env)
    changed["recorded"]["payload"]["legal_name"] = "PT Lain Sama Sekali"
    assert verify_chain([changed])
    dropped = {k: v for k, v in env.items() if k != "recorded"}
    assert verify_chain([dropped])
    relabelled = copy.deepcopy(env)
    relabelled["recorded"]["schema_version"] = 2
    assert verify_chain([relabelled])


def test_a_stored_event_that_no_longer_decrypts_is_still_reported_undecodable(partners,
                                                                              monkeypatch):
    pid = register(partners)
    upgrade(monkeypatch)  # the versioned path reads the stored bytes itself
    partners.sql.execute(f"UPDATE {partners.recorder.events_table_name} SET state = ? WHERE"
                         f" originator_id = ? AND originator_version = 1",
                         (b"not a ciphertext", pid.replace("-", "")))
    env = registration(partners.notifications(0, 100), pid)
    assert env["undecodable"] and env["hash"] is None
    assert "cannot be read" in verify_chain([env])[0]["problem"]


def test_the_clock_of_a_recorded_registration_is_kept(partners, monkeypatch):
    """The timestamp hashed is the one recorded (UTC), in both the cheap and the versioned
    path."""
    import shared.domain

    at = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(shared.domain, "utcnow", lambda: at)
    pid = register(partners)
    plain = registration(partners.notifications(0, 100), pid)
    upgrade(monkeypatch)
    upcast = registration(partners.notifications(0, 100), pid)
    assert plain["timestamp"] == upcast["timestamp"] == at.isoformat()


def test_the_trail_of_an_upcast_registration_verifies_over_its_recorded_copy(partners,
                                                                              monkeypatch):
    from seklik.audit import trail_rows

    pid = register(partners)
    partners.add_journalist(pid, chief_editor(1), actor=ADMIN)
    upgrade(monkeypatch)
    events = [{"source": "partners", "notification_id": e["notification_id"],
               "version": e["originator_version"],
               **{k: e[k] for k in ("type", "timestamp", "actor", "payload", "prev_hash",
                                    "hash", "schema_version")},
               **({"recorded": e["recorded"]} if "recorded" in e else {})}
              for e in partners.notifications(0, 100) if e["originator_id"] == pid]
    assert [e["type"] for e in events] == ["PartnerRegistered", "JournalistAdded"]
    assert [row["verified"] for row in trail_rows(pid, events)] == [True, True]
    events[0] = {k: v for k, v in events[0].items() if k != "recorded"}
    assert [row["verified"] for row in trail_rows(pid, events)] == [False, True]
