"""What an auditor proves with the CLI, a token with role `auditor` and a digest kept earlier,
against history tampered with directly in PostgreSQL."""
import datetime as dt
import json
import subprocess
import sys

import psycopg
import pytest

from shared.config import Settings
from tests.integration.scenarios import eventually
from tests.support import company, document, token

pytestmark = pytest.mark.integration


def seklik(cluster, *args) -> subprocess.CompletedProcess:
    env = {**cluster.env, "SEKLIK_TOKEN": token("auditor", sub="bpk.auditor")}
    return subprocess.run([sys.executable, "-m", "seklik.cli", *args], env=env,
                          capture_output=True, text=True, timeout=180)


def connect(cluster):
    env = cluster.env
    return psycopg.connect(host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
                           dbname=env["POSTGRES_DBNAME"], user=env["POSTGRES_USER"],
                           autocommit=True)


def recorded_history(cluster, tmp_path, after_first=None) -> dict:
    """Three partners (`after_first()` runs once the first is registered), a document submitted
    and reviewed for the second, the journal caught up and a digest kept."""
    cluster.start("partners")
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier:
        ids = [admin.partners.register_partner(company(1))["partner_id"]]
        if after_first:
            after_first()
        ids += [admin.partners.register_partner(company(n))["partner_id"] for n in (2, 3)]
        did = admin.partners.submit_document(ids[1], document("deed"))["document_id"]
        verifier.partners.review_document(ids[1], did, "accepted", "ok")
        assert eventually(lambda: admin.partners.checkpoints(after=0, limit=1000)[-1][
            "notification_id"] == admin.partners.notifications(after=0, limit=1000)[-1][
            "notification_id"])
        envelopes = admin.partners.notifications(after=0, limit=1000)
    digest = seklik(cluster, "audit", "digest", "--service", "partners")
    assert digest.returncode == 0, digest.stderr
    kept = tmp_path / "digest.json"
    kept.write_text(digest.stdout)
    return {"ids": ids, "envelopes": envelopes, "digest": kept}


@pytest.fixture
def history(cluster, tmp_path):
    """Three partners with documents; a digest kept; the partners' events table to tamper."""
    recorded = recorded_history(cluster, tmp_path)
    conn = connect(cluster)
    table = f'"{cluster.env["POSTGRES_SCHEMA_PREFIX"]}partners".partners_events'
    yield {**recorded, "db": conn, "table": table}
    conn.close()


def verify(cluster, history):
    result = seklik(cluster, "audit", "verify", "--service", "partners", "--digest",
                    str(history["digest"]))
    return result.returncode, result.stdout + result.stderr


def event(history, type_, originator=None):
    return next(e for e in history["envelopes"] if e["type"] == type_ and (
        originator is None or e["originator_id"] == originator))


def test_an_untouched_history_passes(cluster, history):
    code, out = verify(cluster, history)
    assert code == 0, out
    assert "kept digest proven" in out


def test_one_changed_byte_is_caught_at_its_event(cluster, history):
    target = event(history, "PartnerRegistered", history["ids"][1])
    # The store is encrypted (CIPHER_KEY, as every deployment's is): one bit of the stored
    # ciphertext flipped, as an insider with the database but no key can.
    history["db"].execute(
        f"UPDATE {history['table']} SET state = set_byte(state, 40, get_byte(state, 40) # 1)"
        f" WHERE notification_id = %s", (target["notification_id"],))
    code, out = verify(cluster, history)
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"BROKEN partners: notification {target['notification_id']}, "
                            f"aggregate {target['originator_id']} version 1")
    assert "changed" in first


def test_a_deleted_last_event_of_an_aggregate_is_caught(cluster, history):
    target = event(history, "DocumentReviewed")
    assert target["originator_version"] == 3  # the last event of that partner
    history["db"].execute(f"DELETE FROM {history['table']} WHERE notification_id = %s",
                          (target["notification_id"],))
    code, out = verify(cluster, history)
    assert code == 1
    assert out.splitlines()[0].startswith(
        f"BROKEN partners: notification {target['notification_id']}, aggregate "
        f"{target['originator_id']} version 3: missing from the log")


