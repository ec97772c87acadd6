"""Tokens: who is calling, with which roles, for which regency; and what no token can do.

People's tokens are signed by the issuer's Ed25519 key, which no service holds; every service
verifies with the public key. A service signs only its own short `system` tokens. These tests
are the attacks of issue 11 (findings 2, 3, 4, 8) as an insider would try them.
"""
import datetime as dt
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.auth import (FreshBearer, TokenKeys, development_key, encode_key, issuer_key,
                         mint_token, service_token)
from shared.auth import Caller
from shared.config import REQUIRED_OUTSIDE_DEVELOPMENT, ConfigurationError, Settings
from shared.errors import Forbidden, Unauthenticated
from tests.support import ISSUER_KEY, KEYS, REGENCY_CODE

COMPANY_A = str(uuid.uuid4())
COMPANY_B = str(uuid.uuid4())


def caller(token, keys=KEYS):
    return Caller(f"Bearer {token}" if token else None, keys)


def person(sub, roles, **options):
    return mint_token(ISSUER_KEY, sub, roles, regency=REGENCY_CODE, **options)


def forged(claims: dict, key=ISSUER_KEY, kid="issuer", **header) -> str:
    """A token made by hand, as an attacker holding `key` would: no mint_token checks."""
    now = int(dt.datetime.now(dt.timezone.utc).timestamp())
    claims = {"sub": "x", "roles": ["admin"], "iss": REGENCY_CODE, "aud": "seklik",
              "iat": now, "exp": now + 300, **claims}
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key,
                      algorithm="EdDSA", headers={"kid": kid, **header})


def refused(authorization, roles=("admin",), keys=KEYS) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as raised:
        Caller(authorization, keys).authorize(roles)
    return raised.value


# --- the ordinary paths -------------------------------------------------------------------------

def test_a_finance_officer_is_admitted_where_finance_may_act():
    actor = caller(person("ppk.siti", ["finance"])).authorize(("finance",))
    assert actor == {"sub": "ppk.siti", "roles": ["finance"]}


def test_a_persons_token_is_an_eddsa_jwt_for_this_regency_living_15_minutes():
    token = person("ppk.siti", ["finance"])
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "typ": "JWT", "kid": "issuer"}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == "16.02" and claims["aud"] == "seklik"
    assert claims["exp"] - claims["iat"] == 15 * 60


def test_no_token_is_unauthenticated():
    assert refused(None).code == "no_token"
    assert refused("").code == "no_token"


def test_an_expired_token_is_unauthenticated():
    assert refused(f"Bearer {person('x', ['admin'], ttl_seconds=-10)}").code == "token_expired"


def test_a_media_company_may_not_do_what_only_admin_may():
    with pytest.raises(Forbidden) as raised:
        caller(person("redaksi", ["media"], partner_id=COMPANY_A)).authorize(("admin",))
    assert raised.value.details == {"held": ["media"], "allowed": ["admin"]}


def test_an_unknown_role_cannot_be_minted():
    with pytest.raises(ValueError):
        person("x", ["superuser"])


def test_a_persons_token_lives_at_most_12_hours():
    person("x", ["auditor"], ttl_seconds=12 * 3600)
    with pytest.raises(ValueError, match="12 hours"):
        person("x", ["auditor"], ttl_seconds=12 * 3600 + 1)


# --- finding 2: only the issuer signs people's tokens; regency and audience bind them ----------

def test_a_token_signed_with_another_key_is_refused():
    stranger = Ed25519PrivateKey.generate()
    error = refused(f"Bearer {mint_token(stranger, 'x', ['admin'], regency=REGENCY_CODE)}")
    assert error.code == "token_invalid"


def test_a_token_of_another_regency_is_refused_saying_which_regency_this_is():
    error = refused(f"Bearer {forged({'iss': '16.03'})}")
    assert error.code == "token_invalid" and "regency 16.02" in error.message


def test_a_token_for_another_audience_is_refused():
    error = refused(f"Bearer {forged({'aud': 'simda'})}")
    assert error.code == "token_invalid" and "aud 'seklik'" in error.message


@pytest.mark.parametrize("missing", ["iss", "aud", "exp", "iat", "sub"])
def test_a_token_without_a_required_claim_is_refused(missing):
    assert refused(f"Bearer {forged({missing: None})}").code == "token_invalid"


def test_the_old_hs256_tokens_are_refused_whatever_their_secret():
    now = dt.datetime.now(dt.timezone.utc)
    old = jwt.encode({"sub": "x", "roles": ["admin"], "iss": REGENCY_CODE, "aud": "seklik",
                      "iat": now, "exp": now + dt.timedelta(minutes=5)},
                     "seklik-dev-secret-change-me-0123456789", algorithm="HS256",
                     headers={"kid": "issuer"})
    assert refused(f"Bearer {old}").code == "token_invalid"


def test_an_unsigned_token_is_refused():
    none = jwt.encode({"sub": "x", "roles": ["admin"]}, None, algorithm="none",
                      headers={"kid": "issuer"})
    assert refused(f"Bearer {none}").code == "token_invalid"


