import uuid

import pytest

from tests.integration.cluster import Cluster, Tap
from tests.support import AMQP_URI


@pytest.fixture
def cluster(rabbit, postgres, tmp_path, request):
    """Services as processes on RabbitMQ and a fresh set of PostgreSQL schemas."""
    prefix = f"it_{uuid.uuid4().hex[:8]}_"
    env = {**postgres, "POSTGRES_SCHEMA_PREFIX": prefix, "AMQP_URI": AMQP_URI,
           "SEKLIK_DATA_DIR": str(tmp_path / "data"),
           "SEKLIK_CATCHUP_INTERVAL": "1", "SEKLIK_RELAY_INTERVAL": "0.2"}
    cluster = Cluster(env, tmp_path)
    yield cluster
    cluster.stop()
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        for proc in cluster.processes:
            print(f"--- {proc.service} log ---\n{proc.log()}")


@pytest.fixture
def partners_tap(rabbit):
    tap = Tap(rabbit, "partners", f"test-tap-{uuid.uuid4().hex[:8]}")
    yield tap
    tap.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
