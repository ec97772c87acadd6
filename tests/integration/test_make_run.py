"""README's first command, less the install: `seklik up --demo` starts every service of
docker-compose.yml as its own process on SQLite files, runs the demo through RPC, and (with
`--exit`) stops them again."""
import os
import subprocess
import sys

import pytest
from kombu import Connection

from seklik.cluster import ROOT, durable_queues
from tests.support import free_port

pytestmark = pytest.mark.integration


def test_seklik_up_runs_the_demo_round_on_sqlite_and_exits(rabbit, tmp_path):
    with Connection(rabbit) as conn:  # a newcomer's broker holds no queue of an earlier run
        for name in durable_queues():
            conn.default_channel.queue_delete(name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTGRES_")}
    env.update(SEKLIK_DATA_DIR=str(tmp_path / "data"), AMQP_URI=rabbit,
               SEKLIK_ENV="development", PYTHONWARNINGS="ignore", SEKLIK_CATCHUP_INTERVAL="1",
               SEKLIK_HTTP_PORT=str(free_port()))
    done = subprocess.run([sys.executable, "-m", "seklik.cli", "up", "--demo", "--exit",
                           "--logs", str(tmp_path / "logs")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    out = done.stdout
    assert done.returncode == 0, out[-4000:] + done.stderr[-4000:]
    assert "30 media companies applied; 20 activated" in out
    assert "tier distribution: " in out
    assert "Press releases of the desk" in out and "Jadwal vaksinasi HPV" in out
    for title in ("budget realisation", "spending per tier, with fairness",
                  "outstanding invoices", "outcomes per partner"):
        assert title in out
    for service in ("partners", "assessment", "contracts"):
        assert f"{service} digest: notification" in out
    assert sorted(p.name for p in (tmp_path / "data").glob("*.sqlite")) == [
        "accounts.sqlite", "assessment.sqlite", "contracts.sqlite", "partners.sqlite",
        "reporting.sqlite"]
    # The portal's demo accounts, one per role, each a line of the table.
    for role in ("admin", "verifier", "assessor", "finance", "auditor", "humas", "media"):
        assert any(line.split()[:1] == [role] and "seklik-demo-2026" in line
                   for line in out.splitlines()), role
