"""Who is calling, and may they: Ed25519-signed JWTs in nameko context data, roles per entrypoint.

A caller sends `authorization: Bearer <jwt>` in its context data. Two kinds of key sign tokens,
named by the header's `kid`:
- "issuer": people's tokens (and other systems'), signed where tokens are issued (`seklik token`,
  later the portal's login) with SEKLIK_TOKEN_PRIVATE_KEY, which no service holds. Every service
  verifies them with SEKLIK_TOKEN_PUBLIC_KEY. 15 minutes by default, 12 hours at most.
- a service's name ("partners", "projector", ...): the short tokens a service mints for its own
  calls (its feeds' `notifications` reads), one per call, signed with its SEKLIK_SERVICE_KEY.
  Every service holds every service's public key (SEKLIK_SERVICE_PUBLIC_KEYS). Such a token is
  accepted only with roles exactly ["system"], `sub` "<service>.<purpose>" and a lifetime of at
  most 120 seconds: a stolen service key mints nothing but short read-only tokens in that
  service's own name.
Claims: `sub`, `roles`, `iss` (the regency code: a token of another regency is refused), `aud`
("seklik"), `iat`, `exp`, and `partner_id` (a UUID) for a media company's own users. A media
token carries no other role, so the own-file rule cannot be stepped around by adding one. An
`applicant` (a media company's person who signed up in the portal and has not registered the
company yet) holds that role alone and no partner_id: it may register one company, nothing else.

The accounts service is where people's tokens are issued when they log in to the portal; the
few methods a stranger may call (sign up, log in) say so with `@public`.

Each RPC method names the roles it admits with `@allow(...)`; the decorator checks before the
method body runs, and leaves the actor on `self.auth.actor` for the application to record.

With SEKLIK_ENV=development, a key that is not set is replaced by a well-known development key
(`development_key`): derived from a public phrase, so anyone can sign with it. Outside
development a service refuses to start without its keys (`Settings.require_secrets`).
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import inspect
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                               Ed25519PublicKey)
from cryptography.hazmat.primitives.serialization import (Encoding, NoEncryption,
                                                          PrivateFormat, PublicFormat)
from nameko.extensions import DependencyProvider

from shared.config import ConfigurationError, Settings
from shared.domain import make_actor
from shared.errors import Forbidden, Unauthenticated, ValidationFailed

ROLES = ("admin", "verifier", "assessor", "finance", "media", "auditor", "system",
         "applicant", "humas")
READERS = ("auditor", "system")  # may call every query and nothing else

ISSUER = "issuer"  # the `kid` of people's tokens
AUDIENCE = "seklik"
ALGORITHM = "EdDSA"
PERSON_TTL = 15 * 60
PERSON_MAX_TTL = 12 * 3600
SERVICE_TTL = 60
SERVICE_MAX_TTL = 120


# --- keys -------------------------------------------------------------------------------------

def development_key(service: str | None = None) -> Ed25519PrivateKey:
    """The well-known development key of the issuer (or of `service`): PUBLIC by design, derived
    from a phrase written here, used only with SEKLIK_ENV=development."""
    phrase = (b"seklik development token key" if service is None
              else b"seklik development service key:" + service.encode())
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(phrase).digest())


def encode_key(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Base64 of the raw 32 bytes: one line in .env."""
    if isinstance(key, Ed25519PrivateKey):
        raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    else:
        raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def _raw(text: str, variable: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ConfigurationError(f"{variable} is not the base64 of a 32-byte Ed25519 key; "
                                 "`seklik keygen` prints one")
    return raw


def load_private_key(text: str, variable: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_raw(text, variable))


def load_public_key(text: str, variable: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_raw(text, variable))


def load_service_public_keys(text: str) -> dict[str, Ed25519PublicKey]:
    """`partners=<b64>,assessment=<b64>,...` (SEKLIK_SERVICE_PUBLIC_KEYS)."""
    keys = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigurationError("SEKLIK_SERVICE_PUBLIC_KEYS must read "
                                     f"'partners=<base64>,assessment=<base64>,...', not {item!r}")
        keys[name.strip()] = load_public_key(value, f"SEKLIK_SERVICE_PUBLIC_KEYS[{name.strip()}]")
    return keys


def issuer_key(settings: Settings) -> Ed25519PrivateKey | None:
    """The key that signs people's tokens here, or None where tokens are not issued."""
    if settings.token_private_key:
        return load_private_key(settings.token_private_key, "SEKLIK_TOKEN_PRIVATE_KEY")
    return development_key() if settings.development else None


def service_key(settings: Settings, service: str) -> Ed25519PrivateKey:
    """This process's own service key (SEKLIK_SERVICE_KEY), which signs as `service`."""
    if settings.service_key:
        return load_private_key(settings.service_key, "SEKLIK_SERVICE_KEY")
    if settings.development:
        return development_key(service)
    raise ConfigurationError(f"SEKLIK_SERVICE_KEY is not set: {service} cannot sign its own "
                             "calls (`seklik keygen` prints one key per service)")


class TokenKeys:
    """The public keys a service verifies tokens with, and the regency they must be issued for.

    `services` None (development without SEKLIK_SERVICE_PUBLIC_KEYS): each service's well-known
    development key."""

    def __init__(self, regency: str, issuer: Ed25519PublicKey,
                 services: dict[str, Ed25519PublicKey] | None):
        self.regency = regency
        self.issuer = issuer
        self.services = services

    @classmethod
    def from_settings(cls, settings: Settings) -> "TokenKeys":
        if settings.token_public_key:
            issuer = load_public_key(settings.token_public_key, "SEKLIK_TOKEN_PUBLIC_KEY")
        elif settings.development:
            issuer = development_key().public_key()
        else:
            raise ConfigurationError("SEKLIK_TOKEN_PUBLIC_KEY is not set: no token can be "
                                     "verified")
        if settings.service_public_keys:
            services = load_service_public_keys(settings.service_public_keys)
        elif settings.development:
            services = None
        else:
            raise ConfigurationError("SEKLIK_SERVICE_PUBLIC_KEYS is not set: no service's "
                                     "own call can be verified")
        return cls(settings.regency_code, issuer, services)

    @classmethod
    def development(cls, regency: str = "16.02") -> "TokenKeys":
        return cls(regency, development_key().public_key(), None)

    def key(self, kid) -> Ed25519PublicKey | None:
        if kid == ISSUER:
            return self.issuer
        if not isinstance(kid, str) or not kid:
            return None
        if self.services is None:
            return development_key(kid).public_key()
        return self.services.get(kid)


# --- minting ----------------------------------------------------------------------------------

def mint_token(key: Ed25519PrivateKey, sub: str, roles, *, regency: str,
               ttl_seconds: int = PERSON_TTL, partner_id: str | None = None,
               kid: str = ISSUER) -> str:
    """A signed token; refuses what no service would accept (ValueError saying why)."""
    roles = list(roles)
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {sorted(map(str, unknown))}; roles are "
                         f"{', '.join(ROLES)}")
    if "media" in roles:
        if set(roles) != {"media"}:
            raise ValueError("a media token carries only the media role, not "
                             f"{sorted(set(roles) - {'media'})}: mint another token for those")
        if not _is_uuid(partner_id):
            raise ValueError("a media token needs partner_id, the UUID of the company's file")
    if "applicant" in roles and (set(roles) != {"applicant"} or partner_id is not None):
        raise ValueError("an applicant token carries only the applicant role and no partner_id")
    if partner_id is not None and not _is_uuid(partner_id):
        raise ValueError(f"partner_id must be a partner's UUID, not {partner_id!r}")
    if kid == ISSUER:
        if ttl_seconds > PERSON_MAX_TTL:
            raise ValueError(f"a token lives at most {PERSON_MAX_TTL} seconds (12 hours), "
                             f"not {ttl_seconds}")
    else:
        if roles != ["system"] or not sub.startswith(f"{kid}."):
            raise ValueError(f"a service key signs only roles ['system'] as '{kid}.<purpose>'")
        if ttl_seconds > SERVICE_MAX_TTL:
            raise ValueError(f"a service token lives at most {SERVICE_MAX_TTL} seconds")
    now = dt.datetime.now(dt.timezone.utc)
    claims = {"sub": sub, "roles": roles, "iss": regency, "aud": AUDIENCE, "iat": now,
              "exp": now + dt.timedelta(seconds=ttl_seconds)}
    if partner_id is not None:
        claims["partner_id"] = str(partner_id)
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})


