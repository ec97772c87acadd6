"""python -m bench.export [--events 100000] [--no-doc]

The audit export (seklik/export.py) and the stand-alone verifier (tools/verify_export.py) over
one store of partners' history (SQLite, one process), each in events/s against reading the same
notifications in the same run (the baseline: what any auditor's tool must do at least). The
export signs its digest and writes every file; the verifier checks the manifest, every chain,
every hash, the root at every signed checkpoint (one per 100 events, as a busy service leaves
them) and every signature.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import tempfile
import time
from pathlib import Path

from bench.history import grow
from bench.history_bench import BENCH_KEY, sign_every
from seklik import audit
from seklik.export import Source, export
from seklik.tables import render
from services.partners.application import PartnersApplication
from shared.auth import encode_key
from shared.config import Settings

ROOT = Path(__file__).resolve().parents[1]
START = "<!-- python -m bench.export writes from here -->"
END = "<!-- the export's figures end here -->"


def standalone_verifier():
    spec = importlib.util.spec_from_file_location("verify_export",
                                                  ROOT / "tools" / "verify_export.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reading_rate(app: PartnersApplication) -> float:
    started, read = time.perf_counter(), 0
    for _ in audit.pages(app.notifications):
        read += 1
    return read / (time.perf_counter() - started)


def measure(app: PartnersApplication, folder: Path) -> dict:
    app.extend_journal()
    signed = sign_every(app, 100)
    reading = reading_rate(app)
    out = folder / "export"
    started = time.perf_counter()
    manifest = export(out, {"partners": Source.application(app)},
                      regency=app.settings.regency_code)
    exporting = manifest["services"]["partners"]["events"] / (time.perf_counter() - started)
    verifier = standalone_verifier()
    started = time.perf_counter()
    result = verifier.verify(out)
    verifying = result["services"][0]["events"] / (time.perf_counter() - started)
    assert not result["findings"], result["findings"][:1]
    size = sum(f["size"] for f in manifest["files"])
    return {"events": manifest["services"]["partners"]["events"], "signed": signed,
            "export MB": f"{size / 1e6:.0f}", "read/s": round(reading),
            "export/s": round(exporting), "export ratio": f"{exporting / reading:.2f}",
            "verify/s": round(verifying), "verify ratio": f"{verifying / reading:.2f}"}


def main(events: int = 100_000) -> dict:
    with tempfile.TemporaryDirectory() as data:
        app = PartnersApplication(Settings.from_env({
            "SEKLIK_DATA_DIR": f"{data}/p", "SEKLIK_SERVICE_KEY": encode_key(BENCH_KEY)}))
        started = time.perf_counter()
        grow(app, events)
        print(f"  history of {app.max_notification_id():,} events made in "
              f"{time.perf_counter() - started:.0f}s", flush=True)
        row = measure(app, Path(data))
    print("The audit export and the stand-alone verifier (tools/verify_export.py) against "
          "reading the same notifications (SQLite, one process; a signed checkpoint every "
          "100 events)")
    print(render([row], list(row)))
    return row


def write_section(events: int) -> None:
    from bench.__main__ import Tee, write

    out = Tee()
    with contextlib.redirect_stdout(out):
        print(f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC: "
              f"`python -m bench.export --events {events}`\n\n```")
        main(events)
        print("```")
    write(ROOT / "docs" / "benchmarks.md", out.getvalue(), START, END)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.export")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--no-doc", action="store_true", help="leave docs/benchmarks.md as is")
    args = parser.parse_args()
    if args.no_doc:
        main(args.events)
    else:
        write_section(args.events)
