"""Corrections a real year needs (issue 13, item 7): contract addenda, termination and payment
reversal, each an event with its actor and reason; the budget and the reporting views follow
them to the rupiah, also after a rebuild."""
import datetime as dt

import pytest

from shared.errors import Conflict, RuleViolated
from tests.world import (FINANCE, MEDIA, YEAR, accepted, clock,  # noqa: F401
                         contract, order, paid, proof, tiered_partner, world)

ACTIVITY = "2.16.01.2.06.0001"


def status(world) -> dict:
    (row,) = world.contracts.budget_status(YEAR)
    return row


def events(world, kind) -> list[dict]:
    return [e for e in world.contracts.notifications(0, 10_000) if e["type"] == kind]


def test_an_addendum_raises_a_ceiling_against_the_budget_and_lowers_it_releasing_the_rest(
        world):
    pid = tiered_partner(world, 1, "B")  # tier B: Rp50,000,000 with PPN
    cid = contract(world, pid, ceiling=20_000_000)
    order(world, cid, quantity=2)  # 4,000,000 + PPN 440,000 drawn

    raised = world.contracts.amend_contract(cid, {"ceiling": 45_000_000},
                                            "tambahan sosialisasi", actor=FINANCE)
    assert (raised["addendum"], raised["committed"], raised["released"]) == (1, 25_000_000, 0)
    assert (status(world)["committed"], status(world)["remaining"]) == (45_000_000, 55_000_000)
    with pytest.raises(RuleViolated) as tier:
        world.contracts.amend_contract(cid, {"ceiling": 50_000_001}, "lagi", actor=FINANCE)
    assert tier.value.code == "tier_ceiling_exceeded"
    assert tier.value.details == {"ceiling": 5_000_001, "tier_ceiling": 50_000_000,
                                  "already": 45_000_000}

    with pytest.raises(RuleViolated) as below:
        world.contracts.amend_contract(cid, {"ceiling": 4_439_999}, "efisiensi", actor=FINANCE)
    assert below.value.code == "ceiling_below_drawn"
    assert below.value.details == {"ceiling": 4_439_999, "drawn": 4_440_000}
    lowered = world.contracts.amend_contract(cid, {"ceiling": 4_440_000,
                                                   "ends_on": dt.date(YEAR, 6, 30)},
                                             "efisiensi anggaran", actor=FINANCE)
    assert (lowered["released"], lowered["committed"]) == (40_560_000, 0)
    assert (status(world)["committed"], status(world)["remaining"]) == (4_440_000, 95_560_000)

    seen = world.contracts.get_contract(cid)
    assert (seen["ceiling"], seen["remaining"], seen["ends_on"]) == (4_440_000, 0, "2026-06-30")
    assert [(a["addendum"], a["ceiling"], a["reason"]) for a in seen["addenda"]] == [
        (1, {"from": 20_000_000, "to": 45_000_000}, "tambahan sosialisasi"),
        (2, {"from": 45_000_000, "to": 4_440_000}, "efisiensi anggaran")]
    amended = events(world, "ContractAmended")
    assert [e["actor"]["sub"] for e in amended] == ["ppk.dewi", "ppk.dewi"]
    # the partner's yearly total follows: the released 40,560,000 may be contracted again
    contract(world, pid, "002/SPK/KOMINFO/2026", ceiling=45_560_000)


def test_an_addendum_beyond_the_pagu_and_prices_above_the_standard_are_refused(world):
    world.contracts.set_budget(YEAR, ACTIVITY, "Publikasi media", 30_000_000, actor=FINANCE)
    cid = contract(world, tiered_partner(world, 1, "B"), ceiling=20_000_000)
    with pytest.raises(RuleViolated) as pagu:
        world.contracts.amend_contract(cid, {"ceiling": 30_000_001}, "tambah", actor=FINANCE)
    assert pagu.value.code == "budget_exceeded"
    assert pagu.value.details == {"amount": 10_000_001, "remaining": 10_000_000,
                                  "pagu": 30_000_000}
    with pytest.raises(RuleViolated) as dear:
        world.contracts.amend_contract(cid, {"agreed_prices": [
            {"product": "advertorial", "unit_price": 2_000_001}]}, "nego", actor=FINANCE)
    assert dear.value.code == "agreed_price_above_standard"
    with pytest.raises(RuleViolated) as nothing:
        world.contracts.amend_contract(cid, {"ceiling": 20_000_000}, "sama", actor=FINANCE)
    assert nothing.value.code == "empty_amendment"
    assert events(world, "ContractAmended") == []

    world.contracts.amend_contract(cid, {"agreed_prices": [
        {"product": "advertorial", "unit_price": 1_800_000}]}, "nego ulang", actor=FINANCE)
    assert order(world, cid)["unit_price"] == 1_800_000
    assert status(world)["committed"] == 20_000_000  # prices alone move no money


