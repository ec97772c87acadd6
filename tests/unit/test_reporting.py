"""Audit-ready views from events alone (DOMAIN.md §4), checked against hand-computed figures.

A small season: three online outlets (tier A PKP, tier B not PKP, tier C PKP) on one budget of
Rp100,000,000. The event clock follows the scenario's dates, so views can be asked as of a day.
"""
import datetime as dt

import pytest

from services.reporting.application import PROJECTION, ReportingApplication
from shared.config import Settings
from shared.consumer import TrackedConsumer
from tests.world import (FINANCE, MEDIA, YEAR, accepted, clock, contract, order,  # noqa: F401
                         proof, tiered_partner, world)


@pytest.fixture
def season(world):
    c = world.contracts
    a = tiered_partner(world, 1, "A", pkp=True)
    b = tiered_partner(world, 2, "B", pkp=False)
    lapsed = tiered_partner(world, 3, "C", pkp=True)
    world.project()  # the projector keeps up part of the way, then catches up later
    first = order(world, contract(world, a, "001/SPK/2026"), quantity=2)["order_id"]
    second_contract = contract(world, b, "002/SPK/2026")
    second = order(world, second_contract)["order_id"]
    cancelled = order(world, second_contract)["order_id"]
    c.cancel_order(cancelled, "agenda moved", actor=FINANCE)
    late = order(world, contract(world, lapsed, "003/SPK/2026"))["order_id"]
    accepted(world, first, dt.date(YEAR, 3, 9))
    accepted(world, second, dt.date(YEAR, 3, 9))
    world.project()
    world.clock.today = dt.date(YEAR, 3, 13)
    assert c.expire_overdue_orders() == [late]
    world.clock.today = dt.date(YEAR, 3, 20)
    c.record_payment(first, {"sp2d_number": "00031/SP2D/LS/2026",
                             "paid_on": dt.date(YEAR, 3, 20)}, actor=FINANCE)
    world.project()
    world.ids = {"a": a, "b": b, "lapsed": lapsed, "first": first, "second": second,
                 "late": late}
    return world


def test_budget_realisation_matches_the_hand_computed_figures(season):
    (row,) = season.reporting.budget_realization(YEAR)
    # committed: the three contracts' ceilings (orders draw within them); paid: realised,
    # DPP 5,000,000 + PPN 550,000
    assert (row["pagu"], row["committed"], row["paid"], row["remaining"]) == (
        100_000_000, 60_000_000, 5_550_000, 40_000_000)
    assert row["realisation_pct"] == 5.55


def test_taxes_and_the_payment_ledger_match_the_hand_computed_figures(season):
    (paid,) = season.reporting.payment_ledger(YEAR)
    # PKP: PPN 11% of 5,000,000 = 550,000, collected; PPh 23 2% = 100,000; the partner
    # receives 4,900,000; the budget realises 5,550,000
    assert (paid["dpp"], paid["ppn"], paid["ppn_collected"], paid["pph23"],
            paid["paid_to_partner"], paid["realised"]) == (
        5_000_000, 550_000, 550_000, 100_000, 4_900_000, 5_550_000)
    assert paid["sp2d_number"] == "00031/SP2D/LS/2026"
    assert season.reporting.tax_summary(YEAR) == [{
        "partner": "SumselNews1", "partner_id": season.ids["a"], "payments": 1,
        "dpp": 5_000_000, "ppn": 550_000, "ppn_collected": 550_000, "pph23": 100_000,
        "paid_to_partner": 4_900_000, "realised": 5_550_000,
        "gross": 5_000_000, "net": 4_900_000}]


def test_spending_fairness_matches_the_hand_computed_gini(season):
    result = season.reporting.spending(YEAR, by="partner")
    # committed per active partner: 5,000,000, 2,000,000 and 0 (its order expired)
    # Gini = Σ|xi − xj| / (2 n² mean) = 20 / (2 · 9 · 7/3) = 0.4762; top 10% = 5/7
    assert sorted(r["committed"] for r in result["rows"]) == [0, 2_000_000, 5_000_000]
    assert (result["gini"], result["top10_share"], result["total"]) == (0.4762, 0.7143,
                                                                        7_000_000)
    by_tier = {r["tier"]: r["committed"] for r in season.reporting.spending(YEAR, "tier")["rows"]}
    assert by_tier == {"A": 5_000_000, "B": 2_000_000, "C": 0}


def test_outstanding_invoices_late_proofs_and_outputs(season):
    (unpaid,) = season.reporting.outstanding_invoices(as_of=dt.date(YEAR, 3, 25))
    assert (unpaid["order_id"], unpaid["accepted_on"], unpaid["age_days"]) == (
        season.ids["second"], "2026-03-09", 16)
    (late,) = season.reporting.late_proofs(YEAR, as_of=dt.date(YEAR, 3, 25))
    assert (late["order_id"], late["status"], late["proof_due"]) == (
        season.ids["late"], "expired", "2026-03-12")
    outputs = {r["partner"]: r for r in season.reporting.outputs(YEAR)}
    assert outputs["SumselNews1"]["reach"] == 12_000
    assert outputs["SumselNews1"]["rupiah_per_reach"] == round(5_000_000 / 12_000, 2)
    assert (outputs["SumselNews3"]["orders"], outputs["SumselNews3"]["late"]) == (1, 1)


