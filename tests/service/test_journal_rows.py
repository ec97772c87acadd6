"""The journal of checkpoints is written a page per statement (shared/storage.py insert_new), on
SQLite and on PostgreSQL alike: rows already there (another replica's, an auditor's digest) stay
as they were, and any text travels as it is."""
import pytest

from services.partners.application import PartnersApplication
from shared.application import extend_root
from shared.domain import GENESIS
from tests.support import actor, company, loaded

ODD = "it's \"quoted\", {braced}, \\slashed\\ and NULL"


@pytest.fixture(params=["sqlite_settings", "pg_settings"])
def app(request):
    return PartnersApplication(request.getfixturevalue(request.param))


def test_a_page_of_rows_adds_those_not_there_and_leaves_the_others_as_they_were(app):
    table = app.sql.table("insert_new_probe")
    app.sql.execute(f"CREATE TABLE {table} (id BIGINT PRIMARY KEY, name TEXT NOT NULL)")
    app.sql.execute(f"INSERT INTO {table} VALUES (?, ?)", (2, "kept"))
    rows = [(n, ODD if n == 3 else f"row {n}") for n in range(1, 1001)]
    with app.sql.transaction() as cur:
        cur.insert_new(table, "id", ("BIGINT", "TEXT"), rows)
    stored = app.sql.query(f"SELECT id, name FROM {table} ORDER BY id")
    assert stored[:3] == [(1, "row 1"), (2, "kept"), (3, ODD)]
    assert stored[3:] == rows[3:]


def test_the_journal_written_by_pages_holds_each_event_and_the_root_recomputed_from_them(app):
    for n in range(1, 4):
        app.register_partner(loaded(company(n)), actor=actor("admin"))
    envelopes = app.notifications(0, 10)
    app.extend_journal(envelopes[:2])  # the relay's way: the envelopes it published
    app.extend_journal()               # the rest from the log
    root, expected = GENESIS, []
    for env in envelopes:
        root = extend_root(root, env["notification_id"], env["hash"])
        expected.append({"notification_id": env["notification_id"],
                         "originator_id": env["originator_id"],
                         "originator_version": env["originator_version"],
                         "hash": env["hash"], "root_hash": root})
    rows = app.checkpoints(0, 10)
    assert [{k: v for k, v in row.items() if k != "recorded_at"} for row in rows] == expected
