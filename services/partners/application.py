"""The partners use cases: load, call one domain method, save. No nameko here."""
from __future__ import annotations

import datetime as dt
import uuid

from services.partners.domain import (EXPIRING_KINDS, ApplicantClaim, NikClaim, NpwpClaim,
                                      Partner)
from services.partners.requirements import (RequirementPolicy, document_validity,
                                            unmet_requirements)
from shared import personal
from shared.application import SNAPSHOT_EVERY, ServiceApplication, command
from shared.domain import current_actor, jsonable
from shared.errors import Conflict, NotFound, RuleViolated


class PartnersApplication(ServiceApplication):
    name = "partners"
    snapshotting_intervals = {Partner: SNAPSHOT_EVERY}

    # Registration and identity -----------------------------------------------------------

    def number_digest(self, field: str, number: str) -> str:
        """A claim's key: the number's HMAC under the deployment's secret (a plain hash or a
        uuid5 of a 16-digit NIK is brute-forced from a dump in seconds)."""
        return personal.number_digest(self.settings.digest_key, field, number)

    @command
    def register_partner(self, identity: dict):
        digest = self.number_digest("npwp", identity["npwp"])
        claim_id = NpwpClaim.create_id(digest)
        if claim_id in self.repository:
            holder = self.repository.get(claim_id).partner_id
            # The number stays out of message and details: it is personal data, errors reach
            # logs, and the caller knows what it sent.
            raise Conflict(f"this NPWP is already registered to partner {holder}; one company "
                           "per NPWP", code="npwp_taken", details={"partner_id": str(holder)})
        partner = Partner.register(today=self.today(), **identity)
        claims = [NpwpClaim(digest=digest, partner_id=partner.id)]
        if "applicant" in current_actor()["roles"]:  # a company's own person, in the portal
            claims.append(self._applicant_claim(current_actor()["sub"], partner.id))
        return {"partner_id": partner.id, "status": partner.status}, [partner, *claims]

    def _applicant_claim(self, account: str, partner_id) -> ApplicantClaim:
        claim_id = ApplicantClaim.create_id(account)
        if claim_id in self.repository:
            holder = self.repository.get(claim_id).partner_id
            raise Conflict(f"this account registered partner {holder} already; an applicant "
                           "registers one company", code="applicant_registered",
                           details={"partner_id": str(holder)})
        return ApplicantClaim(account=account, partner_id=partner_id)

    # Documents ---------------------------------------------------------------------------

    @command
    def submit_document(self, partner_id, document: dict):
        partner = self.get(partner_id)
        document_id = uuid.uuid4()
        document = dict(document)  # a retried command runs again on the same arguments
        file = document.pop("file", None)
        upload = self.files.opened(file) if file else None
        if upload:
            document.update(sha256=upload.sha256, file=upload.record())
        partner.submit_document(document_id=document_id, today=self.today(), **document)
        if upload:
            self.files.keep(upload)
        return {"document_id": document_id, "review": "pending",
                "sha256": document["sha256"]}, [partner]

    @command
    def review_document(self, partner_id, document_id, decision: str, note: str):
        partner = self.get(partner_id)
        partner.review_document(uuid.UUID(str(document_id)), decision, note)
        return {"document_id": document_id, "review": decision}, [partner]

    # Press council and journalists -------------------------------------------------------

    @command
    def record_press_council_status(self, partner_id, status: str, certificate_no,
                                    recorded_on: dt.date):
        partner = self.get(partner_id)
        partner.record_press_council_status(status, certificate_no, recorded_on)
        return {"press_council": partner.press_council["status"]}, [partner]

    @command
    def add_journalist(self, partner_id, journalist: dict):
        partner = self.get(partner_id)
        digest = self.number_digest("nik", journalist["nik"])
        claim_id = NikClaim.create_id(digest)
        if claim_id in self.repository:
            claim = self.repository.get(claim_id)
            claim.check_free_for(partner.id)
            partner.add_journalist(**journalist)
            if claim.partner_id is None:
                claim.take(partner.id)
        else:
            partner.add_journalist(**journalist)
            claim = NikClaim(digest=digest, partner_id=partner.id)
        return {"nik": journalist["nik"], "journalists": len(partner.journalists)}, [partner,
                                                                                     claim]

    @command
    def remove_journalist(self, partner_id, nik: str, reason: str):
        partner = self.get(partner_id)
        partner.remove_journalist(nik, reason)
        claim = self.repository.get(NikClaim.create_id(self.number_digest("nik", nik)))
        claim.release()
        return {"nik": nik, "journalists": len(partner.journalists)}, [partner, claim]

    # Corrections (issue 13, item 7) ------------------------------------------------------

    @command
    def request_identity_change(self, partner_id, change: dict, reason: str):
        partner = self.get(partner_id)
        change_id = uuid.uuid4()
        partner.request_identity_change(change_id, change, reason, self.today())
        return {"change_id": change_id, "decision": "pending"}, [partner]

    @command
    def decide_identity_change(self, partner_id, change_id, approved: bool, note: str):
        partner = self.get(partner_id)
        decided = partner.decide_identity_change(uuid.UUID(str(change_id)), approved, note,
                                                 self.today())
        return {"change_id": change_id, "decision": decided["decision"]}, [partner]

    @command
    def record_pkp_status(self, partner_id, pkp: bool, effective_from: dt.date, reason: str):
        partner = self.get(partner_id)
        partner.record_pkp_status(pkp, effective_from, reason)
        return {"pkp": pkp, "effective_from": effective_from,
                "pkp_today": partner.pkp_on(self.today())}, [partner]

    # The yearly policy and the lifecycle -------------------------------------------------

    @command
    def set_requirement_policy(self, fiscal_year: int, policy: dict):
        policy_id = RequirementPolicy.create_id(fiscal_year)
        if policy_id in self.repository:
            current = self.repository.get(policy_id)
            current.revise(**policy)
        else:
            current = RequirementPolicy(fiscal_year=fiscal_year, **policy)
        return {"fiscal_year": fiscal_year, "version": current.version}, [current]

    def get_requirement_policy(self, fiscal_year: int, as_of: dt.date | None = None) -> dict:
        return jsonable(self.policy(fiscal_year, as_of).as_dict())

    def check_requirements(self, partner_id, fiscal_year: int,
                           as_of: dt.date | None = None) -> dict:
        as_of = as_of or self.today()
        partner = self.load(partner_id, Partner, "partner", as_of=as_of)
        policy = self.policy(fiscal_year, as_of)
        unmet = unmet_requirements(partner, policy, as_of)
        return {"met": not unmet, "unmet": unmet, "fiscal_year": fiscal_year,
                "policy_version": policy.version, "as_of": as_of.isoformat()}

    @command
    def activate_partner(self, partner_id, fiscal_year: int):
        partner = self.get(partner_id)
        partner.check_may("activate")
        policy = self.policy(fiscal_year)
        unmet = unmet_requirements(partner, policy, self.today())
        if unmet:
            raise RuleViolated(
                f"{partner.brand_name} does not meet the {fiscal_year} requirements: "
                + "; ".join(u["detail"] for u in unmet), code="requirements_not_met",
                details={"unmet": unmet, "policy_version": policy.version})
        partner.activate(fiscal_year)
        return {"status": partner.status, "fiscal_year": fiscal_year}, [partner]

    @command
    def reject_partner(self, partner_id, reason: str):
        partner = self.get(partner_id)
        partner.reject(reason, self.today())
        return {"status": partner.status,
                "objection_until": partner.rejection["objection_until"]}, [partner]

    @command
    def file_objection(self, partner_id, statement: str):
        partner = self.get(partner_id)
        partner.file_objection(statement, self.today())
        return {"status": partner.status, "objection": "filed"}, [partner]

    @command
    def decide_objection(self, partner_id, upheld: bool, note: str):
        partner = self.get(partner_id)
        partner.decide_objection(upheld, note)
        return {"status": partner.status,
                "objection": partner.objection["decision"]}, [partner]

    @command
    def suspend_partner(self, partner_id, reason: str):
        return self._transition(partner_id, Partner.suspend, reason)

    @command
    def reinstate_partner(self, partner_id, reason: str):
        return self._transition(partner_id, Partner.reinstate, reason)

    @command
    def deregister_partner(self, partner_id, reason: str):
        return self._transition(partner_id, Partner.deregister, reason)

    def _transition(self, partner_id, change, reason: str):
        partner = self.get(partner_id)
        change(partner, reason)
        return {"status": partner.status}, [partner]

    # Queries -----------------------------------------------------------------------------

    def get(self, partner_id) -> Partner:
        return self.load(partner_id, Partner, "partner")

    def policy(self, fiscal_year: int, as_of: dt.date | None = None) -> RequirementPolicy:
        try:
            return self.load(RequirementPolicy.create_id(fiscal_year), RequirementPolicy,
                             "requirement policy", as_of=as_of)
        except NotFound:
            raise NotFound(f"no requirement policy for fiscal year {fiscal_year}"
                           + (f" on {as_of}" if as_of else "") + "; set one first",
                           code="no_policy", details={"fiscal_year": fiscal_year}) from None

    def get_partner(self, partner_id) -> dict:
        return partner_file(self.get(partner_id), self.today())

    def document_file(self, partner_id, document_id) -> dict:
        """What SEKLIK keeps of a document's file: {document_id, kind, sha256, size,
        media_type, name}; NotFound `file_not_kept` when only its sha256 was filed."""
        document = self.get(partner_id).any_document(uuid.UUID(str(document_id)))
        if not document.get("file"):
            raise NotFound(f"document {document_id} was filed by its SHA-256 only: SEKLIK does "
                           "not keep its file", code="file_not_kept",
                           details={"sha256": document["sha256"]})
        return {"document_id": str(document["document_id"]), "kind": document["kind"],
                "sha256": document["sha256"], **document["file"]}

    def list_partners(self, status: str | None = None, media_type: str | None = None,
                      fiscal_year: int | None = None) -> list:
        rows = []
        for partner in self.all_partners():
            if status and partner.status != status:
                continue
            if media_type and partner.media_type != media_type:
                continue
            if fiscal_year and fiscal_year not in round_years(partner):
                continue
            rows.append(partner_summary(partner))
        return sorted(rows, key=lambda r: r["legal_name"].lower())

    def list_lapsing_documents(self, within_days: int) -> list:
        """The expiring documents of active partners that lapse within `within_days` days of
        the regency's today, and those lapsed already (days_left below 0), soonest first.

        The document that counts for a kind is its latest accepted submission (as contracts
        judges it): a renewal still pending or rejected does not renew, so the accepted one it
        would replace is listed, with the renewal's review beside it."""
        today = self.today()
        until = today + dt.timedelta(days=within_days)
        rows = []
        for partner in self.all_partners():
            if partner.status != "active":
                continue
            for kind in EXPIRING_KINDS:
                counting = latest_accepted(partner, kind)
                if counting is None or counting["valid_until"] is None \
                        or counting["valid_until"] > until:
                    continue
                current = partner.documents.get(kind)
                renewal = (current["review"] if current is not None
                           and current["document_id"] != counting["document_id"] else None)
                rows.append({"partner_id": str(partner.id), "legal_name": partner.legal_name,
                             "brand_name": partner.brand_name, "kind": kind,
                             "document_id": str(counting["document_id"]),
                             "valid_until": counting["valid_until"].isoformat(),
                             "days_left": (counting["valid_until"] - today).days,
                             "lapsed": counting["valid_until"] < today,
                             "renewal": renewal})
        # A full key ending in ids: equal dates and names come in one order, always.
        return sorted(rows, key=lambda r: (r["valid_until"], r["legal_name"].lower(),
                                           r["partner_id"], r["kind"]))

    def all_partners(self):
        for partner_id in self.originator_ids(Partner.PartnerRegistered):
            yield self.repository.get(partner_id)


