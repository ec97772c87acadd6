"""seklik: the command line of SEKLIK.

  seklik up [--demo] [--exit]     start every service as its own process (as docker-compose does)
  seklik demo                     register the demo round through RPC and show it
  seklik token --sub NAME --role ROLE [--partner-id ID] [--ttl S]   mint a token (issuer key)
  seklik keygen                   print a new set of keys for .env
  seklik ping SERVICE             exit 0 when SERVICE answers RPC (compose healthcheck)
  seklik report NAME --year Y [--as-of DATE] [--format table|csv|json] [--lang en|id]
  seklik report pph23|ppn --year Y --month M   the month's tax register with its deposits
  seklik reporting rebuild [--if-changed]   rebuild the views while the system runs
  seklik reporting quarantine [--service S] [--format table|json]   what consumers set aside
  seklik reporting retry --service S --source X --notification N    apply it again after a fix
  seklik audit verify [--digest FILE] | digest | replay --as-of DATE --out DIR | trail ID
  seklik audit compare [--year Y] [--format table|json]   the live views against a rebuild
  seklik audit export --out DIR [--as-of DATE]   logs, checkpoints, digests, keys to verify
                                  without SEKLIK (tools/verify_export.py DIR)

Calls carry the token in --token or SEKLIK_TOKEN; without one, each call carries a token minted
here with SEKLIK_TOKEN_PRIVATE_KEY (with SEKLIK_ENV=development, the well-known development key).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import socket
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from shared.auth import (PERSON_MAX_TTL, PERSON_TTL, ROLES, FreshBearer, bearer, encode_key,
                         issuer_key, mint_token, service_token)
from shared.config import Settings
from shared.errors import Conflict
from shared.quarantine import describe
from shared import transport  # noqa: F401  (RPC messages stay off the broker's disk)
from seklik import audit, cluster, demo, reports
from seklik.progress import Progress
from seklik.tables import render


@contextmanager
def rpc_proxy(settings: Settings, *roles: str, sub: str = "seklik-cli", timeout: float = 30,
              token: str | None = None, service: str | None = None):
    import nameko.rpc
    from nameko.standalone.rpc import ClusterRpcProxy

    # A command line call is over in seconds: its reply queue need not wait 5 minutes.
    nameko.rpc.RPC_REPLY_QUEUE_TTL = 30_000
    mint = cli_tokens(settings, sub, roles or ("system",), token, service)
    with ClusterRpcProxy({"AMQP_URI": settings.amqp_uri}, timeout=timeout,
                         context_data=FreshBearer(mint)) as proxy:
        yield proxy


def cli_tokens(settings: Settings, sub: str, roles, token: str | None = None,
               service: str | None = None):
    """What gives the command line's token for each call: `token` (--token, SEKLIK_TOKEN) as
    given; else a fresh 15-minute one signed with the issuer key; else, for a `system` command
    run inside a service's container (`seklik ping partners` as its healthcheck, `seklik
    reporting rebuild` in reporting's), a 60-second one signed with that service's key as
    `<service>.<sub>`. Without any of them, exit saying which variable to set."""
    if token:
        return lambda: token
    key = issuer_key(settings)
    if key is not None:
        return lambda: mint_token(key, sub, roles, regency=settings.regency_code)
    if service and settings.service_key and tuple(roles) == ("system",):
        return lambda: service_token(settings, service, sub)
    raise SystemExit("seklik: no token to call SEKLIK with: set SEKLIK_TOKEN (or --token) to a "
                     "token from `seklik token`, or SEKLIK_TOKEN_PRIVATE_KEY where tokens are "
                     "issued (SEKLIK_ENV=development uses the well-known development key)")


def cmd_token(args, settings: Settings) -> int:
    key = issuer_key(settings)
    if key is None:
        print("seklik token signs with the issuer key: set SEKLIK_TOKEN_PRIVATE_KEY (from "
              "`seklik keygen`), or SEKLIK_ENV=development for the development key",
              file=sys.stderr)
        return 2
    try:
        print(mint_token(key, args.sub, args.role, regency=settings.regency_code,
                         ttl_seconds=args.ttl, partner_id=args.partner_id))
    except ValueError as exc:
        print(f"seklik token: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_broker_definitions(args, settings: Settings) -> int:
    from seklik import broker

    print(json.dumps(broker.definitions(broker.passwords_from_env(), args.vhost), indent=2))
    return 0


def cmd_keygen(args, settings: Settings) -> int:
    """Every key a regency's .env needs, new: the cipher, the issuer's pair, one per service."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from eventsourcing.cryptography import AESCipher

    issuer = Ed25519PrivateKey.generate()
    services = {name: Ed25519PrivateKey.generate() for name in event_sourced_services()}
    lines = [
        f"# SEKLIK keys, made {dt.date.today().isoformat()} by `seklik keygen`. Keep them secret.",
        "# CIPHER_KEY encrypts personal data at rest: keep it as long as the records (10 years).",
        f"CIPHER_KEY={AESCipher.create_key(32)}",
        "# The issuer's key signs people's tokens: only where tokens are issued, never a "
        "service.",
        f"SEKLIK_TOKEN_PRIVATE_KEY={encode_key(issuer)}",
        f"SEKLIK_TOKEN_PUBLIC_KEY={encode_key(issuer.public_key())}",
        "# Each service's own key (docker-compose.yml gives each service its own).",
        *(f"SEKLIK_{name.upper()}_KEY={encode_key(key)}" for name, key in services.items()),
        "SEKLIK_SERVICE_PUBLIC_KEYS=" + ",".join(
            f"{name}={encode_key(key.public_key())}" for name, key in services.items()),
    ]
    print("\n".join(lines))
    return 0


def cmd_ping(args, settings: Settings) -> int:
    try:
        with rpc_proxy(settings, "system", sub="healthcheck", timeout=10,
                       service=args.service) as rpc:
            getattr(rpc, args.service).health()
    except Exception as exc:
        print(f"{args.service} does not answer: {exc}", file=sys.stderr)
        return 1
    print(f"{args.service} answers")
    return 0


def cmd_demo(args, settings: Settings) -> int:
    print(f"SEKLIK demo for {settings.regency}: the {demo.YEAR} registration round through RPC")
    with rpc_proxy(settings, "admin", sub="kominfo.demo") as admin, \
            rpc_proxy(settings, "verifier", sub="verifikasi.demo") as verifier, \
            rpc_proxy(settings, "assessor", sub="penilai.demo") as assessor, \
            rpc_proxy(settings, "finance", sub="ppk.demo") as finance, \
            rpc_proxy(settings, "humas", sub="humas.demo") as humas:
        try:
            rows = demo.run(admin, verifier)
        except Conflict as exc:
            if exc.code != "command_id_reused":
                raise
            # Its command ids are bound to their payloads, which carry that day's dates.
            print("\nThis store already holds the demo round, recorded on an earlier day; "
                  "running it again today would be other commands under the same ids. Start "
                  "from fresh stores (`make clean`, or another SEKLIK_DATA_DIR) to watch it "
                  "again.", file=sys.stderr)
            return 0
        active = sum(r["status"] == "active" for r in rows)
        print(f"\n{len(rows)} media companies applied; {active} activated for {demo.YEAR}:\n")
        print(render(rows, ["brand", "media_type", "status", "unmet"]))

        print(f"\nAssessing the {active} active partners against the {demo.YEAR} rubric:")
        demo.assess(admin, assessor, rows)
        scored = [r for r in rows if "tier" in r]
        print(render(scored, ["brand", "media_type", "total", "tier"]))
        tiers = {}
        for row in scored:
            tiers[row["tier"]] = tiers.get(row["tier"], 0) + 1
        print("\ntier distribution: " + ", ".join(f"{t}: {n}" for t, n in sorted(tiers.items())))

        print(f"\nContracts, a season of media orders, proofs and payments:")
        orders = demo.trade(finance, rows)
        print(render(orders, ["brand", "tier", "title", "gross", "ppn", "status"]))
        print("\nPayments as the treasurer checks them (whole rupiah; DPP = the order's price;"
              " PPN collected by the treasurer above Rp2.000.000 of DPP; PPh 23 withheld;"
              " realised = DPP + PPN, what the budget spends):\n")
        print(render(demo.treasurer_rows(orders), [
            "kind", "brand", "sp2d_number", "dpp", "ppn", "ppn_collected", "pph23",
            "paid_to_partner", "realised", "tax_rules_version", "to_account"]))
        print("\nPress releases of the desk (humas), and the pickups its monitoring logged:")
        print(render(demo.releases(humas, rows), ["title", "recipients", "pickups",
                                                  "accepted"]))
        print(f"\nThe views reporting rebuilt from the events alone (waiting for the projector):")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = admin.reporting.projection_status()
            if all(row["lag"] == 0 for row in status):
                break
            time.sleep(0.5)
        print(render(status, ["source", "last_applied", "latest", "lag"]))
        for name, title in (("budget", "budget realisation"),
                            ("spending", "spending per tier, with fairness"),
                            ("outstanding", "outstanding invoices"),
                            ("outcomes", "outcomes per partner: orders, press releases "
                                         "picked up, reach and rupiah per 1,000 reach")):
            print(f"\n{title} {demo.YEAR}:\n")
            print(reports.run(admin, name, argparse.Namespace(
                fiscal_year=demo.YEAR, as_of=None, by="tier")))
        for service in ("partners", "assessment", "contracts"):
            digest = getattr(admin, service).digest()
            print(f"{service} digest: notification {digest['last_notification_id']},"
                  f" root {digest['root_hash']}")
        if settings.development:  # a password printed here must open nothing real
            print("\nThe web portal's demo accounts (development only), one per role:\n")
            print(render(demo.portal_accounts(admin, lambda token: holder_proxy(
                settings, token), say=lambda line: None), ["role", "email", "password"]))
    return 0


def holder_proxy(settings: Settings, token: str | None):
    """An RPC proxy carrying `token` as it is (None: no token), as the portal's browser
    session does: signing up and logging in need none."""
    from nameko.standalone.rpc import ClusterRpcProxy

    return ClusterRpcProxy({"AMQP_URI": settings.amqp_uri}, timeout=30,
                           context_data=bearer(token) if token else {})


def cmd_report(args, settings: Settings) -> int:
    with rpc_proxy(settings, "auditor", sub="seklik-report", token=args.token) as rpc:
        print(reports.run(rpc, args.name, args, args.format, args.lang))
    return 0


def cmd_rebuild(args, settings: Settings) -> int:
    """Rebuild every view from the events while the system runs: into a new generation of
    tables beside the live ones, caught up with the live position, then switched to in one
    transaction; the old views serve until the switch and are dropped after it."""
    from services.reporting.application import PROJECTION, SOURCES, ReportingApplication
    from shared.consumer import TrackedConsumer, notifications_fetcher

    live = ReportingApplication(settings)
    if args.if_changed and live.live_projection() == PROJECTION:
        print(f"the live views were built by this projection (version {PROJECTION}): "
              "nothing to rebuild")
        return 0
    old, new = live.generation, live.start_generation()
    built = ReportingApplication(settings, generation=new)
    rates = []
    with notifications_fetcher(settings, "reporting.rebuild", mint=cli_tokens(
            settings, "rebuild", ("system",), args.token, "reporting")) as fetch, \
            rpc_proxy(settings, "system", sub="rebuild", token=args.token,
                      service="reporting") as rpc:
        for source in SOURCES:
            total = getattr(rpc, source).digest()["last_notification_id"]
            bar = Progress(source, total, force=args.progress)

            def fetch_counted(src, after, limit, bar=bar):
                page = fetch(src, after, limit)
                bar.advance(len(page))
                return page

            TrackedConsumer.of(built, source, fetch_counted, "apply_envelope",
                               "apply_envelopes", read_ahead=True,
                               hold_collector=True).catch_up()
            rates.append((source, bar.done, bar.close()))
        built.index()
        # What the projector applied meanwhile: caught up again until the switch finds the
        # new views at or past the live ones.
        for _ in range(SWITCH_ATTEMPTS):
            for source in SOURCES:
                TrackedConsumer.of(built, source, fetch, "apply_envelope",
                                   "apply_envelopes").catch_up()
            if live.switch_to(new):
                break
        else:
            print(f"the new views (generation {new}) did not catch up with the live ones in "
                  f"{SWITCH_ATTEMPTS} tries; the live views are unchanged", file=sys.stderr)
            return 1
    for source, done, rate in rates:
        print(f"{source}: {done:,} events replayed ({rate:,.0f} events/s)")
    print(f"views of generation {new} are live (built from "
          + ", ".join(f"{s} up to {built.tracked_position(s)}" for s in SOURCES)
          + f"); generation {old} is dropped")
    time.sleep(2 * ReportingApplication.FOLLOW_EVERY)  # readers still on the old ones move
    live.drop_generation(old)
    return 0


SWITCH_ATTEMPTS = 20


# The projector and reporting share one store of views: its quarantine is listed by reporting
# (which answers while the projector is busy) and retried by the projector (which holds the feeds).
LISTED_BY = {"projector": "reporting"}
RETRIED_BY = {"reporting": "projector"}
QUARANTINE_COLUMNS = ["service", "source", "notification_id", "type", "tries", "first_try",
                      "last_try", "released_at", "error"]


def cmd_quarantine(args, settings: Settings) -> int:
    """List what every service's consumers (and relay) set aside, from every store once."""
    wanted = [LISTED_BY.get(s, s) for s in (args.service or event_sourced_services())]
    rows, silent = [], []
    with rpc_proxy(settings, "admin", sub="seklik-operator", token=args.token) as rpc:
        for service in dict.fromkeys(wanted):
            try:
                listed = getattr(rpc, service).quarantine(source=args.source)
            except Exception as exc:  # down, or refused: say so and list the others
                silent.append(service)
                print(f"{service} did not answer: {exc}", file=sys.stderr)
                continue
            rows += [{"service": service, **row} for row in listed]
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif rows:
        for row in rows:
            row["error"] = row["error"] if len(row["error"]) <= 100 else row["error"][:99] + "…"
        print(render(rows, QUARANTINE_COLUMNS))
    else:
        print("nothing is quarantined")
    return 1 if silent else 0


def cmd_retry(args, settings: Settings) -> int:
    """Apply one quarantined notification again through the service that consumes it."""
    from shared.errors import SeklikError

    service = RETRIED_BY.get(args.service, args.service)
    with rpc_proxy(settings, "admin", sub="seklik-operator", token=args.token) as rpc:
        try:
            answer = getattr(rpc, service).retry_quarantined(
                source=args.source, notification_id=args.notification)
        except SeklikError as exc:
            print(f"{service}: {args.source} notification {args.notification}: {exc}",
                  file=sys.stderr)
            return 1
    print(f"{service}: {args.source} notification {args.notification} {answer['status']}"
          f" (try {answer['tries']}, released {answer['released_at']})")
    return 0


class Stopping(Exception):
    """`seklik up` was asked to stop: SIGTERM (systemd, a container runtime) or SIGINT."""


def _stop_requested(signum, frame):
    raise Stopping(signal.Signals(signum).name)


def cmd_up(args, settings: Settings) -> int:
    # SIGTERM would otherwise end this process at once and leave every service running as an
    # orphan (each has a session of its own, so no terminal signal reaches it either); SIGINT
    # is handled the same way even when this process was started ignoring it.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stop_requested)
    if not _reachable(settings.amqp_uri):
        print(f"RabbitMQ is not reachable at {settings.amqp_uri}. Start it, e.g. "
              "`rabbitmq-server -detached`, or set AMQP_URI.", file=sys.stderr)
        return 2
    store = "PostgreSQL" if settings.postgres else f"SQLite files in {settings.data_dir}"
    logs = Path(args.logs or tempfile.mkdtemp(prefix="seklik-logs-"))
    logs.mkdir(parents=True, exist_ok=True)
    print(f"Starting SEKLIK ({store}); logs in {logs}")
    procs = {}
    try:
        for service in cluster.service_commands():
            log_path = logs / f"{service}.log"
            procs[service] = cluster.spawn(service, {}, log_path)
            cluster.wait_answering(lambda timeout: rpc_proxy(settings, timeout=timeout),
                                   service, procs[service], log_path)
            print(f"  {service} is up")
        if args.demo:
            print()
            cmd_demo(args, settings)
        if args.exit:
            return 0
        port = os.environ.get("SEKLIK_HTTP_PORT", "8000")
        print(f"\nSEKLIK is running. The web portal: http://127.0.0.1:{port}/portal/ "
              "(Bahasa Indonesia; English at the top of each page). Other systems: mint a "
              "token with `seklik token --sub you --role admin` and call it over HTTP "
              f"(http://127.0.0.1:{port}/docs) or with nameko's ClusterRpcProxy. Ctrl-C "
              "stops it.")
        while all(p.poll() is None for p in procs.values()):
            time.sleep(1)
        print("a service stopped; see its log", file=sys.stderr)
        return 1
    except (Stopping, KeyboardInterrupt) as stop:
        print(f"\n{stop or 'SIGINT'}: stopping every service", file=sys.stderr)
        return 0
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):  # a second Ctrl-C: the stop is bounded
            signal.signal(sig, signal.SIG_IGN)
        cluster.stop_all(procs.values())


def event_sourced_services(only=None) -> list[str]:
    return [s for s in cluster.service_commands()
            if cluster.event_sourced(s) and (not only or s in only)]


def trusted_keys(args, settings: Settings, digests: list[tuple[str, dict]],
                 services: list[str]):
    """The public keys verify trusts for each service's signatures, and where each came from:
    the kept digests (the auditor kept them outside the system), --keys FILE and
    SEKLIK_SERVICE_PUBLIC_KEYS (the deployment's published keys), and in development only the
    well-known development keys. Never a key the database or a service hands over."""
    from shared.auth import development_key, load_service_public_keys
    from shared.checkpoints import TrustedKeys

    trusted = TrustedKeys()
    for label, kept in digests:
        for service, entry in kept["services"].items():
            if entry.get("public_key"):
                trusted.add_encoded(service, entry["public_key"], f"digest {label}")
    if args.keys:
        lines = [line.strip() for line in Path(args.keys).read_text().splitlines()
                 if line.strip() and not line.lstrip().startswith("#")]
        # `service=<key>` lines, or the SEKLIK_SERVICE_PUBLIC_KEYS line of `seklik keygen`
        prefix = "SEKLIK_SERVICE_PUBLIC_KEYS="
        for line in lines:  # one line at a time: an old key and a new one may both stand
            if line.startswith(prefix) or ("=" in line and not line.startswith("SEKLIK_")):
                text = line[len(prefix):] if line.startswith(prefix) else line
                for service, key in load_service_public_keys(text).items():
                    trusted.add(service, key, f"--keys {args.keys}")
    if settings.service_public_keys:
        for service, key in load_service_public_keys(settings.service_public_keys).items():
            trusted.add(service, key, "SEKLIK_SERVICE_PUBLIC_KEYS")
    if settings.development:
        for service in services:
            trusted.add(service, development_key(service).public_key(),
                        "development key (SEKLIK_ENV=development)")
    return trusted


def digest_order(service: str, digests: list[tuple[str, dict]]) -> list[dict]:
    """Kept digests given oldest first: each must reach at least as far as the one before
    (its root at the older position is then checked against the log like every signed one)."""
    findings, before = [], None
    for label, kept in digests:
        entry = kept["services"].get(service)
        if entry is None:
            continue
        if before is not None and entry["last_notification_id"] < before[1]:
            findings.append({"service": service, "digest": label,
                             "notification_id": entry["last_notification_id"],
                             "problem": f"the digest {label} ends at notification "
                                        f"{entry['last_notification_id']}, before the older "
                                        f"digest {before[0]} ({before[1]}): it does not extend "
                                        "it (give the digests oldest first)"})
        before = (label, entry["last_notification_id"])
    return findings


def cmd_audit_verify(args, settings: Settings) -> int:
    digests = [(path, json.loads(Path(path).read_text())) for path in args.digest or ()]
    kept = digests[-1][1]["services"] if digests else {}  # the newest: where the log must reach
    services = event_sourced_services(args.service)
    trusted = trusted_keys(args, settings, digests, services)
    broken = 0
    with rpc_proxy(settings, "auditor", sub="seklik-audit", token=args.token,
                   timeout=60) as rpc:
        for service in event_sourced_services(args.service):
            remote = getattr(rpc, service)
            bar = Progress(service, None, force=args.progress)
            signed_digests = [(label, d["services"][service]) for label, d in digests
                              if d["services"].get(service, {}).get("signature")]
            keys = ", ".join(f"{kid} ({origin})" for kid, origin in
                             trusted.for_service(service)) or "none"
            report = audit.verify_service(
                service, audit.pages(lambda a, n: remote.notifications(after=a, limit=n)),
                audit.pages(lambda a, n: remote.checkpoints(after=a, limit=n)),
                kept.get(service), bar,
                signed=audit.pages(lambda a, n: remote.signed_checkpoints(after=a, limit=n)),
                trusted=trusted, digests=signed_digests)
            report["findings"] = sorted(report["findings"] + digest_order(service, digests),
                                        key=lambda f: f.get("notification_id") or 0)
            # Snapshots are no link of the log: checked by the service, listed after it.
            report["findings"] += audit.snapshot_report(service, remote.snapshot_findings())
            rate = bar.close()
            if report["findings"]:
                broken += 1
                print(f"BROKEN {audit.describe(report['findings'][0])}")
                # and each kept digest that no longer holds, by name (one line per digest)
                for finding in report["findings"][1:]:
                    if finding.get("digest"):
                        print(f"DIGEST {audit.describe(finding)}")
                if len(report["findings"]) > 1:
                    print(f"       ({len(report['findings']) - 1} more finding(s) after it)")
            else:
                print(f"ok     {service}: {report['events']:,} events, chains and "
                      f"{report['journaled']:,} checkpoints verified"
                      + f", {report['signed']:,} signed checkpoints verified"
                      + (f" (the last at notification "
                         f"{report['last_signed']['notification_id']})"
                         if report["last_signed"] else "")
                      + (", kept digest proven" if service in kept else "")
                      + (f", {len(signed_digests)} signed digests consistent"
                         if len(signed_digests) > 1 else "")
                      + f" ({rate:,.0f} events/s)")
            # which keys the signatures were checked with, and where each came from
            print(f"keys   {service}: trusting {keys}")
    return 1 if broken else 0


def cmd_audit_digest(args, settings: Settings) -> int:
    with rpc_proxy(settings, "auditor", sub="seklik-audit", token=args.token) as rpc:
        services = {service: getattr(rpc, service).digest()
                    for service in event_sourced_services(args.service)}
    # Each service's entry is a checkpoint signed by that service's own key at the log's end:
    # it verifies on its own (shared/checkpoints.py); the file as a whole needs no other signer.
    print(json.dumps({"regency": settings.regency_code, "regency_name": settings.regency,
                      "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                      "services": services}, indent=2))
    return 0


# The reporting views' store (served by reporting and the projector): rebuilt from the other
# services' events, it holds no history of its own to export; every other one is exported.
VIEWS_STORE = ("reporting", "projector")


def cmd_audit_export(args, settings: Settings) -> int:
    """Each service's log, signed checkpoints and digest as files anyone can verify without
    SEKLIK (docs/export-format.md; tools/verify_export.py DIR checks them)."""
    from seklik.export import ExportRefused, Source, export
    from shared.auth import encode_key, load_service_public_keys

    as_of = args.as_of
    published = {}
    if settings.service_public_keys:  # what the deployment publishes, listed beside the rest
        published = {service: [(encode_key(key), "SEKLIK_SERVICE_PUBLIC_KEYS")] for service, key
                     in load_service_public_keys(settings.service_public_keys).items()}
    with rpc_proxy(settings, "auditor", sub="seklik-audit", token=args.token,
                   timeout=60) as rpc:
        services = {service: Source.remote(getattr(rpc, service))
                    for service in event_sourced_services(args.service)
                    if service not in VIEWS_STORE}
        try:
            manifest = export(Path(args.out), services, regency=settings.regency_code,
                              regency_name=settings.regency, as_of=as_of,
                              zone=settings.timezone, published_keys=published,
                              progress=lambda service: Progress(service, None,
                                                                force=args.progress))
        except ExportRefused as exc:
            print(f"seklik audit export: {exc}", file=sys.stderr)
            return 2
    for service, summary in manifest["services"].items():
        signed = summary["digest_notification_id"]
        print(f"{service}: {summary['events']:,} events up to notification "
              f"{summary['last_notification_id']}, {summary['checkpoints']:,} signed "
              "checkpoints, " + (f"digest at notification {signed}" if signed is not None
                                 else "no checkpoint signed by then"))
    print(f"{len(manifest['files']) + 1} files written to {args.out}"
          + (f" (as of {as_of})" if as_of else "")
          + f"; check them with: python tools/verify_export.py {args.out}")
    return 0


def cmd_audit_trail(args, settings: Settings) -> int:
    """Every event of one entity read from the services that own it (each one's own log,
    `aggregate_events`), each chain checked, and compared with the reporting views' copy: a
    version gap, a broken link, or an event the copy lacks, holds differently or holds alone
    is a finding (exit 1)."""
    import uuid

    from services.reporting.application import SOURCES

    try:
        entity_id = str(uuid.UUID(args.entity_id))
    except ValueError:
        print(f"seklik audit trail: {args.entity_id!r} is not the UUID of a partner, contract "
              "or order (such as 5b0c7a34-1111-4000-8000-000000000001)", file=sys.stderr)
        return 2
    with rpc_proxy(settings, "auditor", sub="seklik-audit", token=args.token,
                   timeout=60) as rpc:
        owned = {source: aggregate_events(getattr(rpc, source), entity_id)
                 for source in SOURCES}
        copy = rpc.reporting.audit_trail(entity_id)
        positions = {row["source"]: row["last_applied"]
                     for row in rpc.reporting.projection_status()}
    rows = audit.owned_trail(entity_id, owned, copy, positions)
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        shown = []
        for row in rows:
            shown.append({**row, "payload": json.dumps(row["payload"], ensure_ascii=False)[:80],
                          "findings": "; ".join(row["findings"])})
        print(reports.format_rows(shown, ["timestamp", "source", "version", "type", "actor",
                                          "payload", "hash", "verified", "findings"],
                                  args.format, "en"))
    if not rows:
        print(f"no service holds events of {entity_id}", file=sys.stderr)
        return 1
    broken = [row for row in rows if not row["verified"]]
    for row in broken:
        print(f"BROKEN {row['source']}: notification {row['notification_id']}, aggregate "
              f"{entity_id} version {row['version']} ({row['type']}): "
              f"{'; '.join(row['findings'])}", file=sys.stderr)
    return 1 if broken else 0


def aggregate_events(remote, originator_id: str) -> list[dict]:
    """Every event of one aggregate from its owner's store, in version order (paged)."""
    events, after = [], 0
    while True:
        page = remote.aggregate_events(originator_id, after=after, limit=audit.PAGE)
        events += page
        if len(page) < audit.PAGE:
            return events
        after = page[-1]["originator_version"]


def cmd_audit_compare(args, settings: Settings) -> int:
    """Rebuild every view from the events (each source's `notifications`) into a scratch store
    and list each cell where the live views (reporting's queries) differ: view, key, column,
    live, rebuilt. Exit 1 on any difference. The rebuild stops where the projector stood when
    the live views were read, so a projector still catching up differs in nothing."""
    from services.reporting.application import SOURCES, ReportingApplication

    year = args.year or settings.today().year
    store = Path(args.store or tempfile.mkdtemp(prefix="seklik-compare-"))
    views = ReportingApplication(Settings.from_env({
        "SEKLIK_DATA_DIR": str(store), "SEKLIK_REGENCY_CODE": settings.regency_code,
        "SEKLIK_TIMEZONE": settings.timezone}))
    views.reset()
    quarantined: list[dict] = []
    with rpc_proxy(settings, "auditor", sub="seklik-audit", token=args.token,
                   timeout=60) as rpc:
        def projected():
            return {row["source"]: row["last_applied"]
                    for row in rpc.reporting.projection_status()}

        # The live views at one set of positions: read again while the projector moves.
        for _ in range(10):
            before = projected()
            live = audit.view_results(lambda method, **kw: getattr(rpc.reporting, method)(
                **kw), year)
            built_from = projected()
            if built_from == before:
                break
            time.sleep(1)
        else:
            print("the projector kept applying events while the live views were read: "
                  "differences may be events it applied meanwhile", file=sys.stderr)
        for source in SOURCES:
            remote = getattr(rpc, source)
            bar = Progress(source, built_from[source], force=args.progress)
            batch = []
            for env in audit.pages(lambda a, n: remote.notifications(after=a, limit=n)):
                if env["notification_id"] > built_from[source]:
                    break
                batch.append(env)
                if len(batch) >= 500:
                    _replay(views, batch, quarantined)
                    batch = []
                bar.advance(1)
            if batch:
                _replay(views, batch, quarantined)
            bar.close()
    rebuilt = audit.view_results(lambda method, **kw: getattr(views, method)(**kw), year)
    differences = audit.compare_views(live, rebuilt)
    if args.format == "json":
        print(json.dumps({"regency": settings.regency, "fiscal_year": year,
                          "built_from": built_from, "store": str(store),
                          "quarantined": quarantined, "differences": differences},
                         indent=2, ensure_ascii=False))
    elif differences:
        print(f"{len(differences)} difference(s) between the live views and a rebuild from "
              f"the events (fiscal year {year}):\n")
        print(render([{k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict))
                       else v for k, v in d.items()} for d in differences],
                     ["view", "key", "column", "live", "rebuilt"]))
    else:
        print(f"the live views equal a rebuild from the events: {len(audit.VIEWS)} views of "
              f"fiscal year {year}, built from " + ", ".join(
                  f"{source} up to notification {n}" for source, n in built_from.items()))
    if quarantined:
        print(f"{len(quarantined)} event(s) could not be applied to the rebuild and were "
              f"set aside in its store {store}", file=sys.stderr)
    return 1 if differences else 0


def cmd_audit_replay(args, settings: Settings) -> int:
    from services.reporting.application import SOURCES, ReportingApplication
    from services.reporting.domain import day_end

    as_of = dt.date.fromisoformat(args.as_of)
    out = Path(args.out)
    store = Path(args.store or tempfile.mkdtemp(prefix="seklik-replay-"))
    views = ReportingApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(store),
                                                    "SEKLIK_TIMEZONE": settings.timezone}))
    views.reset()
    end, manifest = day_end(as_of, settings.zone), {}
    with rpc_proxy(settings, "auditor", sub="seklik-audit", token=args.token,
                   timeout=60) as rpc:
        for source in SOURCES:
            remote = getattr(rpc, source)
            bar = Progress(source, None, force=args.progress)
            root, last, replayed, batch, quarantined = audit.GENESIS, 0, 0, [], []
            for env in audit.pages(lambda a, n: remote.notifications(after=a, limit=n)):
                root, last = audit.extend_root(root, env["notification_id"],
                                               env["hash"] or ""), env["notification_id"]
                # An event that no longer decodes has no date: it is set aside, not dropped.
                if env.get("undecodable") or (env["timestamp"] and env["timestamp"] < end):
                    batch.append(env)
                if len(batch) >= 500:
                    replayed += _replay(views, batch, quarantined)
                    batch = []
                bar.advance(1)
            if batch:
                replayed += _replay(views, batch, quarantined)
            bar.close()
            manifest[source] = {"last_notification_id": last, "root_hash": root,
                                "replayed": replayed, "quarantined": quarantined}
    counts = audit.export_views(views, args.year or as_of.year, as_of, out)
    (out / "manifest.json").write_text(json.dumps({
        "regency": settings.regency, "as_of": as_of.isoformat(),
        "fiscal_year": args.year or as_of.year,
        "built_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "built_from": manifest, "views": counts}, indent=2))
    print(f"{len(counts)} views as of {as_of} written to {out} (store {store}); manifest.json "
          "names the roots they were built from")
    set_aside = sum(len(m["quarantined"]) for m in manifest.values())
    if set_aside:
        print(f"{set_aside} event(s) could not be applied and were quarantined in the replay's "
              "store; manifest.json lists them", file=sys.stderr)
    return 0


def _replay(views, batch: list[dict], quarantined: list[dict]) -> int:
    """Apply a batch to the replay's views in one transaction; when that fails, one by one,
    quarantining (in the replay's own store) each event that cannot be applied. The number
    applied."""
    from shared.consumer import unappliable

    if not any(unappliable(env) for env in batch):
        try:
            views.apply_envelopes(batch)
            return len(batch)
        except Exception:  # one of them cannot be applied: find it
            pass
    applied = 0
    for env in batch:
        problem = unappliable(env)
        if problem is None:
            try:
                views.apply_envelope(env)
                applied += 1
                continue
            except Exception as exc:
                problem = exc
        views.quarantine.record(env["source"], env["notification_id"], env, problem,
                                type_=env["type"])
        views.skip_tracked(env)
        quarantined.append({"notification_id": env["notification_id"], "type": env["type"],
                            "error": describe(problem)})
    return applied


def _reachable(amqp_uri: str) -> bool:
    url = urlparse(amqp_uri)
    try:
        socket.create_connection((url.hostname or "127.0.0.1", url.port or 5672), 3).close()
        return True
    except OSError:
        return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="seklik", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start every service as its own process")
    up.add_argument("--demo", action="store_true", help="run the demo once all are up")
    up.add_argument("--exit", action="store_true", help="stop the services after the demo")
    up.add_argument("--logs", help="folder for the services' logs (default: a temp folder)")
    up.set_defaults(run=cmd_up)

    sub.add_parser("demo", help="register the demo round and show it").set_defaults(
        run=cmd_demo)

    token = sub.add_parser("token", help="mint a signed token for local use")
    token.add_argument("--sub", required=True, help="who the token speaks for")
    token.add_argument("--role", required=True, action="append", choices=ROLES)
    token.add_argument("--partner-id", help="the company's UUID, for a media company's own "
                       "users (a media token carries no other role)")
    token.add_argument("--ttl", type=int, default=PERSON_TTL,
                       help=f"seconds (default {PERSON_TTL}, 15 minutes; at most "
                            f"{PERSON_MAX_TTL}, 12 hours)")
    token.set_defaults(run=cmd_token)

    sub.add_parser("keygen", help="print new keys for .env: CIPHER_KEY, the token issuer's "
                   "pair, one key per service").set_defaults(run=cmd_keygen)

    definitions = sub.add_parser("broker-definitions", help="RabbitMQ users and permissions, "
                                 "one user per service (passwords from RABBITMQ_*_PASSWORD)")
    definitions.add_argument("--vhost", default="/")
    definitions.set_defaults(run=cmd_broker_definitions)

    ping = sub.add_parser("ping", help="exit 0 when a service answers RPC")
    ping.add_argument("service")
    ping.set_defaults(run=cmd_ping)

    report = sub.add_parser("report", help="print a reporting view")
    report.add_argument("name", choices=sorted(reports.REPORTS))
    report.add_argument("--year", dest="fiscal_year", type=int)
    report.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD: as the records stood then")
    report.add_argument("--month", type=int, help="1-12: for `pph23` and `ppn`")
    report.add_argument("--by", choices=("partner", "media_type", "tier"), default="partner")
    report.add_argument("--partner", dest="partner_id", help="for `tiers`")
    report.add_argument("--entity", dest="entity_id", help="for `trail`")
    report.add_argument("--format", choices=("table", "csv", "json"), default="table")
    report.add_argument("--lang", choices=("en", "id"), default="en")
    report.add_argument("--token", default=os.environ.get("SEKLIK_TOKEN"))
    report.set_defaults(run=cmd_report)

    reporting = sub.add_parser("reporting", help="maintain the reporting views")
    reporting_sub = reporting.add_subparsers(dest="action", required=True)
    rebuild = reporting_sub.add_parser("rebuild", help="rebuild the views from every source "
                                       "beside the live ones, then switch to them (no downtime)")
    rebuild.add_argument("--progress", action="store_true", help="draw the bar even when "
                         "stderr is not a terminal")
    rebuild.add_argument("--if-changed", action="store_true", help="only when the live "
                         "views were built by another projection version (on deploy)")
    rebuild.add_argument("--token", default=os.environ.get("SEKLIK_TOKEN"))
    rebuild.set_defaults(run=cmd_rebuild)
    quarantine = reporting_sub.add_parser("quarantine", help="list what every consumer could "
                                          "not decode or apply, and set aside")
    quarantine.add_argument("--service", action="append", help="only this service "
                            "(repeatable; default: every service)")
    quarantine.add_argument("--source", help="only what came from this source")
    quarantine.add_argument("--format", choices=("table", "json"), default="table")
    quarantine.add_argument("--token", default=os.environ.get("SEKLIK_TOKEN"))
    quarantine.set_defaults(run=cmd_quarantine)
    retry = reporting_sub.add_parser("retry", help="apply a quarantined notification again, "
                                     "after a fix")
    retry.add_argument("--service", required=True, help="the service that quarantined it "
                       "(reporting's rows go to the projector)")
    retry.add_argument("--source", required=True, help="the service the event came from")
    retry.add_argument("--notification", required=True, type=int, help="its notification id")
    retry.add_argument("--token", default=os.environ.get("SEKLIK_TOKEN"))
    retry.set_defaults(run=cmd_retry)

    audit_parser = sub.add_parser("audit", help="what an auditor runs")
    audit_sub = audit_parser.add_subparsers(dest="action", required=True)
    verify = audit_sub.add_parser("verify", help="check every hash chain and checkpoint")
    verify.add_argument("--digest", action="append",
                        help="a digest kept earlier (seklik audit digest); give two or more, "
                             "oldest first, to prove each newer one extends the older")
    verify.add_argument("--keys", help="a file of the services' public keys to trust: "
                                       "`service=<base64>` per line, or the "
                                       "SEKLIK_SERVICE_PUBLIC_KEYS line `seklik keygen` prints")
    verify.add_argument("--progress", action="store_true")
    verify.set_defaults(run=cmd_audit_verify)
    digest = audit_sub.add_parser("digest", help="print a digest to keep outside the system")
    digest.set_defaults(run=cmd_audit_digest)
    replay = audit_sub.add_parser("replay", help="rebuild every view as of a date elsewhere")
    replay.add_argument("--as-of", dest="as_of", required=True, help="YYYY-MM-DD")
    replay.add_argument("--out", required=True, help="folder for the CSV and JSON exports")
    replay.add_argument("--year", type=int, help="fiscal year (default: the as-of year)")
    replay.add_argument("--store", help="folder of the replay's own store (default: temp)")
    replay.add_argument("--progress", action="store_true")
    replay.set_defaults(run=cmd_audit_replay)
    trail = audit_sub.add_parser("trail", help="every event of one partner, contract or order "
                                 "from its owners' logs, checked against the views' copy")
    trail.add_argument("entity_id")
    trail.add_argument("--format", choices=("table", "csv", "json"), default="table")
    trail.set_defaults(run=cmd_audit_trail)
    export = audit_sub.add_parser("export", help="every service's log, signed checkpoints and "
                                  "digest as files to verify without SEKLIK "
                                  "(docs/export-format.md)")
    export.add_argument("--out", required=True, help="a new or empty folder")
    export.add_argument("--as-of", dest="as_of", type=dt.date.fromisoformat,
                        help="YYYY-MM-DD: the logs as they stood at the end of that day "
                             "(regency time)")
    export.add_argument("--progress", action="store_true")
    export.set_defaults(run=cmd_audit_export)
    compare = audit_sub.add_parser("compare", help="rebuild the views from the events "
                                   "elsewhere and list where the live views differ")
    compare.add_argument("--year", type=int, help="fiscal year (default: this year)")
    compare.add_argument("--format", choices=("table", "json"), default="table")
    compare.add_argument("--store", help="folder of the rebuild's own store (default: temp)")
    compare.add_argument("--progress", action="store_true")
    compare.set_defaults(run=cmd_audit_compare)
    for command in (verify, digest, replay, trail, compare, export):
        command.add_argument("--token", default=os.environ.get("SEKLIK_TOKEN"))
    for command in (verify, digest, export):
        command.add_argument("--service", action="append", help="only this service "
                             "(repeatable; default: every service)")

    args = parser.parse_args(argv)
    return args.run(args, Settings.from_env())


if __name__ == "__main__":
    sys.exit(main())
