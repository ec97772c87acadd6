"""What an auditor proves with `seklik audit trail` (read from the owning services' own logs,
not the projector's copy) and `seklik audit compare` (the live views against a rebuild from the
events), against an insider editing PostgreSQL with psql."""
import json

import psycopg
import pytest

from tests.integration.scenarios import eventually
from tests.integration.test_audit import seklik
from tests.integration.test_reporting_rpc import YEAR, caught_up, season, trade

pytestmark = pytest.mark.integration


def traded(cluster, orders: int = 2, partners: int = 1) -> list[str]:
    """A season on every service, `orders` orders traded (every odd one paid), the views
    caught up: the order ids."""
    for service in ("partners", "assessment", "contracts", "projector", "reporting"):
        cluster.start(service)
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier, \
            cluster.rpc("assessor") as assessor, cluster.rpc("finance") as finance:
        contracts = season(cluster, admin, verifier, assessor, finance, partners=partners)
        ids = [trade(cluster, contracts[n % partners], n) for n in range(orders)]
        assert eventually(lambda: caught_up(admin), timeout=60)
    return ids


@pytest.fixture
def db(cluster):
    env = cluster.env
    conn = psycopg.connect(host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
                           dbname=env["POSTGRES_DBNAME"], user=env["POSTGRES_USER"],
                           autocommit=True)
    yield conn
    conn.close()


def schema(cluster, service: str) -> str:
    return f'"{cluster.env["POSTGRES_SCHEMA_PREFIX"]}{service}"'


def trail(cluster, order_id):
    result = seklik(cluster, "audit", "trail", order_id, "--format", "json")
    return result.returncode, json.loads(result.stdout), result.stderr


def test_a_paid_orders_trail_read_from_contracts_own_log_verifies_clean(cluster):
    order_id = traded(cluster)[1]
    code, rows, err = trail(cluster, order_id)
    assert code == 0, err
    assert [(r["source"], r["version"], r["type"]) for r in rows] == [
        ("contracts", 1, "OrderPlaced"), ("contracts", 2, "PriceApplied"),
        ("contracts", 3, "ProofSubmitted"), ("contracts", 4, "ProofReviewed"),
        ("contracts", 5, "PaymentRecorded")]
    assert all(r["verified"] and not r["findings"] for r in rows)
    assert {r["actor"]["sub"] for r in rows} == {"ppk.dewi"}


def test_a_payment_deleted_from_the_projectors_copy_is_named_by_the_trail(cluster, db):
    order_id = traded(cluster)[1]
    copy = f"{schema(cluster, 'reporting')}.audit_events"
    kept = db.execute(f"SELECT * FROM {copy} WHERE originator_id = %s AND type = %s",
                      (order_id, "PaymentRecorded")).fetchone()
    db.execute(f"DELETE FROM {copy} WHERE originator_id = %s AND type = %s",
               (order_id, "PaymentRecorded"))
    code, rows, err = trail(cluster, order_id)
    assert code == 1
    paid = rows[-1]
    assert (paid["type"], paid["version"], paid["verified"]) == ("PaymentRecorded", 5, False)
    assert "missing from the reporting views' copy" in paid["findings"][0]
    assert all(r["verified"] for r in rows[:-1])
    assert (f"BROKEN contracts: notification {paid['notification_id']}, aggregate "
            f"{order_id} version 5 (PaymentRecorded): missing from the reporting views' copy"
            in err)

    # the row put back as it was: clean again
    db.execute(f"INSERT INTO {copy} VALUES ({','.join(['%s'] * len(kept))})", kept)
    code, rows, err = trail(cluster, order_id)
    assert code == 0, err


def test_an_orders_payment_deleted_from_contracts_own_log_is_a_finding(cluster, db):
    order_id = traded(cluster)[1]
    contracts = schema(cluster, "contracts")
    assert eventually(lambda: db.execute(
        f"SELECT count(*) FROM {contracts}.journal WHERE originator_id = %s",
        (order_id,)).fetchone()[0] == 5)
    db.execute(f"DELETE FROM {contracts}.contracts_events"
               " WHERE originator_id = %s AND originator_version = 5", (order_id,))
    code, rows, err = trail(cluster, order_id)
    assert code == 1
    assert [r["version"] for r in rows if r["verified"]] == [1, 2, 3, 4]
    [gone] = [r for r in rows if not r["verified"]]
    assert (gone["type"], gone["version"]) == ("PaymentRecorded", 5)  # as the copy shows it
    assert gone["findings"][0].startswith("recorded in contracts's journal of checkpoints")
    assert gone["findings"][0].endswith("but no longer in its store: deleted")

    # its checkpoint deleted too: the projector's copy still tells
    db.execute(f"DELETE FROM {contracts}.journal WHERE originator_id = %s"
               " AND originator_version = 5", (order_id,))
    code, rows, err = trail(cluster, order_id)
    assert code == 1
    [gone] = [r for r in rows if not r["verified"]]
    assert gone["findings"] == [f"in the reporting views' copy but not in contracts's own log "
                                f"(version 5 of {order_id}): deleted from contracts's log"]


def test_an_order_deleted_from_the_middle_of_its_chain_is_a_version_gap(cluster, db):
    order_id = traded(cluster)[1]
    db.execute(f"DELETE FROM {schema(cluster, 'contracts')}.contracts_events"
               " WHERE originator_id = %s AND originator_version = 3", (order_id,))
    code, rows, err = trail(cluster, order_id)
    assert code == 1
    after_gap = next(r for r in rows if r["source"] == "contracts" and r["version"] == 4)
    assert "version 4 follows version 2 of its aggregate" in after_gap["findings"]
    assert "BROKEN contracts" in err and "version 4 follows version 2" in err


def test_compare_finds_a_forged_net_in_the_payments_view(cluster, db):
    orders = traded(cluster, orders=4, partners=2)
    clean = seklik(cluster, "audit", "compare", "--year", str(YEAR))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "the live views equal a rebuild from the events" in clean.stdout

    payments = f"{schema(cluster, 'reporting')}.payments"
    # what the partner receives (the column was `net` before issue 13)
    [(net,)] = db.execute(f"SELECT paid_to_partner FROM {payments} WHERE order_id = %s",
                          (orders[1],)).fetchall()
    db.execute(f"UPDATE {payments} SET paid_to_partner = paid_to_partner + 1000000"
               " WHERE order_id = %s", (orders[1],))
    forged = seklik(cluster, "audit", "compare", "--year", str(YEAR), "--format", "json")
    assert forged.returncode == 1, forged.stderr
    differences = json.loads(forged.stdout)["differences"]
    assert {"view": "payment_ledger", "key": orders[1], "column": "paid_to_partner",
            "live": net + 1_000_000, "rebuilt": net} in differences
    # the tax summary adds the same forged amount up
    assert any(d["view"] == "tax_summary" and d["column"] == "paid_to_partner"
               for d in differences)

    table = seklik(cluster, "audit", "compare", "--year", str(YEAR))
    assert table.returncode == 1
    line = next(line for line in table.stdout.splitlines() if line.startswith(
        "payment_ledger") and " paid_to_partner " in line)
    assert line.split() == ["payment_ledger", orders[1], "paid_to_partner",
                            f"{net + 1_000_000:,}", f"{net:,}"]
