"""The reporting views: tables derived from envelopes only, each change tracked atomically.

`apply_envelope` makes a view change and records the source's position in one transaction, so
a duplicate delivery rolls back whole (see shared/consumer.py). Rebuilding = emptying the tables
and replaying every source from notification 0.
"""
from __future__ import annotations

from shared.application import ServiceApplication
from shared.published import PARTNER_LIFECYCLE_EVENTS, partner_status_after
from shared.storage import advance_tracking, tracking_table_sql


class ReportingApplication(ServiceApplication):
    name = "reporting"

    def __init__(self, settings=None, env=None):
        super().__init__(settings, env)
        self.tracking = self.sql.table("view_tracking")
        self.registry = self.sql.table("partner_registry")
        self.sql.execute(tracking_table_sql(self.tracking))
        self.sql.execute(
            f"CREATE TABLE IF NOT EXISTS {self.registry} (partner_id TEXT PRIMARY KEY,"
            " legal_name TEXT NOT NULL, brand_name TEXT NOT NULL, media_type TEXT NOT NULL,"
            " status TEXT NOT NULL, registered_at TEXT NOT NULL, last_event_hash TEXT NOT NULL)")
        self.projections = {("partners", "PartnerRegistered"): self._partner_registered}
        for event_type in PARTNER_LIFECYCLE_EVENTS:
            self.projections[("partners", event_type)] = self._partner_status_changed

    def tracked_position(self, source: str) -> int:
        rows = self.sql.query(f"SELECT notification_id FROM {self.tracking} WHERE source = ?",
                              (source,))
        return rows[0][0] if rows else 0

    def apply_envelope(self, envelope: dict) -> None:
        project = self.projections.get((envelope["source"], envelope["type"]))
        with self.sql.transaction() as cur:
            advance_tracking(cur, self.tracking, envelope["source"],
                             envelope["notification_id"])
            if project is not None:
                project(cur, envelope)

    def _partner_registered(self, cur, env: dict) -> None:
        p = env["payload"]
        cur.execute(f"INSERT INTO {self.registry} VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (env["originator_id"], p["legal_name"], p["brand_name"], p["media_type"],
                     "registered", env["timestamp"], env["hash"]))

    def _partner_status_changed(self, cur, env: dict) -> None:
        status = partner_status_after(env)
        cur.execute(f"UPDATE {self.registry} SET status = ?, last_event_hash = ?"
                    " WHERE partner_id = ?", (status, env["hash"], env["originator_id"]))

    def partner_registry(self) -> list[dict]:
        rows = self.sql.query(
            f"SELECT partner_id, legal_name, brand_name, media_type, status, registered_at"
            f" FROM {self.registry} ORDER BY legal_name")
        keys = ("partner_id", "legal_name", "brand_name", "media_type", "status",
                "registered_at")
        return [dict(zip(keys, row)) for row in rows]
