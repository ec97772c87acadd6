"""A regency's backup restored (README, "Backups and restore").

A season is recorded by the services as processes on PostgreSQL, the auditor keeps a digest, and
the compose `backup` service's own script (deploy/backup/pg-backup.sh, run once) dumps the
services' schemas while they run. The cluster is stopped; the dump is restored into a fresh
database and the services started on it: `seklik audit verify` proves the kept digest against
the restored logs, and the reporting views rebuilt from the restored events are the ones read
before the backup. A dump restored with one event deleted is caught by the same verify.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from seklik.cluster import ROOT
from services.reporting.application import ReportingApplication
from shared.config import Settings
from tests.integration.cluster import Cluster
from tests.integration.scenarios import eventually
from tests.integration.test_reporting_rpc import YEAR, caught_up, season, trade
from tests.support import AMQP_URI, token

pytestmark = pytest.mark.integration

SCRIPT = ROOT / "deploy" / "backup" / "pg-backup.sh"
SOURCES = ("partners", "assessment", "contracts")  # the logs of record, each with its digest
AUDITED = [flag for service in SOURCES for flag in ("--service", service)]


def seklik(env: dict, *args, role: str = "auditor") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "seklik.cli", *args],
                          env={**env, "SEKLIK_TOKEN": token(role, sub="bpk.auditor")
                               if role == "auditor" else token(role)},
                          capture_output=True, text=True, timeout=180)


def libpq(postgres: dict, dbname: str | None = None) -> dict:
    """The environment pg_dump, pg_restore and createdb read the database from."""
    return {**os.environ, "PGHOST": postgres["POSTGRES_HOST"],
            "PGPORT": postgres["POSTGRES_PORT"], "PGUSER": postgres["POSTGRES_USER"],
            "PGPASSWORD": postgres["POSTGRES_PASSWORD"],
            "PGDATABASE": dbname or postgres["POSTGRES_DBNAME"]}


def cluster_on(postgres: dict, dbname: str, prefix: str, workdir: Path) -> Cluster:
    return Cluster({**postgres, "POSTGRES_DBNAME": dbname, "POSTGRES_SCHEMA_PREFIX": prefix,
                    "AMQP_URI": AMQP_URI, "SEKLIK_DATA_DIR": str(workdir / "data"),
                    "SEKLIK_CATCHUP_INTERVAL": "1", "SEKLIK_RELAY_INTERVAL": "0.2"}, workdir)


def views_of(cluster: Cluster) -> dict:
    """What an auditor reads from reporting: the budget's realisation and the payment ledger."""
    with cluster.rpc("auditor") as auditor:
        return {"budget_realization": auditor.reporting.budget_realization(YEAR),
                "payment_ledger": auditor.reporting.payment_ledger(YEAR)}


def every_view(cluster: Cluster) -> dict:
    """Every view table of reporting's store, as rebuild and the projector must agree on."""
    env = cluster.env
    return ReportingApplication(Settings.from_env({
        **{k: env[k] for k in env if k.startswith("POSTGRES_")},
        "SEKLIK_ENV": "development"})).dump()


def journaled(rpc, service: str) -> bool:
    """The service's journal of checkpoints has reached the end of its log."""
    remote = getattr(rpc, service)
    log = remote.notifications(after=0, limit=1000)
    journal = remote.checkpoints(after=0, limit=1000)
    return bool(log) and journal[-1]["notification_id"] == log[-1]["notification_id"]


@pytest.fixture(scope="module")
def backup(rabbit, postgres, tmp_path_factory):
    """A season recorded, its views read, a digest kept, a backup taken while the services ran
    (with an old dump beside it to prune), then every service stopped."""
    workdir = tmp_path_factory.mktemp("recorded")
    prefix = f"bk_{uuid.uuid4().hex[:8]}_"
    cluster = cluster_on(postgres, postgres["POSTGRES_DBNAME"], prefix, workdir)
    dumps = workdir / "backups"
    dumps.mkdir()
    old, recent = dumps / "seklik-20200101T000000Z.dump", dumps / "seklik-recent.dump"
    for stale, days in ((old, 30), (recent, 1)):
        stale.write_bytes(b"an earlier dump")
        os.utime(stale, (time.time() - days * 86400,) * 2)
    try:
        for service in (*SOURCES, "projector", "reporting"):
            cluster.start(service)
        with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier, \
                cluster.rpc("assessor") as assessor, cluster.rpc("finance") as finance:
            contracts = season(cluster, admin, verifier, assessor, finance, partners=2)
            orders = [trade(cluster, contracts[n % 2], n) for n in range(4)]  # 2 of them paid
            assert eventually(lambda: caught_up(admin), timeout=60)
            for service in SOURCES:
                assert eventually(lambda: journaled(admin, service), timeout=30), service
        views = views_of(cluster)
        assert len(views["payment_ledger"]) == 2 and views["budget_realization"][0]["paid"] > 0
        tables = every_view(cluster)
        digest = seklik(cluster.env, "audit", "digest", *AUDITED)
        assert digest.returncode == 0, digest.stderr
        kept = workdir / "digest.json"
        kept.write_text(digest.stdout)

        # The compose service's script, once, on this test's schemas (compose: seklik_*).
        started = time.monotonic()
        taken = subprocess.run(["sh", str(SCRIPT)], env={
            **libpq(postgres), "BACKUP_DIR": str(dumps), "BACKUP_SCHEMAS": f"{prefix}*",
            "BACKUP_ONCE": "1"}, capture_output=True, text=True, timeout=120)
        print(f"backup taken in {time.monotonic() - started:.1f}s: {taken.stdout}")
        assert taken.returncode == 0, taken.stderr
    finally:
        cluster.stop()
    assert not old.exists() and recent.exists()  # pruned: older than BACKUP_KEEP_DAYS (14)
    (dump,) = dumps.glob("seklik-2*Z.dump")
    assert f"backup {dump}" in taken.stdout
    assert not list(dumps.glob("*.partial"))
    yield {"postgres": postgres, "prefix": prefix, "dump": dump, "digest": kept,
           "views": views, "tables": tables, "orders": orders}


