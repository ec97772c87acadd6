"""The monthly tax registers a tax officer reads (issue 13, item 10): PPh 23 withheld and PPN
collected per payment of the month, with the deposits (NTPN) finance records and the difference.

March 2026: a PKP partner paid above the collection threshold (DPP Rp5,000,000: PPN collected),
a PKP partner at exactly the threshold (DPP Rp2,000,000: PPN not collected, the partner remits
it), a non-PKP partner (DPP Rp1,500,000: no PPN); and one payment on 1 April, outside March.
"""
import datetime as dt

import pytest

from services.reporting.application import ReportingApplication
from shared.config import Settings
from shared.errors import Conflict, RuleViolated
from shared.personal import MASKED_UNKNOWN
from tests.world import (FINANCE, YEAR, accepted, clock, contract, order, paid,  # noqa: F401
                         tiered_partner, world)

MARCH = 3
PPH23_NTPN = "0A1B2C3D4E5F6789"
PPN_NTPN = "9876F5E4D3C2B1A0"


def pay(w, oid, sp2d, day):
    w.clock.today = day
    return paid(w, oid, sp2d, day)


@pytest.fixture
def month(world):
    above = tiered_partner(world, 1, "A", pkp=True)
    at = tiered_partner(world, 2, "B", pkp=True)
    plain = tiered_partner(world, 3, "C", pkp=False)
    big = order(world, contract(world, above, "001/SPK/2026"), quantity=2)["order_id"]
    april = order(world, contract(world, above, "004/SPK/2026"))["order_id"]
    threshold = order(world, contract(world, at, "002/SPK/2026"))["order_id"]
    small = order(world, contract(world, plain, "003/SPK/2026"))["order_id"]
    for oid in (big, april, threshold, small):
        accepted(world, oid, dt.date(YEAR, 3, 9))
    world.paid = [pay(world, big, "00031/SP2D/LS/2026", dt.date(YEAR, 3, 20)),
                  pay(world, threshold, "00032/SP2D/LS/2026", dt.date(YEAR, 3, 20)),
                  pay(world, small, "00040/SP2D/LS/2026", dt.date(YEAR, 3, 31))]
    pay(world, april, "00001/SP2D/LS/2026", dt.date(YEAR, 4, 1))
    world.clock.today = dt.date(YEAR, 4, 10)
    # PPh 23 due 170,000; 160,000 deposited: a shortfall of 10,000 the register shows
    world.contracts.record_tax_deposit("pph23", "2026-03", PPH23_NTPN, 160_000,
                                       dt.date(YEAR, 4, 10), actor=FINANCE)
    world.contracts.record_tax_deposit("ppn", "2026-03", PPN_NTPN, 550_000,
                                       dt.date(YEAR, 4, 10), actor=FINANCE)
    world.project()
    world.ids = {"above": above, "at": at, "plain": plain, "big": big, "threshold": threshold,
                 "small": small, "april": april}
    return world


def test_the_pph23_register_lists_every_payment_of_the_month_with_its_slip(month):
    register = month.reporting.pph23_register(YEAR, MARCH)
    rows = register["rows"]
    assert [(r["sp2d_number"], r["dpp"], r["rate"], r["pph23"], r["bukti_potong"])
            for r in rows] == [
        ("00031/SP2D/LS/2026", 5_000_000, "2/100", 100_000, "BP23/00031/SP2D/LS/2026"),
        ("00032/SP2D/LS/2026", 2_000_000, "2/100", 40_000, "BP23/00032/SP2D/LS/2026"),
        ("00040/SP2D/LS/2026", 1_500_000, "2/100", 30_000, "BP23/00040/SP2D/LS/2026")]
    # the taxpayer's legal name and NPWP, opened here when the sealed number travelled (a
    # store with a cipher; the service masks it by role), else shown as nothing of it
    opened = "000000000000001" if month.reporting.mapper.cipher else MASKED_UNKNOWN
    assert (rows[0]["partner"], rows[0]["npwp"]) == ("Sriwijaya Media Utama 1", opened)
    assert register["totals"] == {"payments": 3, "dpp": 8_500_000, "pph23": 170_000}
    # the register's total is what the payments withheld, to the rupiah
    assert register["totals"]["pph23"] == sum(p["pph23"] for p in month.paid)
    assert register["deposits"][0]["ntpn"] == PPH23_NTPN
    assert (register["deposited"], register["difference"]) == (160_000, -10_000)


