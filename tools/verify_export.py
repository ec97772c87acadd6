#!/usr/bin/env python3
"""Verify a SEKLIK audit export without SEKLIK.

    python verify_export.py DIR [--keys FILE]

DIR is what `seklik audit export --out DIR` wrote. This file needs only Python's standard
library and `cryptography` (Ed25519); it imports nothing of SEKLIK, and follows the format as
docs/export-format.md specifies it, so it can be copied, read and run on its own.

It checks, in order:
  1. the manifest: every file listed is there with its size and SHA-256, none is missing or
     added;
  2. the keys: keys.json (or the keys given with --keys: say which you trust) read and each
     key id recomputed from its key;
  3. for each service: every aggregate's chain (versions 1, 2, 3 ... in notification order,
     prev_hash the previous event's hash, GENESIS first, each hash recomputed from the
     envelope), the root of the log at every signed checkpoint and at the digest, and every
     signature (Ed25519, with a key trusted for that service).

It prints OK, or BROKEN and the first broken link (the file, its line, the notification and what
is wrong), and exits 0 or 1 (2 when DIR is no export at all).
"""
from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "seklik-audit-export"
FORMAT_VERSION = 1
GENESIS = "0" * 64
# Personal numbers: any value under these keys (at any depth), a bank account's `number`, a
# document's `number` (a mapping with a text `kind` and a `number`), a kept file's `name`.
PERSONAL_KEYS = ("npwp", "nik", "login_email", "password_hash")
SIGNED_FIELDS = ("regency", "service", "notification_id", "root_hash", "recorded_at", "key_id")


class PlainNumber(ValueError):
    """A personal number in plain text: its commitment needs the deployment's key."""


# One encoder for every event (json.dumps with these options builds a new one per call).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(value) -> bytes:
    """The bytes that are hashed and signed: JSON, keys sorted, no spaces, UTF-8."""
    return _CANONICAL.encode(value).encode()


# Personal numbers ---------------------------------------------------------------------

def is_sealed(item) -> bool:
    return isinstance(item, dict) and "digest" in item and set(item) <= {"sealed", "digest"}


def _is_personal(item) -> bool:
    return (isinstance(item, str) and item != "") or is_sealed(item)


def _commit(item):
    if is_sealed(item):
        return "hmac:" + item["digest"]
    if isinstance(item, str) and item.startswith("hmac:"):
        return item
    raise PlainNumber("a personal number travels in plain text, not sealed as {digest, "
                      "sealed}: its commitment cannot be recomputed without the regency's key")


def committed(value):
    """`value` with each personal number replaced by "hmac:" + its digest."""
    if isinstance(value, list):
        return [committed(v) for v in value]
    if not isinstance(value, dict) or is_sealed(value):
        return value
    document = isinstance(value.get("kind"), str) and "number" in value
    out = {}
    for key, item in value.items():
        if key in PERSONAL_KEYS and _is_personal(item):
            out[key] = _commit(item)
        elif key == "bank_account" and isinstance(item, dict):
            account = committed(item)
            if _is_personal(item.get("number")):
                account = {**account, "number": _commit(item["number"])}
            out[key] = account
        elif key == "number" and document and _is_personal(item):
            out[key] = _commit(item)
        elif key == "file" and isinstance(item, dict) and _is_personal(item.get("name")):
            out[key] = {**committed(item), "name": _commit(item["name"])}
        else:
            out[key] = committed(item)
    return out


# Hashes ----------------------------------------------------------------------------------

def event_hash(env: dict) -> str:
    """The hash of one envelope: over the event as first recorded (`recorded` when present)."""
    recorded = env.get("recorded")
    if isinstance(recorded, dict):
        schema_version, payload = recorded.get("schema_version"), recorded.get("payload")
    else:
        schema_version, payload = env.get("schema_version"), env["payload"]
    return hashlib.sha256(canonical({
        "id": env["originator_id"], "version": env["originator_version"], "type": env["type"],
        "schema_version": schema_version, "timestamp": env["timestamp"],
        "actor": env["actor"], "payload": committed(payload),
        "prev_hash": env["prev_hash"]})).hexdigest()


