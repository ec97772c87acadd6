"""seklik: the command line of SEKLIK.

  seklik up [--demo] [--exit]     start every service as its own process (as docker-compose does)
  seklik demo                     register the demo round through RPC and show it
  seklik token --sub NAME --role ROLE [--role ...] [--partner-id ID]   mint a token (local use)
  seklik ping SERVICE             exit 0 when SERVICE answers RPC (compose healthcheck)
  seklik report NAME --year Y [--as-of DATE] [--format table|csv|json] [--lang en|id]
  seklik reporting rebuild        empty the views and replay every source (projector stopped)

Calls carry the token in --token or SEKLIK_TOKEN; without one, a local token is minted with
SEKLIK_AUTH_SECRET (development only).
"""
from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from shared.auth import ROLES, bearer, mint_token
from shared.config import Settings
from seklik import cluster, demo, reports
from seklik.progress import Progress
from seklik.tables import render


@contextmanager
def rpc_proxy(settings: Settings, *roles: str, sub: str = "seklik-cli", timeout: float = 30,
              token: str | None = None):
    from nameko.standalone.rpc import ClusterRpcProxy

    token = token or mint_token(settings.auth_secret, sub, roles or ("system",),
                                ttl_seconds=3600)
    with ClusterRpcProxy({"AMQP_URI": settings.amqp_uri}, timeout=timeout,
                         context_data=bearer(token)) as proxy:
        yield proxy


def cmd_token(args, settings: Settings) -> int:
    print(mint_token(settings.auth_secret, args.sub, args.role, ttl_seconds=args.ttl,
                     partner_id=args.partner_id))
    return 0


def cmd_ping(args, settings: Settings) -> int:
    try:
        with rpc_proxy(settings, "system", sub="healthcheck", timeout=10) as rpc:
            getattr(rpc, args.service).notifications(after=0, limit=1)
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
            rpc_proxy(settings, "finance", sub="ppk.demo") as finance:
        rows = demo.run(admin, verifier)
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
        print(render(orders, ["brand", "tier", "title", "gross", "status"]))
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
                            ("outstanding", "outstanding invoices")):
            print(f"\n{title} {demo.YEAR}:\n")
            print(reports.run(admin, name, argparse.Namespace(
                fiscal_year=demo.YEAR, as_of=None, by="tier")))
        for service in ("partners", "assessment", "contracts"):
            digest = getattr(admin, service).digest()
            print(f"{service} digest: notification {digest['last_notification_id']},"
                  f" root {digest['root_hash']}")
    return 0


def cmd_report(args, settings: Settings) -> int:
    with rpc_proxy(settings, "auditor", sub="seklik-report", token=args.token) as rpc:
        print(reports.run(rpc, args.name, args, args.format, args.lang))
    return 0


def cmd_rebuild(args, settings: Settings) -> int:
    from services.reporting.application import SOURCES, ReportingApplication
    from shared.consumer import TrackedConsumer, notifications_fetcher

    try:
        with rpc_proxy(settings, "system", timeout=3, token=args.token) as rpc:
            rpc.projector.feed_status()
        print("the projector is running: stop it first (docker compose stop projector), so "
              "that it does not apply events while the views are emptied", file=sys.stderr)
        return 2
    except Exception:
        pass  # no projector answered: safe to rebuild
    views = ReportingApplication(settings)
    views.reset()
    rates = []
    with notifications_fetcher(settings, "reporting.rebuild") as fetch, \
            rpc_proxy(settings, "system", token=args.token) as rpc:
        for source in SOURCES:
            total = getattr(rpc, source).digest()["last_notification_id"]
            bar = Progress(source, total, force=args.progress)

            def fetch_counted(src, after, limit, bar=bar):
                page = fetch(src, after, limit)
                bar.advance(len(page))
                return page

            TrackedConsumer(source, views.tracked_position, views.apply_envelope,
                            fetch_counted, apply_batch=views.apply_envelopes).catch_up()
            rates.append((source, bar.done, bar.close()))
    for source, done, rate in rates:
        print(f"{source}: {done:,} events replayed ({rate:,.0f} events/s)")
    return 0


def cmd_up(args, settings: Settings) -> int:
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
        print("\nSEKLIK is running. Mint a token with `seklik token --sub you --role admin` and "
              "call it with nameko's ClusterRpcProxy. Ctrl-C stops it.")
        while all(p.poll() is None for p in procs.values()):
            time.sleep(1)
        print("a service stopped; see its log", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for proc in procs.values():
            cluster.terminate(proc)


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
    token.add_argument("--partner-id", help="for a media company's own users")
    token.add_argument("--ttl", type=int, default=8 * 3600, help="seconds (default 8 hours)")
    token.set_defaults(run=cmd_token)

    ping = sub.add_parser("ping", help="exit 0 when a service answers RPC")
    ping.add_argument("service")
    ping.set_defaults(run=cmd_ping)

    report = sub.add_parser("report", help="print a reporting view")
    report.add_argument("name", choices=sorted(reports.REPORTS))
    report.add_argument("--year", dest="fiscal_year", type=int)
    report.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD: as the records stood then")
    report.add_argument("--by", choices=("partner", "media_type", "tier"), default="partner")
    report.add_argument("--partner", dest="partner_id", help="for `tiers`")
    report.add_argument("--entity", dest="entity_id", help="for `trail`")
    report.add_argument("--format", choices=("table", "csv", "json"), default="table")
    report.add_argument("--lang", choices=("en", "id"), default="en")
    report.add_argument("--token", default=os.environ.get("SEKLIK_TOKEN"))
    report.set_defaults(run=cmd_report)

    reporting = sub.add_parser("reporting", help="maintain the reporting views")
    reporting_sub = reporting.add_subparsers(dest="action", required=True)
    rebuild = reporting_sub.add_parser("rebuild", help="empty the views and replay every "
                                       "source through notifications (stop the projector first)")
    rebuild.add_argument("--progress", action="store_true", help="draw the bar even when "
                         "stderr is not a terminal")
    rebuild.add_argument("--token", default=os.environ.get("SEKLIK_TOKEN"))
    rebuild.set_defaults(run=cmd_rebuild)

    args = parser.parse_args(argv)
    return args.run(args, Settings.from_env())


if __name__ == "__main__":
    sys.exit(main())
