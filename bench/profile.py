"""python -m bench.profile [--commands N] [--callers C] [--store sqlite|postgres] [--save FILE]

Where a partners process spends its time on register_partner: the service runs under cProfile
(`nameko run`, SQLite store or a PostgreSQL schema of its own, local RabbitMQ) while C callers
send N registrations through RPC; then the time of each package (own time, summed), the
commits and statements per command, and the most expensive functions. The costs
docs/benchmarks.md lists were found so.
"""
from __future__ import annotations

import argparse
import collections
import os
import pstats
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import eventlet

from bench import broker
from bench.commands import Bench, company
from bench.stores import drop_schemas
from seklik.cluster import ROOT, wait_answering
from shared.config import Settings


def where(path: str, function: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/")[1].split("/")[0]
    if path.startswith(str(ROOT)):
        return "seklik " + Path(path).relative_to(ROOT).parts[0]
    if path == "~":
        return function.strip("<>").replace("method ", "").split(" of ")[0].strip("'")
    return "stdlib " + Path(path).stem


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--callers", type=int, default=8)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--save", metavar="FILE", help="keep the profile (pstats) there")
    args = parser.parse_args()
    with broker.own_vhost(), tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp), args.store)
        log, out = bench.logs / "partners.log", Path(tmp) / "partners.prof"
        proc = subprocess.Popen(
            [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "nameko", "run",
             "--config", "config.yaml", "services.partners.service:PartnersService"],
            cwd=ROOT, env={**os.environ, **bench.env, "SEKLIK_LOG_LEVEL": "INFO"},
            stdout=open(log, "ab"), stderr=subprocess.STDOUT)
        try:
            wait_answering(lambda timeout: bench.proxy("system", timeout=timeout), "partners",
                           proc, log)
            rate = bench.rate("admin", args.callers, args.commands, lambda rpc, n: (
                rpc.partners.register_partner(company(n), command_id=f"profile-{n}")))
            eventlet.sleep(1)  # the relay publishes the last ones
        finally:
            proc.send_signal(signal.SIGINT)  # nameko stops; cProfile writes its file
            proc.wait(60)
            drop_schemas(Settings.from_env(bench.env), bench.apps.values())
        stats = pstats.Stats(str(out))
        if args.save:
            stats.dump_stats(args.save)
    own = collections.Counter()
    calls = {}
    for (path, _, function), (_, ncalls, tottime, _, _) in stats.stats.items():
        own[where(path, function)] += tottime
        calls[function] = calls.get(function, 0) + ncalls
        if "/psycopg/" in path:  # psycopg's own: "psycopg/cursor.py:execute"
            key = f"psycopg/{path.rsplit('/psycopg/', 1)[1]}:{function}"
            calls[key] = calls.get(key, 0) + ncalls
    idle = own.pop("poll", 0.0)
    print(f"register_partner: {args.commands} commands from {args.callers} callers at "
          f"{rate:,.0f}/s (under the profiler); the process waited in epoll {idle:.1f}s")
    if args.store == "postgres":  # commits: of transactions (a statement alone not counted)
        commits = calls.get("psycopg/transaction.py:_commit_gen", 0)
        statements = calls.get("psycopg/cursor.py:execute", 0) + calls.get(
            "psycopg/cursor.py:executemany", 0)
    else:
        commits = calls.get("<method 'commit' of 'sqlite3.Connection' objects>", 0)
        statements = calls.get("<method 'execute' of 'sqlite3.Cursor' objects>", 0)
    print(f"{'PostgreSQL' if args.store == 'postgres' else 'SQLite'} per command: "
          f"{commits / args.commands:.2f} commits, {statements / args.commands:.1f} statements "
          f"(bench.commands --count counts them exactly)")
    print("\nOwn time by package (s), the process's whole life:")
    for name, seconds in own.most_common(15):
        print(f"  {seconds:7.3f}  {name}")
    print()
    stats.sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