def extend_root(root: str, notification_id, event_hash_: str) -> str:
    return hashlib.sha256(f"{root}:{notification_id}:{event_hash_}".encode()).hexdigest()


def key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def signed_body(entry: dict) -> bytes:
    position = entry.get("notification_id", entry.get("last_notification_id"))
    return canonical({**{f: entry.get(f) for f in SIGNED_FIELDS}, "notification_id": position})


# Keys ------------------------------------------------------------------------------------

class Keys:
    """The public keys trusted per service, each with where it came from."""

    def __init__(self, source: str):
        self.source = source
        self.keys: dict[tuple[str, str], tuple[Ed25519PublicKey, str]] = {}

    def add(self, service: str, text: str, origin: str, stated_id: str | None = None) -> None:
        try:
            raw = base64.b64decode(text, validate=True)
            key = Ed25519PublicKey.from_public_bytes(raw)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise ValueError(f"the key of {service} from {origin} is not base64 of 32 bytes "
                             f"({exc})") from None
        kid = key_id(raw)
        if stated_id is not None and stated_id != kid:
            raise ValueError(f"the key of {service} listed as {stated_id} has key id {kid}")
        self.keys.setdefault((service, kid), (key, origin))

    def of(self, service: str) -> list[tuple[str, str]]:
        return sorted((kid, origin) for (s, kid), (_, origin) in self.keys.items()
                      if s == service)

    def check(self, entry: dict, service: str) -> str | None:
        """None when `entry` is signed for `service` by a trusted key; else what is wrong."""
        if entry.get("service") != service:
            return f"it names service {entry.get('service')!r}, not {service}"
        kid = entry.get("key_id")
        trusted = self.keys.get((service, kid))
        if trusted is None:
            known = ", ".join(k for k, _ in self.of(service)) or "none"
            return (f"it is signed by key {kid}, which is not trusted for {service} (trusted: "
                    f"{known})")
        try:
            signature = base64.b64decode(entry.get("signature") or "", validate=True)
            trusted[0].verify(signature, signed_body(entry))
        except (InvalidSignature, binascii.Error, ValueError, TypeError):
            return (f"its signature does not verify with key {kid}: changed after it was "
                    "signed")
        return None


def keys_from_json(data: dict, origin: str, keys: Keys) -> None:
    for service, listed in (data.get("services") or {}).items():
        for item in listed:
            where = ", ".join(item.get("origins") or ()) or origin
            keys.add(service, item["public_key"], f"{origin}: {where}", item.get("key_id"))


def keys_from_file(path: Path) -> Keys:
    """--keys FILE: keys.json's form, or `service=<base64>` items (lines or commas, as
    SEKLIK_SERVICE_PUBLIC_KEYS reads; that prefix and # comments allowed)."""
    keys = Keys(f"--keys {path} (given by the auditor)")
    text = path.read_text()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        keys_from_json(data, str(path), keys)
        return keys
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("SEKLIK_SERVICE_PUBLIC_KEYS=")
        for item in filter(None, (part.strip() for part in line.split(","))):
            service, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"{path}: {item!r} is not service=<base64>")
            keys.add(service.strip(), value.strip(), str(path))
    return keys


# Findings --------------------------------------------------------------------------------

def finding(file: str, problem: str, line: int | None = None, notification_id=None,
            service: str | None = None, **where) -> dict:
    return {"file": file, "line": line, "notification_id": notification_id,
            "service": service, "problem": problem, **where}


def describe(f: dict) -> str:
    where = f["file"] + (f" line {f['line']}" if f.get("line") else "")
    if f.get("notification_id") is not None:
        where += f", notification {f['notification_id']}"
    if f.get("originator_id"):
        where += f", aggregate {f['originator_id']} version {f.get('originator_version')}"
    return f"{where}: {f['problem']}"


