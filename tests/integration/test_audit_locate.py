"""What `seklik audit verify` names when an insider with psql (and no key) tampers with a
service's store: the first notification, aggregate and version that differs and the kind of
change (missing, altered, inserted, reordered), not the kept digest's end; and a snapshot
relabelled as a budget's head changes nothing a command sees, and verify lists it."""
import datetime as dt

import pytest

from services.contracts.domain import Budget
from tests.integration.test_audit import connect, recorded_history, seklik

pytestmark = pytest.mark.integration


@pytest.fixture
def partners(cluster, tmp_path):
    """Partners' history: three partners, a document submitted and reviewed for the second, a
    digest kept; the events table and the journal to tamper with."""
    yield from partners_history(cluster, tmp_path, skip_an_id=False)


@pytest.fixture
def partners_with_a_skipped_id(cluster, tmp_path):
    """The same history with one notification id skipped after the first partner's
    registration, as a rolled-back transaction skips one in PostgreSQL."""
    yield from partners_history(cluster, tmp_path, skip_an_id=True)


def partners_history(cluster, tmp_path, skip_an_id: bool):
    db = connect(cluster)
    schema = f'"{cluster.env["POSTGRES_SCHEMA_PREFIX"]}partners"'
    table = f"{schema}.partners_events"

    def skip_one():
        db.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'notification_id'))")

    recorded = recorded_history(cluster, tmp_path, skip_one if skip_an_id else None)
    yield {**recorded, "db": db, "table": table, "journal": f"{schema}.journal"}
    db.close()


def verify(cluster, *args):
    result = seklik(cluster, "audit", "verify", *args)
    out = result.stdout + result.stderr
    broken = [line for line in out.splitlines() if line.startswith("BROKEN")]
    return result.returncode, (broken[0] if broken else ""), out


def verify_partners(cluster, partners):
    return verify(cluster, "--service", "partners", "--digest", str(partners["digest"]))


def event(partners, type_, originator=None):
    return next(e for e in partners["envelopes"] if e["type"] == type_ and (
        originator is None or e["originator_id"] == originator))


def test_an_event_before_the_digest_deleted_with_its_journal_row_is_named_and_restoring_it_verifies(
        cluster, partners):
    target = event(partners, "DocumentSubmitted")  # version 2 of the second partner
    assert target["notification_id"] < partners["envelopes"][-1]["notification_id"]
    db, table, journal = partners["db"], partners["table"], partners["journal"]
    for name in (table, journal):
        db.execute(f"CREATE TABLE {name}_kept AS SELECT * FROM {name}")
    db.execute(f"DELETE FROM {table} WHERE notification_id = %s", (target["notification_id"],))
    db.execute(f"DELETE FROM {journal} WHERE notification_id = %s",
               (target["notification_id"],))

    code, first, out = verify_partners(cluster, partners)
    assert code == 1, out
    assert first.startswith(f"BROKEN partners: notification {target['notification_id']}, "
                            f"aggregate {target['originator_id']} version 2: missing from the "
                            "log"), out

    for name in (table, journal):  # the tables as they were: verify is clean again
        db.execute(f"DELETE FROM {name}")
        db.execute(f"INSERT INTO {name} SELECT * FROM {name}_kept")
    code, first, out = verify_partners(cluster, partners)
    assert code == 0 and not first, out
    assert "kept digest proven" in out


def test_an_event_deleted_and_the_journal_recomputed_without_it_is_named_by_the_kept_digest(
        cluster, partners):
    target = event(partners, "PartnerRegistered", partners["ids"][2])  # its aggregate's only
    db, table, journal = partners["db"], partners["table"], partners["journal"]
    db.execute(f"DELETE FROM {table} WHERE notification_id = %s", (target["notification_id"],))
    db.execute(f"DELETE FROM {journal} WHERE notification_id = %s",
               (target["notification_id"],))
    # the insider recomputes every later root from the journal's own hashes (no key needed)
    rows = db.execute(f"SELECT notification_id, event_hash FROM {journal}"
                      " ORDER BY notification_id").fetchall()
    from shared.application import extend_root
    from shared.domain import GENESIS
    root = GENESIS
    for nid, event_hash in rows:
        root = extend_root(root, nid, event_hash)
        db.execute(f"UPDATE {journal} SET root_hash = %s WHERE notification_id = %s",
                   (root, nid))

    code, first, out = verify_partners(cluster, partners)
    assert code == 1, out
    assert first.startswith(f"BROKEN partners: notification {target['notification_id']}: "
                            "missing from the log"), out
    assert "kept digest" in first
    assert f"differs at notification {partners['envelopes'][-1]['notification_id']}" not in first


def test_two_swapped_notifications_are_reordered(cluster, partners):
    a = event(partners, "PartnerRegistered", partners["ids"][0])["notification_id"]
    b = event(partners, "PartnerRegistered", partners["ids"][2])["notification_id"]
    db, table = partners["db"], partners["table"]
    db.execute(f"UPDATE {table} SET notification_id = -1 WHERE notification_id = %s", (a,))
    db.execute(f"UPDATE {table} SET notification_id = %s WHERE notification_id = %s", (a, b))
    db.execute(f"UPDATE {table} SET notification_id = %s WHERE notification_id = -1", (b,))
    code, first, out = verify_partners(cluster, partners)
    assert code == 1, out
    assert first.startswith(f"BROKEN partners: notification {a}, aggregate "
                            f"{partners['ids'][2]} version 1: differs from the journal"), out
    assert first.endswith("reordered") and f"recorded at notification {b}" in first


