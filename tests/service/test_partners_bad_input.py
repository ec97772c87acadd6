"""Bad input for every partners method is answered with ValidationFailed naming the field,
and records nothing."""
import pytest

from services.partners.application import PartnersApplication
from services.partners.service import PartnersService
from tests.service.checks import OPERATOR_METHODS, check_refused, rpc_methods
from tests.support import POLICY_2026, chief_editor, company, document

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
PID = "5b0c7a34-1111-4000-8000-000000000001"
ROLE_OF = {"review_document": "verifier", "record_press_council_status": "verifier",
           "decide_identity_change": "verifier"}
ACCOUNT = {"bank": "BRI", "number": "5550001", "holder": "PT Sriwijaya Media Utama 1"}

CASES = [
    ("register_partner", dict(partner={**company(1), "legal_name": None}), "legal_name"),
    ("register_partner", dict(partner={k: v for k, v in company(1).items() if k != "nib"}),
     "nib"),
    ("submit_document", dict(partner_id=PID, document={**document("deed"), "kind": "akta"}),
     "document"),
    ("submit_document", dict(partner_id=PID, document=document("deed", "15/01/2025")),
     "document"),
    ("submit_document", dict(partner_id="PT-001", document=document("deed")), "partner_id"),
    ("submit_document", dict(partner_id=PID, document={**document("deed"), "file": {
        "upload_id": PID, "sha256": "0" * 64, "name": "../akta.pdf"}}), "document"),
    ("submit_document", dict(partner_id=PID, document={**document("deed"), "file": {
        "upload_id": PID, "sha256": "0" * 64, "name": "akta.pdf"}}), "document"),  # and sha256
    ("document_file", dict(partner_id=PID, document_id="first"), "document_id"),
    ("review_document", dict(partner_id=PID, document_id=PID, decision="ok", note="x"),
     "decision"),
    ("review_document", dict(partner_id=PID, document_id=PID, decision="accepted", note=""),
     "note"),
    ("record_press_council_status", dict(partner_id=PID, status="verified",
                                         recorded_on="2026-01-01"), "status"),
    ("record_press_council_status", dict(partner_id=PID, status="factual",
                                         certificate_no="DP-1", recorded_on="2026-13-01"),
     "recorded_on"),
    ("add_journalist", dict(partner_id=PID, journalist={**chief_editor(), "nik": "16010"}),
     "journalist"),
    ("add_journalist", dict(partner_id=PID, journalist={**chief_editor(), "role": "owner"}),
     "journalist"),
    ("remove_journalist", dict(partner_id=PID, nik="123", reason="left"), "nik"),
    ("set_requirement_policy", dict(fiscal_year=2026, policy={
        k: v for k, v in POLICY_2026.items() if k != "min_press_council"}), "policy"),
    ("set_requirement_policy", dict(fiscal_year="2026", policy=POLICY_2026), "fiscal_year"),
    ("set_requirement_policy", dict(fiscal_year=2026, policy={
        **POLICY_2026, "required_documents": {"magazine": ["deed"]}}), "policy"),
    ("check_requirements", dict(partner_id=PID, fiscal_year=2026, as_of="yesterday"), "as_of"),
    ("activate_partner", dict(partner_id=PID, fiscal_year=26), "fiscal_year"),
    ("reject_partner", dict(partner_id=PID, reason=""), "reason"),
    ("file_objection", dict(partner_id=PID, statement=None), "statement"),
    ("decide_objection", dict(partner_id=PID, upheld="yes", note="x"), "upheld"),
    ("suspend_partner", dict(partner_id=PID, reason=None), "reason"),
    ("reinstate_partner", dict(partner_id=None, reason="x"), "partner_id"),
    ("deregister_partner", dict(partner_id=PID, reason=42), "reason"),
    ("get_partner", dict(partner_id="not-a-uuid"), "partner_id"),
    ("list_partners", dict(media_type="magazine"), "media_type"),
    ("get_requirement_policy", dict(fiscal_year=1999), "fiscal_year"),
    ("notifications", dict(after=-1, limit=10), "after"),
    ("checkpoints", dict(after=0, limit="all"), "limit"),
    ("signed_checkpoints", dict(after=0, limit="all"), "limit"),
    # past a 64-bit position SQLite overflowed: a 500 through the gateway (found by schemathesis)
    ("notifications", dict(after=2**63, limit=10), "after"),
    ("checkpoints", dict(after=2**63, limit=10), "after"),
    # The limits on every input (issue 11): one bad value must not stop a pipeline.
    ("register_partner", dict(partner=company(1, pkp=1)), "pkp"),
    ("register_partner", dict(partner=company(1, npwp=company(1)["npwp"].translate(FULLWIDTH))),
     "npwp"),
    ("register_partner", dict(partner=company(1, legal_name="PT Sriwijaya\u202eamideM")),
     "legal_name"),
    ("submit_document", dict(partner_id=PID, document={**document("deed"),
                                                       "number": "AHU\x00-001"}), "document"),
    ("submit_document", dict(partner_id=PID, document={**document("deed"),
                                                       "issued_on": "0001-01-01"}), "document"),
    ("file_objection", dict(partner_id=PID, statement="x" * 4001), "statement"),
    ("decide_objection", dict(partner_id=PID, upheld=1, note="x"), "upheld"),
    ("remove_journalist", dict(partner_id=PID, nik="1602" + "０" * 12, reason="left"), "nik"),
    ("reject_partner", dict(partner_id=PID, reason="no", command_id=123), "command_id"),
    ("register_partner", dict(partner=company(1), command_id="reg 1"), "command_id"),
    # list_lapsing_documents (issue 13): a whole number of days, 0..366.
    ("list_lapsing_documents", dict(within_days=-1), "within_days"),
    ("list_lapsing_documents", dict(within_days=367), "within_days"),
    ("list_lapsing_documents", dict(within_days="30"), "within_days"),
    ("list_lapsing_documents", dict(within_days=True), "within_days"),
    ("list_lapsing_documents", dict(within_days=7.5), "within_days"),
    ("list_lapsing_documents", dict(within_days=None), "within_days"),
    # Corrections (issue 13, item 7): a change names at least one known field, each bounded.
    ("request_identity_change", dict(partner_id=PID, change={}, reason="x"), "change"),
    ("request_identity_change", dict(partner_id=PID, change={"npwp": "012345678901234"},
                                     reason="x"), "change"),
    ("request_identity_change", dict(partner_id=PID, change={"bank_account": {
        **ACCOUNT, "number": "12-34"}}, reason="x"), "change"),
    ("request_identity_change", dict(partner_id=PID, change={"bank_account": {
        k: v for k, v in ACCOUNT.items() if k != "holder"}}, reason="x"), "change"),
    ("request_identity_change", dict(partner_id=PID, change={"address": None}, reason="x"),
     "change"),
    ("request_identity_change", dict(partner_id=PID, change={"contact": {
        "email": "not-an-email", "phone": "+62 711 123456"}}, reason="x"), "change"),
    ("request_identity_change", dict(partner_id=PID, change={"brand_name": "x" * 201},
                                     reason="x"), "change"),
    ("request_identity_change", dict(partner_id=PID, change="new bank", reason="x"), "change"),
    ("request_identity_change", dict(partner_id=PID, change={"address": "Jl. Baru 1"},
                                     reason=""), "reason"),
    ("decide_identity_change", dict(partner_id=PID, change_id="first", approved=True,
                                    note="ok"), "change_id"),
    ("decide_identity_change", dict(partner_id=PID, change_id=PID, approved="yes", note="ok"),
     "approved"),
    ("decide_identity_change", dict(partner_id=PID, change_id=PID, approved=False, note=None),
     "note"),
    ("record_pkp_status", dict(partner_id=PID, pkp="true", effective_from="2026-07-01",
                               reason="x"), "pkp"),
    ("record_pkp_status", dict(partner_id=PID, pkp=True, effective_from="01/07/2026",
                               reason="x"), "effective_from"),
    ("record_pkp_status", dict(partner_id=PID, pkp=True, effective_from=None, reason="x"),
     "effective_from"),
    ("record_pkp_status", dict(partner_id=PID, pkp=True, effective_from="2026-07-01",
                               reason=""), "reason"),
]


@pytest.fixture
def app(sqlite_settings):
    return PartnersApplication(sqlite_settings)


@pytest.mark.parametrize("method,arguments,field", CASES,
                         ids=[f"{m}-{f}-{i}" for i, (m, _, f) in enumerate(CASES)])
def test_bad_input_names_the_field_and_records_nothing(app, method, arguments, field):
    check_refused(PartnersService, app, ROLE_OF.get(method, "admin"), method, arguments, field)


def test_every_partners_method_has_a_bad_input_case():
    assert rpc_methods(PartnersService) - {"digest"} - OPERATOR_METHODS <= {m for m, _, _ in CASES}
