"""The money side (DOMAIN.md §3) against the contracts application, with partner standing and
tiers arriving as real partners' and assessment's events through the tracked consumer."""
import datetime as dt

import pytest

from shared.errors import Conflict, RuleViolated
from tests.support import company, loaded
from tests.world import (ADMIN, FINANCE, MEDIA, PRICES, YEAR, accepted, clock,  # noqa: F401
                         contract, order, proof, tiered_partner, world)


def test_an_online_advertorial_for_a_tier_b_outlet_is_priced_from_the_standard_in_force(world):
    pid = tiered_partner(world, 1, "B")
    cid = contract(world, pid)
    first = order(world, cid, quantity=2)
    assert first["price_version"] == 1 and first["unit_price"] == 2_000_000
    assert first["gross"] == 4_000_000

    world.contracts.publish_price_standard(YEAR, dt.date(YEAR, 4, 1), [
        {**PRICES[1], "unit_price": 2_200_000}], actor=FINANCE)
    assert order(world, cid)["unit_price"] == 2_000_000  # the revision is not in force yet
    world.clock.today = dt.date(YEAR, 4, 1)
    again = order(world, cid, publish_by=dt.date(YEAR, 4, 10))
    assert (again["price_version"], again["unit_price"]) == (2, 2_200_000)

    applied = [e for e in world.contracts.notifications(0, 1000) if e["type"] == "PriceApplied"]
    assert [(e["payload"]["standard_version"], e["payload"]["unit_price"],
             e["payload"]["quantity"], e["payload"]["gross"]) for e in applied] == [
        (1, 2_000_000, 2, 4_000_000), (1, 2_000_000, 1, 2_000_000),
        (2, 2_200_000, 1, 2_200_000)]
    assert {e["actor"]["sub"] for e in applied} == {"ppk.dewi"}


def test_a_contract_above_the_tier_ceiling_is_refused_naming_both_amounts(world):
    pid = tiered_partner(world, 1, "B")
    with pytest.raises(RuleViolated) as refused:
        contract(world, pid, ceiling=60_000_000)
    assert refused.value.code == "tier_ceiling_exceeded"
    assert "Rp60.000.000" in refused.value.message and "Rp50.000.000" in refused.value.message
    contract(world, pid, ceiling=30_000_000)
    with pytest.raises(RuleViolated) as yearly:
        contract(world, pid, number="002/SPK/KOMINFO/2026", ceiling=25_000_000)
    assert yearly.value.details == {"ceiling": 25_000_000, "tier_ceiling": 50_000_000,
                                    "already": 30_000_000}


def test_an_order_beyond_the_contract_or_the_budget_is_refused(world):
    pid = tiered_partner(world, 1, "B")
    cid = contract(world, pid, ceiling=5_000_000)
    with pytest.raises(RuleViolated) as refused:
        order(world, cid, quantity=3)
    assert refused.value.code == "contract_ceiling_exceeded"
    world.contracts.set_budget(YEAR, "2.16.01.2.06.0001", "Publikasi media", 3_000_000,
                               actor=FINANCE)
    with pytest.raises(RuleViolated) as over_budget:
        order(world, cid, quantity=2)
    assert over_budget.value.code == "budget_exceeded"
    assert over_budget.value.details["remaining"] == 3_000_000


