"""Proof dates and monthly print through RPC (issue 13, items 5 and 6): partners, assessment and
contracts as processes on RabbitMQ and PostgreSQL, judging on the regency's date."""
import datetime as dt

import pytest

from shared.errors import RuleViolated
from tests.integration.scenarios import tiered_partner
from tests.integration.test_contracts_rpc import (ACTIVITY, TODAY, YEAR, money,  # noqa: F401
                                                  setup_money, sign)
from tests.support import sha

pytestmark = pytest.mark.integration


def proof(published_on: dt.date) -> dict:
    return {"kind": "clipping", "reference": "Edisi 12, hlm. 4", "sha256": sha("clip"),
            "published_on": published_on.isoformat(), "reach": {"circulation": 3_000}}


def test_a_magazine_s_recycled_article_is_refused_over_rpc_with_its_dates(cluster, money):
    admin, verifier, assessor, finance = money
    setup_money(finance, pagu=100_000_000)
    finance.contracts.publish_price_standard(YEAR, f"{YEAR}-01-01", [
        {"media_type": "print_monthly", "tier": "B", "product": "advertorial", "unit": "item",
         "unit_price": 4_000_000}])
    # A magazine registers, files its circulation statement and is activated like any outlet.
    pid = tiered_partner(admin, verifier, assessor, 1, "B", media_type="print_monthly",
                         year=YEAR)
    cid = sign(finance, pid, "005/SPK/2026", 10_000_000)
    placed = finance.contracts.place_order(cid, {
        "product": "advertorial", "quantity": 1, "title": "Profil desa wisata",
        "publish_by": (TODAY + dt.timedelta(days=3)).isoformat()})
    assert placed["unit_price"] == 4_000_000
    order = finance.contracts.get_order(placed["order_id"])
    assert order["placed_on"] == TODAY.isoformat()  # the regency's date, not the UTC one
    assert order["proof_due"] == (TODAY + dt.timedelta(days=13)).isoformat()  # 10 days
    with cluster.rpc("media", sub="redaksi", partner_id=pid) as media:
        with pytest.raises(RuleViolated) as refused:
            media.contracts.submit_proof(placed["order_id"],
                                         proof(TODAY - dt.timedelta(days=30)))
        assert refused.value.code == "published_before_order"
        assert refused.value.details == {
            "published_on": (TODAY - dt.timedelta(days=30)).isoformat(),
            "placed_on": TODAY.isoformat()}
        with pytest.raises(RuleViolated) as refused:
            media.contracts.submit_proof(placed["order_id"], proof(TODAY + dt.timedelta(days=1)))
        assert refused.value.code == "published_in_future"
        assert media.contracts.submit_proof(placed["order_id"], proof(TODAY))["status"] == \
            "proof_submitted"