# The manifest ----------------------------------------------------------------------------

def check_manifest(folder: Path, manifest: dict) -> list[dict]:
    found = []
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        found.append(finding("manifest.json", f"format {manifest.get('format')!r} version "
                             f"{manifest.get('format_version')!r}: this verifier reads "
                             f"{FORMAT} version {FORMAT_VERSION}"))
    listed = {}
    for item in manifest.get("files") or ():
        listed[item.get("name")] = item
    expected = {"keys.json"} | {f"{s}.{part}" for s in manifest.get("services") or {}
                                for part in ("events.jsonl", "checkpoints.jsonl",
                                             "digest.json")}
    for name in sorted(expected - set(listed)):
        found.append(finding("manifest.json", f"{name} is not listed: every export holds it"))
    for name, item in listed.items():
        path = folder / str(name)
        if not isinstance(name, str) or "/" in name or name in ("", ".", ".."):
            found.append(finding("manifest.json", f"{name!r} is not a file name"))
            continue
        if not path.is_file():
            found.append(finding(name, "listed in the manifest but missing"))
            continue
        size, digest = _size_and_sha256(path)
        if size != item.get("size"):
            found.append(finding(name, f"{size} bytes, the manifest says {item.get('size')}: "
                                       "truncated, extended or replaced"))
        elif digest != item.get("sha256"):
            found.append(finding(name, f"SHA-256 {digest[:12]}…, the manifest says "
                                       f"{str(item.get('sha256'))[:12]}…: changed"))
    for path in sorted(folder.iterdir()):
        if path.name != "manifest.json" and path.name not in listed:
            found.append(finding(path.name, "in the folder but not in the manifest: added"))
    return found


def _size_and_sha256(path: Path) -> tuple[int, str]:
    sha, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
            size += len(block)
    return size, sha.hexdigest()


# One service -----------------------------------------------------------------------------

