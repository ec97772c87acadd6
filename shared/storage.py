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

    def relations(self, cur) -> set[str]:
        """The names of the tables and indexes the store holds (its schema's, on PostgreSQL),
        read from the catalog: no lock on any of them."""
        if self.is_postgres:
            cur.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n"
                        " ON n.oid = c.relnamespace WHERE n.nspname = ?"
                        " AND c.relkind IN ('r', 'p', 'i')", (self.schema,))
        else:
            cur.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")
        return {row[0] for row in cur.fetchall()}

    def query(self, sql: str, params=()) -> list[tuple]:
        if self.is_postgres:
            # One statement on its own (the pool's connections are in autocommit): one round
            # trip, not BEGIN, SELECT and ROLLBACK; and after a ROLLBACK psycopg forgets the
            # connection's prepared statements (DEALLOCATE ALL), the event store's included.
            with self.datastore.get_connection() as conn, conn.cursor() as cursor:
                cur = _Cursor(cursor, True, self.schema)
                cur.execute(sql, params)
                return cur.fetchall()
        with self.transaction(commit=False) as cur:
            cur.execute(sql, params)
            return cur.fetchall()


def sqlite_page_cache(datastore, size: int) -> None:
    """Give every connection of a SQLite store a page cache of `size` bytes (an upper bound,
    filled only as pages are read). SQLite's default of 2 MB is far smaller than a large
    history's views: a rebuild of 1,000,000 events then reads index pages from the file again
    and again, and falls from 0.54 to 0.40 of reading. The pool's idle connections get it now,
    the ones it makes later as they are made (eventsourcing's pool has no hook for it)."""
    pragma = f"PRAGMA cache_size = -{max(1, size // 1024)}"  # negative: in KiB
    pool = datastore.pool
    create = pool._create_connection

    def create_with_cache():
        conn = create()
        conn._sqlite_conn.execute(pragma)
        return conn

    pool._create_connection = create_with_cache
    for conn in list(pool._pool):
        conn._sqlite_conn.execute(pragma)


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

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        """One statement for many rows (psycopg sends them in a pipeline, one round trip)."""
        if self._pg:
            sql = sql.replace("?", "%s")
        self._cursor.executemany(sql, rows)

    def insert_rows(self, table: str, columns: list[str], rows: list[list]) -> None:
        """Insert many rows: a COPY on PostgreSQL, an executemany on SQLite."""
        if self._pg:
            with self._cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            self._cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)

    def without_waiting_for_disk(self) -> None:
        """This transaction's COMMIT returns before its changes reach the disk (PostgreSQL's
        synchronous_commit off, for this transaction alone; nothing changes on SQLite): a
        commit that waits costs about 2 ms on this machine's disk, more than the rest of a
        small command.

        Only for what is made again when a crash loses it, and that nobody acts on outside
        the store: the log is written in order, so a crash loses only the last such commits,
        never one that a waiting commit followed."""
        if self._pg:
            self._cursor.execute("SET LOCAL synchronous_commit TO OFF")

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

    def insert_new(self, table: str, key: str, types: tuple[str, ...], rows: list[tuple]
                   ) -> None:
        """Insert `rows` (values in the table's column order, of the SQL `types`) in one
        statement, leaving out those whose `key` is there already. On PostgreSQL each column
        travels as one array that unnest turns back into rows: a short statement, parsed and
        planned once, however many rows (a VALUES list of thousands of parameters is parsed
        again, by psycopg too, every time)."""
        if not rows:
            return
        if self._pg:
            arrays = ", ".join(f"%b::{type_}[]" for type_ in types)  # binary: no quoting
            self._cursor.execute(f"INSERT INTO {table} SELECT * FROM unnest({arrays})"
                                 f" ON CONFLICT ({key}) DO NOTHING",
                                 [list(column) for column in zip(*rows)])
        else:
            marks = ", ".join("?" * len(types))
            self._cursor.executemany(f"INSERT INTO {table} VALUES ({marks})"
                                     f" ON CONFLICT ({key}) DO NOTHING", rows)


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


