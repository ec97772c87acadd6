"""Every RPC method × every role: the table below is the access policy, and each cell is checked
by calling the method with a token holding only that role. A role outside a method's list gets
Forbidden before anything else happens; a role inside it gets past authorisation (then whatever
the dummy arguments deserve: ValidationFailed, NotFound...)."""
import inspect

import pytest
from nameko.testing.services import worker_factory

from services.accounts.application import AccountsApplication
from services.accounts.service import AccountsService
from services.assessment.application import AssessmentApplication
from services.assessment.service import AssessmentService
from services.contracts.application import ContractsApplication
from services.contracts.service import ContractsService
from services.partners.application import PartnersApplication
from services.partners.service import PartnersService
from services.reporting.application import ReportingApplication
from services.reporting.service import ReportingProjector, ReportingService
from shared.auth import ROLES, Caller
from shared.errors import Forbidden, Unauthenticated
from tests.service.checks import rpc_methods
from tests.support import KEYS, token

STAFF = {"admin", "verifier", "assessor", "finance"}
READ = {"auditor", "system"}
PEOPLE = {*STAFF, "media", "auditor", "applicant", "humas"}
PUBLIC = set(ROLES)  # @public: anyone, with any token or none
EVERY_SERVICE = {"notifications": {"admin", *READ}, "checkpoints": {"admin", *READ},
                 "digest": {"admin", *READ}, "signed_checkpoints": {"admin", *READ},
                 "quarantine": {"admin", *READ}, "aggregate_events": {"admin", *READ},
                 "retry_quarantined": {"admin"}, "health": {"admin", *READ},
                 "snapshot_findings": {"admin", *READ}}
POLICY = {
    PartnersService: {
        "register_partner": {"admin", "applicant"},
        "submit_document": {"admin", "media"},
        "review_document": {"verifier"},
        "record_press_council_status": {"verifier"},
        "add_journalist": {"admin", "media"},
        "remove_journalist": {"admin", "media"},
        "set_requirement_policy": {"admin"},
        "get_requirement_policy": {*STAFF, "media", *READ},
        "check_requirements": {*STAFF, "media", *READ},
        "activate_partner": {"admin"},
        "reject_partner": {"admin"},
        "file_objection": {"admin", "media"},
        "decide_objection": {"admin"},
        "suspend_partner": {"admin"},
        "reinstate_partner": {"admin"},
        "deregister_partner": {"admin"},
        "get_partner": {*STAFF, "media", *READ},
        "document_file": {*STAFF, "media", *READ},  # then `personal_data` for some
        "list_partners": {*STAFF, "humas", *READ},
        "list_lapsing_documents": {*STAFF, *READ},
        "request_identity_change": {"admin", "media"},
        "decide_identity_change": {"verifier"},
        "record_pkp_status": {"admin", "verifier"},
        **EVERY_SERVICE,
    },
    AssessmentService: {
        "set_rubric": {"admin"},
        "score": {"assessor"},
        "finalize_assessment": {"assessor"},
        "get_rubric": {*STAFF, *READ},
        "get_assessment": {*STAFF, "media", *READ},
        "get_tier": {*STAFF, "media", *READ},
        **EVERY_SERVICE,
    },
    ContractsService: {
        "publish_price_standard": {"finance"},
        "set_budget": {"finance"},
        "set_tier_ceiling": {"finance"},
        "set_tax_rules": {"finance"},
        "get_tax_rules": {*STAFF, *READ},
        "sign_contract": {"finance"},
        "place_order": {"finance"},
        "submit_proof": {"finance", "media"},
        "review_proof": {"finance"},
        "record_payment": {"finance"},
        "record_tax_deposit": {"finance"},
        "amend_contract": {"finance"},
        "terminate_contract": {"finance"},
        "reverse_payment": {"finance"},
        "cancel_order": {"finance"},
        "expire_overdue_orders": {"finance", "admin"},
        "get_price_standard": {*STAFF, *READ},
        "get_contract": {*STAFF, "media", *READ},
        "get_order": {*STAFF, "media", *READ},
        "proof_file": {*STAFF, "media", *READ},
        "partner_orders": {*STAFF, "media", *READ},
        "list_contracts": {*STAFF, "media", *READ},
        "get_tier_ceilings": {*STAFF, *READ},
        "publish_release": {"admin", "humas"},
        "list_releases": {"humas", *STAFF, "media", *READ},
        "get_release": {"humas", *STAFF, "media", *READ},
        "file_pickup": {"admin", "humas", "media"},
        "review_pickup": {"admin", "humas"},
        "release_file": {"humas", *STAFF, "media", *READ},
        "list_orders": {*STAFF, *READ},
        "preview_payment": {"finance"},
        "budget_status": {*STAFF, *READ},
        **EVERY_SERVICE,
    },
    ReportingService: {
        "partner_registry": {*STAFF, *READ},
        "tier_history": {*STAFF, *READ},
        "budget_realization": {"admin", "finance", *READ},
        "spending": {"admin", "finance", *READ},
        "payment_ledger": {"admin", "finance", *READ},
        "tax_summary": {"admin", "finance", *READ},
        "outstanding_invoices": {"admin", "finance", *READ},
        "late_proofs": {"admin", "finance", *READ},
        "pph23_register": {"admin", "finance", *READ},
        "ppn_register": {"admin", "finance", *READ},
        "outputs": {*STAFF, *READ},
        "outcomes": {*STAFF, "humas", *READ},
        "release_summary": {*STAFF, "humas", *READ},
        "audit_trail": READ,
        "projection_status": {"admin", *READ},
        **EVERY_SERVICE,
    },
    ReportingProjector: {"feed_status": {"admin", *READ}, **EVERY_SERVICE},
    AccountsService: {
        "sign_up": PUBLIC,
        "log_in": PUBLIC,
        "renew": PEOPLE,
        "change_password": PEOPLE,
        "my_account": PEOPLE,
        "open_account": {"admin"},
        "reset_password": {"admin"},
        "set_roles": {"admin"},
        "disable_account": {"admin"},
        "enable_account": {"admin"},
        "get_account": {"admin", *READ},
        "list_accounts": {"admin", *READ},
        **EVERY_SERVICE,
    },
}
APPS = {PartnersService: PartnersApplication, AssessmentService: AssessmentApplication,
        ContractsService: ContractsApplication, ReportingService: ReportingApplication,
        ReportingProjector: ReportingApplication, AccountsService: AccountsApplication}
