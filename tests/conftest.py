"""Fixtures shared by the three layers of tests.

unit/         the domain and kernel, no broker (SQLite files in tmp_path)
service/      nameko services through worker_factory and entrypoint_hook
integration/  services started with `nameko run` as their own processes, driven with
              ClusterRpcProxy, on real RabbitMQ and PostgreSQL

A test that needs RabbitMQ or PostgreSQL fails, loudly, when it is not there: it never skips.
"""
from __future__ import annotations

import os
import warnings

# The suite runs as a developer's machine does: well-known development keys where a test does
# not set its own (a production deployment refuses to start without every secret).
os.environ["SEKLIK_ENV"] = "development"

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # eventlet announces its own deprecation
    import eventlet

eventlet.monkey_patch()  # as `nameko run` does: the suite runs the code the way services do

import nameko.rpc  # noqa: E402

# Every ClusterRpcProxy leaves its reply queue behind for RPC_REPLY_QUEUE_TTL (5 minutes by
# default); the suite opens hundreds of them, which a broker restart must then recover.
nameko.rpc.RPC_REPLY_QUEUE_TTL = 10_000

import itertools
import shutil
import socket
import subprocess
import uuid

import pytest

from shared.config import Settings
from tests.support import AMQP_URI, OWN_VHOST, PG_HOST, PG_PORT


def require(host: str, port: int, what: str, how: str) -> None:
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        pytest.fail(f"{what} is not reachable at {host}:{port} ({exc}). Start it: {how}",
                    pytrace=False)


@pytest.fixture(scope="session")
def rabbit():
    """The broker URI of this session: its own vhost (tests/support.py), made here for the
    suite's guest user and deleted at the end with every queue in it."""
    require("127.0.0.1", 5672, "RabbitMQ", "rabbitmq-server -detached")
    if OWN_VHOST is None:
        yield AMQP_URI
        return
    rabbitmqctl("add_vhost", OWN_VHOST)
    rabbitmqctl("set_permissions", "-p", OWN_VHOST, "guest", ".*", ".*", ".*")
    try:
        yield AMQP_URI
    finally:
        rabbitmqctl("delete_vhost", OWN_VHOST)


def rabbitmqctl(*args: str) -> None:
    if shutil.which("rabbitmqctl") is None:
        pytest.fail("rabbitmqctl is needed to give this test session a RabbitMQ vhost of its "
                    "own (or set AMQP_URI to a vhost to use)", pytrace=False)
    done = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        pytest.fail(f"rabbitmqctl {' '.join(args)} failed: {done.stdout}{done.stderr}",
                    pytrace=False)


@pytest.fixture(scope="session")
def postgres():
    """A database of its own for this test session, dropped at the end."""
    require(PG_HOST, PG_PORT, "PostgreSQL",
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start")
    import psycopg

    user = os.environ.get("POSTGRES_USER", "postgres")
    name = f"seklik_test_{uuid.uuid4().hex[:8]}"
    admin = f"host={PG_HOST} port={PG_PORT} user={user} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield {"POSTGRES_HOST": PG_HOST, "POSTGRES_PORT": str(PG_PORT), "POSTGRES_DBNAME": name,
           "POSTGRES_USER": user, "POSTGRES_PASSWORD": os.environ.get("POSTGRES_PASSWORD", "")}
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_schema_counter = itertools.count(1)


@pytest.fixture
def sqlite_settings(tmp_path) -> Settings:
    return Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path / "data"), "AMQP_URI": AMQP_URI})


@pytest.fixture
def pg_settings(postgres) -> Settings:
    """Settings whose every service gets fresh schemas (a new prefix per test)."""
    prefix = f"t{os.getpid()}_{next(_schema_counter)}_"
    return Settings.from_env({**postgres, "POSTGRES_SCHEMA_PREFIX": prefix,
                              "AMQP_URI": AMQP_URI})