def test_two_swapped_events_are_caught(cluster, history):
    a = event(history, "PartnerRegistered", history["ids"][0])["notification_id"]
    b = event(history, "PartnerRegistered", history["ids"][2])["notification_id"]
    db, table = history["db"], history["table"]
    db.execute(f"UPDATE {table} SET notification_id = -1 WHERE notification_id = %s", (a,))
    db.execute(f"UPDATE {table} SET notification_id = %s WHERE notification_id = %s", (a, b))
    db.execute(f"UPDATE {table} SET notification_id = %s WHERE notification_id = -1", (b,))
    code, out = verify(cluster, history)
    assert code == 1
    assert out.splitlines()[0].startswith(f"BROKEN partners: notification {a}, aggregate "
                                          f"{history['ids'][2]} version 1: differs from the "
                                          "journal")


def test_the_newest_notification_deleted_after_a_digest_was_kept_is_caught(cluster, history):
    newest = history["envelopes"][-1]
    db, table = history["db"], history["table"]
    db.execute(f"DELETE FROM {table} WHERE notification_id = %s", (newest["notification_id"],))
    # an operator covering the traces also drops the journal's rows for it
    db.execute(f'DELETE FROM "{cluster.env["POSTGRES_SCHEMA_PREFIX"]}partners".journal'
               " WHERE notification_id = %s", (newest["notification_id"],))
    code, out = verify(cluster, history)
    assert code == 1
    assert out.splitlines()[0] == (
        f"BROKEN partners: notification {newest['notification_id']}: the log ends at "
        f"notification {newest['notification_id'] - 1} but the kept digest covers up to "
        f"{newest['notification_id']}: the newest events were deleted")


def test_replay_as_of_a_date_before_a_payment_omits_it_and_today_equals_the_live_views(
        cluster, tmp_path):
    from tests.integration.test_reporting_rpc import caught_up, season, trade

    for service in ("partners", "assessment", "contracts", "projector", "reporting"):
        cluster.start(service)
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier, \
            cluster.rpc("assessor") as assessor, cluster.rpc("finance") as finance:
        contracts = season(cluster, admin, verifier, assessor, finance, partners=2)
        for n in range(3):
            trade(cluster, contracts[n % 2], n)  # orders 1 is paid
        assert eventually(lambda: caught_up(admin), timeout=60)
    today = Settings.from_env().today()  # the regency's date, as --as-of reads it
    yesterday = today - dt.timedelta(days=1)
    year = today.year

    replay = seklik(cluster, "audit", "replay", "--as-of", today.isoformat(), "--out",
                    str(tmp_path / "today"))
    assert replay.returncode == 0, replay.stderr
    with cluster.rpc("auditor") as auditor:
        live = {"payment_ledger": auditor.reporting.payment_ledger(year),
                "budget_realization": auditor.reporting.budget_realization(year),
                "spending_by_partner": auditor.reporting.spending(year),
                "tax_summary": auditor.reporting.tax_summary(year),
                "outputs": auditor.reporting.outputs(year),
                "partner_registry": auditor.reporting.partner_registry(year)}
    for name, rows in live.items():
        assert json.loads((tmp_path / "today" / f"{name}.json").read_text()) == rows, name
    assert len(live["payment_ledger"]) == 1
    manifest = json.loads((tmp_path / "today" / "manifest.json").read_text())
    assert manifest["built_from"]["contracts"]["replayed"] == manifest["built_from"][
        "contracts"]["last_notification_id"]

    before = seklik(cluster, "audit", "replay", "--as-of", yesterday.isoformat(), "--year",
                    str(year), "--out", str(tmp_path / "before"))
    assert before.returncode == 0, before.stderr
    assert json.loads((tmp_path / "before" / "payment_ledger.json").read_text()) == []
    assert (tmp_path / "before" / "payment_ledger.csv").read_text().strip() == ""


def test_the_trail_of_an_order_with_every_hash_verified(cluster):
    from tests.integration.test_reporting_rpc import caught_up, season, trade

    for service in ("partners", "assessment", "contracts", "projector", "reporting"):
        cluster.start(service)
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier, \
            cluster.rpc("assessor") as assessor, cluster.rpc("finance") as finance:
        contracts = season(cluster, admin, verifier, assessor, finance, partners=1)
        order_id = trade(cluster, contracts[0], 1)
        assert eventually(lambda: caught_up(admin), timeout=60)
    result = seklik(cluster, "audit", "trail", order_id, "--format", "json")
    assert result.returncode == 0, result.stderr
    trail = json.loads(result.stdout)
    assert [row["type"] for row in trail] == ["OrderPlaced", "PriceApplied", "ProofSubmitted",
                                              "ProofReviewed", "PaymentRecorded"]
    assert all(row["verified"] for row in trail)
    assert {row["actor"]["sub"] for row in trail} == {"ppk.dewi"}
