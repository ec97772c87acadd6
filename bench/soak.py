"""python -m bench.soak --minutes N [--callers 8] [--kills K] [--rate R] [--store postgres|sqlite]

A regency's busiest month compressed. Every service runs as its own process (`nameko run`, the
containers' commands), restarted when it exits as docker-compose's restart policy does; a year
is prepared through RPC, then the money stream of tests/faults/money.py runs from `--callers`
callers (one contract each) at a steady `--rate` of commands a second across them for N
minutes, while `--kills` SIGKILLs of random services and one RabbitMQ restart are spread over the
run. At the end the run holds only if: the books reconcile to the rupiah, `seklik audit verify`
passes on every service, the views equal a rebuild from the events (`seklik audit compare`),
every relay and consumer has caught up with its source's last notification, and no service
process grew more than 20% in resident memory after its warm-up (the first 20% of the run).
Prints one table of figures, writes it into docs/benchmarks.md (its own section; the figures of
`make bench` stay) and exits 1 when anything above does not hold.

On a RabbitMQ vhost of its own (AMQP_URI when set); PostgreSQL stores in a database of its own,
dropped at the end, or SQLite files in a temporary folder. The broker restart hits everything
else using the same RabbitMQ: run it on a machine nobody is testing on.
"""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()  # as `nameko run` does: the callers are green threads

import argparse  # noqa: E402
import contextlib  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import eventlet.event  # noqa: E402
import nameko.rpc  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from bench import broker  # noqa: E402
from seklik.tables import render  # noqa: E402
from shared.auth import FreshBearer  # noqa: E402
from tests.faults.harness import audit_verify, bounce_rabbitmq  # noqa: E402
from tests.faults.money import (ANSWERS, Ledger, Reckoning,  # noqa: E402
                                reconcile, set_up, stream)
from tests.integration.cluster import Cluster, Tap  # noqa: E402
from tests.support import token  # noqa: E402

SERVICES = ("partners", "assessment", "contracts", "projector", "reporting")
BROKER = "RabbitMQ restart"
WARM_UP = 0.2  # share of the run after which (and after a process's start) memory is the base
GROWTH = 0.20  # what a process's resident memory may grow after its warm-up
# An order's life takes about this many commands: placed, proof, accepted, paid, and a fifth
# of the payments reversed and paid again (tests/faults/money.py).
COMMANDS_PER_ORDER = 4.4


def orders_per_contract(minutes: float, rate: float, callers: int) -> int:
    """What a contract holds so that the month's orders fit until near the end of the run
    (set_up raises the tier ceiling to match): a mixed stream throughout, and the last rupiah
    of each contract claimed in its last tenth."""
    return max(12, int(0.9 * rate * 60 * minutes / (callers * COMMANDS_PER_ORDER)))


class Paced:
    """The cluster as the callers reach it. Every call waits for its turn in one schedule of
    `rate` calls a second shared by all callers: a steady stream, and a caller held up by a
    fault does not make up for it in a burst. Each command is timed from its first attempt to
    its answer, retries included: what the calling system waits."""

    def __init__(self, cluster: Cluster, rate: float):
        self.cluster, self.interval = cluster, 1 / rate
        self.turn = time.monotonic()
        self.first = {}  # command id -> when its first attempt was sent
        self.latencies = []  # seconds, one per answered command

    @contextlib.contextmanager
    def rpc(self, *roles: str, sub: str = "soak", timeout: float = 30, **claims):
        # A fresh token per call: a soak outlives a 15-minute token.
        context = FreshBearer(lambda: token(*roles, sub=sub, **claims))
        with ClusterRpcProxy({"AMQP_URI": self.cluster.amqp_uri}, timeout=timeout,
                             context_data=context) as proxy:
            yield Timed(proxy, self)

    def call(self, method, *args, command_id: str):
        turn = max(self.turn, time.monotonic())
        self.turn = turn + self.interval
        eventlet.sleep(max(0.0, turn - time.monotonic()))
        sent = self.first.setdefault(command_id, time.monotonic())
        try:
            answer = method(*args, command_id=command_id)
        except ANSWERS as refusal:  # an answer too, unless it asks to be sent again
            if getattr(refusal, "code", None) != "concurrent_change":
                self.answered(command_id, sent)
            raise
        self.answered(command_id, sent)
        return answer

    def answered(self, command_id: str, sent: float) -> None:
        self.latencies.append(time.monotonic() - sent)
        self.first.pop(command_id, None)


