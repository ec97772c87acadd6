"""The soak in three minutes (`python -m bench.soak` runs it for thirty): the money stream at a
steady rate from 8 callers while services are SIGKILLed and RabbitMQ restarts, and at the end
the books reconcile, the views equal a rebuild, every relay and consumer has caught up, the
audit verifies and no service process grew more than 20% in memory after its warm-up."""
import uuid

import pytest

from bench.soak import BROKER, GROWTH, SERVICES, soak, start_services
from tests.integration.cluster import Tap

pytestmark = pytest.mark.integration
MINUTES, KILLS = 3, 2  # with the set-up and the audit, about four minutes


@pytest.fixture
def contracts_tap(rabbit):
    tap = Tap(rabbit, "contracts", f"test-tap-{uuid.uuid4().hex[:8]}")
    yield tap
    tap.close()


def test_a_busy_month_compressed_survives_kills_and_a_broker_restart(cluster, contracts_tap):
    start_services(cluster)
    figures = soak(cluster, contracts_tap, MINUTES, callers=8, kills=KILLS)
    print(figures.table())
    assert figures.faults[BROKER] == 1 and sum(figures.faults.values()) == KILLS + 1
    assert not figures.reckoning.mismatches, figures.reckoning.line
    ledger = figures.ledger
    assert ledger.before_fault > 0 and ledger.after_fault > 0, "the broker restarted mid-stream"
    assert not ledger.abandoned, ledger.abandoned
    assert figures.verify.returncode == 0, figures.verify.stdout + figures.verify.stderr
    assert figures.compare["returncode"] == 0 and figures.compare["differences"] == [], (
        figures.compare)
    assert set(figures.lag.values()) == {0}, figures.lag
    assert set(figures.memory) == set(SERVICES)
    assert all(g is not None and g <= GROWTH for g in figures.growth().values()), (
        figures.table())
    assert not figures.failures(), "\n".join(figures.failures())  # as `bench.soak` judges
