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


OURS = "seklik-bench-"


def forget_abandoned() -> None:
    """Delete the vhosts of benchmark runs that were killed before they could."""
    listing = subprocess.run(["rabbitmqctl", "-q", "list_vhosts"], check=True,
                             capture_output=True, text=True, timeout=60).stdout.split()
    for vhost in listing:
        pid = vhost.removeprefix(OURS).split("-")[0]
        if vhost.startswith(OURS) and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            rabbitmqctl("delete_vhost", vhost)


@contextlib.contextmanager
def own_vhost(step: str = ""):
    """Point AMQP_URI at a new vhost for the duration; the vhost goes with everything in it.
    Inside another of ours (`make bench` runs each benchmark in a `step` of its own), a new
    one too: the feed queues one benchmark filled are not drained by the next one's
    services. A broker given by AMQP_URI, or without rabbitmqctl, is used as it is."""
    before = os.environ.get("AMQP_URI")
    if shutil.which("rabbitmqctl") is None or (
            before is not None and not before.startswith(DEFAULT + OURS)):
        yield uri()
        return
    name = f"{OURS}{os.getpid()}" + (f"-{step}" if step else "")
    if before is None:
        forget_abandoned()
    rabbitmqctl("add_vhost", name)
    rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    os.environ["AMQP_URI"] = f"{DEFAULT}{name}"
    try:
        yield os.environ["AMQP_URI"]
    finally:
        if before is None:
            del os.environ["AMQP_URI"]
        else:
            os.environ["AMQP_URI"] = before
        rabbitmqctl("delete_vhost", name)
