"""Media companies (perusahaan pers) as SEKLIK knows them. Pure Python, no I/O.

DOMAIN.md §1. A partner is registered once with its identity; its standing then changes by
events. One company per NPWP is kept by `NpwpClaim`, an aggregate whose id is derived from the
NPWP: two registrations of one NPWP race to create the same aggregate, and the event store lets
only one of them be saved.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid

from eventsourcing.domain import event

from shared.domain import Aggregate
from shared.errors import RuleViolated

LEGAL_FORMS = ("PT", "yayasan", "koperasi")
MEDIA_TYPES = ("online", "print_daily", "print_weekly", "tv", "radio")
NPWP_NAMESPACE = uuid.UUID("0b3c3a43-8a53-4a5e-8a1f-7d54a8b3e2c1")


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

    @classmethod
    def register(cls, *, today: dt.date, **identity) -> "Partner":
        check_founded_in_the_past(identity["founded_on"], today)
        check_account_holder_is_company(identity["bank_account"]["holder"],
                                        identity["legal_name"], identity["legal_form"])
        return cls(**identity)

    def company_age_years(self, on: dt.date) -> int:
        years = on.year - self.founded_on.year
        return years - ((on.month, on.day) < (self.founded_on.month, self.founded_on.day))


class NpwpClaim(Aggregate):
    """Holds one NPWP for one partner; its id is derived from the NPWP."""

    @staticmethod
    def create_id(npwp: str) -> uuid.UUID:
        return uuid.uuid5(NPWP_NAMESPACE, npwp)

    @event("NpwpClaimed")
    def __init__(self, npwp: str, partner_id: uuid.UUID):
        self.npwp = npwp
        self.partner_id = partner_id


def check_founded_in_the_past(founded_on: dt.date, today: dt.date) -> None:
    if founded_on > today:
        raise RuleViolated(f"founded_on {founded_on} is in the future (today is {today})",
                           code="founded_in_future", details={"founded_on": founded_on.isoformat()})


def check_account_holder_is_company(holder: str, legal_name: str, legal_form: str) -> None:
    # Payments go to the company, never to a person: the account must be in the company's name.
    if _company_key(holder) != _company_key(legal_name):
        raise RuleViolated(
            f"bank account holder '{holder}' is not the company '{legal_form} {legal_name}'; "
            "the account must be in the company's own name",
            code="bank_holder_not_company", details={"holder": holder, "legal_name": legal_name})


def _company_key(name: str) -> str:
    words = re.sub(r"[^0-9a-z ]", " ", name.lower()).split()
    return " ".join(w for w in words if w not in {f.lower() for f in LEGAL_FORMS} | {"tbk"})
