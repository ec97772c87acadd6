"""Tokens: who is calling and with which roles."""
import pytest

from shared.auth import Caller, mint_token
from shared.errors import Forbidden, Unauthenticated
from tests.support import SECRET


def caller(token):
    return Caller(f"Bearer {token}" if token else None, SECRET)


def test_a_finance_officer_is_admitted_where_finance_may_act():
    actor = caller(mint_token(SECRET, "ppk.siti", ["finance"])).authorize(("finance",))
    assert actor == {"sub": "ppk.siti", "roles": ["finance"]}


def test_no_token_is_unauthenticated():
    with pytest.raises(Unauthenticated):
        caller(None).authorize(("admin",))


def test_a_token_signed_with_another_secret_is_unauthenticated():
    with pytest.raises(Unauthenticated) as refused:
        caller(mint_token("another-secret-of-at-least-32-bytes!", "x", ["admin"])).authorize(
            ("admin",))
    assert refused.value.code == "token_invalid"


def test_an_expired_token_is_unauthenticated():
    with pytest.raises(Unauthenticated) as refused:
        caller(mint_token(SECRET, "x", ["admin"], ttl_seconds=-10)).authorize(("admin",))
    assert refused.value.code == "token_expired"


def test_a_media_company_may_not_do_what_only_admin_may():
    with pytest.raises(Forbidden) as refused:
        caller(mint_token(SECRET, "redaksi", ["media"])).authorize(("admin",))
    assert refused.value.details == {"held": ["media"], "allowed": ["admin"]}


def test_an_unknown_role_cannot_be_minted():
    with pytest.raises(ValueError):
        mint_token(SECRET, "x", ["superuser"])
