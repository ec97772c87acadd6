"""Nothing acknowledged is lost, nothing is applied twice, whatever fails mid-stream.

Each test drives a steady stream of registrations through RPC (four callers, retrying with
their command_id), injects one fault, lets the system recover, and checks the books
(tests/faults/harness.py). Bounded: the stream runs until 2 s after the fault, a recovery at
most 90 s.
"""
import signal
import subprocess
import time

import eventlet
import eventlet.event
import pytest
from kombu import Connection

from tests.faults.harness import Books, check, settle, stream

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

    def kill_partners():
        processes["partners"].kill(signal.SIGKILL)
        cluster.start("partners")

    run(cluster, partners_tap, "partners SIGKILL", kill_partners)


def test_the_projector_killed_and_restarted(cluster, partners_tap):
    processes = start(cluster)

    def kill_projector():
        processes["projector"].kill(signal.SIGKILL)
        eventlet.sleep(1.0)  # the stream goes on without it
        cluster.start("projector")

    run(cluster, partners_tap, "projector SIGKILL", kill_projector)


def rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=120)


def forget_idle_reply_queues():
    """Reply queues of RPC proxies closed earlier wait out their expiry; a restart would have to
    recover each (with this machine's file handle limit, thousands stall it)."""
    listing = subprocess.run(["rabbitmqctl", "-q", "list_queues", "name", "consumers"],
                             check=True, capture_output=True, text=True, timeout=60).stdout
    idle = [line.split()[0] for line in listing.splitlines()[1:]
            if line.startswith("rpc.reply-") and line.split()[-1] == "0"]
    with Connection("amqp://guest:guest@127.0.0.1:5672/") as conn:
        for name in idle:
            conn.default_channel.queue_delete(name)


def test_rabbitmq_stopped_and_restarted(cluster, partners_tap):
    start(cluster)
    cluster.supervise()  # a process that exits is restarted, as compose's restart policy does

    def bounce_rabbitmq():
        forget_idle_reply_queues()
        rabbitmqctl("stop_app")
        eventlet.sleep(2.0)
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")

    run(cluster, partners_tap, "RabbitMQ restart", bounce_rabbitmq)


def test_postgresql_restarted(cluster, partners_tap):
    start(cluster)
    cluster.supervise()

    def bounce_postgres():
        version = subprocess.run(["ls", "/etc/postgresql"], capture_output=True, text=True,
                                 check=True).stdout.split()[0]
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main",
                        "restart"], check=True, capture_output=True, timeout=120)

    run(cluster, partners_tap, "PostgreSQL restart", bounce_postgres)


def test_a_message_delivered_twice_and_messages_dropped(cluster, partners_tap):
    start(cluster)
    feed = "seklik.partners--projector.on_partners_event"

    def duplicate_and_drop():
        with cluster.rpc("auditor") as rpc:
            for envelope in rpc.partners.notifications(after=0, limit=6):
                partners_tap.publish(envelope)  # delivered a second time to every subscriber
        with Connection(cluster.env["AMQP_URI"]) as conn:  # whatever waits in the feed: gone
            conn.default_channel.queue_purge(feed)

    books = run(cluster, partners_tap, "duplicate + drop", duplicate_and_drop, after=1.5)
    assert books.counts["republished"] >= 1  # the duplicates did go out