def test_a_termination_cancels_unproven_orders_and_releases_what_the_contract_did_not_use(
        world):
    pid = tiered_partner(world, 1, "B")
    cid = contract(world, pid, ceiling=20_000_000)
    delivered, proven, open_ = (order(world, cid)["order_id"] for _ in range(3))  # 2,220,000 each
    accepted(world, delivered)
    paid(world, delivered, "1/SP2D/LS/2026", world.clock.today)
    accepted(world, proven)

    ended = world.contracts.terminate_contract(cid, "mitra wanprestasi", actor=FINANCE)
    # 20,000,000 - paid 2,220,000 - proof accepted 2,220,000 (the open one is cancelled)
    assert ended["cancelled_orders"] == [open_]
    assert (ended["released"], ended["ceiling"]) == (15_560_000, 4_440_000)
    assert world.contracts.get_order(open_)["status"] == "cancelled"
    assert (status(world)["committed"], status(world)["paid"]) == (4_440_000, 2_220_000)
    seen = world.contracts.get_contract(cid)
    assert seen["status"] == "terminated"
    assert seen["terminated"]["reason"] == "mitra wanprestasi"
    assert events(world, "ContractTerminated")[0]["actor"]["sub"] == "ppk.dewi"

    with pytest.raises(RuleViolated) as no_more:
        order(world, cid)
    assert no_more.value.code == "contract_terminated"
    with pytest.raises(RuleViolated) as no_addendum:
        world.contracts.amend_contract(cid, {"ceiling": 30_000_000}, "x", actor=FINANCE)
    assert no_addendum.value.code == "contract_terminated"
    # the delivered order is still paid, from what the contract kept
    paid(world, proven, "2/SP2D/LS/2026", world.clock.today)
    assert (status(world)["committed"], status(world)["paid"]) == (4_440_000, 4_440_000)


def test_an_order_given_back_after_termination_releases_its_reservation_to_the_budget(world):
    cid = contract(world, tiered_partner(world, 1, "B"), ceiling=20_000_000)
    oid = order(world, cid)["order_id"]
    world.clock.today = dt.date(YEAR, 3, 9)
    world.contracts.submit_proof(oid, proof(dt.date(YEAR, 3, 9)), actor=MEDIA)
    assert world.contracts.terminate_contract(cid, "putus", actor=FINANCE)["released"] == (
        17_780_000)
    world.contracts.review_proof(oid, "rejected", "tautan mati", actor=FINANCE)
    world.contracts.cancel_order(oid, "tidak jadi", actor=FINANCE)
    assert status(world)["committed"] == 0
    assert world.contracts.get_contract(cid)["terminated"]["released"] == 20_000_000


def test_a_reversed_sp2d_lowers_the_realised_and_the_order_is_paid_again_under_a_new_one(
        world):
    cid = contract(world, tiered_partner(world, 1, "B"))
    oid = order(world, cid)["order_id"]
    accepted(world, oid)
    first = {"sp2d_number": "00777/SP2D/LS/2026", "paid_on": dt.date(YEAR, 4, 2)}
    world.contracts.record_payment(oid, first, actor=FINANCE)
    assert status(world)["paid"] == 2_220_000

    with pytest.raises(RuleViolated) as wrong:
        world.contracts.reverse_payment(oid, "00778/SP2D/LS/2026", "retur", actor=FINANCE)
    assert wrong.value.code == "sp2d_not_this_payment"
    back = world.contracts.reverse_payment(oid, first["sp2d_number"],
                                           "retur bank: rekening tidak aktif", actor=FINANCE)
    assert (back["status"], back["reversed"]) == ("proof_accepted", 2_220_000)
    assert status(world)["paid"] == 0
    seen = world.contracts.get_order(oid)
    assert seen["payment"] is None and seen["status"] == "proof_accepted"
    assert [(r["sp2d_number"], r["reason"]) for r in seen["reversals"]] == [
        ("00777/SP2D/LS/2026", "retur bank: rekening tidak aktif")]
    assert events(world, "PaymentReversed")[0]["actor"]["sub"] == "ppk.dewi"
    with pytest.raises(RuleViolated) as twice:
        world.contracts.reverse_payment(oid, first["sp2d_number"], "lagi", actor=FINANCE)
    assert twice.value.code == "order_not_paid"

    with pytest.raises(Conflict) as reused:  # the returned SP2D number stays used
        world.contracts.record_payment(oid, first, actor=FINANCE)
    assert reused.value.code == "sp2d_already_recorded"
    again = paid(world, oid, "00901/SP2D/LS/2026", dt.date(YEAR, 4, 9))
    assert again["paid_to_partner"] == 2_180_000  # at the threshold: PPN not collected
    assert status(world)["paid"] == 2_220_000
    assert world.contracts.get_contract(cid)["reserved"] == 2_220_000


