"""The gateway's one route table: which RPC method each HTTP route calls, and how.

Each `Route` is data: the service and method it calls, the HTTP verb and path, the marshmallow
schema the service loads the arguments with, and which argument (if any) the JSON body is as a
whole. Its roles, its arguments and whether it is a command (then `Idempotency-Key` becomes
`command_id`) are read from the RPC method itself, never restated. The handlers, the OpenAPI
document and the tests all read `ROUTES`.
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from functools import cached_property

from services.accounts import schemas as accounts
from services.accounts.service import AccountsService
from services.assessment import schemas as assessment
from services.assessment.service import AssessmentService
from services.contracts import schemas as contracts
from services.contracts.service import ContractsService
from services.gateway import schemas as gateway
from services.partners import schemas as partners
from services.partners.service import PartnersService
from services.reporting import schemas as reporting
from services.reporting.service import ReportingProjector, ReportingService

SERVICES = {cls.name: cls for cls in (PartnersService, AssessmentService, ContractsService,
                                      ReportingProjector, ReportingService, AccountsService)}
JSON_LIMIT = 1024 * 1024  # bytes of a JSON request body; an upload's is the file store's


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    verb: str
    path: str
    schema: type | None = None  # what the service loads the arguments with
    body: str | None = None     # the argument the whole JSON body is, else one per field
    listed: bool = False        # the RPC answers a whole list: the gateway pages it
    pages_by: str | None = None  # the RPC pages itself after this key of its items
    max_body: int = JSON_LIMIT
    tags: tuple = field(default=())
    # Files (services/gateway/files.py). `upload`: the body's field that takes a file sent as
    # multipart/form-data (part `file`, beside a part named after `body` holding the JSON);
    # `guard`: the service's read the gateway calls first with the caller's token, so that
    # nobody stores a byte on a file they may not touch. `download`: the RPC answers a kept
    # file's record, and the gateway serves its bytes.
    upload: str | None = None
    guard: str | None = None
    download: bool = False

    @property
    def function(self):
        return getattr(SERVICES[self.service], self.method)

    @property
    def roles(self) -> tuple:
        return self.function.allowed_roles

    @cached_property  # read on every request: inspect.signature is not cheap
    def arguments(self) -> list[str]:
        """The RPC method's own arguments, `command_id` apart."""
        return [name for name in inspect.signature(self.function).parameters
                if name not in ("self", "command_id")]

    @cached_property
    def command(self) -> bool:
        return "command_id" in inspect.signature(self.function).parameters

    @property
    def path_arguments(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    @property
    def rule(self) -> str:
        """The path as a werkzeug rule."""
        return re.sub(r"{(\w+)}", r"<\1>", self.path)

    @property
    def operation_id(self) -> str:
        return f"{self.service}.{self.method}"

    @property
    def summary(self) -> str:
        return inspect.getdoc(self.function) or ""


def route(service, method, verb, path, schema=None, **options) -> Route:
    return Route(service, method, verb, path, schema, tags=(service,), **options)


P, A, C, R, U = "partners", "assessment", "contracts", "reporting", "accounts"
PARTNER = "/v1/partners/{partner_id}"
CONTRACT = "/v1/contracts/{contract_id}"
ORDER = "/v1/orders/{order_id}"
RELEASE = "/v1/releases/{release_id}"
REPORTS = "/v1/reports"
ACCOUNT = "/v1/accounts/{account_id}"

DOMAIN_ROUTES = [
    route(P, "register_partner", "POST", "/v1/partners", partners.PartnerSchema,
          body="partner"),
    route(P, "list_partners", "GET", "/v1/partners", partners.PartnerFilterSchema, listed=True),
    route(P, "get_partner", "GET", PARTNER, partners.PartnerIdSchema),
    route(P, "submit_document", "POST", f"{PARTNER}/documents", partners.SubmitDocumentSchema,
          body="document", upload="file", guard="get_partner"),
    route(P, "document_file", "GET", f"{PARTNER}/documents/{{document_id}}/file",
          partners.DocumentKeySchema, download=True),
    route(P, "review_document", "POST", f"{PARTNER}/documents/{{document_id}}/review",
          partners.ReviewDocumentSchema),
    route(P, "record_press_council_status", "POST", f"{PARTNER}/press-council",
          partners.PressCouncilSchema),
    route(P, "add_journalist", "POST", f"{PARTNER}/journalists", partners.AddJournalistSchema,
          body="journalist"),
    # The NIK travels in the body, not the path: paths end up in access logs.
    route(P, "remove_journalist", "POST", f"{PARTNER}/journalist-removals",
          partners.RemoveJournalistSchema),
    route(P, "request_identity_change", "POST", f"{PARTNER}/identity-changes",
          partners.IdentityChangeSchema),
    route(P, "decide_identity_change", "POST",
          f"{PARTNER}/identity-changes/{{change_id}}/decision", partners.IdentityDecisionSchema),
    route(P, "record_pkp_status", "POST", f"{PARTNER}/pkp-status", partners.PkpStatusSchema),
    route(P, "check_requirements", "GET", f"{PARTNER}/requirements", partners.CheckSchema),
    route(P, "activate_partner", "POST", f"{PARTNER}/activation", partners.ActivateSchema),
    route(P, "reject_partner", "POST", f"{PARTNER}/rejection", partners.ReasonSchema),
    route(P, "file_objection", "POST", f"{PARTNER}/objection", partners.ObjectionSchema),
    route(P, "decide_objection", "POST", f"{PARTNER}/objection/decision",
          partners.ObjectionDecisionSchema),
    route(P, "suspend_partner", "POST", f"{PARTNER}/suspension", partners.ReasonSchema),
    route(P, "reinstate_partner", "POST", f"{PARTNER}/reinstatement", partners.ReasonSchema),
    route(P, "deregister_partner", "POST", f"{PARTNER}/deregistration", partners.ReasonSchema),
    route(P, "set_requirement_policy", "PUT", "/v1/requirement-policies/{fiscal_year}",
          partners.SetPolicySchema, body="policy"),
    route(P, "get_requirement_policy", "GET", "/v1/requirement-policies/{fiscal_year}",
          partners.FiscalYearSchema),
    route(P, "list_lapsing_documents", "GET", "/v1/lapsing-documents", partners.LapsingSchema,
          listed=True),

    route(A, "set_rubric", "PUT", "/v1/rubrics/{fiscal_year}", assessment.SetRubricSchema),
    route(A, "get_rubric", "GET", "/v1/rubrics/{fiscal_year}", assessment.FiscalYearSchema),
    route(A, "score", "POST", "/v1/assessments/{fiscal_year}/{partner_id}/scores",
          assessment.ScoreSchema),
    route(A, "finalize_assessment", "POST",
          "/v1/assessments/{fiscal_year}/{partner_id}/finalization",
          assessment.AssessmentKeySchema),
    route(A, "get_assessment", "GET", "/v1/assessments/{fiscal_year}/{partner_id}",
          assessment.AssessmentKeySchema),
    route(A, "get_tier", "GET", "/v1/assessments/{fiscal_year}/{partner_id}/tier",
          assessment.AssessmentKeySchema),

    route(C, "publish_price_standard", "POST", "/v1/price-standards/{fiscal_year}",
          contracts.PublishPriceStandardSchema),
    route(C, "get_price_standard", "GET", "/v1/price-standards/{fiscal_year}",
          contracts.FiscalYearSchema),
    route(C, "set_budget", "PUT", "/v1/budgets/{fiscal_year}/{activity_code}",
          contracts.BudgetSchema),
    route(C, "budget_status", "GET", "/v1/budgets/{fiscal_year}", contracts.FiscalYearSchema),
    route(C, "set_tier_ceiling", "PUT", "/v1/tier-ceilings/{fiscal_year}/{tier}",
          contracts.TierCeilingSchema),
    route(C, "get_tier_ceilings", "GET", "/v1/tier-ceilings/{fiscal_year}",
          contracts.FiscalYearSchema),
    route(C, "set_tax_rules", "POST", "/v1/tax-rules", contracts.SetTaxRulesSchema),
    route(C, "get_tax_rules", "GET", "/v1/tax-rules"),
    route(C, "sign_contract", "POST", "/v1/contracts", contracts.SignContractSchema,
          body="contract"),
    route(C, "list_contracts", "GET", "/v1/contracts", contracts.ListContractsSchema,
          listed=True),
    route(C, "get_contract", "GET", CONTRACT, contracts.ContractIdSchema),
    route(C, "amend_contract", "POST", f"{CONTRACT}/amendments", contracts.AmendContractSchema),
    route(C, "terminate_contract", "POST", f"{CONTRACT}/termination",
          contracts.TerminateContractSchema),
    route(C, "place_order", "POST", f"{CONTRACT}/orders", contracts.PlaceOrderSchema,
          body="order"),
    route(C, "list_orders", "GET", "/v1/orders", contracts.ListOrdersSchema, listed=True),
    route(C, "get_order", "GET", ORDER, contracts.OrderIdSchema),
    route(C, "partner_orders", "GET", f"{PARTNER}/orders", contracts.PartnerOrdersSchema,
          listed=True),
    route(C, "submit_proof", "POST", f"{ORDER}/proof", contracts.SubmitProofSchema,
          body="proof", upload="file", guard="get_order"),
    route(C, "proof_file", "GET", f"{ORDER}/proof/file", contracts.OrderIdSchema,
          download=True),
    route(C, "review_proof", "POST", f"{ORDER}/proof/review", contracts.ReviewProofSchema),
    route(C, "record_payment", "POST", f"{ORDER}/payments", contracts.RecordPaymentSchema,
          body="payment"),
    route(C, "preview_payment", "POST", f"{ORDER}/payments/preview",
          contracts.RecordPaymentSchema, body="payment"),
    route(C, "reverse_payment", "POST", f"{ORDER}/payments/{{sp2d_number}}/reversal",
          contracts.ReversePaymentSchema),
    route(C, "cancel_order", "POST", f"{ORDER}/cancellation", contracts.CancelOrderSchema),
    route(C, "expire_overdue_orders", "POST", "/v1/orders/expiry"),
    route(C, "record_tax_deposit", "POST", "/v1/tax-deposits", contracts.TaxDepositSchema),
    route(C, "publish_release", "POST", "/v1/releases", contracts.PublishReleaseSchema,
          body="release"),
    route(C, "list_releases", "GET", "/v1/releases", contracts.FiscalYearSchema, listed=True),
    route(C, "get_release", "GET", RELEASE, contracts.ReleaseIdSchema),
    route(C, "file_pickup", "POST", f"{RELEASE}/pickups", contracts.FilePickupSchema,
          body="pickup", upload="file", guard="get_release"),
    route(C, "review_pickup", "POST", f"{RELEASE}/pickups/{{pickup_id}}/review",
          contracts.ReviewPickupSchema),
    route(C, "release_file", "GET", f"{RELEASE}/files/{{sha256}}", contracts.ReleaseFileSchema,
          download=True),

    route(R, "partner_registry", "GET", f"{REPORTS}/registry", reporting.RegistrySchema,
          listed=True),
    route(R, "tier_history", "GET", f"{REPORTS}/tier-history/{{partner_id}}",
          reporting.PartnerHistorySchema, listed=True),
    route(R, "budget_realization", "GET", f"{REPORTS}/budget", reporting.YearAsOfSchema,
          listed=True),
    route(R, "spending", "GET", f"{REPORTS}/spending", reporting.SpendingSchema),
    route(R, "payment_ledger", "GET", f"{REPORTS}/payments", reporting.YearAsOfSchema,
          listed=True),
    route(R, "tax_summary", "GET", f"{REPORTS}/tax-summary", reporting.YearAsOfSchema,
          listed=True),
    route(R, "pph23_register", "GET", f"{REPORTS}/pph23-register", reporting.TaxMonthSchema),
    route(R, "ppn_register", "GET", f"{REPORTS}/ppn-register", reporting.TaxMonthSchema),
    route(R, "outcomes", "GET", f"{REPORTS}/outcomes", reporting.YearAsOfSchema, listed=True),
    route(R, "release_summary", "GET", f"{REPORTS}/releases", reporting.YearAsOfSchema,
          listed=True),
    route(R, "outstanding_invoices", "GET", f"{REPORTS}/outstanding-invoices",
          reporting.OutstandingSchema, listed=True),
    route(R, "late_proofs", "GET", f"{REPORTS}/late-proofs", reporting.YearAsOfSchema,
          listed=True),
    route(R, "outputs", "GET", f"{REPORTS}/outputs", reporting.YearAsOfSchema, listed=True),
    route(R, "audit_trail", "GET", f"{REPORTS}/audit-trail/{{entity_id}}",
          reporting.EntitySchema, listed=True),
    route(R, "projection_status", "GET", f"{REPORTS}/projection-status", listed=True),
    route("projector", "feed_status", "GET", "/v1/services/projector/feed-status",
          listed=True),

    route(U, "sign_up", "POST", "/v1/accounts/sign-up", accounts.SignUpSchema),
    route(U, "log_in", "POST", "/v1/sessions", accounts.LogInSchema),
    route(U, "renew", "POST", "/v1/sessions/renewal"),
    route(U, "my_account", "GET", "/v1/accounts/me"),
    route(U, "change_password", "POST", "/v1/accounts/me/password", accounts.OwnPasswordSchema),
    route(U, "open_account", "POST", "/v1/accounts", accounts.OpenAccountSchema),
    route(U, "list_accounts", "GET", "/v1/accounts", listed=True),
    route(U, "get_account", "GET", ACCOUNT, accounts.AccountIdSchema),
    route(U, "reset_password", "POST", f"{ACCOUNT}/password", accounts.ResetPasswordSchema),
    route(U, "set_roles", "PUT", f"{ACCOUNT}/roles", accounts.SetRolesSchema),
    route(U, "disable_account", "POST", f"{ACCOUNT}/disabling", accounts.ReasonSchema),
    route(U, "enable_account", "POST", f"{ACCOUNT}/enabling", accounts.ReasonSchema),
]


def service_routes(service: str) -> list[Route]:
    """The methods every service has (shared/service.py), under /v1/services/<service>.

    `notifications` is the event feed (`/v1/events/<service>`, long polling)."""
    base = f"/v1/services/{service}"
    return [
        route(service, "notifications", "GET", f"/v1/events/{service}", gateway.FeedQuery,
              pages_by="notification_id"),
        route(service, "checkpoints", "GET", f"{base}/checkpoints", gateway.PageQuery,
              pages_by="notification_id"),
        route(service, "signed_checkpoints", "GET", f"{base}/signed-checkpoints",
              gateway.PageQuery, pages_by="notification_id"),
        route(service, "aggregate_events", "GET", f"{base}/aggregates/{{originator_id}}/events",
              gateway.AggregateQuery, pages_by="originator_version"),
        route(service, "digest", "GET", f"{base}/digest"),
        route(service, "snapshot_findings", "GET", f"{base}/snapshot-findings"),
        route(service, "quarantine", "GET", f"{base}/quarantine", gateway.QuarantineQuery,
              listed=True),
        route(service, "retry_quarantined", "POST",
              f"{base}/quarantine/{{source}}/{{notification_id}}/retry", gateway.RetrySchema),
        route(service, "health", "GET", f"{base}/health"),
    ]


ROUTES = DOMAIN_ROUTES + [r for service in SERVICES for r in service_routes(service)]

# Public RPC methods no route calls, and why.
NOT_EXPOSED: dict[tuple[str, str], str] = {}
