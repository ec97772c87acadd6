"""The money side (DOMAIN.md §3) against the contracts application, with partner standing and
tiers arriving as real partners' and assessment's events through the tracked consumer."""
import datetime as dt

import pytest

from shared.errors import Conflict, RuleViolated
from tests.support import company, loaded
from tests.world import (ADMIN, FINANCE, MEDIA, PRICES, YEAR, accepted,  # noqa: F401
                         clock, contract, order, paid, proof, tiered_partner, world)


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


def test_an_order_draws_dpp_plus_ppn_within_its_contract_and_no_further(world):
    pid = tiered_partner(world, 1, "B")  # PKP
    cid = contract(world, pid, ceiling=5_000_000)
    with pytest.raises(RuleViolated) as refused:
        order(world, cid, quantity=3)  # 6,000,000 + PPN 660,000
    assert refused.value.code == "contract_ceiling_exceeded"
    placed = order(world, cid, quantity=2)
    assert (placed["gross"], placed["ppn"], placed["total"]) == (4_000_000, 440_000, 4_440_000)
    with pytest.raises(RuleViolated) as beyond:
        order(world, cid)  # 2,220,000 with PPN; 560,000 left
    assert beyond.value.details == {"amount": 2_220_000, "remaining": 560_000,
                                    "ceiling": 5_000_000}
    # the order drew within the contract; the budget holds the contract's whole ceiling
    status = world.contracts.budget_status(YEAR)[0]
    assert (status["committed"], status["remaining"]) == (5_000_000, 95_000_000)


def test_contracts_together_never_commit_more_than_the_pagu(world):
    world.contracts.set_budget(YEAR, "2.16.01.2.06.0001", "Publikasi media", 30_000_000,
                               actor=FINANCE)
    first, second = tiered_partner(world, 1, "B"), tiered_partner(world, 2, "B")
    contract(world, first, ceiling=20_000_000)
    # before: each contract checked its own ceiling against what orders had reserved (none)
    with pytest.raises(RuleViolated) as over_budget:
        contract(world, second, "002/SPK/KOMINFO/2026", ceiling=20_000_000)
    assert over_budget.value.code == "budget_exceeded"
    assert over_budget.value.details == {"amount": 20_000_000, "remaining": 10_000_000,
                                         "pagu": 30_000_000}
    contract(world, second, "002/SPK/KOMINFO/2026", ceiling=10_000_000)  # the last rupiah
    status = world.contracts.budget_status(YEAR)[0]
    assert (status["committed"], status["remaining"]) == (30_000_000, 0)
    with pytest.raises(RuleViolated) as nothing_left:
        contract(world, tiered_partner(world, 3, "C"), "003/SPK/KOMINFO/2026", ceiling=1)
    assert nothing_left.value.code == "budget_exceeded"


