"""`seklik audit export`: each event-sourced service's log, its signed checkpoints and a signed
digest written as plain files, so that anyone can verify the history without SEKLIK
(docs/export-format.md specifies the files; tools/verify_export.py is one verifier).

The export reads what an auditor reads (`notifications`, `signed_checkpoints`, `digest`), and
writes each envelope exactly as `notifications` answers it: personal numbers stay sealed
({digest, sealed}), which is all a verifier needs (the chain commits each one as "hmac:" + its
digest). Every JSON document and line is canonical (sorted keys, no spaces, UTF-8), so the same
history exports to the same bytes.

Without --as-of the export ends at the digest the service signs at the start of the export: its
log up to that position, its signed checkpoints up to it, and the digest. With --as-of DATE it
holds the log as it stood at the end of that regency day (the longest prefix of the log whose
events all happened before then: a log is verified as a prefix, never with holes), the signed
checkpoints up to its last event, and as its digest the last of those checkpoints.
"""
from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from seklik.audit import pages
from services.reporting.domain import day_end
from shared.checkpoints import key_id
from shared.config import DEFAULT_TIMEZONE

FORMAT = "seklik-audit-export"
FORMAT_VERSION = 1


@dataclass
class Source:
    """What the export reads of one service: its RPC as an auditor, or its application in
    process. `notifications(after, limit)` and `signed_checkpoints(after, limit)` page as the
    RPC methods do; `digest()` signs the log's end."""
    notifications: Callable[[int, int], list[dict]]
    signed_checkpoints: Callable[[int, int], list[dict]]
    digest: Callable[[], dict]

    @classmethod
    def remote(cls, proxy) -> "Source":
        return cls(lambda after, limit: proxy.notifications(after=after, limit=limit),
                   lambda after, limit: proxy.signed_checkpoints(after=after, limit=limit),
                   proxy.digest)

    @classmethod
    def application(cls, app) -> "Source":
        return cls(app.notifications, app.signed_checkpoints, app.digest)


class ExportRefused(ValueError):
    """The export cannot be written where it was asked to be."""


# One encoder for every line (json.dumps with these options builds a new one per call).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_line(value) -> bytes:
    """One JSON value as the export writes it: sorted keys, no spaces, UTF-8, then a newline."""
    return (_CANONICAL.encode(value) + "\n").encode()


def export(out: Path, sources: dict[str, Source], *, regency: str, regency_name: str = "",
           as_of: dt.date | None = None, zone: str = DEFAULT_TIMEZONE,
           published_keys: dict[str, list] | None = None,
           now: dt.datetime | None = None, progress: Callable[[str], object] | None = None
           ) -> dict:
    """Write the export of `sources` ({service: Source}, in the order given) into `out` (new or
    empty); the manifest. `published_keys`: {service: [(base64 public key, origin)]} the
    exporting deployment publishes (SEKLIK_SERVICE_PUBLIC_KEYS), listed in keys.json beside the
    keys the checkpoints carry. `progress(service)` gives an object with `advance(n)`."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ExportRefused(f"{out} is not empty: an export's folder holds the export alone "
                            "(a verifier counts any other file as added)")
    out.mkdir(parents=True, exist_ok=True)
    end = day_end(as_of, zone) if as_of else None
    keys: dict[str, dict[str, dict]] = {}
    summary = {}
    for service, source in sources.items():
        bar = progress(service) if progress else None
        summary[service] = _export_service(out, service, source, end, keys, bar)
    for service, published in (published_keys or {}).items():
        for public_key, origin in published if service in sources else ():
            _note_key(keys, service, public_key, origin)
    (out / "keys.json").write_bytes(canonical_line({
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "services": {service: [{"key_id": kid, **entry, "origins": sorted(entry["origins"])}
                               for kid, entry in sorted(held.items())]
                     for service, held in keys.items()}}))
    files = []
    for path in sorted(out.iterdir()):
        data = path.read_bytes()
        files.append({"name": path.name, "size": len(data),
                      "sha256": hashlib.sha256(data).hexdigest()})
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "regency": {"code": regency, "name": regency_name}, "timezone": zone,
        "exported_at": (now or dt.datetime.now(dt.timezone.utc)).isoformat(),
        "as_of": as_of.isoformat() if as_of else None, "as_of_end": end,
        "services": summary, "files": files}
    (out / "manifest.json").write_bytes(canonical_line(manifest))
    return manifest


def _export_service(out: Path, service: str, source: Source, end: str | None,
                    keys: dict, bar) -> dict:
    digest = source.digest() if end is None else None
    until = digest["last_notification_id"] if digest is not None else None
    events, first, last = 0, None, 0
    with open(out / f"{service}.events.jsonl", "wb") as handle:
        for env in pages(source.notifications):
            nid = env["notification_id"]
            if until is not None and nid > until:
                break  # after the digest: the next export's
            if end is not None and env.get("timestamp") and env["timestamp"] >= end:
                break  # the first event after the day: the log as it stood then ends here
            handle.write(canonical_line(env))
            events, first, last = events + 1, first or nid, nid
            if bar is not None:
                bar.advance(1)
    upto = until if until is not None else last
    checkpoints, latest = 0, None
    with open(out / f"{service}.checkpoints.jsonl", "wb") as handle:
        for entry in pages(source.signed_checkpoints):
            if entry["notification_id"] > upto:
                break
            handle.write(canonical_line(entry))
            _note_key(keys, service, entry["public_key"], f"{service}.checkpoints.jsonl")
            checkpoints, latest = checkpoints + 1, entry
    if bar is not None and hasattr(bar, "close"):
        bar.close()
    if digest is None and latest is not None:  # as of a date: the checkpoint it ends under
        digest = {**latest, "last_notification_id": latest["notification_id"]}
    if digest is not None:
        _note_key(keys, service, digest["public_key"], f"{service}.digest.json")
    (out / f"{service}.digest.json").write_bytes(canonical_line(digest))
    return {"events": events, "first_notification_id": first, "last_notification_id": last,
            "checkpoints": checkpoints,
            "digest_notification_id": digest["last_notification_id"] if digest else None}


@functools.lru_cache(maxsize=64)
def _key_id_of(public_key: str) -> str:
    """The key id computed from the key itself, never the one an entry states."""
    try:
        return key_id(Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key)))
    except (ValueError, TypeError):
        return "unreadable"  # listed as it came: a verifier says what is wrong with it


def _note_key(keys: dict, service: str, public_key: str, origin: str) -> None:
    kid = _key_id_of(public_key)
    entry = keys.setdefault(service, {}).setdefault(kid, {"public_key": public_key,
                                                          "origins": set()})
    entry["origins"].add(origin)
