"""Who is calling, and may they: HS256 JWTs in nameko context data, roles per entrypoint.

A caller sends `authorization: Bearer <jwt>` in its context data (claims `sub`, `roles`, `exp`,
and `partner_id` for a media company's own users). Each RPC method names the roles it admits
with `@allow(...)`; the decorator checks before the method body runs, and leaves the actor on
`self.auth.actor` for the application to record on every event.
"""
from __future__ import annotations

import datetime as dt
import functools
import inspect

import jwt
from nameko.extensions import DependencyProvider

from shared.config import Settings
from shared.domain import make_actor
from shared.errors import Forbidden, Unauthenticated, ValidationFailed

ROLES = ("admin", "verifier", "assessor", "finance", "media", "auditor", "system")
READERS = ("auditor", "system")  # may call every query and nothing else


def mint_token(secret: str, sub: str, roles, ttl_seconds: int = 8 * 3600,
               partner_id: str | None = None) -> str:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s) {sorted(unknown)}; roles are {', '.join(ROLES)}")
    now = dt.datetime.now(dt.timezone.utc)
    claims = {"sub": sub, "roles": list(roles), "iat": now, "exp": now + dt.timedelta(
        seconds=ttl_seconds)}
    if partner_id:
        claims["partner_id"] = partner_id
    return jwt.encode(claims, secret, algorithm="HS256")


def bearer(token: str) -> dict:
    """Context data that carries `token` (for ClusterRpcProxy(context_data=...))."""
    return {"authorization": f"Bearer {token}"}


class Caller:
    def __init__(self, authorization: str | None, secret: str):
        self._authorization = authorization
        self._secret = secret
        self.claims: dict | None = None
        self.actor: dict | None = None

    def authorize(self, roles) -> dict:
        claims = self._claims()
        held = set(claims.get("roles") or [])
        if not held & set(roles):
            raise Forbidden(f"role(s) {', '.join(sorted(held)) or 'none'} may not do this; "
                            f"it needs one of {', '.join(roles)}",
                            details={"held": sorted(held), "allowed": list(roles)})
        self.claims = claims
        self.actor = make_actor(claims["sub"], held)
        if claims.get("partner_id"):
            self.actor["partner_id"] = claims["partner_id"]
        return self.actor

    def has(self, role: str) -> bool:
        return role in (self.claims or {}).get("roles", [])

    def may_see_personal_data(self, partner_id=None) -> bool:
        """Roles that need NPWP, NIK and account numbers, and a company for its own file."""
        from shared.personal import NEEDS_PERSONAL_DATA

        roles = set(self.actor["roles"])
        own = "media" in roles and self.actor.get("partner_id") == str(partner_id)
        return bool(roles & set(NEEDS_PERSONAL_DATA)) or own

    def check_own(self, partner_id) -> None:
        """A media company's user acts only on its own file (the token's partner_id)."""
        if set(self.actor["roles"]) <= {"media"} and self.actor.get("partner_id") != str(
                partner_id):
            raise Forbidden("a media company may act only on its own file",
                            code="not_own_file", details={"partner_id": str(partner_id)})

    def _claims(self) -> dict:
        if not self._authorization:
            raise Unauthenticated("no token: send 'authorization: Bearer <jwt>' in context data")
        scheme, _, token = self._authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("authorization must be 'Bearer <jwt>'")
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"],
                                options={"require": ["sub", "exp"]})
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired; ask for a new one", code="token_expired")
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(f"the token is not valid: {exc}", code="token_invalid")
        if not isinstance(claims.get("roles"), list):
            raise Unauthenticated("the token carries no roles list", code="token_invalid")
        return claims


class Auth(DependencyProvider):
    """Gives each worker a `Caller` built from its context data."""

    def setup(self):
        self.secret = Settings.from_env().auth_secret

    def get_dependency(self, worker_ctx):
        return Caller(worker_ctx.context_data.get("authorization"), self.secret)


def allow(*roles: str):
    """Admit only callers holding one of `roles`; the list stays readable on the method."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s) {sorted(unknown)}")

    def decorate(method):
        signature = inspect.signature(method)

        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            self.auth.authorize(roles)
            try:
                signature.bind(self, *args, **kwargs)
            except TypeError as exc:
                takes = ", ".join(list(signature.parameters)[1:])
                raise ValidationFailed(f"{method.__name__}: {exc}; it takes ({takes})",
                                       code="bad_arguments", details={"takes": takes})
            return method(self, *args, **kwargs)

        guarded.allowed_roles = tuple(roles)
        return guarded

    return decorate
