"""The accounts nameko service: portal accounts, and the people's tokens they log in to.

This is where people's tokens are issued (shared/auth.py): it alone holds the issuer's key,
SEKLIK_TOKEN_PRIVATE_KEY, and refuses to start without it outside development. A token names
the account (`sub` = the account's id) and carries the roles the account holds at that moment;
it lives SEKLIK's 15 minutes and is renewed while its holder is active (`renew`), so that a
disabled account or a changed role takes effect within one renewal.
"""
import uuid

import eventlet
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from services.accounts import schemas as s
from services.accounts.application import AccountsApplication
from services.accounts.domain import FAILURES_BEFORE_LOCK
from shared.auth import PERSON_TTL, READERS, allow, issuer_key, mint_token, public
from shared.config import ConfigurationError, Settings
from shared.consumer import Feed, tracked_events
from shared.errors import Forbidden, NotFound, Unauthenticated
from shared.schemas import load
from shared.service import ApplicationProvider, EventSourcedService

ANONYMOUS = {"sub": "anonymous", "roles": []}  # the actor of a sign-up or a login attempt
PEOPLE = ("admin", "verifier", "assessor", "finance", "media", "auditor", "applicant", "humas")
# Seconds a failed login waits before it answers, by how many failed in a row: guessing slows
# down before the account locks (FAILURES_BEFORE_LOCK).
SLOWER = {1: 0, 2: 0.5, 3: 1, 4: 2}


class Issuer(DependencyProvider):
    """The key that signs people's tokens, and the regency they are issued for."""

    def setup(self):
        settings = Settings.from_env()
        self.key = issuer_key(settings)
        if self.key is None:
            raise ConfigurationError("accounts issues people's tokens: set "
                                     "SEKLIK_TOKEN_PRIVATE_KEY (`seklik keygen` prints it)")
        self.regency = settings.regency_code

    def get_dependency(self, worker_ctx):
        return self

    def token(self, account: dict) -> dict:
        token = mint_token(self.key, str(account["account_id"]), account["roles"],
                           regency=self.regency, ttl_seconds=PERSON_TTL,
                           partner_id=account["partner_id"])
        return {"token": token, "expires_in": PERSON_TTL, "account": account}


