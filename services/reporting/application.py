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
from collections import defaultdict

from services.reporting.domain import (age_days, day_end, gini, regency_date, rupiah_per_reach,
                                      top_share)
from shared.application import ServiceApplication
from shared.personal import committed, masked, revealed
from shared.published import PARTNER_LIFECYCLE_EVENTS, partner_status_after
from shared.storage import advance_tracking, tracking_table_sql

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
    "payments": "order_id TEXT PRIMARY KEY, at TEXT, sp2d_number TEXT, paid_on TEXT,"
                " dpp BIGINT, ppn BIGINT, ppn_collected BIGINT, pph23 BIGINT,"
                " paid_to_partner BIGINT, realised BIGINT, tax_rules_version INTEGER",
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
}
AUDIT_EVENT_COLUMNS = ("source", "notification_id", "originator_id", "originator_version", "type",
                       "at", "actor", "payload", "prev_hash", "hash")
LIVE_STATUSES = ("placed", "proof_submitted", "proof_accepted", "paid")
# What a payment records, in whole rupiah (contracts' PaymentRecorded).
PAYMENT_AMOUNTS = ("dpp", "ppn", "ppn_collected", "pph23", "paid_to_partner", "realised")


class ReportingApplication(ServiceApplication):
    name = "reporting"

    def __init__(self, settings=None, env=None, clock=None):
        super().__init__(settings, env, clock)
        self.t = {name: self.sql.table(name) for name in TABLES}
        self.tracking = self.sql.table("view_tracking")
        with self.sql.transaction() as cur:
            cur.execute(tracking_table_sql(self.tracking))
            for name, columns in TABLES.items():
                cur.execute(f"CREATE TABLE IF NOT EXISTS {self.t[name]} ({columns})")
            for name, columns in INDEXES.items():
                index = f"{name}_by_{columns.replace(', ', '_')}"
                cur.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {self.t[name]} ({columns})")
        self.projections = {
            "partners": {"PartnerRegistered": self._partner_registered,
                         "DocumentSubmitted": self._document_submitted,
                         "DocumentReviewed": self._document_reviewed,
                         "PressCouncilStatusRecorded": self._press_council,
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
                          "PaymentRecorded": self._payment},
        }

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
            self._apply(cur, envelope)

    def skip_tracked(self, envelope: dict) -> None:
        """Move the position past a quarantined envelope, changing no view."""
        with self.sql.transaction() as cur:
            advance_tracking(cur, self.tracking, envelope["source"],
                             envelope["notification_id"])

    def apply_envelopes(self, envelopes: list[dict]) -> None:
        """Apply consecutive envelopes of one source, in order, in one transaction (all or
        none): the position moves once, to the last of them, and only forward."""
        with self.sql.transaction() as cur:
            advance_tracking(cur, self.tracking, envelopes[0]["source"],
                             envelopes[-1]["notification_id"],
                             first=envelopes[0]["notification_id"])
            for envelope in envelopes:
                self._apply(cur, envelope)

    def _apply(self, cur, envelope: dict) -> None:
        project = self.projections.get(envelope["source"], {}).get(envelope["type"])
        cur.execute(f"INSERT INTO {self.t['audit_events']} VALUES (?,?,?,?,?,?,?,?,?,?)", (
            envelope["source"], envelope["notification_id"], envelope["originator_id"],
            envelope["originator_version"], envelope["type"], envelope["timestamp"],
            json.dumps(envelope["actor"], sort_keys=True),
            self._protect(json.dumps(envelope["payload"], sort_keys=True)),
            envelope["prev_hash"], envelope["hash"]))
        if project is not None:
            project(cur, envelope, envelope["payload"])

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
        return views

    def _ins(self, cur, table: str, *values) -> None:
        marks = ",".join("?" * len(values))
        cur.execute(f"INSERT INTO {self.t[table]} VALUES ({marks})", values)

    def _partner_registered(self, cur, env, p):
        self._ins(cur, "partners", env["originator_id"], p["legal_name"], p["brand_name"],
                  p["legal_form"], p["media_type"], int(p["pkp"]), env["timestamp"])
        self._ins(cur, "partner_status", env["notification_id"], env["originator_id"],
                  env["timestamp"], "registered", None)

    def _partner_status(self, cur, env, p):
        reason = p.get("reason") or p.get("note") or (
            f"activated for {p['fiscal_year']}" if "fiscal_year" in p else None)
        self._ins(cur, "partner_status", env["notification_id"], env["originator_id"],
                  env["timestamp"], partner_status_after(env), reason)
        if env["type"] == "PartnerActivated":
            self._ins(cur, "partner_years", env["originator_id"], p["fiscal_year"],
                      env["timestamp"])

    def _document_submitted(self, cur, env, p):
        # The number arrives sealed; the view keeps it masked (never clear), as the roles
        # without personal data see it; the sealed number stays in audit_events.
        shown = masked(revealed(p, self.mapper.cipher))
        cur.execute(f"UPDATE {self.t['documents']} SET superseded_at = ? WHERE partner_id = ?"
                    " AND kind = ? AND superseded_at IS NULL",
                    (env["timestamp"], env["originator_id"], p["kind"]))
        self._ins(cur, "documents", p["document_id"], env["originator_id"], p["kind"],
                  shown["number"], p["issued_on"], p["valid_until"], env["timestamp"], None,
                  "pending", None, None)

    def _document_reviewed(self, cur, env, p):
        cur.execute(f"UPDATE {self.t['documents']} SET review = ?, reviewed_at = ?, note = ?"
                    " WHERE document_id = ?",
                    (p["decision"], env["timestamp"], p["note"], p["document_id"]))

    def _press_council(self, cur, env, p):
        self._ins(cur, "press_council", env["notification_id"], env["originator_id"],
                  env["timestamp"], p["status"])

    def _assessment_opened(self, cur, env, p):
        self._ins(cur, "assessments", env["originator_id"], p["partner_id"], p["fiscal_year"])

    def _score_changed(self, cur, env, p):
        partner_id, year = cur_fetch(cur, f"SELECT partner_id, fiscal_year FROM "
                                          f"{self.t['assessments']} WHERE assessment_id = ?",
                                     (env["originator_id"],))
        cause = env["actor"].get("cause")
        self._ins(cur, "score_history", env["notification_id"], partner_id, year,
                  env["timestamp"], p["criterion"], p["old"], p["new"], p["reason"],
                  env["actor"]["sub"], cause and f"{cause['type']} by {cause['by']}")

    def _tier(self, cur, env, p):
        if env["type"] == "AssessmentFinalized":
            old, new, old_total, why = None, p["tier"], None, (
                f"assessment finalised (rubric version {p['rubric_version']})")
            new_total = p["total"]
        else:
            old, new, old_total, new_total, why = (p["old_tier"], p["new_tier"],
                                                   p["old_total"], p["new_total"], p["cause"])
        self._ins(cur, "tier_history", env["notification_id"], p["partner_id"],
                  p["fiscal_year"], env["timestamp"], old, new, old_total, new_total,
                  env["actor"]["sub"], why)

    def _budget(self, cur, env, p):
        if env["type"] == "BudgetSet":
            self._ins(cur, "budgets", env["originator_id"], p["fiscal_year"],
                      p["activity_code"], p["name"])
        else:
            cur.execute(f"UPDATE {self.t['budgets']} SET name = ? WHERE budget_id = ?",
                        (p["name"], env["originator_id"]))
        self._ins(cur, "budget_pagu", env["notification_id"], env["originator_id"],
                  env["timestamp"], p["pagu"])

    def _contract_signed(self, cur, env, p):
        self._ins(cur, "contracts", env["originator_id"], p["number"], p["partner_id"],
                  p["fiscal_year"], p["activity_code"], p["tier"], p["ceiling"],
                  env["timestamp"])

    def _order_placed(self, cur, env, p):
        self._ins(cur, "orders", env["originator_id"], p["contract_id"], p["partner_id"],
                  p["fiscal_year"], p["activity_code"], p["media_type"], p["tier"],
                  p["product"], p["quantity"], p["title"], p["publish_by"], p["proof_due"],
                  env["timestamp"], None, None, None)
        self._status(cur, env, "placed")

    def _price(self, cur, env, p):
        cur.execute(f"UPDATE {self.t['orders']} SET standard_version = ?, unit_price = ?,"
                    " gross = ? WHERE order_id = ?",
                    (p["standard_version"], p["unit_price"], p["gross"], env["originator_id"]))

    def _proof_submitted(self, cur, env, p):
        reach = sum((p.get("reach") or {}).values())
        self._ins(cur, "proofs", env["notification_id"], env["originator_id"],
                  env["timestamp"], p["published_on"], reach, "pending", None)
        self._status(cur, env, "proof_submitted")

    def _proof_reviewed(self, cur, env, p):
        cur.execute(f"UPDATE {self.t['proofs']} SET review = ?, reviewed_at = ? WHERE seq ="
                    f" (SELECT MAX(seq) FROM {self.t['proofs']} WHERE order_id = ?)",
                    (p["decision"], env["timestamp"], env["originator_id"]))
        self._status(cur, env, "proof_accepted" if p["decision"] == "accepted" else "placed")

    def _order_closed(self, cur, env, p):
        self._status(cur, env, "expired" if env["type"] == "OrderExpired" else "cancelled")

    def _payment(self, cur, env, p):
        self._ins(cur, "payments", env["originator_id"], env["timestamp"], p["sp2d_number"],
                  p["paid_on"], p["dpp"], p["ppn"], p["ppn_collected"], p["pph23"],
                  p["paid_to_partner"], p["realised"], p["tax_rules_version"])
        self._status(cur, env, "paid")

    def _status(self, cur, env, status: str):
        self._ins(cur, "order_status", env["notification_id"], env["originator_id"],
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
        rows = []
        for p in self._rows("partners", "partner_id, legal_name, brand_name, media_type, pkp,"
                            " registered_at", as_of, at="registered_at"):
            pid = p["partner_id"]
            # Registered in the year by the regency's calendar (not the UTC date's year).
            if fiscal_year and fiscal_year not in years[pid] and regency_date(
                    p["registered_at"], self.settings.zone).year != fiscal_year:
                continue
            docs = documents[pid]
            rows.append({**p, "pkp": bool(p["pkp"]), "status": status.get(pid),
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
        for signed in self._rows("contracts", "activity_code, ceiling", as_of, at="signed_at",
                                 where="AND fiscal_year = ?", params=(fiscal_year,)):
            committed[signed["activity_code"]] += signed["ceiling"]
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

    def _paid_by_order(self, as_of) -> dict:
        return {r["order_id"]: r for r in self._rows(
            "payments", "order_id, at, sp2d_number, paid_on, dpp, ppn, ppn_collected, pph23,"
            " paid_to_partner, realised, tax_rules_version", as_of)}

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
        for oid, pay in self._paid_by_order(as_of).items():
            if oid not in orders:
                continue
            order = orders[oid]
            rows.append({"paid_on": pay["paid_on"], "sp2d_number": pay["sp2d_number"],
                         "partner": names.get(order["partner_id"]),
                         "partner_id": order["partner_id"], "order_id": oid,
                         "title": order["title"], "activity_code": order["activity_code"],
                         **{k: pay[k] for k in PAYMENT_AMOUNTS},
                         "tax_rules_version": pay["tax_rules_version"],
                         # the names before issue 13, kept for the CSV reports and compare
                         "gross": pay["dpp"], "net": pay["paid_to_partner"]})
        return sorted(rows, key=lambda r: (r["paid_on"], r["sp2d_number"], r["order_id"]))

    def tax_summary(self, fiscal_year: int, as_of: dt.date | None = None) -> list[dict]:
        summary = {}
        for pay in self.payment_ledger(fiscal_year, as_of):
            row = summary.setdefault(pay["partner_id"], {
                "partner": pay["partner"], "partner_id": pay["partner_id"], "payments": 0,
                **{k: 0 for k in (*PAYMENT_AMOUNTS, "gross", "net")}})
            row["payments"] += 1
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


def cur_fetch(cur, sql: str, params) -> tuple:
    cur.execute(sql, params)
    row = cur.fetchone()
    if row is None:
        raise LookupError(f"nothing for {params} in: {sql}")
    return row
