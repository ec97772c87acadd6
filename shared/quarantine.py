"""The quarantine: what a consumer or the relay could not decode or apply, set aside.

Nothing stops a pipeline. An event that a tracked consumer cannot apply (a value its views
refuse, an aggregate it does not know, a stored event its source can no longer decode), a
delivery that is not an envelope at all, an envelope of another regency on the same broker, and,
at the source, a stored event the relay cannot decode or serialise: each is recorded here, logged
at ERROR, and the pipeline goes on with the next. An operator lists the rows (`seklik reporting
quarantine`) and, after a fix, applies one again (`seklik reporting retry`).

The table lives in the consumer's own store, one row per (regency, source, notification_id).
Recording is idempotent: a second failure of the same notification bumps `tries` and `last_try`.
Callers record the row first and move their position past the event second, so a crash between
the two re-applies the event, which fails again and bumps `tries`; nothing is lost. The delivery
itself is kept encrypted with the store's cipher (it may carry personal data).

A delivery that has no notification id of the log (not an envelope, or an envelope of another
source) is keyed by a negative id derived from its bytes: the same bad delivery twice is one row.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging

from shared.errors import NotFound, RuleViolated

log = logging.getLogger(__name__)

ENVELOPE_KEYS = ("regency", "source", "notification_id", "originator_id", "originator_version",
                 "type", "timestamp", "actor", "payload")
ROW_KEYS = ("regency", "source", "notification_id", "type", "error", "first_try", "last_try",
            "tries", "released_at")
MAX_ERROR = 1000


class Quarantine:
    def __init__(self, sql, cipher, regency: str, name: str = "quarantine"):
        self.sql = sql
        self.cipher = cipher
        self.regency = regency
        self.table = sql.table(name)
        sql.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (regency TEXT NOT NULL,"
            " source TEXT NOT NULL, notification_id BIGINT NOT NULL, type TEXT,"
            " error TEXT NOT NULL, envelope TEXT NOT NULL, first_try TEXT NOT NULL,"
            " last_try TEXT NOT NULL, tries INTEGER NOT NULL, released_at TEXT,"
            " PRIMARY KEY (regency, source, notification_id))")

    def record(self, source: str, notification_id: int, delivery, error,
               regency: str | None = None, type_: str | None = None) -> int:
        """Set `delivery` aside (or count one more failed try of it); its tries so far."""
        now = _now()
        error = describe(error)
        with self.sql.transaction() as cur:
            cur.execute(
                f"INSERT INTO {self.table} AS q (regency, source, notification_id, type, error,"
                " envelope, first_try, last_try, tries, released_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, NULL)"
                " ON CONFLICT (regency, source, notification_id) DO UPDATE SET"
                " tries = q.tries + 1, last_try = excluded.last_try, error = excluded.error,"
                " envelope = excluded.envelope, type = excluded.type, released_at = NULL",
                (regency if regency is not None else self.regency, source,
                 int(notification_id), type_, error, self._protect(delivery), now, now))
            cur.execute(f"SELECT tries FROM {self.table} WHERE regency = ? AND source = ?"
                        " AND notification_id = ?",
                        (regency if regency is not None else self.regency, source,
                         int(notification_id)))
            tries = cur.fetchone()[0]
        log.error("quarantined %s notification %s (%s), try %d: %s", source, notification_id,
                  type_ or "no type", tries, error)
        return tries

    def release(self, source: str, notification_id: int) -> str:
        """Mark a row of this regency applied after all; when."""
        now = _now()
        self.sql.execute(f"UPDATE {self.table} SET released_at = ?, last_try = ?"
                         " WHERE regency = ? AND source = ? AND notification_id = ?",
                         (now, now, self.regency, source, int(notification_id)))
        return now

    def get(self, source: str, notification_id: int) -> dict | None:
        """This regency's row with its delivery decrypted, or None."""
        rows = self.sql.query(
            f"SELECT {', '.join(ROW_KEYS)}, envelope FROM {self.table}"
            " WHERE regency = ? AND source = ? AND notification_id = ?",
            (self.regency, source, int(notification_id)))
        if not rows:
            return None
        row = dict(zip(ROW_KEYS, rows[0][:-1]))
        row["envelope"] = self._reveal(rows[0][-1])
        return row

    # An operator's retry, the same wherever the row is (a consumer's or the relay's) -------

    def to_retry(self, source: str, notification_id: int) -> tuple[dict, dict | None]:
        """The row an operator retries, and the answer when nothing is left to do (released
        already); NotFound `not_quarantined` when there is no such row here."""
        where = {"source": source, "notification_id": notification_id}
        row = self.get(source, notification_id)
        if row is None:
            raise NotFound(f"{source} notification {notification_id} is not quarantined here",
                           code="not_quarantined", details=where)
        if row["released_at"]:
            return row, {**where, "status": "already_released", "tries": row["tries"],
                         "released_at": row["released_at"]}
        return row, None

    def still_failing(self, source: str, notification_id: int, delivery, problem,
                      type_: str | None) -> RuleViolated:
        """One more failed try recorded; the error that tells the operator why."""
        tries = self.record(source, notification_id, delivery, problem, type_=type_)
        return RuleViolated(f"{source} notification {notification_id} still fails (try "
                            f"{tries}): {describe(problem)}", code="still_failing",
                            details={"source": source, "notification_id": notification_id,
                                     "tries": tries, "error": describe(problem)})

    def applied(self, row: dict, source: str, notification_id: int) -> dict:
        """Release a row that applied after all; the answer."""
        return {"source": source, "notification_id": notification_id, "status": "applied",
                "tries": row["tries"] + 1,
                "released_at": self.release(source, notification_id)}

    def rows(self, source: str | None = None) -> list[dict]:
        """Every row (released ones too, with `released_at`), oldest failure first; the
        deliveries themselves stay in the store."""
        where, params = ("WHERE source = ?", (source,)) if source else ("", ())
        rows = self.sql.query(f"SELECT {', '.join(ROW_KEYS)} FROM {self.table} {where}"
                              " ORDER BY first_try, source, notification_id", params)
        return [dict(zip(ROW_KEYS, row)) for row in rows]

    def count(self) -> int:
        """Rows not released: what still waits for an operator."""
        return self.sql.query(f"SELECT COUNT(*) FROM {self.table}"
                              " WHERE released_at IS NULL")[0][0]

    def forget(self, sources) -> None:
        """Drop the rows of `sources` (a rebuild of the views replays them all again)."""
        with self.sql.transaction() as cur:
            for source in sources:
                cur.execute(f"DELETE FROM {self.table} WHERE source = ?", (source,))

    def _protect(self, delivery) -> str:
        # NaN and values JSON does not know are kept as Python writes them: the row is for
        # a person to read, and what could not be serialised may be why it is here.
        text = json.dumps(delivery, sort_keys=True, default=repr)
        if self.cipher is None:
            return text
        return base64.b64encode(self.cipher.encrypt(text.encode())).decode()

    def _reveal(self, stored: str):
        text = stored if self.cipher is None else self.cipher.decrypt(
            base64.b64decode(stored)).decode()
        return json.loads(text)


def not_an_envelope(delivery) -> str | None:
    """Why a delivery is not an envelope; None when it has an envelope's shape."""
    if not isinstance(delivery, dict):
        return f"not an envelope: a JSON {type(delivery).__name__}, not an object"
    missing = [key for key in ENVELOPE_KEYS if key not in delivery]
    if missing:
        return f"not an envelope: {', '.join(missing)} missing"
    nid = delivery["notification_id"]
    if not isinstance(nid, int) or isinstance(nid, bool) or nid < 1:
        return f"not an envelope: notification_id must be a positive integer, not {nid!r}"
    for key in ("regency", "source", "type"):
        if not isinstance(delivery[key], str):
            return f"not an envelope: {key} must be a string, not {delivery[key]!r}"
    if not isinstance(delivery["payload"], dict):
        return "not an envelope: payload must be an object"
    return None


def delivery_key(delivery) -> int:
    """A stable negative id for a delivery that has no notification id of the log."""
    text = json.dumps(delivery, sort_keys=True, default=repr)
    return -(int.from_bytes(hashlib.sha256(text.encode()).digest()[:6], "big") or 1)


def describe(error) -> str:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return text[:MAX_ERROR]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()
