"""The money rules through RPC, with partners, assessment and contracts as processes on
RabbitMQ and PostgreSQL."""
import datetime as dt

import eventlet
import pytest

from shared.errors import RuleViolated
from tests.integration.scenarios import eventually, open_year, tiered_partner
from tests.support import sha

pytestmark = pytest.mark.integration
TODAY = dt.date.today()
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


def test_the_last_rupiah_of_a_budget_claimed_by_concurrent_orders(cluster, money):
    admin, verifier, assessor, finance = money
    setup_money(finance, pagu=8_000_000)
    first = tiered_partner(admin, verifier, assessor, 1, "B", year=YEAR)
    second = tiered_partner(admin, verifier, assessor, 2, "B", year=YEAR)
    contracts = [sign(finance, first, "001/SPK/2026", 8_000_000),
                 sign(finance, second, "002/SPK/2026", 8_000_000)]
    finance.contracts.place_order(contracts[0], order_of(1))  # 2,000,000: 6,000,000 left

    def claim(n):
        with cluster.rpc("finance") as rpc:
            try:
                return rpc.contracts.place_order(contracts[n % 2], order_of(1, f"Order {n}"))
            except RuleViolated as refused:
                return refused.code

    outcomes = list(eventlet.GreenPool(8).imap(claim, range(8)))
    placed = [o for o in outcomes if isinstance(o, dict)]
    assert len(placed) == 3
    assert sorted(o for o in outcomes if not isinstance(o, dict)) == ["budget_exceeded"] * 5
    status = finance.contracts.budget_status(YEAR)[0]
    assert (status["committed"], status["remaining"]) == (8_000_000, 0)


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
        assert paid == {"order_id": placed["order_id"], "gross": 5_000_000, "ppn": 550_000,
                        "pph23": 100_000, "net": 5_450_000}
        envelopes = tap.drain(until_type="PaymentRecorded", timeout=15)
        by_type = {e["type"]: e for e in envelopes}
        assert by_type["PriceApplied"]["payload"]["unit_price"] == 2_500_000
        assert by_type["PriceApplied"]["actor"]["sub"] == "ppk.dewi"
        assert by_type["PaymentRecorded"]["payload"]["net"] == 5_450_000
        assert by_type["ProofSubmitted"]["actor"]["sub"] == "redaksi"
    finally:
        tap.close()