def test_as_of_a_date_before_the_payment_does_not_show_it(season):
    before, on = dt.date(YEAR, 3, 19), dt.date(YEAR, 3, 20)
    assert season.reporting.payment_ledger(YEAR, as_of=before) == []
    assert season.reporting.budget_realization(YEAR, as_of=before)[0]["paid"] == 0
    assert len(season.reporting.payment_ledger(YEAR, as_of=on)) == 1
    assert [r["age_days"] for r in season.reporting.outstanding_invoices(as_of=before)] == [
        10, 10]  # both accepted orders were still unpaid
    assert season.reporting.late_proofs(YEAR, as_of=dt.date(YEAR, 3, 12)) == []


def test_the_registry_as_of_a_date_shows_tiers_and_statuses_then(season):
    rows = {r["brand_name"]: r for r in season.reporting.partner_registry(YEAR)}
    assert {k: (v["status"], v["tier"]) for k, v in rows.items()} == {
        "SumselNews1": ("active", "A"), "SumselNews2": ("active", "B"),
        "SumselNews3": ("active", "C")}
    assert rows["SumselNews1"]["documents_valid"] == 5
    assert season.reporting.partner_registry(YEAR, as_of=dt.date(YEAR, 1, 1)) == []


def test_an_envelope_delivered_twice_is_counted_once(season):
    payment = next(e for e in season.contracts.notifications(0, 1000)
                   if e["type"] == "PaymentRecorded")
    consumer = season.feed(season.contracts, season.reporting, "apply_envelope")
    assert consumer.receive(payment) == "duplicate"
    assert season.reporting.budget_realization(YEAR)[0]["paid"] == 5_550_000


def test_rebuild_equals_the_incrementally_built_views(season, tmp_path):
    rebuilt = ReportingApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(
        tmp_path / "rebuilt")}), clock=season.clock)
    for source in (season.partners, season.assessment, season.contracts):
        season.feed(source, rebuilt, "apply_envelope").catch_up()
    live = season.reporting.dump()
    assert sum(len(rows) for rows in live.values()) > 200
    assert rebuilt.dump() == live
    rebuilt.reset()
    assert all(rows == [] for rows in rebuilt.dump().values())


def test_the_audit_trail_follows_an_entity_across_services(season):
    trail = season.reporting.audit_trail(season.ids["a"])
    sources = {row["source"] for row in trail}
    assert sources == {"partners", "assessment", "contracts"}  # its file, facts and standing
    first = trail[0]
    assert first["type"] == "PartnerRegistered" and first["actor"]["sub"] == "kominfo.ani"
    order_trail = [r["type"] for r in season.reporting.audit_trail(season.ids["first"])]
    assert order_trail == ["OrderPlaced", "PriceApplied", "ProofSubmitted", "ProofReviewed",
                           "PaymentRecorded"]


def test_tier_history_says_who_when_and_why(season):
    history = season.reporting.tier_history(season.ids["a"])
    tier = [r for r in history if r["kind"] == "tier"]
    assert [(r["old"], r["new"]) for r in tier] == [(None, "A")]
    manual = [r for r in history if r["kind"] == "score" and r["criterion"] == "traffic"]
    assert manual[0]["actor"] == "penilai.citra" and manual[0]["new"] == 80


def pages_of(source, into, read_ahead=False):
    """A rebuild's consumer: a page of envelopes per transaction (PageWriter), reading ahead."""
    return TrackedConsumer(source.name, into.tracked_position, into.apply_envelope,
                           lambda _, after, limit: source.notifications(after, limit),
                           apply_batch=into.apply_envelopes, read_ahead=read_ahead)


def test_a_rebuild_page_by_page_equals_the_views_built_event_by_event(season, tmp_path):
    # The incremental views applied each event in a transaction of its own; the rebuild
    # holds a page's writes and sends them per table: the same rows, cell for cell.
    rebuilt = ReportingApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(
        tmp_path / "paged")}), clock=season.clock)
    for source in (season.partners, season.assessment, season.contracts):
        pages_of(source, rebuilt, read_ahead=True).catch_up()
    assert rebuilt.dump() == season.reporting.dump()


def test_a_rebuild_beside_the_live_views_switches_only_once_caught_up(season):
    live, sources = season.reporting, (season.partners, season.assessment, season.contracts)
    reader = ReportingApplication(live.settings, clock=season.clock)  # another process's
    assert live.generation == reader.generation == 0 and live.live_projection() is None
    new = live.start_generation()
    built = ReportingApplication(live.settings, clock=season.clock, generation=new)
    for source in sources:
        pages_of(source, built).catch_up()
    season.contracts.record_payment(season.ids["second"], {
        "sp2d_number": "00032/SP2D/LS/2026", "paid_on": dt.date(YEAR, 3, 20)}, actor=FINANCE)
    season.project()  # the projector applies it to the live views only
    assert live.switch_to(new) is False  # behind the live views: nothing changes
    assert live.live_generation() == 0 and reader.generation == 0
    for source in sources:
        pages_of(source, built).catch_up()
    before = live.dump()
    assert live.switch_to(new) is True
    assert live.generation == new and live.dump() == before  # the same views, rebuilt
    assert live.live_projection() == PROJECTION  # what `rebuild --if-changed` compares
    reader._checked = 0  # its FOLLOW_EVERY has passed
    assert reader.partner_registry(YEAR) == live.partner_registry(YEAR)
    assert reader.generation == new
    # The projector writes into the generation that is live when it applies.
    (contract_id,), = live.sql.query(f"SELECT contract_id FROM {live.t['orders']} WHERE"
                                     " order_id = ?", (season.ids["first"],))
    order(season, contract_id, publish_by=dt.date(YEAR, 3, 27))
    season.project()
    assert built.dump() == live.dump() != before
    live.drop_generation(0)
    with pytest.raises(ValueError, match="is live"):
        live.drop_generation(new)
