"""A benchmark run in a process of its own, its figures printed here and its rows returned.

The commands' and the propagation's callers are green threads, so their process is
monkey-patched as `nameko run` is; `python -m bench` runs its other benchmarks unpatched, and
runs those two through `run` (each module's `__main__` takes `--rows FILE`, see `keep_rows`).
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(module: str, *args: str, title: str) -> list[dict]:
    """`python -m module args --rows FILE`: its output printed, its rows returned ([] when it
    failed: then its last output is shown and the failure said where its figures would be)."""
    with tempfile.TemporaryDirectory() as tmp:
        rows = Path(tmp) / "rows.json"
        done = subprocess.run([sys.executable, "-m", module, *args, "--rows", str(rows)],
                              cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-4000:])
            print(f"{title}: the run failed (exit {done.returncode})")
            return []
        print(done.stdout.rstrip())
        return json.loads(rows.read_text())


def keep_rows(path: str | None, rows: list[dict]) -> None:
    """Write a run's rows where `run` reads them (what JSON cannot hold is left out)."""
    if path:
        Path(path).write_text(json.dumps(
            [{key: value for key, value in row.items()
              if isinstance(value, (str, int, float, bool, type(None)))} for row in rows]))