def test_a_weekly_papers_proof_nine_days_late_is_refused_and_the_order_expires(world):
    pid = tiered_partner(world, 1, "B", media_type="print_weekly")
    cid = contract(world, pid)
    oid = order(world, cid, publish_by=dt.date(YEAR, 3, 10))["order_id"]
    world.clock.today = dt.date(YEAR, 3, 19)
    with pytest.raises(RuleViolated) as late:
        world.contracts.submit_proof(oid, proof(dt.date(YEAR, 3, 10)), actor=MEDIA)
    assert late.value.code == "proof_late"
    assert "due by 2026-03-17" in late.value.message
    assert world.contracts.get_contract(cid)["reserved"] == 4_995_000  # 4,500,000 + PPN

    assert world.contracts.expire_overdue_orders() == [oid]
    assert world.contracts.get_order(oid)["status"] == "expired"
    assert world.contracts.get_contract(cid)["reserved"] == 0  # back to the contract
    assert world.contracts.budget_status(YEAR)[0]["committed"] == 20_000_000  # its ceiling
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
    taxed = paid(world, first, "00123/SP2D/LS/2026", dt.date(YEAR, 4, 2))
    # 11% of 6,000,000 = 660,000, collected by the treasurer (above Rp2,000,000); PPh 23 2%
    # = 120,000 withheld; the partner receives 6,000,000 − 120,000; the budget spends 6,660,000
    # to the account in force on paid_on (test_partner_corrections.py checks which)
    assert taxed.pop("paid_to_account")["holder"] == company(1)["bank_account"]["holder"]
    assert taxed == {"order_id": first, "dpp": 6_000_000, "ppn": 660_000,
                     "ppn_collected": 660_000, "pph23": 120_000, "paid_to_partner": 5_880_000,
                     "realised": 6_660_000, "tax_rules_version": 0}
    plain = paid(world, second, "00124/SP2D/LS/2026", dt.date(YEAR, 4, 2))
    assert plain.pop("paid_to_account")["holder"] == company(2)["bank_account"]["holder"]
    assert plain == {"order_id": second, "dpp": 1_500_000, "ppn": 0, "ppn_collected": 0,
                     "pph23": 30_000, "paid_to_partner": 1_470_000, "realised": 1_500_000,
                     "tax_rules_version": 0}
    status = world.contracts.budget_status(YEAR)[0]
    # committed: the two contracts' ceilings; paid: what was realised, PPN included
    assert (status["committed"], status["paid"], status["remaining"]) == (
        40_000_000, 8_160_000, 60_000_000)
    stored = world.contracts.get_order(first)["payment"]
    assert (stored["paid_to_partner"], stored["rates"]["ppn_rate"]) == (5_880_000, "11/100")


def test_at_most_rp2_000_000_the_partner_keeps_the_ppn_one_rupiah_above_it_is_collected(world):
    pid = tiered_partner(world, 1, "B")  # PKP, Rp2,000,000 an advertorial
    cid = contract(world, pid)
    at, above = order(world, cid)["order_id"], order(world, cid)["order_id"]
    world.contracts.set_tax_rules(dt.date(YEAR, 1, 1), {
        "ppn_rate": "11/100", "dpp_factor": "1/1", "pph23_rate": "2/100",
        "collection_threshold": 1_999_999}, actor=FINANCE)
    accepted(world, at)
    accepted(world, above)
    world.contracts.set_tax_rules(dt.date(YEAR, 4, 2), {
        "ppn_rate": "11/100", "dpp_factor": "1/1", "pph23_rate": "2/100",
        "collection_threshold": 2_000_000}, actor=FINANCE)
    kept = paid(world, at, "1/SP2D/LS/2026", dt.date(YEAR, 4, 2))
    assert (kept["ppn"], kept["ppn_collected"], kept["paid_to_partner"],
            kept["tax_rules_version"]) == (220_000, 0, 2_180_000, 2)
    # a DPP one rupiah above the threshold (the version in force on 1 April)
    collected = paid(world, above, "2/SP2D/LS/2026", dt.date(YEAR, 4, 1))
    assert (collected["ppn"], collected["ppn_collected"], collected["paid_to_partner"],
            collected["tax_rules_version"]) == (220_000, 220_000, 1_960_000, 1)


