"""Media companies (perusahaan pers) as SEKLIK knows them. Pure Python, no I/O.

DOMAIN.md §1. A partner is registered once with its identity; its documents, press-council
status, journalists and standing then change by events, each with its actor. Uniqueness across
partners (one company per NPWP, one company per journalist's NIK) is kept by claim aggregates
whose ids derive from the number's keyed digest (HMAC under the deployment's secret, computed by
the application: a dump of claim ids cannot be brute-forced back into NIKs): two commands
claiming one number race to save the same aggregate version, and the event store lets only one
of them through.
"""
from __future__ import annotations

import copy
import datetime as dt
import re
import uuid

from eventsourcing.domain import event

from shared.domain import Aggregate
from shared.errors import Conflict, NotFound, RuleViolated
from shared.published import MEDIA_TYPES  # noqa: F401  (partners' own vocabulary, published)

LEGAL_FORMS = ("PT", "yayasan", "koperasi")
DOCUMENT_KINDS = (
    "deed", "deed_approval", "nib", "npwp", "tax_return", "tax_clearance", "domicile", "bpjs",
    "company_profile", "bank_reference", "press_council_certificate", "ukw_certificate",
    "circulation_statement", "broadcast_licence",
)
# Documents that lapse: they must say until when they are valid.
EXPIRING_KINDS = ("tax_return", "tax_clearance", "domicile", "bpjs", "broadcast_licence")
PRESS_COUNCIL = ("none", "administrative", "factual")  # in rising order
UKW_LEVELS = ("none", "muda", "madya", "utama")          # in rising order
JOURNALIST_ROLES = ("chief_editor", "editor", "reporter")
# What an identity change may touch (issue 13, item 7); NPWP, NIB and legal form are the
# company itself: a new one is a new registration.
IDENTITY_FIELDS = ("legal_name", "brand_name", "address", "contact", "bank_account")
STATUSES = ("registered", "active", "suspended", "rejected", "deregistered")
OBJECTION_PERIOD_DAYS = 7  # masa sanggah: calendar days after the rejection
NPWP_NAMESPACE = uuid.UUID("0b3c3a43-8a53-4a5e-8a1f-7d54a8b3e2c1")
NIK_NAMESPACE = uuid.UUID("b6d1f0a2-3c4e-4f5a-9b8c-7d6e5f4a3b2c")
APPLICANT_NAMESPACE = uuid.UUID("3f1e2d4c-5b6a-4798-8a9b-0c1d2e3f4a5b")

# Which lifecycle command may leave which status (DOMAIN.md §1).
ALLOWED_FROM = {
    "activate": ("registered", "active"),  # active: activated again for another fiscal year
    "reject": ("registered",),
    "suspend": ("active",),
    "reinstate": ("suspended",),
    "deregister": ("registered", "active", "suspended", "rejected"),
}


