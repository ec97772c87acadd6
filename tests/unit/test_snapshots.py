"""Aggregates whose histories grow all year (a budget takes an event for every order placed,
paid or released against it) are loaded from a snapshot and the events after it, not replayed
from the start; the state is the same either way, and the hash chain goes on unbroken."""
import datetime as dt
import functools
import uuid

import pytest

from services.assessment.application import AssessmentApplication
from services.assessment.domain import Assessment
from services.contracts.application import ContractsApplication
from services.contracts.domain import Budget, Contract
from services.partners.application import PartnersApplication
from services.partners.domain import Partner
from shared.application import SNAPSHOT_EVERY
from shared.domain import verify_chain
from tests.world import (ASSESSOR, FINANCE, YEAR, accepted, clock, contract,  # noqa: F401
                         order, paid, tiered_partner, world)

ACTIVITY = "2.16.01.2.06.0001"


def replayed(app, aggregate_id):
    """The aggregate from its events alone, from the first."""
    return functools.reduce(lambda aggregate, event: event.mutate(aggregate),
                            app.events.get(aggregate_id), None)


def whole_log(app):
    return app.notifications(0, 1000)


@pytest.mark.parametrize("application, kinds", [
    (PartnersApplication, {Partner}),
    (AssessmentApplication, {Assessment}),
    (ContractsApplication, {Budget, Contract}),
])
def test_the_aggregates_that_grow_all_year_are_snapshotted(application, kinds):
    assert kinds <= set(application.snapshotting_intervals)
    assert set(application.snapshotting_intervals.values()) == {SNAPSHOT_EVERY}


def test_a_budget_and_a_contract_load_from_snapshots_to_the_state_their_events_give(
        world, monkeypatch):
    monkeypatch.setitem(ContractsApplication.snapshotting_intervals, Budget, 4)
    monkeypatch.setitem(ContractsApplication.snapshotting_intervals, Contract, 4)
    pid = tiered_partner(world, 1, "B")
    cid = contract(world, pid, ceiling=25_000_000)  # ten orders of 2,220,000 with PPN
    for n in range(6):  # each signed contract commits its ceiling against the budget
        contract(world, pid, f"{n:03d}/SPK/2026", ceiling=1_000_000)
    orders = [order(world, cid)["order_id"] for _ in range(9)]
    accepted(world, orders[0])
    paid(world, orders[0], "00001/SP2D/LS/2026", world.clock.today)
    budget = world.contracts.budget(YEAR, ACTIVITY)
    for aggregate_id in (budget.id, uuid.UUID(cid)):
        snapshots = list(world.contracts.snapshots.get(aggregate_id))
        assert [s.originator_version for s in snapshots] == [4, 8]
        assert vars(world.contracts.repository.get(aggregate_id)) == vars(
            replayed(world.contracts, aggregate_id))
    assert (budget.committed, budget.paid) == (25_000_000 + 6 * 1_000_000, 2_220_000)

    order(world, cid)  # the next events chain onto the state loaded from the snapshot
    assert verify_chain(whole_log(world.contracts)) == []


def test_an_assessment_asked_as_of_a_day_before_its_snapshots_is_that_day_s(world,
                                                                            monkeypatch):
    monkeypatch.setitem(AssessmentApplication.snapshotting_intervals, Assessment, 3)
    pid = tiered_partner(world, 1, "B")  # scored (regularity 0) and finalised on day one
    day_one = world.clock.today
    assessment_id = Assessment.create_id(YEAR, uuid.UUID(pid))
    version_on_day_one = world.assessment.repository.get(assessment_id).version
    world.clock.today = day_one + dt.timedelta(days=30)
    for n in range(5):
        world.assessment.score(YEAR, pid, "regularity", 10 + n, "rechecked", actor=ASSESSOR)

    assert [s.originator_version for s in world.assessment.snapshots.get(assessment_id)]
    then = world.assessment.load(assessment_id, Assessment, "assessment", as_of=day_one)
    assert then.version == version_on_day_one and then.scores["regularity"]["score"] == 0
    now = world.assessment.load(assessment_id, Assessment, "assessment")
    assert now.scores["regularity"]["score"] == 14
    assert vars(now) == vars(replayed(world.assessment, assessment_id))
    assert verify_chain(whole_log(world.assessment)) == []


def test_a_snapshot_that_cannot_be_written_fails_no_command(world, monkeypatch, caplog):
    monkeypatch.setitem(ContractsApplication.snapshotting_intervals, Contract, 2)
    pid = tiered_partner(world, 1, "B")
    cid = contract(world, pid)

    def disk_full(*_, **__):
        raise OSError("disk full")

    monkeypatch.setattr(world.contracts.snapshots, "put", disk_full)
    placed = order(world, cid)  # the contract's second event: a snapshot is due
    assert world.contracts.order(placed["order_id"]).contract_id == uuid.UUID(cid)
    assert world.contracts.repository.get(uuid.UUID(cid)).reserved == placed["total"]
    assert "a snapshot was not written; the events are saved" in caplog.text


def test_a_partner_s_snapshot_is_encrypted_like_its_events(tmp_path, monkeypatch):
    import sqlite3

    from eventsourcing.cryptography import AESCipher

    from shared.config import Settings
    from tests.support import actor, company, loaded

    monkeypatch.setitem(PartnersApplication.snapshotting_intervals, Partner, 2)
    app = PartnersApplication(Settings.from_env({
        "SEKLIK_DATA_DIR": str(tmp_path), "CIPHER_KEY": AESCipher.create_key(32)}))
    pid = app.register_partner(loaded(company(7)), actor=actor("admin"))["partner_id"]
    app.deregister_partner(pid, "closed down", actor=actor("admin"))  # version 2: snapshot
    assert list(app.snapshots.get(uuid.UUID(pid)))
    with sqlite3.connect(tmp_path / "partners.sqlite") as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        raw = b"".join(bytes(row[0]) for t in tables if "snapshot" in t
                       for row in db.execute(f"SELECT state FROM {t}"))
    assert raw and company(7)["npwp"].encode() not in raw
    assert app.repository.get(uuid.UUID(pid)).npwp == company(7)["npwp"]
