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
  the log still reaches that notification (a deleted newest event is caught too);
- where the log and the journal (or the kept digest) first part, and how (`Locator`): the
  first notification, aggregate and version, and the kind of change: missing, altered,
  inserted or reordered; an event deleted together with its journal row (and the journal
  recomputed) is still named, from the ids the log skips and its aggregate's version gap;
- every snapshot (`snapshot_findings` on each service): its chain head against the hash of
  the stored event at its version, so a snapshot relabelled as another version is listed;
- every signed checkpoint (the service's, `signed_checkpoints`, and each kept digest's entry):
  its Ed25519 signature with a key trusted for that service (never the key the row or the
  database hands over: the keys of the kept digests, SEKLIK_SERVICE_PUBLIC_KEYS or a --keys
  file, the development keys in development only), and the root recomputed from the log up to
  its position equal to the signed root. The journal alone can be recomputed by anyone with the
  database; a signed checkpoint cannot be without the service's private key.
"""
from __future__ import annotations

import csv
import datetime as dt
import heapq
import json
from pathlib import Path

from shared.application import extend_root  # noqa: F401  (the CLI's replay uses it too)
from shared.checkpoints import TrustedKeys
from shared.domain import GENESIS, ChainVerifier, chain_hash
from shared.personal import committed, masked

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
                   progress=None, signed=None, trusted: TrustedKeys | None = None,
                   digests: list[tuple[str, dict]] | None = None) -> dict:
    """Findings (each with the notification, aggregate and version) and what was checked.

    `signed`: the service's signed checkpoints in order; `digests`: (label, entry) of every
    kept digest; both checked with `trusted` (SignedCheckpoints)."""
    chains = ChainVerifier()
    findings: list[dict] = []
    points = SignedCheckpoints(service, signed or (), digests or (), trusted or TrustedKeys())
    journal = iter(journal)
    pending = next(journal, None)
    root, last_id, events, journaled = GENESIS, 0, 0, 0
    kept_id = kept["last_notification_id"] if kept else None
    kept_seen = kept_id in (None, 0)

    locator = Locator(service)
    kept_root = None

    def found(where: dict, problem: str, kind: str | None = None, rank: int = 1):
        findings.append({"service": service, **where, "problem": problem, "kind": kind,
                         "rank": rank})

    for env in log:
        nid = env["notification_id"]
        while pending is not None and pending["notification_id"] < nid:
            locator.journal_row(pending, None)
            pending = next(journal, None)
        locator.log_entry(env)
        for finding in chains.check(env):
            found({k: finding[k] for k in ("notification_id", "originator_id",
                                           "originator_version")}, finding["problem"],
                  chain_kind(finding["problem"]))
        if points.next_at is not None and points.next_at < nid:  # one compare per event
            findings.extend(points.upto(nid - 1, root))  # the root of every event before nid
        before, root = root, extend_root(root, nid, env["hash"] or "")
        if pending is not None and pending["notification_id"] == nid:
            journaled += 1
            locator.journal_row(pending, env, (before, root))
            if pending["root_hash"] != root:
                locator.root_differs(env)  # reported only when nothing earlier explains it
            pending = next(journal, None)
        elif pending is not None:  # inserted, or reordered: told once both sides are read
            locator.unjournaled(env)
        if kept_id is not None and nid == kept_id:
            kept_seen, kept_root = True, root
            if root != kept["root_hash"]:
                found(_where(env), f"the root up to the kept digest recomputes as "
                                   f"{root[:12]}…, not {kept['root_hash'][:12]}…: history up "
                                   "to the digest was changed, reordered or deleted", rank=3)
        elif kept_id is not None and not kept_seen and nid > kept_id:
            kept_seen = True
            found({"notification_id": kept_id}, "the kept digest ends at a notification that "
                                                "is no longer in the log: it was deleted")
        last_id, events = nid, events + 1
        if progress:
            progress.advance(1)
    while pending is not None:
        locator.journal_row(pending, None)
        pending = next(journal, None)
    if not kept_seen:
        found({"notification_id": kept_id}, f"the log ends at notification {last_id} but the "
                                            f"kept digest covers up to {kept_id}: the newest "
                                            "events were deleted")
    findings.extend(points.upto(None, root))
    findings.extend(locator.finish(kept, kept_root))
    # The first finding is the first broken link: at one notification, where the log and the
    # journal part (with the kind of change) before the chain's and the roots' consequences.
    findings.sort(key=lambda f: (f.get("notification_id") or 0, f.get("rank", 1)))
    for finding in findings:
        finding.pop("rank", None)
    return {"service": service, "events": events, "last_notification_id": last_id,
            "root_hash": root, "journaled": journaled, "findings": findings,
            "signed": points.checked, "last_signed": points.last}


class Locator:
    """Where the log and the journal (and a kept digest) first part, and how.

    verify_service feeds it, in notification order, every log entry (`log_entry`), every
    journal row with the log's entry at the same notification or None (`journal_row`), and the
    log's entries the journal skips while later rows exist (`unjournaled`). Each difference is
    one of:
    - missing: the journal (or the root the journal or the kept digest recorded) had a
      notification the log no longer has;
    - altered: the same notification holds another hash (or no longer decodes);
    - inserted: the log holds a notification the journal, recording around it, never had;
    - reordered: a hash recorded at one notification (or as one aggregate version) now stands
      at another.
    A notification and its journal row deleted together still leave a trace: the journal's
    root at the next row covers it, so that row's root no longer follows from the one before
    (`root(n) = SHA-256(root(prev) ":" n ":" hash(n))`); the skipped notification ids between
    them are where it stood, and a version gap of an aggregate across them names its aggregate
    and version. When the journal was recomputed too, only a kept digest's root tells: the
    same evidence (skipped ids, version gaps) up to the digest's end locates it."""

    def __init__(self, service: str):
        self.service = service
        self.found: list[dict] = []
        self._differences: list[tuple[str, dict | None, dict | None]] = []
        self._root, self._last_row = GENESIS, 0  # the journal's own chain of roots
        self._between: list[dict] = []  # log entries since the last row, not in the journal
        self._skipped: list[tuple[int, int]] = []  # id ranges the log does not hold
        self._last_log = 0
        self._heads: dict[str, tuple[int, int]] = {}  # aggregate -> (notification, version)
        self._version_gaps: list[tuple[str, int, int, int, int]] = []
        self._root_differs: dict | None = None
        self._unnamed: list[tuple[list[int], str]] = []  # deleted with their journal rows

    # What verify_service feeds ------------------------------------------------------------

    def log_entry(self, env: dict) -> None:
        nid, oid, version = (env["notification_id"], env["originator_id"],
                             env["originator_version"])
        if nid > self._last_log + 1:
            self._skipped.append((self._last_log + 1, nid - 1))
        self._last_log = nid
        before_nid, before_version = self._heads.get(oid, (0, 0))
        if isinstance(version, int) and version > before_version + 1:
            self._version_gaps.append((oid, before_version + 1, version - 1, before_nid, nid))
        self._heads[oid] = (nid, version if isinstance(version, int) else before_version)

    def unjournaled(self, env: dict) -> None:
        self._between.append(env)

    def journal_row(self, row: dict, env: dict | None,
                    log_roots: tuple[str, str] | None = None) -> None:
        """`log_roots`: the log's root before `env` and with it, which is the root this row
        follows from when the journal's root before it is that same one and the row holds
        env's hash (most rows): not computed a second time then."""
        nid = row["notification_id"]
        same = False
        if env is None:
            self._differences.append(("missing", row, None))
        elif (row["originator_id"], row["originator_version"], row["hash"]) != (
                env["originator_id"], env["originator_version"], env["hash"] or ""):
            self._differences.append(("differs", row, env))
        else:
            same = log_roots is not None and log_roots[0] == self._root
        expected = log_roots[1] if same else extend_root(self._root, nid, row["hash"])
        if expected != row["root_hash"]:
            self._journal_break(row)
        else:
            for env_ in self._between:  # the journal, consistent around them, never had them
                self._differences.append(("inserted", None, env_))
        self._between = []
        self._root, self._last_row = row["root_hash"], nid

    def root_differs(self, env: dict) -> None:
        """The root recomputed from the log differs from the journal's at a row that itself
        matches: kept once, as the last resort when nothing else explains it."""
        if self._root_differs is None:
            self._root_differs = self._finding(
                _where(env), "the root up to here differs from the journal's: an earlier "
                             "event was changed, inserted or removed", "altered", rank=2)

    # Findings ---------------------------------------------------------------------------

    def finish(self, kept: dict | None = None, kept_root: str | None = None) -> list[dict]:
        """Every finding located (kinds classified now that both sides were read), and, when
        the root recomputed up to a kept digest's end (`kept_root`) is not the kept one, where
        it parted. `_between` left over is the log's newest part, not journaled yet."""
        self._classify()
        for skipped, evidence in self._unnamed:
            self.found.append(self._missing_at(skipped, evidence))
        if kept and kept_root is not None and kept_root != kept["root_hash"]:
            self._locate_kept(kept, kept_root)
        if self._root_differs is not None and not any(
                f["notification_id"] <= self._root_differs["notification_id"]
                for f in self.found):
            self.found.append(self._root_differs)
        return self.found

    def _finding(self, where: dict, problem: str, kind: str | None, rank: int = 0) -> dict:
        return {"service": self.service, **where, "problem": problem, "kind": kind,
                "rank": rank}

    def _journal_break(self, row: dict) -> None:
        nid, since = row["notification_id"], self._last_row
        root = self._root
        for env in self._between:
            root = extend_root(root, env["notification_id"], env["hash"] or "")
        if self._between and extend_root(root, nid, row["hash"]) == row["root_hash"]:
            for env in self._between:  # only the journal's rows went: the events stand
                self.found.append(self._finding(
                    _where(env), "its row was deleted from the journal (the journal's root at "
                                 f"notification {nid} still covers the event as the log holds "
                                 "it): the journal was changed, not the event", "missing"))
            return
        if self._between:
            env = self._between[0]
            self.found.append(self._finding(
                _where(env), "differs from what the journal recorded here (its row was deleted "
                             f"and the journal's root at notification {nid} does not cover the "
                             "event as the log holds it): altered", "altered"))
            return
        skipped = self._skipped_within(since, nid)
        if skipped:  # named in finish(): a version gap after it may name its aggregate
            self._unnamed.append((skipped, f"the journal's root at notification {nid} covers "
                                           f"a notification after {since} that neither the "
                                           "log nor the journal holds any more"))
            return
        self.found.append(self._finding(
            _where(row), "the journal's root here does not follow from its previous row: the "
                         "journal's row was changed", "altered"))

    def _skipped_within(self, low: int, high: int) -> list[int]:
        """The ids in (low, high) the log does not hold (at most 100, first ones)."""
        ids: list[int] = []
        for start, end in self._skipped:
            for nid in range(max(start, low + 1), min(end, high - 1) + 1):
                ids.append(nid)
                if len(ids) >= 100:
                    return ids
        return ids

    def _missing_at(self, skipped: list[int], evidence: str) -> dict:
        """A finding at the skipped id where the notification stood: the one inside a version
        gap of an aggregate when there is one (which names it), else the first."""
        for oid, first, last, low, high in self._version_gaps:
            inside = [nid for nid in skipped if low < nid < high]
            if inside:
                version = first if first == last else None
                where = {"notification_id": inside[0], "originator_id": oid,
                         "originator_version": version}
                versions = f"version {first}" if first == last else f"versions {first}-{last}"
                return self._finding(where, f"missing from the log: {evidence}, and {versions} "
                                            f"of aggregate {oid} is gone from between "
                                            f"notifications {low} and {high}: it was deleted",
                                     "missing")
        others = (f" (or one of {', '.join(map(str, skipped[1:6]))}"
                  f"{'…' if len(skipped) > 6 else ''}: the log skips these ids too; an id is "
                  "also skipped when a transaction rolls back)") if len(skipped) > 1 else ""
        return self._finding({"notification_id": skipped[0]},
                             f"missing from the log: {evidence}{others}: it was deleted",
                             "missing")

    def _locate_kept(self, kept: dict, kept_root: str) -> None:
        end = kept["last_notification_id"]
        if any(f["rank"] == 0 and f["notification_id"] <= end for f in self.found):
            return  # located already, from the journal
        skipped = self._skipped_within(0, end + 1)
        if skipped:
            self.found.append(self._missing_at(
                skipped, f"the kept digest's root up to notification {end} "
                         f"({kept['root_hash'][:12]}…) covers a notification the log no longer "
                         f"has (it recomputes as {kept_root[:12]}…)"))

    def _classify(self) -> None:
        recorded = {row["hash"]: row for kind, row, _ in self._differences
                    if row is not None and row["hash"]}
        now = {env["hash"]: env for kind, _, env in self._differences
               if env is not None and env["hash"]}
        for kind, row, env in self._differences:
            if kind == "missing":
                moved = now.get(row["hash"])
                if moved is not None:
                    problem = (f"missing from the log here: the event recorded here (hash "
                               f"{row['hash'][:12]}…) now stands at notification "
                               f"{moved['notification_id']}: reordered")
                    self.found.append(self._finding(_where(row), problem, "reordered"))
                else:
                    self.found.append(self._finding(
                        _where(row), f"missing from the log (recorded in the journal on "
                                     f"{row['recorded_at']} with hash {row['hash'][:12]}…): "
                                     "it was deleted", "missing"))
            elif kind == "inserted":
                was = recorded.get(env["hash"])
                if was is not None:
                    self.found.append(self._finding(
                        _where(env), f"not in the journal here: the journal recorded this event "
                                     f"at notification {was['notification_id']}: reordered",
                                     "reordered"))
                else:
                    self.found.append(self._finding(
                        _where(env), "not in the journal although the journal recorded the "
                                     "notifications around it: inserted", "inserted"))
            else:
                recorded_as = (f"differs from the journal, which recorded aggregate "
                               f"{row['originator_id']} version {row['originator_version']} "
                               f"with hash {row['hash'][:12]}…")
                was = recorded.get(env["hash"] or "")
                if env["hash"] and env["hash"] == row["hash"]:
                    problem, kind_ = (f"{recorded_as}: the same event relabelled as aggregate "
                                      f"{env['originator_id']} version "
                                      f"{env['originator_version']}: reordered"), "reordered"
                elif was is not None:
                    problem, kind_ = (f"{recorded_as}: the event recorded at notification "
                                      f"{was['notification_id']} stands here now: reordered"
                                      ), "reordered"
                elif row["hash"] in now:
                    problem, kind_ = (f"{recorded_as}: that event stands at notification "
                                      f"{now[row['hash']]['notification_id']} now: reordered"
                                      ), "reordered"
                else:
                    problem, kind_ = (f"{recorded_as}: altered (the event was changed, "
                                      "another hash at the same notification)"), "altered"
                self.found.append(self._finding(_where(env), problem, kind_))