class Timed:
    """A standalone proxy whose services' methods are called through `Paced.call`."""

    def __init__(self, remote, paced: Paced, depth: int = 2):
        self._remote, self._paced, self._depth = remote, paced, depth

    def __getattr__(self, name: str):
        remote = getattr(self._remote, name)
        if self._depth == 1:
            return functools.partial(self._paced.call, remote)
        return Timed(remote, self._paced, 1)


@dataclass
class Life:
    """One service process from the first time it was seen: a restart is a new life."""
    service: str
    pid: int
    started: float
    samples: list = field(default_factory=list)  # (monotonic, VmRSS kB)

    def lived(self) -> float:
        return self.samples[-1][0] - self.started if self.samples else 0.0

    def growth(self, warm_up: float) -> tuple[int, int] | None:
        """(kB one warm-up after it started, kB at its last sample), None if it did not live
        past its warm-up."""
        warm = next((kb for t, kb in self.samples if t >= self.started + warm_up), None)
        return None if warm is None else (warm, self.samples[-1][1])


class Memory:
    """Each service process's VmRSS (/proc/PID/status), sampled every few seconds."""

    def __init__(self, cluster: Cluster):
        self.cluster, self.lives = cluster, {}

    def sample(self) -> None:
        now = time.monotonic()
        for proc in self.cluster.processes:
            pid = proc.proc.pid
            life = self.lives.setdefault(pid, Life(proc.service, pid, now))
            if (kb := rss_kb(pid)) is not None:
                life.samples.append((now, kb))

    def watch(self, stop, every: float) -> None:
        while not stop.ready():
            self.sample()
            eventlet.sleep(every)

    def judged(self, warm_up: float) -> dict[str, tuple[Life, tuple | None]]:
        """Per service its longest-lived process, with its memory after warm-up and at the
        end: each process is compared with itself, never a fresh one with an old one."""
        longest = {life.service: life for life in sorted(self.lives.values(), key=Life.lived)}
        return {service: (life, life.growth(warm_up)) for service, life in longest.items()}


