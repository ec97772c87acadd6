"""python -m bench.export [--events 100000[,1000000]] [--stores sqlite,postgres] [--no-doc]

What an auditor runs over a store of partners' history, with a signed checkpoint every 100
events (as a busy service leaves them) and the service's key trusted: `seklik audit verify`'s
core (every chain, hash, journal row and signature), the audit export (seklik/export.py) and
the stand-alone verifier (tools/verify_export.py) over its files. Each in events/s against
reading the same notifications in the same run (the baseline: what any auditor's tool must do at
least), on SQLite and on PostgreSQL (a schema of its own, dropped afterwards), one process. The
export signs its digest and writes every file; the verifier checks the manifest, every chain,
every hash, the root at every signed checkpoint and every signature.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import shutil
import tempfile
import time
from pathlib import Path

from bench.stores import drop_schemas, postgres_env
from bench.history import grow
from bench.history_bench import BENCH_KEY, sign_every, verify_log
from seklik import audit
from seklik.export import Source, export
from seklik.tables import render
from services.partners.application import PartnersApplication
from shared.auth import encode_key
from shared.config import Settings

ROOT = Path(__file__).resolve().parents[1]
START = "<!-- python -m bench.export writes from here -->"
END = "<!-- the export's figures end here -->"
STORES = ("sqlite", "postgres")
NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def standalone_verifier():
    spec = importlib.util.spec_from_file_location("verify_export",
                                                  ROOT / "tools" / "verify_export.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(app: PartnersApplication, folder: Path) -> dict:
    """One row: reading, verify, the export and the stand-alone verifier, each timed twice in
    mirrored order (A B C D D C B A), so that a machine slowing down or speeding up during the
    row weighs alike on every figure and its baseline (the mean of its two times)."""
    app.digest()  # the journal to the log's end, which each export signs: signed once here
    signed = sign_every(app, 100)
    out, verifier, files = folder / "export", standalone_verifier(), {}

    def read() -> int:
        return sum(1 for _ in audit.pages(app.notifications))

    events = read()  # untimed: a warm start for every figure, and the count each must cover

    def exporting() -> int:
        shutil.rmtree(out, ignore_errors=True)
        manifest = export(out, {"partners": Source.application(app)},
                          regency=app.settings.regency_code)
        files["MB"] = sum(f["size"] for f in manifest["files"]) / 1e6
        return manifest["services"]["partners"]["events"]

    def checking() -> int:
        result = verifier.verify(out)
        assert not result["findings"], result["findings"][:1]
        return result["services"][0]["events"]

    runs = {"read": read, "verify": lambda: verify_log(app, signed), "export": exporting,
            "verify_export": checking}
    seconds = {name: [] for name in runs}
    for name in list(runs) + list(runs)[::-1]:
        started = time.perf_counter()
        assert runs[name]() == events, name  # every figure covers the whole log
        seconds[name].append(time.perf_counter() - started)
    shutil.rmtree(out)  # 1,000,000 events export to about 700 MB
    rate = {name: events / (sum(times) / len(times)) for name, times in seconds.items()}
    row = {"events": events, "signed": signed, "export MB": f"{files['MB']:.0f}",
           "read/s": round(rate["read"])}
    for name in ("verify", "export", "verify_export"):
        row[f"{name}/s"] = round(rate[name])
        row[f"{name} ratio"] = f"{rate[name] / rate['read']:.2f}"
    return row


def store_env(store: str, data: str) -> dict:
    return {"SEKLIK_DATA_DIR": f"{data}/p", "SEKLIK_SERVICE_KEY": encode_key(BENCH_KEY),
            **(postgres_env() if store == "postgres" else {})}


def run_store(store: str, sizes: tuple[int, ...]) -> list[dict]:
    """One store grown to each size in turn (the smaller first), measured at each."""
    rows = []
    with tempfile.TemporaryDirectory() as data:
        env = store_env(store, data)
        app = PartnersApplication(Settings.from_env(env))
        try:
            for size in sorted(sizes):
                started = time.perf_counter()
                grow(app, size - app.max_notification_id())
                print(f"  {NAMES[store]}: history of {app.max_notification_id():,} events made "
                      f"in {time.perf_counter() - started:.0f}s", flush=True)
                rows.append({"store": NAMES[store], **measure(app, Path(data))})
        finally:
            drop_schemas(Settings.from_env(env), [app])
    return rows


def main(sizes: tuple[int, ...] = (100_000,), stores: tuple[str, ...] = STORES) -> list[dict]:
    rows = [row for store in stores for row in run_store(store, sizes)]
    print("`seklik audit verify`, the audit export and the stand-alone verifier "
          "(tools/verify_export.py) against reading the same notifications (one process; a "
          "signed checkpoint every 100 events, checked with a trusted key)")
    print(render(rows, list(rows[0])))
    return rows


def write_section(events: int | tuple[int, ...] = 100_000,
                  stores: tuple[str, ...] = STORES) -> list[dict]:
    from bench.__main__ import Tee, write

    sizes = (events,) if isinstance(events, int) else tuple(events)
    out = Tee()
    with contextlib.redirect_stdout(out):
        print(f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC: "
              f"`python -m bench.export --events {','.join(map(str, sizes))}`\n\n```")
        rows = main(sizes, stores)
        print("```")
    write(ROOT / "docs" / "benchmarks.md", out.getvalue(), START, END)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.export")
    parser.add_argument("--events", default="100000",
                        help="history sizes, comma-separated (default 100000; 1000000 takes "
                             "about a minute to grow on SQLite and exports to about 700 MB)")
    parser.add_argument("--stores", default=",".join(STORES),
                        help="sqlite, postgres or both (default both)")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/benchmarks.md as is")
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.events.split(","))
    stores = tuple(args.stores.split(","))
    if not set(stores) <= set(STORES):
        parser.error(f"--stores: {args.stores!r} is not sqlite, postgres or both")
    if args.no_doc:
        main(sizes, stores)
    else:
        write_section(sizes, stores)
