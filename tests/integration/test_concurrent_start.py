"""Started all at once on a fresh PostgreSQL, as `docker compose up` starts them, the services
set up their stores together: the projector and reporting share one schema, replicas share
theirs. None may die because another was creating the same table a moment earlier."""
import os
import subprocess
import sys
import time
import uuid

import pytest

from seklik.cluster import ROOT

pytestmark = pytest.mark.integration

# Each process waits for the same instant, then builds its application: real concurrent starts.
START = """
import os, sys, time
from shared.config import Settings
from services.reporting.application import ReportingApplication
from services.partners.application import PartnersApplication
from services.contracts.application import ContractsApplication
go = float(sys.argv[2])
while time.time() < go:
    time.sleep(0.001)
{"reporting": ReportingApplication, "partners": PartnersApplication,
 "contracts": ContractsApplication}[sys.argv[1]](Settings.from_env())
"""
STARTS = ["reporting", "reporting", "reporting", "partners", "partners", "contracts"]


@pytest.mark.parametrize("round_", range(3))
def test_services_started_at_once_on_a_fresh_database_all_come_up(postgres, round_):
    env = {**os.environ, **postgres, "PYTHONWARNINGS": "ignore", "SEKLIK_ENV": "development",
           "POSTGRES_SCHEMA_PREFIX": f"race_{uuid.uuid4().hex[:8]}_"}
    go = time.time() + 3  # time enough for every interpreter to import and wait
    procs = [(app, subprocess.Popen([sys.executable, "-c", START, app, str(go)], cwd=ROOT,
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True)) for app in STARTS]
    failed = {}
    for app, proc in procs:
        out, _ = proc.communicate(timeout=60)
        if proc.returncode:
            failed[app] = out[-1500:]
    assert not failed, "\n".join(f"--- {app} ---\n{out}" for app, out in failed.items())
