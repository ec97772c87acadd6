"""The people who log in to SEKLIK's portal, as events. Pure Python, no I/O.

An account is opened by an admin for a member of staff (with their roles), or by a media
company's applicant signing up (role `applicant`, no company yet). Once the applicant has
registered their company, the partners service's PartnerRegistered names them as its actor and
the account is bound to that partner: from then on it logs in as `media` with the `partner_id`.
Every change says who made it (the envelope's actor), so an auditor can tell who gave whom
which role, and when.

The login e-mail and the password hash are personal data (shared/personal.py): they are sealed
on the way out of this service and count by their keyed digest in the hash chain. Uniqueness of
an e-mail is kept by a claim whose id derives from the e-mail's keyed digest, as partners keeps
one company per NPWP.

Failed logins are events too: after FAILURES_BEFORE_LOCK in a row the account is locked for
LOCK_MINUTES, and no attempt during the lock is checked or recorded (so guessing costs an
attacker the lock, and cannot fill the log).
"""
from __future__ import annotations

import datetime as dt
import uuid

from eventsourcing.domain import event

from shared.domain import Aggregate
from shared.errors import Conflict, Forbidden, RuleViolated

STAFF_ROLES = ("admin", "verifier", "assessor", "finance", "auditor", "humas")
FAILURES_BEFORE_LOCK = 5
LOCK_MINUTES = 15
EMAIL_NAMESPACE = uuid.UUID("5d0c8f3e-6a1b-4c2d-9e8f-0a1b2c3d4e5f")


class Account(Aggregate):
    @event("AccountOpened")
    def __init__(self, login_email: str, password_hash: str, name: str, roles: list[str]):
        self.login_email = login_email
        self.password_hash = password_hash
        self.name = name
        self.roles = sorted(roles)
        self.partner_id: uuid.UUID | None = None
        self.disabled = False
        self.failures = 0
        self.locked_until: dt.datetime | None = None

    @classmethod
    def open_for_staff(cls, login_email, password_hash, name, roles) -> "Account":
        if not roles or set(roles) - set(STAFF_ROLES):
            raise RuleViolated(f"a staff account holds one or more of {', '.join(STAFF_ROLES)}",
                               code="not_staff_roles", details={"roles": sorted(roles)})
        return cls(login_email=login_email, password_hash=password_hash, name=name,
                   roles=roles)

    @classmethod
    def sign_up(cls, login_email, password_hash, name) -> "Account":
        return cls(login_email=login_email, password_hash=password_hash, name=name,
                   roles=["applicant"])

    # Logging in ------------------------------------------------------------------------

    def check_may_log_in(self, now: dt.datetime) -> None:
        if self.disabled:
            raise Forbidden("this account is disabled; ask the regency's Kominfo admin",
                            code="account_disabled")
        if self.locked_until and now < self.locked_until:
            raise Forbidden(f"too many failed logins: locked until "
                            f"{self.locked_until.isoformat()}", code="account_locked",
                            details={"locked_until": self.locked_until.isoformat()})

    @event("LoginFailed")
    def fail_login(self, now: dt.datetime):
        # A lock that has run out starts the count again.
        if self.locked_until and now >= self.locked_until:
            self.failures = 0
            self.locked_until = None
        self.failures += 1
        if self.failures >= FAILURES_BEFORE_LOCK:
            self.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)

    @event("LoggedIn")
    def log_in(self):
        self.failures = 0
        self.locked_until = None

    # Changes by the account's owner or an admin -----------------------------------------

    @event("PasswordChanged")
    def change_password(self, password_hash: str, by_admin: bool):
        self.password_hash = password_hash
        if by_admin:  # a reset is how an admin lets a locked-out person back in
            self.failures = 0
            self.locked_until = None

    def set_roles(self, roles: list[str]) -> None:
        if "applicant" in self.roles or "media" in self.roles:
            raise RuleViolated("a media company's account holds its role by its company; "
                               "open a staff account instead", code="not_staff_account")
        if not roles or set(roles) - set(STAFF_ROLES):
            raise RuleViolated(f"a staff account holds one or more of {', '.join(STAFF_ROLES)}",
                               code="not_staff_roles", details={"roles": sorted(roles)})
        self._set_roles(roles=sorted(roles))

    @event("RolesChanged")
    def _set_roles(self, roles: list[str]):
        self.roles = roles

    def disable(self, reason: str) -> None:
        if self.disabled:
            raise Conflict("the account is disabled already", code="already_disabled")
        self._disable(reason=reason)

    @event("AccountDisabled")
    def _disable(self, reason: str):
        self.disabled = True

    def enable(self, reason: str) -> None:
        if not self.disabled:
            raise Conflict("the account is enabled already", code="already_enabled")
        self._enable(reason=reason)

    @event("AccountEnabled")
    def _enable(self, reason: str):
        self.disabled = False

    # The applicant's company --------------------------------------------------------------

    def bind_partner(self, partner_id: uuid.UUID) -> bool:
        """Bind the applicant's account to the company they registered; False when it is bound
        already (a redelivered event), refused when it holds another."""
        if self.partner_id == partner_id:
            return False
        if self.partner_id is not None or "applicant" not in self.roles:
            raise RuleViolated(f"account {self.id} is not an applicant without a company",
                               code="not_an_applicant",
                               details={"partner_id": str(self.partner_id)})
        self._bind_partner(partner_id=partner_id)
        return True

    @event("PartnerBound")
    def _bind_partner(self, partner_id: uuid.UUID):
        self.partner_id = partner_id
        self.roles = ["media"]


class EmailClaim(Aggregate):
    """Holds one login e-mail for one account. `digest` is the e-mail's keyed digest (of its
    lower-case form), never the address: the id derives from it."""

    @staticmethod
    def create_id(digest: str) -> uuid.UUID:
        return uuid.uuid5(EMAIL_NAMESPACE, digest)

    @event("EmailClaimed")
    def __init__(self, digest: str, account_id: uuid.UUID):
        self.digest = digest
        self.account_id = account_id
