"""Reporting through RPC and the CLI: the projector killed mid-stream, rebuild, reports."""
import datetime as dt
import json
import os
import signal
import subprocess
import sys

import eventlet
import pytest

from services.reporting.application import SOURCES, ReportingApplication
from shared.config import Settings
from shared.consumer import TrackedConsumer, notifications_fetcher
from tests.integration.scenarios import eventually, open_year, tiered_partner
from tests.support import company, sha, token

pytestmark = pytest.mark.integration
TODAY = Settings.from_env().today()  # the regency's date, as the services judge
YEAR = TODAY.year
ACTIVITY = "2.16.01.2.06.0001"


def caught_up(rpc):
    return all(row["lag"] == 0 for row in rpc.reporting.projection_status())


def season(cluster, admin, verifier, assessor, finance, partners=3):
    open_year(admin, YEAR)
    finance.contracts.publish_price_standard(YEAR, f"{YEAR}-01-01", [
        {"media_type": "online", "tier": t, "product": "advertorial", "unit": "item",
         "unit_price": p} for t, p in (("A", 2_500_000), ("B", 2_000_000), ("C", 1_500_000))])
    finance.contracts.set_budget(YEAR, ACTIVITY, "Publikasi media", 500_000_000)
    for tier in "ABC":
        finance.contracts.set_tier_ceiling(YEAR, tier, 60_000_000)
    contracts = []
    for n in range(1, partners + 1):
        pid = tiered_partner(admin, verifier, assessor, n, "ABC"[n % 3], year=YEAR,
                             pkp=n % 2 == 0)
        contract = {"number": f"{n:03d}/SPK/{YEAR}", "fiscal_year": YEAR, "partner_id": pid,
                    "activity_code": ACTIVITY, "ceiling": 50_000_000,
                    "starts_on": f"{YEAR}-01-01", "ends_on": f"{YEAR}-12-31"}
        contracts.append(eventually(lambda: finance.contracts.sign_contract(contract))[
            "contract_id"])
    return contracts


def trade(cluster, contract_id, n):
    """One order's life through RPC: placed, proven, accepted, and every other one paid."""
    with cluster.rpc("finance", sub="ppk.dewi") as finance:
        placed = finance.contracts.place_order(contract_id, {
            "product": "advertorial", "quantity": 1, "title": f"Siaran pers {n}",
            "publish_by": (TODAY + dt.timedelta(days=3)).isoformat()})
        finance.contracts.submit_proof(placed["order_id"], {
            "kind": "link", "reference": f"https://x.id/{n}", "sha256": sha(str(n)),
            "published_on": TODAY.isoformat(), "reach": {"page_views": 1000 + n}})
        finance.contracts.review_proof(placed["order_id"], "accepted", "BAST")
        if n % 2:
            finance.contracts.record_payment(placed["order_id"], {
                "sp2d_number": f"{n:05d}/SP2D/{YEAR}", "paid_on": TODAY.isoformat()})
    return placed["order_id"]


def rebuilt_views(cluster, postgres) -> dict:
    """The views built from nothing, in schemas of their own, by reading every source."""
    settings = Settings.from_env({**postgres, "POSTGRES_SCHEMA_PREFIX":
                                  cluster.env["POSTGRES_SCHEMA_PREFIX"] + "rebuilt_",
                                  "AMQP_URI": cluster.amqp_uri, "SEKLIK_ENV": "development"})
    views = ReportingApplication(settings)
    with notifications_fetcher(settings, "test.rebuild") as fetch:
        for source in SOURCES:
            TrackedConsumer(source, views.tracked_position, views.apply_envelope,
                            fetch).catch_up()
    return views.dump()


def live_views(cluster, postgres) -> dict:
    settings = Settings.from_env({**postgres, "POSTGRES_SCHEMA_PREFIX":
                                  cluster.env["POSTGRES_SCHEMA_PREFIX"],
                                  "SEKLIK_ENV": "development"})
    return ReportingApplication(settings).dump()


