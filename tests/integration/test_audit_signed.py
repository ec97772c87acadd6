"""What signed checkpoints prove against an insider who has the database (and even the cipher
key) but not the services' signing keys: recomputing the journal after deleting history no
longer passes `seklik audit verify`; two digests kept on different days prove the newer extends
the older; the checkpoints are signed whatever the broker does, and published for a witness."""
import base64
import json
import uuid

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kombu import Connection, Exchange, Queue

from shared.application import extend_root
from shared.auth import development_key
from shared.checkpoints import key_id, sign, signed_body
from shared.config import DEV_CIPHER_KEY
from shared.domain import GENESIS
from tests.integration.scenarios import eventually
from tests.integration.test_broker_permissions import least_privilege  # noqa: F401,F811
from tests.integration.test_audit import seklik
from tests.support import company, document

pytestmark = pytest.mark.integration

FAST = {"SEKLIK_CHECKPOINT_EVERY": "2", "SEKLIK_CHECKPOINT_SECONDS": "0.3"}


def signed_up_to_the_end(rpc, service="partners") -> bool:
    last = rpc.notifications(after=0, limit=1000)[-1]["notification_id"]
    signed = getattr(rpc, "signed_checkpoints")(after=0, limit=1000)
    return bool(signed) and signed[-1]["notification_id"] == last


@pytest.fixture
def store(cluster):
    """Partners with three registrations (each a partner and its NPWP claim) and a reviewed
    document, every event under a signed checkpoint; psql access as an insider has it."""
    cluster.start("partners", **FAST)
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier:
        ids = [admin.partners.register_partner(company(n))["partner_id"] for n in (1, 2, 3)]
        did = admin.partners.submit_document(ids[1], document("deed"))["document_id"]
        verifier.partners.review_document(ids[1], did, "accepted", "ok")
        assert eventually(lambda: signed_up_to_the_end(admin.partners), timeout=20)
        # and a later registration, under a checkpoint of its own: the history above is
        # sealed by at least one signed checkpoint after it
        ids.append(admin.partners.register_partner(company(4))["partner_id"])
        assert eventually(lambda: signed_up_to_the_end(admin.partners), timeout=20)
        envelopes = admin.partners.notifications(after=0, limit=1000)
        signed = admin.partners.signed_checkpoints(after=0, limit=1000)
    env = cluster.env
    conn = psycopg.connect(host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
                           dbname=env["POSTGRES_DBNAME"], user=env["POSTGRES_USER"],
                           autocommit=True)
    schema = f'"{env["POSTGRES_SCHEMA_PREFIX"]}partners"'
    yield {"ids": ids, "envelopes": envelopes, "signed": signed, "db": conn,
           "events": f"{schema}.partners_events", "journal": f"{schema}.journal",
           "checkpoints": f"{schema}.signed_checkpoints"}
    conn.close()


def verify(cluster, *args):
    result = seklik(cluster, "audit", "verify", "--service", "partners", *args)
    return result.returncode, result.stdout + result.stderr


def broken(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("BROKEN"))


def recompute_journal(store) -> None:
    """An insider without the key: every journal root again from the journal's own hashes."""
    db, root = store["db"], GENESIS
    rows = db.execute(f"SELECT notification_id, event_hash FROM {store['journal']}"
                      " ORDER BY notification_id").fetchall()
    for nid, event_hash in rows:
        root = extend_root(root, nid, event_hash)
        db.execute(f"UPDATE {store['journal']} SET root_hash = %s WHERE notification_id = %s",
                   (root, nid))


def erase(store, notification_ids) -> None:
    """Delete events, their journal rows and any checkpoint signed at their very position."""
    for nid in notification_ids:
        for table in ("events", "journal", "checkpoints"):
            store["db"].execute(f"DELETE FROM {store[table]} WHERE notification_id = %s",
                                (nid,))
    recompute_journal(store)


def first_signed_after(store, nid) -> int:
    return next(c["notification_id"] for c in store["signed"] if c["notification_id"] > nid)


def test_the_untouched_store_verifies_clean_and_says_which_keys_it_trusted(cluster, store):
    code, out = verify(cluster)
    assert code == 0, out
    dev = key_id(development_key("partners").public_key())
    assert f"keys   partners: trusting {dev} (development key (SEKLIK_ENV=development))" in out
    assert f"{len(store['signed'])} signed checkpoints verified" in out


