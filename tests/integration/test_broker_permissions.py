"""Least privilege on a real RabbitMQ: the definitions docker-compose loads, imported into a
vhost of this test's own; each service runs as its own user and can do its work, and no more."""
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