def test_a_token_naming_an_unknown_key_is_refused():
    keys = TokenKeys(REGENCY_CODE, development_key().public_key(),
                     {"partners": development_key("partners").public_key()})
    token = forged({"sub": "contracts.feed", "roles": ["system"]},
                   key=development_key("contracts"), kid="contracts")
    error = refused(f"Bearer {token}", ("system",), keys)
    assert error.code == "token_invalid" and "'contracts'" in error.message


def test_a_service_signs_a_60_second_system_token_in_its_own_name():
    settings = Settings.from_env({"SEKLIK_ENV": "development"})
    token = service_token(settings, "contracts")
    assert jwt.get_unverified_header(token)["kid"] == "contracts"
    actor = caller(token).authorize(("system",))
    assert actor == {"sub": "contracts.feed", "roles": ["system"]}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 60


@pytest.mark.parametrize("claims", [
    {"sub": "contracts.feed", "roles": ["admin"]},               # more than system
    {"sub": "contracts.feed", "roles": ["system", "finance"]},
    {"sub": "kominfo.ani", "roles": ["system"]},                 # in someone else's name
    {"sub": "partners.feed", "roles": ["system"]},               # in another service's name
], ids=["admin", "system+finance", "a-person", "another-service"])
def test_a_stolen_service_key_mints_nothing_but_its_own_system_tokens(claims):
    token = forged(claims, key=development_key("contracts"), kid="contracts")
    assert refused(f"Bearer {token}", ("admin", "system", "finance")).code == "token_invalid"


def test_a_stolen_service_key_mints_no_long_lived_token():
    now = int(dt.datetime.now(dt.timezone.utc).timestamp())
    token = forged({"sub": "contracts.feed", "roles": ["system"], "iat": now,
                    "exp": now + 3600}, key=development_key("contracts"), kid="contracts")
    error = refused(f"Bearer {token}", ("system",))
    assert error.code == "token_invalid" and "120 seconds" in error.message


def test_mint_token_refuses_what_a_service_key_may_not_sign():
    with pytest.raises(ValueError):
        mint_token(development_key("contracts"), "contracts.feed", ["admin"],
                   regency=REGENCY_CODE, ttl_seconds=60, kid="contracts")
    with pytest.raises(ValueError):
        mint_token(development_key("contracts"), "contracts.feed", ["system"],
                   regency=REGENCY_CODE, ttl_seconds=3600, kid="contracts")


def test_a_proxy_with_fresh_bearer_sends_a_token_minted_for_each_call():
    from nameko.standalone.rpc import ClusterRpcProxy

    minted = []

    def mint():
        minted.append(person(f"call{len(minted)}", ["system"]))
        return minted[-1]

    proxy = ClusterRpcProxy({"AMQP_URI": "memory://"}, context_data=FreshBearer(mint))
    method = proxy._proxy.partners.notifications
    first = method.get_message_headers(proxy._worker_ctx)
    second = method.get_message_headers(proxy._worker_ctx)
    assert first["nameko.authorization"] == f"Bearer {minted[0]}"
    assert second["nameko.authorization"] == f"Bearer {minted[1]}"


# --- finding 3: a malformed call is Unauthenticated, never a crash ---------------------------

@pytest.mark.parametrize("authorization", [
    123, 0, 1.5, True, ["Bearer x"], {"Bearer": "x"}, b"Bearer x", "Bearer", "Basic abc",
    "Bearer not.a.jwt", "Bearer " + "a" * 50,
], ids=repr)
def test_an_authorization_that_is_not_a_bearer_string_is_refused(authorization):
    assert refused(authorization).code == "token_invalid"


@pytest.mark.parametrize("roles", [
    [{"role": "admin"}], [["admin"]], [1], "admin", {"admin": True}, ["superuser"], None, 7,
], ids=repr)
def test_a_roles_claim_that_is_not_a_list_of_role_names_is_refused(roles):
    error = refused(f"Bearer {forged({'roles': roles})}")
    assert error.code == "token_invalid"


@pytest.mark.parametrize("partner_id", [123, "PT-001", {"id": COMPANY_A}, [COMPANY_A], ""],
                         ids=repr)
def test_a_partner_id_claim_that_is_not_a_uuid_is_refused(partner_id):
    token = forged({"roles": ["media"], "partner_id": partner_id})
    error = refused(f"Bearer {token}", ("media",))
    assert error.code == "token_invalid" and "partner_id" in error.message


def signed_by_hand(header: dict, claims: dict, key=ISSUER_KEY) -> str:
    """A JWS built without PyJWT, whose encoder refuses odd headers an attacker need not."""
    import base64
    import json

    def part(value) -> bytes:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=")

    signing_input = part({"alg": "EdDSA", **header}) + b"." + part(claims)
    signature = base64.urlsafe_b64encode(key.sign(signing_input)).rstrip(b"=")
    return (signing_input + b"." + signature).decode()


