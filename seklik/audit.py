"""What an auditor runs: verification of every service's history, digests to keep, replay of
the views as of a date, and the trail of one entity. It trusts nothing but the envelopes and
the digests the auditor kept: every hash is recomputed here.

verify, per service, reads the log (`notifications`) and the service's journal of checkpoints
(`checkpoints`) side by side, in notification order:
- each aggregate's chain: versions without gaps, prev_hash linking, each hash recomputed;
- each journal row against the log: the same notification, aggregate, version and hash, and the
  root recomputed from the log equal to the root recorded then (a deleted, inserted, changed or
  reordered event breaks it from there on);
- with a kept digest: the root recomputed up to the digest's last notification equals it, and
  the log still reaches that notification (a deleted newest event is caught too).
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from shared.application import extend_root  # noqa: F401  (the CLI's replay uses it too)
from shared.domain import GENESIS, ChainVerifier, chain_hash

PAGE = 1000


def pages(fetch, after: int = 0):
    """Every item of a paged RPC (`fetch(after, limit)`), in order."""
    while True:
        page = fetch(after, PAGE)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1]["notification_id"]


def verify_service(service: str, log, journal, kept: dict | None = None,
                   progress=None) -> dict:
    """Findings (each with the notification, aggregate and version) and what was checked."""
    chains = ChainVerifier()
    findings: list[dict] = []
    journal = iter(journal)
    pending = next(journal, None)
    root, last_id, events, journaled = GENESIS, 0, 0, 0
    kept_id = kept["last_notification_id"] if kept else None
    kept_seen = kept_id in (None, 0)

    def found(where: dict, problem: str):
        findings.append({"service": service, **where, "problem": problem})

    for env in log:
        nid = env["notification_id"]
        while pending is not None and pending["notification_id"] < nid:
            found(_where(pending), f"missing from the log (recorded in the journal on "
                                   f"{pending['recorded_at']} with hash "
                                   f"{pending['hash'][:12]}…): it was deleted")
            pending = next(journal, None)
        for finding in chains.check(env):
            found({k: finding[k] for k in ("notification_id", "originator_id",
                                           "originator_version")}, finding["problem"])
        root = extend_root(root, nid, env["hash"] or "")
        if pending is not None and pending["notification_id"] == nid:
            journaled += 1
            same = (pending["originator_id"], pending["originator_version"],
                    pending["hash"]) == (env["originator_id"], env["originator_version"],
                                         env["hash"])
            if not same:
                found(_where(env), f"differs from the journal, which recorded aggregate "
                                   f"{pending['originator_id']} version "
                                   f"{pending['originator_version']} with hash "
                                   f"{pending['hash'][:12]}…: changed or reordered")
            elif pending["root_hash"] != root:
                found(_where(env), "the root up to here differs from the journal's: an earlier "
                                   "event was changed, inserted or removed")
            pending = next(journal, None)
        elif pending is not None:
            found(_where(env), "not in the journal although later notifications are: inserted")
        if kept_id is not None and nid == kept_id:
            kept_seen = True
            if root != kept["root_hash"]:
                found(_where(env), f"the root up to the kept digest recomputes as "
                                   f"{root[:12]}…, not {kept['root_hash'][:12]}…: history up "
                                   "to the digest was changed, reordered or deleted")
        elif kept_id is not None and not kept_seen and nid > kept_id:
            kept_seen = True
            found({"notification_id": kept_id}, "the kept digest ends at a notification that "
                                                "is no longer in the log: it was deleted")
        last_id, events = nid, events + 1
        if progress:
            progress.advance(1)
    while pending is not None:
        found(_where(pending), f"missing from the log (recorded in the journal on "
                               f"{pending['recorded_at']}): it was deleted")
        pending = next(journal, None)
    if not kept_seen:
        found({"notification_id": kept_id}, f"the log ends at notification {last_id} but the "
                                            f"kept digest covers up to {kept_id}: the newest "
                                            "events were deleted")
    findings.sort(key=lambda f: f.get("notification_id") or 0)
    return {"service": service, "events": events, "last_notification_id": last_id,
            "root_hash": root, "journaled": journaled, "findings": findings}


def _where(row: dict) -> dict:
    return {"notification_id": row["notification_id"], "originator_id": row["originator_id"],
            "originator_version": row["originator_version"]}


def describe(finding: dict) -> str:
    where = f"{finding['service']}: notification {finding.get('notification_id')}"
    if finding.get("originator_id"):
        where += (f", aggregate {finding['originator_id']} version "
                  f"{finding.get('originator_version')}")
    return f"{where}: {finding['problem']}"


def trail_rows(entity_id: str, events: list[dict]) -> list[dict]:
    """The trail of one entity with each event's hash recomputed (`verified`)."""
    rows = []
    for event in events:
        recomputed = chain_hash(originator_id=entity_id, originator_version=event["version"],
                                type=event["type"], timestamp=event["timestamp"],
                                actor=event["actor"],
                                payload=event.get("committed_payload", event["payload"]),
                                prev_hash=event["prev_hash"])
        rows.append({**event, "verified": recomputed == event["hash"]})
    return rows


# Replay ---------------------------------------------------------------------------------

VIEWS = {  # file name -> (ReportingApplication method, takes the fiscal year)
    "partner_registry": ("partner_registry", True),
    "budget_realization": ("budget_realization", True),
    "spending_by_partner": ("spending", True),
    "payment_ledger": ("payment_ledger", True),
    "tax_summary": ("tax_summary", True),
    "outstanding_invoices": ("outstanding_invoices", False),
    "late_proofs": ("late_proofs", True),
    "outputs": ("outputs", True),
}


def export_views(views, fiscal_year: int, as_of: dt.date, out: Path) -> dict[str, int]:
    """Write each view as CSV and JSON into `out`; the number of rows of each."""
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, (method, yearly) in VIEWS.items():
        kwargs = {"as_of": as_of}
        if yearly:
            kwargs["fiscal_year"] = fiscal_year
        result = getattr(views, method)(**kwargs)
        rows = result["rows"] if isinstance(result, dict) else result
        (out / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False,
                                                     default=str))
        with open(out / f"{name}.csv", "w", newline="") as handle:
            columns = sorted({k for row in rows for k in row}) if rows else []
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: json.dumps(v) if isinstance(v, (list, dict)) else v
                                 for k, v in row.items()})
        counts[name] = len(rows)
    return counts
