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
calling system would. The callers are green threads of a process monkey-patched as `nameko run`
is (run alone, or by `python -m bench` through `run_apart`): without it a ClusterRpcProxy's
wait for its reply blocks the whole process, and 8 or 32 callers take turns, one call in flight.
"""
from __future__ import annotations

import eventlet

if __name__ == "__main__":
    eventlet.monkey_patch()  # before anything opens a socket: the callers are green threads

import argparse  # noqa: E402
import collections  # noqa: E402
import contextlib  # noqa: E402
import datetime as dt  # noqa: E402
import itertools  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from kombu import Connection  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from bench import apart, broker, pgcount  # noqa: E402
from bench.stores import drop_schemas, postgres_env  # noqa: E402
from seklik import demo  # noqa: E402
from seklik.cluster import (  # noqa: E402
    ROOT, durable_queues, service_commands, spawn, terminate, wait_answering)
from seklik.tables import render  # noqa: E402
from services.assessment import schemas as assessment_schemas  # noqa: E402
from services.assessment.application import AssessmentApplication  # noqa: E402
from services.contracts import schemas as contracts_schemas  # noqa: E402
from services.contracts.application import ContractsApplication  # noqa: E402
from services.partners import schemas as partners_schemas  # noqa: E402
from services.partners.application import PartnersApplication  # noqa: E402
from shared.application import SNAPSHOT_EVERY  # noqa: E402
from shared.auth import FreshBearer, development_key, mint_token  # noqa: E402
from shared.config import Settings  # noqa: E402
from shared.domain import acting_as  # noqa: E402
from shared.errors import Conflict  # noqa: E402
from shared.schemas import load  # noqa: E402

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


class Bench:
    """Service processes on one set of stores, and callers with tokens."""

    def __init__(self, data: Path, store: str = "sqlite", count: bool = False):
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
        self.count = count      # services count their PostgreSQL work (bench/pgcount.py)
        self.counted = {}       # proc -> (service, the file its counts are written to)

    def start(self, service: str):
        log = self.logs / f"{service}-{len(self.procs)}.log"
        env = {**self.env, "SEKLIK_LOG_LEVEL": "INFO"}
        if service == "bench_echo":
            proc = subprocess.Popen([sys.executable, "-m", "nameko", "run", "--config",
                                     "config.yaml", "bench.echo:EchoService"], cwd=ROOT,
                                    env={**os.environ, **env}, stdout=open(log, "ab"),
                                    stderr=subprocess.STDOUT, start_new_session=True)
        elif self.count:
            counts = str(self.logs / f"{service}-{len(self.procs)}.counts.json")
            proc = subprocess.Popen(
                [sys.executable, "-m", "bench.pgcount", *service_commands()[service]],
                cwd=ROOT, env={**os.environ, **env, "SEKLIK_BENCH_PGCOUNT": counts},
                stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)
            self.counted[proc] = (service, counts)
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
        self.counted.pop(proc, None)

    def work(self, service: str) -> dict:
        """What the running processes of `service` did so far: their PostgreSQL counts (with
        --count) and their CPU seconds (user + system, from /proc)."""
        total = {"cpu_s": 0.0, "by_statement": collections.Counter()}
        for proc in self.procs:
            if self.counted.get(proc, (None,))[0] != service:
                continue
            with open(f"/proc/{proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total["cpu_s"] += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            counts = pgcount.read(self.counted[proc][1])
            for key, value in counts.items():
                total[key] = total.get(key, 0) + value if key != "by_statement" else \
                    total[key] + value
        return total

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
                 ("contracts", "assessment"), ("assessment", "contracts"))
        deadline = time.monotonic() + timeout
        while any(apps[consumer].tracked_position(source) < apps[source].max_notification_id()
                  for consumer, source in feeds) and time.monotonic() < deadline:
            time.sleep(0.05)  # fine enough to time a settling (paired)

    def stop(self):
        for proc in self.procs:
            terminate(proc)
        self.procs.clear()


def save_loop(app, method_name: str, arguments, actor: dict,
              counts: dict | None = None) -> float:
    """Decide and save(): the command's own domain code and one save() per command, in a loop
    (no RPC, validation, token, command record or retry). `counts` (a dict) is filled with
    the loop's PostgreSQL work and CPU seconds (bench/pgcount.py)."""
    method = getattr(type(app), method_name).__wrapped__
    arguments = list(arguments)
    with pgcount.counting() if counts is not None else contextlib.nullcontext({}) as counted, \
            psycopg_own_wait():
        cpu, started = time.process_time(), time.perf_counter()
        for kwargs in arguments:
            with acting_as(actor):
                _, aggregates = method(app, **kwargs)
            app.save(*aggregates)
        rate = len(arguments) / (time.perf_counter() - started)
        cpu = time.process_time() - cpu
    if counts is not None:
        counts.update(counted, cpu_s=cpu)
    return rate


