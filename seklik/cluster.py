"""Which services make up SEKLIK and how each is started: the same command docker-compose runs.

`SERVICES` is read from docker-compose.yml itself, so the processes `seklik up` and the
integration tests start are exactly the containers' commands.
"""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

# The checkout (editable install) or, for an installed package, the folder it is run from.
ROOT = next(p for p in (Path(__file__).resolve().parents[1], Path.cwd())
            if (p / "docker-compose.yml").exists() or p == Path.cwd())
COMPOSE = ROOT / "docker-compose.yml"


def service_commands() -> dict[str, list[str]]:
    """{service: argv} for every SEKLIK service container in docker-compose.yml."""
    compose = yaml.safe_load(COMPOSE.read_text())
    commands = {}
    for name, spec in compose["services"].items():
        command = spec.get("command")
        if isinstance(command, str):
            command = shlex.split(command)
        if command and command[:2] == ["nameko", "run"]:
            commands[name] = command
    return commands


def service_class(service: str):
    import importlib

    module, _, name = service_commands()[service][-1].partition(":")
    return getattr(importlib.import_module(module), name)


def event_sourced(service: str) -> bool:
    """Whether `service` keeps an event store (the gateway keeps none: no log to audit, no
    key of its own)."""
    from shared.service import EventSourcedService

    return issubclass(service_class(service), EventSourcedService)


def durable_queues() -> list[str]:
    """Every queue a SEKLIK service declares that outlives its processes (RPC and feeds)."""
    from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

    from shared.consumer import TrackedEvents

    queues = []
    for service in service_commands():
        queues.append(f"rpc-{service}")
        cls = service_class(service)
        for attr in dir(cls):
            for ext in getattr(getattr(cls, attr), ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if isinstance(ext, TrackedEvents):
                    queues.append(ext.queue_name(service, attr))
    return queues


def spawn(service: str, env: dict, log_path: Path | None = None) -> subprocess.Popen:
    argv = [sys.executable, "-m", *service_commands()[service]]
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    return subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env}, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)


def terminate(proc: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 20) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def stop_all(procs, sig=signal.SIGTERM, grace: float = 6) -> None:
    """Stop every process at once: `sig` to each process group, then wait for them together;
    whoever still runs after `grace` seconds is killed (SIGKILL).

    A nameko service stops in about 2 s (its consumers notice a stop on their next 1 s drain
    tick, twice), longer while a worker waits for another service's answer: one after the other
    five of them took over 20 s, and a service stopped first leaves the others' calls to it
    waiting for their timeouts.
    """
    live = [p for p in procs if p.poll() is None]
    for proc in live:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:  # exited meanwhile
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(p.poll() is None for p in live):
        time.sleep(0.05)
    for proc in live:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for proc in live:
        proc.wait()


def wait_answering(rpc_factory, service: str, proc: subprocess.Popen, log_path: Path | None,
                   timeout: float = 60) -> None:
    """Until `proc` itself consumes (its log says so) and `service` answers RPC (`health`,
    which every service has, the gateway too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:] if log_path else ""
            raise RuntimeError(f"{service} exited with {proc.returncode}:\n{tail}")
        if log_path is None or "Connected to amqp" in log_path.read_text(errors="replace"):
            break
        time.sleep(0.2)
    with rpc_factory(timeout=2) as rpc:  # one proxy for every try: each leaves a reply queue
        while time.monotonic() < deadline:
            try:
                getattr(rpc, service).health()
                return
            except Exception:
                time.sleep(0.3)
    raise RuntimeError(f"{service} did not answer RPC within {timeout:.0f}s")