def rss_kb(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # the process is gone
        return None
    return next((int(line.split()[1]) for line in status.splitlines()
                 if line.startswith("VmRSS:")), None)


def plan(duration: float, kills: int, rng: random.Random) -> list[tuple[float, str]]:
    """`kills` SIGKILLs at random moments between the warm-up and 90% of the run, each of a
    service killed least so far, and the broker restarted halfway."""
    victims = []
    while len(victims) < kills:
        victims += rng.sample(SERVICES, len(SERVICES))
    moments = sorted(rng.uniform(WARM_UP * duration, 0.9 * duration) for _ in range(kills))
    return sorted([*zip(moments, victims[:kills]), (duration / 2, BROKER)])


def inject(cluster: Cluster, faults: list[tuple[float, str]], began: float, done: Counter,
           ledger: Ledger) -> int:
    """Each fault at its moment; the answers given when the broker restart was over."""
    for at, what in faults:
        eventlet.sleep(max(0.0, began + at - time.monotonic()))
        if what == BROKER:
            ledger.before_fault = ledger.acknowledged()
            bounce_rabbitmq(cluster.amqp_uri)
            restarted = ledger.acknowledged()
        else:  # the supervisor starts it again
            next(p for p in cluster.processes if p.service == what).kill(signal.SIGKILL)
        done[what] += 1
    return restarted


def lags(cluster: Cluster) -> dict[str, int | None]:
    """Per relay and per consumer: notifications behind its source's last one; per service
    the events it set aside in its quarantine (caught up past them is not caught up)."""
    with cluster.rpc("auditor", timeout=10) as rpc:
        health = {service: getattr(rpc, service).health() for service in SERVICES}
    last = {s: h["relay"]["last_notification_id"] for s, h in health.items() if h["relay"]}
    behind = {f"{s} relay": h["relay"]["behind"] for s, h in health.items() if h["relay"]}
    for service, h in health.items():
        for feed in h["consumers"]:
            source = feed["source"]
            behind[f"{service} <- {source}"] = (last[source] - feed["last_applied"]
                                                if source in last else None)
    behind.update({f"{s} quarantined": h["quarantined"] for s, h in health.items()})
    return behind


def caught_up(cluster: Cluster, timeout: float) -> dict[str, int | None]:
    """The lags once all are zero, or as they stand when `timeout` runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            behind = lags(cluster)
        except Exception as exc:  # a service still restarting
            behind = {f"health ({type(exc).__name__})": None}
        if all(n == 0 for n in behind.values()) or time.monotonic() > deadline:
            return behind
        time.sleep(1)


def audit_compare(cluster: Cluster, year: int) -> dict:
    env = {**cluster.env, "SEKLIK_TOKEN": token("auditor", sub="soak.auditor")}
    done = subprocess.run([sys.executable, "-m", "seklik.cli", "audit", "compare", "--year",
                           str(year), "--format", "json"], env=env, capture_output=True,
                          text=True, timeout=1800)
    try:
        return {**json.loads(done.stdout), "returncode": done.returncode}
    except ValueError:
        return {"differences": None, "returncode": done.returncode,
                "error": (done.stdout + done.stderr)[-2000:]}


@dataclass
class Figures:
    minutes: float
    callers: int
    rate: float
    ledger: Ledger
    latencies: list
    faults: Counter
    memory: dict
    lag: dict
    reckoning: Reckoning
    verify: subprocess.CompletedProcess
    compare: dict

    def growth(self) -> dict[str, float | None]:
        return {service: None if kb is None else kb[1] / kb[0] - 1
                for service, (_, kb) in self.memory.items()}

    def failures(self) -> list[str]:
        wrong = [f"books: {m}" for m in self.reckoning.mismatches[:20]]
        wrong += [f"memory of {s} grew {g:+.0%} after warm-up" if g is not None else
                  f"memory of {s}: no process lived past its warm-up"
                  for s, g in self.growth().items() if g is None or g > GROWTH]
        wrong += [f"lag of {where}: {n}" for where, n in self.lag.items() if n != 0]
        if self.verify.returncode != 0:
            wrong.append("audit verify: " + (self.verify.stdout + self.verify.stderr)[-1500:])
        if self.compare["returncode"] != 0 or self.compare.get("differences") or \
                self.compare.get("quarantined"):
            wrong.append(f"audit compare: {self.compare.get('differences') or self.compare}"[
                :1500])
        return wrong

    def table(self) -> str:
        answered = self.ledger.acknowledged()
        ms = sorted(1000 * s for s in self.latencies) or [0.0]
        methods = Counter(method for method, *_ in self.ledger.answers)
        refused = self.reckoning.figures.get("refused", {})
        kills = sum(n for what, n in self.faults.items() if what != BROKER)
        rows = [
            ("commands acknowledged", f"{answered:,} in {self.minutes:g} min from "
             f"{self.callers} callers, paced at {self.rate:g}/s "
             f"({answered / (60 * self.minutes):.1f}/s acknowledged)"),
            ("by command", ", ".join(f"{m} {n:,}" for m, n in methods.most_common())),
            ("refused (answers)", ", ".join(f"{c} {n:,}" for c, n in sorted(refused.items()))
             or "none"),
            ("latency per command", f"p50 {quantile(ms, 0.5):,.0f} ms, p99 "
             f"{quantile(ms, 0.99):,.0f} ms, max {ms[-1]:,.0f} ms (first attempt to answer, "
             "retries included)"),
            ("caller retries", f"{self.ledger.retries:,}; never answered "
             f"{len(self.ledger.abandoned)}"),
            ("faults", f"{kills} SIGKILLs (" + ", ".join(
                f"{w} {n}" for w, n in sorted(self.faults.items()) if w != BROKER)
             + f"), {self.faults[BROKER]} RabbitMQ restart; process restarts "
             f"{self.reckoning.figures.get('restarts', '-')}"),
            *self.memory_rows(),
            ("final lag", f"0 at all {len(self.lag)} relays, consumers, quarantines" if set(
                self.lag.values()) == {0} else ", ".join(
                f"{w} {n}" for w, n in self.lag.items() if n != 0)),
            ("audit verify", "ok, every service" if self.verify.returncode == 0 else "BROKEN"),
            ("audit compare", "the live views equal a rebuild" if self.compare["returncode"]
             == 0 else f"{len(self.compare.get('differences') or [])} difference(s)"),
            ("verdict", "holds" if not self.failures() else "FAILS: " + "; ".join(
                f.splitlines()[0] for f in self.failures()[:5])),
        ]
        return (render([{"figure": f, "value": v} for f, v in rows], ["figure", "value"])
                + f"\n\nbooks: {self.reckoning.line}")

    def memory_rows(self) -> list[tuple[str, str]]:
        rows = []
        for service, (life, kb) in sorted(self.memory.items()):
            seen = f"pid {life.pid}, lived {life.lived() / 60:.1f} min"
            rows.append((f"memory {service}", f"not judged ({seen})" if kb is None else
                         f"{kb[0] / 1024:.0f} MB after warm-up -> {kb[1] / 1024:.0f} MB at "
                         f"the end ({kb[1] / kb[0] - 1:+.1%}; {seen})"))
        return rows


def quantile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_services(cluster: Cluster) -> None:
    for service in SERVICES:
        cluster.start(service)


def soak(cluster: Cluster, tap: Tap, minutes: float, callers: int = 8, kills: int = 6,
         rate: float = 20.0, seed: int | None = None) -> Figures:
    """The year set up, the stream run with its faults, and the figures of the end."""
    year = set_up(cluster, contracts=callers,
                  orders_per_contract=orders_per_contract(minutes, rate, callers))
    cluster.supervise()
    duration, rng = 60 * minutes, random.Random(seed)
    paced, ledger, stop = Paced(cluster, rate), Ledger("soak"), eventlet.event.Event()
    memory, done = Memory(cluster), Counter()
    began = time.monotonic()
    drivers = stream(paced, year, ledger, stop)
    watching = eventlet.spawn(memory.watch, stop, max(1.0, duration / 200))
    faults = eventlet.spawn(inject, cluster, plan(duration, kills, rng), began, done, ledger)
    try:
        eventlet.sleep(duration)
        restarted = faults.wait()  # the last fault is over before the end
    finally:
        memory.sample()
        stop.send()
        for thread in (*drivers, watching):
            thread.wait()
    ledger.after_fault = ledger.acknowledged() - restarted
    reckoning = reconcile(cluster, year, ledger, tap, timeout=max(90.0, duration / 4))
    lag = caught_up(cluster, timeout=120)
    return Figures(minutes, callers, rate, ledger, paced.latencies, done,
                   memory.judged(WARM_UP * duration), lag, reckoning,
                   audit_verify(cluster, SERVICES), audit_compare(cluster, year.fiscal_year))


@contextlib.contextmanager
def stores(kind: str, folder: Path):
    """The services' stores: a PostgreSQL database of the run's own, or SQLite files."""
    env = {"SEKLIK_DATA_DIR": str(folder / "data")}
    if kind != "postgres":
        yield env
        return
    import psycopg

    name, user = f"seklik_soak_{uuid.uuid4().hex[:8]}", os.environ.get("POSTGRES_USER",
                                                                         "postgres")
    host, port = os.environ.get("POSTGRES_HOST", "127.0.0.1"), os.environ.get(
        "POSTGRES_PORT", "5432")
    admin = f"host={host} port={port} user={user} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**env, "POSTGRES_HOST": host, "POSTGRES_PORT": port, "POSTGRES_DBNAME": name,
               "POSTGRES_USER": user,
               "POSTGRES_PASSWORD": os.environ.get("POSTGRES_PASSWORD", "")}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


START = "<!-- python -m bench.soak writes from here -->"
END = "<!-- the soak's figures end here -->"


def headline(args, store: str) -> str:
    return (f"Soak run {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC: "
            f"`python -m bench.soak --minutes {args.minutes:g} --callers {args.callers} "
            f"--kills {args.kills} --rate {args.rate:g} --store {store}` "
            "(services as processes, local RabbitMQ)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak")
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--callers", type=int, default=8, help="one contract each")
    parser.add_argument("--kills", type=int, default=6, help="SIGKILLs of random services")
    parser.add_argument("--rate", type=float, default=20.0,
                        help="commands a second across the callers (default 20)")
    parser.add_argument("--store", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--seed", type=int, help="of the faults' moments and victims")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/benchmarks.md as is")
    args = parser.parse_args(argv)
    # The soak opens a proxy per caller and more after each fault: short-lived reply queues.
    nameko.rpc.RPC_REPLY_QUEUE_TTL = 10_000
    work = Path(tempfile.mkdtemp(prefix="seklik-soak-"))
    with broker.own_vhost() as amqp, stores(args.store, work) as env:
        cluster = Cluster({**env, "AMQP_URI": amqp, "SEKLIK_ENV": "development",
                           "SEKLIK_CATCHUP_INTERVAL": "1", "SEKLIK_RELAY_INTERVAL": "0.2"},
                          work)
        tap = Tap(amqp, "contracts", f"soak-tap-{uuid.uuid4().hex[:8]}")
        try:
            start_services(cluster)
            figures = soak(cluster, tap, args.minutes, args.callers, args.kills, args.rate,
                           args.seed)
        finally:
            cluster.stop()
            tap.close()
    text = f"{headline(args, args.store)}\n\n```\n{figures.table()}\n```\n"
    print(text)
    if not args.no_doc:
        from bench.__main__ import write
        write(Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md", text, START, END)
    if figures.failures():
        print("\n".join(figures.failures()), f"\nservice logs kept in {work}", sep="\n",
              file=sys.stderr)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
