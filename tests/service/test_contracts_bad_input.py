"""Bad input for every contracts method: ValidationFailed naming the field, nothing recorded."""
import pytest

from services.contracts.application import ContractsApplication
from services.contracts.service import ContractsService
from tests.service.checks import OPERATOR_METHODS, check_refused, rpc_methods

ID = "5b0c7a34-1111-4000-8000-000000000001"
PRICE = {"media_type": "online", "tier": "B", "product": "advertorial", "unit": "item",
         "unit_price": 2_000_000}
CONTRACT = {"number": "001/SPK/KOMINFO/2026", "fiscal_year": 2026, "partner_id": ID,
            "activity_code": "2.16.01.2.06.0001", "ceiling": 20_000_000,
            "starts_on": "2026-02-01", "ends_on": "2026-12-31"}
ORDER = {"product": "advertorial", "quantity": 1, "title": "Sosialisasi",
         "publish_by": "2026-03-10"}
PROOF = {"kind": "link", "reference": "https://x.id/a", "published_on": "2026-03-09",
         "sha256": "a" * 64}

RELEASE = {"title": "Bupati resmikan pasar", "body": "Kayuagung.", "release_date": "2026-03-02"}
TAX_RULES = {"ppn_rate": "12/100", "dpp_factor": "11/12", "pph23_rate": "2/100",
             "collection_threshold": 2_000_000}