def test_one_changed_byte_is_altered_at_its_event(cluster, partners):
    target = event(partners, "DocumentReviewed")
    partners["db"].execute(
        f"UPDATE {partners['table']} SET state = set_byte(state, 40, get_byte(state, 40) # 1)"
        f" WHERE notification_id = %s", (target["notification_id"],))
    code, first, out = verify_partners(cluster, partners)
    assert code == 1, out
    assert first.startswith(f"BROKEN partners: notification {target['notification_id']}, "
                            f"aggregate {target['originator_id']} version 3: differs from the "
                            "journal"), out
    assert "altered" in first


def test_an_event_inserted_where_an_id_was_skipped_is_inserted(cluster,
                                                               partners_with_a_skipped_id):
    partners = partners_with_a_skipped_id
    code, first, out = verify_partners(cluster, partners)
    assert code == 0, out  # a skipped id alone is no finding
    present = [e["notification_id"] for e in partners["envelopes"]]
    [gap] = [nid for nid in range(1, present[-1]) if nid not in present]
    before = max((e for e in partners["envelopes"] if e["notification_id"] < gap),
                 key=lambda e: e["notification_id"])
    version = max(e["originator_version"] for e in partners["envelopes"]
                  if e["originator_id"] == before["originator_id"]) + 1
    db, table = partners["db"], partners["table"]
    # the insider forges one more event of that partner from its own stored ciphertext, into
    # the id the log skipped
    db.execute(f"INSERT INTO {table} (originator_id, originator_version, topic, state,"
               f" notification_id) SELECT originator_id, %s, topic, state, %s FROM {table}"
               f" WHERE notification_id = %s", (version, gap, before["notification_id"]))
    code, first, out = verify_partners(cluster, partners)
    assert code == 1, out
    assert first.startswith(f"BROKEN partners: notification {gap}, aggregate "
                            f"{before['originator_id']} version {version}: not in the "
                            "journal"), out
    assert first.endswith("inserted")


def test_a_budget_s_snapshot_relabelled_as_its_head_changes_no_remaining_and_verify_lists_it(
        cluster):
    from tests.integration.test_reporting_rpc import ACTIVITY, TODAY, YEAR, season, sha

    for service in ("partners", "assessment", "contracts"):
        cluster.start(service)
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier, \
            cluster.rpc("assessor") as assessor, cluster.rpc("finance") as finance:
        [contract_id] = season(cluster, admin, verifier, assessor, finance, partners=1)
        # the budget's version 1, the contract's commitment and 21 payments: a snapshot at 20
        # (orders draw within the contract since issue 13; payments change the budget)
        for n in range(21):
            order_id = finance.contracts.place_order(contract_id, {
                "product": "advertorial", "quantity": 1, "title": f"Siaran pers {n}",
                "publish_by": (TODAY + dt.timedelta(days=3)).isoformat()})["order_id"]
            finance.contracts.submit_proof(order_id, {
                "kind": "link", "reference": f"https://x.id/{n}", "sha256": sha(str(n)),
                "published_on": TODAY.isoformat()})
            finance.contracts.review_proof(order_id, "accepted", "BAST")
            finance.contracts.record_payment(order_id, {
                "sp2d_number": f"{n:05d}/SP2D/{YEAR}", "paid_on": TODAY.isoformat()})
        [row] = [r for r in finance.contracts.budget_status(YEAR)
                 if r["activity_code"] == ACTIVITY]
        true_paid = row["paid"]
        assert true_paid == 21 * 2_000_000  # a partner that is not PKP

    db = connect(cluster)
    snapshots = f'"{cluster.env["POSTGRES_SCHEMA_PREFIX"]}contracts".contracts_snapshots'
    budget_id = Budget.create_id(YEAR, ACTIVITY)
    versions = [v for (v,) in db.execute(f"SELECT originator_version FROM {snapshots} WHERE "
                                         "originator_id = %s", (budget_id,)).fetchall()]
    assert versions == [20]
    db.execute(f"UPDATE {snapshots} SET originator_version = 23 WHERE originator_id = %s",
               (budget_id,))
    db.close()

    with cluster.rpc("finance") as finance:
        [row] = [r for r in finance.contracts.budget_status(YEAR)
                 if r["activity_code"] == ACTIVITY]
        assert row["paid"] == true_paid  # replayed, not the relabelled 36M

    code, first, out = verify(cluster, "--service", "contracts")
    assert code == 1, out
    assert first.startswith(f"BROKEN contracts: snapshot of aggregate {budget_id} version 23: "
                            "its chain head"), out
    assert "relabelled" in first and "it is the snapshot of version 20" in first
    assert "is not used, the aggregate is replayed" in cluster.processes[-1].log()

    with connect(cluster) as db:  # the snapshot as it was: verify is clean again
        db.execute(f"UPDATE {snapshots} SET originator_version = 20 WHERE originator_id = %s",
                   (budget_id,))
    code, first, out = verify(cluster, "--service", "contracts")
    assert code == 0 and not first, out
