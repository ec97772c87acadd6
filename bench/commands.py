"""RPC commands per second through the services, and the time from a command's answer to its
effect in a reporting view, each beside baselines measured in the same run:
- a nameko echo RPC with the same callers, measured just before each figure (the cost of RPC);
- a plain eventsourcing save() loop of the same domain work on the same store, in this process
  while the services idle (the cost of deciding and storing, without RPC, validation, tokens,
  idempotency or the relay).
Services run as processes (`nameko run`, as docker-compose runs them) on the local RabbitMQ,
with SQLite stores in a temporary folder or, with `store="postgres"`, PostgreSQL schemas of
their own. The regency is the demo's (seklik/demo.py), set up through RPC; every command is
sent with a command_id, and a caller that gets `concurrent_change` sends it again, as a
calling system would.
"""
from __future__ import annotations

import datetime as dt
import itertools
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import eventlet
from kombu import Connection
from nameko.standalone.rpc import ClusterRpcProxy

from bench import broker
from seklik import demo
from seklik.cluster import ROOT, durable_queues, spawn, terminate, wait_answering
from seklik.tables import render
from services.assessment import schemas as assessment_schemas
from services.assessment.application import AssessmentApplication
from services.contracts import schemas as contracts_schemas
from services.contracts.application import ContractsApplication
from services.partners import schemas as partners_schemas
from services.partners.application import PartnersApplication
from shared.application import SNAPSHOT_EVERY
from shared.auth import FreshBearer, development_key, mint_token
from shared.config import Settings
from shared.domain import acting_as
from shared.errors import Conflict
from shared.schemas import load

CALLS = 240          # commands per figure, shared by the callers
GRID = (1, 8, 32)    # concurrent callers
YEAR = demo.YEAR
BENCH_ACTIVITY = "9.99.99.9.99.{:04d}"


def company(n: int) -> dict:
    name = f"Media Bench {n}"
    return {"legal_name": name, "brand_name": name, "legal_form": "PT", "media_type": "online",
            "npwp": f"{n:015d}", "nib": f"{n:013d}", "pkp": True, "address": "Kayuagung",
            "founded_on": "2015-01-01",
            "contact": {"email": "r@example.id", "phone": "+62 712 1"},
            "bank_account": {"bank": "BSB", "number": "1234567", "holder": f"PT {name}"}}


def postgres_env() -> dict:
    return {"POSTGRES_HOST": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
            "POSTGRES_DBNAME": os.environ.get("POSTGRES_DBNAME", "postgres"),
            "POSTGRES_SCHEMA_PREFIX": f"bench_{uuid.uuid4().hex[:8]}_"}