class Partner(Aggregate):
    @event("PartnerRegistered")
    def __init__(self, legal_name: str, brand_name: str, legal_form: str, media_type: str,
                 npwp: str, nib: str, pkp: bool, address: str, founded_on: dt.date,
                 contact: dict, bank_account: dict):
        self.legal_name = legal_name
        self.brand_name = brand_name
        self.legal_form = legal_form
        self.media_type = media_type
        self.npwp = npwp
        self.nib = nib
        self.pkp = pkp
        self.address = address
        self.founded_on = founded_on
        self.contact = contact
        self.bank_account = bank_account
        self.status = "registered"
        self.documents: dict[str, dict] = {}       # kind -> the document that counts now
        self.superseded: list[dict] = []           # earlier documents, kept for the record
        self.press_council = {"status": "none", "certificate_no": None, "recorded_on": None}
        self.journalists: dict[str, dict] = {}     # NIK -> journalist
        self.active_years: list[int] = []
        self.rejection: dict | None = None
        self.objection: dict | None = None
        self.status_reason: str | None = None

    @classmethod
    def register(cls, *, today: dt.date, **identity) -> "Partner":
        check_founded_in_the_past(identity["founded_on"], today)
        check_account_holder_is_company(identity["bank_account"]["holder"],
                                        identity["legal_name"], identity["legal_form"])
        return cls(**identity)

    def company_age_years(self, on: dt.date) -> int:
        years = on.year - self.founded_on.year
        return years - ((on.month, on.day) < (self.founded_on.month, self.founded_on.day))

    # Documents ---------------------------------------------------------------------------

    def submit_document(self, document_id: uuid.UUID, kind: str, number: str,
                        issued_on: dt.date, valid_until: dt.date | None, sha256: str,
                        today: dt.date, file: dict | None = None) -> None:
        """`file`: {size, media_type, name} when SEKLIK keeps the file (shared/files.py);
        None when only its sha256 is known (the file is kept elsewhere)."""
        self.check_not_deregistered("submit a document")
        if valid_until is None and kind in EXPIRING_KINDS:
            raise RuleViolated(f"{kind} lapses: give the date it is valid until",
                               code="valid_until_required", details={"kind": kind})
        if valid_until is not None and valid_until < issued_on:
            raise RuleViolated(f"{kind} valid_until {valid_until} is before its issue date "
                               f"{issued_on}", code="valid_until_before_issue")
        if issued_on > today:
            raise RuleViolated(f"{kind} issued_on {issued_on} is in the future",
                               code="issued_in_future")
        self._document_submitted(document_id, kind, number, issued_on, valid_until, sha256,
                                 file)

    @event("DocumentSubmitted")
    def _document_submitted(self, document_id: uuid.UUID, kind: str, number: str,
                            issued_on: dt.date, valid_until: dt.date | None, sha256: str,
                            file: dict | None = None):  # None in events before files
        if kind in self.documents:
            self.superseded.append(self.documents[kind])
        self.documents[kind] = {
            "document_id": document_id, "kind": kind, "number": number,
            "issued_on": issued_on, "valid_until": valid_until, "sha256": sha256,
            "file": file, "review": "pending", "note": None, "reviewed_by": None,
        }

    def review_document(self, document_id: uuid.UUID, decision: str, note: str) -> None:
        document = self.current_document(document_id)
        if document["review"] != "pending":
            # The number stays out of the message: it is personal data, and messages reach logs.
            raise Conflict(f"document {document['kind']} {document_id} was already "
                           f"{document['review']}; a new submission can be reviewed again",
                           code="already_reviewed", details={"review": document["review"]})
        self._document_reviewed(document_id, document["kind"], decision, note)

    @event("DocumentReviewed")
    def _document_reviewed(self, document_id: uuid.UUID, kind: str, decision: str, note: str):
        self.documents[kind] = {**self.documents[kind], "review": decision, "note": note}

    def current_document(self, document_id: uuid.UUID) -> dict:
        for document in self.documents.values():
            if document["document_id"] == document_id:
                return document
        if any(d["document_id"] == document_id for d in self.superseded):
            raise Conflict(f"document {document_id} was replaced by a newer submission",
                           code="document_superseded")
        raise NotFound(f"partner {self.id} has no document {document_id}",
                       details={"document_id": str(document_id)})

    def any_document(self, document_id: uuid.UUID) -> dict:
        """A document of the file, current or superseded (an auditor reads both)."""
        for document in [*self.documents.values(), *self.superseded]:
            if document["document_id"] == document_id:
                return document
        raise NotFound(f"partner {self.id} has no document {document_id}",
                       details={"document_id": str(document_id)})

    # Press council and journalists -------------------------------------------------------

    def record_press_council_status(self, status: str, certificate_no: str | None,
                                    recorded_on: dt.date) -> None:
        """Dewan Pers verification; recording a lower status withdraws the higher one."""
        self.check_not_deregistered("record a press-council status")
        if status != "none" and not certificate_no:
            raise RuleViolated(f"press-council status {status} needs the certificate number",
                               code="certificate_required")
        self._press_council_recorded(status, self.press_council["status"], certificate_no,
                                     recorded_on)

    @event("PressCouncilStatusRecorded")
    def _press_council_recorded(self, status: str, previous: str, certificate_no: str | None,
                                recorded_on: dt.date):
        self.press_council = {"status": status, "certificate_no": certificate_no,
                              "recorded_on": recorded_on}

    def add_journalist(self, nik: str, name: str, role: str, ukw_level: str,
                       certificate_no: str | None) -> None:
        self.check_not_deregistered("add a journalist")
        if nik in self.journalists:
            raise Conflict(f"journalist {name} is already listed with this company",
                           code="journalist_already_listed")
        if role == "chief_editor" and self.chief_editor():
            raise RuleViolated(
                f"{self.chief_editor()['name']} is already chief editor; remove them first: "
                "a company has one chief editor at a time", code="chief_editor_exists")
        if ukw_level != "none" and not certificate_no:
            raise RuleViolated(f"UKW level {ukw_level} needs its certificate number",
                               code="ukw_certificate_required")
        self._journalist_added(nik, name, role, ukw_level, certificate_no)

    @event("JournalistAdded")
    def _journalist_added(self, nik: str, name: str, role: str, ukw_level: str,
                          certificate_no: str | None):
        self.journalists[nik] = {"nik": nik, "name": name, "role": role,
                                 "ukw_level": ukw_level, "certificate_no": certificate_no}

    def remove_journalist(self, nik: str, reason: str) -> None:
        self.check_not_deregistered("remove a journalist")
        if nik not in self.journalists:
            raise NotFound("no journalist with that NIK is listed with this company")
        self._journalist_removed(nik, self.journalists[nik]["role"], reason)

    @event("JournalistRemoved")
    def _journalist_removed(self, nik: str, role: str, reason: str):
        del self.journalists[nik]

    def chief_editor(self) -> dict | None:
        return next((j for j in self.journalists.values() if j["role"] == "chief_editor"), None)

    # Corrections (issue 13, item 7): identity changes and PKP status -----------------------
    # Each is an event with its actor and reason, never an edit. A snapshot taken before these
    # existed has neither list: read them through `_identity_changes()` and `_pkp_history()`.

    def _identity_changes(self) -> list:
        return self.__dict__.setdefault("identity_changes", [])

    def _pkp_history(self) -> list:
        return self.__dict__.setdefault("pkp_history", [])

    def request_identity_change(self, change_id: uuid.UUID, change: dict, reason: str,
                                today: dt.date) -> None:
        """Record a change the company asks for: pending, nothing changes until a verifier
        approves it (`decide_identity_change`)."""
        self.check_not_deregistered("request an identity change")
        if not change:
            raise RuleViolated("the change names nothing to change; give at least one of "
                               + ", ".join(IDENTITY_FIELDS), code="empty_change")
        self._check_holder_after(change)
        self._identity_change_requested(change_id, change, reason, today)

    @event("IdentityChangeRequested")
    def _identity_change_requested(self, change_id: uuid.UUID, change: dict, reason: str,
                                   requested_on: dt.date):
        self._identity_changes().append({
            "change_id": change_id, "change": copy.deepcopy(change), "reason": reason,
            "requested_on": requested_on, "decision": "pending", "note": None,
            "decided_on": None})

    def decide_identity_change(self, change_id: uuid.UUID, approved: bool, note: str,
                               today: dt.date) -> dict:
        """Approve (the change is in force from now on) or reject (the note says why) a
        pending change. The account holder rule of registration holds on approval too: the
        company's name may have changed since the request."""
        pending = self.identity_change(change_id)
        if pending["decision"] != "pending":
            raise Conflict(f"identity change {change_id} was already {pending['decision']}; "
                           "the company may request a new one", code="change_already_decided",
                           details={"decision": pending["decision"]})
        if approved:
            self._check_holder_after(pending["change"])
        self._identity_change_decided(change_id, approved, note, today,
                                      pending["change"] if approved else None)
        return self.identity_change(change_id)

    @event("IdentityChangeDecided")
    def _identity_change_decided(self, change_id: uuid.UUID, approved: bool, note: str,
                                 decided_on: dt.date, applied: dict | None):
        # `applied` carries the change itself, so a consumer learns the identity in force
        # from this one event (a new account number in it travels sealed, as every other).
        for entry in self._identity_changes():
            if entry["change_id"] == change_id:
                entry.update(decision="approved" if approved else "rejected", note=note,
                             decided_on=decided_on)
        for name, value in (applied or {}).items():
            setattr(self, name, copy.deepcopy(value))

    def identity_change(self, change_id: uuid.UUID) -> dict:
        for entry in self._identity_changes():
            if entry["change_id"] == change_id:
                return entry
        raise NotFound(f"partner {self.id} has no identity change {change_id}",
                       code="no_such_change", details={"change_id": str(change_id)})

    def _check_holder_after(self, change: dict) -> None:
        # The account in force after the change must be in the name in force after it.
        if "bank_account" in change or "legal_name" in change:
            account = change.get("bank_account", self.bank_account)
            check_account_holder_is_company(account["holder"],
                                            change.get("legal_name", self.legal_name),
                                            self.legal_form)

    def record_pkp_status(self, pkp: bool, effective_from: dt.date, reason: str) -> None:
        """PKP status from `effective_from` on (pengukuhan or its revocation by the tax
        office). Payments from that date are taxed by it; the status at registration holds
        before the first change."""
        self.check_not_deregistered("record a PKP status")
        if self.pkp_on(effective_from) == pkp:
            raise RuleViolated(
                f"the partner is already {'PKP' if pkp else 'not PKP'} on {effective_from}",
                code="pkp_unchanged", details={"pkp": pkp,
                                               "effective_from": effective_from.isoformat()})
        self._pkp_status_recorded(pkp, effective_from, reason)

    @event("PkpStatusRecorded")
    def _pkp_status_recorded(self, pkp: bool, effective_from: dt.date, reason: str):
        self._pkp_history().append({"pkp": pkp, "effective_from": effective_from,
                                    "reason": reason})

    def pkp_on(self, on: dt.date) -> bool:
        return pkp_on(self.pkp, self._pkp_history(), on)

    # Lifecycle ---------------------------------------------------------------------------

    def check_may(self, action: str) -> None:
        if self.status not in ALLOWED_FROM[action]:
            allowed = " or ".join(ALLOWED_FROM[action])
            raise RuleViolated(f"cannot {action} a partner that is {self.status}; {action} "
                               f"applies to a partner that is {allowed}",
                               code="invalid_transition",
                               details={"action": action, "status": self.status})

    def check_not_deregistered(self, what: str) -> None:
        if self.status == "deregistered":
            raise RuleViolated(f"cannot {what}: the partner is deregistered",
                               code="partner_deregistered")

    def activate(self, fiscal_year: int) -> None:
        self.check_may("activate")
        if fiscal_year in self.active_years:
            raise RuleViolated(f"the partner is already active for {fiscal_year}",
                               code="already_active", details={"fiscal_year": fiscal_year})
        self._activated(fiscal_year)

    @event("PartnerActivated")
    def _activated(self, fiscal_year: int):
        self.status = "active"
        self.active_years = sorted({*self.active_years, fiscal_year})
        self.status_reason = None

    def reject(self, reason: str, today: dt.date) -> None:
        self.check_may("reject")
        self._rejected(reason, today + dt.timedelta(days=OBJECTION_PERIOD_DAYS))

    @event("PartnerRejected")
    def _rejected(self, reason: str, objection_until: dt.date):
        self.rejection = {"reason": reason, "objection_until": objection_until}
        self.objection = None
        self.status = "rejected"
        self.status_reason = reason

    def file_objection(self, statement: str, today: dt.date) -> None:
        if self.status != "rejected":
            raise RuleViolated(f"only a rejected partner may object; this one is {self.status}",
                               code="not_rejected")
        if self.objection is not None:
            raise RuleViolated("an objection was already filed against this rejection; a "
                               "company answers once", code="objection_already_filed")
        until = self.rejection["objection_until"]
        if today > until:
            raise RuleViolated(f"the objection period ended on {until}",
                               code="objection_period_over",
                               details={"objection_until": until.isoformat()})
        self._objection_filed(statement)

    @event("ObjectionFiled")
    def _objection_filed(self, statement: str):
        self.objection = {"statement": statement, "decision": None, "note": None}

    def decide_objection(self, upheld: bool, note: str) -> None:
        if self.status != "rejected" or self.objection is None:
            raise RuleViolated("there is no objection to decide", code="no_objection")
        if self.objection["decision"] is not None:
            raise RuleViolated(f"the objection was already {self.objection['decision']}",
                               code="objection_already_decided")
        self._objection_decided(upheld, note)

    @event("ObjectionDecided")
    def _objection_decided(self, upheld: bool, note: str):
        self.objection = {**self.objection, "decision": "upheld" if upheld else "dismissed",
                          "note": note}
        if upheld:  # the rejection is annulled: back to where it stood before
            self.status = "registered"
            self.status_reason = note

    def suspend(self, reason: str) -> None:
        self.check_may("suspend")
        self._suspended(reason)

    @event("PartnerSuspended")
    def _suspended(self, reason: str):
        self.status = "suspended"
        self.status_reason = reason

    def reinstate(self, reason: str) -> None:
        self.check_may("reinstate")
        self._reinstated(reason)

    @event("PartnerReinstated")
    def _reinstated(self, reason: str):
        self.status = "active"
        self.status_reason = reason

    def deregister(self, reason: str) -> None:
        self.check_may("deregister")
        self._deregistered(reason)

    @event("PartnerDeregistered")
    def _deregistered(self, reason: str):
        self.status = "deregistered"
        self.status_reason = reason


