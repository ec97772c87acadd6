"""SEKLIK_QUEUE_TYPE=quorum: the feed queues are quorum queues (as on a RabbitMQ cluster), the
RPC queues stay classic, and an event still travels relay -> quorum queue -> projector -> view.

RabbitMQ runs quorum queues on a single node too (a group of one member), so the local broker
shows what a 3-node cluster would declare. A vhost of the test's own: a queue's type is fixed
when it is first declared, and the session's vhost holds the feed queues as classic.
"""
import shutil
import subprocess
import uuid
from urllib.parse import urlparse, urlunparse

import pytest

from seklik.cluster import durable_queues
from tests.integration.cluster import Cluster
from tests.integration.scenarios import eventually
from tests.support import company

pytestmark = pytest.mark.integration


def rabbitmqctl(*args: str) -> str:
    if shutil.which("rabbitmqctl") is None:
        pytest.fail("rabbitmqctl is needed to give this test a vhost of its own and to list "
                    "its queues' types", pytrace=False)
    return subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True,
                          check=True, timeout=120).stdout


@pytest.fixture
def quorum_vhost(rabbit):
    """The session's broker URI on a new vhost, made without a default queue type (as `/` is):
    only what the code declares decides a queue's type."""
    vhost = f"seklik-quorum-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield vhost, urlunparse(urlparse(rabbit)._replace(path=f"/{vhost}"))
    finally:
        rabbitmqctl("delete_vhost", vhost)


def queue_types(vhost: str) -> dict[str, str]:
    listed = rabbitmqctl("list_queues", "-p", vhost, "--no-table-headers", "name", "type")
    return dict(line.split("\t") for line in listed.splitlines() if line.strip())


def test_feed_queues_are_quorum_queues_and_a_registration_reaches_the_view(
        quorum_vhost, postgres, tmp_path):
    vhost, uri = quorum_vhost
    # Catch-up only at start: what reaches the view afterwards came through the feed queue.
    cluster = Cluster({**postgres, "POSTGRES_SCHEMA_PREFIX": f"it_{uuid.uuid4().hex[:8]}_",
                       "AMQP_URI": uri, "SEKLIK_DATA_DIR": str(tmp_path / "data"),
                       "SEKLIK_QUEUE_TYPE": "quorum", "SEKLIK_CATCHUP_INTERVAL": "600",
                       "SEKLIK_RELAY_INTERVAL": "0.2"}, tmp_path)
    try:
        for service in ("partners", "projector", "reporting"):
            cluster.start(service)
        with cluster.rpc("admin") as admin:
            partner_id = admin.partners.register_partner(company(1))["partner_id"]
            assert eventually(lambda: [row for row in admin.reporting.partner_registry()
                                       if row["partner_id"] == partner_id])
            partners_feed = admin.projector.feed_status()[0]
        assert partners_feed["source"] == "partners" and partners_feed["applied"] >= 1

        types = queue_types(vhost)
        feeds = {name for name in durable_queues() if "--projector." in name}
        assert len(feeds) == 3  # partners, assessment, contracts -> projector
        assert {name: types.get(name) for name in feeds} == dict.fromkeys(feeds, "quorum")
        assert {name for name in types if name.startswith("seklik.")} == feeds
        # RPC requests and replies may carry personal numbers in clear: they stay classic and
        # transient, off the disk a quorum queue writes every message to (shared/transport.py).
        rpc = {name: kind for name, kind in types.items() if name.startswith("rpc")}
        assert {"rpc-partners", "rpc-projector", "rpc-reporting"} <= set(rpc)
        assert set(rpc.values()) == {"classic"}
    finally:
        cluster.stop()