def chain_kind(problem: str) -> str:
    """The kind of change a broken link of a chain (shared/domain.py ChainVerifier) shows."""
    if problem.startswith("version "):
        before, _, after = problem.partition(" follows version ")
        try:
            return "missing" if int(before.split()[1]) > int(after.split()[0]) + 1 \
                else "reordered"
        except (IndexError, ValueError):
            return "reordered"
    return "altered"


class SignedCheckpoints:
    """Checks signed checkpoints against the roots verify recomputes from the log.

    `upto(position, root)` is called with the root of every event up to `position` (None: the
    log's end): each checkpoint signed at or before it is checked, its signature with a key
    trusted for the service and its root against `root`. A checkpoint whose position is no
    longer in the log is checked against the root of what remains before it (a deleted event at
    its very position breaks it too). Findings name the checkpoint (or the kept digest)."""

    def __init__(self, service: str, signed, digests, trusted: TrustedKeys):
        self.service, self.trusted = service, trusted
        self.checked, self.last = 0, None
        rows = ((row["notification_id"], "", row) for row in signed)
        kept = sorted(((entry.get("last_notification_id", entry.get("notification_id")) or 0,
                        label, entry) for label, entry in digests), key=lambda k: k[0])
        self._pending = heapq.merge(kept, rows, key=lambda k: k[0])
        self._next = next(self._pending, None)
        self.next_at = None if self._next is None else self._next[0]  # the next position

    def upto(self, position: int | None, root: str) -> list[dict]:
        found = []
        while self._next is not None and (position is None or self._next[0] <= position):
            at, label, entry = self._next
            what = (f"the kept digest {label} (signed at notification {at})" if label else
                    f"the signed checkpoint at notification {at} (recorded "
                    f"{entry.get('recorded_at')}, key {entry.get('key_id')})")
            problem = self.trusted.check(entry, self.service)
            if problem is None and entry.get("root_hash") != root:
                problem = (f"its root {str(entry.get('root_hash'))[:12]}… is not the root "
                           f"recomputed from the log up to it, {root[:12]}…: an event up to it "
                           "was changed, inserted or removed")
            if problem:
                found.append({"service": self.service, "notification_id": at,
                              "problem": f"{what}: {problem}",
                              **({"digest": label} if label else {})})
            if not label:
                self.checked += 1
                self.last = entry
            self._next = next(self._pending, None)
        self.next_at = None if self._next is None else self._next[0]
        return found


