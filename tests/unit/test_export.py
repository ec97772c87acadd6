"""An auditor's export (`seklik audit export`) and the verifier that needs nothing of SEKLIK
(tools/verify_export.py): a regency's year exported from the applications themselves verifies;
each way an insider could doctor the files is found and named, as `seklik audit verify` names
it; the worked example of docs/export-format.md is recomputed from the document's own text."""
import base64
import datetime as dt
import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from seklik import audit
from seklik.export import ExportRefused, Source, export
from shared.application import extend_root
from shared.auth import development_key, encode_key
from shared.checkpoints import TrustedKeys
from shared.domain import GENESIS, chain_hash, hashed_fields
from tests.world import (YEAR, accepted, clock, contract, order, paid,  # noqa: F401
                         tiered_partner, world)

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = ROOT / "tools" / "verify_export.py"
DOC = ROOT / "docs" / "export-format.md"
SERVICES = ("partners", "assessment", "contracts")
EXAMPLE_START = "<!-- the worked example: tests/unit/test_export.py writes from here -->"
EXAMPLE_END = "<!-- the worked example ends here -->"


def standalone():
    """tools/verify_export.py as a module (it is one file, not a package of the repo)."""
    spec = importlib.util.spec_from_file_location("verify_export", VERIFIER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


verify_export = standalone()


def sources(w) -> dict:
    return {service: Source.application(getattr(w, service)) for service in SERVICES}


def a_year(w) -> None:
    """Two partners tiered and a contract each with an order (2 March), the proofs accepted
    (9 March), the orders paid (20 March): signed checkpoints along the way, as the services'
    checkpointer leaves them."""
    first = tiered_partner(w, 1, "B")
    for app in (w.partners, w.assessment, w.contracts):
        app.sign_checkpoint()
    second = tiered_partner(w, 2, "C")
    orders = [order(w, contract(w, pid, number=f"00{n}/SPK/KOMINFO/{YEAR}"))["order_id"]
              for n, pid in enumerate((first, second), 1)]
    for oid in orders:
        accepted(w, oid)
    w.contracts.sign_checkpoint()
    w.clock.today = dt.date(YEAR, 3, 20)
    for n, oid in enumerate(orders, 1):
        paid(w, oid, f"SP2D-{n}", dt.date(YEAR, 3, 20))
    w.sync()


@pytest.fixture
def exported(world, tmp_path):
    a_year(world)
    out = tmp_path / "export"
    export(out, sources(world), regency=world.partners.settings.regency_code,
           regency_name="Ogan Komering Ilir")
    return out


def run(folder: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(VERIFIER), str(folder), *args],
                          capture_output=True, text=True, timeout=60)


