"""`seklik up` stopped as systemd or a container runtime stops it (SIGTERM), or with Ctrl-C
(SIGINT): every service it started is gone within 10 seconds, none left running as an orphan."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seklik.cluster import ROOT, service_commands
from tests.support import AMQP_URI, free_port

pytestmark = pytest.mark.integration


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:  # gone meanwhile
                continue
            fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
            if int(fields.get("PPid", "0")) == pid:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie waiting for a parent (or init) to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def reset_sigint():
    # As a terminal's foreground job has it (a background shell would start us ignoring it).
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_seklik_up_stops_every_service_within_ten_seconds(rabbit, tmp_path, sig):
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTGRES_")}
    env.update({"SEKLIK_ENV": "development", "SEKLIK_DATA_DIR": str(tmp_path / "data"),
                "AMQP_URI": AMQP_URI, "PYTHONWARNINGS": "ignore",
                "SEKLIK_CATCHUP_INTERVAL": "1", "SEKLIK_HTTP_PORT": str(free_port())})
    out = tmp_path / "up.out"
    with open(out, "wb") as sink:
        up = subprocess.Popen([sys.executable, "-m", "seklik.cli", "up", "--logs",
                               str(tmp_path / "logs")], cwd=ROOT, env=env, stdout=sink,
                              stderr=subprocess.STDOUT, preexec_fn=reset_sigint)
    services = []
    try:
        deadline = time.monotonic() + 120
        while "SEKLIK is running" not in out.read_text(errors="replace"):
            assert up.poll() is None and time.monotonic() < deadline, out.read_text()
            time.sleep(0.2)
        services = children(up.pid)
        assert len(services) == len(service_commands()), services
        time.sleep(2)  # the feeds' catch-up loops and the relays at work

        up.send_signal(sig)
        stopped_by = time.monotonic() + 10
        while (up.poll() is None or any(running(p) for p in services)) \
                and time.monotonic() < stopped_by:
            time.sleep(0.1)
        left = [p for p in services if running(p)]
        assert up.poll() is not None and not left, (
            f"10 s after {sig.name}: seklik up {'exited' if up.poll() is not None else 'runs'},"
            f" services still running: {left}\n{out.read_text(errors='replace')}")
        assert up.returncode == 0, out.read_text(errors="replace")
    finally:
        for pid in [*services, up.pid]:  # ours only, by pid: never leave them to the next test
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        up.wait()