@pytest.mark.parametrize("kid", [5, ["issuer"], None, {"k": 1}], ids=repr)
def test_a_key_id_that_is_not_a_name_is_refused(kid):
    now = int(dt.datetime.now(dt.timezone.utc).timestamp())
    token = signed_by_hand({"kid": kid}, {"sub": "x", "roles": ["admin"], "iss": REGENCY_CODE,
                                          "aud": "seklik", "iat": now, "exp": now + 60})
    assert refused(f"Bearer {token}").code == "token_invalid"


@pytest.mark.parametrize("claims", [["admin"], "admin", 5], ids=repr)
def test_claims_that_are_not_an_object_are_refused(claims):
    assert refused(f"Bearer {signed_by_hand({'kid': 'issuer'}, claims)}").code == "token_invalid"


# --- finding 4: a media token carries only media, and always its own file ---------------------

def test_a_media_token_with_any_other_role_cannot_be_minted():
    for other in ("system", "admin", "auditor"):
        with pytest.raises(ValueError, match="only the media role"):
            person("redaksi", ["media", other], partner_id=COMPANY_A)


def test_a_media_token_without_its_company_cannot_be_minted():
    with pytest.raises(ValueError, match="partner_id"):
        person("redaksi", ["media"])


def test_a_media_token_that_also_claims_system_is_refused_when_checked():
    token = forged({"roles": ["media", "system"], "partner_id": COMPANY_A})
    error = refused(f"Bearer {token}", ("media", "system"))
    assert error.code == "token_invalid" and "only the media role" in error.message


def test_a_media_token_without_partner_id_is_refused_when_checked():
    error = refused(f"Bearer {forged({'roles': ['media']})}", ("media",))
    assert error.code == "token_invalid" and "partner_id" in error.message


def test_the_own_file_rule_holds_whenever_media_is_among_the_roles():
    media = caller(person("redaksi", ["media"], partner_id=COMPANY_A))
    media.authorize(("media",))
    media.check_own(COMPANY_A)
    with pytest.raises(Forbidden) as raised:
        media.check_own(COMPANY_B)
    assert raised.value.code == "not_own_file"
    # Even a Caller whose actor was somehow given more roles keeps the rule.
    media.actor["roles"] = ["media", "system"]
    with pytest.raises(Forbidden):
        media.check_own(COMPANY_B)
    assert not media.may_see_personal_data(COMPANY_B)


# --- finding 8: no silent development keys outside development --------------------------------

def production_env(**overrides) -> dict:
    issuer = Ed25519PrivateKey.generate()
    own = Ed25519PrivateKey.generate()
    env = {"SEKLIK_ENV": "production", "SEKLIK_REGENCY_CODE": "16.02",
           "CIPHER_KEY": "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=",
           "SEKLIK_TOKEN_PUBLIC_KEY": encode_key(issuer.public_key()),
           "SEKLIK_SERVICE_KEY": encode_key(own),
           "SEKLIK_SERVICE_PUBLIC_KEYS": f"partners={encode_key(own.public_key())}"}
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def test_a_complete_production_environment_is_accepted():
    settings = Settings.from_env(production_env())
    settings.require_secrets()
    keys = TokenKeys.from_settings(settings)
    assert set(keys.services) == {"partners"}
    assert issuer_key(settings) is None  # a service never holds the issuer's key


@pytest.mark.parametrize("variable", REQUIRED_OUTSIDE_DEVELOPMENT)
def test_outside_development_each_missing_secret_is_named(variable):
    settings = Settings.from_env(production_env(**{variable: None}))
    with pytest.raises(ConfigurationError) as raised:
        settings.require_secrets()
    assert variable in str(raised.value)


def test_without_seklik_env_every_missing_secret_is_named_at_once():
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env({}).require_secrets()
    for variable in REQUIRED_OUTSIDE_DEVELOPMENT:
        assert variable in str(raised.value)


def test_outside_development_no_development_key_is_used():
    settings = Settings.from_env({"SEKLIK_ENV": "production"})
    assert issuer_key(settings) is None
    with pytest.raises(ConfigurationError, match="SEKLIK_TOKEN_PUBLIC_KEY"):
        TokenKeys.from_settings(settings)
    with pytest.raises(ConfigurationError, match="SEKLIK_SERVICE_KEY"):
        service_token(settings, "partners")


def test_a_key_that_is_not_32_bytes_of_base64_is_named():
    settings = Settings.from_env(production_env(SEKLIK_TOKEN_PUBLIC_KEY="not-a-key"))
    with pytest.raises(ConfigurationError, match="SEKLIK_TOKEN_PUBLIC_KEY"):
        TokenKeys.from_settings(settings)


def test_development_keys_are_the_well_known_ones():
    settings = Settings.from_env({"SEKLIK_ENV": "development"})
    settings.require_secrets()
    assert encode_key(issuer_key(settings)) == encode_key(development_key())
    assert caller(mint_token(issuer_key(settings), "x", ["admin"], regency="16.02"),
                  TokenKeys.from_settings(settings)).authorize(("admin",))