def test_a_weekly_papers_proof_nine_days_late_is_refused_and_the_order_expires(world):
    pid = tiered_partner(world, 1, "B", media_type="print_weekly")
    cid = contract(world, pid)
    oid = order(world, cid, publish_by=dt.date(YEAR, 3, 10))["order_id"]
    world.clock.today = dt.date(YEAR, 3, 19)
    with pytest.raises(RuleViolated) as late:
        world.contracts.submit_proof(oid, proof(dt.date(YEAR, 3, 10)), actor=MEDIA)
    assert late.value.code == "proof_late"
    assert "due by 2026-03-17" in late.value.message
    assert world.contracts.budget_status(YEAR)[0]["committed"] == 4_500_000

    assert world.contracts.expire_overdue_orders() == [oid]
    assert world.contracts.get_order(oid)["status"] == "expired"
    assert world.contracts.budget_status(YEAR)[0]["committed"] == 0
    assert world.contracts.get_contract(cid)["reserved"] == 0
    assert world.contracts.expire_overdue_orders() == []
    expired = [e for e in world.contracts.notifications(0, 1000) if e["type"] == "OrderExpired"]
    assert expired[0]["actor"]["sub"] == "contracts.scheduler"
    with pytest.raises(RuleViolated):
        world.contracts.submit_proof(oid, proof(dt.date(YEAR, 3, 10)), actor=MEDIA)


def test_a_proof_on_the_last_day_is_accepted(world):
    pid = tiered_partner(world, 1, "B")
    oid = order(world, contract(world, pid), publish_by=dt.date(YEAR, 3, 10))["order_id"]
    world.clock.today = dt.date(YEAR, 3, 12)
    assert world.contracts.submit_proof(oid, proof(dt.date(YEAR, 3, 10)),
                                        actor=MEDIA)["status"] == "proof_submitted"
    assert world.contracts.expire_overdue_orders() == []


def test_a_pkp_and_a_non_pkp_partner_are_paid_with_the_right_taxes(world):
    pkp = tiered_partner(world, 1, "B", pkp=True)
    not_pkp = tiered_partner(world, 2, "C", pkp=False)
    first = order(world, contract(world, pkp), quantity=3)["order_id"]           # 6,000,000
    second = order(world, contract(world, not_pkp, "002/SPK/KOMINFO/2026"),
                   quantity=1)["order_id"]                                        # 1,500,000
    accepted(world, first)
    accepted(world, second)
    paid = world.contracts.record_payment(first, {"sp2d_number": "00123/SP2D/LS/2026",
                                                  "paid_on": dt.date(YEAR, 4, 2)},
                                          actor=FINANCE)
    # 11% of 6,000,000 = 660,000; 2% = 120,000; net = 6,000,000 + 660,000 − 120,000
    assert paid == {"order_id": first, "gross": 6_000_000, "ppn": 660_000, "pph23": 120_000,
                    "net": 6_540_000}
    plain = world.contracts.record_payment(second, {"sp2d_number": "00124/SP2D/LS/2026",
                                                    "paid_on": dt.date(YEAR, 4, 2)},
                                           actor=FINANCE)
    assert plain == {"order_id": second, "gross": 1_500_000, "ppn": 0, "pph23": 30_000,
                     "net": 1_470_000}
    status = world.contracts.budget_status(YEAR)[0]
    assert (status["committed"], status["paid"], status["remaining"]) == (
        7_500_000, 7_500_000, 92_500_000)


def test_taxes_round_half_up_to_the_rupiah():
    from services.contracts.domain import taxes

    assert taxes(1_234_567, pkp=True) == {"gross": 1_234_567, "ppn": 135_802,
                                          "pph23": 24_691, "net": 1_345_678}
    assert taxes(25, pkp=True)["pph23"] == 1  # 0.5 rounds up
    assert taxes(24, pkp=True)["pph23"] == 0


def test_the_same_sp2d_twice_and_a_retried_command_pay_once(world):
    pid = tiered_partner(world, 1, "B")
    cid = contract(world, pid)
    first, second = (order(world, cid)["order_id"] for _ in range(2))
    accepted(world, first)
    accepted(world, second)
    payment = {"sp2d_number": "00777/SP2D/LS/2026", "paid_on": dt.date(YEAR, 4, 2)}
    answer = world.contracts.record_payment(first, payment, actor=FINANCE, command_id="pay-1")
    events = world.contracts.max_notification_id()
    assert world.contracts.record_payment(first, payment, actor=FINANCE,
                                          command_id="pay-1") == answer
    assert world.contracts.max_notification_id() == events
    with pytest.raises(Conflict) as twice:
        world.contracts.record_payment(first, payment, actor=FINANCE)
    assert twice.value.code == "sp2d_already_recorded"
    with pytest.raises(Conflict) as reused:
        world.contracts.record_payment(second, payment, actor=FINANCE)
    assert reused.value.details == {"order_id": first}
    with pytest.raises(Conflict) as again:
        world.contracts.record_payment(first, {**payment, "sp2d_number": "00778/SP2D/LS/2026"},
                                       actor=FINANCE)
    assert again.value.code == "already_paid"
    assert world.contracts.budget_status(YEAR)[0]["paid"] == 2_000_000