CASES = [
    ("publish_price_standard", dict(fiscal_year=2026, effective_from="2026-01-01",
                                    items=[{**PRICE, "unit_price": 2_000_000.5}]), "items"),
    ("publish_price_standard", dict(fiscal_year=2026, effective_from="2026-01-01",
                                    items=[{**PRICE, "product": "billboard"}]), "items"),
    ("publish_price_standard", dict(fiscal_year=2026, effective_from="1 Jan", items=[PRICE]),
     "effective_from"),
    ("set_budget", dict(fiscal_year=2026, activity_code="2.16", name="Publikasi",
                        pagu="2000000000"), "pagu"),
    ("set_budget", dict(fiscal_year=2026, activity_code="", name="Publikasi", pagu=1),
     "activity_code"),
    ("set_tier_ceiling", dict(fiscal_year=2026, tier="b", ceiling=50_000_000), "tier"),
    # rates are exact fractions "num/den", never floats or percentages (issue 13)
    ("set_tax_rules", dict(effective_from="2026-01-01", rules={**TAX_RULES, "ppn_rate": 0.12}),
     "rules"),
    ("set_tax_rules", dict(effective_from="2026-01-01", rules={**TAX_RULES,
                                                                "dpp_factor": "11/0"}), "rules"),
    ("set_tax_rules", dict(effective_from="2026-01-01", rules={**TAX_RULES,
                                                                "pph23_rate": "2%"}), "rules"),
    ("set_tax_rules", dict(effective_from="2026-01-01", rules={
        **TAX_RULES, "collection_threshold": 2e6}), "rules"),
    ("set_tax_rules", dict(effective_from="2025", rules=TAX_RULES), "effective_from"),
    ("set_tier_ceiling", dict(fiscal_year=2026, tier="B", ceiling=-1), "ceiling"),
    ("sign_contract", dict(contract={**CONTRACT, "ceiling": 1.5e7}), "contract"),
    ("sign_contract", dict(contract={k: v for k, v in CONTRACT.items() if k != "ends_on"}),
     "contract"),
    ("place_order", dict(contract_id=ID, order={**ORDER, "quantity": 0}), "order"),
    ("place_order", dict(contract_id="SPK-1", order=ORDER), "contract_id"),
    ("submit_proof", dict(order_id=ID, proof={**PROOF, "kind": "screenshot"}), "proof"),
    ("submit_proof", dict(order_id=ID, proof={**PROOF, "reach": {"page_views": -5}}), "proof"),
    ("review_proof", dict(order_id=ID, decision="ok", note="fine"), "decision"),
    ("record_payment", dict(order_id=ID, payment={"sp2d_number": "1/SP2D",
                                                  "paid_on": "02-04-2026"}), "payment"),
    ("record_payment", dict(order_id=ID, payment={"paid_on": "2026-04-02"}), "payment"),
    ("cancel_order", dict(order_id=ID, reason=""), "reason"),
    # a tax deposit: the NTPN is 16 letters and digits, the period YYYY-MM (issue 13)
    ("record_tax_deposit", dict(kind="pph23", period="2026-04", ntpn="0A1B2C3D4E5F678",
                                amount=10_000, paid_on="2026-05-10"), "ntpn"),
    ("record_tax_deposit", dict(kind="pph23", period="2026-04", ntpn="0A1B2C3D-4E5F6789",
                                amount=10_000, paid_on="2026-05-10"), "ntpn"),
    ("record_tax_deposit", dict(kind="pph21", period="2026-04", ntpn="0A1B2C3D4E5F6789",
                                amount=10_000, paid_on="2026-05-10"), "kind"),
    ("record_tax_deposit", dict(kind="ppn", period="2026-13", ntpn="0A1B2C3D4E5F6789",
                                amount=10_000, paid_on="2026-05-10"), "period"),
    ("record_tax_deposit", dict(kind="ppn", period="04/2026", ntpn="0A1B2C3D4E5F6789",
                                amount=10_000, paid_on="2026-05-10"), "period"),
    ("record_tax_deposit", dict(kind="ppn", period="2026-04", ntpn="0A1B2C3D4E5F6789",
                                amount=10_000.5, paid_on="2026-05-10"), "amount"),
    ("record_tax_deposit", dict(kind="ppn", period="2026-04", ntpn="0A1B2C3D4E5F6789",
                                amount=0, paid_on="2026-05-10"), "amount"),
    ("record_tax_deposit", dict(kind="ppn", period="2026-04", ntpn="0A1B2C3D4E5F6789",
                                amount=10_000, paid_on="10 Mei"), "paid_on"),
    # corrections (issue 13, item 7)
    ("amend_contract", dict(contract_id=ID, amendment={}, reason="tambah"), "amendment"),
    ("amend_contract", dict(contract_id=ID, amendment={"ceiling": 1.5e7}, reason="tambah"),
     "amendment"),
    ("amend_contract", dict(contract_id=ID, amendment={"ceiling": 10**20}, reason="tambah"),
     "amendment"),
    ("amend_contract", dict(contract_id=ID, amendment={"ends_on": "31-12-2026"},
                            reason="tambah"), "amendment"),
    ("amend_contract", dict(contract_id=ID, amendment={"agreed_prices": [
        {"product": "billboard", "unit_price": 1}]}, reason="nego"), "amendment"),
    ("amend_contract", dict(contract_id=ID, amendment={"ceiling": 1}, reason=""), "reason"),
    ("amend_contract", dict(contract_id="SPK-1", amendment={"ceiling": 1}, reason="x"),
     "contract_id"),
    ("terminate_contract", dict(contract_id=ID, reason="x" * 1001), "reason"),
    ("terminate_contract", dict(contract_id=None, reason="putus"), "contract_id"),
    ("reverse_payment", dict(order_id=ID, sp2d_number="1/SP2D\n", reason="retur"),
     "sp2d_number"),
    ("reverse_payment", dict(order_id=ID, sp2d_number="", reason="retur"), "sp2d_number"),
    ("reverse_payment", dict(order_id=ID, sp2d_number="1/SP2D", reason="retur\x1b[2J"),
     "reason"),
    ("reverse_payment", dict(order_id="x", sp2d_number="1/SP2D", reason="retur"),
     "order_id"),
    ("get_contract", dict(contract_id=42), "contract_id"),
    ("get_order", dict(order_id="x"), "order_id"),
    ("proof_file", dict(order_id="x"), "order_id"),
    ("partner_orders", dict(partner_id="x"), "partner_id"),
    ("partner_orders", dict(partner_id=ID, fiscal_year="2026"), "fiscal_year"),
    ("budget_status", dict(fiscal_year="2026"), "fiscal_year"),
    ("list_contracts", dict(fiscal_year=2026, partner_id="x"), "partner_id"),
    ("list_orders", dict(fiscal_year=2026, status="lunas"), "status"),
    ("list_orders", dict(fiscal_year=None), "fiscal_year"),
    ("get_tier_ceilings", dict(fiscal_year="2026"), "fiscal_year"),
    # press releases: an embargo is an instant with its offset; a body is bounded
    ("publish_release", dict(release={**RELEASE, "embargo_until": "2026-03-03 09:00"}),
     "release"),
    ("publish_release", dict(release={**RELEASE, "embargo_until": "2026-03-03T09:00:00"}),
     "release"),
    ("publish_release", dict(release={**RELEASE, "body": "x" * 20_001}), "release"),
    ("publish_release", dict(release={**RELEASE, "audience": {"media_types": ["koran"]}}),
     "release"),
    ("publish_release", dict(release={**RELEASE, "attachments": ["A" * 64]}), "release"),
    ("list_releases", dict(fiscal_year="2026"), "fiscal_year"),
    ("get_release", dict(release_id="siaran-1"), "release_id"),
    ("file_pickup", dict(release_id=ID, pickup={**PROOF, "partner_id": ID,
                                                 "published_on": "kemarin"}), "pickup"),
    ("file_pickup", dict(release_id=ID, pickup={**PROOF}), "pickup"),  # whose?
    ("file_pickup", dict(release_id=ID, pickup={**PROOF, "partner_id": ID,
                                                 "reach": {"page_views": -1}}), "pickup"),
    ("review_pickup", dict(release_id=ID, pickup_id=ID, decision="ok", note="x"), "decision"),
    ("review_pickup", dict(release_id=ID, pickup_id=ID, decision="accepted", note=""),
     "note"),
    ("release_file", dict(release_id=ID, sha256="../../etc/passwd"), "sha256"),
    ("preview_payment", dict(order_id=ID, payment={"sp2d_number": "1/SP2D",
                                                    "paid_on": "2026-02-30"}), "payment"),
    ("get_price_standard", dict(fiscal_year=None), "fiscal_year"),
    ("notifications", dict(after=0, limit=1001), "limit"),
    ("checkpoints", dict(after=0, limit="all"), "limit"),
    ("signed_checkpoints", dict(after=0, limit="all"), "limit"),
    # The limits on every input (issue 11): one bad value must not stop a pipeline.
    ("set_budget", dict(fiscal_year=2026, activity_code="2.16", name="Publikasi",
                        pagu=10**20), "pagu"),
    ("set_tier_ceiling", dict(fiscal_year=2026, tier="B", ceiling=True), "ceiling"),
    ("sign_contract", dict(contract={**CONTRACT, "ends_on": "99999-12-31"}), "contract"),
    ("place_order", dict(contract_id=ID, order={**ORDER, "title": "Sosialisasi\x1b[2J"}),
     "order"),
    ("submit_proof", dict(order_id=ID, proof={**PROOF, "reach": {"page_views": 10**19}}),
     "proof"),
    ("record_payment", dict(order_id=ID, payment={"sp2d_number": "1/SP2D\n",
                                                  "paid_on": "2026-04-02"}), "payment"),
    ("set_budget", dict(fiscal_year=2026, activity_code="2.16", name="Publikasi", pagu=1,
                        command_id=123), "command_id"),
    ("set_budget", dict(fiscal_year=2026, activity_code="2.16", name="Publikasi", pagu=1,
                        command_id="x" * 101), "command_id"),
]
NO_INPUT = {"expire_overdue_orders", "digest", "get_tax_rules"}


@pytest.fixture
def app(sqlite_settings):
    return ContractsApplication(sqlite_settings)


@pytest.mark.parametrize("method,arguments,field", CASES,
                         ids=[f"{m}-{f}-{i}" for i, (m, _, f) in enumerate(CASES)])
def test_bad_input_names_the_field_and_records_nothing(app, method, arguments, field):
    role = "finance"
    if method in ("notifications", "checkpoints", "signed_checkpoints"):
        role = "auditor"
    elif method in ("publish_release", "file_pickup", "review_pickup"):
        role = "humas"  # the press desk's
    check_refused(ContractsService, app, role, method, arguments, field)


def test_every_contracts_method_has_a_bad_input_case():
    assert rpc_methods(ContractsService) - NO_INPUT - OPERATOR_METHODS <= {m for m, _, _ in CASES}
