"""Contract addenda, termination and payment reversal through RPC (issue 13, item 7), with the
services as processes on RabbitMQ and PostgreSQL, and the reporting views agreeing with
contracts to the rupiah, live and rebuilt."""
import datetime as dt

import pytest

from shared.errors import Conflict, Forbidden, RuleViolated, ValidationFailed
from tests.integration.scenarios import eventually, open_year, tiered_partner
from tests.integration.test_contracts_rpc import ACTIVITY, TODAY, YEAR, order_of, setup_money, sign
from tests.integration.test_reporting_rpc import caught_up, live_views, rebuilt_views
from tests.support import sha

pytestmark = pytest.mark.integration
ID = "5b0c7a34-1111-4000-8000-000000000001"


@pytest.fixture
def money(cluster):
    for service in ("partners", "assessment", "contracts", "projector", "reporting"):
        cluster.start(service)
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier, \
            cluster.rpc("assessor") as assessor, cluster.rpc("finance", sub="ppk.dewi") as fin:
        open_year(admin, YEAR)
        yield admin, verifier, assessor, fin


def proven(finance, contract_id) -> str:
    placed = finance.contracts.place_order(contract_id, order_of(1))
    finance.contracts.submit_proof(placed["order_id"], {
        "kind": "link", "reference": "https://sumselnews.id/hpv",
        "published_on": TODAY.isoformat(), "sha256": sha("hpv")})
    finance.contracts.review_proof(placed["order_id"], "accepted", "BAST")
    return placed["order_id"]


def test_bad_corrections_are_answered_by_typed_errors_and_change_nothing(cluster, money):
    admin, verifier, assessor, finance = money
    setup_money(finance, pagu=100_000_000)
    pid = tiered_partner(admin, verifier, assessor, 1, "B", year=YEAR, pkp=True)
    cid = sign(finance, pid, "001/SPK/2026", 20_000_000)
    for amendment in ({}, {"ceiling": 1.5e7}, {"ceiling": "30000000"}, {"ceiling": 10**20},
                      {"ends_on": "31-12-2026"}, {"note": "x"},
                      {"agreed_prices": [{"product": "billboard", "unit_price": 1}]}):
        with pytest.raises(ValidationFailed) as refused:
            finance.contracts.amend_contract(cid, amendment, "tambah")
        assert "amendment" in refused.value.details["fields"], amendment
    with pytest.raises(ValidationFailed) as no_reason:
        finance.contracts.terminate_contract(cid, "")
    assert "reason" in no_reason.value.details["fields"]
    with pytest.raises(ValidationFailed) as bad_sp2d:
        finance.contracts.reverse_payment(ID, "1/SP2D\n", "retur")
    assert "sp2d_number" in bad_sp2d.value.details["fields"]
    with pytest.raises(Forbidden):
        admin.contracts.terminate_contract(cid, "putus")
    with pytest.raises(RuleViolated) as below:
        finance.contracts.amend_contract(cid, {"ceiling": 20_000_000}, "sama")
    assert below.value.code == "empty_amendment"
    with pytest.raises(RuleViolated) as tier:
        finance.contracts.amend_contract(cid, {"ceiling": 50_000_001}, "tambah")
    assert tier.value.code == "tier_ceiling_exceeded"
    seen = finance.contracts.get_contract(cid)
    assert (seen["ceiling"], seen["addenda"], seen["terminated"]) == (20_000_000, [], None)


def test_an_addendum_a_termination_and_a_reversal_agree_with_the_views_live_and_rebuilt(
        cluster, postgres, money):
    admin, verifier, assessor, finance = money
    setup_money(finance, pagu=100_000_000)
    first = tiered_partner(admin, verifier, assessor, 1, "A", year=YEAR, pkp=True)
    second = tiered_partner(admin, verifier, assessor, 2, "C", year=YEAR, pkp=False)
    kept = sign(finance, first, "001/SPK/2026", 20_000_000)
    ended = sign(finance, second, "002/SPK/2026", 10_000_000)

    raised = finance.contracts.amend_contract(kept, {"ceiling": 30_000_000}, "tambahan")
    assert (raised["addendum"], raised["committed"]) == (1, 10_000_000)
    lowered = finance.contracts.amend_contract(
        kept, {"ceiling": 25_000_000, "ends_on": (TODAY + dt.timedelta(days=30)).isoformat()},
        "efisiensi")
    assert lowered["released"] == 5_000_000

    paid = proven(finance, kept)
    plain = proven(finance, ended)
    open_ = finance.contracts.place_order(ended, order_of(1))["order_id"]
    sp2d = f"00777/SP2D/LS/{YEAR}"
    finance.contracts.record_payment(paid, {"sp2d_number": sp2d, "paid_on": TODAY.isoformat()})
    finance.contracts.record_payment(plain, {"sp2d_number": f"00778/SP2D/LS/{YEAR}",
                                             "paid_on": TODAY.isoformat()})
    ending = finance.contracts.terminate_contract(ended, "mitra wanprestasi")
    assert (ending["cancelled_orders"], ending["released"]) == ([open_], 8_500_000)

    back = finance.contracts.reverse_payment(paid, sp2d, "retur bank")
    assert (back["status"], back["reversed"]) == ("proof_accepted", 2_775_000)
    with pytest.raises(Conflict) as reused:
        finance.contracts.record_payment(paid, {"sp2d_number": sp2d,
                                                "paid_on": TODAY.isoformat()})
    assert reused.value.code == "sp2d_already_recorded"
    again = finance.contracts.record_payment(paid, {"sp2d_number": f"00901/SP2D/LS/{YEAR}",
                                                    "paid_on": TODAY.isoformat()})
    assert again["realised"] == 2_775_000

    contract = finance.contracts.get_contract(kept)
    assert [a["ceiling"]["to"] for a in contract["addenda"]] == [30_000_000, 25_000_000]
    assert finance.contracts.get_contract(ended)["terminated"]["reason"] == "mitra wanprestasi"
    order = finance.contracts.get_order(paid)
    assert [r["sp2d_number"] for r in order["reversals"]] == [sp2d]
    (status,) = finance.contracts.budget_status(YEAR)
    assert (status["committed"], status["paid"]) == (25_000_000 + 1_500_000,
                                                     2_775_000 + 1_500_000)

    with cluster.rpc("auditor") as auditor:
        assert eventually(lambda: caught_up(auditor), timeout=60)
        (view,) = auditor.reporting.budget_realization(YEAR)
        assert {k: view[k] for k in ("pagu", "committed", "paid", "remaining")} == {
            k: status[k] for k in ("pagu", "committed", "paid", "remaining")}
        ledger = auditor.reporting.payment_ledger(YEAR)
        assert [r["entry"] for r in ledger if r["order_id"] == paid] == [
            "payment", "reversal", "payment"]
        assert sum(r["realised"] for r in ledger) == status["paid"]
        taxes = {r["partner_id"]: r for r in auditor.reporting.tax_summary(YEAR)}
        assert (taxes[first]["payments"], taxes[first]["realised"]) == (1, 2_775_000)
        spent = {r["partner_id"]: r["paid"] for r in auditor.reporting.spending(YEAR)["rows"]}
        assert (spent[first], spent[second]) == (2_500_000, 1_500_000)
    assert ACTIVITY == view["activity_code"]
    # the tables these views read, built live and from nothing
    live, rebuilt = live_views(cluster, postgres), rebuilt_views(cluster, postgres)
    for table in ("contracts", "contract_ceilings", "orders", "order_status", "payments",
                  "payment_reversals", "budget_pagu"):
        assert live[table] == rebuilt[table], table