class Bench:
    """Service processes on one set of stores, and callers with tokens."""

    def __init__(self, data: Path, store: str = "sqlite"):
        # Development keys: the services verify the development issuer's tokens.
        self.env = {"SEKLIK_DATA_DIR": str(data), "SEKLIK_ENV": "development",
                    "AMQP_URI": broker.uri(), "SEKLIK_LOG_LEVEL": "WARNING",
                    "SEKLIK_CATCHUP_INTERVAL": "1", "PYTHONWARNINGS": "ignore",
                    **(postgres_env() if store == "postgres" else {})}
        self.apps = {}
        self.logs = data / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.procs = []
        self.numbers = itertools.count(1)
        self.retries = 0

    def start(self, service: str):
        log = self.logs / f"{service}-{len(self.procs)}.log"
        env = {**self.env, "SEKLIK_LOG_LEVEL": "INFO"}
        if service == "bench_echo":
            proc = subprocess.Popen([sys.executable, "-m", "nameko", "run", "--config",
                                     "config.yaml", "bench.echo:EchoService"], cwd=ROOT,
                                    env={**os.environ, **env}, stdout=open(log, "ab"),
                                    stderr=subprocess.STDOUT, start_new_session=True)
        else:
            proc = spawn(service, env, log)
        self.procs.append(proc)
        if service == "bench_echo":  # no `notifications` to ask: wait for it to consume
            deadline = time.monotonic() + 60
            while "Connected to amqp" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
        else:
            wait_answering(lambda timeout: self.proxy("system", timeout=timeout), service,
                           proc, log)
        return proc

    def stop_one(self, proc) -> None:
        terminate(proc)
        self.procs.remove(proc)

    def proxy(self, role: str, timeout: float = 60):
        regency = Settings.from_env(self.env).regency_code
        key = development_key()
        # A fresh token per call: a long benchmark outlives a 15-minute token.
        return ClusterRpcProxy({"AMQP_URI": self.env["AMQP_URI"]}, timeout=timeout,
                               context_data=FreshBearer(lambda: mint_token(
                                   key, f"bench.{role}", [role], regency=regency)))

    def app(self, application):
        """The service's application on the same store, in this process (one of each)."""
        if application not in self.apps:
            self.apps[application] = application(Settings.from_env(self.env))
        return self.apps[application]

    def rate(self, role: str, callers: int, calls: int, call) -> float:
        """Calls per second: `calls` calls of `call(rpc, n)` shared by `callers` callers, each
        with its own proxy; `n` numbers the calls of the whole run."""
        per_caller = max(2, calls // callers)

        def caller(_):
            with self.proxy(role) as rpc:
                for _ in range(per_caller):
                    n = next(self.numbers)
                    while True:
                        try:
                            call(rpc, n)
                            break
                        except Conflict:  # collided with another caller 5 times: send again
                            self.retries += 1

        started = time.perf_counter()
        list(eventlet.GreenPool(callers).imap(caller, range(callers)))
        return callers * per_caller / (time.perf_counter() - started)

    def settle(self, timeout: float = 120) -> None:
        """Until assessment and contracts have applied every event of their sources: a
        figure measures its command, not the consumers catching up with the previous one."""
        apps = {name: self.app(application) for name, application in (
            ("partners", PartnersApplication), ("assessment", AssessmentApplication),
            ("contracts", ContractsApplication))}
        feeds = (("assessment", "partners"), ("contracts", "partners"),
                 ("contracts", "assessment"))
        deadline = time.monotonic() + timeout
        while any(apps[consumer].tracked_position(source) < apps[source].max_notification_id()
                  for consumer, source in feeds) and time.monotonic() < deadline:
            time.sleep(0.2)

    def stop(self):
        for proc in self.procs:
            terminate(proc)
        self.procs.clear()


def save_loop(app, method_name: str, arguments, actor: dict) -> float:
    """Decide and save(): the command's own domain code and one save() per command, in a loop
    (no RPC, validation, token, command record or retry)."""
    method = getattr(type(app), method_name).__wrapped__
    arguments = list(arguments)
    started = time.perf_counter()
    for kwargs in arguments:
        with acting_as(actor):
            _, aggregates = method(app, **kwargs)
        app.save(*aggregates)
    return len(arguments) / (time.perf_counter() - started)


class Regency:
    """The demo regency set up through RPC, and the commands measured on it."""

    def __init__(self, bench: Bench):
        self.bench = bench
        self.active: list[str] = []       # partners with an open assessment
        self.contracts: list[str] = []    # contracts with room for thousands of orders
        self.orders: list[str] = []       # orders placed by the benchmark
        self.proven: list[str] = []       # of those, with an accepted proof: payable
        self.today = dt.date.today()

    def open_round(self) -> None:
        with self.bench.proxy("admin") as admin, self.bench.proxy("verifier") as verifier, \
                self.bench.proxy("assessor") as assessor:
            self.rows = demo.run(admin, verifier, say=lambda *_: None)
            admin.assessment.set_rubric(YEAR, demo.RUBRIC, command_id=f"demo-rubric-{YEAR}")
            self.active = [r["partner_id"] for r in self.rows if r["status"] == "active"]
            for pid in self.active:  # assessment learns the partners from partners' events
                demo.eventually(lambda: assessor.assessment.get_assessment(YEAR, pid))

    def open_trade(self) -> None:
        with self.bench.proxy("admin") as admin, self.bench.proxy("assessor") as assessor, \
                self.bench.proxy("finance", timeout=120) as finance:
            rows = demo.assess(admin, assessor, self.rows, say=lambda *_: None)
            demo.trade(finance, rows, say=lambda *_: None)
            for tier in ("A", "B", "C"):  # room for the benchmark's orders
                finance.contracts.set_tier_ceiling(YEAR, tier, 10**13)
            tiered = [r for r in rows if r.get("tier") not in (None, "-")]
            for n, row in enumerate(tiered, start=1):
                # A budget per contract: orders contend on their contract and budget only.
                code = BENCH_ACTIVITY.format(n)
                finance.contracts.set_budget(YEAR, code, f"Bench {n}", 10**12)
                self.contracts.append(demo.eventually(lambda: finance.contracts.sign_contract({
                    "number": f"{n:03d}/SPK/BENCH/{YEAR}", "fiscal_year": YEAR,
                    "partner_id": row["partner_id"], "activity_code": code,
                    "ceiling": 10**11, "starts_on": f"{YEAR}-01-01",
                    "ends_on": f"{YEAR}-12-31"}))["contract_id"])

    # The commands, as a calling system sends them ----------------------------------------

    def register(self, rpc, n):
        rpc.partners.register_partner(company(n), command_id=f"bench-register-{n}")

    def score(self, rpc, n):
        rpc.assessment.score(YEAR, self.active[n % len(self.active)], "regularity",
                             50 + n % 2, "checked against the publication log",
                             command_id=f"bench-score-{n}")

    def order(self, n) -> dict:
        return {"product": "advertorial", "quantity": 1, "title": f"Bench order {n}",
                "publish_by": (self.today + dt.timedelta(days=1)).isoformat()}

    def place(self, rpc, n):
        placed = rpc.contracts.place_order(self.contracts[n % len(self.contracts)],
                                           self.order(n), command_id=f"bench-order-{n}")
        self.orders.append(placed["order_id"])

    def proof(self, n) -> dict:
        return {"kind": "link", "reference": f"https://bench.id/{n}",
                "published_on": self.today.isoformat(), "sha256": f"{n:064x}"}

    def prove_orders(self) -> None:
        with self.bench.proxy("finance") as finance:
            for n, order_id in enumerate(self.orders):
                finance.contracts.submit_proof(order_id, self.proof(n))
                finance.contracts.review_proof(order_id, "accepted", "BAST signed")
        self.proven = list(self.orders)

    def payment(self, n) -> dict:
        return {"sp2d_number": f"{n:05d}/SP2D-LS/{YEAR}", "paid_on": self.today.isoformat()}

    def pay(self, rpc, n):
        rpc.contracts.record_payment(self.proven.pop(), self.payment(n),
                                     command_id=f"bench-pay-{n}")

    # The same domain work as plain save() loops, on the same stores ----------------------

    def saving(self, command: str, count: int = 400) -> float:
        bench, numbers = self.bench, [next(self.bench.numbers) for _ in range(count)]
        if command == "register_partner":
            return save_loop(bench.app(PartnersApplication), "register_partner", (
                {"identity": load(partners_schemas.PartnerSchema, company(n))}
                for n in numbers), {"sub": "bench.admin", "roles": ["admin"]})
        if command == "score":
            return save_loop(bench.app(AssessmentApplication), "score", (load(
                assessment_schemas.ScoreSchema, {
                    "fiscal_year": YEAR, "partner_id": self.active[n % len(self.active)],
                    "criterion": "regularity", "score": 50 + n % 2, "reason": "checked"})
                for n in numbers), {"sub": "bench.assessor", "roles": ["assessor"]})
        app, finance = bench.app(ContractsApplication), {"sub": "bench.finance",
                                                         "roles": ["finance"]}
        orders = [load(contracts_schemas.PlaceOrderSchema, {
            "contract_id": self.contracts[n % len(self.contracts)], "order": self.order(n)})
            for n in numbers]
        if command == "place_order":
            return save_loop(app, "place_order", orders, finance)
        payable = []  # record_payment: orders with accepted proofs first (not measured)
        for n, args in zip(numbers, orders):
            order_id = app.place_order(**args, actor=finance)["order_id"]
            app.submit_proof(order_id, load(contracts_schemas.SubmitProofSchema, {
                "order_id": order_id, "proof": self.proof(n)})["proof"], actor=finance)
            app.review_proof(order_id, "accepted", "BAST signed", actor=finance)
            payable.append({"order_id": order_id, "payment": load(
                contracts_schemas.PaymentSchema, self.payment(10**6 + n))})
        return save_loop(app, "record_payment", payable, finance)


    def long_histories(self, orders: int = 1500, step: int = 500) -> list[dict]:
        """place_order on one contract and its budget while they pile up orders, in this
        process on the same store: loading them from snapshots (as the services do) against
        replaying their whole histories (an application without snapshots)."""
        class Replaying(ContractsApplication):
            name = ContractsApplication.name  # the same store (a subclass is named after itself)
            snapshotting_intervals = {}

        finance = {"sub": "bench.finance", "roles": ["finance"]}
        rates = {}
        for label, application, contract_id in (("snapshots", ContractsApplication,
                                                  self.contracts[0]),
                                                 ("replaying", Replaying, self.contracts[1])):
            app, marks = self.bench.app(application), []
            for _ in range(orders // step):
                started = time.perf_counter()
                for _ in range(step):
                    app.place_order(**load(contracts_schemas.PlaceOrderSchema, {
                        "contract_id": contract_id,
                        "order": self.order(next(self.bench.numbers))}), actor=finance)
                marks.append(step / (time.perf_counter() - started))
            rates[label] = marks
        return [{"orders placed": f"{n * step:,}-{(n + 1) * step:,}",
                 "from snapshots/s": round(snap), "replaying/s": round(replay),
                 "ratio": f"{snap / replay:.1f}"}
                for n, (snap, replay) in enumerate(zip(rates["snapshots"], rates["replaying"]))]


SERVICE = {"register_partner": "partners", "score": "assessment", "place_order": "contracts",
           "record_payment": "contracts"}
ROLE = {"register_partner": "admin", "score": "assessor", "place_order": "finance",
        "record_payment": "finance"}


def grid(bench: Bench, regency: Regency, command: str, call) -> list[dict]:
    """The command with 1, 8 and 32 callers on one replica, then on two; each beside an echo
    RPC with the same callers; and the save() loop of the same work on the same store."""
    rows = []
    bench.rate(ROLE[command], 1, 20, call)  # warm up: the first calls of a process cost more
    bench.settle()
    for replicas in (1, 2):
        extra = bench.start(SERVICE[command]) if replicas == 2 else None
        for callers in GRID:
            echo = bench.rate("admin", callers, CALLS, lambda rpc, n: rpc.bench_echo.echo("x"))
            rate = bench.rate(ROLE[command], callers, CALLS, call)
            bench.settle()
            rows.append({"command": command, "replicas": replicas, "callers": callers,
                         "per s": round(rate), "echo RPC/s": round(echo),
                         "vs echo": f"{rate / echo:.2f}", "rate": rate})
        if extra is not None:
            bench.stop_one(extra)
    saving = regency.saving(command)
    for row in rows:
        row["save() loop/s"] = round(saving)
        row["vs save loop"] = f"{row.pop('rate') / saving:.2f}"
    return rows


def waiting_in_feeds(amqp_uri: str) -> int:
    """Messages waiting in the services' feed queues (duplicates of what catch-up applied
    included): a delivery queues behind them."""
    waiting = 0
    with Connection(amqp_uri) as conn:
        for name in durable_queues():
            if name.startswith("seklik."):
                try:
                    waiting += conn.channel().queue_declare(name, passive=True).message_count
                except conn.channel_errors:  # not declared: its consumer never ran here
                    pass
    return waiting


def caught_up(bench: Bench, timeout: float = 300) -> None:
    """Until the projector has applied every event the services recorded before, and the feed
    queues hold nothing left from the bursts before: propagation at a steady load."""
    deadline = time.monotonic() + timeout
    with bench.proxy("auditor") as auditor:
        while time.monotonic() < deadline:
            status = auditor.reporting.projection_status()
            if all(row.get("lag") == 0 for row in status) and not waiting_in_feeds(
                    bench.env["AMQP_URI"]):
                return
            time.sleep(0.5)
    raise RuntimeError(f"the projector did not catch up in {timeout}s: {status}")


def propagation(bench: Bench, commands: int = 60, rate: float = 10.0) -> list[float]:
    """Seconds from each command's answer to its partner in the reporting registry, once the
    projector has caught up with what came before."""
    caught_up(bench)
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


def main(store: str = "sqlite", with_propagation: bool = True) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp), store)
        regency = Regency(bench)
        try:
            for service in ("bench_echo", "partners", "assessment", "contracts"):
                bench.start(service)
            regency.open_round()
            rows += grid(bench, regency, "register_partner", regency.register)
            rows += grid(bench, regency, "score", regency.score)
            regency.open_trade()
            rows += grid(bench, regency, "place_order", regency.place)
            regency.prove_orders()
            rows += grid(bench, regency, "record_payment", regency.pay)
            histories = regency.long_histories()
            if with_propagation:
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
    print(f"Commands through RPC ({'PostgreSQL' if store == 'postgres' else 'SQLite'} stores, "
          f"local RabbitMQ), {CALLS} commands per figure; callers that collided 5 times sent "
          f"again: {bench.retries}")
    print(render(rows, ["command", "replicas", "callers", "per s", "echo RPC/s", "vs echo",
                        "save() loop/s", "vs save loop"]))
    print(f"\nplace_order on one contract and budget piling up orders (on top of the ~100 each "
          f"took above), in process on the same store: loaded from snapshots (every "
          f"{SNAPSHOT_EVERY} events) against replaying their whole histories")
    print(render(histories, list(histories[0])))
    if with_propagation:
        p = {q: percentile(delays, q) for q in (50, 95, 99)}
        print(f"\nPropagation from a command's answer to the reporting view, {len(delays)} "
              f"commands at 10/s: p50 {p[50] * 1000:.0f} ms, p95 {p[95] * 1000:.0f} ms, p99 "
              f"{p[99] * 1000:.0f} ms (one echo RPC: {echo_latency * 1000:.1f} ms; p50 is "
              f"{p[50] / echo_latency:.0f}x)")
    return rows