class NpwpClaim(Aggregate):
    """Holds one NPWP for one partner. `digest` is the NPWP's keyed digest, never the number:
    the id derives from it."""

    @staticmethod
    def create_id(digest: str) -> uuid.UUID:
        return uuid.uuid5(NPWP_NAMESPACE, digest)

    @event("NpwpClaimed")
    def __init__(self, digest: str, partner_id: uuid.UUID):
        self.digest = digest
        self.partner_id = partner_id


class NikClaim(Aggregate):
    """Holds one journalist's NIK for one company at a time; released when they leave.
    `digest` is the NIK's keyed digest, never the number: the id derives from it."""

    @staticmethod
    def create_id(digest: str) -> uuid.UUID:
        return uuid.uuid5(NIK_NAMESPACE, digest)

    @event("NikClaimed")
    def __init__(self, digest: str, partner_id: uuid.UUID | None):
        self.digest = digest
        self.partner_id = partner_id

    def check_free_for(self, partner_id: uuid.UUID) -> None:
        if self.partner_id is not None and self.partner_id != partner_id:
            raise Conflict(f"this journalist is listed with partner {self.partner_id}; a "
                           "journalist may be listed with one company only",
                           code="journalist_listed_elsewhere",
                           details={"partner_id": str(self.partner_id)})

    @event("NikClaimTaken")
    def take(self, partner_id: uuid.UUID):
        self.partner_id = partner_id

    @event("NikReleased")
    def release(self):
        self.partner_id = None


