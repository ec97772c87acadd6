"""python -m bench.propagation [--store postgres|sqlite] [--rates 25,50,100] [--seconds 60]
                              [--callers 32]

Propagation under load: the time from a command's answer to its effect in the reporting view,
at sustained rates of commands, beside one echo RPC's time measured in the same run.

The services run as processes (bench.commands.Bench, as `python -m bench` starts them):
partners, assessment, contracts, the projector and reporting, and the echo service. Callers
send register_partner open-loop: command k leaves at start + k/rate whatever happened to the
ones before it (it waits for a caller only when every caller is busy, which `sent late`
counts). One watcher reads the projector's position in the partners log from the reporting
store every WATCH seconds and stamps when each position first shows; the views and the
position move in one transaction, so a position at or past a command's event is its effect
shown. A command's propagation is the stamp of its PartnerRegistered notification minus the
moment its answer came back. Between two rates the projector catches up and the feed queues
empty, so each rate starts from a steady state.

The knee is the first rate whose p99 reaches KNEE_MS. When none of the rates asked reaches it,
the run goes on with the next rate of RATES and HIGHER, until one does or the callers no longer
reach the rate asked.
"""
from __future__ import annotations

import eventlet

if __name__ == "__main__":
    eventlet.monkey_patch()  # as `nameko run` does: the callers and the watcher are green threads

import argparse  # noqa: E402
import bisect  # noqa: E402
import contextlib  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import eventlet.queue  # noqa: E402

from bench import apart, broker  # noqa: E402
from bench.commands import Bench, caught_up, company, percentile  # noqa: E402
from bench.stores import drop_schemas  # noqa: E402
from seklik.tables import render  # noqa: E402
from services.partners.application import PartnersApplication  # noqa: E402
from services.reporting.application import ReportingApplication  # noqa: E402
from shared.config import Settings  # noqa: E402
from shared.relay import relay_position  # noqa: E402

RATES = (25, 50, 100)       # commands per second
HIGHER = (150, 200)         # tried when no rate asked reaches the knee
SECONDS = 60                # at each rate
CALLERS = 32                # proxies sending in turn: enough for 100/s at 300 ms each
KNEE_MS = 100               # the p99 that names the knee
WATCH = 0.005               # seconds between two reads of the projector's position
REACHED = 0.95              # achieved/asked below this: the callers no longer reach the rate
SERVICES = ("bench_echo", "partners", "assessment", "contracts", "projector", "reporting")


