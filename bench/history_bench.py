"""Rebuild and verify over a large history, against reading the same notifications, at several
sizes (how each figure scales)."""
from __future__ import annotations

import tempfile
import time

from pathlib import Path

from bench import commands, relay
from bench.history import grow
from bench.stores import postgres_env
from seklik import audit
from seklik.tables import render
from services.partners.application import PartnersApplication
from services.reporting.application import ReportingApplication
from shared import checkpoints
from shared.auth import development_key
from shared.config import Settings
from shared.consumer import READ_AHEAD_PAGE, TrackedConsumer


BENCH_KEY = development_key("partners")


def sign_every(app: PartnersApplication, every: int) -> int:
    """Signed checkpoints as the checkpointer leaves them (one per `every` events), written
    here at once over a history grown without them; how many there are."""
    rows = app.sql.query(f"SELECT notification_id, root_hash, recorded_at FROM {app.journal}"
                         f" WHERE MOD(notification_id, ?) = 0 ORDER BY notification_id", (every,))
    with app.sql.transaction() as cur:
        for nid, root, recorded_at in rows:
            entry = checkpoints.sign(BENCH_KEY, regency=app.settings.regency_code,
                                     service=app.name, notification_id=nid, root_hash=root,
                                     recorded_at=recorded_at)
            cur.execute(f"INSERT INTO {app.signed} (notification_id, regency, service,"
                        " root_hash, recorded_at, key_id, public_key, signature) VALUES"
                        " (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (notification_id) DO NOTHING",
                        (nid, entry["regency"], entry["service"], root, recorded_at,
                         entry["key_id"], entry["public_key"], entry["signature"]))
    return app.sql.query(f"SELECT COUNT(*) FROM {app.signed}")[0][0]


def verify_rates(app: PartnersApplication, every: int = 100) -> dict:
    """Verify (chains, journal, and a signed checkpoint every `every` events checked with a
    trusted key) against reading the same notifications."""
    started = time.perf_counter()
    read = 0
    for _ in audit.pages(lambda a, n: app.notifications(a, n)):
        read += 1
    reading = read / (time.perf_counter() - started)

    app.extend_journal()  # the checkpoints verify compares with (the relay writes them live)
    signed = sign_every(app, every)
    started = time.perf_counter()
    verifying = verify_log(app, signed) / (time.perf_counter() - started)
    return {"read/s": reading, "verify/s": verifying, "signed": signed}


def verify_log(app: PartnersApplication, signed: int) -> int:
    """`seklik audit verify`'s core over the store's log, journal and `signed` signed
    checkpoints, BENCH_KEY trusted for partners (as a kept digest or --keys would); the events
    verified."""
    trusted = checkpoints.TrustedKeys()
    trusted.add("partners", BENCH_KEY.public_key(), "bench")
    report = audit.verify_service("partners", audit.pages(lambda a, n: app.notifications(a, n)),
                                  audit.pages(lambda a, n: app.checkpoints(a, n)),
                                  signed=audit.pages(app.signed_checkpoints), trusted=trusted)
    assert not report["findings"], report["findings"][:1]
    assert report["signed"] == signed
    return report["events"]


def rates(app: PartnersApplication, data: str, size: int, env: dict) -> dict:
    total = app.max_notification_id()
    figures = verify_rates(app)
    reading, verifying = figures["read/s"], figures["verify/s"]

    views = ReportingApplication(Settings.from_env({  # a store of their own, of the same kind
        **env, "SEKLIK_DATA_DIR": f"{data}/r{size}",
        "POSTGRES_SCHEMA_PREFIX": f"{env.get('POSTGRES_SCHEMA_PREFIX', '')}r{size}_"}))
    # a generation of its own, as `seklik reporting rebuild` builds beside the live views
    views = ReportingApplication(views.settings, generation=views.start_generation())
    started = time.perf_counter()
    # the source read in this process: pages as a rebuild's, no read-ahead thread (it would
    # share the GIL with the applying; shared/consumer.py)
    TrackedConsumer("partners", views.tracked_position, views.apply_envelope,
                    lambda source, after, limit: app.notifications(after, limit),
                    apply_batch=views.apply_envelopes, page=READ_AHEAD_PAGE,
                    hold_collector=True).catch_up()
    views.index()
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
        # Development settings, as the partners process `at_scale` starts on the same store:
        # the same cipher (events encrypted at rest, as in production) and the same keys. A
        # store written under two ciphers reads back undecodable, and verify says so.
        env = {"SEKLIK_DATA_DIR": f"{data}/p", "SEKLIK_ENV": "development",
               **(postgres_env() if store == "postgres" else {})}
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