def service_token(settings: Settings, service: str, purpose: str = "feed") -> str:
    """A token for one call `service` makes by itself: system, 60 seconds, its own key."""
    return mint_token(service_key(settings, service), f"{service}.{purpose}", ["system"],
                      regency=settings.regency_code, ttl_seconds=SERVICE_TTL, kid=service)


def bearer(token: str) -> dict:
    """Context data that carries `token` (for ClusterRpcProxy(context_data=...))."""
    return {"authorization": f"Bearer {token}"}


class FreshBearer(dict):
    """Context data for a long-lived standalone proxy: each call carries a token minted for it.

    nameko copies the proxy's context data for every call it sends
    (`WorkerContext.context_data` calls `data.copy()`), so minting in `copy` gives every call
    its own short token, however long the proxy lives."""

    def __init__(self, mint):
        super().__init__()
        self._mint = mint

    def copy(self) -> dict:
        return {**self, **bearer(self._mint())}


# --- checking ---------------------------------------------------------------------------------

def _is_uuid(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _invalid(message: str) -> Unauthenticated:
    return Unauthenticated(f"the token is not valid: {message}", code="token_invalid")


class Caller:
    def __init__(self, authorization, keys: TokenKeys):
        self._authorization = authorization
        self._keys = keys
        self.claims: dict | None = None
        self.actor: dict | None = None

    def authorize(self, roles) -> dict:
        claims = self._claims()
        held = set(claims["roles"])
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
        if "media" in roles:
            return self.actor.get("partner_id") == str(partner_id)
        return bool(roles & set(NEEDS_PERSONAL_DATA))

    def own_partner(self) -> str | None:
        """The company a media company's user acts for (its token's partner_id); None for
        every other caller, who reads across companies."""
        return self.actor.get("partner_id") if "media" in self.actor["roles"] else None

    def check_own(self, partner_id) -> None:
        """A media company's user acts only on its own file (the token's partner_id), whatever
        else its token might claim."""
        if "media" in self.actor["roles"] and self.actor.get("partner_id") != str(partner_id):
            raise Forbidden("a media company may act only on its own file",
                            code="not_own_file", details={"partner_id": str(partner_id)})

    def _claims(self) -> dict:
        if self._authorization is None or self._authorization == "":
            raise Unauthenticated("no token: send 'authorization: Bearer <jwt>' in context data",
                                  code="no_token")
        if not isinstance(self._authorization, str):
            raise _invalid(f"authorization must be the string 'Bearer <jwt>', not "
                           f"{type(self._authorization).__name__}")
        scheme, _, token = self._authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _invalid("authorization must be 'Bearer <jwt>'")
        token = token.strip()
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as exc:
            raise _invalid(str(exc))
        key = self._keys.key(kid)
        if key is None:
            raise _invalid(f"it names key {kid!r}, which this regency does not know; "
                           f"a token names '{ISSUER}' or a service")
        try:
            claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=AUDIENCE,
                                issuer=self._keys.regency,
                                options={"require": ["sub", "iss", "aud", "exp", "iat"]})
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired; ask for a new one", code="token_expired")
        except jwt.InvalidAudienceError:
            raise _invalid(f"it is meant for another audience; SEKLIK accepts only "
                           f"aud '{AUDIENCE}'")
        except jwt.InvalidIssuerError:
            raise _invalid(f"it was issued for another regency; this is regency "
                           f"{self._keys.regency}")
        except jwt.InvalidTokenError as exc:
            raise _invalid(str(exc))
        self._check_shape(claims, kid)
        return claims

    @staticmethod
    def _check_shape(claims: dict, kid: str) -> None:
        """Claims a signature cannot vouch for the meaning of: their types and combinations."""
        sub, roles = claims["sub"], claims.get("roles")
        if not isinstance(sub, str) or not sub:
            raise _invalid("sub must be a non-empty string")
        if not isinstance(roles, list) or not all(isinstance(r, str) and r in ROLES
                                                  for r in roles):
            raise _invalid(f"roles must be a list of role names ({', '.join(ROLES)})")
        partner_id = claims.get("partner_id")
        if partner_id is not None and not _is_uuid(partner_id):
            raise _invalid("partner_id must be a partner's UUID")
        if "media" in roles:
            if set(roles) != {"media"}:
                raise _invalid("a media token carries only the media role")
            if partner_id is None:
                raise _invalid("a media token must carry partner_id")
        if "applicant" in roles and (set(roles) != {"applicant"} or partner_id is not None):
            raise _invalid("an applicant token carries only the applicant role, no partner_id")
        if kid != ISSUER:
            if roles != ["system"] or not sub.startswith(f"{kid}."):
                raise _invalid(f"a token signed by service {kid!r} may only carry roles "
                               f"['system'] and sub '{kid}.<purpose>'")
            # PyJWT has checked both are numbers (ints or numeric strings).
            if int(claims["exp"]) - int(claims["iat"]) > SERVICE_MAX_TTL:
                raise _invalid(f"a service's token lives at most {SERVICE_MAX_TTL} seconds")


