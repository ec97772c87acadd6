"""A SQLite store's page cache (SEKLIK_SQLITE_CACHE_MB): SQLite's default of 2 MB per connection
is far smaller than the views of a 1,000,000-event history, whose rebuild then reads index pages
from the file again and again and falls from 0.54 to 0.40 of reading (docs/benchmarks.md)."""
import subprocess
import sys
import time

import pytest

from services.partners.application import PartnersApplication
from services.reporting.application import ReportingApplication
from shared.config import ConfigurationError, Settings


def cache_kib(app) -> set[int]:
    """The cache_size of every connection the store's pool holds, and of a new one, in KiB."""
    pool = app.recorder.datastore.pool
    connections = [*pool._pool, pool._create_connection()]
    return {-conn._sqlite_conn.execute("PRAGMA cache_size").fetchone()[0]
            for conn in connections}


def test_every_connection_of_a_sqlite_store_has_the_page_cache_asked(tmp_path):
    default = Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path / "a")})
    assert cache_kib(PartnersApplication(default)) == {64 * 1024}
    small = Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path / "b"),
                               "SEKLIK_SQLITE_CACHE_MB": "8"})
    assert cache_kib(ReportingApplication(small)) == {8 * 1024}


@pytest.mark.parametrize("text", ["0", "-5", "nan", "2000", "banyak"])
def test_a_cache_size_out_of_range_stops_the_service_and_says_what_is_right(tmp_path, text):
    with pytest.raises(ConfigurationError, match="SEKLIK_SQLITE_CACHE_MB is .*from 0.1 to 1024"):
        Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path), "SEKLIK_SQLITE_CACHE_MB": text})


def test_a_write_waits_30_seconds_for_another_process_s_transaction_not_5(tmp_path):
    """A service starting beside a projector committing a large catch-up page waits for it
    (SQLite's busy timeout), rather than failing with "database is locked" after
    eventsourcing's 5 s."""
    app = PartnersApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path)}))
    assert app.recorder.datastore.pool.lock_timeout == 30
    holder = subprocess.Popen([sys.executable, "-c", (  # another process: the lock for 6 s
        "import sqlite3, sys, time\n"
        f"conn = sqlite3.connect({str(tmp_path / 'partners.sqlite')!r}, isolation_level=None)\n"
        "conn.execute('BEGIN IMMEDIATE'); print('held', flush=True)\n"
        "time.sleep(6); conn.rollback()\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with app.recorder.datastore.transaction(commit=True) as cursor:
            cursor.execute("CREATE TABLE waited (x)")  # a write: waits for it, then goes
        assert time.monotonic() - started >= 5
    finally:
        holder.wait(timeout=30)