@contextlib.contextmanager
def psycopg_own_wait():
    """psycopg's own wait (its C poll) for a loop of one thread, as in a process without
    eventlet: the baseline is not charged for the cooperative wait (shared/postgres.py) that
    this process, monkey-patched for its callers, would otherwise get."""
    try:
        from psycopg import waiting
    except ImportError:  # no PostgreSQL driver: a SQLite run
        yield
        return
    wait, waiting.wait = waiting.wait, getattr(waiting, "wait_c", waiting.wait)
    try:
        yield
    finally:
        waiting.wait = wait


class Regency:
    """The demo regency set up through RPC, and the commands measured on it."""

    def __init__(self, bench: Bench):
        self.bench = bench
        self.active: list[str] = []       # partners with an open assessment
        self.contracts: list[str] = []    # contracts with room for thousands of orders
        self.orders: list[str] = []       # orders placed by the benchmark
        self.proven: list[str] = []       # of those, with an accepted proof: payable
        self.today = Settings.from_env().today()  # the regency's, as the services judge

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

    def saving(self, command: str, count: int = 400) -> tuple[float, dict | None]:
        """The save() loop's rate; with --count also its PostgreSQL work per command."""
        counts = {} if self.bench.count else None
        rate = self._saving(command, count, counts)
        return rate, per_command(counts, count) if counts else None

    def _saving(self, command: str, count: int, counts: dict | None) -> float:
        bench, numbers = self.bench, [next(self.bench.numbers) for _ in range(count)]
        if command == "register_partner":
            return save_loop(bench.app(PartnersApplication), "register_partner", (
                {"identity": load(partners_schemas.PartnerSchema, company(n))}
                for n in numbers), {"sub": "bench.admin", "roles": ["admin"]}, counts)
        if command == "score":
            return save_loop(bench.app(AssessmentApplication), "score", (load(
                assessment_schemas.ScoreSchema, {
                    "fiscal_year": YEAR, "partner_id": self.active[n % len(self.active)],
                    "criterion": "regularity", "score": 50 + n % 2, "reason": "checked"})
                for n in numbers), {"sub": "bench.assessor", "roles": ["assessor"]},
                counts)
        app, finance = bench.app(ContractsApplication), {"sub": "bench.finance",
                                                         "roles": ["finance"]}
        orders = [load(contracts_schemas.PlaceOrderSchema, {
            "contract_id": self.contracts[n % len(self.contracts)], "order": self.order(n)})
            for n in numbers]
        if command == "place_order":
            return save_loop(app, "place_order", orders, finance, counts)
        payable = []  # record_payment: orders with accepted proofs first (not measured)
        for n, args in zip(numbers, orders):
            order_id = app.place_order(**args, actor=finance)["order_id"]
            app.submit_proof(order_id, load(contracts_schemas.SubmitProofSchema, {
                "order_id": order_id, "proof": self.proof(n)})["proof"], actor=finance)
            app.review_proof(order_id, "accepted", "BAST signed", actor=finance)
            payable.append({"order_id": order_id, "payment": load(
                contracts_schemas.PaymentSchema, self.payment(10**6 + n))})
        return save_loop(app, "record_payment", payable, finance, counts)


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


