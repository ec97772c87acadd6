"""The money rules through RPC, with partners, assessment and contracts as processes on
RabbitMQ and PostgreSQL."""
import datetime as dt

import eventlet
import pytest

from shared.config import Settings
from shared.errors import Forbidden, RuleViolated, ValidationFailed
from tests.integration.scenarios import eventually, open_year, tiered_partner
from tests.support import sha

pytestmark = pytest.mark.integration
TODAY = Settings.from_env().today()  # the regency's date, as the services judge
YEAR = TODAY.year
ACTIVITY = "2.16.01.2.06.0001"


def setup_money(finance, pagu):
    finance.contracts.publish_price_standard(YEAR, f"{YEAR}-01-01", [
        {"media_type": "online", "tier": tier, "product": "advertorial", "unit": "item",
         "unit_price": price} for tier, price in (("A", 2_500_000), ("B", 2_000_000),
                                                  ("C", 1_500_000))])
    finance.contracts.set_budget(YEAR, ACTIVITY, "Publikasi media", pagu)
    for tier, ceiling in (("A", 60_000_000), ("B", 50_000_000), ("C", 20_000_000)):
        finance.contracts.set_tier_ceiling(YEAR, tier, ceiling)


def sign(finance, pid, number, ceiling):
    contract = {"number": number, "fiscal_year": YEAR, "partner_id": pid,
                "activity_code": ACTIVITY, "ceiling": ceiling,
                "starts_on": f"{YEAR}-01-01", "ends_on": f"{YEAR}-12-31"}
    # contracts learns the partner's standing and tier from events: wait for them
    return eventually(lambda: finance.contracts.sign_contract(contract))["contract_id"]


def probe_contract(finance, pid) -> RuleViolated:
    """Why a contract above the tier B ceiling is refused (so nothing is ever signed while a
    test waits on what contracts has learnt): the refusal."""
    try:
        finance.contracts.sign_contract({
            "number": "PROBE/1", "fiscal_year": YEAR, "partner_id": pid,
            "activity_code": ACTIVITY, "ceiling": 50_000_001, "starts_on": f"{YEAR}-01-01",
            "ends_on": f"{YEAR}-12-31"})
    except RuleViolated as refused:
        return refused
    raise AssertionError("a contract above the tier ceiling was signed")


def tiered_in_contracts(finance, pid) -> bool:
    """True once contracts knows the partner's tier: the probe is refused for its ceiling."""
    return probe_contract(finance, pid).code == "tier_ceiling_exceeded"


def order_of(amount_items, title="Sosialisasi HPV"):
    return {"product": "advertorial", "quantity": amount_items, "title": title,
            "publish_by": (TODAY + dt.timedelta(days=5)).isoformat()}


@pytest.fixture
def money(cluster):
    for service in ("partners", "assessment", "contracts", "contracts"):
        cluster.start(service)
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier, \
            cluster.rpc("assessor") as assessor, cluster.rpc("finance", sub="ppk.dewi") as fin:
        open_year(admin, YEAR)
        yield admin, verifier, assessor, fin


def test_the_last_rupiah_of_a_pagu_claimed_by_concurrent_contracts_and_orders(cluster, money):
    admin, verifier, assessor, finance = money
    setup_money(finance, pagu=16_000_000)
    partners = [tiered_partner(admin, verifier, assessor, n, "B", year=YEAR, pkp=False)
                for n in (1, 2, 3)]
    for pid in partners:  # contracts learns standing and tiers from events: wait for them
        assert eventually(lambda: tiered_in_contracts(finance, pid))

    def sign_one(n):
        with cluster.rpc("finance") as rpc:
            try:
                return rpc.contracts.sign_contract({
                    "number": f"00{n}/SPK/2026", "fiscal_year": YEAR,
                    "partner_id": partners[n], "activity_code": ACTIVITY,
                    "ceiling": 8_000_000, "starts_on": f"{YEAR}-01-01",
                    "ends_on": f"{YEAR}-12-31"})["contract_id"]
            except RuleViolated as refused:
                return refused.code

    # three contracts of 8,000,000 against a pagu of 16,000,000: two are signed
    signed = list(eventlet.GreenPool(3).imap(sign_one, range(3)))
    assert sorted(signed, key=lambda o: o != "budget_exceeded")[0] == "budget_exceeded"
    contracts = [c for c in signed if c != "budget_exceeded"]
    assert len(contracts) == 2
    finance.contracts.place_order(contracts[0], order_of(1))  # 2,000,000: 6,000,000 left

    def claim(n):
        with cluster.rpc("finance") as rpc:
            try:
                return rpc.contracts.place_order(contracts[0], order_of(1, f"Order {n}"))
            except RuleViolated as refused:
                return refused.code

    outcomes = list(eventlet.GreenPool(8).imap(claim, range(8)))
    placed = [o for o in outcomes if isinstance(o, dict)]
    assert len(placed) == 3
    assert sorted(o for o in outcomes if not isinstance(o, dict)) == [
        "contract_ceiling_exceeded"] * 5
    assert finance.contracts.get_contract(contracts[0])["remaining"] == 0
    status = finance.contracts.budget_status(YEAR)[0]
    assert (status["committed"], status["remaining"]) == (16_000_000, 0)