def test_an_event_deleted_with_its_journal_row_and_the_journal_recomputed_is_caught(
        cluster, store):
    # a partner's document review: the partner reads "document pending" again
    target = next(e for e in store["envelopes"] if e["type"] == "DocumentReviewed")
    erase(store, [target["notification_id"]])
    code, out = verify(cluster)
    assert code == 1, out
    at = first_signed_after(store, target["notification_id"] - 1)
    if at == target["notification_id"]:  # its own checkpoint went with it: the next one
        at = first_signed_after(store, at)
    assert f"the signed checkpoint at notification {at} " in out
    assert "is not the root recomputed from the log up to it" in out


def test_a_whole_claim_aggregate_erased_and_the_journal_recomputed_is_caught(cluster, store):
    # the NPWP claim of partner 1: its NPWP could be registered a second time
    claim = next(e for e in store["envelopes"] if e["type"] == "NpwpClaimed")
    erase(store, [claim["notification_id"]])
    code, out = verify(cluster)
    assert code == 1, out
    assert "is not the root recomputed from the log up to it" in broken(out)
    assert broken(out).startswith("BROKEN partners: notification ")


def test_a_changed_checkpoint_row_is_caught(cluster, store):
    row = store["signed"][0]
    store["db"].execute(f"UPDATE {store['checkpoints']} SET root_hash = %s"
                        " WHERE notification_id = %s", ("0" * 64, row["notification_id"]))
    code, out = verify(cluster)
    assert code == 1, out
    assert broken(out) == (
        f"BROKEN partners: notification {row['notification_id']}: the signed checkpoint at "
        f"notification {row['notification_id']} (recorded {row['recorded_at']}, key "
        f"{row['key_id']}): its signature does not verify with key {row['key_id']}: the "
        "checkpoint was changed after it was signed")


def test_a_history_re_signed_with_another_key_is_refused_as_untrusted(cluster, store):
    """The insider holds the cipher key (he could re-encrypt any event) and deletes one, then
    recomputes the journal and signs every checkpoint again, with a key of his own, which he
    writes beside each row: verify trusts the keys it was given, not the ones the rows carry."""
    target = next(e for e in store["envelopes"] if e["type"] == "DocumentReviewed")
    erase(store, [target["notification_id"]])
    insider = Ed25519PrivateKey.generate()
    roots = dict(store["db"].execute(f"SELECT notification_id, root_hash FROM "
                                     f"{store['journal']}").fetchall())
    for row in store["db"].execute(f"SELECT notification_id, regency, service, recorded_at"
                                   f" FROM {store['checkpoints']}").fetchall():
        nid, regency, service, recorded_at = row
        root = roots[max(n for n in roots if n <= nid)]
        forged = sign(insider, regency=regency, service=service, notification_id=nid,
                      root_hash=root, recorded_at=recorded_at)
        store["db"].execute(
            f"UPDATE {store['checkpoints']} SET root_hash = %s, key_id = %s, public_key = %s,"
            " signature = %s WHERE notification_id = %s",
            (root, forged["key_id"], forged["public_key"], forged["signature"], nid))
    code, out = verify(cluster)
    assert code == 1, out
    assert f"it is signed by key {key_id(insider.public_key())}, which is not trusted for " \
           f"partners" in broken(out)