def grid(bench: Bench, regency: Regency, command: str, call, callers_grid=GRID,
         replicas_grid=(1, 2), calls: int = CALLS) -> list[dict]:
    """The command with 1, 8 and 32 callers on one replica, then on two; each beside an echo
    RPC with the same callers; and the save() loop of the same work on the same store."""
    rows = []
    bench.rate(ROLE[command], 1, 20, call)  # warm up: the first calls of a process cost more
    bench.settle()
    for replicas in replicas_grid:
        extra = bench.start(SERVICE[command]) if replicas == 2 else None
        for callers in callers_grid:
            echo = bench.rate("admin", callers, calls, lambda rpc, n: rpc.bench_echo.echo("x"))
            before = bench.work(SERVICE[command]) if bench.count else None
            rate = bench.rate(ROLE[command], callers, calls, call)
            row = {"command": command, "replicas": replicas, "callers": callers,
                   "per s": round(rate), "echo RPC/s": round(echo),
                   "vs echo": f"{rate / echo:.2f}", "rate": rate}
            if bench.count:
                time.sleep(0.5)  # the relay publishes the last ones; the counts are written
                row.update(per_command(pgcount.difference(bench.work(SERVICE[command]),
                                                          before), max(2, calls // callers)
                                       * callers))
            bench.settle()
            rows.append(row)
        if extra is not None:
            bench.stop_one(extra)
    saving, counted = regency.saving(command)
    for row in rows:
        row["save() loop/s"] = round(saving)
        row["vs save loop"] = f"{row.pop('rate') / saving:.2f}"
    if counted:
        rows.append({"command": command, "replicas": "save()", "callers": 1,
                     "per s": round(saving), **counted})
    return rows


def paired(bench: Bench, regency: Regency, command: str, call, callers_grid=GRID,
           rounds: int = 3, calls: int = CALLS) -> list[dict]:
    """Side by side, `rounds` times for each number of callers: the save() loop of `calls`
    commands, then `calls` through RPC (one replica), each after the consumers settled. On a
    machine whose load moves during a run (others' work on its cores), neighbours make a
    steadier ratio than a grid and one save() loop after it: the median of the rounds'.

    `with consumers`: the same ratio with each side's time running on until assessment and
    contracts have applied its events (`settle`). Through RPC they apply them meanwhile, on
    the same cores; after a save() loop they catch up after it."""
    rows = []
    bench.rate(ROLE[command], 1, 20, call)  # warm up: the first calls of a process cost more
    bench.settle()
    for callers in callers_grid:
        rates, savings, ratios_settled = [], [], []
        for _ in range(rounds):
            savings.append(regency.saving(command, calls)[0])
            saved = calls / savings[-1] + settle_time(bench)
            rates.append(bench.rate(ROLE[command], callers, calls, call))
            sent = max(2, calls // callers) * callers
            ratios_settled.append(saved / (sent / rates[-1] + settle_time(bench)) * sent / calls)
        ratios = [rate / saving for rate, saving in zip(rates, savings)]
        rows.append({"command": command, "replicas": 1, "callers": callers,
                     "per s": round(statistics.median(rates)),
                     "save() loop/s": round(statistics.median(savings)),
                     "vs save loop": f"{statistics.median(ratios):.2f}",
                     "rounds": " ".join(f"{r:.2f}" for r in ratios),
                     "with consumers": f"{statistics.median(ratios_settled):.2f}"})
    return rows


def settle_time(bench: Bench) -> float:
    started = time.perf_counter()
    bench.settle()
    return time.perf_counter() - started


COUNTED = ["stmts", "round trips", "commits", "async commits", "db wait ms", "cpu ms"]


def per_command(work: dict, commands: int) -> dict:
    """Counts and times of a figure divided by its commands; the statements that make them
    up kept aside (`statements`) for --count to print."""
    return {"stmts": f"{work['statements'] / commands:.1f}",
            "round trips": f"{work['round_trips'] / commands:.1f}",
            "commits": f"{work['commits'] / commands:.2f}",
            "async commits": f"{work.get('async_commits', 0) / commands:.2f}",
            "db wait ms": f"{work['wait_s'] * 1000 / commands:.2f}",
            "cpu ms": f"{work['cpu_s'] * 1000 / commands:.2f}" if "cpu_s" in work else "",
            "statements": {text: n / commands for text, n in work["by_statement"].items()}}


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


COMMANDS = ("register_partner", "score", "place_order", "record_payment")


def main(store: str = "sqlite", with_propagation: bool = True, commands=COMMANDS,
         callers=GRID, replicas=(1, 2), calls: int = CALLS, with_histories: bool = True,
         count: bool = False, rounds: int = 0) -> list[dict]:
    """The grid of `commands` (all four by default, as `make bench` runs them) with
    `callers` callers on each of `replicas`; then the long histories and the propagation.
    `rounds`: instead of the grid, `paired` figures of that many rounds."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp), store, count)
        if rounds:  # the save() loop's events are published within 50 ms, not 500 (settle)
            bench.env["SEKLIK_RELAY_INTERVAL"] = "0.05"
        regency = Regency(bench)

        def measure(command, call):
            if rounds:
                return paired(bench, regency, command, call, callers, rounds, calls)
            return grid(bench, regency, command, call, callers, replicas, calls)
        try:
            for service in ("bench_echo", "partners", "assessment", "contracts"):
                bench.start(service)
            regency.open_round()
            if "register_partner" in commands:
                rows += measure("register_partner", regency.register)
            if "score" in commands:
                rows += measure("score", regency.score)
            if {"place_order", "record_payment"} & set(commands):
                regency.open_trade()
            if "place_order" in commands:
                rows += measure("place_order", regency.place)
            if "record_payment" in commands:
                if not regency.orders:  # orders to pay, placed without measuring
                    bench.rate("finance", 8, calls * len(callers) * max(
                        len(replicas), rounds) + 40, regency.place)
                regency.prove_orders()
                rows += measure("record_payment", regency.pay)
            histories = regency.long_histories() if with_histories else []
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
            drop_schemas(Settings.from_env(bench.env), bench.apps.values())
    print(f"Commands through RPC ({'PostgreSQL' if store == 'postgres' else 'SQLite'} stores, "
          f"local RabbitMQ), {calls} commands per figure; callers that collided 5 times sent "
          f"again: {bench.retries}")
    if rounds:
        print(f"Each figure: {rounds} rounds of the save() loop then RPC side by side; "
              f"the median ratio, and each round's")
    print(render(rows, ["command", "replicas", "callers", "per s", "echo RPC/s", "vs echo",
                        "save() loop/s", "vs save loop"]
                 + (["rounds", "with consumers"] if rounds else [])
                 + (COUNTED if count else [])))
    if count:
        print_statements(rows)
    if histories:
        print(f"\nplace_order on one contract and budget piling up orders (on top of the ~100 "
              f"each took above), in process on the same store: loaded from snapshots (every "
              f"{SNAPSHOT_EVERY} events) against replaying their whole histories")
        print(render(histories, list(histories[0])))
    if with_propagation:
        p = {q: percentile(delays, q) for q in (50, 95, 99)}
        print(f"\nPropagation from a command's answer to the reporting view, {len(delays)} "
              f"commands at 10/s: p50 {p[50] * 1000:.0f} ms, p95 {p[95] * 1000:.0f} ms, p99 "
              f"{p[99] * 1000:.0f} ms (one echo RPC: {echo_latency * 1000:.1f} ms; p50 is "
              f"{p[50] / echo_latency:.0f}x)")
    return rows


def run_apart(store: str) -> list[dict]:
    """`main(store)` in a process of its own, monkey-patched for its callers (see the top)."""
    return apart.run("bench.commands", "--store", store, title=f"Commands through RPC ({store})")


def print_statements(rows: list[dict]) -> None:
    """--count: the statements per command of each figure, by their first words."""
    for row in rows:
        print(f"\n{row['command']}, replicas {row['replicas']}, {row['callers']} caller(s): "
              f"statements per command")
        for text, n in sorted(row["statements"].items(), key=lambda item: -item[1]):
            if n >= 0.01:
                print(f"  {n:6.2f}  {text}")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.commands", description="The commands' grid alone (by default "
        "as `make bench` runs it on SQLite); a part of it while one looks for a cost.")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--commands", default=",".join(COMMANDS),
                        help="comma-separated, of " + ", ".join(COMMANDS))
    parser.add_argument("--callers", default=",".join(map(str, GRID)))
    parser.add_argument("--replicas", default="1,2")
    parser.add_argument("--calls", type=int, default=CALLS, help="commands per figure")
    parser.add_argument("--paired", type=int, default=0, metavar="ROUNDS",
                        help="instead of the grid: ROUNDS rounds of the save() loop and RPC "
                        "side by side for each number of callers (one replica)")
    parser.add_argument("--no-histories", action="store_true")
    parser.add_argument("--no-propagation", action="store_true")
    parser.add_argument("--count", action="store_true", help="each service and the save() "
                        "loop count their PostgreSQL statements, round trips, commits, time "
                        "waiting and CPU per command (bench/pgcount.py; costs some speed)")
    parser.add_argument("--rows", help="also write the figures' rows there (JSON)")
    args = parser.parse_args()
    unknown = set(args.commands.split(",")) - set(COMMANDS)
    if unknown:
        parser.error(f"unknown command(s): {', '.join(sorted(unknown))}")
    return args


if __name__ == "__main__":
    args = arguments()
    with broker.own_vhost():
        rows = main(args.store, not args.no_propagation, tuple(args.commands.split(",")),
                    tuple(int(c) for c in args.callers.split(",")),
                    tuple(int(r) for r in args.replicas.split(",")), args.calls,
                    not args.no_histories, args.count, args.paired)
        apart.keep_rows(args.rows, rows)
