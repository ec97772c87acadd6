"""python -m bench.uploads [--mb 5] [--uploads 8] [--no-doc]

An upload of a 5 MB scan through the HTTP gateway (multipart/form-data to
`POST /v1/partners/{id}/documents`, the partners service and the gateway as processes on the
local RabbitMQ), against its baseline: copying the same bytes to the file store's disk (written
whole, fsynced and renamed into place, as the folder store writes). Between the two, the file
store's own work in this process (stage: sniff, hash, seal, write; then open: read, unseal,
hash again; keep: write at the content address), to show where an upload's time goes.

Every upload carries bytes of its own (a PDF header and random bytes), so that none is
deduplicated away. Each figure runs baseline, upload, upload, baseline and adds up each side.
It rewrites its own section of docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import tempfile
import time
import uuid
from pathlib import Path

import requests

from bench import broker
from bench.commands import Bench
from bench.gateway import free_port
from seklik.tables import render
from shared.auth import development_key, mint_token
from shared.config import Settings
from shared.files import FileStore, FolderBackend

START = "<!-- python -m bench.uploads writes from here -->"
END = "<!-- the uploads' figures end here -->"


def scans(mb: float, count: int) -> list[bytes]:
    size = int(mb * 1024 * 1024)
    return [b"%PDF-1.4\n" + os.urandom(size - 9) for _ in range(count)]


def timed(work, items) -> float:
    started = time.perf_counter()
    for item in items:
        work(item)
    return time.perf_counter() - started


def main(mb: float = 5, uploads: int = 8) -> list[dict]:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp))
        port = free_port()
        bench.env["SEKLIK_HTTP_PORT"] = str(port)
        settings = Settings.from_env(bench.env)
        try:
            for service in ("partners", "gateway"):
                bench.start(service)
            regency = settings.regency_code
            token = mint_token(development_key(), "bench.admin", ["admin"], regency=regency)
            http = requests.Session()
            http.headers["Authorization"] = f"Bearer {token}"
            with bench.proxy("admin") as rpc:
                from tests.support import company  # the demo's companies are test data too
                partner = rpc.partners.register_partner(company(1))["partner_id"]
            url = f"http://127.0.0.1:{port}/v1/partners/{partner}/documents"
            fields = ('{"kind": "deed", "number": "AHU-1", "issued_on": "2020-01-01", '
                      '"valid_until": null}')

            def upload(data: bytes):
                answer = http.post(url, files={"document": (None, fields, "application/json"),
                                               "file": ("akta.pdf", data)}, timeout=120)
                answer.raise_for_status()

            disk = FolderBackend(Path(tmp) / "disk")

            def copy(data: bytes):
                disk.write(f"copies/{uuid.uuid4().hex}", data)

            store = FileStore(FolderBackend(Path(tmp) / "store"),
                              FileStore.from_settings(settings).cipher, settings.file_limit)

            def in_process(data: bytes):
                staged = store.stage(data)
                store.keep(store.opened({**staged, "name": "akta.pdf"}))
                store.discard(staged["upload_id"])

            upload(scans(0.1, 1)[0])  # warm: connections, the first worker
            rows = []
            for name, work in (("file store's own work (in process)", in_process),
                               ("upload through the gateway", upload)):
                base = timed(copy, scans(mb, uploads))
                first = timed(work, scans(mb, uploads))
                second = timed(work, scans(mb, uploads))
                base += timed(copy, scans(mb, uploads))
                megabytes = 2 * uploads * mb
                rate, base_rate = megabytes / (first + second), megabytes / base
                rows.append({"what": name, "MB/s": f"{rate:.0f}",
                             "disk copy MB/s": f"{base_rate:.0f}",
                             "per file ms": f"{1000 * (first + second) / (2 * uploads):.0f}",
                             "ratio to disk copy": f"{rate / base_rate:.2f}"})
        finally:
            bench.stop()
    print(f"A {mb:g} MB scan stored through the gateway (HTTP multipart, partners on SQLite, "
          f"local RabbitMQ) and by the file store in process, against writing the same bytes "
          f"to the store's disk; {uploads} files a run, 2 runs a side; load average "
          f"{load:.1f} before it started")
    print(render(rows, list(rows[0])))
    return rows


def write_section(mb: float, uploads: int) -> None:
    from bench.__main__ import Tee, write

    out = Tee()
    with contextlib.redirect_stdout(out):
        print(f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC: "
              f"`python -m bench.uploads`\n\n```")
        main(mb, uploads)
        print("```")
    write(Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md", out.getvalue(),
          START, END)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.uploads")
    parser.add_argument("--mb", type=float, default=5)
    parser.add_argument("--uploads", type=int, default=8)
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    with broker.own_vhost():
        if args.no_doc:
            main(args.mb, args.uploads)
        else:
            write_section(args.mb, args.uploads)