def _where(row: dict) -> dict:
    return {"notification_id": row["notification_id"], "originator_id": row["originator_id"],
            "originator_version": row["originator_version"]}


def snapshot_report(service: str, answer: dict) -> list[dict]:
    """The findings of a service's `snapshot_findings` as verify's findings (after the log's:
    a snapshot is no link of the log, and commands never use one that fails the check)."""
    return [{"service": service, "snapshot": True, "notification_id": None,
             "originator_id": f["originator_id"], "originator_version": f["originator_version"],
             "problem": f["problem"], "kind": "altered",
             "actual_version": f.get("actual_version")} for f in answer.get("findings", ())]


def describe(finding: dict) -> str:
    if finding.get("snapshot"):
        return (f"{finding['service']}: snapshot of aggregate {finding['originator_id']} "
                f"version {finding['originator_version']}: {finding['problem']}")
    where = f"{finding['service']}: notification {finding.get('notification_id')}"
    if finding.get("originator_id"):
        where += f", aggregate {finding['originator_id']}"
        if finding.get("originator_version") is not None:  # None: a range, in the problem
            where += f" version {finding['originator_version']}"
    return f"{where}: {finding['problem']}"


def trail_rows(entity_id: str, events: list[dict]) -> list[dict]:
    """The trail of one entity with each event's hash recomputed (`verified`): over the
    event as first recorded, its `recorded` {schema_version, payload} when it carries one (an
    event upcast since), else its own schema_version (1 for a copy that holds none: no event
    class had another version before the copies kept it) and payload."""
    rows = []
    for event in events:
        recorded = event.get("recorded")
        if isinstance(recorded, dict):
            schema_version, payload = recorded.get("schema_version"), recorded.get("payload")
        else:
            schema_version = event.get("schema_version", 1)
            payload = event.get("committed_payload", event["payload"])
        recomputed = chain_hash(originator_id=entity_id, originator_version=event["version"],
                                type=event["type"], schema_version=schema_version,
                                timestamp=event["timestamp"], actor=event["actor"],
                                payload=payload, prev_hash=event["prev_hash"])
        rows.append({**event, "verified": recomputed == event["hash"]})
    return rows