def read_lines(path: Path):
    """(line number, value or the ValueError it raised) for every line of a JSON Lines file."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                yield number, json.loads(raw)
            except ValueError as exc:
                yield number, exc


def verify_service(folder: Path, service: str, keys: Keys, regency: str | None,
                   as_of: str | None) -> dict:
    """Every finding of one service's files (sorted by notification, then as found) and what
    was checked."""
    events_file, checkpoints_file = f"{service}.events.jsonl", f"{service}.checkpoints.jsonl"
    digest_file = f"{service}.digest.json"
    found: list[dict] = []
    points: list[tuple] = []  # (position, order, file, line, entry): checked as the log passes
    readable = True
    try:
        digest = json.loads((folder / digest_file).read_text())
    except (OSError, ValueError) as exc:
        digest, readable = None, False
        found.append(finding(digest_file, f"cannot be read: {exc}", service=service))
    if isinstance(digest, dict):
        position = digest.get("last_notification_id", digest.get("notification_id"))
        if digest.get("notification_id", position) != position:
            found.append(finding(digest_file, "its notification_id and last_notification_id "
                                 "differ", 1, position, service))
        points.append((position if isinstance(position, int) else 0, 0, digest_file, 1,
                       digest))
    elif digest is not None:
        found.append(finding(digest_file, "is not a signed checkpoint", 1, service=service))
    elif as_of is None and readable:
        found.append(finding(digest_file, "holds no digest: an export taken without an as-of "
                             "date ends under the digest signed for it", 1, service=service))
    if (folder / checkpoints_file).is_file():
        before = 0
        for number, entry in read_lines(folder / checkpoints_file):
            if not isinstance(entry, dict) or not isinstance(entry.get("notification_id"), int):
                found.append(finding(checkpoints_file, f"not a signed checkpoint ({entry})",
                                     number, service=service))
                continue
            if entry["notification_id"] <= before:
                found.append(finding(checkpoints_file, f"at notification "
                                     f"{entry['notification_id']}, after one at {before}: "
                                     "checkpoints are in order", number,
                                     entry["notification_id"], service))
            before = entry["notification_id"]
            points.append((entry["notification_id"], 1, checkpoints_file, number, entry))
    points.sort(key=lambda p: (p[0], p[1]))
    pending = iter(points)
    point = next(pending, None)
    signed = {"checkpoints": 0, "digest": None}

    def check_points(upto, root: str) -> None:
        """Each checkpoint at or before `upto` (None: all) against the root of the log so far."""
        nonlocal point
        while point is not None and (upto is None or point[0] <= upto):
            at, _, file, number, entry = point
            problem = keys.check(entry, service)
            if problem is None and regency is not None and entry.get("regency") != regency:
                problem = f"it names regency {entry.get('regency')!r}, not {regency}"
            if problem is None and entry.get("root_hash") != root:
                problem = (f"its root {str(entry.get('root_hash'))[:12]}… is not the root "
                           f"recomputed from the log up to it, {root[:12]}…: an event up to "
                           "it was changed, inserted or removed")
                if file == digest_file and last < at:
                    problem += (f" (the log ends at notification {last}, the digest covers "
                                f"up to {at}: the newest events were removed)")
            what = ("the digest" if file == digest_file else
                    f"the signed checkpoint at notification {at}")
            if problem:
                found.append(finding(file, f"{what}: {problem}", number, at, service))
            elif file == digest_file:
                signed["digest"] = at
            else:
                signed["checkpoints"] += 1
            point = next(pending, None)

    heads: dict[str, tuple[int, str]] = {}
    root, last, events = GENESIS, 0, 0
    for number, env in read_lines(folder / events_file):
        if isinstance(env, ValueError) or not isinstance(env, dict) or not isinstance(
                env.get("notification_id"), int):
            found.append(finding(events_file, f"not an envelope ({str(env)[:80]})", number,
                                 None, service, sort=last + 0.5))  # after the line before
            continue
        nid = env["notification_id"]
        if point is not None and point[0] < nid:
            check_points(nid - 1, root)
        found.extend(check_envelope(env, heads, last, number, events_file, service, regency))
        root = extend_root(root, nid, env.get("hash") or "")
        last, events = nid, events + 1
    check_points(None, root)
    if as_of is None and digest is not None and isinstance(digest, dict) and last > (
            digest.get("last_notification_id") or 0):
        found.append(finding(events_file, "the log goes on after the digest's position "
                             f"{digest.get('last_notification_id')}: events no signature "
                             "covers were added", None, last, service))
    found.sort(key=lambda f: f.pop("sort", None) or f["notification_id"] or 0)
    return {"service": service, "events": events, "aggregates": len(heads), "root": root,
            "last_notification_id": last, "findings": found, **signed}


def check_envelope(env: dict, heads: dict, before: int, number: int, file: str,
                   service: str, regency: str | None) -> list[dict]:
    nid, oid, version = (env["notification_id"], env.get("originator_id"),
                         env.get("originator_version"))

    def broken(problem: str) -> dict:
        return finding(file, problem, number, nid, service, originator_id=oid,
                       originator_version=version)

    found = []
    if nid <= before:
        found.append(broken(f"follows notification {before}: lines are in notification order, "
                            "each once (reordered, repeated or inserted)"))
    if env.get("source") != service or (regency is not None and env.get("regency") != regency):
        found.append(broken(f"it names source {env.get('source')!r} of regency "
                            f"{env.get('regency')!r}, not {service} of {regency}"))
    if env.get("undecodable"):
        found.append(broken("the stored event could not be read when it was exported "
                            f"({env['undecodable']}): it was changed at rest"))
        heads[oid] = (version + 1 if isinstance(version, int) else 1, env.get("hash"))
        return found
    expected_version, expected_prev = heads.get(oid, (1, GENESIS))
    if version != expected_version:
        found.append(broken(f"version {version} follows version {expected_version - 1} of "
                            "its aggregate"))
    if env.get("prev_hash") != expected_prev:
        found.append(broken("prev_hash is not the hash of the aggregate's previous event"))
    try:
        recomputed = event_hash(env)
        if recomputed != env.get("hash"):
            found.append(broken(f"hash {str(env.get('hash'))[:12]}… recomputes as "
                                f"{recomputed[:12]}…: the event was changed"))
    except PlainNumber as exc:
        found.append(broken(str(exc)))
    except (KeyError, TypeError) as exc:
        found.append(broken(f"the envelope lacks or garbles {exc}"))
    heads[oid] = ((version + 1) if isinstance(version, int) else expected_version,
                  env.get("hash"))
    return found


# The export ------------------------------------------------------------------------------

def verify(folder: Path, keys_file: Path | None = None) -> dict:
    """{findings (the first is the first broken link), services, keys}."""
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"{folder} is no SEKLIK export: manifest.json cannot be read ({exc})")
    findings = check_manifest(folder, manifest)
    services = list(manifest.get("services") or {})
    regency = (manifest.get("regency") or {}).get("code")
    if keys_file is not None:
        keys = keys_from_file(Path(keys_file))
    else:
        keys = Keys("keys.json in the export (the keys the export carries: they prove the "
                    "files agree with each other; give --keys with keys obtained from the "
                    "regency to prove who signed)")
        try:
            keys_from_json(json.loads((folder / "keys.json").read_text()), "keys.json", keys)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            findings.append(finding("keys.json", f"cannot be read: {exc}"))
    reports = []
    for service in services:
        if not (folder / f"{service}.events.jsonl").is_file():
            continue  # named by the manifest's findings
        reports.append(verify_service(folder, service, keys, regency, manifest.get("as_of")))
        findings += reports[-1]["findings"]
    return {"findings": findings, "services": reports, "keys": keys, "manifest": manifest}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="verify_export.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", help="the export's folder (manifest.json and its files)")
    parser.add_argument("--keys", help="the services' public keys to trust instead of the "
                                       "export's keys.json: keys.json's form, or "
                                       "`service=<base64>` per line")
    args = parser.parse_args(argv)
    try:
        result = verify(Path(args.folder), args.keys and Path(args.keys))
    except ValueError as exc:  # an unreadable --keys file
        print(f"verify_export: {exc}", file=sys.stderr)
        return 2
    keys, manifest = result["keys"], result["manifest"]
    as_of = manifest.get("as_of")
    print(f"export of regency {(manifest.get('regency') or {}).get('code')} taken "
          f"{manifest.get('exported_at')}" + (f", as of {as_of}" if as_of else ""))
    print(f"keys   trusted from {keys.source}")
    for report in result["services"]:
        service = report["service"]
        trusted = ", ".join(f"{kid} ({origin})" for kid, origin in keys.of(service)) or "none"
        print(f"keys   {service}: {trusted}")
        if not report["findings"]:
            covered = report["digest"]
            print(f"ok     {service}: {report['events']:,} events of {report['aggregates']:,} "
                  f"aggregates, every chain verified; {report['checkpoints']:,} signed "
                  "checkpoints and "
                  + (f"the digest (notification {covered}) verified"
                     if covered is not None else "no digest (nothing was signed by then)")
                  + f"; root {report['root'][:16]}…")
            if report["last_notification_id"] > (covered or 0):
                print(f"note   {service}: the events after notification {covered or 0} are "
                      "covered by their chains only: no signed checkpoint reaches them")
    findings = result["findings"]
    if findings:
        print(f"BROKEN {describe(findings[0])}")
        for report in result["services"]:  # and where each other service first breaks
            if report["findings"] and report["findings"][0] is not findings[0]:
                print(f"also   {describe(report['findings'][0])}")
        if len(findings) > 1:
            print(f"       ({len(findings) - 1} more finding(s) after the first)")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