def test_a_rate_change_mid_year_taxes_each_payment_by_its_paid_on_date(world):
    for effective, ppn_rate in ((dt.date(YEAR, 1, 1), "11/100"), (dt.date(YEAR, 7, 1),
                                                                    "12/100")):
        world.contracts.set_tax_rules(effective, {
            "ppn_rate": ppn_rate, "dpp_factor": "1/1", "pph23_rate": "2/100",
            "collection_threshold": 2_000_000}, actor=FINANCE)
    pid = tiered_partner(world, 1, "A")  # PKP, Rp2,500,000 an advertorial
    cid = contract(world, pid)
    before, after = order(world, cid)["order_id"], order(world, cid)["order_id"]
    assert world.contracts.get_contract(cid)["reserved"] == 2 * 2_775_000
    accepted(world, before)
    accepted(world, after)
    june = paid(world, before, "1/SP2D/LS/2026", dt.date(YEAR, 6, 30))
    july = paid(world, after, "2/SP2D/LS/2026", dt.date(YEAR, 7, 1))
    assert (june["ppn"], june["realised"], june["tax_rules_version"]) == (275_000, 2_775_000, 1)
    assert (july["ppn"], july["realised"], july["tax_rules_version"]) == (300_000, 2_800_000, 2)
    assert june["paid_to_partner"] == july["paid_to_partner"] == 2_450_000  # PPN collected
    # the contract's reservation became what was realised; the budget paid exactly that
    assert world.contracts.get_contract(cid)["reserved"] == 2_775_000 + 2_800_000
    assert world.contracts.budget_status(YEAR)[0]["paid"] == 5_575_000
    versions = world.contracts.get_tax_rules()["versions"]
    assert [(v["version"], v["ppn_rate"]) for v in versions] == [(1, "11/100"), (2, "12/100")]


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
    assert world.contracts.budget_status(YEAR)[0]["paid"] == 2_220_000  # DPP + PPN


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
    assert world.contracts.budget_status(YEAR)[0]["committed"] == 20_000_000  # the contract's
    with pytest.raises(RuleViolated):
        world.contracts.cancel_order(oid, "again", actor=FINANCE)


def test_a_pagu_is_never_revised_below_what_is_committed(world):
    pid = tiered_partner(world, 1, "B")
    order(world, contract(world, pid), quantity=2)
    with pytest.raises(RuleViolated) as refused:  # below the signed contract's ceiling
        world.contracts.set_budget(YEAR, "2.16.01.2.06.0001", "Publikasi media", 19_999_999,
                                   actor=FINANCE)
    assert refused.value.code == "pagu_below_committed"


def test_a_payment_needs_an_accepted_proof(world):
    pid = tiered_partner(world, 1, "B")
    oid = order(world, contract(world, pid))["order_id"]
    with pytest.raises(RuleViolated) as refused:
        paid(world, oid, "1/SP2D", dt.date( YEAR, 4, 1))
    assert refused.value.code == "proof_not_accepted"


def test_an_order_is_never_priced_without_a_standard_for_its_product(world):
    pid = tiered_partner(world, 1, "B")
    with pytest.raises(RuleViolated) as refused:
        order(world, contract(world, pid), product="banner")
    assert refused.value.code == "no_standard_price"


def test_the_reporting_views_agree_with_contracts_to_the_rupiah_also_after_a_rebuild(
        world, tmp_path):
    from services.reporting.application import ReportingApplication
    from shared.config import Settings

    world.contracts.set_tax_rules(dt.date(YEAR, 4, 1), {
        "ppn_rate": "12/100", "dpp_factor": "11/12", "pph23_rate": "2/100",
        "collection_threshold": 2_000_000}, actor=FINANCE)
    above, below = tiered_partner(world, 1, "A"), tiered_partner(world, 2, "B")
    plain = tiered_partner(world, 3, "C", pkp=False)
    orders = [order(world, contract(world, pid, f"00{n}/SPK/KOMINFO/2026"))["order_id"]
              for n, pid in enumerate((above, below, plain), 1)]
    for n, oid in enumerate(orders):
        accepted(world, oid)
        paid(world, oid, f"{n}/SP2D/LS/2026",
             dt.date(YEAR, 3, 31 + n) if n == 0 else dt.date(YEAR, 4, n))
    world.project()
    ledger = {r["order_id"]: r for r in world.reporting.payment_ledger(YEAR)}
    for oid in orders:
        payment = world.contracts.get_order(oid)["payment"]
        assert {k: ledger[oid][k] for k in ("dpp", "ppn", "ppn_collected", "pph23",
                                             "paid_to_partner", "realised",
                                             "tax_rules_version")} == {
            k: payment[k] for k in ("dpp", "ppn", "ppn_collected", "pph23", "paid_to_partner",
                                    "realised", "tax_rules_version")}
    assert [(ledger[o]["paid_to_partner"], ledger[o]["tax_rules_version"]) for o in orders] == [
        (2_450_000, 0), (2_180_000, 1), (1_470_000, 1)]
    (status,) = world.contracts.budget_status(YEAR)
    (view,) = world.reporting.budget_realization(YEAR)
    assert {k: view[k] for k in ("pagu", "committed", "paid", "remaining")} == {
        k: status[k] for k in ("pagu", "committed", "paid", "remaining")} == {
        "pagu": 100_000_000, "committed": 60_000_000,
        "paid": 2_775_000 + 2_220_000 + 1_500_000, "remaining": 40_000_000}

    rebuilt = ReportingApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(
        tmp_path / "rebuilt")}), clock=world.clock)
    for source in (world.partners, world.assessment, world.contracts):
        world.feed(source, rebuilt, "apply_envelope").catch_up()
    assert rebuilt.budget_realization(YEAR) == world.reporting.budget_realization(YEAR)
    assert rebuilt.payment_ledger(YEAR) == world.reporting.payment_ledger(YEAR)
    assert rebuilt.tax_summary(YEAR) == world.reporting.tax_summary(YEAR)


