"""The broker the benchmarks use: a virtual host of their own on the local RabbitMQ.

The benchmarks start services under the same names as a deployment's and the tests' (their
queues are `rpc-partners`, `seklik.partners--assessment.on_partners_event`...); on a vhost of
their own they neither answer another's calls nor find another's messages waiting in a durable
queue. Without rabbitmqctl (a broker elsewhere) they use AMQP_URI as it is.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess

DEFAULT = "amqp://guest:guest@127.0.0.1:5672/"


def uri() -> str:
    return os.environ.get("AMQP_URI", DEFAULT)


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def forget_abandoned() -> None:
    """Delete the vhosts of benchmark runs that were killed before they could."""
    listing = subprocess.run(["rabbitmqctl", "-q", "list_vhosts"], check=True,
                             capture_output=True, text=True, timeout=60).stdout.split()
    for vhost in listing:
        pid = vhost.removeprefix("seklik-bench-")
        if pid != vhost and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            rabbitmqctl("delete_vhost", vhost)


@contextlib.contextmanager
def own_vhost(name: str = f"seklik-bench-{os.getpid()}"):
    """Point AMQP_URI at a new vhost for the duration; the vhost goes with everything in it."""
    if shutil.which("rabbitmqctl") is None or "AMQP_URI" in os.environ:
        yield uri()
        return
    forget_abandoned()
    rabbitmqctl("add_vhost", name)
    rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    os.environ["AMQP_URI"] = f"{DEFAULT}{name}"
    try:
        yield os.environ["AMQP_URI"]
    finally:
        del os.environ["AMQP_URI"]
        rabbitmqctl("delete_vhost", name)
