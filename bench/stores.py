"""The benchmarks' PostgreSQL stores: a schema prefix of the run's own, dropped with the run."""
from __future__ import annotations

import os
import uuid

from shared.config import Settings, conninfo


def postgres_env() -> dict:
    """Settings for stores on the local PostgreSQL, in schemas no other run shares."""
    return {"POSTGRES_HOST": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
            "POSTGRES_DBNAME": os.environ.get("POSTGRES_DBNAME", "postgres"),
            "POSTGRES_SCHEMA_PREFIX": f"bench_{uuid.uuid4().hex[:8]}_"}


def drop_schemas(settings: Settings, apps=()) -> None:
    """The run's PostgreSQL schemas go with it, after `apps` close their connections (on
    SQLite nothing: the run's folder goes)."""
    for app in apps:
        app.close()
    if not settings.postgres:
        return
    import psycopg

    with psycopg.connect(conninfo(settings.postgres), autocommit=True) as conn:
        prefix = settings.schema_prefix.replace("_", r"\_")
        for (schema,) in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                                      (prefix + "%",)).fetchall():
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
