"""A steady stream of commands through RPC while a fault is injected, and the books afterwards.

Each command is a registration with its own command_id, retried by the caller until it is
acknowledged (as any calling system would under faults): a command whose answer was lost may
have run, and its retry must then return the same answer, not register twice. After the fault
and the recovery, every acknowledged command must be stored once, published, projected once
into the views, and `seklik audit verify` must pass.
"""
from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

import eventlet
from kombu import Connection

from tests.support import company, token

CALLERS = 4
PACE = 0.05  # seconds between two commands of one caller: a steady stream, not a burst


@dataclass
class Books:
    fault: str
    acknowledged: dict = field(default_factory=dict)   # command_id -> partner_id
    retries: int = 0
    recovered_in: float = 0.0
    before_fault: int = 0   # acknowledged when the fault began
    after_fault: int = 0    # acknowledged after it ended
    read_error: str = ""    # the last error while reading the books, if any

    def line(self, stored, published, projected, duplicated, lost) -> str:
        return (f"{self.fault}: acknowledged {len(self.acknowledged)} ({self.before_fault} "
                f"before the fault, {self.after_fault} after it) / stored {stored} / "
                f"published {published} / projected {projected} / duplicated {duplicated} / "
                f"lost {lost} / caller retries {self.retries} / process restarts "
                f"{getattr(self, 'restarts', 0)} / recovered in {self.recovered_in:.1f}s")


def stream(cluster, books: Books, stop, deadline_s: float = 90):
    """Register companies through RPC from CALLERS callers, each command retried until
    acknowledged, until `stop` is set."""
    numbers = itertools.takewhile(lambda _: not stop.ready(), itertools.count(1))

    def caller():
        # One proxy per caller while it works; a new one after a failure (a broken connection).
        proxy = None
        for n in numbers:
            command_id = f"fault-{re.sub(r'[^A-Za-z0-9]+', '-', books.fault)}-{n}"
            deadline = time.monotonic() + deadline_s
            while True:
                try:
                    if proxy is None:
                        proxy = cluster.rpc("admin", timeout=5)
                        rpc = proxy.__enter__()
                    answer = rpc.partners.register_partner(company(n), command_id=command_id)
                    books.acknowledged[command_id] = answer["partner_id"]
                    break
                except Exception:
                    books.retries += 1
                    proxy = close(proxy)
                    if time.monotonic() > deadline:
                        break  # never acknowledged: not counted as acknowledged
                    eventlet.sleep(0.3)
            eventlet.sleep(PACE)
        close(proxy)

    pool = eventlet.GreenPool(CALLERS)
    return [pool.spawn(caller) for _ in range(CALLERS)]


def close(proxy):
    if proxy is not None:
        try:
            proxy.__exit__(None, None, None)
        except Exception:  # the connection is already gone
            pass
    return None


def settle(cluster, books: Books, fault_ended: float, tap, timeout: float = 90) -> str:
    """Wait for the views to catch up, then count everything and return the summary line."""
    expected = set(books.acknowledged.values())
    deadline = time.monotonic() + timeout
    proxy = None
    published = Counter()
    registry, registered = [], []
    while True:
        published.update(e["originator_id"] for e in tap.drain(timeout=0)
                         if e["type"] == "PartnerRegistered")
        try:
            if proxy is None:
                proxy = cluster.rpc("auditor", timeout=5)
                rpc = proxy.__enter__()
            registered = [e for e in whole_log(rpc.partners)
                          if e["type"] == "PartnerRegistered"]
            registry = rpc.reporting.partner_registry()
            status = {s["source"]: s for s in rpc.reporting.projection_status()}
            stored_ids = {e["originator_id"] for e in registered}
            if expected <= {r["partner_id"] for r in registry} and stored_ids == {
                    r["partner_id"] for r in registry} and status["partners"]["lag"] == 0 \
                    and stored_ids <= set(published):
                break
        except Exception as exc:
            books.read_error = f"{type(exc).__name__}: {str(exc)[:300]}"
            proxy = close(proxy)
        if time.monotonic() > deadline:
            break
        time.sleep(0.3)
    close(proxy)
    books.recovered_in = time.monotonic() - fault_ended
    books.restarts = sum(getattr(p, "restarts", 0) for p in cluster.processes)
    published.update(e["originator_id"] for e in tap.drain(timeout=1)
                     if e["type"] == "PartnerRegistered")
    registry_ids = Counter(r["partner_id"] for r in registry)
    stored = Counter(e["originator_id"] for e in registered)
    lost = len(expected - set(stored)) + len(expected - set(published)) + len(
        expected - set(registry_ids))
    duplicated = sum(c - 1 for c in stored.values()) + sum(c - 1 for c in registry_ids.values())
    books.counts = {"stored": len(stored), "published": len(published),
                    "projected": len(registry_ids), "duplicated": duplicated, "lost": lost,
                    "republished": sum(c - 1 for c in published.values())}
    books.stored_ids = set(stored)
    books.stored_extra = set(stored) - expected  # ran, answer lost, retry not acknowledged
    return books.line(len(stored), len(published), len(registry_ids), duplicated, lost)


