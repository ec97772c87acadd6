"""The accounts use cases: sign up, open, log in, change, and bind an applicant to the company
they registered (from the partners service's events). No nameko here."""
from __future__ import annotations

import uuid

from argon2 import PasswordHasher
from eventsourcing.utils import get_topic
from argon2.exceptions import InvalidHashError, VerificationError

from services.accounts.domain import Account, EmailClaim
from shared import personal
from shared.application import ServiceApplication, command
from shared.domain import acting_as, actor_for_envelope, jsonable, utcnow
from shared.errors import Conflict, ValidationFailed

# Argon2id with argon2-cffi's defaults (RFC 9106's second recommendation: 64 MiB, 3 passes).
HASHER = PasswordHasher()
# Verified against when the e-mail is unknown, so that the answer takes as long as for a
# wrong password and does not tell which e-mails have accounts.
DECOY = HASHER.hash("seklik decoy password")


def password_hash(password: str) -> str:
    return HASHER.hash(password)


def password_matches(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


class AccountsApplication(ServiceApplication):
    name = "accounts"

    def email_digest(self, email: str) -> str:
        return personal.number_digest(self.settings.digest_key, "login_email", email.lower())

    def free_email(self, email: str) -> str:
        """The e-mail's keyed digest, once no account holds it (checked before the costly
        hash; the claim's save settles a race between two sign-ups)."""
        digest = self.email_digest(email)
        if EmailClaim.create_id(digest) in self.repository:
            raise Conflict("an account with this e-mail exists already; log in, or ask the "
                           "Kominfo admin to reset its password", code="email_taken")
        return digest

    @staticmethod
    def opened(account: Account, digest: str):
        return {"account_id": account.id, "roles": account.roles}, [
            account, EmailClaim(digest=digest, account_id=account.id)]

    # Opening accounts --------------------------------------------------------------------

    @command
    def sign_up(self, email: str, password: str, name: str):
        digest = self.free_email(email)
        return self.opened(Account.sign_up(email, password_hash(password), name), digest)

    @command
    def open_account(self, email: str, password: str, name: str, roles: list[str]):
        digest = self.free_email(email)
        return self.opened(Account.open_for_staff(email, password_hash(password), name, roles),
                           digest)

    # Logging in --------------------------------------------------------------------------

    def account_by_email(self, email: str) -> Account | None:
        claim_id = EmailClaim.create_id(self.email_digest(email))
        if claim_id not in self.repository:
            return None
        return self.get(self.repository.get(claim_id).account_id)

    @command
    def log_in(self, email: str, password: str):
        """{ok, account} or {ok: False, failures}; a failure is recorded (and may lock the
        account), a locked or disabled account is refused before its password is checked."""
        account = self.account_by_email(email)
        if account is None:
            password_matches(DECOY, password)
            return {"ok": False, "failures": 0}, []
        now = utcnow()
        account.check_may_log_in(now)
        if not password_matches(account.password_hash, password):
            account.fail_login(now)
            return {"ok": False, "failures": account.failures,
                    "locked_until": account.locked_until}, [account]
        account.log_in()
        return {"ok": True, "account": self.summary(account)}, [account]

    # Changes ----------------------------------------------------------------------------

    @command
    def change_password(self, account_id, old_password: str, password: str):
        account = self.get(account_id)
        if not password_matches(account.password_hash, old_password):
            raise ValidationFailed.from_messages(
                {"old_password": ["is not the account's current password"]})
        account.change_password(password_hash(password), by_admin=False)
        return {"account_id": account.id}, [account]

    @command
    def reset_password(self, account_id, password: str):
        account = self.get(account_id)
        account.change_password(password_hash(password), by_admin=True)
        return {"account_id": account.id}, [account]

    @command
    def set_roles(self, account_id, roles: list[str]):
        account = self.get(account_id)
        account.set_roles(roles)
        return {"account_id": account.id, "roles": account.roles}, [account]

    @command
    def disable_account(self, account_id, reason: str):
        account = self.get(account_id)
        account.disable(reason)
        return {"account_id": account.id, "disabled": True}, [account]

    @command
    def enable_account(self, account_id, reason: str):
        account = self.get(account_id)
        account.enable(reason)
        return {"account_id": account.id, "disabled": False}, [account]

    # What accounts does with the partners service's events -------------------------------

    def apply_partners_event(self, envelope: dict, tracked: bool = True) -> None:
        """Bind an applicant's account to the company they registered: a PartnerRegistered
        whose actor is an applicant (roles exactly ["applicant"]). Every other event only
        moves the position."""
        actor = envelope.get("actor") or {}
        if envelope["type"] != "PartnerRegistered" or actor.get("roles") != ["applicant"]:
            self.save_tracked(envelope, tracked=tracked)
            return
        with acting_as(actor_for_envelope(self.name, envelope)):
            account = self.get(actor["sub"])
            account.bind_partner(uuid.UUID(envelope["originator_id"]))
        self.save_tracked(envelope, account, tracked=tracked)

    # Queries -----------------------------------------------------------------------------

    def get(self, account_id) -> Account:
        return self.load(account_id, Account, "account")

    @staticmethod
    def summary(account: Account) -> dict:
        """What an account is, without its e-mail or password hash."""
        return {"account_id": account.id, "name": account.name, "roles": account.roles,
                "partner_id": account.partner_id, "disabled": account.disabled,
                "locked_until": account.locked_until}

    def account(self, account_id, with_email: bool) -> dict:
        account = self.get(account_id)
        answer = self.summary(account)
        if with_email:
            answer["email"] = account.login_email
        return jsonable(answer)

    def accounts(self) -> list[dict]:
        """Every account, in the order they were opened (admins and auditors)."""
        opened, ids, after = [get_topic(Account.AccountOpened)], [], 0
        while True:
            page = self.recorder.select_notifications(start=after + 1, limit=500, topics=opened)
            ids += [n.originator_id for n in page]
            if len(page) < 500:
                return [self.account(i, with_email=True) for i in ids]
            after = page[-1].id
