"""Rebuild and verify over a large history, against reading the same notifications, at several
sizes (how each figure scales)."""
from __future__ import annotations

import tempfile
import time

from pathlib import Path

from bench import commands, relay
from bench.history import grow
from seklik import audit
from seklik.tables import render
from services.partners.application import PartnersApplication
from services.reporting.application import ReportingApplication
from shared.config import Settings
from shared.consumer import TrackedConsumer


def rates(app: PartnersApplication, data: str, size: int, env: dict) -> dict:
    total = app.max_notification_id()
    started = time.perf_counter()
    read = 0
    for _ in audit.pages(lambda a, n: app.notifications(a, n)):
        read += 1
    reading = read / (time.perf_counter() - started)

    app.extend_journal()  # the checkpoints verify compares with (the relay writes them live)
    started = time.perf_counter()
    report = audit.verify_service("partners", audit.pages(lambda a, n: app.notifications(a, n)),
                                  audit.pages(lambda a, n: app.checkpoints(a, n)))
    verifying = report["events"] / (time.perf_counter() - started)
    assert not report["findings"], report["findings"][:1]

    views = ReportingApplication(Settings.from_env({  # a store of their own, of the same kind
        **env, "SEKLIK_DATA_DIR": f"{data}/r{size}",
        "POSTGRES_SCHEMA_PREFIX": f"{env.get('POSTGRES_SCHEMA_PREFIX', '')}r{size}_"}))
    views.reset()
    started = time.perf_counter()
    TrackedConsumer("partners", views.tracked_position, views.apply_envelope,
                    lambda source, after, limit: app.notifications(after, limit),
                    apply_batch=views.apply_envelopes).catch_up()
    rebuilding = total / (time.perf_counter() - started)
    return {"events": total, "read/s": round(reading), "verify/s": round(verifying),
            "verify ratio": f"{verifying / reading:.2f}", "rebuild/s": round(rebuilding),
            "rebuild ratio": f"{rebuilding / reading:.2f}"}


def at_scale(app: PartnersApplication, env: dict) -> dict:
    """The relay and register_partner through RPC on a store already holding the history:
    the relay publishes the last 10,000 events (against one confirm per message), and a
    partners process on the same store takes registrations (against an echo RPC)."""
    figures = relay.measure(app, first=max(0, app.max_notification_id() - 10_000))
    row = {"relay/s": round(figures["relayed"]),
           "relay ratio": f"{figures['relayed'] / figures['baseline']:.2f}"}
    bench = commands.Bench(Path(env["SEKLIK_DATA_DIR"]))
    bench.env.update(env)
    try:
        bench.start("bench_echo")
        bench.start("partners")
        bench.rate("admin", 1, 50, lambda rpc, n: rpc.bench_echo.echo("x"))  # warm up both
        bench.rate("admin", 1, 50, lambda rpc, n: rpc.partners.register_partner(
            commands.company(10**9 + n), command_id=f"scale-{n}"))
        for callers in (1, 8):
            echo = bench.rate("admin", callers, 200, lambda rpc, n: rpc.bench_echo.echo("x"))
            registering = bench.rate("admin", callers, 200, lambda rpc, n: (
                rpc.partners.register_partner(commands.company(10**9 + n),
                                              command_id=f"scale-{n}")))
            row[f"register/s ({callers})"] = round(registering)
            row[f"vs echo ({callers})"] = f"{registering / echo:.2f}"
    finally:
        bench.stop()
    return row


def main(sizes=(10_000, 100_000), store: str = "sqlite") -> list[dict]:
    rows, scale = [], []
    with tempfile.TemporaryDirectory() as data:
        env = {"SEKLIK_DATA_DIR": f"{data}/p",
               **(commands.postgres_env() if store == "postgres" else {})}
        app = PartnersApplication(Settings.from_env(env))
        for size in sizes:
            started = time.perf_counter()
            grow(app, size - app.max_notification_id())
            print(f"  history of {app.max_notification_id():,} events made in "
                  f"{time.perf_counter() - started:.0f}s", flush=True)
            rows.append(rates(app, data, size, env))
            scale.append({"events": app.max_notification_id(), **at_scale(app, env)})
    kind = "PostgreSQL" if store == "postgres" else "SQLite"
    print(f"Verify and rebuild against reading the notifications ({kind}, one process)")
    print(render(rows, ["events", "read/s", "verify/s", "verify ratio", "rebuild/s",
                        "rebuild ratio"]))
    print(f"\nThe relay and commands on a store already holding the history ({kind}): the "
          "relay publishes the last 10,000 events (ratio: against one confirm per message); "
          "register_partner through RPC with 1 and 8 callers (ratio: against an echo RPC)")
    print(render(scale, list(scale[0])))
    return rows + scale
