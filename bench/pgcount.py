"""What a process asks of PostgreSQL: statements, round trips, commits and the time it waits.

`python -m bench.pgcount nameko run ...` runs a service as `nameko run` does, counting, and
writes its counts to the file named by SEKLIK_BENCH_PGCOUNT every 0.2 s (bench/commands.py
--count reads them before and after each figure). `counting()` counts in this process (the
save() loops). Only for benchmarks: the counting itself costs some CPU.

- statements: each one sent (an executemany of n rows is n), BEGIN/COMMIT/ROLLBACK included;
- round trips: each time the process has sent all it had and waits for the server's answer
  (a pipeline's statements answered together count once);
- commits: transactions that wrote (INSERT, UPDATE, DELETE, LOCK, NOTIFY, CREATE...),
  committed, plus writes run outside a transaction (autocommit): each waits for a WAL flush;
- async_commits: those of them that said `SET LOCAL synchronous_commit TO OFF` (no wait);
- wait_s: seconds spent waiting for the server (with psycopg's own C wait, time in which
  nothing else of an eventlet process runs; see shared/postgres.py).
- by_statement: the statements by their first words, schema names left out.
"""
from __future__ import annotations

import collections
import contextlib
import copy
import json
import os
import re
import sys
import time

COUNTS: dict = {"statements": 0, "round_trips": 0, "commits": 0, "async_commits": 0,
                "wait_s": 0.0, "by_statement": collections.Counter()}
WRITES = ("INSERT", "UPDATE", "DELETE", "LOCK", "NOTIFY", "CREATE", "ALTER", "SELECT PG_ADV")
SCHEMA = re.compile(r'"?[a-z0-9_]+"?\.(?=["a-z_])')
_installed = False


def label(conn, query) -> str:
    text = query if isinstance(query, str) else (
        query.decode() if isinstance(query, bytes) else query.as_string(conn))
    return " ".join(SCHEMA.sub("", text).split())[:70]


def install() -> None:
    """Wrap psycopg's connection, cursor, transaction and pipeline to count (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    from psycopg import Connection, Cursor
    from psycopg.transaction import BaseTransaction

    def note(conn, query, rows: int = 1) -> None:
        text = label(conn, query)
        COUNTS["statements"] += rows
        COUNTS["by_statement"][text] += rows
        if text.upper().startswith("SET LOCAL SYNCHRONOUS_COMMIT TO OFF"):
            conn._bench_async = True
        elif text.upper().startswith(WRITES):
            if conn._num_transactions or conn.pgconn.transaction_status != 0:
                conn._bench_wrote = True  # counted when its transaction commits
            else:  # idle in autocommit: the statement is its own commit
                COUNTS["commits"] += rows

    def wrap(cls, name, before):
        original = getattr(cls, name)

        def wrapped(self, *args, **kwargs):
            before(self, *args, **kwargs)
            return original(self, *args, **kwargs)
        setattr(cls, name, wrapped)

    wrap(Cursor, "execute", lambda cur, query, *a, **k: note(cur._conn, query))
    wrap(Cursor, "executemany", lambda cur, query, params, *a, **k: note(
        cur._conn, query, len(params) if hasattr(params, "__len__") else 1))

    exec_command = Connection._exec_command

    def command(conn, cmd, *args, **kwargs):
        text = label(conn, cmd)
        COUNTS["statements"] += 1
        COUNTS["by_statement"][text] += 1
        if text.upper().startswith("BEGIN"):
            conn._bench_wrote = conn._bench_async = False
        return exec_command(conn, cmd, *args, **kwargs)
    Connection._exec_command = command

    commit_gen = BaseTransaction._commit_gen

    def commit(tx):
        if getattr(tx._conn, "_bench_wrote", False):
            COUNTS["async_commits" if getattr(tx._conn, "_bench_async", False)
                   else "commits"] += 1
        tx._conn._bench_wrote = tx._conn._bench_async = False
        return commit_gen(tx)
    BaseTransaction._commit_gen = commit

    from psycopg import waiting
    wait = Connection.wait

    def reads(gen):
        """The generator as it is, counting each time it waits for the server to answer."""
        try:
            state = next(gen)
            while True:
                if state == waiting.Wait.R:  # nothing left to send: waits for the answer
                    COUNTS["round_trips"] += 1
                state = gen.send((yield state))
        except StopIteration as stop:
            return stop.value

    def waited(conn, gen, *args, **kwargs):
        started = time.perf_counter()
        try:
            return wait(conn, reads(gen), *args, **kwargs)
        finally:
            COUNTS["wait_s"] += time.perf_counter() - started
    Connection.wait = waited  # whichever wait function psycopg uses (shared/pgwait.py)


def snapshot() -> dict:
    return copy.deepcopy(COUNTS)


def difference(after: dict, before: dict) -> dict:
    return {key: (after[key] - before[key]) if key != "by_statement"
            else collections.Counter(after[key]) - collections.Counter(before[key])
            for key in after}


@contextlib.contextmanager
def counting():
    """Count this process's PostgreSQL work inside the block: yields a dict filled at exit."""
    install()
    before, result = snapshot(), {}
    try:
        yield result
    finally:
        result.update(difference(snapshot(), before))


def read(path: str) -> dict:
    """A counting process's last written counts (zeros before its first write)."""
    try:
        with open(path) as f:
            counts = json.load(f)
    except (OSError, ValueError):
        return {key: collections.Counter() if key == "by_statement" else 0 for key in COUNTS}
    counts["by_statement"] = collections.Counter(counts["by_statement"])
    return counts


def _write_forever(path: str) -> None:
    import eventlet

    while True:
        eventlet.sleep(0.2)
        with open(path + ".tmp", "w") as f:
            json.dump(COUNTS, f)
        os.replace(path + ".tmp", path)


def main() -> None:
    import eventlet
    eventlet.monkey_patch()  # as `nameko run` does, before psycopg is imported
    install()
    eventlet.spawn(_write_forever, os.environ["SEKLIK_BENCH_PGCOUNT"])
    from nameko.cli.main import main as nameko
    sys.argv = sys.argv[1:]
    nameko()


if __name__ == "__main__":
    main()
