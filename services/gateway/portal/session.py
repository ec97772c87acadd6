"""Who is at the browser: the session cookie, the CSRF token of every form, the language.

The gateway keeps no state, so a session is the person's token itself, in a cookie the page's
scripts cannot read (`HttpOnly`), that no other site's page sends (`SameSite=Strict`) and that
travels only over TLS outside development (`Secure`). The token is the accounts service's
(15 minutes); while the person is active it is renewed when less than RENEW_WITHIN is left, so
a disabled account or a changed role takes effect within one renewal. The gateway reads the
token's claims only to choose what to show; every call it makes carries the token, and the
called service verifies it and its roles, as it does for any other caller.

CSRF: a random value in its own HttpOnly, SameSite=Strict cookie, and in every form its HMAC
under a key derived from CIPHER_KEY (a signed double submit): a page of another site can
neither read the cookie nor compute the form's token.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import jwt

from services.gateway.portal.text import DEFAULT_LANGUAGE, LANGUAGES

SESSION_COOKIE = "seklik_sesi"
CSRF_COOKIE = "seklik_csrf"
LANGUAGE_COOKIE = "seklik_bahasa"
COOKIE_PATH = "/portal"
RENEW_WITHIN = 10 * 60  # seconds of a token's life left when a page renews it


class Session:
    """One request's view of the browser: its token and claims, CSRF, language."""

    def __init__(self, request, csrf_key: bytes, secure: bool):
        self.request = request
        self.secure = secure
        self._csrf_key = csrf_key
        self.token = request.cookies.get(SESSION_COOKIE) or None
        self.claims = claims_of(self.token)
        self.csrf_seed = request.cookies.get(CSRF_COOKIE) or None
        self._new_seed = None
        if not self.csrf_seed:
            self._new_seed = self.csrf_seed = secrets.token_urlsafe(32)
        lang = request.cookies.get(LANGUAGE_COOKIE)
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self._set: dict[str, str | None] = {}

    # Who ----------------------------------------------------------------------------------

    @property
    def authorization(self) -> str | None:
        return f"Bearer {self.token}" if self.token and self.claims else None

    @property
    def roles(self) -> set[str]:
        return set(self.claims.get("roles", [])) if self.claims else set()

    @property
    def partner_id(self) -> str | None:
        return self.claims.get("partner_id") if self.claims else None

    @property
    def expired(self) -> bool:
        return bool(self.token) and self.claims is None

    def due_for_renewal(self) -> bool:
        return bool(self.claims) and self.claims["exp"] - time.time() < RENEW_WITHIN

    def begin(self, token: str) -> None:
        self.token, self.claims = token, claims_of(token)
        self._set[SESSION_COOKIE] = token

    def end(self) -> None:
        self.token, self.claims = None, None
        self._set[SESSION_COOKIE] = None

    # CSRF ---------------------------------------------------------------------------------

    @property
    def csrf_token(self) -> str:
        mac = hmac.new(self._csrf_key, self.csrf_seed.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def csrf_ok(self, form) -> bool:
        """The form carries the token of this browser's cookie (a new cookie: nothing can)."""
        sent = form.get("csrf_token", "")
        return self._new_seed is None and hmac.compare_digest(sent, self.csrf_token)

    # Language -----------------------------------------------------------------------------

    def choose_language(self, lang: str) -> None:
        if lang in LANGUAGES:
            self.lang = lang
            self._set[LANGUAGE_COOKIE] = lang

    # Cookies on the way out -----------------------------------------------------------------

    def write(self, response):
        common = {"path": COOKIE_PATH, "httponly": True, "samesite": "Strict",
                  "secure": self.secure}
        if self._new_seed:
            response.set_cookie(CSRF_COOKIE, self._new_seed, **common)
        for name, value in self._set.items():
            if value is None:
                response.delete_cookie(name, **common)
            else:
                response.set_cookie(name, value, max_age=365 * 86400
                                    if name == LANGUAGE_COOKIE else None, **common)
        return response


def claims_of(token: str | None) -> dict | None:
    """The claims of a token still in its lifetime, unverified (the services verify it on
    every call; here they only choose what to show), or None."""
    if not token:
        return None
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return None
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or exp <= time.time():
        return None
    if not isinstance(claims.get("roles"), list):
        return None
    return claims


def csrf_key(digest_key: bytes) -> bytes:
    return hmac.new(digest_key, b"seklik portal csrf v1", hashlib.sha256).digest()