def test_the_views_agree_with_contracts_after_corrections_also_after_a_rebuild(world,
                                                                             tmp_path):
    from services.reporting.application import ReportingApplication
    from shared.config import Settings

    first, second = tiered_partner(world, 1, "A"), tiered_partner(world, 2, "C", pkp=False)
    kept = contract(world, first, ceiling=20_000_000)
    ended = contract(world, second, "002/SPK/KOMINFO/2026", ceiling=10_000_000)
    world.contracts.amend_contract(kept, {"ceiling": 30_000_000}, "tambah", actor=FINANCE)
    delivered, reversed_ = order(world, kept)["order_id"], order(world, kept)["order_id"]
    plain = order(world, ended)["order_id"]
    for oid in (delivered, reversed_, plain):
        accepted(world, oid)
    for n, oid in enumerate((delivered, reversed_, plain), 1):
        paid(world, oid, f"{n}/SP2D/LS/2026", dt.date(YEAR, 4, n))
    world.clock.today = dt.date(YEAR, 4, 10)
    world.contracts.reverse_payment(reversed_, "2/SP2D/LS/2026", "retur", actor=FINANCE)
    world.contracts.terminate_contract(ended, "selesai lebih awal", actor=FINANCE)
    world.clock.today = dt.date(YEAR, 4, 20)
    paid(world, reversed_, "4/SP2D/LS/2026", dt.date(YEAR, 4, 20))
    world.project()

    (row,) = world.contracts.budget_status(YEAR)
    (view,) = world.reporting.budget_realization(YEAR)
    assert {k: view[k] for k in ("pagu", "committed", "paid", "remaining")} == {
        k: row[k] for k in ("pagu", "committed", "paid", "remaining")} == {
        "pagu": 100_000_000, "committed": 30_000_000 + 1_500_000,
        "paid": 2_775_000 * 2 + 1_500_000, "remaining": 68_500_000}
    ledger = world.reporting.payment_ledger(YEAR)
    assert [(r["sp2d_number"], r["entry"], r["realised"]) for r in ledger] == [
        ("1/SP2D/LS/2026", "payment", 2_775_000), ("2/SP2D/LS/2026", "payment", 2_775_000),
        ("3/SP2D/LS/2026", "payment", 1_500_000), ("2/SP2D/LS/2026", "reversal", -2_775_000),
        ("4/SP2D/LS/2026", "payment", 2_775_000)]
    assert sum(r["realised"] for r in ledger) == row["paid"]
    taxes = {r["partner_id"]: r for r in world.reporting.tax_summary(YEAR)}
    assert (taxes[first]["payments"], taxes[first]["pph23"], taxes[first]["realised"]) == (
        2, 100_000, 5_550_000)
    spent = {r["partner_id"]: r for r in world.reporting.spending(YEAR)["rows"]}
    assert (spent[first]["paid"], spent[second]["paid"]) == (5_000_000, 1_500_000)
    # as of the day before the second payment: the reversed one is no longer spent
    (before,) = world.reporting.budget_realization(YEAR, as_of=dt.date(YEAR, 4, 15))
    assert before["paid"] == 2_775_000 + 1_500_000

    rebuilt = ReportingApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(
        tmp_path / "rebuilt")}), clock=world.clock)
    for source in (world.partners, world.assessment, world.contracts):
        world.feed(source, rebuilt, "apply_envelope").catch_up()
    for view_name in ("budget_realization", "payment_ledger", "tax_summary"):
        assert getattr(rebuilt, view_name)(YEAR) == getattr(world.reporting, view_name)(YEAR)
    assert rebuilt.spending(YEAR) == world.reporting.spending(YEAR)
    assert rebuilt.dump() == world.reporting.dump()