def whole_log(service) -> list[dict]:
    """Every envelope of a service's log, page by page (a registration records three events:
    the partner, its NPWP claim and the command's record, so a few hundred fill a page)."""
    envelopes, after = [], 0
    while page := service.notifications(after=after, limit=1000):
        envelopes += page
        after = page[-1]["notification_id"]
    return envelopes


def audit_verify(cluster, services=("partners", "projector", "reporting")
                 ) -> subprocess.CompletedProcess:
    env = {**cluster.env, "SEKLIK_TOKEN": token("auditor", sub="fault.auditor")}
    named = [arg for service in services for arg in ("--service", service)]
    return subprocess.run([sys.executable, "-m", "seklik.cli", "audit", "verify", *named],
                          env=env, capture_output=True, text=True, timeout=120)


def killed_and_restarted(cluster, process, pause: float = 0.0):
    """The fault: `process` SIGKILLed, and started again after `pause` seconds (the stream
    goes on without it meanwhile)."""
    def inject():
        process.kill(signal.SIGKILL)
        eventlet.sleep(pause)
        cluster.start(process.service)
    return inject


def rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=120)


def forget_idle_reply_queues(amqp_uri: str):
    """Reply queues of RPC proxies closed earlier wait out their expiry; a restart would have to
    recover each (with this machine's file handle limit, thousands stall it). Only the test's
    own vhost: other people's queues are theirs."""
    with Connection(amqp_uri) as conn:
        vhost = conn.virtual_host
        listing = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name",
                                  "consumers"], check=True, capture_output=True, text=True,
                                 timeout=60).stdout
        idle = [line.split()[0] for line in listing.splitlines()[1:]
                if line.startswith("rpc.reply-") and line.split()[-1] == "0"]
        for name in idle:
            conn.default_channel.queue_delete(name)


def bounce_rabbitmq(amqp_uri: str):
    forget_idle_reply_queues(amqp_uri)
    rabbitmqctl("stop_app")
    eventlet.sleep(2.0)
    rabbitmqctl("start_app")
    rabbitmqctl("await_startup")


def duplicate_and_drop(cluster, tap, source: str, count: int = 6, projector=None) -> int:
    """The source's first envelopes delivered a second time to every subscriber, and whatever
    waits in the projector's feed of that source dropped (how many: returned). With the
    `projector` process given, it is paused for a second first, so that its feed fills up and
    the drop loses events the projector has not seen."""
    if projector is not None:
        os.killpg(projector.proc.pid, signal.SIGSTOP)
        eventlet.sleep(1.0)
    try:
        with cluster.rpc("auditor") as rpc:
            for envelope in getattr(rpc, source).notifications(after=0, limit=count):
                tap.publish(envelope)
        with Connection(cluster.amqp_uri) as conn:
            return conn.default_channel.queue_purge(
                f"seklik.{source}--projector.on_{source}_event") or 0
    finally:
        if projector is not None:
            os.killpg(projector.proc.pid, signal.SIGCONT)


def bounce_postgres():
    version = subprocess.run(["ls", "/etc/postgresql"], capture_output=True, text=True,
                             check=True).stdout.split()[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                   check=True, capture_output=True, timeout=120)


def missing(cluster, books: Books) -> str:
    """For each acknowledged command whose partner is not stored: what partners holds of its
    partner and of its command record (the aggregates' own events), so that a failure says
    whether the answer was never committed or the log cannot be read past it."""
    from shared.application import CommandRecord
    gone = {c: p for c, p in books.acknowledged.items()
            if p not in books.stored_ids}
    if not gone:
        return ""
    lines = []
    with cluster.rpc("auditor", timeout=10) as rpc:
        for command_id, partner_id in sorted(gone.items())[:10]:
            record = str(CommandRecord.create_id(command_id))
            try:
                held = [(e["notification_id"], e["type"]) for e in
                        rpc.partners.aggregate_events(originator_id=partner_id)]
                recorded = [(e["notification_id"], e["type"]) for e in
                            rpc.partners.aggregate_events(originator_id=record)]
            except Exception as exc:
                held = recorded = f"{type(exc).__name__}: {exc}"
            lines.append(f"  {command_id} -> partner {partner_id}: partner events {held}, "
                         f"command record {record} events {recorded}")
    return "\nnot stored:\n" + "\n".join(lines) + f"\nlast read error: {books.read_error}"


def check(cluster, books: Books, line: str) -> None:
    line += missing(cluster, books)
    print(line)
    assert books.counts["lost"] == 0, line
    assert books.counts["duplicated"] == 0, line
    assert books.before_fault > 0 and books.after_fault > 0, f"not mid-stream: {line}"
    assert books.counts["stored"] == books.counts["projected"], line
    verified = audit_verify(cluster)
    assert verified.returncode == 0, verified.stdout + verified.stderr
