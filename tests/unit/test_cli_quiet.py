"""`seklik` run as installed (not through `make`, which sets PYTHONWARNINGS) prints its own
output only: no warning of a dependency that its user cannot act on."""
import os
import subprocess
import sys
from pathlib import Path


def test_the_installed_command_prints_no_dependency_warning():
    seklik = Path(sys.executable).with_name("seklik")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    done = subprocess.run([str(seklik), "keygen"], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith("# SEKLIK keys")
