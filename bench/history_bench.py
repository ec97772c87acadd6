"""Rebuild and verify over a large history, against reading the same notifications, at several
sizes (how each figure scales)."""
from __future__ import annotations

import tempfile
import time

from bench.history import grow
from seklik import audit
from seklik.tables import render
from services.partners.application import PartnersApplication
from services.reporting.application import ReportingApplication
from shared.config import Settings
from shared.consumer import TrackedConsumer


def rates(app: PartnersApplication, data: str, size: int) -> dict:
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

    views = ReportingApplication(Settings.from_env({"SEKLIK_DATA_DIR": f"{data}/r{size}"}))
    views.reset()
    started = time.perf_counter()
    TrackedConsumer("partners", views.tracked_position, views.apply_envelope,
                    lambda source, after, limit: app.notifications(after, limit),
                    apply_batch=views.apply_envelopes).catch_up()
    rebuilding = total / (time.perf_counter() - started)
    return {"events": total, "read/s": round(reading), "verify/s": round(verifying),
            "verify ratio": f"{verifying / reading:.2f}", "rebuild/s": round(rebuilding),
            "rebuild ratio": f"{rebuilding / reading:.2f}"}


def main(sizes=(10_000, 100_000)) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as data:
        app = PartnersApplication(Settings.from_env({"SEKLIK_DATA_DIR": f"{data}/p"}))
        for size in sizes:
            started = time.perf_counter()
            grow(app, size - app.max_notification_id())
            print(f"  history of {app.max_notification_id():,} events made in "
                  f"{time.perf_counter() - started:.0f}s", flush=True)
            rows.append(rates(app, data, size))
    print("Verify and rebuild against reading the notifications (SQLite, one process)")
    print(render(rows, ["events", "read/s", "verify/s", "verify ratio", "rebuild/s",
                        "rebuild ratio"]))
    return rows