def round_years(partner: Partner) -> set[int]:
    """The fiscal years whose registration round the partner took part in."""
    return {partner.created_on.year, *partner.active_years}


def latest_accepted(partner: Partner, kind: str) -> dict | None:
    """The latest accepted submission of `kind` (current or superseded), or None."""
    for document in (partner.documents.get(kind), *reversed(partner.superseded)):
        if document is not None and document["kind"] == kind \
                and document["review"] == "accepted":
            return document
    return None


def partner_summary(partner: Partner) -> dict:
    return jsonable({
        "partner_id": partner.id, "legal_name": partner.legal_name,
        "brand_name": partner.brand_name, "legal_form": partner.legal_form,
        "media_type": partner.media_type, "status": partner.status,
        "press_council": partner.press_council["status"],
        "active_years": partner.active_years, "registered_at": partner.created_on,
    })


def partner_file(partner: Partner, today: dt.date) -> dict:
    return jsonable({
        **partner_summary(partner),
        "npwp": partner.npwp, "nib": partner.nib, "pkp": partner.pkp_on(today),
        "address": partner.address, "founded_on": partner.founded_on,
        "contact": partner.contact, "bank_account": partner.bank_account,
        # The identity above is the one in force; how it came to be, oldest first. A new
        # account number inside a change is personal data: masked by role like the others.
        "identity_changes": partner._identity_changes(),
        "pkp_registered": partner.pkp, "pkp_history": partner._pkp_history(),
        "status_reason": partner.status_reason,
        "documents": [{**d, "validity": document_validity(d, today)}
                      for d in sorted(partner.documents.values(), key=lambda d: d["kind"])],
        "superseded_documents": partner.superseded,
        "press_council_detail": partner.press_council,
        "journalists": sorted(partner.journalists.values(), key=lambda j: j["name"]),
        "rejection": partner.rejection, "objection": partner.objection,
        "version": partner.version,
    })
