"""Tokens at a service's door: the attacks of issue 11 (findings 3, 4, 8) against a real service.

worker_factory runs an entrypoint with the real application; the container tests run the
service in a real nameko container on RabbitMQ; the last tests start `nameko run` as docker
does and watch it refuse to start.
"""
import datetime as dt
import os
import subprocess
import sys

import jwt
import pytest
from nameko.testing.services import entrypoint_hook, worker_factory

from seklik.cluster import ROOT, service_commands
from services.partners.application import PartnersApplication
from services.partners.service import PartnersService
from shared.auth import Caller
from shared.config import REQUIRED_OUTSIDE_DEVELOPMENT
from shared.errors import Unauthenticated
from tests.support import ISSUER_KEY, KEYS, REGENCY_CODE, company, document, token


@pytest.fixture
def app(sqlite_settings):
    return PartnersApplication(sqlite_settings)


def as_token(app, token):
    return worker_factory(PartnersService, app=app, auth=Caller(f"Bearer {token}", KEYS))


def forged(claims: dict) -> str:
    """Minted by hand with the issuer's key, bypassing mint_token's refusals: what someone who
    reaches the portal's signing step, or a bug in it, could produce."""
    now = int(dt.datetime.now(dt.timezone.utc).timestamp())
    return jwt.encode({"iss": REGENCY_CODE, "aud": "seklik", "iat": now, "exp": now + 300,
                       **claims}, ISSUER_KEY, algorithm="EdDSA", headers={"kid": "issuer"})


def test_a_media_users_token_that_also_claims_system_cannot_write_into_another_companys_file(
        app):
    a = as_token(app, token("admin")).register_partner(company(1))["partner_id"]
    b = as_token(app, token("admin")).register_partner(company(2))["partner_id"]
    before = app.max_notification_id()
    mixed = forged({"sub": "redaksi.a", "roles": ["media", "system"], "partner_id": a})
    with pytest.raises(Unauthenticated) as refused:
        as_token(app, mixed).submit_document(b, document("deed"))
    assert refused.value.code == "token_invalid"
    assert "only the media role" in refused.value.message
    assert app.max_notification_id() == before
    # Its own file, with an honest media token, is still open to it.
    own = as_token(app, token("media", sub="redaksi.a", partner_id=a))
    assert own.submit_document(a, document("deed"))["review"] == "pending"


@pytest.mark.parametrize("authorization", [123, ["Bearer x"], {"token": "x"}, 1.5, False],
                         ids=repr)
def test_an_authorization_of_the_wrong_type_is_unauthenticated_through_the_service(
        app, authorization):
    service = worker_factory(PartnersService, app=app, auth=Caller(authorization, KEYS))
    with pytest.raises(Unauthenticated) as refused:
        service.list_partners()
    assert refused.value.code == "token_invalid"



@pytest.mark.parametrize("authorization,code", [
    (123, "token_invalid"), (["Bearer x"], "token_invalid"), ({"a": 1}, "token_invalid"),
    (None, "no_token"),
], ids=repr)
def test_a_running_container_answers_a_malformed_authorization_as_unauthenticated(
        container, authorization, code):
    with entrypoint_hook(container, "list_partners",
                         context_data={"authorization": authorization}) as listing:
        with pytest.raises(Unauthenticated) as refused:
            listing()
    assert refused.value.code == code


@pytest.mark.parametrize("roles", [[{"role": "admin"}], [1], ["superuser"]], ids=repr)
def test_a_running_container_answers_a_malformed_roles_claim_as_unauthenticated(
        container, roles):
    context = {"authorization": f"Bearer {forged({'sub': 'x', 'roles': roles})}"}
    with entrypoint_hook(container, "list_partners", context_data=context) as listing:
        with pytest.raises(Unauthenticated) as refused:
            listing()
    assert refused.value.code == "token_invalid"


# --- finding 8: a service outside development refuses to start without its secrets -----------

def nameko_run(service: str, env: dict, tmp_path) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items()
               if k not in (*REQUIRED_OUTSIDE_DEVELOPMENT, "SEKLIK_ENV", "SEKLIK_TOKEN_PRIVATE_KEY")
               and not k.startswith("POSTGRES_")}
    environ.update(SEKLIK_DATA_DIR=str(tmp_path / "data"), PYTHONWARNINGS="ignore", **env)
    return subprocess.run([sys.executable, "-m", *service_commands()[service]], cwd=ROOT,
                          env=environ, capture_output=True, text=True, timeout=120)


def test_a_service_without_seklik_env_refuses_to_start_and_names_every_missing_variable(
        rabbit, tmp_path):
    done = nameko_run("partners", {"AMQP_URI": rabbit}, tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-3000:]
    assert "ConfigurationError" in output
    for variable in REQUIRED_OUTSIDE_DEVELOPMENT:
        assert variable in output, output[-3000:]


def test_a_service_with_every_secret_but_the_cipher_key_refuses_to_start(rabbit, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from shared.auth import encode_key

    own = Ed25519PrivateKey.generate()
    done = nameko_run("partners", {
        "AMQP_URI": rabbit, "SEKLIK_ENV": "production", "SEKLIK_REGENCY_CODE": "16.02",
        "SEKLIK_TOKEN_PUBLIC_KEY": encode_key(Ed25519PrivateKey.generate().public_key()),
        "SEKLIK_SERVICE_KEY": encode_key(own),
        "SEKLIK_SERVICE_PUBLIC_KEYS": f"partners={encode_key(own.public_key())}"}, tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-3000:]
    assert "CIPHER_KEY is not set" in output, output[-3000:]
