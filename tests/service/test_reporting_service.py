"""The reporting queries: read-only roles, audit queries for auditors only, bad input named."""
import pytest
from nameko.testing.services import worker_factory

from services.reporting.application import ReportingApplication
from services.reporting.service import ReportingService
from shared.auth import Caller
from shared.errors import Forbidden
from tests.service.checks import OPERATOR_METHODS, check_refused, rpc_methods
from tests.support import KEYS, token

ID = "5b0c7a34-1111-4000-8000-000000000001"
CASES = [
    ("partner_registry", dict(fiscal_year="2026"), "fiscal_year"),
    ("partner_registry", dict(as_of="31/12/2026"), "as_of"),
    ("tier_history", dict(partner_id="OKI-TV"), "partner_id"),
    ("budget_realization", dict(fiscal_year=2026, as_of="today"), "as_of"),
    ("spending", dict(fiscal_year=2026, by="district"), "by"),
    ("payment_ledger", dict(fiscal_year=None), "fiscal_year"),
    ("tax_summary", dict(fiscal_year=1990), "fiscal_year"),
    ("outstanding_invoices", dict(as_of="2026-02-30"), "as_of"),
    ("late_proofs", dict(fiscal_year=2026.0), "fiscal_year"),
    ("outputs", dict(fiscal_year="x"), "fiscal_year"),
    ("outcomes", dict(fiscal_year=2026, as_of="kemarin"), "as_of"),
    ("release_summary", dict(fiscal_year=1999), "fiscal_year"),
    ("pph23_register", dict(fiscal_year=2026, month=13), "month"),
    ("pph23_register", dict(fiscal_year="2026", month=3), "fiscal_year"),
    ("ppn_register", dict(fiscal_year=2026, month="03"), "month"),
    ("ppn_register", dict(fiscal_year=2026, month=0), "month"),
    ("ppn_register", dict(fiscal_year=2026, month=3, as_of="31-03-2026"), "as_of"),
    ("audit_trail", dict(entity_id="'; DROP TABLE payments; --"), "entity_id"),
    ("notifications", dict(after=None, limit=10), "after"),
    ("checkpoints", dict(after=0, limit="all"), "limit"),
    ("signed_checkpoints", dict(after=0, limit="all"), "limit"),
]
NO_INPUT = {"digest", "projection_status"}


@pytest.fixture
def app(sqlite_settings):
    return ReportingApplication(sqlite_settings)


@pytest.mark.parametrize("method,arguments,field", CASES,
                         ids=[f"{m}-{f}-{i}" for i, (m, _, f) in enumerate(CASES)])
def test_bad_input_names_the_field(app, method, arguments, field):
    check_refused(ReportingService, app, "auditor", method, arguments, field)


def test_every_reporting_method_has_a_bad_input_case():
    assert rpc_methods(ReportingService) - NO_INPUT - OPERATOR_METHODS <= {m for m, _, _ in CASES}


@pytest.mark.parametrize("role", ["admin", "finance", "verifier", "assessor", "media"])
def test_a_non_auditor_role_calling_the_audit_trail_is_refused(app, role):
    service = worker_factory(ReportingService, app=app,
                             auth=Caller(f"Bearer {token(role)}", KEYS))
    with pytest.raises(Forbidden):
        service.audit_trail(ID)


@pytest.mark.parametrize("role", ["auditor", "system"])
def test_auditors_and_other_systems_read_the_audit_trail(app, role):
    service = worker_factory(ReportingService, app=app,
                             auth=Caller(f"Bearer {token(role)}", KEYS))
    assert service.audit_trail(ID) == []
    assert service.budget_realization(2026) == []


def test_a_media_company_reads_no_money_report(app):
    service = worker_factory(ReportingService, app=app,
                             auth=Caller(f"Bearer {token('media')}", KEYS))
    with pytest.raises(Forbidden):
        service.payment_ledger(2026)