def test_the_ppn_register_lists_collected_ppn_and_apart_what_the_partner_remits(month):
    register = month.reporting.ppn_register(YEAR, MARCH)
    (collected,) = register["rows"]
    assert (collected["order_id"], collected["dpp"], collected["rate"],
            collected["dpp_factor"], collected["ppn_collected"]) == (
        month.ids["big"], 5_000_000, "11/100", "1/1", 550_000)
    # at exactly Rp2,000,000 the treasurer does not collect: listed apart; non-PKP: absent
    (remitted,) = register["not_collected"]
    assert (remitted["order_id"], remitted["ppn"], remitted["ppn_collected"]) == (
        month.ids["threshold"], 220_000, 0)
    assert register["totals"] == {"payments": 1, "dpp": 5_000_000, "ppn_collected": 550_000}
    assert register["totals"]["ppn_collected"] == sum(p["ppn_collected"] for p in month.paid)
    assert (register["deposited"], register["difference"]) == (550_000, 0)


def test_a_payment_on_the_first_of_april_is_aprils_not_marchs(month):
    april = month.reporting.pph23_register(YEAR, 4)
    assert [r["order_id"] for r in april["rows"]] == [month.ids["april"]]
    assert (april["deposits"], april["difference"]) == ([], -50_000)


def test_a_second_deposit_with_the_same_ntpn_is_refused(month):
    for ntpn in (PPH23_NTPN, PPH23_NTPN.lower()):  # one NTPN, however it is typed
        with pytest.raises(Conflict) as refused:
            month.contracts.record_tax_deposit("pph23", "2026-03", ntpn, 10_000,
                                               dt.date(YEAR, 4, 10), actor=FINANCE)
        assert refused.value.code == "ntpn_already_recorded"
    month.project()
    assert month.reporting.pph23_register(YEAR, MARCH)["deposited"] == 160_000


def test_a_deposit_before_its_month_or_in_the_future_is_refused(month):
    with pytest.raises(RuleViolated) as early:
        month.contracts.record_tax_deposit("ppn", "2026-04", "1111222233334444", 1,
                                           dt.date(YEAR, 3, 31), actor=FINANCE)
    assert early.value.code == "deposit_before_period"
    with pytest.raises(RuleViolated) as future:
        month.contracts.record_tax_deposit("ppn", "2026-04", "1111222233334444", 1,
                                           dt.date(YEAR, 4, 11), actor=FINANCE)
    assert future.value.code == "paid_in_future"


def test_the_registers_hold_no_npwp_in_clear_and_survive_a_rebuild(month, tmp_path):
    stored = repr(month.reporting.sql.query(
        f"SELECT * FROM {month.reporting.t['partner_npwp']}"))
    assert month.ids["above"] in stored
    assert "000000000000001" not in stored  # sealed as the event carried it
    rebuilt = ReportingApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(
        tmp_path / "rebuilt")}), clock=month.clock)
    for source in (month.partners, month.assessment, month.contracts):
        month.feed(source, rebuilt, "apply_envelope").catch_up()
    assert rebuilt.dump() == month.reporting.dump()
    for m in (MARCH, 4):
        assert rebuilt.pph23_register(YEAR, m) == month.reporting.pph23_register(YEAR, m)
        assert rebuilt.ppn_register(YEAR, m) == month.reporting.ppn_register(YEAR, m)


def test_a_register_as_of_a_day_counts_what_was_recorded_by_its_end(month):
    before = month.reporting.pph23_register(YEAR, MARCH, as_of=dt.date(YEAR, 3, 30))
    assert before["totals"] == {"payments": 2, "dpp": 7_000_000, "pph23": 140_000}
    assert (before["deposits"], before["difference"]) == ([], -140_000)
    assert month.reporting.ppn_register(YEAR, MARCH, as_of=dt.date(YEAR, 4, 9))[
        "deposited"] == 0


def test_a_returned_sp2d_leaves_its_month_and_the_new_payment_counts_in_its_own(month):
    # the bank returns the March SP2D of the threshold order; it is paid again in April
    month.contracts.reverse_payment(month.ids["threshold"], "00032/SP2D/LS/2026",
                                    "rekening ditolak bank", actor=FINANCE)
    again = pay(month, month.ids["threshold"], "00002/SP2D/LS/2026", dt.date(YEAR, 4, 12))
    month.project()
    march = month.reporting.pph23_register(YEAR, MARCH)
    assert [r["sp2d_number"] for r in march["rows"]] == ["00031/SP2D/LS/2026",
                                                         "00040/SP2D/LS/2026"]
    assert march["totals"]["pph23"] == 130_000 and march["difference"] == 30_000
    assert [(r["sp2d_number"], r["reason"]) for r in march["reversed"]] == [
        ("00032/SP2D/LS/2026", "rekening ditolak bank")]
    april = month.reporting.pph23_register(YEAR, 4)
    assert april["totals"]["pph23"] == 50_000 + again["pph23"]
    assert "BP23/00002/SP2D/LS/2026" in {r["bukti_potong"] for r in april["rows"]}
    # as the records stood at the end of March, the payment had not come back
    assert len(month.reporting.pph23_register(YEAR, MARCH, as_of=dt.date(YEAR, 3, 31))[
        "rows"]) == 3
