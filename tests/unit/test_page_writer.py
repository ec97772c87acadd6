"""The views' page of writes (shared/storage.py PageWriter) leaves the same rows as the same
statements executed one by one, in order: updates and deletes reach only the rows inserted
before them, whether those were stored before the page or are held in it."""
import pytest
from eventsourcing.sqlite import SQLiteDatastore

from shared.storage import PageWriter, SqlStore, table_columns

DOCS = "id TEXT PRIMARY KEY, owner TEXT, kind TEXT, superseded TEXT, review TEXT"
COLUMNS = {"docs": table_columns(DOCS)}


@pytest.fixture
def stores(tmp_path):
    made = []
    for name in ("paged", "one_by_one"):
        sql = SqlStore(SQLiteDatastore(str(tmp_path / f"{name}.db")))
        sql.execute(f"CREATE TABLE docs ({DOCS})")
        made.append(sql)
    return made


def stored(sql):
    return sorted(sql.query("SELECT * FROM docs"))


def submitted(doc_id, owner, kind, at):
    """A document submitted: the owner's earlier one of that kind is superseded."""
    return [("update", {"superseded": at}, {"owner": owner, "kind": kind, "superseded": None}),
            ("insert", (doc_id, owner, kind, None, "pending"))]


def run(writes, paged: PageWriter | None, cur):
    for write in writes:
        if paged is None:  # the statement itself, at once
            if write[0] == "insert":
                cur.execute("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", write[1])
            elif write[0] == "update":
                sets = ", ".join(f"{c} = ?" for c in write[1])
                where = " AND ".join(f"{c} IS NULL" if v is None else f"{c} = ?"
                                     for c, v in write[2].items())
                cur.execute(f"UPDATE docs SET {sets} WHERE {where}",
                            (*write[1].values(), *(v for v in write[2].values() if v)))
            else:
                cur.execute("DELETE FROM docs WHERE owner = ?", (write[1]["owner"],))
        elif write[0] == "insert":
            paged.insert("docs", *write[1])
        elif write[0] == "update":
            paged.update("docs", write[1], write[2], unique="id" in write[2])
        else:
            paged.delete("docs", write[1])


def test_a_page_of_writes_equals_the_statements_one_by_one(stores):
    before = [*submitted("d1", "a", "deed", "t1"), *submitted("d2", "b", "deed", "t1")]
    page = [*submitted("d3", "a", "deed", "t2"),        # supersedes d1 (stored)
            ("update", {"review": "accepted"}, {"id": "d3"}),  # held in the page
            ("update", {"review": "rejected"}, {"id": "d1"}),  # stored before the page
            *submitted("d4", "a", "deed", "t3"),        # supersedes d3 (held), not d1 again
            *submitted("d5", "c", "nib", "t3"),
            ("delete", {"owner": "b"}),                 # stored d2 goes
            *submitted("d6", "b", "deed", "t4"),        # inserted after the delete: stays
            ("update", {"review": "accepted"}, {"id": "d6"})]
    for sql in stores:
        with sql.transaction() as cur:
            run(before, None, cur)
    paged, one_by_one = stores
    with paged.transaction() as cur:
        writer = PageWriter(cur, {"docs": "docs"}, COLUMNS)
        run(page, writer, cur)
        # a lookup sees the page's own rows first, then the stored ones
        assert writer.one("docs", ("id",), {"owner": "a", "superseded": None}) == ("d4",)
        assert writer.one("docs", ("review",), {"id": "d1"}) == ("rejected",)
        # what the lookup sent before it read: the writes to stored rows, not the page's rows
        cur.execute("SELECT * FROM docs")
        assert sorted(cur.fetchall()) == [("d1", "a", "deed", "t2", "rejected")]
        writer.flush()
    with one_by_one.transaction() as cur:
        run(page, None, cur)
    assert stored(paged) == stored(one_by_one)
    assert [row[0] for row in stored(paged)] == ["d1", "d3", "d4", "d5", "d6"]
    assert [row[3] for row in stored(paged)] == ["t2", "t3", None, None, None]


def test_table_columns_reads_a_create_table_body():
    assert table_columns("seq BIGINT, partner_id TEXT, at TEXT, PRIMARY KEY (seq, partner_id)"
                         ) == ["seq", "partner_id", "at"]