class PageWriter:
    """The writes of a page of events, held and sent once per table when the page ends
    (`flush`), in the caller's transaction: a table's rows inserted by one `executemany` (SQLite)
    or one `COPY` (PostgreSQL), its updates grouped into `executemany`s, instead of a statement
    and a round trip for each.

    The result is the same as executing each write when it was asked, in order: an update or
    delete changes the rows held for this page in memory at once (only those inserted before
    it, as the statement would have), and is sent for the rows stored before the page ahead of
    the page's inserts. A lookup (`one`) reads the rows held first, then the table (its writes
    sent first). Writes name tables by their logical names (`tables` maps them to SQL names,
    `columns` gives each table's columns in order)."""

    def __init__(self, cur: _Cursor, tables: dict[str, str], columns: dict[str, list[str]]):
        self.cur = cur
        self.tables = tables
        self.columns = columns
        self._rows: dict[str, list[list]] = {}         # table -> rows to insert
        self._sent: dict[str, list[tuple[str, tuple]]] = {}  # table -> statements for stored rows
        # (table, column) -> value -> the rows held with it, made when first looked up by it
        self._index: dict[tuple[str, str], dict] = {}

    def insert(self, table: str, *values) -> None:
        row = list(values)
        self._rows.setdefault(table, []).append(row)
        for (indexed, column), rows in self._index.items():
            if indexed == table:
                rows.setdefault(row[self.columns[table].index(column)], []).append(row)

    def update(self, table: str, changes: dict, where: dict, unique: bool = False) -> None:
        """UPDATE table SET changes WHERE each column equals its value (None: IS NULL).
        `unique`: `where` names one row by its key, so a row held for this page is the only
        one it can be."""
        held = self._held(table, where)
        for row in held:
            for column, value in changes.items():
                row[self.columns[table].index(column)] = value
        for column in changes:  # an index by a column changed is made again when needed
            self._index.pop((table, column), None)
        if held and unique:
            return
        sets = ", ".join(f"{column} = ?" for column in changes)
        condition, params = self._condition(where)
        self._queue(table, f"UPDATE {self.tables[table]} SET {sets} WHERE {condition}",
                    (*changes.values(), *params))

    def delete(self, table: str, where: dict) -> None:
        held = self._held(table, where)
        if held:
            self._rows[table] = [row for row in self._rows[table]
                                 if not any(row is h for h in held)]
            self._index = {key: rows for key, rows in self._index.items() if key[0] != table}
        condition, params = self._condition(where)
        self._queue(table, f"DELETE FROM {self.tables[table]} WHERE {condition}", params)

    def one(self, table: str, columns: tuple[str, ...], where: dict,
            latest: str | None = None) -> tuple | None:
        """The row matching `where` (of several, the one with the greatest `latest`): those
        held for this page come after every stored one."""
        names = self.columns[table]
        held = self._held(table, where)
        if held:
            row = max(held, key=lambda r: r[names.index(latest)]) if latest else held[-1]
            return tuple(row[names.index(c)] for c in columns)
        self._send(table, rows=False)
        condition, params = self._condition(where)
        order = f" ORDER BY {latest} DESC" if latest else ""
        self.cur.execute(f"SELECT {', '.join(columns)} FROM {self.tables[table]} WHERE"
                         f" {condition}{order} LIMIT 1", params)
        return self.cur.fetchone()

    def flush(self) -> None:
        for table in list(self._sent) + list(self._rows):
            self._send(table)

    def _held(self, table: str, where: dict) -> list[list]:
        if not self._rows.get(table):
            return []
        names = self.columns[table]
        (first, value), *rest = where.items()
        index = self._index.get((table, first))
        if index is None:
            index = self._index[(table, first)] = {}
            for row in self._rows[table]:
                index.setdefault(row[names.index(first)], []).append(row)
        at = [(names.index(column), value) for column, value in rest]
        return [row for row in index.get(value, ())
                if all(row[i] == v if v is not None else row[i] is None for i, v in at)]

    @staticmethod
    def _condition(where: dict) -> tuple[str, tuple]:
        parts = [f"{column} IS NULL" if value is None else f"{column} = ?"
                 for column, value in where.items()]
        return " AND ".join(parts), tuple(v for v in where.values() if v is not None)

    def _queue(self, table: str, sql: str, params: tuple) -> None:
        self._sent.setdefault(table, []).append((sql, params))

    def _send(self, table: str, rows: bool = True) -> None:
        """The statements for stored rows, in order (runs of the same statement as one
        executemany), then the rows held, unless `rows` is False."""
        statements = self._sent.pop(table, [])
        start = 0
        while start < len(statements):
            end = start
            while end < len(statements) and statements[end][0] == statements[start][0]:
                end += 1
            self.cur.executemany(statements[start][0], [p for _, p in statements[start:end]])
            start = end
        held = self._rows.pop(table, []) if rows else []
        if held:
            self._index = {key: rows for key, rows in self._index.items() if key[0] != table}
            self.cur.insert_rows(self.tables[table], self.columns[table], held)


def table_columns(definition: str) -> list[str]:
    """The column names of a CREATE TABLE body, in order ("a TEXT, b INTEGER, PRIMARY KEY
    (a, b)" -> ["a", "b"])."""
    columns, depth, part = [], 0, ""
    for ch in definition + ",":
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            name = part.split()[0]
            if name.upper() not in ("PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "CONSTRAINT"):
                columns.append(name)
            part = ""
        else:
            part += ch
    return columns
