"""Nothing acknowledged is lost, nothing is applied twice, whatever fails mid-stream.

Each test drives a steady stream of registrations through RPC (four callers, retrying with
their command_id), injects one fault, lets the system recover, and checks the books
(tests/faults/harness.py). Bounded: the stream runs until 2 s after the fault, a recovery at
most 90 s.
"""
import time

import eventlet
import eventlet.event
import pytest

from tests.faults.harness import (Books, bounce_postgres, bounce_rabbitmq, check,
                                  duplicate_and_drop, killed_and_restarted, settle, stream)

pytestmark = pytest.mark.integration
AFTER_FAULT = 2.0  # seconds the stream goes on once the fault is over


def start(cluster):
    for service in ("partners", "projector", "reporting"):
        cluster.start(service)
    return {p.service: p for p in cluster.processes}


def run(cluster, tap, fault: str, inject, after: float = 0.7):
    books = Books(fault)
    stop = eventlet.event.Event()
    workers = stream(cluster, books, stop)
    eventlet.sleep(after)
    books.before_fault = len(books.acknowledged)
    inject()
    fault_ended, at_end = time.monotonic(), len(books.acknowledged)
    eventlet.sleep(AFTER_FAULT)
    stop.send()
    for worker in workers:
        worker.wait()
    books.after_fault = len(books.acknowledged) - at_end
    line = settle(cluster, books, fault_ended, tap)
    check(cluster, books, line)
    return books


def test_a_service_killed_mid_stream_and_restarted(cluster, partners_tap):
    processes = start(cluster)
    run(cluster, partners_tap, "partners SIGKILL",
        killed_and_restarted(cluster, processes["partners"]))


def test_the_projector_killed_and_restarted(cluster, partners_tap):
    processes = start(cluster)
    run(cluster, partners_tap, "projector SIGKILL",
        killed_and_restarted(cluster, processes["projector"], pause=1.0))


def test_rabbitmq_stopped_and_restarted(cluster, partners_tap):
    start(cluster)
    cluster.supervise()  # a process that exits is restarted, as compose's restart policy does
    run(cluster, partners_tap, "RabbitMQ restart", lambda: bounce_rabbitmq(cluster.amqp_uri))


def test_postgresql_restarted(cluster, partners_tap):
    start(cluster)
    cluster.supervise()
    run(cluster, partners_tap, "PostgreSQL restart", bounce_postgres)


def test_a_message_delivered_twice_and_messages_dropped(cluster, partners_tap):
    start(cluster)
    books = run(cluster, partners_tap, "duplicate + drop",
                lambda: duplicate_and_drop(cluster, partners_tap, "partners"), after=1.5)
    assert books.counts["republished"] >= 1  # the duplicates did go out
