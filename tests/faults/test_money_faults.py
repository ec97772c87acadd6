"""Not one rupiah lost, doubled or mismatched on the money path, whatever fails mid-stream.

Each test prepares a year through RPC (tests/faults/money.py: partners tiered, prices, two
budgets committed to the last rupiah by the contracts), drives orders, proofs, payments,
reversals and cancellations from several callers retrying with their command ids, injects one
fault, and checks the books: contracts against what the callers were answered, the reporting
views against contracts, the events stored once, published and projected, `seklik audit
verify` clean for every service. The replica race runs two `contracts` processes, kills one,
and has callers pay one order with two SP2Ds and two orders with one SP2D at once.
"""
import signal
import time
import uuid

import eventlet
import eventlet.event
import pytest

from tests.faults.harness import (audit_verify, bounce_postgres, bounce_rabbitmq,
                                  duplicate_and_drop, killed_and_restarted)
from tests.faults.money import Ledger, reconcile, set_up, stream
from tests.integration.cluster import Tap

pytestmark = pytest.mark.integration
AFTER_FAULT = 2.0  # seconds the stream goes on once the fault is over
SERVICES = ("partners", "assessment", "contracts", "projector", "reporting")


@pytest.fixture
def contracts_tap(rabbit):
    tap = Tap(rabbit, "contracts", f"test-tap-{uuid.uuid4().hex[:8]}")
    yield tap
    tap.close()


def start(cluster, contracts: int = 1):
    for service in SERVICES:
        for _ in range(contracts if service == "contracts" else 1):
            cluster.start(service)
    return {p.service: p for p in cluster.processes}


def run(cluster, tap, fault: str, inject, after: float = 1.0, racing: bool = False):
    year = set_up(cluster)
    ledger, stop = Ledger(fault), eventlet.event.Event()
    drivers = stream(cluster, year, ledger, stop, racing=racing)
    eventlet.sleep(after)
    ledger.before_fault = ledger.acknowledged()
    inject()
    fault_ended, at_end = time.monotonic(), ledger.acknowledged()
    eventlet.sleep(AFTER_FAULT)
    stop.send()
    for driver in drivers:
        driver.wait()
    ledger.after_fault = ledger.acknowledged() - at_end
    reckoning = reconcile(cluster, year, ledger, tap, fault_ended)
    print(reckoning.line)
    print("\n".join(reckoning.mismatches[:40]))
    assert not reckoning.mismatches, reckoning.line
    assert ledger.before_fault > 0 and ledger.after_fault > 0, f"not mid-stream: {reckoning.line}"
    verified = audit_verify(cluster, SERVICES)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    return reckoning


def test_contracts_killed_mid_stream_and_restarted(cluster, contracts_tap):
    processes = start(cluster)
    run(cluster, contracts_tap, "contracts SIGKILL",
        killed_and_restarted(cluster, processes["contracts"]))


def test_the_projector_killed_while_money_moves(cluster, contracts_tap):
    processes = start(cluster)
    run(cluster, contracts_tap, "projector SIGKILL",
        killed_and_restarted(cluster, processes["projector"], pause=1.0))


def test_rabbitmq_restarted_while_money_moves(cluster, contracts_tap):
    start(cluster)
    cluster.supervise()  # a process that exits is restarted, as compose's restart policy does
    run(cluster, contracts_tap, "RabbitMQ restart", lambda: bounce_rabbitmq(cluster.amqp_uri))


def test_postgresql_restarted_while_money_moves(cluster, contracts_tap):
    start(cluster)
    cluster.supervise()
    run(cluster, contracts_tap, "PostgreSQL restart", bounce_postgres)


def test_payments_delivered_twice_and_dropped(cluster, contracts_tap):
    processes = start(cluster)
    dropped = []

    def duplicate_and_drop_some():
        dropped.append(duplicate_and_drop(cluster, contracts_tap, "contracts", count=200,
                                          projector=processes["projector"]))

    reckoning = run(cluster, contracts_tap, "duplicate + drop", duplicate_and_drop_some)
    print(f"dropped {dropped[0]} deliveries to the projector")
    assert reckoning.figures["republished"] >= 1  # the duplicates did go out
    assert dropped[0] >= 1  # and some deliveries never arrived


def test_two_replicas_racing_one_killed(cluster, contracts_tap):
    start(cluster, contracts=2)
    replica = next(p for p in cluster.processes if p.service == "contracts")
    reckoning = run(cluster, contracts_tap, "two contracts replicas, one SIGKILL",
                    lambda: replica.kill(signal.SIGKILL), racing=True)
    refused = reckoning.figures["refused"]
    assert refused.get("already_paid") and refused.get("sp2d_already_recorded"), reckoning.line