@pytest.fixture
def fresh_database(backup):
    """A database made for the restore (createdb), dropped afterwards."""
    postgres = backup["postgres"]
    name = f"seklik_restored_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", name], env=libpq(postgres), check=True, timeout=60)
    yield name
    with psycopg.connect(host=postgres["POSTGRES_HOST"], port=postgres["POSTGRES_PORT"],
                         user=postgres["POSTGRES_USER"], dbname="postgres",
                         password=postgres["POSTGRES_PASSWORD"] or None,
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def restore(backup, dbname: str) -> None:
    """README's restore: pg_restore of the dump into the fresh database."""
    started = time.monotonic()
    done = subprocess.run(["pg_restore", "--exit-on-error", "--no-owner", "--dbname", dbname,
                           str(backup["dump"])], env=libpq(backup["postgres"], dbname),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    print(f"restored into {dbname} in {time.monotonic() - started:.1f}s")


def test_a_backup_restored_into_a_fresh_database_proves_the_kept_digest_and_rebuilds_the_views(
        backup, fresh_database, tmp_path):
    restore(backup, fresh_database)
    cluster = cluster_on(backup["postgres"], fresh_database, backup["prefix"], tmp_path)
    try:
        for service in (*SOURCES, "reporting"):  # the projector stays stopped for the rebuild
            cluster.start(service)
        assert views_of(cluster) == backup["views"]  # the views' tables came back as they were

        rebuilt = seklik(cluster.env, "reporting", "rebuild", role="system")
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert "contracts: " in rebuilt.stdout and "events replayed" in rebuilt.stdout
        assert views_of(cluster) == backup["views"]
        assert every_view(cluster) == backup["tables"]

        verified = seklik(cluster.env, "audit", "verify", *AUDITED, "--digest",
                          str(backup["digest"]))
        out = verified.stdout + verified.stderr
        assert verified.returncode == 0, out
        assert [line.split()[1] for line in out.splitlines() if line.startswith("ok ")] == [
            f"{service}:" for service in SOURCES]
        assert out.count("kept digest proven") == len(SOURCES), out

        cluster.start("projector")
        compared = seklik(cluster.env, "audit", "compare", "--year", str(YEAR))
        assert compared.returncode == 0, compared.stdout + compared.stderr
        assert "the live views equal a rebuild" in compared.stdout
    finally:
        cluster.stop()


def test_a_restored_dump_missing_one_payment_is_caught_by_audit_verify(
        backup, fresh_database, tmp_path):
    restore(backup, fresh_database)
    table = f'"{backup["prefix"]}contracts".contracts_events'
    with psycopg.connect(**{"host": backup["postgres"]["POSTGRES_HOST"],
                            "port": backup["postgres"]["POSTGRES_PORT"],
                            "user": backup["postgres"]["POSTGRES_USER"],
                            "password": backup["postgres"]["POSTGRES_PASSWORD"] or None,
                            "dbname": fresh_database}, autocommit=True) as conn:
        # the first payment's event: the order's fifth, neither the log's first nor its last
        (erased,) = conn.execute(
            f"SELECT notification_id FROM {table} WHERE originator_id = %s"
            " AND originator_version = 5", (uuid.UUID(backup["orders"][1]),)).fetchone()
        assert conn.execute(f"DELETE FROM {table} WHERE notification_id = %s",
                            (erased,)).rowcount == 1
    cluster = cluster_on(backup["postgres"], fresh_database, backup["prefix"], tmp_path)
    try:
        cluster.start("contracts")
        verified = seklik(cluster.env, "audit", "verify", "--service", "contracts", "--digest",
                          str(backup["digest"]))
    finally:
        cluster.stop()
    out = verified.stdout + verified.stderr
    assert verified.returncode == 1, out
    assert out.splitlines()[0].startswith(
        f"BROKEN contracts: notification {erased}, aggregate {backup['orders'][1]} version 5"), out