def test_two_digests_prove_the_newer_extends_the_older_until_history_between_them_changes(
        cluster, store, tmp_path):
    old = tmp_path / "old.json"
    result = seklik(cluster, "audit", "digest", "--service", "partners")
    assert result.returncode == 0, result.stderr
    old.write_text(result.stdout)
    kept = json.loads(result.stdout)
    assert kept["regency"] == "16.02"
    entry = kept["services"]["partners"]
    assert {"last_notification_id", "root_hash", "recorded_at", "public_key", "signature",
            "key_id"} <= set(entry)
    with cluster.rpc("admin") as admin:
        admin.partners.register_partner(company(5))
    new = tmp_path / "new.json"
    new.write_text(seklik(cluster, "audit", "digest", "--service", "partners").stdout)
    assert json.loads(new.read_text())["services"]["partners"]["last_notification_id"] == \
        entry["last_notification_id"] + 2

    # trusting the keys in the kept digests only (no development keys outside development)
    production = {"SEKLIK_ENV": "production", "CIPHER_KEY": DEV_CIPHER_KEY}
    saved = dict(cluster.env)
    cluster.env.update(production)
    try:
        code, out = verify(cluster, "--digest", str(old), "--digest", str(new))
        assert code == 0, out
        assert "2 signed digests consistent" in out and "(digest " in out
        assert "development key" not in out

        # an event before the old digest's end deleted, the journal recomputed, and every
        # checkpoint of the store after it deleted too: the two digests still catch it
        target = next(e for e in store["envelopes"] if e["type"] == "DocumentReviewed")
        erase(store, [target["notification_id"]])
        store["db"].execute(f"DELETE FROM {store['checkpoints']}")
        code, out = verify(cluster, "--digest", str(old), "--digest", str(new))
        assert code == 1, out
        assert f"the kept digest {old} (signed at notification " \
               f"{entry['last_notification_id']}): its root" in out
        assert f"the kept digest {new} (signed at notification" in out

        code, out = verify(cluster, "--digest", str(new), "--digest", str(old))
        assert code == 1
        assert f"the digest {old} ends at notification {entry['last_notification_id']}, " \
               f"before the older digest {new}" in out
    finally:
        cluster.env.clear()
        cluster.env.update(saved)


def test_checkpoints_are_signed_with_the_relay_off(cluster):
    cluster.start("partners", SEKLIK_RELAY="off", **FAST)
    with cluster.rpc("admin") as admin:
        for n in (1, 2, 3):
            admin.partners.register_partner(company(n))
        assert eventually(lambda: signed_up_to_the_end(admin.partners), timeout=20)
        assert admin.partners.health()["relay"] is None  # nothing was published


def test_a_witness_receives_every_signed_checkpoint(cluster, rabbit):
    name = f"seklik.witness.test-{uuid.uuid4().hex[:8]}"
    with Connection(rabbit) as conn:
        exchange = Exchange("seklik.checkpoints", type="topic", durable=True)
        queue = Queue(name, exchange=exchange, routing_key="partners", durable=False,
                      auto_delete=False)
        queue(conn.default_channel).declare()
        try:
            cluster.start("partners", **FAST)
            with cluster.rpc("admin") as admin:
                for n in (1, 2):
                    admin.partners.register_partner(company(n))
                assert eventually(lambda: signed_up_to_the_end(admin.partners), timeout=20)
                signed = admin.partners.signed_checkpoints(after=0, limit=1000)
            received = []

            def witnessed():
                while (message := queue(conn.default_channel).get(no_ack=True)) is not None:
                    received.append(json.loads(message.body))
                return [r["notification_id"] for r in received] == [
                    s["notification_id"] for s in signed]

            assert eventually(witnessed, timeout=20), received
            assert received == signed
            key = development_key("partners").public_key()
            for entry in received:  # each verifies on its own, with the service's key
                key.verify(base64.b64decode(entry["signature"]), signed_body(entry))
        finally:
            queue(conn.default_channel).delete()


def test_under_least_privilege_a_witness_reads_the_checkpoints_and_nobody_forges_one(
        cluster, least_privilege):
    import amqp

    from tests.integration.test_broker_permissions import refused

    cli = least_privilege["cli"]
    witness = f"seklik.witness.bpk-{uuid.uuid4().hex[:6]}"
    cluster.start("partners", AMQP_URI=least_privilege["partners"], **FAST)
    with cluster.rpc("admin") as admin:
        admin.partners.register_partner(company(1))
        assert eventually(lambda: signed_up_to_the_end(admin.partners), timeout=20)
    with Connection(cli) as conn:
        def bound() -> bool:  # once the partners relay has published (and so declared) it
            channel = conn.channel()
            try:
                channel.queue_declare(witness, durable=True, auto_delete=False)
                channel.queue_bind(witness, "seklik.checkpoints", "#")
            except amqp.exceptions.NotFound:
                return False
            return True

        assert eventually(bound, timeout=20), "the relay never declared seklik.checkpoints"
    with cluster.rpc("admin") as admin:
        admin.partners.register_partner(company(2))
        assert eventually(lambda: signed_up_to_the_end(admin.partners), timeout=20)
        last = admin.partners.signed_checkpoints(after=0, limit=1000)[-1]
    with Connection(cli) as conn:
        channel = conn.channel()
        assert eventually(lambda: channel.queue_declare(witness, passive=True).message_count,
                          timeout=20)
        received = []
        while (message := channel.basic_get(witness, no_ack=True)) is not None:
            received.append(json.loads(message.body))
        assert received[-1] == last
    forged = amqp.Message(b"{}", content_type="application/json")
    assert refused(cli, lambda ch: ch.basic_publish(forged, "seklik.checkpoints", "partners"))
    # a service publishes only under its own name
    assert refused(least_privilege["partners"],
                   lambda ch: ch.basic_publish(forged, "seklik.checkpoints", "contracts"))
    assert refused(cli, lambda ch: ch.queue_declare("someone-elses-copy"))