# What the projector's copy of an event must hold as its owner's log does.
COPIED = ("notification_id", "type", "timestamp", "actor", "prev_hash", "hash")


def owned_trail(entity_id: str, owned: dict[str, list[dict]], copy: list[dict],
                positions: dict[str, int] | None = None) -> list[dict]:
    """The trail of one entity as its owners' logs hold it, checked, one row per event.

    `owned`: per service, the entity's envelopes from its own store (`aggregate_events`), in
    version order; `copy`: the reporting views' copy (`reporting.audit_trail`); `positions`:
    per source, the last notification the projector applied (a later event is not yet
    copied, which is no finding). Each row is the owner's event (`source`, `notification_id`,
    `version`, `type`, `timestamp`, `actor`, `payload`, `prev_hash`, `hash`) with `verified`
    and `findings` (why not). Findings: a broken chain in the owner's log (a version gap, a
    prev_hash or hash that does not recompute, an event that no longer decodes); an event the
    projector's copy lacks or holds differently; an event the owner's journal of checkpoints
    recorded but its store lost (a stand-in with `missing`); an event only the copy holds
    (deleted from the owner's log and its journal: a deleted tail leaves no gap in the owner's
    chain).

    The payload shown is the copy's (opened for auditors, masked for other systems, as
    `reporting.audit_trail` answers) where the copy holds the same event; otherwise the
    owner's sealed payload with each personal number masked: nothing the caller may not see.
    """
    copies = {(row["source"], row["version"]): row for row in trail_rows(entity_id, copy)}
    positions = positions or {}
    rows = []
    for source, envelopes in owned.items():
        chain = ChainVerifier()
        for env in envelopes:
            version = env["originator_version"]
            copied = copies.pop((source, version), None)
            row = {"source": source, "notification_id": env["notification_id"],
                   "version": version, "type": env["type"], "timestamp": env["timestamp"],
                   "actor": env["actor"], "payload": masked(env["payload"]),
                   "prev_hash": env["prev_hash"], "hash": env["hash"]}
            if env.get("missing"):  # the owner's journal recorded it; its store lost it
                if copied is not None:  # what it was, as the copy still shows it
                    row.update({k: copied[k] for k in ("type", "timestamp", "actor",
                                                       "payload", "prev_hash")})
                rows.append({**row, "verified": False, "findings": [env["missing"]]})
                continue
            findings = [f["problem"] for f in chain.check(env)]
            if copied is None:
                if env["notification_id"] <= positions.get(source, 0):
                    findings.append("missing from the reporting views' copy of the events "
                                    "(audit_events) although the projector applied "
                                    f"{source} up to notification {positions[source]}: "
                                    "deleted from the copy")
            else:
                # The copy must hold what the owner's (verified) event holds. Its own hash is
                # not what is checked: it keeps no schema_version to recompute it with.
                differs = [k for k in COPIED if copied[k] != row[k]]
                payloads = [env["payload"], (env.get("recorded") or {}).get("payload")]
                if committed(copied["committed_payload"]) not in [
                        committed(p) for p in payloads if p is not None]:
                    differs.append("payload")
                if differs:
                    findings.append("the reporting views' copy differs in "
                                    f"{', '.join(differs)}: changed in the copy")
                else:
                    row["payload"] = copied["payload"]
            rows.append({**row, "verified": not findings, "findings": findings})
    for (source, version), copied in copies.items():
        rows.append({**{k: copied[k] for k in ("source", "notification_id", "version", "type",
                                               "timestamp", "actor", "payload", "prev_hash",
                                               "hash")},
                     "verified": False,
                     "findings": [f"in the reporting views' copy but not in {source}'s own "
                                  f"log (version {version} of {entity_id}): deleted from "
                                  f"{source}'s log" if source in owned else
                                  f"in the reporting views' copy, from {source}, which was "
                                  "not asked"]})
    # In time order; at the same instant, upstream services first, then each service's order
    # (as reporting orders its trail).
    order = list(owned)
    rows.sort(key=lambda r: (r["timestamp"] or "", order.index(r["source"])
                             if r["source"] in order else len(order), r["notification_id"]))
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