def pkp_on(registered: bool, history: list, on: dt.date) -> bool:
    """The PKP status in force on `on`: the latest change effective on or before it (of two on
    one date, the one recorded last), else the status given at registration."""
    status = registered
    for entry in sorted(enumerate(history), key=lambda e: (e[1]["effective_from"], e[0])):
        if entry[1]["effective_from"] <= on:
            status = entry[1]["pkp"]
    return status


def check_founded_in_the_past(founded_on: dt.date, today: dt.date) -> None:
    if founded_on > today:
        raise RuleViolated(f"founded_on {founded_on} is in the future (today is {today})",
                           code="founded_in_future", details={"founded_on": founded_on.isoformat()})


def check_account_holder_is_company(holder: str, legal_name: str, legal_form: str) -> None:
    # Payments go to the company, never to a person: the account must be in the company's name.
    if _company_key(holder) != _company_key(legal_name):
        # The legal name usually carries its form already ("PT Kayuagung Media"): once only.
        company = legal_name if legal_name.lower().startswith(legal_form.lower() + " ") \
            else f"{legal_form} {legal_name}"
        raise RuleViolated(
            f"bank account holder '{holder}' is not the company '{company}'; "
            "the account must be in the company's own name",
            code="bank_holder_not_company", details={"holder": holder, "legal_name": legal_name})


def _company_key(name: str) -> str:
    words = re.sub(r"[^0-9a-z ]", " ", name.lower()).split()
    return " ".join(w for w in words if w not in {f.lower() for f in LEGAL_FORMS} | {"tbk"})


class ApplicantClaim(Aggregate):
    """One company per portal applicant: the account (its token's `sub`) that registered a
    company itself holds this claim, so a second registration of theirs is refused."""

    @staticmethod
    def create_id(account: str) -> uuid.UUID:
        return uuid.uuid5(APPLICANT_NAMESPACE, account)

    @event("ApplicantClaimed")
    def __init__(self, account: str, partner_id: uuid.UUID):
        self.account = account
        self.partner_id = partner_id
