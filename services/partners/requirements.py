"""The yearly requirement policy and the judgement of a partner against it. Pure Python.

The policy changes every year (a standing complaint of OKI's journalists), so each fiscal year
has its own `RequirementPolicy`, revised by new versions; a partner is judged by the policy of
the year asked, as of a date. Each unmet requirement has a code and a sentence a clerk reads.
"""
from __future__ import annotations

import datetime as dt
import uuid

from eventsourcing.domain import event

from services.partners.domain import PRESS_COUNCIL, UKW_LEVELS, Partner
from shared.domain import Aggregate

POLICY_NAMESPACE = uuid.UUID("4a7e0d9c-2b1f-4c3e-8d5a-6f7e8a9b0c1d")


class RequirementPolicy(Aggregate):
    @staticmethod
    def create_id(fiscal_year: int) -> uuid.UUID:
        return uuid.uuid5(POLICY_NAMESPACE, str(fiscal_year))

    @event("RequirementPolicySet")
    def __init__(self, fiscal_year: int, required_documents: dict, min_company_age_years: int,
                 min_press_council: str, chief_editor_min_ukw: str):
        self.fiscal_year = fiscal_year
        self._apply(required_documents, min_company_age_years, min_press_council,
                    chief_editor_min_ukw)

    @event("RequirementPolicyRevised")
    def revise(self, required_documents: dict, min_company_age_years: int,
               min_press_council: str, chief_editor_min_ukw: str):
        self._apply(required_documents, min_company_age_years, min_press_council,
                    chief_editor_min_ukw)

    def _apply(self, required_documents, min_company_age_years, min_press_council,
               chief_editor_min_ukw):
        self.required_documents = required_documents
        self.min_company_age_years = min_company_age_years
        self.min_press_council = min_press_council
        self.chief_editor_min_ukw = chief_editor_min_ukw

    def as_dict(self) -> dict:
        return {"fiscal_year": self.fiscal_year, "version": self.version,
                "required_documents": self.required_documents,
                "min_company_age_years": self.min_company_age_years,
                "min_press_council": self.min_press_council,
                "chief_editor_min_ukw": self.chief_editor_min_ukw}


def unmet_requirements(partner: Partner, policy: RequirementPolicy, as_of: dt.date) -> list:
    """Every requirement of `policy` that `partner` does not meet on `as_of`, in policy order."""
    unmet = []
    # A media type the policy does not name has no agreed requirements: it is not activated
    # on none (print_monthly, new in 2026, is missing from every earlier policy).
    if partner.media_type not in policy.required_documents:
        unmet.append({"code": "media_type_not_in_policy",
                      "detail": f"the {policy.fiscal_year} requirement policy lists no documents "
                                f"for {partner.media_type}: revise it to name what a "
                                f"{partner.media_type} outlet must file"})
    for kind in policy.required_documents.get(partner.media_type, []):
        problem = document_problem(partner.documents.get(kind), kind, as_of)
        if problem:
            unmet.append(problem)

    age = partner.company_age_years(as_of)
    if age < policy.min_company_age_years:
        unmet.append({"code": "company_too_young",
                      "detail": f"company is {age} years old, policy requires "
                                f"{policy.min_company_age_years}"})

    status = partner.press_council["status"]
    if PRESS_COUNCIL.index(status) < PRESS_COUNCIL.index(policy.min_press_council):
        unmet.append({"code": "press_council_below",
                      "detail": f"press council status {status}, policy requires "
                                f"{policy.min_press_council}"})

    chief = partner.chief_editor()
    if chief is None:
        unmet.append({"code": "chief_editor_missing", "detail": "no chief editor is listed"})
    elif UKW_LEVELS.index(chief["ukw_level"]) < UKW_LEVELS.index(policy.chief_editor_min_ukw):
        unmet.append({"code": "chief_editor_ukw_below",
                      "detail": f"chief editor UKW {chief['ukw_level']}, policy requires "
                                f"{policy.chief_editor_min_ukw}"})
    return unmet


def document_problem(document: dict | None, kind: str, as_of: dt.date) -> dict | None:
    """Why `document` does not count on `as_of`, or None when it does. `kind` says which
    document, so that a page can name it in the reader's language."""
    if document is None or document["issued_on"] > as_of:
        return {"code": "document_missing", "kind": kind, "detail": f"document {kind} missing"}
    if document["review"] == "rejected":
        return {"code": "document_rejected", "kind": kind, "note": document["note"],
                "detail": f"document {kind} rejected: {document['note']}"}
    if document["review"] == "pending":
        return {"code": "document_not_reviewed", "kind": kind,
                "detail": f"document {kind} not yet accepted by the verification team"}
    if document["valid_until"] is not None and document["valid_until"] < as_of:
        return {"code": "document_expired", "kind": kind,
                "valid_until": document["valid_until"].isoformat(),
                "detail": f"{kind} expired on {document['valid_until'].isoformat()}"}
    return None


def document_validity(document: dict, as_of: dt.date) -> str:
    problem = document_problem(document, document["kind"], as_of)
    return "valid" if problem is None else problem["detail"]