def test_a_payment_previewed_shows_the_figures_it_records_and_records_nothing(world):
    """The treasurer sees the taxes before confirming an SP2D (the portal's payment page)."""
    pid = tiered_partner(world, 1, "B")  # PKP
    cid = contract(world, pid)
    oid = order(world, cid, quantity=3)["order_id"]                              # 6,000,000
    payment = {"sp2d_number": "00123/SP2D/LS/2026", "paid_on": dt.date(YEAR, 4, 2)}
    with pytest.raises(RuleViolated) as early:
        world.contracts.preview_payment(oid, payment)
    assert early.value.code == "proof_not_accepted"
    accepted(world, oid)
    events = world.contracts.max_notification_id()
    preview = world.contracts.preview_payment(oid, payment)
    assert world.contracts.max_notification_id() == events
    assert preview.pop("recorded") is False
    assert preview == paid(world, oid, payment["sp2d_number"], payment["paid_on"])
    with pytest.raises(Conflict) as again:
        world.contracts.preview_payment(oid, {**payment, "sp2d_number": "00124/SP2D/LS/2026"})
    assert again.value.code == "already_paid"
    other = order(world, cid)["order_id"]
    accepted(world, other)
    with pytest.raises(Conflict) as used:
        world.contracts.preview_payment(other, payment)
    assert used.value.code == "sp2d_already_recorded"


def test_finance_lists_the_years_contracts_and_its_orders_by_status(world):
    first, second = tiered_partner(world, 1, "B"), tiered_partner(world, 2, "C")
    one = contract(world, first)
    two = contract(world, second, "002/SPK/KOMINFO/2026", ceiling=10_000_000)
    placed = order(world, one)["order_id"]
    waiting = order(world, two)["order_id"]
    world.clock.today = dt.date(YEAR, 3, 9)
    world.contracts.submit_proof(waiting, proof(dt.date(YEAR, 3, 9)), actor=MEDIA)
    contracts = world.contracts.list_contracts(YEAR)
    assert [c["number"] for c in contracts] == ["001/SPK/KOMINFO/2026", "002/SPK/KOMINFO/2026"]
    assert [c["contract_id"] for c in world.contracts.list_contracts(YEAR, partner_id=second)] \
        == [two]
    assert world.contracts.list_contracts(YEAR + 1) == []
    assert [o["order_id"] for o in world.contracts.list_orders(YEAR, status="proof_submitted")] \
        == [waiting]
    assert {o["order_id"] for o in world.contracts.list_orders(YEAR)} == {placed, waiting}
    assert world.contracts.list_orders(YEAR, contract_id=one)[0]["order_id"] == placed


def test_the_years_tier_ceilings_are_read_back_as_set(world):
    assert world.contracts.get_tier_ceilings(YEAR + 1) == {"fiscal_year": YEAR + 1,
                                                           "ceilings": {}}
    world.contracts.set_tier_ceiling(YEAR, "B", 45_000_000, actor=FINANCE)
    assert world.contracts.get_tier_ceilings(YEAR)["ceilings"]["B"] == 45_000_000
