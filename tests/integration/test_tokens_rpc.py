"""Tokens against services running as processes, as another system on the broker would try them.

A malformed authorization is answered (Unauthenticated), never a crash; a production deployment
verifies with its own keys only, so the well-known development key opens nothing; and the feeds'
own calls, signed per call with each service's key, are accepted.
"""
import time
from contextlib import contextmanager

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nameko.standalone.rpc import ClusterRpcProxy

from seklik.cluster import wait_answering
from shared.auth import bearer, encode_key, mint_token
from shared.errors import Unauthenticated
from tests.support import company, token

pytestmark = pytest.mark.integration


@contextmanager
def proxy(cluster, context_data: dict, timeout: float = 10):
    with ClusterRpcProxy({"AMQP_URI": cluster.amqp_uri}, timeout=timeout,
                         context_data=context_data) as rpc:
        yield rpc


def test_a_malformed_authorization_is_answered_as_unauthenticated_by_a_running_service(
        cluster):
    cluster.start("partners")
    for authorization in (123, ["Bearer x"], {"roles": ["admin"]}):
        with proxy(cluster, {"authorization": authorization}) as rpc, \
                pytest.raises(Unauthenticated) as refused:
            rpc.partners.list_partners()
        assert refused.value.code == "token_invalid", authorization
    # The service is still there and answers the next honest caller.
    with cluster.rpc("admin") as rpc:
        assert rpc.partners.list_partners() == []


def test_a_token_of_another_regency_is_refused_by_a_running_service(cluster):
    cluster.start("partners")
    from tests.support import ISSUER_KEY

    other = mint_token(ISSUER_KEY, "kominfo.banyuasin", ["admin"], regency="16.07")
    with proxy(cluster, bearer(other)) as rpc, pytest.raises(Unauthenticated) as refused:
        rpc.partners.list_partners()
    assert "regency 16.02" in refused.value.message


def test_in_production_only_the_regencys_own_keys_open_it_and_feeds_sign_their_own_calls(
        cluster):
    from eventsourcing.cryptography import AESCipher

    issuer = Ed25519PrivateKey.generate()
    services = {name: Ed25519PrivateKey.generate() for name in ("partners", "projector")}
    shared = {"SEKLIK_ENV": "production", "SEKLIK_REGENCY_CODE": "16.02",
              "CIPHER_KEY": AESCipher.create_key(32),
              "SEKLIK_TOKEN_PUBLIC_KEY": encode_key(issuer.public_key()),
              "SEKLIK_SERVICE_PUBLIC_KEYS": ",".join(
                  f"{name}={encode_key(key.public_key())}" for name, key in services.items())}

    def admin(timeout=10):
        return proxy(cluster, bearer(mint_token(issuer, "kominfo.ani", ["admin"],
                                                regency="16.02")), timeout)

    def start(name):
        process = cluster.start(name, wait=False, **shared,
                                SEKLIK_SERVICE_KEY=encode_key(services[name]))
        wait_answering(lambda timeout: admin(timeout), name, process.proc, process.log_path)

    start("partners")
    with admin() as rpc:
        partner_id = rpc.partners.register_partner(company(1))["partner_id"]
    with proxy(cluster, bearer(token("admin"))) as rpc, pytest.raises(Unauthenticated):
        rpc.partners.list_partners()  # the development issuer is nobody here

    # Started after the events were published, the projector can only have them by reading
    # partners' notifications: with tokens its feed signs, per call, with its own key.
    start("projector")
    deadline = time.monotonic() + 30
    with admin() as rpc:
        while time.monotonic() < deadline:
            status = {row["source"]: row for row in rpc.projector.feed_status()}
            if status["partners"]["last_applied"] >= 2:
                break
            time.sleep(0.3)
        assert status["partners"]["last_applied"] >= 2, status
        assert rpc.partners.get_partner(partner_id)["partner_id"] == partner_id