class Watcher:
    """Reads a position in the partners log (`read()`) every `every` seconds and keeps each
    new position with the moment it was first read."""

    def __init__(self, read, every: float = WATCH):
        self.read, self.every = read, every
        self.moments: list[float] = []
        self.positions: list[int] = []
        self._stopping = False
        self._thread = None

    def start(self) -> "Watcher":
        self._thread = eventlet.spawn(self._watch)
        return self

    def _watch(self) -> None:
        last = -1
        while not self._stopping:
            position = self.read() or 0
            # Stamped after the read: a position is never said shown before it was.
            read_at = time.perf_counter()
            if position > last:
                self.moments.append(read_at)
                self.positions.append(position)
                last = position
            eventlet.sleep(self.every)

    def shown(self, notification_id: int) -> float | None:
        """When the position was first read at or past `notification_id`."""
        i = bisect.bisect_left(self.positions, notification_id)
        return self.moments[i] if i < len(self.moments) else None

    def wait_for(self, notification_id: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.shown(notification_id) is None and time.monotonic() < deadline:
            eventlet.sleep(0.05)

    def stop(self) -> None:
        self._stopping = True
        if self._thread is not None:
            self._thread.wait()


def echo_ms(bench: Bench, calls: int = 50) -> float:
    """One echo RPC's time, one caller after another (the cost of RPC alone)."""
    with bench.proxy("admin") as rpc:
        rpc.bench_echo.echo("x")
        started = time.perf_counter()
        for _ in range(calls):
            rpc.bench_echo.echo("x")
        return (time.perf_counter() - started) / calls * 1000


def sustain(bench: Bench, rate: float, seconds: float, callers: int, first: int) -> dict:
    """register_partner at `rate` a second for `seconds`, open-loop, from `callers` proxies.
    {partner_id: moment answered}, how many left more than 10 ms late, and the rate achieved
    (answers over the time from the first command's due moment to the last answer)."""
    total = round(rate * seconds)
    answered: dict[str, float] = {}
    late, failed = [], []
    free = eventlet.queue.LightQueue()

    def send(n: int, due: float) -> None:
        rpc = free.get()  # a free caller; when all are busy, this command leaves late
        sent = time.perf_counter()
        try:
            answer = rpc.partners.register_partner(company(n), command_id=f"propagation-{n}")
            answered[answer["partner_id"]] = time.perf_counter()
        except Exception as exc:  # counted and shown: a failed command has no effect to wait
            failed.append(repr(exc))
        finally:
            free.put(rpc)
        if sent - due > 0.010:
            late.append(sent - due)

    with contextlib.ExitStack() as stack:
        for _ in range(callers):
            free.put(stack.enter_context(bench.proxy("admin")))
        pool = eventlet.GreenPool(total)
        start = time.perf_counter() + 0.2
        for k in range(total):
            due = start + k / rate
            eventlet.sleep(max(0.0, due - time.perf_counter()))
            pool.spawn(send, first + k, due)
        pool.waitall()
    if failed:
        print(f"{len(failed)} of {total} commands failed at {rate:g}/s, e.g. {failed[0]}",
              file=sys.stderr)
    span = max(answered.values(), default=start) - start
    return {"answered": answered, "late": len(late),
            "achieved": len(answered) / span if span > 0 else 0.0}


def registered_ids(partners: PartnersApplication, after: int) -> dict[str, int]:
    """{partner_id: notification id of its PartnerRegistered} in the log after `after`."""
    ids, page = {}, partners.notifications(after, 1000)
    while page:
        for env in page:
            if env["type"] == "PartnerRegistered":
                ids[env["originator_id"]] = env["notification_id"]
        page = partners.notifications(page[-1]["notification_id"], 1000)
    return ids


def measure(bench: Bench, rate: float, seconds: float, callers: int, first: int) -> dict:
    """One rate: the propagation of each command it sent, as a row of the table; beside it,
    the time to the relay's cursor (published and confirmed by the broker)."""
    caught_up(bench)
    echo = echo_ms(bench)
    partners, reporting = bench.app(PartnersApplication), bench.app(ReportingApplication)
    before = partners.max_notification_id()
    view = Watcher(lambda: reporting.tracked_position("partners")).start()
    relayed = Watcher(lambda: relay_position(partners)).start()
    try:
        run = sustain(bench, rate, seconds, callers, first)
        ids = registered_ids(partners, before)
        view.wait_for(max(ids.values(), default=0))
    finally:
        view.stop()
        relayed.stop()
    delays = delays_of(view, run["answered"], ids)
    to_relay = delays_of(relayed, run["answered"], ids)
    if len(delays) < len(run["answered"]):
        raise RuntimeError(f"{len(run['answered']) - len(delays)} command(s) at {rate:g}/s "
                           "never showed in the reporting view")
    p = {q: percentile(delays, q) * 1000 for q in (50, 95, 99)}
    return {"rate asked": int(rate), "rate achieved": round(run["achieved"], 1),
            "commands": len(delays), "sent late": run["late"], "p50 ms": round(p[50]),
            "p95 ms": round(p[95]), "p99 ms": round(p[99]),
            "max ms": round(delays[-1] * 1000),
            "relayed p99 ms": round(percentile(to_relay, 99) * 1000), "echo ms": round(echo, 1),
            "p50 vs echo": f"{p[50] / echo:.1f}x", "p99": p[99]}


def delays_of(watcher: Watcher, answered: dict[str, float], ids: dict[str, int]) -> list[float]:
    """Seconds from each answer to the moment `watcher` first read its event's position."""
    shown = {pid: watcher.shown(ids[pid]) for pid in answered}
    return sorted(shown[pid] - at for pid, at in answered.items() if shown[pid] is not None)


def knee(rows: list[dict]) -> str:
    passed = next((row for row in rows if row["p99"] >= KNEE_MS), None)
    if passed is not None:
        return (f"Knee: p99 passes {KNEE_MS} ms at {passed['rate asked']} commands/s "
                f"({passed['p99 ms']} ms).")
    reached = max(row["rate achieved"] for row in rows)
    return (f"Knee: above {reached:g} commands/s, the highest rate reached; p99 stays under "
            f"{KNEE_MS} ms up to there.")


def beyond(rows: list[dict]) -> bool:
    """Whether to try a higher rate: no knee yet, and the callers reached the last rate."""
    last = rows[-1]
    return (all(row["p99"] < KNEE_MS for row in rows)
            and last["rate achieved"] >= REACHED * last["rate asked"])


def main(store: str = "postgres", rates=RATES, seconds: float = SECONDS,
         callers: int = CALLERS) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp), store)
        try:
            for service in SERVICES:
                bench.start(service)
            sustain(bench, 10, 2, 4, first=3_000_000)  # warm up: a process's first calls cost more
            plan = list(rates)
            while plan:
                rate = plan.pop(0)
                first = 3_100_000 + 1_000_000 * len(rows)  # numbers no other rate uses
                rows.append(measure(bench, rate, seconds, callers, first))
                if not plan and beyond(rows):
                    plan = [r for r in sorted({*RATES, *HIGHER}) if r > rate][:1]
        finally:
            bench.stop()
            drop_schemas(Settings.from_env(bench.env), bench.apps.values())
    print(f"Propagation under load: register_partner open-loop from {callers} callers, "
          f"{seconds:g} s per rate, answer to the reporting view "
          f"({'PostgreSQL' if store == 'postgres' else 'SQLite'} stores, local RabbitMQ, "
          f"services as processes; the view read every {WATCH * 1000:g} ms)")
    print(render(rows, ["rate asked", "rate achieved", "commands", "sent late", "p50 ms",
                        "p95 ms", "p99 ms", "max ms", "relayed p99 ms", "echo ms", "p50 vs echo"]))
    print(knee(rows))
    return rows


def run_apart(store: str = "postgres") -> list[dict]:
    """`main(store)` in a process of its own, monkey-patched for its callers and watcher."""
    return apart.run("bench.propagation", "--store", store, title="Propagation under load")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.propagation")
    parser.add_argument("--store", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--rates", default=",".join(map(str, RATES)),
                        help="commands per second, one figure each (default 25,50,100)")
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--callers", type=int, default=CALLERS)
    parser.add_argument("--rows", help="also write the figures' rows there (JSON)")
    args = parser.parse_args()
    with broker.own_vhost():
        apart.keep_rows(args.rows, main(args.store, tuple(int(r) for r in args.rates.split(",")),
                                        args.seconds, args.callers))
