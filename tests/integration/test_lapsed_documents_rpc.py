"""A lapsed document stops new money through RPC (issue 13, item 8): contracts learns the
lapse from partners' events on the bus, staff see it in list_lapsing_documents, and an accepted
renewal lets orders through again."""
import datetime as dt

import pytest

from shared.errors import RuleViolated, ValidationFailed
from tests.integration.scenarios import eventually, open_year, tiered_partner
from tests.integration.test_contracts_rpc import (TODAY, YEAR, order_of, probe_contract,
                                                  setup_money, sign)
from tests.support import document

pytestmark = pytest.mark.integration


def lapse_known(finance, pid):
    """The refusal once contracts has learnt the lapse, probed with a contract that could not
    be signed anyway (above the tier ceiling: the lapse is judged first), so nothing is
    recorded while we wait."""
    refused = probe_contract(finance, pid)
    return refused if refused.code == "document_lapsed" else None


def test_an_order_for_a_partner_whose_domicile_lapsed_yesterday_waits_for_the_renewal(cluster):
    for service in ("partners", "assessment", "contracts"):
        cluster.start(service)
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier, \
            cluster.rpc("assessor") as assessor, cluster.rpc("finance") as finance, \
            cluster.rpc("auditor") as auditor:
        open_year(admin, YEAR)
        setup_money(finance, pagu=100_000_000)
        pid = tiered_partner(admin, verifier, assessor, 1, "B", year=YEAR)
        cid = sign(finance, pid, f"001/SPK/{YEAR}", 20_000_000)
        assert finance.contracts.place_order(cid, order_of(1))["gross"] > 0

        yesterday = TODAY - dt.timedelta(days=1)
        did = admin.partners.submit_document(pid, document(
            "domicile", issued_on=(TODAY - dt.timedelta(days=30)).isoformat(),
            valid_until=yesterday.isoformat(), number="DOM-OLD"))["document_id"]
        verifier.partners.review_document(pid, did, "accepted", "checked")

        assert eventually(lambda: lapse_known(finance, pid))
        with pytest.raises(RuleViolated) as lapsed:
            finance.contracts.place_order(cid, order_of(1))
        refused = lapsed.value
        assert refused.code == "document_lapsed" and refused.details["kind"] == "domicile"
        assert refused.details["valid_until"] == yesterday.isoformat()
        assert refused.details["lapsed_on"] == TODAY.isoformat()
        (row,) = auditor.partners.list_lapsing_documents(0)
        assert (row["partner_id"], row["kind"], row["days_left"], row["lapsed"]) == (
            pid, "domicile", -1, True)
        with pytest.raises(ValidationFailed) as bad:
            auditor.partners.list_lapsing_documents(400)
        assert "within_days" in bad.value.details["fields"]

        renewal = admin.partners.submit_document(pid, document(
            "domicile", issued_on=TODAY.isoformat(),
            valid_until=f"{YEAR + 1}-12-31", number="DOM-NEW"))["document_id"]
        verifier.partners.review_document(pid, renewal, "accepted", "renewed")
        assert eventually(lambda: finance.contracts.place_order(cid, order_of(1)))["gross"] > 0
        assert auditor.partners.list_lapsing_documents(0) == []