class Auth(DependencyProvider):
    """Gives each worker a `Caller` built from its context data.

    setup() is where a service outside development refuses to start without its keys, its
    cipher and its regency code (the exception names the variables; `nameko run` exits)."""

    def setup(self):
        settings = Settings.from_env()
        settings.require_secrets()
        self.keys = TokenKeys.from_settings(settings)
        service = self.container.service_name
        own = encode_key(service_key(settings, service).public_key())
        listed = (self.keys.services or {}).get(service)
        # A key pair that does not match would make every call this service signs refused.
        if self.keys.services is not None and (listed is None or encode_key(listed) != own):
            raise ConfigurationError(
                f"SEKLIK_SERVICE_PUBLIC_KEYS has no key for {service} matching its "
                f"SEKLIK_SERVICE_KEY: give it `{service}=<the public key>`, as `seklik keygen` "
                "prints")

    def get_dependency(self, worker_ctx):
        return Caller(worker_ctx.context_data.get("authorization"), self.keys)


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
            check_arguments(method, signature, self, args, kwargs)
            return method(self, *args, **kwargs)

        guarded.allowed_roles = tuple(roles)
        return guarded

    return decorate


def check_arguments(method, signature, self, args, kwargs) -> None:
    """A call with missing or unknown arguments is a typed error naming what the method takes,
    not a TypeError from deep inside."""
    try:
        signature.bind(self, *args, **kwargs)
    except TypeError as exc:
        takes = ", ".join(list(signature.parameters)[1:])
        raise ValidationFailed(f"{method.__name__}: {exc}; it takes ({takes})",
                               code="bad_arguments", details={"takes": takes})


def public(method):
    """Admit anyone, with or without a token (signing up, logging in): the method checks what
    it needs itself. Arguments are still bound, so a wrong call is a typed error."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def open_to_all(self, *args, **kwargs):
        check_arguments(method, signature, self, args, kwargs)
        return method(self, *args, **kwargs)

    open_to_all.allowed_roles = ()
    open_to_all.public = True
    return open_to_all
