"""The partners nameko service: thin entrypoints that authorise, validate, call, answer.

Roles follow DOMAIN.md: `admin` (Kominfo staff) registers and decides standing, `verifier`
reviews documents and press-council status, `media` acts on its own file only, `auditor` and
`system` read everything and change nothing.
"""
from nameko.rpc import rpc

from services.partners import schemas as s
from services.partners.application import PartnersApplication
from shared.auth import READERS, allow
from shared.errors import Forbidden
from shared.personal import masked
from shared.schemas import load
from shared.service import ApplicationProvider, EventSourcedService

STAFF = ("admin", "verifier", "assessor", "finance")


class PartnersService(EventSourcedService):
    name = "partners"
    app = ApplicationProvider(PartnersApplication)

    # Registration, documents, press council, journalists ---------------------------------

    @rpc
    @allow("admin", "applicant")
    def register_partner(self, partner, command_id=None):
        """Register a media company: identity as in DOMAIN.md §1.

        `partner`: legal_name, brand_name, legal_form (PT/yayasan/koperasi), media_type
        (online/print_daily/print_weekly/print_monthly/tv/radio), npwp (15 or 16 digits), nib
        (13 digits), pkp (bool), address, founded_on, contact {email, phone}, bank_account {bank, number,
        holder: the company itself}. Returns {partner_id, status}.
        An `applicant` (a company's person signed up in the portal) registers their own company,
        once (Conflict `applicant_registered`); the accounts service then binds their account
        to it. Conflict `npwp_taken`; RuleViolated `bank_holder_not_company`,
        `founded_in_future`.
        """
        return self.app.register_partner(load(s.PartnerSchema, partner),
                                         actor=self.auth.actor, command_id=command_id)

    @rpc
    @allow("admin", "media")
    def submit_document(self, partner_id, document, command_id=None):
        """File a document: {kind, number, issued_on, valid_until (null if it never lapses),
        sha256 of the file kept elsewhere}. A new submission of a kind replaces the earlier one,
        which stays in the file's history. Returns {document_id, review: pending}."""
        return self.run(self.app.submit_document, s.SubmitDocumentSchema, command_id,
                        own=True, partner_id=partner_id, document=document)

    @rpc
    @allow("verifier")
    def review_document(self, partner_id, document_id, decision, note, command_id=None):
        """Accept or reject the current submission of a document, with a note."""
        return self.run(self.app.review_document, s.ReviewDocumentSchema, command_id,
                        partner_id=partner_id, document_id=document_id, decision=decision,
                        note=note)

    @rpc
    @allow("verifier")
    def record_press_council_status(self, partner_id, status, certificate_no=None,
                                    recorded_on=None, command_id=None):
        """Record Dewan Pers verification: none, administrative or factual (with certificate
        number). Recording a lower status withdraws the higher one."""
        return self.run(self.app.record_press_council_status, s.PressCouncilSchema, command_id,
                        partner_id=partner_id, status=status, certificate_no=certificate_no,
                        recorded_on=recorded_on)

    @rpc
    @allow("admin", "media")
    def add_journalist(self, partner_id, journalist, command_id=None):
        """List a journalist: {nik (16 digits), name, role (chief_editor/editor/reporter),
        ukw_level (none/muda/madya/utama), certificate_no}. One company per NIK across all
        partners (Conflict `journalist_listed_elsewhere`); one chief editor at a time."""
        return self.run(self.app.add_journalist, s.AddJournalistSchema, command_id, own=True,
                        partner_id=partner_id, journalist=journalist)

    @rpc
    @allow("admin", "media")
    def remove_journalist(self, partner_id, nik, reason, command_id=None):
        """Take a journalist off the company's list, with a reason; the NIK is free again."""
        return self.run(self.app.remove_journalist, s.RemoveJournalistSchema, command_id,
                        own=True, partner_id=partner_id, nik=nik, reason=reason)

    # Corrections (issue 13, item 7) ------------------------------------------------------

    @rpc
    @allow("admin", "media")
    def request_identity_change(self, partner_id, change, reason, command_id=None):
        """Ask to change the company's identity: `change` holds one or more of legal_name,
        brand_name, address, contact {email, phone}, bank_account {bank, number, holder: the
        company itself, under the name in force after the change}; each replaces the field
        whole. Recorded as pending; nothing changes until a verifier decides. A media user
        asks for its own company only. Returns {change_id, decision: pending}.
        RuleViolated `bank_holder_not_company`, `partner_deregistered`."""
        return self.run(self.app.request_identity_change, s.IdentityChangeSchema, command_id,
                        own=True, partner_id=partner_id, change=change, reason=reason)

    @rpc
    @allow("verifier")
    def decide_identity_change(self, partner_id, change_id, approved, note, command_id=None):
        """Approve (the change is in force from now on: payments made from today go to the
        new account) or reject a pending identity change, with a note. Returns {change_id,
        decision: approved/rejected}. NotFound `no_such_change`; Conflict
        `change_already_decided`; RuleViolated `bank_holder_not_company` (checked again)."""
        return self.run(self.app.decide_identity_change, s.IdentityDecisionSchema, command_id,
                        partner_id=partner_id, change_id=change_id, approved=approved,
                        note=note)

    @rpc
    @allow("admin", "verifier")
    def record_pkp_status(self, partner_id, pkp, effective_from, reason, command_id=None):
        """Record the partner's PKP status from `effective_from` on (the tax office's
        confirmation or revocation), with a reason. Contracts taxes each payment by the status
        in force on its paid_on. Returns {pkp, effective_from, pkp_today}. RuleViolated
        `pkp_unchanged` when the status on that date is already `pkp`."""
        return self.run(self.app.record_pkp_status, s.PkpStatusSchema, command_id,
                        partner_id=partner_id, pkp=pkp, effective_from=effective_from,
                        reason=reason)

    # The yearly policy and the lifecycle -------------------------------------------------

    @rpc
    @allow("admin")
    def set_requirement_policy(self, fiscal_year, policy, command_id=None):
        """Set (or revise, as a new version) the requirements of a fiscal year:
        {required_documents {media_type: [kind]}, min_company_age_years, min_press_council,
        chief_editor_min_ukw}. Returns {fiscal_year, version}."""
        return self.run(self.app.set_requirement_policy, s.SetPolicySchema, command_id,
                        fiscal_year=fiscal_year, policy=policy)

    @rpc
    @allow(*STAFF, "media", *READERS)
    def check_requirements(self, partner_id, fiscal_year, as_of=None):
        """Judge a partner by the policy of `fiscal_year` as of a date (default today):
        {met, unmet [{code, detail}], policy_version, as_of}."""
        args = load(s.CheckSchema, {"partner_id": partner_id, "fiscal_year": fiscal_year,
                                    "as_of": as_of})
        self.auth.check_own(args["partner_id"])
        return self.app.check_requirements(**args)

    @rpc
    @allow("admin")
    def activate_partner(self, partner_id, fiscal_year, command_id=None):
        """Activate for a fiscal year, only when that year's policy is met today; otherwise
        RuleViolated `requirements_not_met` with details.unmet."""
        return self.run(self.app.activate_partner, s.ActivateSchema, command_id,
                        partner_id=partner_id, fiscal_year=fiscal_year)

    @rpc
    @allow("admin")
    def reject_partner(self, partner_id, reason, command_id=None):
        """Reject a registered partner; opens the objection period (masa sanggah)."""
        return self.run(self.app.reject_partner, s.ReasonSchema, command_id,
                        partner_id=partner_id, reason=reason)

    @rpc
    @allow("admin", "media")
    def file_objection(self, partner_id, statement, command_id=None):
        """The company answers a rejection, once, within the objection period."""
        return self.run(self.app.file_objection, s.ObjectionSchema, command_id, own=True,
                        partner_id=partner_id, statement=statement)

    @rpc
    @allow("admin")
    def decide_objection(self, partner_id, upheld, note, command_id=None):
        """Uphold (the rejection is annulled: back to registered) or dismiss an objection."""
        return self.run(self.app.decide_objection, s.ObjectionDecisionSchema, command_id,
                        partner_id=partner_id, upheld=upheld, note=note)

    @rpc
    @allow("admin")
    def suspend_partner(self, partner_id, reason, command_id=None):
        """Suspend an active partner, with a reason."""
        return self.run(self.app.suspend_partner, s.ReasonSchema, command_id,
                        partner_id=partner_id, reason=reason)

    @rpc
    @allow("admin")
    def reinstate_partner(self, partner_id, reason, command_id=None):
        """Make a suspended partner active again, with a reason."""
        return self.run(self.app.reinstate_partner, s.ReasonSchema, command_id,
                        partner_id=partner_id, reason=reason)

    @rpc
    @allow("admin")
    def deregister_partner(self, partner_id, reason, command_id=None):
        """End a partnership for good, with a reason."""
        return self.run(self.app.deregister_partner, s.ReasonSchema, command_id,
                        partner_id=partner_id, reason=reason)

    # Queries -----------------------------------------------------------------------------

    @rpc
    @allow(*STAFF, "media", *READERS)
    def get_partner(self, partner_id):
        """The whole file: identity, status, documents with their validity today, superseded
        documents, press council, journalists, rejection and objection; the identity and PKP
        status in force today, with `identity_changes` (requested, approved or rejected, with
        reason and note) and `pkp_history` (pkp, effective_from, reason). A `media` caller may
        read only its own file. NPWP, NIK, bank account and document numbers are masked (last
        four digits) for the roles that do not need them (assessor, system)."""
        args = load(s.PartnerIdSchema, {"partner_id": partner_id})
        self.auth.check_own(args["partner_id"])
        file = self.app.get_partner(args["partner_id"])
        return file if self.auth.may_see_personal_data(args["partner_id"]) else masked(file)

    @rpc
    @allow(*STAFF, "media", *READERS)
    def document_file(self, partner_id, document_id):
        """The file kept for a document (current or superseded): {document_id, kind, sha256,
        size, media_type, name}, for the gateway to serve its bytes (`GET .../documents/{id}
        /file`). The scans show the numbers themselves, so only the roles that see them may
        have them: admin, verifier, finance, auditor, and a media company for its own file
        (Forbidden `personal_data` for the others). NotFound `file_not_kept` when the document
        was filed by its SHA-256 only."""
        args = load(s.DocumentKeySchema, {"partner_id": partner_id, "document_id": document_id})
        self.auth.check_own(args["partner_id"])
        if not self.auth.may_see_personal_data(args["partner_id"]):
            raise Forbidden("a document's file shows the company's numbers: only admin, "
                            "verifier, finance, auditor or the company itself may have it",
                            code="personal_data")
        return self.app.document_file(args["partner_id"], args["document_id"])

    @rpc
    @allow(*STAFF, "humas", *READERS)
    def list_partners(self, status=None, media_type=None, fiscal_year=None):
        """Partner summaries by name, filtered by status, media type and the fiscal year of
        the registration round they took part in (registered or activated that year). The
        press desk (humas) reads them too: it sends releases to partners by name and reads
        who picked them up."""
        return self.app.list_partners(**load(s.PartnerFilterSchema, {
            "status": status, "media_type": media_type, "fiscal_year": fiscal_year}))

    @rpc
    @allow(*STAFF, "media", *READERS)
    def get_requirement_policy(self, fiscal_year):
        """The requirement policy of a fiscal year, with its version."""
        return self.app.get_requirement_policy(
            **load(s.FiscalYearSchema, {"fiscal_year": fiscal_year}))

    @rpc
    @allow(*STAFF, *READERS)
    def list_lapsing_documents(self, within_days):
        """The expiring documents (tax_return, tax_clearance, domicile, bpjs,
        broadcast_licence) of active partners lapsing within `within_days` (0..366) days of the
        regency's today, and those lapsed already: [{partner_id, legal_name, brand_name, kind,
        document_id, valid_until, days_left (below 0 when lapsed), lapsed, renewal (the review
        of a newer submission not yet accepted, else null)}], soonest first. The document that
        counts is the latest accepted submission of its kind; contracts refuses new contracts
        and orders while it is lapsed (`document_lapsed`)."""
        return self.app.list_lapsing_documents(**load(s.LapsingSchema,
                                                      {"within_days": within_days}))