def test_outside_development_verify_trusts_the_published_keys_and_nothing_else(
        cluster, store, tmp_path):
    from shared.auth import encode_key

    keys = tmp_path / "seklik-public-keys.txt"
    public = encode_key(development_key("partners").public_key())  # as published at deployment
    keys.write_text(f"# published by the regency, 2026-01-02\nSEKLIK_SERVICE_PUBLIC_KEYS="
                    f"partners={public}\n")
    saved = dict(cluster.env)
    cluster.env.update({"SEKLIK_ENV": "production", "CIPHER_KEY": DEV_CIPHER_KEY})
    try:
        code, out = verify(cluster, "--keys", str(keys))
        assert code == 0, out
        assert f"trusting {key_id(development_key('partners').public_key())} (--keys {keys})" \
            in out
        code, out = verify(cluster)  # no key given: the rows' own public keys are not enough
        assert code == 1
        assert "which is not trusted for partners (trusted: none)" in broken(out)
    finally:
        cluster.env.clear()
        cluster.env.update(saved)


def test_a_paid_order_s_payment_or_its_sp2d_claim_erased_with_the_journal_recomputed_is_caught(
        cluster):
    """The two edits the insider test made: an order's PaymentRecorded deleted (the order reads
    "proof accepted" and could be paid twice) and a whole Sp2dClaimed aggregate erased (its SP2D
    number reusable), each with its journal rows and the journal recomputed without the key.
    Restoring the tables verifies clean again."""
    from tests.integration.test_reporting_rpc import season, trade

    for service in ("partners", "assessment", "contracts"):
        cluster.start(service, **FAST)
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier, \
            cluster.rpc("assessor") as assessor, cluster.rpc("finance") as finance:
        contracts = season(cluster, admin, verifier, assessor, finance, partners=1)
        trade(cluster, contracts[0], 1)  # paid
        trade(cluster, contracts[0], 2)  # not paid: history after the payment
        assert eventually(lambda: signed_up_to_the_end(admin.contracts), timeout=30)
        envelopes = admin.contracts.notifications(after=0, limit=1000)
        signed = admin.contracts.signed_checkpoints(after=0, limit=1000)
    env = cluster.env
    db = psycopg.connect(host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
                         dbname=env["POSTGRES_DBNAME"], user=env["POSTGRES_USER"],
                         autocommit=True)
    schema = f'"{env["POSTGRES_SCHEMA_PREFIX"]}contracts"'
    store = {"db": db, "events": f"{schema}.contracts_events", "journal": f"{schema}.journal",
             "checkpoints": f"{schema}.signed_checkpoints", "signed": signed}
    for table in ("events", "journal", "checkpoints"):
        db.execute(f"CREATE TABLE {store[table]}_kept AS SELECT * FROM {store[table]}")

    def restore():
        for table in ("events", "journal", "checkpoints"):
            db.execute(f"DELETE FROM {store[table]}")
            db.execute(f"INSERT INTO {store[table]} SELECT * FROM {store[table]}_kept")

    def audit():
        result = seklik(cluster, "audit", "verify", "--service", "contracts")
        return result.returncode, result.stdout + result.stderr

    try:
        payment = next(e for e in envelopes if e["type"] == "PaymentRecorded")
        erase(store, [payment["notification_id"]])
        code, out = audit()
        assert code == 1, out
        assert "the signed checkpoint at notification" in out
        assert "is not the root recomputed from the log up to it" in out

        restore()
        code, out = audit()
        assert code == 0, out

        claim = next(e for e in envelopes if e["type"] == "Sp2dClaimed")
        erase(store, [e["notification_id"] for e in envelopes
                      if e["originator_id"] == claim["originator_id"]])
        code, out = audit()
        assert code == 1, out
        assert "is not the root recomputed from the log up to it" in out

        restore()
        code, out = audit()
        assert code == 0, out
    finally:
        db.close()