def test_the_projector_killed_mid_stream_ends_with_the_views_of_a_rebuild(cluster, postgres):
    for service in ("partners", "assessment", "contracts", "projector", "reporting"):
        cluster.start(service)
    projector = cluster.processes[3]
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier, \
            cluster.rpc("assessor") as assessor, cluster.rpc("finance") as finance:
        contracts = season(cluster, admin, verifier, assessor, finance)
    pool = eventlet.GreenPool(4)
    stream = [pool.spawn(trade, cluster, contracts[n % len(contracts)], n) for n in range(24)]
    eventlet.sleep(1.0)
    projector.kill(signal.SIGKILL)  # mid-stream
    orders = [g.wait() for g in stream]
    cluster.start("projector")
    with cluster.rpc("auditor") as auditor:
        assert eventually(lambda: caught_up(auditor), timeout=60)
        assert len(auditor.reporting.payment_ledger(YEAR)) == 12
        # the contracts' ceilings are committed (issue 13); paid is what payments realised
        (budget,) = auditor.reporting.budget_realization(YEAR)
        assert budget["committed"] == 50_000_000 * len(contracts)
        assert budget["paid"] == sum(row["realised"] for row in
                                     auditor.reporting.payment_ledger(YEAR))
        assert budget == {**budget, **{k: v for k, v in finance_status(cluster).items()
                                       if k in ("pagu", "committed", "paid", "remaining")}}
        assert {row["order_id"] for row in auditor.reporting.outstanding_invoices()} < set(
            orders)
    assert live_views(cluster, postgres) == rebuilt_views(cluster, postgres)


def finance_status(cluster) -> dict:
    with cluster.rpc("finance") as finance:
        return finance.contracts.budget_status(YEAR)[0]


def seklik(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "seklik.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_reports_and_rebuild_from_the_command_line(cluster):
    for service in ("partners", "assessment", "contracts", "projector", "reporting"):
        cluster.start(service)
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier, \
            cluster.rpc("assessor") as assessor, cluster.rpc("finance") as finance:
        contracts = season(cluster, admin, verifier, assessor, finance, partners=2)
        for n in range(4):
            trade(cluster, contracts[n % 2], n)
        assert eventually(lambda: caught_up(admin), timeout=60)
    env = {**cluster.env, "SEKLIK_TOKEN": token("auditor", sub="bpk.auditor")}

    csv_out = seklik("report", "budget", "--year", str(YEAR), "--format", "csv", "--lang",
                     "id", env=env)
    assert csv_out.returncode == 0, csv_out.stderr
    header, row = csv_out.stdout.strip().splitlines()
    assert header == ("kode_kegiatan,nama_kegiatan,pagu,terikat,dibayar,sisa_pagu,"
                      "realisasi_persen")
    assert row.startswith(f"{ACTIVITY},Publikasi media,500000000,")
    spending = json.loads(seklik("report", "spending", "--year", str(YEAR), "--format", "json",
                                 env=env).stdout)
    assert spending["partners"] == 2 and 0 <= spending["gini"] < 1
    table = seklik("report", "outstanding", env=env).stdout
    assert "age_days" in table.splitlines()[0]

    # The rebuild runs while orders are traded, the projector applies them and readers read
    # (issue 18): the old views answer until the switch, the new ones after it.
    answered, failed, done = [], [], eventlet.event.Event()

    def read_all_along():
        with cluster.rpc("auditor") as auditor:
            while not done.ready():
                try:
                    answered.append(auditor.reporting.budget_realization(YEAR)[0]["pagu"])
                except Exception as exc:  # any refusal or failure while the views switch
                    failed.append(repr(exc))
                eventlet.sleep(0.05)

    reader = eventlet.spawn(read_all_along)
    trading = eventlet.spawn(lambda: [trade(cluster, contracts[n % 2], n) for n in range(4, 8)])
    rebuilt = seklik("reporting", "rebuild", env={**env, "SEKLIK_TOKEN": token("system")})
    trading.wait()
    done.send()
    reader.wait()
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "events replayed" in rebuilt.stdout and "generation 1 are live" in rebuilt.stdout
    assert not failed and len(answered) > 5 and set(answered) == {500_000_000}
    with cluster.rpc("admin") as admin:
        assert eventually(lambda: caught_up(admin), timeout=60)
    assert eventually(lambda: live_views(cluster, cluster_postgres(cluster)) == rebuilt_views(
        cluster, cluster_postgres(cluster)), timeout=30)
    assert ReportingApplication(Settings.from_env({**cluster.env, "SEKLIK_ENV": "development"})
                                ).generation == 1
    # on deploy: nothing to do while the live views are of this projection version
    again = seklik("reporting", "rebuild", "--if-changed", env={**env, "SEKLIK_TOKEN": token(
        "system")})
    assert again.returncode == 0 and "nothing to rebuild" in again.stdout, again.stderr


def cluster_postgres(cluster) -> dict:
    return {k: v for k, v in cluster.env.items() if k.startswith("POSTGRES_") and
            k != "POSTGRES_SCHEMA_PREFIX"}