# Compare ------------------------------------------------------------------------------

KEYS = {  # view -> the columns that name one of its rows
    "partner_registry": ("partner_id",), "budget_realization": ("activity_code",),
    "spending_by_partner": ("partner",), "payment_ledger": ("order_id",),
    "tax_summary": ("partner_id",), "outstanding_invoices": ("order_id",),
    "late_proofs": ("order_id",), "outputs": ("partner", "media_type"),
}
SUMMARY = "(summary)"  # the key of a view's figures beside its rows (spending's Gini, ...)


def view_results(query, fiscal_year: int) -> dict:
    """Each view of VIEWS for the year, as `query(method, **arguments)` answers it (the live
    views through reporting's RPC, or a rebuilt store's application), JSON-safe."""
    results = {}
    for name, (method, yearly) in VIEWS.items():
        result = query(method, **({"fiscal_year": fiscal_year} if yearly else {}))
        results[name] = json.loads(json.dumps(result, default=str))
    return results


def compare_views(live: dict, rebuilt: dict) -> list[dict]:
    """Every cell where a live view differs from the rebuilt one: {view, key, column, live,
    rebuilt}. A row only one side holds is one difference, column "(row)"."""
    differences = []
    for view in VIEWS:
        a, b = _keyed(view, live.get(view)), _keyed(view, rebuilt.get(view))
        for key in list(a) + [k for k in b if k not in a]:
            if key not in b or key not in a:
                differences.append({"view": view, "key": key, "column": "(row)",
                                    "live": "present" if key in a else "absent",
                                    "rebuilt": "present" if key in b else "absent"})
                continue
            for column in list(a[key]) + [c for c in b[key] if c not in a[key]]:
                if a[key].get(column) != b[key].get(column):
                    differences.append({"view": view, "key": key, "column": column,
                                        "live": a[key].get(column),
                                        "rebuilt": b[key].get(column)})
    return differences


def _keyed(view: str, result) -> dict[str, dict]:
    """key -> row; a repeated key gets "#2", "#3" in order (rows come sorted)."""
    if result is None:
        return {}
    rows, keyed = result, {}
    if isinstance(result, dict):
        rows = result.get("rows", [])
        keyed[SUMMARY] = {k: v for k, v in result.items() if k != "rows"}
    for row in rows:
        key = "/".join(str(row.get(column)) for column in KEYS[view])
        n, unique = 1, key
        while unique in keyed:
            n += 1
            unique = f"{key}#{n}"
        keyed[unique] = row
    return keyed


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
