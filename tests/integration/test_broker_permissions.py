"""Least privilege on a real RabbitMQ: the definitions docker-compose loads, imported into a
vhost of this test's own; each service runs as its own user and can do its work, and no more.
No user but `admin` (the operator's management account) can listen to or forge RPC traffic."""
import json
import shutil
import subprocess
import uuid

import amqp
import pytest
from kombu import Connection

from seklik.broker import definitions
from seklik.cluster import service_commands
from tests.integration.scenarios import eventually
from tests.support import company

pytestmark = pytest.mark.integration


def rabbitmqctl(*args, stdin: str | None = None):
    if shutil.which("rabbitmqctl") is None:
        pytest.fail("rabbitmqctl is needed to create this test's users and vhost")
    return subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True,
                          text=True, timeout=60, input=stdin)


@pytest.fixture
def least_privilege(cluster, tmp_path):
    tag = uuid.uuid4().hex[:6]
    vhost, prefix = f"seklik-lp-{tag}", f"lp{tag}-"
    names = [*service_commands(), "cli", "admin"]
    passwords = {n: uuid.uuid4().hex for n in names}
    rabbitmqctl("import_definitions",  # from stdin: the broker's user cannot read tmp_path
                stdin=json.dumps(definitions(passwords, vhost=vhost, prefix=prefix)))
    wait_for_user(f"{prefix}admin")  # the import completes asynchronously
    uri = {n: f"amqp://{prefix}{n}:{passwords[n]}@127.0.0.1:5672/{vhost}" for n in names}
    cluster.amqp_uri = uri["cli"]  # the test calls as another system would
    yield uri
    cluster.stop()  # before their vhost goes, or they hang reconnecting
    rabbitmqctl("delete_vhost", vhost)
    for n in names:
        rabbitmqctl("delete_user", f"{prefix}{n}")


def test_each_service_does_its_work_as_its_own_user(cluster, least_privilege):
    for service in ("partners", "assessment", "contracts", "projector", "reporting"):
        cluster.start(service, AMQP_URI=least_privilege[service])
    with cluster.rpc("admin") as admin:
        pid = admin.partners.register_partner(company(1))["partner_id"]
        # published by partners' relay, consumed by the projector, answered by reporting
        assert eventually(lambda: [r["partner_id"] for r in
                                   admin.reporting.partner_registry()] == [pid], timeout=30)
        # reporting asks the sources through a reply queue of its own (nameko's RpcProxy)
        status = {r["source"]: r for r in admin.reporting.projection_status()}
        assert status["partners"]["latest"] is not None, status
    for service in ("partners", "assessment", "contracts", "projector", "reporting"):
        # the compose health check (`seklik ping S`) calls with the service's own user
        cluster.amqp_uri = least_privilege[service]
        with cluster.rpc("system") as rpc:
            getattr(rpc, service).notifications(after=0, limit=1)
    cluster.amqp_uri = least_privilege["cli"]


def wait_for_user(user: str) -> None:
    import time

    for _ in range(50):
        if user in rabbitmqctl("list_users").stdout:
            return
        time.sleep(0.2)
    pytest.fail(f"RabbitMQ did not import the definitions ({user} missing)")


def refused(uri: str, action) -> bool:
    with Connection(uri) as conn:
        channel = conn.channel()
        try:
            action(channel)
            channel.basic_qos(0, 1, False)  # a round trip: a refused publish surfaces here
        except amqp.exceptions.AccessRefused:
            return True
    return False


def test_a_service_cannot_publish_or_read_what_is_not_its_own(cluster, least_privilege):
    cluster.start("partners", AMQP_URI=least_privilege["partners"])
    cluster.start("assessment", AMQP_URI=least_privilege["assessment"])
    partners = least_privilege["partners"]
    forged = amqp.Message(b"{}", content_type="application/json")
    assert refused(partners, lambda ch: ch.basic_publish(forged, "contracts.events",
                                                         "PaymentRecorded"))
    assert refused(partners, lambda ch: ch.basic_get("seklik.partners--assessment."
                                                     "on_partners_event"))
    assert refused(least_privilege["assessment"],
                   lambda ch: ch.basic_publish(forged, "partners.events", "PartnerRegistered"))
    assert refused(least_privilege["cli"], lambda ch: ch.basic_get("rpc-partners"))
    assert not refused(partners, lambda ch: ch.basic_publish(forged, "partners.events",
                                                             "PartnerRegistered"))


def reply_queue(user: str) -> str:
    """A reply queue name the user may declare, as nameko names them."""
    owner = "standalone_rpc_proxy" if user == "cli" else user
    return f"rpc.reply-{owner}-{uuid.uuid4()}"


def declare(uri: str, queue: str) -> None:
    with Connection(uri) as conn:
        conn.channel().queue_declare(queue, arguments={"x-expires": 120_000})


def waiting(uri: str, queue: str) -> int:
    with Connection(uri) as conn:
        return conn.channel().queue_declare(queue, passive=True).message_count


def test_no_broker_user_can_listen_to_or_forge_rpc_calls(cluster, least_privilege):
    """Every request carries its caller's bearer token: a queue bound to `nameko-rpc` with `#`
    would read admins' tokens and every answer. Each user, its own grants in hand, tries."""
    cluster.start("partners", AMQP_URI=least_privilege["partners"])
    services = list(service_commands())
    sniffers = {}
    for user, uri in least_privilege.items():
        if user == "admin":  # the operator's management account: every right, by design
            continue
        queue = sniffers[user] = reply_queue(user)
        declare(uri, queue)  # a reply queue of its own is allowed ...
        other = next(s for s in services if s != user)
        for key in ("#", "*.*", f"{other}.*", "partners.register_partner"):
            assert refused(uri, lambda ch: ch.queue_bind(queue, "nameko-rpc", key)), \
                f"{user} bound its queue to every call with {key!r}"
        # ... bound with a reply key of its own (a uuid4 nobody else's calls use) it is useless
        assert not refused(uri, lambda ch: ch.queue_bind(queue, "nameko-rpc",
                                                         str(uuid.uuid4())))
        if user in services:  # its events exchange, which its subscribers read, is no detour
            assert refused(uri, lambda ch: ch.exchange_bind(f"{user}.events", "nameko-rpc",
                                                            "#"))
    forged = amqp.Message(b'{"result": "forged", "error": null}',
                          content_type="application/json", correlation_id=str(uuid.uuid4()))
    assert refused(least_privilege["cli"],  # a caller serves no call: it publishes no reply
                   lambda ch: ch.basic_publish(forged, "nameko-rpc", str(uuid.uuid4())))
    assert refused(least_privilege["cli"],
                   lambda ch: ch.basic_publish(forged, "nameko-rpc", "#"))

    # The operator's account can listen (the proof that the calls below do pass by)
    control = reply_queue("admin")
    declare(least_privilege["admin"], control)
    with Connection(least_privilege["admin"]) as conn:
        conn.channel().queue_bind(control, "nameko-rpc", "#")
    with cluster.rpc("admin") as admin:  # a real call, from another system (as `cli`)
        assert admin.partners.register_partner(company(1))["partner_id"]
    assert eventually(lambda: waiting(least_privilege["admin"], control) >= 2, timeout=10)
    assert {user: waiting(least_privilege[user], queue) for user, queue in sniffers.items()} \
        == {user: 0 for user in sniffers}