def broken(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    return next(line for line in result.stdout.splitlines() if line.startswith("BROKEN"))


# Doctoring an export as an insider would: the files changed, then the manifest made to
# match them again (it is no signature); `truncated` leaves the manifest as it was.

def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def rewrite(path: Path, values: list[dict]) -> None:
    path.write_bytes(b"".join(json.dumps(v, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False).encode() + b"\n" for v in values))


def remanifest(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    for item in manifest["files"]:
        data = (folder / item["name"]).read_bytes()
        item.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
    (folder / "manifest.json").write_text(json.dumps(manifest))


def unsealed(value):
    """`value` with each sealed number's ciphertext left out (its digest kept)."""
    if isinstance(value, list):
        return [unsealed(v) for v in value]
    if isinstance(value, dict):
        return {k: unsealed(v) for k, v in value.items() if not (k == "sealed" and "digest"
                                                                  in value)}
    return value


def first_of(events: list[dict], kind: str) -> int:
    return next(i for i, env in enumerate(events) if env["type"] == kind)


def payload_changed(folder):
    events = lines(folder / "contracts.events.jsonl")
    i = first_of(events, "PaymentRecorded")
    events[i]["payload"]["sp2d_number"] = "SP2D-999"
    rewrite(folder / "contracts.events.jsonl", events)
    return "contracts", events[i]["notification_id"]


def event_deleted(folder):
    events = lines(folder / "contracts.events.jsonl")
    i = first_of(events, "ProofReviewed")
    nid = events.pop(i)["notification_id"]
    rewrite(folder / "contracts.events.jsonl", events)
    return "contracts", nid  # named where it shows first: the test below says where


def events_swapped(folder):
    events = lines(folder / "partners.events.jsonl")
    i = next(i for i in range(len(events) - 1)
             if events[i]["originator_id"] == events[i + 1]["originator_id"]
             and events[i]["originator_version"] > 1)
    events[i], events[i + 1] = events[i + 1], events[i]
    rewrite(folder / "partners.events.jsonl", events)
    return "partners", events[i + 1]["notification_id"]  # the lower id, now second


def line_inserted(folder):
    events = lines(folder / "assessment.events.jsonl")
    events.insert(3, dict(events[2]))  # an event told twice
    rewrite(folder / "assessment.events.jsonl", events)
    return "assessment", events[2]["notification_id"]


def personal_digest_changed(folder):
    events = lines(folder / "partners.events.jsonl")
    i = first_of(events, "PartnerRegistered")
    events[i]["payload"]["npwp"]["digest"] = "0" * 64  # another taxpayer's number, claimed
    rewrite(folder / "partners.events.jsonl", events)
    return "partners", events[i]["notification_id"]


CHAIN_TAMPERS = {"a payload changed": payload_changed, "an event deleted": event_deleted,
                 "two events swapped": events_swapped, "a line inserted": line_inserted,
                 "a personal number's digest changed": personal_digest_changed}


def in_repo(folder: Path) -> dict[str, int | None]:
    """`seklik.audit.verify_service` (what `seklik audit verify` runs) over the export's
    files, trusting keys.json: per service, the notification of its first finding (None: ok)."""
    keys = json.loads((folder / "keys.json").read_text())["services"]
    trusted = TrustedKeys()
    for service, listed in keys.items():
        for item in listed:
            trusted.add_encoded(service, item["public_key"], "keys.json")
    firsts = {}
    for service in SERVICES:
        digest = json.loads((folder / f"{service}.digest.json").read_text())
        report = audit.verify_service(
            service, lines(folder / f"{service}.events.jsonl"), [], None,
            signed=lines(folder / f"{service}.checkpoints.jsonl"), trusted=trusted,
            digests=[("export", digest)])
        firsts[service] = (report["findings"][0]["notification_id"] if report["findings"]
                           else None)
    return firsts


def alone(folder: Path) -> dict[str, int | None]:
    reports = verify_export.verify(folder)["services"]
    return {r["service"]: r["findings"][0]["notification_id"] if r["findings"] else None
            for r in reports}


# The scenarios ---------------------------------------------------------------------------

@pytest.mark.world_env(SEKLIK_ENV="development")
def test_a_regency_s_year_exports_and_verifies_with_nothing_of_seklik(exported):
    result = run(exported)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "OK"
    assert "trusted from keys.json in the export" in result.stdout
    for service in SERVICES:
        assert f"ok     {service}:" in result.stdout
    manifest = json.loads((exported / "manifest.json").read_text())
    assert sorted(f["name"] for f in manifest["files"]) == sorted(
        ["keys.json"] + [f"{s}.{part}" for s in SERVICES
                         for part in ("events.jsonl", "checkpoints.jsonl", "digest.json")])
    assert manifest["format_version"] == 1 and manifest["as_of"] is None
    assert manifest["regency"]["name"] == "Ogan Komering Ilir"
    # every event, exactly as the notifications RPC answers it, numbers sealed
    assert alone(exported) == in_repo(exported) == dict.fromkeys(SERVICES)


@pytest.mark.world_env(SEKLIK_ENV="development")
def test_the_events_are_the_notifications_as_answered_with_personal_numbers_sealed(
        world, exported):
    events = lines(exported / "partners.events.jsonl")
    # as answered: the same but for the ciphertexts, sealed afresh at each reading
    assert unsealed(events) == unsealed(world.partners.notifications(0, 1000))
    registered = events[first_of(events, "PartnerRegistered")]["payload"]
    assert set(registered["npwp"]) == {"digest", "sealed"}
    assert set(registered["bank_account"]["number"]) == {"digest", "sealed"}
    digest = json.loads((exported / "partners.digest.json").read_text())
    assert digest["last_notification_id"] == events[-1]["notification_id"]


@pytest.mark.world_env(SEKLIK_SERVICE_KEY=encode_key(development_key("partners")))
def test_the_same_history_exports_to_the_same_bytes(world, exported, tmp_path):
    """Without a cipher (numbers travel as their digest only): byte for byte. With one, each
    reading seals a number afresh (a new nonce), and only the `sealed` texts differ."""
    again = tmp_path / "again"
    export(again, sources(world), regency=world.partners.settings.regency_code,
           regency_name="Ogan Komering Ilir")
    for path in exported.iterdir():
        if path.name != "manifest.json":  # it says when each was taken
            assert (again / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.world_env(SEKLIK_ENV="development")
def test_an_export_goes_into_a_folder_of_its_own(world, exported):
    with pytest.raises(ExportRefused, match="not empty"):
        export(exported, sources(world), regency="16.02")


@pytest.mark.world_env(SEKLIK_ENV="development")
def test_as_of_a_date_the_log_as_it_stood_then_under_its_last_signed_checkpoint(world,
                                                                               tmp_path):
    a_year(world)  # tiered on 2 March; proofs on 9 March; paid on 20 March (noon UTC)
    for app in (world.partners, world.assessment, world.contracts):
        app.sign_checkpoint()
    out = tmp_path / "as-of"
    manifest = export(out, sources(world), regency="16.02", as_of=dt.date(YEAR, 3, 9))
    assert manifest["as_of"] == "2026-03-09"
    assert manifest["as_of_end"] == "2026-03-09T17:00:00+00:00"  # midnight WIB
    contracts = lines(out / "contracts.events.jsonl")
    assert contracts and all(env["timestamp"] < "2026-03-09T17:00:00+00:00"
                             for env in contracts)
    kinds = [env["type"] for env in contracts]
    assert "PaymentRecorded" not in kinds and kinds.count("ProofReviewed") == 2
    assert len(contracts) < len(world.contracts.notifications(0, 1000))
    digest = json.loads((out / "contracts.digest.json").read_text())
    signed = lines(out / "contracts.checkpoints.jsonl")
    assert digest["notification_id"] == signed[-1]["notification_id"] <= \
        contracts[-1]["notification_id"]
    result = run(out)
    assert result.returncode == 0, result.stdout
    assert "as of 2026-03-09" in result.stdout


@pytest.mark.world_env(SEKLIK_ENV="development")
def test_events_after_the_last_signed_checkpoint_are_told_as_covered_by_their_chains_only(
        world, tmp_path):
    a_year(world)  # contracts last signed after the proofs; the payments are not signed yet
    out = tmp_path / "as-of"
    export(out, sources(world), regency="16.02", as_of=dt.date(YEAR, 3, 20))
    signed = json.loads((out / "contracts.digest.json").read_text())["notification_id"]
    assert "PaymentRecorded" in {env["type"] for env in lines(out / "contracts.events.jsonl")}
    result = run(out)
    assert result.returncode == 0, result.stdout
    assert (f"note   contracts: the events after notification {signed} are covered by their "
            "chains only" in result.stdout)
    # and a payment changed there is still found, by its chain
    payment_nid = payload_changed(out)[1]
    remanifest(out)
    assert f"notification {payment_nid}" in broken(run(out))


@pytest.mark.world_env(SEKLIK_ENV="development")
@pytest.mark.parametrize("tamper", list(CHAIN_TAMPERS))
def test_a_doctored_chain_is_found_named_and_both_verifiers_agree_where(exported, tamper):
    service, nid = CHAIN_TAMPERS[tamper](exported)
    remanifest(exported)
    line = broken(run(exported))
    assert line.startswith(f"BROKEN {service}.")
    standalone_first, repo_first = alone(exported), in_repo(exported)
    assert standalone_first == repo_first  # OK vs the first broken notification, per service
    if tamper != "an event deleted":  # a deleted event shows later: see the next test
        assert line.startswith(f"BROKEN {service}.events.jsonl line ")
        assert standalone_first[service] == nid, line
        assert f"notification {nid}" in line
    # the other services stay verified
    assert [s for s, first in standalone_first.items() if first is not None] == [service]


@pytest.mark.world_env(SEKLIK_ENV="development")
def test_an_event_deleted_is_named_at_the_first_link_it_breaks(exported):
    events = lines(exported / "contracts.events.jsonl")
    i = first_of(events, "ProofReviewed")
    gone = events.pop(i)
    rewrite(exported / "contracts.events.jsonl", events)
    remanifest(exported)
    line = broken(run(exported))
    later = next(env for env in events[i:] if env["originator_id"] == gone["originator_id"])
    signed = [c["notification_id"] for c in lines(exported / "contracts.checkpoints.jsonl")]
    # the next event of its aggregate, or a signed checkpoint between, whichever is first
    first = min([later["notification_id"]] + [n for n in signed
                                              if gone["notification_id"] <= n])
    assert f"notification {first}" in line, line
    assert ("version" in line and "follows version" in line) or "checkpoint" in line


@pytest.mark.world_env(SEKLIK_ENV="development")
def test_a_checkpoint_s_root_changed_breaks_its_signature(exported):
    signed = lines(exported / "partners.checkpoints.jsonl")
    signed[0]["root_hash"] = "ab" * 32
    rewrite(exported / "partners.checkpoints.jsonl", signed)
    remanifest(exported)
    line = broken(run(exported))
    assert line.startswith("BROKEN partners.checkpoints.jsonl line 1, notification "
                           f"{signed[0]['notification_id']}: the signed checkpoint")
    assert "signature does not verify" in line
    assert in_repo(exported)["partners"] == signed[0]["notification_id"]


@pytest.mark.world_env(SEKLIK_ENV="development")
def test_a_signature_changed_is_found(exported):
    digest = json.loads((exported / "contracts.digest.json").read_text())
    raw = bytearray(base64.b64decode(digest["signature"]))
    raw[0] ^= 1
    digest["signature"] = base64.b64encode(bytes(raw)).decode()
    (exported / "contracts.digest.json").write_text(json.dumps(digest))
    remanifest(exported)
    line = broken(run(exported))
    assert line.startswith("BROKEN contracts.digest.json line 1, notification "
                           f"{digest['last_notification_id']}: the digest: its signature "
                           "does not verify")


@pytest.mark.world_env(SEKLIK_ENV="development")
def test_a_truncated_file_fails_the_manifest_first(exported):
    path = exported / "partners.events.jsonl"
    path.write_bytes(path.read_bytes()[:-200])
    line = broken(run(exported))
    assert line.startswith("BROKEN partners.events.jsonl: ")
    assert "the manifest says" in line and "truncated" in line


@pytest.mark.world_env(SEKLIK_ENV="development")
def test_a_file_added_or_missing_fails_the_manifest(exported):
    (exported / "notes.txt").write_text("nothing to see")
    assert "BROKEN notes.txt: in the folder but not in the manifest" in broken(run(exported))
    (exported / "notes.txt").unlink()
    (exported / "assessment.checkpoints.jsonl").unlink()
    assert ("BROKEN assessment.checkpoints.jsonl: listed in the manifest but missing"
            in broken(run(exported)))


@pytest.mark.world_env(SEKLIK_ENV="development")
def test_re_signed_by_another_key_fails_against_the_keys_the_auditor_brings(exported,
                                                                           tmp_path):
    """An insider re-signs a doctored history with a key of their own and lists it in
    keys.json: the export agrees with itself, but not with the keys the regency published."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from shared.auth import development_key, encode_key
    from shared.checkpoints import sign

    published = tmp_path / "keys.txt"
    published.write_text("".join(f"{s}={encode_key(development_key(s).public_key())}\n"
                                 for s in SERVICES))
    assert run(exported, "--keys", str(published)).returncode == 0
    insider = Ed25519PrivateKey.generate()
    signed = [sign(insider, **{k: c[k] for k in ("regency", "service", "notification_id",
                                                 "root_hash", "recorded_at")})
              for c in lines(exported / "partners.checkpoints.jsonl")]
    rewrite(exported / "partners.checkpoints.jsonl", signed)
    digest = json.loads((exported / "partners.digest.json").read_text())
    digest = sign(insider, **{k: digest[k] for k in ("regency", "service", "notification_id",
                                                     "root_hash", "recorded_at")})
    (exported / "partners.digest.json").write_text(json.dumps(
        {**digest, "last_notification_id": digest["notification_id"]}))
    keys = json.loads((exported / "keys.json").read_text())
    keys["services"]["partners"] = [{"key_id": signed[0]["key_id"], "origins": ["insider"],
                                     "public_key": signed[0]["public_key"]}]
    (exported / "keys.json").write_text(json.dumps(keys))
    remanifest(exported)
    assert run(exported).returncode == 0  # consistent with itself: all keys.json can say
    result = run(exported, "--keys", str(published))
    line = broken(result)
    assert f"--keys {published} (given by the auditor)" in result.stdout
    assert "partners.checkpoints.jsonl line 1" in line and "not trusted for partners" in line


@pytest.mark.world_env(SEKLIK_ENV="development")
def test_the_verifier_imports_nothing_of_seklik(exported, tmp_path):
    """Copied alone to another folder and run isolated (-I: no PYTHONPATH, no user site, the
    script's folder only): it still verifies."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    copy = elsewhere / "verify_export.py"
    copy.write_bytes(VERIFIER.read_bytes())
    result = subprocess.run([sys.executable, "-I", str(copy), str(exported)],
                            capture_output=True, text=True, timeout=60, cwd=elsewhere,
                            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert result.returncode == 0, result.stdout + result.stderr
    imports = re.findall(r"^(?:from|import) (\w+)", VERIFIER.read_text(), re.M)
    assert set(imports) <= {"__future__", "argparse", "base64", "binascii", "hashlib", "json",
                            "sys", "pathlib", "cryptography"}, imports


# The worked example of docs/export-format.md ---------------------------------------------

def worked_example(env: dict, root_before: str) -> str:
    """The document's worked example for one envelope: the envelope, the bytes hashed, the
    hash, and the log's root after it from the root before it."""
    schema_version, payload = hashed_fields(env)
    hashed = verify_export.canonical({
        "id": env["originator_id"], "version": env["originator_version"],
        "type": env["type"], "schema_version": schema_version, "timestamp": env["timestamp"],
        "actor": env["actor"], "payload": verify_export.committed(payload),
        "prev_hash": env["prev_hash"]}).decode()
    digest = hashlib.sha256(hashed.encode()).hexdigest()
    root = extend_root(root_before, env["notification_id"], digest)
    return (f"{EXAMPLE_START}\n"
            "The envelope (one line of `partners.events.jsonl`, shown wrapped here):\n\n"
            f"```json\n{json.dumps(env, sort_keys=True, indent=2, ensure_ascii=False)}\n```\n\n"
            "The bytes hashed (UTF-8, one line; the sealed numbers are now `hmac:` + their "
            "digest):\n\n"
            f"```text\n{hashed}\n```\n\n"
            f"SHA-256 of those bytes, the envelope's `hash`: `{digest}`\n\n"
            f"The log's root before it: `{root_before}`; after it (notification "
            f"{env['notification_id']}): SHA-256 of\n`{root_before}:{env['notification_id']}:"
            f"{digest}`\n= `{root}`\n"
            f"{EXAMPLE_END}")


def documented() -> tuple[str, dict, str]:
    text = DOC.read_text()
    section = text[text.index(EXAMPLE_START):text.index(EXAMPLE_END) + len(EXAMPLE_END)]
    env = json.loads(re.search(r"```json\n(.*?)\n```", section, re.S).group(1))
    root_before = re.search(r"root before it: `([0-9a-f]{64})`", section).group(1)
    return section, env, root_before


def test_the_document_s_worked_example_recomputes_from_its_own_text():
    section, env, root_before = documented()
    assert section == worked_example(env, root_before)  # bytes, hash and root as written
    # and both verifiers hash the documented envelope to its documented hash
    schema_version, payload = hashed_fields(env)
    assert chain_hash(originator_id=env["originator_id"],
                      originator_version=env["originator_version"], type=env["type"],
                      schema_version=schema_version, timestamp=env["timestamp"],
                      actor=env["actor"], payload=payload, prev_hash=env["prev_hash"],
                      json_safe=True) == env["hash"]
    assert verify_export.event_hash(env) == env["hash"]
    assert f"SHA-256 of those bytes, the envelope's `hash`: `{env['hash']}`" in section


@pytest.mark.world_env(SEKLIK_ENV="development")
def test_the_worked_example_is_written_from_a_real_event(world, tmp_path):
    """SEKLIK_WRITE_EXAMPLE=1 rewrites the document's example from a partner registered in
    this world; otherwise this checks the documented one has the shape such an event has."""
    tiered_partner(world, 1, "B")
    log = world.partners.notifications(0, 1000)
    i = first_of(log, "PartnerRegistered")
    env, root = log[i], GENESIS
    for before in log[:i]:
        root = extend_root(root, before["notification_id"], before["hash"])
    if os.environ.get("SEKLIK_WRITE_EXAMPLE"):
        text = DOC.read_text()
        start, end = text.index(EXAMPLE_START), text.index(EXAMPLE_END) + len(EXAMPLE_END)
        DOC.write_text(text[:start] + worked_example(env, root) + text[end:])
    _, documented_env, _ = documented()
    assert set(documented_env) == set(env)
    assert set(documented_env["payload"]) == set(env["payload"])
    assert set(documented_env["payload"]["npwp"]) == {"digest", "sealed"}


@pytest.mark.world_env(SEKLIK_ENV="development")
def test_keys_json_says_where_each_key_came_from(world, tmp_path):
    a_year(world)
    published = {service: [(encode_key(development_key(service).public_key()),
                            "SEKLIK_SERVICE_PUBLIC_KEYS")] for service in (*SERVICES, "gateway")}
    export(tmp_path / "x", sources(world), regency="16.02", published_keys=published)
    keys = json.loads((tmp_path / "x" / "keys.json").read_text())["services"]
    assert sorted(keys) == sorted(SERVICES)  # only the services exported
    [partners] = keys["partners"]  # one key, from three places
    assert partners["origins"] == ["SEKLIK_SERVICE_PUBLIC_KEYS", "partners.checkpoints.jsonl",
                                   "partners.digest.json"]
    assert partners["public_key"] == published["partners"][0][0]
