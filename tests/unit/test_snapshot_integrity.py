"""A snapshot is used only when it is the aggregate at its version: its chain head (the hash of
the last event it applied) must be the stored event's hash at that version. An insider who
relabels an old snapshot as the head version (no key needed) changes nothing a command sees:
the aggregate is replayed from its events, an ERROR is logged, and verify lists the snapshot."""
import functools
import logging
import uuid

from services.contracts.application import ContractsApplication
from services.contracts.domain import Budget
from shared.application import snapshot_problem
from shared.domain import verify_chain
from tests.world import (YEAR, clock, contract, tiered_partner, world)  # noqa: F401

ACTIVITY = "2.16.01.2.06.0001"


def replayed(app, aggregate_id):
    return functools.reduce(lambda aggregate, event: event.mutate(aggregate),
                            app.events.get(aggregate_id), None)


def snapshot_rows(app, aggregate_id):
    table = app.sql.table(app.snapshots.recorder.events_table_name)
    return table, [(raw, version) for raw, version in app.sql.query(
        f"SELECT originator_id, originator_version FROM {table}")
        if uuid.UUID(str(raw)) == aggregate_id]


def relabel_first_snapshot_as_head(app, aggregate_id):
    """What an insider with the database does: keep the oldest snapshot, drop the later ones,
    and give it the head's version."""
    table, rows = snapshot_rows(app, aggregate_id)
    raw = rows[0][0]
    oldest = min(v for _, v in rows)
    head = max(e.originator_version for e in app.events.get(aggregate_id))
    app.sql.execute(f"DELETE FROM {table} WHERE originator_id = ? AND originator_version > ?",
                    (raw, oldest))
    app.sql.execute(f"UPDATE {table} SET originator_version = ? WHERE originator_id = ?",
                    (head, raw))
    return oldest, head


def a_busy_budget(world, monkeypatch):
    # each signed contract commits its ceiling against the budget (issue 13)
    monkeypatch.setitem(ContractsApplication.snapshotting_intervals, Budget, 4)
    pid = tiered_partner(world, 1, "B")
    for n in range(9):
        contract(world, pid, f"{n:03d}/SPK/2026", ceiling=2_000_000)
    return Budget.create_id(YEAR, ACTIVITY), pid


def status(app):
    return {row["activity_code"]: row["remaining"] for row in app.budget_status(YEAR)}


def test_a_budget_s_snapshot_relabelled_as_its_head_leaves_the_remaining_budget_true(
        world, monkeypatch, caplog):
    budget_id, pid = a_busy_budget(world, monkeypatch)
    app = world.contracts
    true_remaining = replayed(app, budget_id).remaining
    assert status(app)[ACTIVITY] == true_remaining == 100_000_000 - 9 * 2_000_000
    assert app.snapshot_findings()["findings"] == []

    oldest, head = relabel_first_snapshot_as_head(app, budget_id)
    assert head > oldest
    with caplog.at_level(logging.ERROR):
        assert status(app)[ACTIVITY] == true_remaining
    assert f"the snapshot of {budget_id} version {head} is not used" in caplog.text
    assert vars(app.repository.get(budget_id)) == vars(replayed(app, budget_id))

    # the next command commits against the true state, and its event chains on
    contract(world, pid, "009/SPK/2026", ceiling=2_000_000)
    assert status(app)[ACTIVITY] == true_remaining - 2_000_000
    assert verify_chain(app.notifications(0, 1000)) == []

    report = app.snapshot_findings()
    assert report["snapshots"] >= 1
    [finding] = report["findings"]
    assert (finding["originator_id"], finding["originator_version"],
            finding["actual_version"]) == (str(budget_id), head, oldest)
    assert "relabelled" in finding["problem"]
    assert "state" not in finding and "pagu" not in str(finding)


def test_a_snapshot_whose_event_is_gone_or_that_no_longer_decodes_is_not_used(world,
                                                                               monkeypatch):
    budget_id, _ = a_busy_budget(world, monkeypatch)
    app = world.contracts
    table, rows = snapshot_rows(app, budget_id)
    raw, version = rows[-1]
    app.sql.execute(f"UPDATE {table} SET state = ? WHERE originator_id = ? AND "
                    "originator_version = ?", (b"\x00" * 40, raw, version))
    assert app.repository.get(budget_id).remaining == replayed(app, budget_id).remaining
    [finding] = app.snapshot_findings()["findings"]
    assert finding["originator_version"] == version
    assert "cannot be read" in finding["problem"]


def test_snapshot_problem_compares_the_chain_head_with_the_event_at_its_version(world,
                                                                                monkeypatch):
    budget_id, _ = a_busy_budget(world, monkeypatch)
    app = world.contracts
    [first, *_] = app.snapshots.get(budget_id)
    events = {e.originator_version: e for e in app.events.get(budget_id)}
    assert snapshot_problem(first, events[first.originator_version]) is None
    assert "relabelled" in snapshot_problem(first, events[first.originator_version + 1])
    assert "no event" in snapshot_problem(first, None)