class AccountsService(EventSourcedService):
    name = "accounts"
    app = ApplicationProvider(AccountsApplication)
    issuer = Issuer()
    partners_feed = Feed("partners", app_attr="app", handler="apply_partners_event")

    @tracked_events("partners")
    def on_partners_event(self, envelope):
        self.partners_feed.receive(envelope)

    # Anyone -------------------------------------------------------------------------------

    @rpc
    @public
    def sign_up(self, email, password, name, command_id=None):
        """A media company's person opens an account: {email, password (10-128 characters,
        not the e-mail), name}. Returns {account_id, roles: ["applicant"]}. They log in, register
        their company (partners.register_partner), and the account is bound to it: their next
        token is a `media` one with the company's partner_id. An e-mail has one account
        (Conflict `email_taken`)."""
        args = load(s.SignUpSchema, {"email": email, "password": password, "name": name})
        return self.app.sign_up(**args, actor=ANONYMOUS, command_id=command_id)

    @rpc
    @public
    def log_in(self, email, password):
        """{token, expires_in (seconds), account {account_id, name, roles, partner_id}} for the
        right e-mail and password. A wrong one is Unauthenticated `wrong_credentials` (the same
        for an unknown e-mail), answered more slowly each time; after 5 in a row the account is
        locked for 15 minutes (Forbidden `account_locked` with `locked_until`) until an admin
        resets the password. A disabled account: Forbidden `account_disabled`."""
        args = load(s.LogInSchema, {"email": email, "password": password})
        answer = self.app.log_in(**args, actor=ANONYMOUS)
        if not answer["ok"]:
            eventlet.sleep(SLOWER.get(answer["failures"], 0))
            if answer.get("locked_until"):
                raise Forbidden(f"too many failed logins ({FAILURES_BEFORE_LOCK}): locked until "
                                f"{answer['locked_until']}; an admin can reset the password",
                                code="account_locked",
                                details={"locked_until": answer["locked_until"]})
            raise Unauthenticated("wrong e-mail or password", code="wrong_credentials")
        return self.issuer.token(answer["account"])

    # The account's holder -----------------------------------------------------------------

    @rpc
    @allow(*PEOPLE)
    def renew(self):
        """A fresh token for the caller's account, with the roles it holds now (an applicant
        whose company is registered comes back `media` with its partner_id). Refused for a
        disabled account (Forbidden `account_disabled`) and for a token that names no account
        (NotFound `no_account`: tokens from `seklik token` are not renewed)."""
        account = self._own_account()
        if account["disabled"]:
            raise Forbidden("this account is disabled", code="account_disabled")
        return self.issuer.token(account)

    @rpc
    @allow(*PEOPLE)
    def change_password(self, old_password, password, command_id=None):
        """The caller changes their own password: {old_password, password}."""
        load(s.OwnPasswordSchema, {"old_password": old_password, "password": password})
        account_id = self._own_account()["account_id"]
        return self.run(self.app.change_password, s.ChangePasswordSchema, command_id,
                        account_id=account_id, old_password=old_password, password=password)

    @rpc
    @allow(*PEOPLE)
    def my_account(self):
        """The caller's own account: account_id, name, email, roles, partner_id, disabled."""
        return self._own_account(with_email=True)

    def _own_account(self, with_email: bool = False) -> dict:
        try:
            return self.app.account(uuid.UUID(self.auth.actor["sub"]), with_email)
        except (ValueError, NotFound):
            raise NotFound("this token names no portal account (log in to the portal for "
                           "one)", code="no_account") from None

    # Admin --------------------------------------------------------------------------------

    @rpc
    @allow("admin")
    def open_account(self, email, password, name, roles, command_id=None):
        """Open a staff account: {email, password, name, roles (one or more of admin,
        verifier, assessor, finance, auditor)}. Returns {account_id, roles}. Media companies
        sign up themselves."""
        return self.run(self.app.open_account, s.OpenAccountSchema, command_id, email=email,
                        password=password, name=name, roles=roles)

    @rpc
    @allow("admin")
    def reset_password(self, account_id, password, command_id=None):
        """Set a new password for an account (it is also how a locked account is let back
        in). Tell the person by another way than e-mail."""
        return self.run(self.app.reset_password, s.ResetPasswordSchema, command_id,
                        account_id=account_id, password=password)

    @rpc
    @allow("admin")
    def set_roles(self, account_id, roles, command_id=None):
        """Change a staff account's roles (effective at its next renewal, within 15 minutes)."""
        return self.run(self.app.set_roles, s.SetRolesSchema, command_id,
                        account_id=account_id, roles=roles)

    @rpc
    @allow("admin")
    def disable_account(self, account_id, reason, command_id=None):
        """Disable an account: it can no longer log in or renew its token."""
        return self.run(self.app.disable_account, s.ReasonSchema, command_id,
                        account_id=account_id, reason=reason)

    @rpc
    @allow("admin")
    def enable_account(self, account_id, reason, command_id=None):
        """Enable a disabled account again."""
        return self.run(self.app.enable_account, s.ReasonSchema, command_id,
                        account_id=account_id, reason=reason)

    @rpc
    @allow("admin", *READERS)
    def get_account(self, account_id):
        """One account: account_id, name, email, roles, partner_id, disabled, locked_until."""
        args = load(s.AccountIdSchema, {"account_id": account_id})
        return self.app.account(args["account_id"], with_email=True)

    @rpc
    @allow("admin", *READERS)
    def list_accounts(self):
        """Every account in the order they were opened (as get_account)."""
        return self.app.accounts()
