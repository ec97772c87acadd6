"""Partner corrections through RPC (issue 13, item 7): a company asks for a new account, a
verifier approves it, and payments from that day go to it; a PKP status recorded with an effective date reaches contracts on the bus
and the PPN of each payment follows the status on its paid_on; bad input is answered with typed
errors."""
import datetime as dt
import uuid

import pytest

from shared.errors import Conflict, Forbidden, NotFound, RuleViolated, ValidationFailed
from tests.integration.scenarios import eventually, open_year, tiered_partner
from tests.integration.test_contracts_rpc import TODAY, YEAR, order_of, setup_money, sign
from tests.support import company, sha

pytestmark = pytest.mark.integration
NEW_ACCOUNT = {"bank": "Bank Sumsel Babel", "number": "1450099887766",
               "holder": "PT Sriwijaya Media Utama 1"}


def test_a_company_changes_its_account_and_becomes_pkp_mid_year(cluster):
    for service in ("partners", "assessment", "contracts"):
        cluster.start(service)
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier, \
            cluster.rpc("assessor") as assessor, cluster.rpc("finance") as finance:
        open_year(admin, YEAR)
        setup_money(finance, pagu=100_000_000)
        pid = tiered_partner(admin, verifier, assessor, 1, "A", year=YEAR, pkp=False)
        other = admin.partners.register_partner(company(2))["partner_id"]

        with cluster.rpc("media", sub="redaksi", partner_id=pid) as media:
            asked = media.partners.request_identity_change(
                pid, {"bank_account": NEW_ACCOUNT}, "moved to the regional bank")
            assert asked["decision"] == "pending"
            assert media.partners.get_partner(pid)["bank_account"]["number"] != "1450099887766"
            with pytest.raises(Forbidden) as not_own:
                media.partners.request_identity_change(other, {"address": "Jl. Lain 1"}, "x")
            assert not_own.value.code == "not_own_file"
            with pytest.raises(RuleViolated) as person:
                media.partners.request_identity_change(
                    pid, {"bank_account": {**NEW_ACCOUNT, "holder": "Budi Santoso"}}, "faster")
            assert person.value.code == "bank_holder_not_company"
            with pytest.raises(ValidationFailed) as bad:
                media.partners.request_identity_change(pid, {"npwp": "012345678901234"}, "x")
            assert "change" in bad.value.details["fields"]

        with pytest.raises(ValidationFailed) as bad:
            verifier.partners.decide_identity_change(pid, "first", True, "ok")
        assert "change_id" in bad.value.details["fields"]
        with pytest.raises(NotFound) as missing:
            verifier.partners.decide_identity_change(pid, str(uuid.uuid4()), True, "ok")
        assert missing.value.code == "no_such_change"
        with pytest.raises(Forbidden):
            admin.partners.decide_identity_change(pid, asked["change_id"], True, "self-approved")
        assert verifier.partners.decide_identity_change(
            pid, asked["change_id"], True, "rekening koran checked")["decision"] == "approved"
        with pytest.raises(Conflict) as twice:
            verifier.partners.decide_identity_change(pid, asked["change_id"], False, "no")
        assert twice.value.code == "change_already_decided"
        file = finance.partners.get_partner(pid)
        assert file["bank_account"] == NEW_ACCOUNT
        assert file["identity_changes"][0]["decision"] == "approved"
        with cluster.rpc("assessor") as assessor_reads:  # masked for a role that needs no numbers
            shown = assessor_reads.partners.get_partner(pid)
        assert shown["bank_account"]["number"].endswith("7766")
        assert "1450099887766" not in repr(shown)

        # PKP from today: an order placed before, paid yesterday and today
        cid = sign(finance, pid, f"001/SPK/{YEAR}", 20_000_000)
        first, second = (finance.contracts.place_order(cid, order_of(1)) for _ in range(2))
        assert first["ppn"] == second["ppn"] == 0
        with pytest.raises(ValidationFailed) as bad:
            verifier.partners.record_pkp_status(pid, "true", TODAY.isoformat(), "x")
        assert "pkp" in bad.value.details["fields"]
        verifier.partners.record_pkp_status(pid, True, TODAY.isoformat(),
                                            "dikukuhkan PKP by KPP Pratama Palembang")
        with pytest.raises(RuleViolated) as same:
            admin.partners.record_pkp_status(pid, True, TODAY.isoformat(), "again")
        assert same.value.code == "pkp_unchanged"
        # contracts learns it from the bus: a new order reserves DPP + PPN
        assert eventually(lambda: finance.contracts.place_order(cid, order_of(1))["ppn"] > 0)
        for placed in (first, second):
            finance.contracts.submit_proof(placed["order_id"], {
                "kind": "link", "reference": "https://sumselnews.id/hpv",
                "published_on": TODAY.isoformat(), "sha256": sha("hpv"), "reach": None})
            finance.contracts.review_proof(placed["order_id"], "accepted", "BAST")
        yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
        before = finance.contracts.record_payment(first["order_id"], {
            "sp2d_number": "1/SP2D/LS/2026", "paid_on": yesterday})
        after = finance.contracts.record_payment(second["order_id"], {
            "sp2d_number": "2/SP2D/LS/2026", "paid_on": TODAY.isoformat()})
        assert (before["ppn"], before["realised"]) == (0, 2_500_000)
        assert (after["ppn"], after["ppn_collected"], after["paid_to_partner"],
                after["realised"]) == (275_000, 275_000, 2_450_000, 2_775_000)
        # and each went to the account in force on its paid_on: the new one from today
        assert before["paid_to_account"]["ending"] == "0001"  # company(1)'s first account
        assert (after["paid_to_account"]["bank"], after["paid_to_account"]["ending"]) == (
            "Bank Sumsel Babel", "7766")
