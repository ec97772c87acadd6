"""RPC commands per second through the partners service, and the time from a command's answer
to its effect in a reporting view, each beside baselines measured in the same run:
- a nameko echo RPC (the cost of RPC itself, same callers);
- a plain eventsourcing save() loop on the same kind of store (the cost of storing).
Services run as processes (`nameko run`, as docker-compose runs them) on the local RabbitMQ,
with SQLite stores in a temporary folder.
"""
from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import eventlet
from nameko.standalone.rpc import ClusterRpcProxy

from bench.history import grow
from seklik.cluster import ROOT, spawn, terminate, wait_answering
from seklik.tables import render
from services.partners.application import PartnersApplication
from shared.auth import bearer, mint_token
from shared.config import Settings

SECRET = "bench-secret-0123456789abcdef0123456789"
AMQP_URI = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def company(n: int) -> dict:
    name = f"Media Bench {n}"
    return {"legal_name": name, "brand_name": name, "legal_form": "PT", "media_type": "online",
            "npwp": f"{n:015d}", "nib": f"{n:013d}", "pkp": True, "address": "Kayuagung",
            "founded_on": "2015-01-01",
            "contact": {"email": "r@example.id", "phone": "+62 712 1"},
            "bank_account": {"bank": "BSB", "number": "1234567", "holder": f"PT {name}"}}


class Bench:
    def __init__(self, data: Path):
        self.env = {"SEKLIK_DATA_DIR": str(data), "SEKLIK_AUTH_SECRET": SECRET,
                    "AMQP_URI": AMQP_URI, "SEKLIK_LOG_LEVEL": "WARNING",
                    "PYTHONWARNINGS": "ignore"}
        self.logs = data / "logs"
        self.logs.mkdir(parents=True)
        self.procs = []
        self.counter = 0

    def start(self, service: str):
        log = self.logs / f"{service}-{len(self.procs)}.log"
        if service == "bench_echo":
            proc = subprocess.Popen([sys.executable, "-m", "nameko", "run", "--config",
                                     "config.yaml", "bench.echo:EchoService"], cwd=ROOT,
                                    env={**os.environ, **self.env, "SEKLIK_LOG_LEVEL": "INFO"},
                                    stdout=open(log, "ab"), stderr=subprocess.STDOUT,
                                    start_new_session=True)
        else:
            proc = spawn(service, {**self.env, "SEKLIK_LOG_LEVEL": "INFO"}, log)
        self.procs.append(proc)
        if service == "bench_echo":  # no `notifications` to ask: wait for it to consume
            deadline = time.monotonic() + 60
            while "Connected to amqp" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
        else:
            wait_answering(lambda timeout: self.proxy("system", timeout), service, proc, log)
        return proc

    def proxy(self, role: str, timeout: float = 30):
        token = mint_token(SECRET, "bench", [role], ttl_seconds=3600)
        return ClusterRpcProxy({"AMQP_URI": AMQP_URI}, timeout=timeout,
                               context_data=bearer(token))

    def rate(self, callers: int, per_caller: int, call) -> float:
        """Calls per second with `callers` concurrent callers, each with its own proxy."""
        def caller(_):
            with self.proxy("admin") as rpc:
                for _ in range(per_caller):
                    call(rpc)

        started = time.perf_counter()
        list(eventlet.GreenPool(callers).imap(caller, range(callers)))
        return callers * per_caller / (time.perf_counter() - started)

    def register(self, rpc):
        self.counter += 1
        rpc.partners.register_partner(company(self.counter))

    def stop(self):
        for proc in self.procs:
            terminate(proc)


def save_loop_rate(data: Path, events: int = 2_000) -> float:
    app = PartnersApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(data / "plain")}))
    started = time.perf_counter()
    grow(app, events, batch=1)  # one registration (12 events) per save, like one command
    return app.max_notification_id() / (time.perf_counter() - started)


def propagation(bench: Bench, commands: int = 60, rate: float = 10.0) -> list[float]:
    """Seconds from each command's answer to its partner in the reporting registry."""
    delays = []

    def one(n):
        with bench.proxy("admin") as rpc, bench.proxy("auditor") as auditor:
            answer = rpc.partners.register_partner(company(1_000_000 + n))
            answered = time.perf_counter()
            while not auditor.reporting.audit_trail(answer["partner_id"]):
                eventlet.sleep(0.005)
            delays.append(time.perf_counter() - answered)

    pool = eventlet.GreenPool(32)
    for n in range(commands):
        pool.spawn(one, n)
        eventlet.sleep(1 / rate)
    pool.waitall()
    return sorted(delays)


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        save_rate = save_loop_rate(data) / 12  # registrations (commands) per second
        bench = Bench(data)
        try:
            bench.start("bench_echo")
            for replicas, grid in ((1, (1, 8, 32)), (2, (8, 32))):
                bench.start("partners")  # one more replica each round
                for callers in grid:
                    echo = bench.rate(callers, max(4, 200 // callers),
                                      lambda rpc: rpc.bench_echo.echo("x"))
                    registering = bench.rate(callers, max(4, 200 // callers), bench.register)
                    rows.append({
                        "figure": f"register_partner, {replicas} replica(s), {callers} "
                                  "caller(s)",
                        "per s": round(registering), "echo RPC/s": round(echo),
                        "vs echo": f"{registering / echo:.2f}",
                        "vs save loop": f"{registering / save_rate:.2f}"})
            bench.start("projector")
            bench.start("reporting")
            with bench.proxy("admin") as rpc:
                started = time.perf_counter()
                for _ in range(50):
                    rpc.bench_echo.echo("x")
                echo_latency = (time.perf_counter() - started) / 50
            delays = propagation(bench)
        finally:
            bench.stop()
    print(f"Commands through RPC (SQLite stores, local RabbitMQ); plain save() loop: "
          f"{save_rate:,.0f} registrations/s")
    print(render(rows, ["figure", "per s", "echo RPC/s", "vs echo", "vs save loop"]))
    p = {q: percentile(delays, q) for q in (50, 95, 99)}
    print(f"\nPropagation from a command's answer to the reporting view, {len(delays)} commands "
          f"at 10/s: p50 {p[50] * 1000:.0f} ms, p95 {p[95] * 1000:.0f} ms, p99 "
          f"{p[99] * 1000:.0f} ms (one echo RPC: {echo_latency * 1000:.1f} ms; p50 is "
          f"{p[50] / echo_latency:.0f}x)")
    rows.append({"figure": "propagation p50/p95/p99 (ms)",
                 "per s": f"{p[50]*1000:.0f}/{p[95]*1000:.0f}/{p[99]*1000:.0f}",
                 "echo RPC/s": f"{echo_latency * 1000:.1f} ms", "vs echo": "",
                 "vs save loop": ""})
    return rows