def test_price_applications_and_payments_reach_rabbitmq_with_their_actor(cluster, money):
    from tests.integration.cluster import Tap

    tap = Tap(cluster.amqp_uri, "contracts", "test-tap-contracts")
    try:
        admin, verifier, assessor, finance = money
        setup_money(finance, pagu=100_000_000)
        pid = tiered_partner(admin, verifier, assessor, 1, "A", year=YEAR, pkp=True)
        cid = sign(finance, pid, "003/SPK/2026", 10_000_000)
        placed = finance.contracts.place_order(cid, order_of(2))
        assert (placed["unit_price"], placed["gross"]) == (2_500_000, 5_000_000)
        with cluster.rpc("media", sub="redaksi", partner_id=pid) as media:
            media.contracts.submit_proof(placed["order_id"], {
                "kind": "link", "reference": "https://sumselnews.id/hpv",
                "published_on": TODAY.isoformat(), "sha256": sha("hpv"),
                "reach": {"page_views": 15_000}})
        finance.contracts.review_proof(placed["order_id"], "accepted", "BAST 12/2026")
        paid = finance.contracts.record_payment(placed["order_id"], {
            "sp2d_number": "00999/SP2D/LS/2026", "paid_on": TODAY.isoformat()})
        assert paid == {"order_id": placed["order_id"], "dpp": 5_000_000, "ppn": 550_000,
                        "ppn_collected": 550_000, "pph23": 100_000,
                        "paid_to_partner": 4_900_000, "realised": 5_550_000,
                        "tax_rules_version": 0, "paid_to_account": {
                            "bank": "Bank Sumsel Babel", "holder": "PT Sriwijaya Media Utama 1",
                            "ending": "0001", "digest": paid["paid_to_account"]["digest"]}}
        envelopes = tap.drain(until_type="PaymentRecorded", timeout=15)
        by_type = {e["type"]: e for e in envelopes}
        assert by_type["PriceApplied"]["payload"]["unit_price"] == 2_500_000
        assert by_type["PriceApplied"]["actor"]["sub"] == "ppk.dewi"
        assert by_type["PaymentRecorded"]["payload"]["paid_to_partner"] == 4_900_000
        # the account as contracts keeps it: its last digits, never the number (partners')
        assert by_type["PaymentRecorded"]["payload"]["paid_to_account"]["ending"] == "0001"
        assert "1000001" not in repr(envelopes)
        assert by_type["ProofSubmitted"]["actor"]["sub"] == "redaksi"
    finally:
        tap.close()


def test_tax_rules_set_by_finance_and_bad_values_answered_by_typed_errors(cluster, money):
    admin, verifier, assessor, finance = money
    rules = {"ppn_rate": "12/100", "dpp_factor": "11/12", "pph23_rate": "2/100",
             "collection_threshold": 2_000_000}
    for bad in ({"ppn_rate": 0.12}, {"ppn_rate": "12%"}, {"dpp_factor": "11/0"},
                {"pph23_rate": "2.0/100"}, {"collection_threshold": -1},
                {"collection_threshold": 2e6}, {"ppn_rate": "1" * 20 + "/1"}):
        with pytest.raises(ValidationFailed) as refused:
            finance.contracts.set_tax_rules(f"{YEAR}-01-01", {**rules, **bad})
        assert "rules" in refused.value.details["fields"], bad
    with pytest.raises(ValidationFailed):
        finance.contracts.set_tax_rules(f"{YEAR}-01-01", {**rules, "surcharge": "1/100"})
    with pytest.raises(ValidationFailed):
        finance.contracts.set_tax_rules("01-01-2025", rules)
    with pytest.raises(RuleViolated) as zero:
        finance.contracts.set_tax_rules(f"{YEAR}-01-01", {**rules, "dpp_factor": "0/12"})
    assert zero.value.code == "bad_tax_rate"
    with pytest.raises(Forbidden):
        admin.contracts.set_tax_rules(f"{YEAR}-01-01", rules)
    assert finance.contracts.get_tax_rules()["versions"] == []

    assert finance.contracts.set_tax_rules(f"{YEAR}-01-01", rules) == {
        "version": 1, "effective_from": f"{YEAR}-01-01"}
    with pytest.raises(RuleViolated) as earlier:
        finance.contracts.set_tax_rules(f"{YEAR - 1}-12-31", rules)
    assert earlier.value.code == "revision_before_previous"
    current = finance.contracts.get_tax_rules()
    assert (current["in_force"], current["versions"][0]["dpp_factor"]) == (1, "11/12")