def test_a_suspended_partner_cannot_get_a_new_order(world):
    pid = tiered_partner(world, 1, "B")
    cid = contract(world, pid)
    world.partners.suspend_partner(pid, "published a hoax", actor=ADMIN)
    world.sync()
    with pytest.raises(RuleViolated) as refused:
        order(world, cid)
    assert refused.value.code == "partner_not_active"
    world.partners.reinstate_partner(pid, "correction published", actor=ADMIN)
    world.sync()
    assert order(world, cid)["gross"] == 2_000_000


def test_a_partner_without_a_tier_cannot_be_contracted(world):
    pid = world.partners.register_partner(loaded(company(9)), actor=ADMIN)["partner_id"]
    world.sync()
    with pytest.raises(RuleViolated) as refused:
        contract(world, pid)
    assert refused.value.code == "partner_not_active"


def test_negotiated_prices_are_at_or_below_the_standard_and_applied_with_it(world):
    pid = tiered_partner(world, 1, "A")
    with pytest.raises(RuleViolated) as above:
        contract(world, pid, agreed_prices=[{"product": "advertorial",
                                             "unit_price": 2_600_000}])
    assert above.value.code == "agreed_price_above_standard"
    cid = contract(world, pid, agreed_prices=[{"product": "advertorial",
                                               "unit_price": 2_100_000}])
    placed = order(world, cid)
    assert placed["unit_price"] == 2_100_000
    price = world.contracts.get_order(placed["order_id"])["price"]
    assert (price["standard_unit_price"], price["agreed_unit_price"]) == (2_500_000, 2_100_000)


def test_cancelling_before_the_proof_releases_the_reservation(world):
    pid = tiered_partner(world, 1, "B")
    cid = contract(world, pid)
    oid = order(world, cid)["order_id"]
    world.contracts.cancel_order(oid, "agenda moved", actor=FINANCE)
    assert world.contracts.get_contract(cid)["reserved"] == 0
    assert world.contracts.budget_status(YEAR)[0]["committed"] == 0
    with pytest.raises(RuleViolated):
        world.contracts.cancel_order(oid, "again", actor=FINANCE)


def test_a_pagu_is_never_revised_below_what_is_committed(world):
    pid = tiered_partner(world, 1, "B")
    order(world, contract(world, pid), quantity=2)
    with pytest.raises(RuleViolated) as refused:
        world.contracts.set_budget(YEAR, "2.16.01.2.06.0001", "Publikasi media", 3_999_999,
                                   actor=FINANCE)
    assert refused.value.code == "pagu_below_committed"


def test_a_payment_needs_an_accepted_proof(world):
    pid = tiered_partner(world, 1, "B")
    oid = order(world, contract(world, pid))["order_id"]
    with pytest.raises(RuleViolated) as refused:
        world.contracts.record_payment(oid, {"sp2d_number": "1/SP2D", "paid_on": dt.date(
            YEAR, 4, 1)}, actor=FINANCE)
    assert refused.value.code == "proof_not_accepted"


def test_an_order_is_never_priced_without_a_standard_for_its_product(world):
    pid = tiered_partner(world, 1, "B")
    with pytest.raises(RuleViolated) as refused:
        order(world, contract(world, pid), product="banner")
    assert refused.value.code == "no_standard_price"
