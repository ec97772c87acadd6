"""Services as their own processes (`nameko run`, as docker-compose runs them), and a caller.

`Cluster` starts and kills service processes with one environment, waits until each answers
RPC, and gives a ClusterRpcProxy with a token, the way another government system calls SEKLIK.
`Tap` is a queue of the test's own bound to a service's events exchange: what any subscriber
would receive.
"""
from __future__ import annotations

import json
import os
import signal
import time
from contextlib import contextmanager
from pathlib import Path

from kombu import Connection, Exchange, Queue
from nameko.standalone.rpc import ClusterRpcProxy

from seklik.cluster import durable_queues, spawn, stop_all, terminate, wait_answering
from shared.auth import bearer
from shared import transport  # noqa: F401  (RPC messages stay off the broker's disk)
from tests.support import AMQP_URI, free_port, token


class ServiceProcess:
    """One service process started with its docker-compose command."""

    def __init__(self, service: str, env: dict, log_path: Path):
        self.service = service
        self.env = env
        self.log_path = log_path
        self.proc = spawn(service, env, log_path)
        self.restarts = 0

    def kill(self, sig=signal.SIGKILL) -> None:
        terminate(self.proc, sig)

    def stop(self) -> None:
        terminate(self.proc)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


class Cluster:
    def __init__(self, env: dict, workdir: Path):
        self.env = {**os.environ, **env, "PYTHONWARNINGS": "ignore"}
        self.workdir = workdir
        self.amqp_uri = env["AMQP_URI"]
        self.processes: list[ServiceProcess] = []
        with Connection(self.amqp_uri) as conn:
            channel = conn.default_channel
            for name in durable_queues():  # a test starts from none of them
                channel.queue_delete(name)

    def start(self, service: str, wait: bool = True, **env) -> ServiceProcess:
        n = len(self.processes)
        proc = ServiceProcess(service, {**self.env, **env}, self.workdir / f"{service}-{n}.log")
        self.processes.append(proc)
        if wait:
            wait_answering(lambda timeout: self.rpc("system", timeout=timeout), service,
                           proc.proc, proc.log_path)
        return proc

    @contextmanager
    def rpc(self, *roles: str, sub: str = "integration", timeout: float = 30, **claims):
        context = bearer(token(*roles, sub=sub, **claims)) if roles else {}
        with ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=timeout,
                             context_data=context) as proxy:
            yield proxy

    def stop(self) -> None:
        """Every process at once (one after the other, five took ten seconds a test): the
        supervisor first, so that nothing it restarts outlives the cluster."""
        self._supervising = False
        if getattr(self, "_watcher", None) is not None:
            self._watcher.kill()
        stop_all([proc.proc for proc in self.processes])

    def supervise(self, interval: float = 0.5) -> None:
        """Restart any service process that exits, as docker-compose's `restart:
        unless-stopped` does (nameko 2.14 exits when an ack meets a dead broker connection)."""
        import eventlet

        self._supervising = True

        def watch():
            while self._supervising:
                for proc in self.processes:
                    if proc.proc.poll() is not None and self._supervising:
                        proc.proc = spawn(proc.service, proc.env, proc.log_path)
                        proc.restarts += 1
                eventlet.sleep(interval)

        self._watcher = eventlet.spawn(watch)


@contextmanager
def behind_gateway(postgres: dict, workdir: Path, services, prefix: str):
    """`services` and the HTTP gateway as processes on fresh PostgreSQL schemas (`prefix` and
    a random part), the gateway on a free port: the cluster, with `base` its address."""
    import uuid

    port = free_port()
    env = {**postgres, "POSTGRES_SCHEMA_PREFIX": f"{prefix}_{uuid.uuid4().hex[:8]}_",
           "AMQP_URI": AMQP_URI, "SEKLIK_DATA_DIR": str(workdir / "data"),
           "SEKLIK_CATCHUP_INTERVAL": "1", "SEKLIK_RELAY_INTERVAL": "0.2",
           "SEKLIK_HTTP_PORT": str(port)}
    cluster = Cluster(env, workdir)
    try:
        for service in services:
            cluster.start(service)
        cluster.start("gateway")
        cluster.base = f"http://127.0.0.1:{port}"
        yield cluster
    finally:
        cluster.stop()


class Tap:
    """A durable queue of the test's own, bound to every event of `service`."""

    def __init__(self, amqp_uri: str, service: str, name: str):
        self.amqp_uri = amqp_uri
        self.conn = Connection(amqp_uri)
        self.exchange = Exchange(f"{service}.events", type="topic", durable=True)
        self.queue = Queue(name, exchange=self.exchange, routing_key="#", durable=True)
        channel = self.conn.default_channel
        self.queue(channel).delete()
        self.queue(channel).declare()

    def _reconnect(self) -> None:
        """After a broker restart: the durable queue kept its messages; a new connection."""
        try:
            self.conn.release()
        except Exception:  # the old connection is already gone
            pass
        self.conn = Connection(self.amqp_uri)
        self.conn.ensure_connection(max_retries=30, interval_start=1, interval_step=1)

    def drain(self, until_count: int = 0, timeout: float = 10.0,
              until_type: str | None = None) -> list[dict]:
        """Every envelope waiting, or arriving before `timeout` until there are `until_count`
        of them or one of type `until_type`."""
        received, deadline = [], time.monotonic() + timeout
        bound = self.queue(self.conn.default_channel)
        while True:
            try:
                message = bound.get(no_ack=True)
            except (ConnectionError, OSError) + self.conn.recoverable_connection_errors:
                self._reconnect()
                bound = self.queue(self.conn.default_channel)
                continue
            if message is not None:
                received.append(json.loads(message.body))
                continue
            done = (any(e["type"] == until_type for e in received) if until_type
                    else len(received) >= until_count)
            if done or time.monotonic() > deadline:
                return received
            time.sleep(0.1)

    def publish(self, envelope: dict) -> None:
        """Deliver an envelope the way the relay would (for duplicate deliveries)."""
        producer = self.conn.Producer()
        producer.publish(envelope, exchange=self.exchange, routing_key=envelope["type"],
                         serializer="json", delivery_mode=2)

    def close(self) -> None:
        self.queue(self.conn.default_channel).delete()
        self.conn.release()