CELLS = [(service, method, role) for service, methods in POLICY.items()
         for method in sorted(methods) for role in ROLES]


@pytest.mark.parametrize("service", list(POLICY), ids=lambda s: s.name)
def test_the_table_names_every_rpc_method(service):
    assert rpc_methods(service) == set(POLICY[service])
    for method, roles in POLICY[service].items():
        if roles is PUBLIC:
            assert getattr(service, method).public, method
        else:
            assert set(getattr(service, method).allowed_roles) == roles, method


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    from shared.config import Settings

    settings = Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path_factory.mktemp("roles"))})
    return {service: app_class(settings) for service, app_class in APPS.items()}


@pytest.mark.parametrize("service,method,role", CELLS,
                         ids=[f"{s.name}.{m}-{r}" for s, m, r in CELLS])
def test_each_method_with_each_role(apps, service, method, role, monkeypatch):
    worker = worker_factory(service, app=apps[service],
                            auth=Caller(f"Bearer {token(role)}", KEYS))
    call = getattr(worker, method)
    params = inspect.signature(inspect.unwrap(getattr(service, method))).parameters
    arguments = {name: "x" for name, p in params.items()
                 if name != "self" and p.default is inspect.Parameter.empty}
    try:
        call(**arguments)
        outcome = "answered"
    except Forbidden as refused:
        outcome = "forbidden" if refused.code == "forbidden" else "past the role check"
    except Unauthenticated:
        outcome = "unauthenticated"
    except Exception:
        outcome = "past the role check"
    expected = "allowed" if role in POLICY[service][method] else "forbidden"
    assert (outcome == "forbidden") == (expected == "forbidden"), outcome
