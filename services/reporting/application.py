"""The reporting views: tables derived from envelopes only, kept as dated histories.

Every projection writes facts with the time of the event that caused them (and its notification
id), so any view can be asked `as_of` a date: it then counts only what was recorded by the end of
that day. `apply_envelope` changes the tables and records the source's position in one
transaction, so a duplicate delivery rolls back whole (shared/consumer.py). `rebuild` empties
everything and replays every source from notification 0; the result equals what was built
incrementally, row for row.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import time
from collections import defaultdict

from services.reporting.domain import (age_days, day_end, gini, mean, per_thousand, rate,
                                      regency_date, rupiah_per_reach, top_share)
from shared.application import ServiceApplication
from shared.personal import committed, is_sealed, mask, masked, revealed
from shared.published import PARTNER_LIFECYCLE_EVENTS, partner_status_after
from shared.storage import (PageWriter, advance_tracking, table_columns,
                            tracking_table_sql)

log = logging.getLogger(__name__)
SOURCES = ("partners", "assessment", "contracts")

TABLES = {
    "partners": "partner_id TEXT PRIMARY KEY, legal_name TEXT, brand_name TEXT, legal_form TEXT,"
                " media_type TEXT, pkp INTEGER, registered_at TEXT",
    "partner_status": "seq BIGINT, partner_id TEXT, at TEXT, status TEXT, reason TEXT,"
                      " PRIMARY KEY (seq, partner_id)",
    "partner_years": "partner_id TEXT, fiscal_year INTEGER, at TEXT,"
                     " PRIMARY KEY (partner_id, fiscal_year)",
    "documents": "document_id TEXT PRIMARY KEY, partner_id TEXT, kind TEXT, number TEXT,"
                 " issued_on TEXT, valid_until TEXT, submitted_at TEXT, superseded_at TEXT,"
                 " review TEXT, reviewed_at TEXT, note TEXT",
    "press_council": "seq BIGINT PRIMARY KEY, partner_id TEXT, at TEXT, status TEXT",
    "assessments": "assessment_id TEXT PRIMARY KEY, partner_id TEXT, fiscal_year INTEGER",
    "score_history": "seq BIGINT PRIMARY KEY, partner_id TEXT, fiscal_year INTEGER, at TEXT,"
                     " criterion TEXT, old DOUBLE PRECISION, new DOUBLE PRECISION, reason TEXT,"
                     " actor TEXT, cause TEXT",
    "tier_history": "seq BIGINT PRIMARY KEY, partner_id TEXT, fiscal_year INTEGER, at TEXT,"
                    " old_tier TEXT, new_tier TEXT, old_total DOUBLE PRECISION,"
                    " new_total DOUBLE PRECISION, actor TEXT, why TEXT",
    "budgets": "budget_id TEXT PRIMARY KEY, fiscal_year INTEGER, activity_code TEXT, name TEXT",
    "budget_pagu": "seq BIGINT PRIMARY KEY, budget_id TEXT, at TEXT, pagu BIGINT",
    "contracts": "contract_id TEXT PRIMARY KEY, number TEXT, partner_id TEXT,"
                 " fiscal_year INTEGER, activity_code TEXT, tier TEXT, ceiling BIGINT,"
                 " signed_at TEXT",
    "orders": "order_id TEXT PRIMARY KEY, contract_id TEXT, partner_id TEXT, fiscal_year INTEGER,"
              " activity_code TEXT, media_type TEXT, tier TEXT, product TEXT, quantity INTEGER,"
              " title TEXT, publish_by TEXT, proof_due TEXT, placed_at TEXT,"
              " standard_version INTEGER, unit_price BIGINT, gross BIGINT",
    "order_status": "seq BIGINT PRIMARY KEY, order_id TEXT, at TEXT, status TEXT",
    "proofs": "seq BIGINT PRIMARY KEY, order_id TEXT, at TEXT, published_on TEXT, reach BIGINT,"
              " review TEXT, reviewed_at TEXT",
    # One row per SP2D: after a reversal an order is paid again under a new SP2D (issue 13,
    # item 7). A store made before keys this table by order_id: rebuild it (drop the table).
    "payments": "order_id TEXT, at TEXT, sp2d_number TEXT PRIMARY KEY, paid_on TEXT,"
                " dpp BIGINT, ppn BIGINT, ppn_collected BIGINT, pph23 BIGINT,"
                " paid_to_partner BIGINT, realised BIGINT, tax_rules_version INTEGER",
    # Corrections (issue 13, item 7): an SP2D returned or cancelled, and each change of a
    # contract's ceiling after signing (an addendum, a termination, a release after it).
    "payment_reversals": "seq BIGINT PRIMARY KEY, order_id TEXT, at TEXT, sp2d_number TEXT,"
                         " reversed_on TEXT, reason TEXT",
    "contract_ceilings": "seq BIGINT PRIMARY KEY, contract_id TEXT, at TEXT, change BIGINT,"
                         " reason TEXT",
    # The monthly tax registers (issue 13, item 10). A partner's NPWP is kept as it arrived,
    # sealed (its ciphertext and digest, never the clear number), opened only for a register
    # the caller may read in clear; the rates a payment used; the deposits with their NTPN.
    "partner_npwp": "partner_id TEXT PRIMARY KEY, npwp TEXT",
    "payment_rates": "sp2d_number TEXT PRIMARY KEY, order_id TEXT, pkp INTEGER,"
                     " ppn_rate TEXT, dpp_factor TEXT, pph23_rate TEXT",
    "tax_deposits": "ntpn TEXT PRIMARY KEY, at TEXT, kind TEXT, period TEXT, amount BIGINT,"
                    " paid_on TEXT",
    # Corrections (issue 13, item 7): the names in force (from registration and each approved
    # identity change) and the PKP status by effective date, so an as_of view shows the
    # partner as it stood then.
    "partner_names": "seq BIGINT PRIMARY KEY, partner_id TEXT, at TEXT, legal_name TEXT,"
                     " brand_name TEXT",
    "partner_pkp": "seq BIGINT PRIMARY KEY, partner_id TEXT, at TEXT, effective_from TEXT,"
                   " pkp INTEGER",
    # Press releases (issue 16): who each was sent to, and each pickup with its review.
    "releases": "release_id TEXT PRIMARY KEY, title TEXT, release_date TEXT,"
                " fiscal_year INTEGER, embargo_until TEXT, published_at TEXT",
    "release_recipients": "release_id TEXT, partner_id TEXT, at TEXT,"
                          " PRIMARY KEY (release_id, partner_id)",
    "pickups": "pickup_id TEXT PRIMARY KEY, release_id TEXT, partner_id TEXT, at TEXT,"
               " kind TEXT, reference TEXT, published_on TEXT, reach BIGINT, review TEXT,"
               " reviewed_at TEXT, note TEXT",
    "audit_events": "source TEXT, notification_id BIGINT, originator_id TEXT,"
                    " originator_version INTEGER, type TEXT, at TEXT, actor TEXT, payload TEXT,"
                    " prev_hash TEXT, hash TEXT, PRIMARY KEY (source, notification_id)",
}
# Lookups the projections and queries make by a column other than the key: without these,
# each document or proof event scans its whole table and a rebuild grows with the square of
# the history (10,989 events/s at 10k, 1,346/s at 100k before them).
INDEXES = {
    "documents": "partner_id, kind", "proofs": "order_id", "order_status": "order_id",
    "partner_status": "partner_id", "audit_events": "originator_id",
    "score_history": "partner_id", "tier_history": "partner_id",
    "payments": "order_id", "contract_ceilings": "contract_id", "pickups": "release_id",
    "release_recipients": "partner_id", "payment_rates": "order_id",
}
# The ones the projections themselves look rows up by; a rebuild makes the others once, at the
# end (`index`), not row by row as it inserts.
WRITE_INDEXES = ("documents", "proofs", "payment_rates")
COLUMNS = {name: table_columns(columns) for name, columns in TABLES.items()}
AUDIT_EVENT_COLUMNS = ("source", "notification_id", "originator_id", "originator_version", "type",
                       "at", "actor", "payload", "prev_hash", "hash")
# What the projections write: raised with every change to TABLES or to what an event writes
# into them. A generation records the version that built it; `seklik reporting rebuild
# --if-changed` (run on deploy) rebuilds beside the live views when theirs differs.
PROJECTION = 2
# json.dumps(value, sort_keys=True), without making an encoder for every call
canonical = json.JSONEncoder(sort_keys=True).encode
LIVE_STATUSES = ("placed", "proof_submitted", "proof_accepted", "paid")
# What a payment records, in whole rupiah (contracts' PaymentRecorded).
PAYMENT_AMOUNTS = ("dpp", "ppn", "ppn_collected", "pph23", "paid_to_partner", "realised")


class ReportingApplication(ServiceApplication):
    """The views of one generation at a time. The store holds the live generation's tables
    (generation 0 has the plain names, generation g their names prefixed `g<g>_`) and, while a
    rebuild runs, the next one's, built beside them from the events; `switch_to` makes the new
    one live in one transaction, once it has caught up with the live one (README: `seklik
    reporting rebuild`). An application made for the live views follows a switch: the
    projector at its next transaction, a reader within FOLLOW_EVERY seconds."""
    name = "reporting"
    FOLLOW_EVERY = 1.0

    def __init__(self, settings=None, env=None, clock=None, generation: int | None = None):
        super().__init__(settings, env, clock)
        self.live_table = self.sql.table("view_live")
        self.generations = self.sql.table("view_generations")
        with self.sql.transaction() as cur:
            cur.execute(f"CREATE TABLE IF NOT EXISTS {self.live_table} (id INTEGER PRIMARY KEY,"
                        " generation INTEGER NOT NULL)")
            cur.execute(f"INSERT INTO {self.live_table} VALUES (1, 0) ON CONFLICT (id) DO NOTHING")
            cur.execute(f"CREATE TABLE IF NOT EXISTS {self.generations} (generation INTEGER"
                        " PRIMARY KEY, state TEXT, started_at TEXT, switched_at TEXT,"
                        " projection INTEGER)")
        self.pinned = generation is not None  # a rebuild's own generation, not the live one
        self._made: set[int] = set()
        self._use(generation if self.pinned else self.live_generation())
        self.projections = {
            "partners": {"PartnerRegistered": self._partner_registered,
                         "DocumentSubmitted": self._document_submitted,
                         "DocumentReviewed": self._document_reviewed,
                         "PressCouncilStatusRecorded": self._press_council,
                         "IdentityChangeDecided": self._identity_changed,
                         "PkpStatusRecorded": self._pkp_status,
                         **{t: self._partner_status for t in PARTNER_LIFECYCLE_EVENTS}},
            "assessment": {"AssessmentOpened": self._assessment_opened,
                           "ScoreChanged": self._score_changed,
                           "AssessmentFinalized": self._tier, "TierChanged": self._tier},
            "contracts": {"BudgetSet": self._budget, "BudgetRevised": self._budget,
                          "ContractSigned": self._contract_signed,
                          "OrderPlaced": self._order_placed, "PriceApplied": self._price,
                          "ProofSubmitted": self._proof_submitted,
                          "ProofReviewed": self._proof_reviewed,
                          "OrderExpired": self._order_closed,
                          "OrderCancelled": self._order_closed,
                          "PaymentRecorded": self._payment,
                          "PaymentReversed": self._payment_reversed,
                          "ContractAmended": self._contract_amended,
                          "ContractTerminated": self._contract_terminated,
                          "ContractCeilingReleased": self._contract_released,
                          "TaxDepositRecorded": self._tax_deposit,
                          "ReleasePublished": self._release_published,
                          "PickupFiled": self._pickup_filed,
                          "PickupReviewed": self._pickup_reviewed},
        }

    # Generations of the views -----------------------------------------------------------

    @staticmethod
    def _prefix(generation: int) -> str:
        return f"g{generation}_" if generation else ""

    def tables_of(self, generation: int) -> dict[str, str]:
        prefix = self._prefix(generation)
        return {name: self.sql.table(prefix + name)
                for name in (*TABLES, "view_tracking")}

    def _use(self, generation: int, cur=None) -> None:
        if generation not in self._made:
            if cur is None:
                with self.sql.transaction() as cur:
                    self._make(cur, generation)
            else:
                self._make(cur, generation)
            self._made.add(generation)
        tables = self.tables_of(generation)
        self._tracking = tables.pop("view_tracking")
        self._t, self.generation, self._checked = tables, generation, time.monotonic()

    def _make(self, cur, generation: int) -> None:
        """The generation's tables and indexes, those it lacks alone. On PostgreSQL a CREATE
        ... IF NOT EXISTS locks its table all the same (CREATE INDEX a SHARE lock, until the
        transaction ends): a replica starting beside a projector in the middle of a page
        waited for it, table after table, and deadlocked with it when the page went on to a
        table the replica held already (make bench, 2026-12-05)."""
        tables, prefix = self.tables_of(generation), self._prefix(generation)
        have = self.sql.relations(cur)
        if f"{prefix}view_tracking" not in have:
            cur.execute(tracking_table_sql(tables["view_tracking"]))
        for name, columns in TABLES.items():
            if prefix + name not in have:
                cur.execute(f"CREATE TABLE IF NOT EXISTS {tables[name]} ({columns})")
        self._index(cur, generation, WRITE_INDEXES if self.pinned else INDEXES, have)

    def _index(self, cur, generation: int, names, have: set[str]) -> None:
        tables, prefix = self.tables_of(generation), self._prefix(generation)
        for name in names:
            columns = INDEXES[name]
            index = f"{prefix}{name}_by_{columns.replace(', ', '_')}"
            if index not in have:
                cur.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {tables[name]} ({columns})")

    def index(self) -> None:
        """The indexes a rebuild left to the end (the queries' own), made once over the rows
        it wrote."""
        with self.sql.transaction() as cur:
            self._index(cur, self.generation, INDEXES, self.sql.relations(cur))

    @property
    def t(self) -> dict[str, str]:
        """The view tables of this application's generation (the live one, looked up again
        when FOLLOW_EVERY seconds have passed, unless pinned)."""
        if not self.pinned and time.monotonic() - self._checked > self.FOLLOW_EVERY:
            self._follow(self.live_generation())
        return self._t

    @property
    def tracking(self) -> str:
        self.t  # noqa: B018 (follows a switch)
        return self._tracking

    def _follow(self, generation: int, cur=None) -> None:
        if generation != self.generation:
            log.info("reporting views: generation %d is live (was %d)", generation,
                     self.generation)
            self._use(generation, cur)
        self._checked = time.monotonic()

    def live_generation(self, cur=None) -> int:
        sql = f"SELECT generation FROM {self.live_table} WHERE id = 1"
        if cur is None:
            return self.sql.query(sql)[0][0]
        cur.execute(sql)
        return cur.fetchone()[0]

    def _hold_live(self, cur) -> int:
        """The live generation, held until this transaction ends: a switch waits for it (and
        this waits for a switch under way)."""
        if self.sql.is_postgres:
            cur.execute(f"SELECT generation FROM {self.live_table} WHERE id = 1 FOR SHARE")
            return cur.fetchone()[0]
        # SQLite: the write lock, taken now, before anything is read
        cur.execute(f"UPDATE {self.live_table} SET generation = generation WHERE id = 1")
        return self.live_generation(cur)

    def start_generation(self) -> int:
        """A new generation to rebuild into (what an interrupted rebuild left is dropped)."""
        with self.sql.transaction() as cur:
            cur.execute(f"SELECT MAX(generation) FROM {self.generations}")
            new = max(cur.fetchone()[0] or 0, self.live_generation(cur)) + 1
            cur.execute(f"INSERT INTO {self.generations} VALUES (?, 'building', ?, NULL, ?)",
                        (new, self.now().isoformat(), PROJECTION))
        self.drop_generation(new)
        return new

    def live_projection(self) -> int | None:
        """The PROJECTION version that built the live views (None: built before versions
        were recorded, generation 0 of an older store)."""
        rows = self.sql.query(f"SELECT projection FROM {self.generations} WHERE generation = ?",
                              (self.live_generation(),))
        return rows[0][0] if rows else None

    def switch_to(self, generation: int) -> bool:
        """Make `generation` live, in one transaction, if it has applied at least what the
        live generation has of every source; False (nothing changed) if it is behind."""
        with self.sql.transaction() as cur:
            cur.execute(f"UPDATE {self.live_table} SET generation = generation WHERE id = 1")
            live = self.live_generation(cur)  # held: the projector waits from here
            positions = []
            for g in (live, generation):
                cur.execute(f"SELECT source, notification_id FROM "
                            f"{self.tables_of(g)['view_tracking']}")
                positions.append(dict(cur.fetchall()))
            if any(positions[1].get(s, 0) < n for s, n in positions[0].items()):
                return False
            cur.execute(f"UPDATE {self.live_table} SET generation = ? WHERE id = 1",
                        (generation,))
            cur.execute(f"UPDATE {self.generations} SET state = 'live', switched_at = ?"
                        " WHERE generation = ?", (self.now().isoformat(), generation))
            cur.execute(f"UPDATE {self.generations} SET state = 'retired' WHERE generation = ?",
                        (live,))
        self._follow(generation)
        return True

    def drop_generation(self, generation: int) -> None:
        """Drop a generation's tables (one retired after a switch, or left by a rebuild that
        stopped). Never the live one."""
        with self.sql.transaction() as cur:
            if generation == self.live_generation(cur):
                raise ValueError(f"generation {generation} is live")
            for table in self.tables_of(generation).values():
                cur.execute(f"DROP TABLE IF EXISTS {table}")
        self._made.discard(generation)

    # Applying envelopes ------------------------------------------------------------------

    def tracked_position(self, source: str) -> int:
        rows = self.sql.query(f"SELECT notification_id FROM {self.tracking} WHERE source = ?",
                              (source,))
        return rows[0][0] if rows else 0

    def apply_envelope(self, envelope: dict, tracked: bool = True) -> None:
        """Apply one envelope with its position; `tracked=False` (a quarantined event applied
        again, behind the position) changes the views alone."""
        if tracked:
            self.apply_envelopes([envelope])
            return
        with self.sql.transaction() as cur:
            page = self._page(cur)
            self._apply(page, envelope)
            page.flush()

    def skip_tracked(self, envelope: dict) -> None:
        """Move the position past a quarantined envelope, changing no view."""
        with self.sql.transaction() as cur:
            self._page(cur)
            advance_tracking(cur, self._tracking, envelope["source"],
                             envelope["notification_id"])

    def apply_envelopes(self, envelopes: list[dict]) -> None:
        """Apply consecutive envelopes of one source, in order, in one transaction (all or
        none): the position moves once, to the last of them, and only forward."""
        with self.sql.transaction() as cur:
            page = self._page(cur)
            advance_tracking(cur, self._tracking, envelopes[0]["source"],
                             envelopes[-1]["notification_id"],
                             first=envelopes[0]["notification_id"])
            for envelope in envelopes:
                self._apply(page, envelope)
            page.flush()

    def _page(self, cur) -> PageWriter:
        """The views' writes of one page of events, sent once per table at its end, into the
        generation live now (held until the transaction ends), or the pinned one."""
        if not self.pinned:
            self._follow(self._hold_live(cur), cur)
        return PageWriter(cur, self._t, COLUMNS)

    def _apply(self, page: PageWriter, envelope: dict) -> None:
        project = self.projections.get(envelope["source"], {}).get(envelope["type"])
        page.insert("audit_events", *(
            envelope["source"], envelope["notification_id"], envelope["originator_id"],
            envelope["originator_version"], envelope["type"], envelope["timestamp"],
            canonical(envelope["actor"]), self._protect(canonical(envelope["payload"])),
            envelope["prev_hash"], envelope["hash"]))
        if project is not None:
            project(page, envelope, envelope["payload"])

    def reset(self) -> None:
        """Empty every view and forget every position (the start of a rebuild)."""
        with self.sql.transaction() as cur:
            cur.execute(f"DELETE FROM {self.tracking}")
            for table in self.t.values():
                cur.execute(f"DELETE FROM {table}")
        self.quarantine.forget(SOURCES)  # what still fails is quarantined again on the way

    def dump(self) -> dict[str, list[tuple]]:
        """Every view table, sorted: what rebuild and incremental must agree on. The audit
        events' payloads are compared as the hash counts them (decrypted, each personal number
        as its digest): their ciphertexts differ with every encryption (a random nonce)."""
        views = {name: sorted(self.sql.query(f"SELECT * FROM {table}"), key=repr)
                 for name, table in self.t.items()}
        payload = AUDIT_EVENT_COLUMNS.index("payload")
        views["audit_events"] = sorted((
            *row[:payload], json.dumps(committed(json.loads(self._reveal(row[payload]))),
                                       sort_keys=True), *row[payload + 1:])
            for row in views["audit_events"])
        # A sealed NPWP is sealed anew (a fresh nonce) each time its event is read: compared
        # by what it commits to, its digest.
        views["partner_npwp"] = sorted((partner_id, json.dumps(committed(
            {"npwp": json.loads(npwp)}), sort_keys=True)) for partner_id, npwp in views[
            "partner_npwp"])
        return views

    def _partner_registered(self, page, env, p):
        page.insert("partners", env["originator_id"], p["legal_name"], p["brand_name"],
                    p["legal_form"], p["media_type"], int(p["pkp"]), env["timestamp"])
        page.insert("partner_status", env["notification_id"], env["originator_id"],
                    env["timestamp"], "registered", None)
        page.insert("partner_names", env["notification_id"], env["originator_id"],
                    env["timestamp"], p["legal_name"], p["brand_name"])
        self._partner_npwp(page, env["originator_id"], p.get("npwp"))

    def _identity_changed(self, page, env, p):
        # Only the names show in the views; an address, contact or account changed is in the
        # partner's file (partners), and the account number never reaches a view here.
        applied = p.get("applied") or {}
        if "legal_name" not in applied and "brand_name" not in applied:
            return
        legal, brand = found(page.one("partners", ("legal_name", "brand_name"),
                                      {"partner_id": env["originator_id"]}))
        legal, brand = applied.get("legal_name", legal), applied.get("brand_name", brand)
        page.update("partners", {"legal_name": legal, "brand_name": brand},
                    {"partner_id": env["originator_id"]}, unique=True)
        page.insert("partner_names", env["notification_id"], env["originator_id"],
                    env["timestamp"], legal, brand)

    def _pkp_status(self, page, env, p):
        page.insert("partner_pkp", env["notification_id"], env["originator_id"],
                    env["timestamp"], p["effective_from"], int(p["pkp"]))

    def _partner_status(self, page, env, p):
        reason = p.get("reason") or p.get("note") or (
            f"activated for {p['fiscal_year']}" if "fiscal_year" in p else None)
        page.insert("partner_status", env["notification_id"], env["originator_id"],
                    env["timestamp"], partner_status_after(env), reason)
        if env["type"] == "PartnerActivated":
            page.insert("partner_years", env["originator_id"], p["fiscal_year"],
                        env["timestamp"])

    def _document_submitted(self, page, env, p):
        # The number arrives sealed; the view keeps it masked (never clear), as the roles
        # without personal data see it; the sealed number stays in audit_events.
        shown = masked(revealed({"kind": p["kind"], "number": p["number"]}, self.mapper.cipher))
        page.update("documents", {"superseded_at": env["timestamp"]},
                    {"partner_id": env["originator_id"], "kind": p["kind"],
                     "superseded_at": None})
        page.insert("documents", p["document_id"], env["originator_id"], p["kind"],
                    shown["number"], p["issued_on"], p["valid_until"], env["timestamp"], None,
                    "pending", None, None)

    def _document_reviewed(self, page, env, p):
        page.update("documents", {"review": p["decision"], "reviewed_at": env["timestamp"],
                                  "note": p["note"]},
                    {"document_id": p["document_id"]}, unique=True)

    def _press_council(self, page, env, p):
        page.insert("press_council", env["notification_id"], env["originator_id"],
                    env["timestamp"], p["status"])

    def _assessment_opened(self, page, env, p):
        page.insert("assessments", env["originator_id"], p["partner_id"], p["fiscal_year"])

    def _score_changed(self, page, env, p):
        partner_id, year = found(page.one("assessments", ("partner_id", "fiscal_year"),
                                          {"assessment_id": env["originator_id"]}))
        cause = env["actor"].get("cause")
        page.insert("score_history", env["notification_id"], partner_id, year,
                    env["timestamp"], p["criterion"], p["old"], p["new"], p["reason"],
                    env["actor"]["sub"], cause and f"{cause['type']} by {cause['by']}")

    def _tier(self, page, env, p):
        if env["type"] == "AssessmentFinalized":
            old, new, old_total, why = None, p["tier"], None, (
                f"assessment finalised (rubric version {p['rubric_version']})")
            new_total = p["total"]
        else:
            old, new, old_total, new_total, why = (p["old_tier"], p["new_tier"],
                                                   p["old_total"], p["new_total"], p["cause"])
        page.insert("tier_history", env["notification_id"], p["partner_id"],
                    p["fiscal_year"], env["timestamp"], old, new, old_total, new_total,
                    env["actor"]["sub"], why)

    def _budget(self, page, env, p):
        if env["type"] == "BudgetSet":
            page.insert("budgets", env["originator_id"], p["fiscal_year"],
                        p["activity_code"], p["name"])
        else:
            page.update("budgets", {"name": p["name"]}, {"budget_id": env["originator_id"]},
                        unique=True)
        page.insert("budget_pagu", env["notification_id"], env["originator_id"],
                    env["timestamp"], p["pagu"])

    def _contract_signed(self, page, env, p):
        page.insert("contracts", env["originator_id"], p["number"], p["partner_id"],
                    p["fiscal_year"], p["activity_code"], p["tier"], p["ceiling"],
                    env["timestamp"])

    def _order_placed(self, page, env, p):
        page.insert("orders", env["originator_id"], p["contract_id"], p["partner_id"],
                    p["fiscal_year"], p["activity_code"], p["media_type"], p["tier"],
                    p["product"], p["quantity"], p["title"], p["publish_by"], p["proof_due"],
                    env["timestamp"], None, None, None)
        self._status(page, env, "placed")

    def _price(self, page, env, p):
        page.update("orders", {"standard_version": p["standard_version"],
                               "unit_price": p["unit_price"], "gross": p["gross"]},
                    {"order_id": env["originator_id"]}, unique=True)

    def _release_published(self, page, env, p):
        page.insert("releases", env["originator_id"], p["title"], p["release_date"],
                    p["fiscal_year"], p["embargo_until"], env["timestamp"])
        for partner_id in p["recipients"]:
            page.insert("release_recipients", env["originator_id"], partner_id,
                        env["timestamp"])

    def _pickup_filed(self, page, env, p):
        page.insert("pickups", p["pickup_id"], env["originator_id"], p["partner_id"],
                    env["timestamp"], p["kind"], p["reference"], p["published_on"],
                    sum((p.get("reach") or {}).values()), "pending", None, None)

    def _pickup_reviewed(self, page, env, p):
        page.update("pickups", {"review": p["decision"], "reviewed_at": env["timestamp"],
                                "note": p["note"]},
                    {"pickup_id": p["pickup_id"]}, unique=True)

    def _proof_submitted(self, page, env, p):
        reach = sum((p.get("reach") or {}).values())
        page.insert("proofs", env["notification_id"], env["originator_id"],
                    env["timestamp"], p["published_on"], reach, "pending", None)
        self._status(page, env, "proof_submitted")

    def _proof_reviewed(self, page, env, p):
        latest = page.one("proofs", ("seq",), {"order_id": env["originator_id"]}, latest="seq")
        if latest is not None:  # the order's latest proof
            page.update("proofs", {"review": p["decision"], "reviewed_at": env["timestamp"]},
                        {"seq": latest[0]}, unique=True)
        self._status(page, env, "proof_accepted" if p["decision"] == "accepted" else "placed")

    def _order_closed(self, page, env, p):
        self._status(page, env, "expired" if env["type"] == "OrderExpired" else "cancelled")

    def _payment(self, page, env, p):
        page.insert("payments", env["originator_id"], env["timestamp"], p["sp2d_number"],
                    p["paid_on"], p["dpp"], p["ppn"], p["ppn_collected"], p["pph23"],
                    p["paid_to_partner"], p["realised"], p["tax_rules_version"])
        self._payment_rates(page, env, p)
        self._status(page, env, "paid")

    def _payment_reversed(self, page, env, p):
        page.insert("payment_reversals", env["notification_id"], env["originator_id"],
                    env["timestamp"], p["sp2d_number"], p["reversed_on"], p["reason"])
        self._status(page, env, "proof_accepted")

    def _contract_amended(self, page, env, p):
        if p["ceiling"] != p["old_ceiling"]:
            page.insert("contract_ceilings", env["notification_id"], env["originator_id"],
                        env["timestamp"], p["ceiling"] - p["old_ceiling"], p["reason"])

    def _contract_terminated(self, page, env, p):
        if p["released"]:
            page.insert("contract_ceilings", env["notification_id"], env["originator_id"],
                        env["timestamp"], -p["released"], p["reason"])

    def _contract_released(self, page, env, p):
        page.insert("contract_ceilings", env["notification_id"], env["originator_id"],
                    env["timestamp"], -p["amount"], p["reason"])

    def _partner_npwp(self, page, partner_id: str, npwp) -> None:
        # Sealed as the event carries it (the same text on every rebuild); a number that
        # arrived in clear (no cipher upstream) is kept masked, never clear.
        kept = json.dumps(npwp, sort_keys=True) if is_sealed(npwp) else json.dumps(mask(npwp))
        page.insert("partner_npwp", partner_id, kept)

    def _payment_rates(self, page, env, p):
        rates = p.get("rates") or {}
        # paid again after a reversal (issue 13, item 7): the rates of the payment standing
        page.delete("payment_rates", {"order_id": env["originator_id"]})
        page.insert("payment_rates", p["sp2d_number"], env["originator_id"],
                    int(bool(p.get("pkp"))), rates.get("ppn_rate"), rates.get("dpp_factor"),
                    rates.get("pph23_rate"))

    def _tax_deposit(self, page, env, p):
        page.insert("tax_deposits", p["ntpn"], env["timestamp"], p["kind"], p["period"],
                    p["amount"], p["paid_on"])

    def _status(self, page, env, status: str):
        page.insert("order_status", env["notification_id"], env["originator_id"],
                    env["timestamp"], status)

    # Reading, as of a date ---------------------------------------------------------------

    def _rows(self, table: str, columns: str, as_of: dt.date | None, at: str = "at",
              where: str = "", params=()) -> list[dict]:
        sql = f"SELECT {columns} FROM {self.t[table]} WHERE 1 = 1 {where}"
        if as_of is not None:
            sql += f" AND {at} < ?"
            params = (*params, day_end(as_of, self.settings.zone))
        names = [c.strip().split(" ")[-1] for c in columns.split(",")]
        return [dict(zip(names, row)) for row in self.sql.query(sql, params)]

    def _latest(self, table: str, key: str, value: str, as_of, where: str = "",
                params=()) -> dict:
        """key -> the latest `value` recorded (by notification order) up to as_of."""
        latest = {}
        for row in sorted(self._rows(table, f"seq, {key}, {value}", as_of, where=where,
                                     params=params), key=lambda r: r["seq"]):
            latest[row[key]] = row[value]
        return latest

    def partner_registry(self, fiscal_year: int | None = None,
                         as_of: dt.date | None = None) -> list[dict]:
        on = as_of or self.today()
        status = self._latest("partner_status", "partner_id", "status", as_of)
        council = self._latest("press_council", "partner_id", "status", as_of)
        years = defaultdict(set)
        for row in self._rows("partner_years", "partner_id, fiscal_year", as_of):
            years[row["partner_id"]].add(row["fiscal_year"])
        tiers = self._tiers(fiscal_year, as_of) if fiscal_year else {}
        documents, end = defaultdict(list), day_end(as_of, self.settings.zone)
        for doc in self._rows("documents", "partner_id, kind, valid_until, submitted_at,"
                              " superseded_at, review, reviewed_at", as_of, at="submitted_at"):
            if doc["superseded_at"] and (as_of is None or doc["superseded_at"] < end):
                continue
            reviewed = doc["reviewed_at"] and (as_of is None or doc["reviewed_at"] < end)
            valid = bool(reviewed and doc["review"] == "accepted" and (
                doc["valid_until"] is None or doc["valid_until"] >= on.isoformat()))
            documents[doc["partner_id"]].append((doc["kind"], valid))
        # The names in force as of the date, and the PKP status in force on it (a change is
        # known from when it was recorded, and counts from its effective date).
        names = {}
        for row in sorted(self._rows("partner_names", "seq, partner_id, legal_name, brand_name",
                                     as_of), key=lambda r: r["seq"]):
            names[row["partner_id"]] = {"legal_name": row["legal_name"],
                                        "brand_name": row["brand_name"]}
        pkp = {}
        for row in sorted(self._rows("partner_pkp", "seq, partner_id, effective_from, pkp",
                                     as_of), key=lambda r: (r["effective_from"], r["seq"])):
            if row["effective_from"] <= on.isoformat():
                pkp[row["partner_id"]] = bool(row["pkp"])
        rows = []
        for p in self._rows("partners", "partner_id, legal_name, brand_name, media_type, pkp,"
                            " registered_at", as_of, at="registered_at"):
            pid = p["partner_id"]
            # Registered in the year by the regency's calendar (not the UTC date's year).
            if fiscal_year and fiscal_year not in years[pid] and regency_date(
                    p["registered_at"], self.settings.zone).year != fiscal_year:
                continue
            docs = documents[pid]
            p = {**p, **names.get(pid, {})}
            rows.append({**p, "pkp": pkp.get(pid, bool(p["pkp"])), "status": status.get(pid),
                         "press_council": council.get(pid, "none"),
                         "active_years": sorted(years[pid]), "tier": tiers.get(pid),
                         "documents_valid": sum(v for _, v in docs),
                         "documents_invalid": sorted(k for k, v in docs if not v)})
        return sorted(rows, key=lambda r: (r["legal_name"], r["partner_id"]))

    def _tiers(self, fiscal_year: int, as_of) -> dict:
        """partner_id -> its tier for the year as of the date."""
        return self._latest("tier_history", "partner_id", "new_tier", as_of,
                            where="AND fiscal_year = ?", params=(fiscal_year,))

    def tier_history(self, partner_id: str, as_of: dt.date | None = None) -> list[dict]:
        tiers = [{"kind": "tier", **r} for r in self._rows(
            "tier_history", "seq, fiscal_year, at, actor, why, old_tier old, new_tier new,"
            " new_total total", as_of, where="AND partner_id = ?", params=(partner_id,))]
        scores = [{"kind": "score", **r} for r in self._rows(
            "score_history", "seq, fiscal_year, at, actor, reason why, old, new, criterion,"
            " cause", as_of, where="AND partner_id = ?", params=(partner_id,))]
        # seq (assessment's notification id) ends the key: equal instants keep one order.
        return sorted(tiers + scores, key=lambda r: (r["at"], r["kind"] == "tier", r["seq"]))

    def _orders(self, fiscal_year: int | None, as_of) -> list[dict]:
        status = self._latest("order_status", "order_id", "status", as_of)
        where, params = ("AND fiscal_year = ?", (fiscal_year,)) if fiscal_year else ("", ())
        orders = self._rows("orders", "order_id, contract_id, partner_id, fiscal_year,"
                            " activity_code, media_type, tier, product, title, publish_by,"
                            " proof_due, placed_at, unit_price, gross", as_of, at="placed_at",
                            where=where, params=params)
        for order in orders:
            order["status"] = status.get(order["order_id"], "placed")
        return orders

    def budget_realization(self, fiscal_year: int, as_of: dt.date | None = None) -> list[dict]:
        """Per activity, with PPN as the treasury pays out: committed is the ceilings of the
        contracts signed (as contracts' budget_status), paid what payments realised (DPP +
        PPN)."""
        pagu = self._latest("budget_pagu", "budget_id", "pagu", as_of)
        paid = self._paid_by_order(as_of)
        committed, spent = defaultdict(int), defaultdict(int)
        changes = defaultdict(int)  # addenda and terminations after signing, as of the date
        for change in self._rows("contract_ceilings", "contract_id, change", as_of):
            changes[change["contract_id"]] += change["change"]
        for signed in self._rows("contracts", "contract_id, activity_code, ceiling", as_of,
                                 at="signed_at", where="AND fiscal_year = ?",
                                 params=(fiscal_year,)):
            committed[signed["activity_code"]] += (signed["ceiling"]
                                                   + changes[signed["contract_id"]])
        for order in self._orders(fiscal_year, as_of):
            spent[order["activity_code"]] += paid.get(order["order_id"], {}).get("realised", 0)
        rows = []
        for b in self._rows("budgets", "budget_id, activity_code, name", None,
                            where="AND fiscal_year = ?", params=(fiscal_year,)):
            if b["budget_id"] not in pagu:
                continue  # not set yet on that date
            code = b["activity_code"]
            rows.append({"activity_code": code, "name": b["name"], "pagu": pagu[b["budget_id"]],
                         "committed": committed[code], "paid": spent[code],
                         "remaining": pagu[b["budget_id"]] - committed[code],
                         "realisation_pct": round(100 * spent[code] / pagu[b["budget_id"]], 2)
                         if pagu[b["budget_id"]] else 0.0})
        return sorted(rows, key=lambda r: r["activity_code"])

    def _payments(self, as_of) -> list[dict]:
        """Every payment recorded as of the date, reversed or not."""
        return self._rows(
            "payments", "order_id, at, sp2d_number, paid_on, dpp, ppn, ppn_collected, pph23,"
            " paid_to_partner, realised, tax_rules_version", as_of)

    def _reversals(self, as_of) -> dict:
        """SP2D number -> its reversal, as of the date."""
        return {r["sp2d_number"]: r for r in self._rows(
            "payment_reversals", "seq, order_id, at, sp2d_number, reversed_on, reason", as_of)}

    def _paid_by_order(self, as_of) -> dict:
        """Each order's payment in force as of the date (a reversed one is not)."""
        reversed_ = self._reversals(as_of)
        return {r["order_id"]: r for r in self._payments(as_of)
                if r["sp2d_number"] not in reversed_}

    def spending(self, fiscal_year: int, by: str = "partner",
                 as_of: dt.date | None = None) -> dict:
        partners = {p["partner_id"]: p for p in self._rows(
            "partners", "partner_id, brand_name, media_type", None)}
        tiers = self._tiers(fiscal_year, as_of)
        active = {r["partner_id"] for r in self._rows(
            "partner_years", "partner_id, fiscal_year", as_of, where="AND fiscal_year = ?",
            params=(fiscal_year,))}
        paid = self._paid_by_order(as_of)
        per_partner = {pid: {"committed": 0, "paid": 0, "orders": 0} for pid in active}
        for order in self._orders(fiscal_year, as_of):
            if order["status"] not in LIVE_STATUSES:
                continue
            row = per_partner.setdefault(order["partner_id"],
                                         {"committed": 0, "paid": 0, "orders": 0})
            row["committed"] += order["gross"]
            row["paid"] += paid.get(order["order_id"], {}).get("dpp", 0)
            row["orders"] += 1
        groups = defaultdict(lambda: {"partners": 0, "orders": 0, "committed": 0, "paid": 0})
        for pid, amounts in per_partner.items():
            # By partner the group is the company (its id), never its brand: two companies of
            # one brand are two partners, and the fairness figures count them apart.
            key = {"partner": pid, "media_type": partners.get(pid, {}).get("media_type"),
                   "tier": tiers.get(pid) or "none"}[by]
            group = groups[key]
            group["partners"] += 1
            for k in ("orders", "committed", "paid"):
                group[k] += amounts[k]
        total = sum(a["committed"] for a in per_partner.values())
        rows = []
        for key, g in groups.items():
            label = ({"partner": partners.get(key, {}).get("brand_name", key),
                      "partner_id": key} if by == "partner" else {by: key})
            rows.append({**label, **g,
                         "share": round(g["committed"] / total, 4) if total else 0.0})
        values = [a["committed"] for a in per_partner.values()]
        # A full key ending in the group's id: equal rows come in one order after a rebuild.
        return {"rows": sorted(rows, key=lambda r: (-r["committed"], str(r[by]),
                                                    r.get("partner_id", ""))),
                "partners": len(values), "total": total,
                "top10_share": top_share(values), "gini": gini(values)}

    def payment_ledger(self, fiscal_year: int, as_of: dt.date | None = None) -> list[dict]:
        orders = {o["order_id"]: o for o in self._orders(fiscal_year, as_of)}
        names = {p["partner_id"]: p["brand_name"] for p in self._rows(
            "partners", "partner_id, brand_name", None)}
        rows = []
        reversals = self._reversals(as_of)
        for pay in self._payments(as_of):
            oid = pay["order_id"]
            if oid not in orders:
                continue
            order = orders[oid]
            row = {"paid_on": pay["paid_on"], "sp2d_number": pay["sp2d_number"],
                   "partner": names.get(order["partner_id"]),
                   "partner_id": order["partner_id"], "order_id": oid,
                   "title": order["title"], "activity_code": order["activity_code"],
                   **{k: pay[k] for k in PAYMENT_AMOUNTS},
                   "tax_rules_version": pay["tax_rules_version"],
                   # the names before issue 13, kept for the CSV reports and compare
                   "gross": pay["dpp"], "net": pay["paid_to_partner"],
                   "entry": "payment", "reason": None}
            rows.append(row)
            if pay["sp2d_number"] in reversals:
                # An SP2D returned or cancelled (issue 13, item 7): the payment stays in the
                # ledger and its reversal follows, on its own date, every amount negated, so
                # the columns add up to what stands paid.
                back = reversals[pay["sp2d_number"]]
                rows.append({**row, "paid_on": back["reversed_on"], "entry": "reversal",
                             "reason": back["reason"],
                             **{k: -row[k] for k in (*PAYMENT_AMOUNTS, "gross", "net")}})
        # a reversal on the day of its payment comes right after it
        return sorted(rows, key=lambda r: (r["paid_on"], r["sp2d_number"],
                                           r["entry"] == "reversal", r["order_id"]))

    def tax_summary(self, fiscal_year: int, as_of: dt.date | None = None) -> list[dict]:
        summary = {}
        for pay in self.payment_ledger(fiscal_year, as_of):
            row = summary.setdefault(pay["partner_id"], {
                "partner": pay["partner"], "partner_id": pay["partner_id"], "payments": 0,
                **{k: 0 for k in (*PAYMENT_AMOUNTS, "gross", "net")}})
            row["payments"] += -1 if pay["entry"] == "reversal" else 1  # payments standing
            for k in (*PAYMENT_AMOUNTS, "gross", "net"):
                row[k] += pay[k]
        return sorted(summary.values(), key=lambda r: (r["partner"] or "", r["partner_id"]))

    def outstanding_invoices(self, as_of: dt.date | None = None,
                             fiscal_year: int | None = None) -> list[dict]:
        """Orders whose proof was accepted (the invoice) and that are not paid as of the date,
        with their age in days since the acceptance."""
        on = as_of or self.today()
        names = {p["partner_id"]: p["brand_name"] for p in self._rows(
            "partners", "partner_id, brand_name", None)}
        accepted = {}
        for proof in self._rows("proofs", "order_id, reviewed_at, review", as_of,
                                at="reviewed_at"):
            if proof["review"] == "accepted":
                accepted[proof["order_id"]] = proof["reviewed_at"]
        rows = []
        for order in self._orders(fiscal_year, as_of):
            if order["status"] != "proof_accepted":
                continue
            since = regency_date(accepted[order["order_id"]], self.settings.zone)
            rows.append({"order_id": order["order_id"], "partner": names.get(
                order["partner_id"]), "title": order["title"], "gross": order["gross"],
                "accepted_on": since.isoformat(), "age_days": age_days(since, on)})
        # Oldest first; invoices of equal age by order id, so a rebuild keeps their order.
        return sorted(rows, key=lambda r: (-r["age_days"], r["order_id"]))

    def late_proofs(self, fiscal_year: int, as_of: dt.date | None = None) -> list[dict]:
        """Orders that expired for want of a proof, and orders past their due date with none
        filed yet (the scheduled check has not locked them yet)."""
        on = as_of or self.today()
        names = {p["partner_id"]: p["brand_name"] for p in self._rows(
            "partners", "partner_id, brand_name", None)}
        rows = []
        for order in self._orders(fiscal_year, as_of):
            overdue = order["status"] == "placed" and order["proof_due"] < on.isoformat()
            if order["status"] == "expired" or overdue:
                rows.append({"order_id": order["order_id"],
                             "partner": names.get(order["partner_id"]),
                             "media_type": order["media_type"], "title": order["title"],
                             "publish_by": order["publish_by"], "proof_due": order["proof_due"],
                             "days_late": age_days(dt.date.fromisoformat(order["proof_due"]),
                                                   on),
                             "status": "expired" if order["status"] == "expired"
                             else "missing"})
        return sorted(rows, key=lambda r: (r["proof_due"], r["order_id"]))

    def outputs(self, fiscal_year: int, as_of: dt.date | None = None) -> list[dict]:
        """Per partner: orders, `published_on_time` (an accepted proof of a publication on or
        before publish-by, filed by the proof deadline on the regency's calendar), `late`
        (expired, or accepted but published or proven late), reach and rupiah per reach."""
        names = {p["partner_id"]: p for p in self._rows(
            "partners", "partner_id, brand_name, media_type", None)}
        reach, on_time = defaultdict(int), {}
        for proof in self._rows("proofs", "order_id, at, published_on, reach, review,"
                                " reviewed_at", as_of):
            if proof["review"] == "accepted" and (
                    as_of is None or proof["reviewed_at"] < day_end(as_of, self.settings.zone)):
                reach[proof["order_id"]] += proof["reach"] or 0
                # Filed on the regency's date of its submission, not the UTC one.
                on_time[proof["order_id"]] = (proof["published_on"], regency_date(
                    proof["at"], self.settings.zone).isoformat())
        per = {}
        for order in self._orders(fiscal_year, as_of):
            row = per.setdefault(order["partner_id"], {
                "partner": names.get(order["partner_id"], {}).get("brand_name"),
                "partner_id": order["partner_id"],
                "media_type": names.get(order["partner_id"], {}).get("media_type"),
                "orders": 0, "published_on_time": 0, "late": 0, "reach": 0,
                "gross_published": 0})
            row["orders"] += 1
            if order["status"] in ("proof_accepted", "paid"):
                # On time: published by publish-by and proven by the proof deadline, not
                # merely accepted (a proof accepted before these rules may be either late).
                published_on, filed_on = on_time.get(order["order_id"], (None, None))
                if published_on and published_on <= order["publish_by"] and (
                        filed_on <= order["proof_due"]):
                    row["published_on_time"] += 1
                else:
                    row["late"] += 1
                row["reach"] += reach[order["order_id"]]
                row["gross_published"] += order["gross"]
            elif order["status"] == "expired":
                row["late"] += 1
        for row in per.values():
            row["rupiah_per_reach"] = rupiah_per_reach(row["gross_published"], row["reach"])
        return sorted(per.values(), key=lambda r: (r["partner"] or "", r["partner_id"]))

    # Press releases and outcomes (issue 16) -----------------------------------------------

    def _pickups(self, as_of) -> list[dict]:
        """Every pickup filed as of the date, with its review as it stood then (a review
        recorded later is not yet one)."""
        rows = self._rows("pickups", "pickup_id, release_id, partner_id, at, kind, reference,"
                          " published_on, reach, review, reviewed_at, note", as_of)
        end = day_end(as_of, self.settings.zone) if as_of else None
        for row in rows:
            if end is not None and row["reviewed_at"] and row["reviewed_at"] >= end:
                row.update(review="pending", reviewed_at=None, note=None)
        return rows

    def release_summary(self, fiscal_year: int, as_of: dt.date | None = None) -> list[dict]:
        """Per release of the year, newest first: its date and embargo, how many partners it
        was sent to, pickups `filed`, `accepted` and `rejected`, the pickup rate (accepted per
        recipient), the first accepted publication and the mean days from the release (or the
        end of its embargo) to each accepted publication. (In `outcomes`, a partner's
        `pickups` are its accepted ones.)"""
        releases = self._rows("releases", "release_id, title, release_date, fiscal_year,"
                              " embargo_until, published_at", as_of, at="published_at",
                              where="AND fiscal_year = ?", params=(fiscal_year,))
        recipients = defaultdict(int)
        for row in self._rows("release_recipients", "release_id, partner_id, at", as_of):
            recipients[row["release_id"]] += 1
        pickups = defaultdict(list)
        for pickup in self._pickups(as_of):
            pickups[pickup["release_id"]].append(pickup)
        rows = []
        for release in releases:
            filed = pickups[release["release_id"]]
            accepted = [p for p in filed if p["review"] == "accepted"]
            days = [self._days_after(release, p["published_on"]) for p in accepted]
            rows.append({**release, "recipients": recipients[release["release_id"]],
                         "filed": len(filed), "accepted": len(accepted),
                         "rejected": sum(p["review"] == "rejected" for p in filed),
                         "pickup_rate": rate(len(accepted), recipients[release["release_id"]]),
                         "first_published_on": min((p["published_on"] for p in accepted),
                                                   default=None),
                         "mean_days_to_publication": mean(days)})
        return sorted(rows, key=lambda r: (r["release_date"], r["release_id"]), reverse=True)

    def _days_after(self, release: dict, published_on: str) -> int:
        """Days from the day a release could first be carried (its date, or the regency's
        date its embargo ended on) to a publication of it."""
        start = dt.date.fromisoformat(release["release_date"])
        if release["embargo_until"]:
            start = max(start, regency_date(release["embargo_until"], self.settings.zone))
        return (dt.date.fromisoformat(published_on) - start).days

    def outcomes(self, fiscal_year: int, as_of: dt.date | None = None) -> list[dict]:
        """Per partner active in the year or sent a release: its orders (paid, published on
        time, late, missing: expired for want of a proof), the releases it was sent, its
        accepted pickups and pickup rate, the mean days from release to publication, the
        reach of its accepted proofs and pickups, `cost` (the DPP of its orders proven, paid
        or not: what that reach was bought for), `paid` (the DPP paid) and the rupiah per
        1,000 reach (cost over reach; a release costs nothing)."""
        names = {p["partner_id"]: p for p in self._rows(
            "partners", "partner_id, brand_name, media_type", None)}
        per: dict[str, dict] = {}

        def row(partner_id: str) -> dict:
            return per.setdefault(partner_id, {
                "partner": names.get(partner_id, {}).get("brand_name"),
                "partner_id": partner_id,
                "media_type": names.get(partner_id, {}).get("media_type"),
                "orders": 0, "paid_orders": 0, "on_time": 0, "late": 0, "missing": 0,
                "releases": 0, "pickups": 0, "pickup_rate": None, "days": [],
                "reach": 0, "cost": 0, "paid": 0})

        for active in self._rows("partner_years", "partner_id, fiscal_year", as_of,
                                 where="AND fiscal_year = ?", params=(fiscal_year,)):
            row(active["partner_id"])
        for output in self.outputs(fiscal_year, as_of):
            row(output["partner_id"]).update(
                orders=output["orders"], on_time=output["published_on_time"],
                late=output["late"], reach=output["reach"], cost=output["gross_published"])
        paid = self._paid_by_order(as_of)
        for order in self._orders(fiscal_year, as_of):
            out = row(order["partner_id"])
            if order["status"] == "expired":  # outputs counts it late; here it is missing
                out["missing"] += 1
                out["late"] -= 1
            if order["order_id"] in paid:
                out["paid_orders"] += 1
                out["paid"] += paid[order["order_id"]]["dpp"]
        releases = {r["release_id"]: r for r in self._rows(
            "releases", "release_id, release_date, embargo_until, published_at", as_of,
            at="published_at", where="AND fiscal_year = ?", params=(fiscal_year,))}
        for sent in self._rows("release_recipients", "release_id, partner_id, at", as_of):
            if sent["release_id"] in releases:
                row(sent["partner_id"])["releases"] += 1
        for pickup in self._pickups(as_of):
            if pickup["release_id"] in releases and pickup["review"] == "accepted":
                out = row(pickup["partner_id"])
                out["pickups"] += 1
                out["reach"] += pickup["reach"] or 0
                out["days"].append(self._days_after(releases[pickup["release_id"]],
                                                    pickup["published_on"]))
        for out in per.values():
            out["pickup_rate"] = rate(out["pickups"], out["releases"])
            out["mean_days_to_publication"] = mean(out.pop("days"))
            out["rupiah_per_1000_reach"] = per_thousand(out["cost"], out["reach"])
        return sorted(per.values(), key=lambda r: (r["partner"] or "", r["partner_id"]))

    # The monthly tax registers ------------------------------------------------------------

    def pph23_register(self, fiscal_year: int, month: int,
                       as_of: dt.date | None = None) -> dict:
        """The PPh 23 the treasurer withheld in a month (payments by their paid_on, the
        regency's date), with the deposits of that month and the difference."""
        rows = [{**{k: pay[k] for k in ("paid_on", "sp2d_number", "partner", "partner_id",
                                        "npwp", "order_id", "dpp")},
                 "rate": pay["pph23_rate"], "pph23": pay["pph23"],
                 # One bukti potong per payment, derived from its SP2D (one SP2D pays one
                 # order, and a reversed SP2D stays used): the same number on every rebuild.
                 "bukti_potong": f"BP23/{pay['sp2d_number']}"}
                for pay in self._month_payments(fiscal_year, month, as_of)]
        return self._register("pph23", fiscal_year, month, as_of, rows, {
            "payments": len(rows), "dpp": sum(r["dpp"] for r in rows),
            "pph23": sum(r["pph23"] for r in rows)}, "pph23")

    def ppn_register(self, fiscal_year: int, month: int,
                     as_of: dt.date | None = None) -> dict:
        """The PPN the treasurer collected in a month. Payments of a PKP partner at or below
        the collection threshold are listed apart (`not_collected`: the partner remits that
        PPN itself), so the officer sees why a PKP payment is missing from the rows; non-PKP
        payments carry no PPN and are left out."""
        rows, not_collected = [], []
        for pay in self._month_payments(fiscal_year, month, as_of):
            if not pay["ppn"]:
                continue
            row = {**{k: pay[k] for k in ("paid_on", "sp2d_number", "partner", "partner_id",
                                          "npwp", "order_id", "dpp", "dpp_factor")},
                   "rate": pay["ppn_rate"], "ppn": pay["ppn"],
                   "ppn_collected": pay["ppn_collected"]}
            (rows if pay["ppn_collected"] else not_collected).append(row)
        register = self._register("ppn", fiscal_year, month, as_of, rows, {
            "payments": len(rows), "dpp": sum(r["dpp"] for r in rows),
            "ppn_collected": sum(r["ppn_collected"] for r in rows)}, "ppn_collected")
        register["not_collected"] = not_collected
        return register

    def _month_payments(self, fiscal_year: int, month: int, as_of) -> list[dict]:
        """The payments paid in the month and in force as of the date (a reversed SP2D
        withheld and collected nothing: `_register` lists it apart), with partner, NPWP and
        rates, in the order of the ledger: paid_on, SP2D, order id."""
        period = f"{fiscal_year:04d}-{month:02d}"
        orders = {o["order_id"]: o for o in self._rows("orders", "order_id, partner_id", None)}
        partners = {p["partner_id"]: p["legal_name"] for p in self._rows(
            "partners", "partner_id, legal_name", None)}
        npwp = {r["partner_id"]: r["npwp"] for r in self._rows(
            "partner_npwp", "partner_id, npwp", None)}
        rates = {r["sp2d_number"]: r for r in self._rows(
            "payment_rates", "sp2d_number, ppn_rate, dpp_factor, pph23_rate", None)}
        reversed_ = self._reversals(as_of)
        rows = []
        for pay in self._rows("payments", "order_id, sp2d_number, paid_on, dpp, ppn,"
                              " ppn_collected, pph23", as_of, where="AND paid_on LIKE ?",
                              params=(f"{period}-%",)):
            if pay["sp2d_number"] in reversed_:
                continue
            partner_id = orders.get(pay["order_id"], {}).get("partner_id")
            sealed_npwp = json.loads(npwp[partner_id]) if partner_id in npwp else None
            rows.append({**pay, **{k: rates.get(pay["sp2d_number"], {}).get(k) for k in (
                "ppn_rate", "dpp_factor", "pph23_rate")},
                "partner_id": partner_id, "partner": partners.get(partner_id),
                # opened here; the service masks it for a caller without personal data
                "npwp": revealed({"npwp": sealed_npwp}, self.mapper.cipher)["npwp"]})
        return sorted(rows, key=lambda r: (r["paid_on"], r["sp2d_number"], r["order_id"]))

    def _register(self, kind: str, fiscal_year: int, month: int, as_of, rows: list[dict],
                  totals: dict, due: str) -> dict:
        period = f"{fiscal_year:04d}-{month:02d}"
        deposits = sorted(self._rows("tax_deposits", "ntpn, paid_on, amount, at recorded_at",
                                     as_of, where="AND kind = ? AND period = ?",
                                     params=(kind, period)),
                          key=lambda r: (r["paid_on"], r["ntpn"]))
        deposited = sum(d["amount"] for d in deposits)
        # the month's SP2Ds returned or cancelled as of the date: their slips are void
        month_sp2ds = self._month_sp2ds(period, as_of)
        voided = sorted(({k: r[k] for k in ("sp2d_number", "order_id", "reversed_on", "reason")}
                         for r in self._reversals(as_of).values()
                         if r["sp2d_number"] in month_sp2ds),
                        key=lambda r: (r["reversed_on"], r["sp2d_number"]))
        # difference = deposited − due: below 0 a shortfall still to deposit, above 0 too
        # much deposited (to claim back or set against a later month), 0 settled.
        return {"kind": kind, "period": period, "rows": rows, "totals": totals,
                "deposits": deposits, "deposited": deposited,
                "difference": deposited - totals[due], "reversed": voided}

    def _month_sp2ds(self, period: str, as_of) -> set[str]:
        return {r["sp2d_number"] for r in self._rows(
            "payments", "sp2d_number", as_of, where="AND paid_on LIKE ?",
            params=(f"{period}-%",))}

    def audit_trail(self, entity_id: str) -> list[dict]:
        rows = self.sql.query(
            f"SELECT source, notification_id, originator_version, type, at, actor, payload,"
            f" prev_hash, hash FROM {self.t['audit_events']} WHERE originator_id = ?",
            (entity_id,))
        # In time order; at the same instant, upstream services first (their events cause
        # the others'), then in each service's own order.
        rows.sort(key=lambda r: (r[4], SOURCES.index(r[0]) if r[0] in SOURCES else 9, r[1]))
        keys = ("source", "notification_id", "version", "type", "timestamp", "actor",
                "payload", "prev_hash", "hash")
        trail = [dict(zip(keys, row)) for row in rows]
        for row in trail:
            row["actor"] = json.loads(row["actor"])
            # Opened for the service to mask or show by the caller's role (service.py).
            stored = json.loads(self._reveal(row["payload"]))
            # What the hash counts (digests, no number): anyone verifies the row without a key.
            row["committed_payload"] = committed(stored)
            row["payload"] = revealed(stored, self.mapper.cipher)
        return trail

    # Payloads carry NPWP, NIK, account and document numbers, each sealed (shared/personal.py);
    # the payload is encrypted whole besides, at rest like the event stores.

    def _protect(self, text: str) -> str:
        cipher = self.mapper.cipher
        return text if cipher is None else base64.b64encode(
            cipher.encrypt(text.encode())).decode()

    def _reveal(self, stored: str) -> str:
        cipher = self.mapper.cipher
        return stored if cipher is None else cipher.decrypt(base64.b64decode(stored)).decode()

    def positions(self) -> dict[str, int]:
        return {source: self.tracked_position(source) for source in SOURCES}


def found(row: tuple | None) -> tuple:
    if row is None:
        raise LookupError("the event names a row no earlier event made")
    return row
