"""Plain SQL beside the event store, in the same database and in the same transactions.

The relay's cursor, the checkpoints and the reporting views live next to a service's events, so
they share its datastore (SQLite file or PostgreSQL schema). This wrapper hides the two dialects'
differences that matter here: parameter style, schema-qualified names and row types.
"""
from __future__ import annotations

from contextlib import contextmanager

from eventsourcing.persistence import IntegrityError

from shared.config import schema_lock_key


class SqlStore:
    def __init__(self, datastore):
        self.datastore = datastore
        self.schema = getattr(datastore, "schema", None)
        self.is_postgres = self.schema is not None

    def table(self, name: str) -> str:
        return f'"{self.schema}".{name}' if self.is_postgres else name

    @contextmanager
    def transaction(self, commit: bool = True):
        with self.datastore.transaction(commit=commit) as cursor:
            yield _Cursor(cursor, self.is_postgres, self.schema)

    def execute(self, sql: str, params=()) -> list[tuple]:
        with self.transaction() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.returns_rows else []

    def query(self, sql: str, params=()) -> list[tuple]:
        with self.transaction(commit=False) as cur:
            cur.execute(sql, params)
            return cur.fetchall()


class _Cursor:
    def __init__(self, cursor, is_postgres: bool, schema: str | None = None):
        self._cursor = cursor
        self._pg = is_postgres
        self._schema = schema
        self._setting_up = False

    def execute(self, sql: str, params=()) -> None:
        if self._pg:
            if not self._setting_up and sql.lstrip()[:6].upper() in ("CREATE", "ALTER "):
                # Processes starting together create the same tables: one at a time per
                # schema, until this transaction ends (shared/config.py: store_setup).
                self._cursor.execute("SELECT pg_advisory_xact_lock(%s)",
                                     (schema_lock_key(self._schema),))
                self._setting_up = True
            sql = sql.replace("?", "%s")
        self._cursor.execute(sql, tuple(params))

    @property
    def returns_rows(self) -> bool:
        description = (self._cursor.description if self._pg
                       else self._cursor.sqlite_cursor.description)
        return description is not None

    def fetchall(self) -> list[tuple]:
        rows = self._cursor.fetchall()
        return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows]

    def fetchone(self):
        row = self._cursor.fetchone()
        if row is None:
            return None
        return tuple(row.values()) if isinstance(row, dict) else tuple(row)

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount if self._pg else self._cursor.sqlite_cursor.rowcount


def advance_tracking(cur: _Cursor, table: str, source: str, notification_id: int,
                     first: int | None = None) -> None:
    """Record `source`'s position as `notification_id` in the caller's transaction.

    Raises IntegrityError unless this moves the position forward (past `first`, for a batch
    that starts there): the change made in the same transaction is then rolled back, so a
    duplicate delivery changes nothing.
    """
    if first is not None and first != notification_id:
        cur.execute(f"SELECT notification_id FROM {table} WHERE source = ?", (source,))
        row = cur.fetchone()
        if row is not None and row[0] >= first:
            raise IntegrityError(f"{source} notification {first} was applied already")
    cur.execute(f"INSERT INTO {table} AS t (source, notification_id) VALUES (?, ?)"
                " ON CONFLICT (source) DO UPDATE SET notification_id = excluded.notification_id"
                " WHERE t.notification_id < excluded.notification_id",
                (source, notification_id))
    if cur.rowcount != 1:
        raise IntegrityError(f"{source} notification {notification_id} was applied already")


def tracking_table_sql(table: str) -> str:
    return (f"CREATE TABLE IF NOT EXISTS {table} (source TEXT PRIMARY KEY,"
            " notification_id BIGINT NOT NULL)")
