"""python -m bench.gateway [--store sqlite|postgres] [--no-doc]

Calls per second through the HTTP gateway against the same RPC methods called directly, in the
same run, with the same callers (1 and 8): two reads (get_partner, budget_status) and a command
(place_order, with a command id / Idempotency-Key). Issue 14's target is that the gateway keeps
at least 0.8 of the direct rate; it is printed beside each ratio, not asserted.

The services and the gateway run as processes (`nameko run`, as docker-compose runs them) on the
local RabbitMQ, with the demo regency of bench/commands.py. A caller is a thread with its own
connection, opened before the clock starts: a ClusterRpcProxy directly (nameko's own client, as
other systems call SEKLIK), a keep-alive HTTP/1.1 connection of the standard library's
http.client through the gateway: a lean client such as a calling system uses. It was a
requests.Session, whose own Python cost 0.85 ms of CPU a call against http.client's 0.15 ms
(and ClusterRpcProxy's 0.65 ms), so that the figure measured the client library more than the
gateway. Each figure runs direct, gateway, gateway, direct and adds up each side's two runs,
so that a drift of the machine during a figure falls on both.
`python -m bench` runs it too; both write its own section of docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from nameko.standalone.rpc import ClusterRpcProxy

from bench import broker
from bench.commands import YEAR, Bench, Regency
from seklik.tables import render
from shared.auth import development_key, mint_token
from shared.config import Settings
from shared.errors import Conflict

CALLS = 400          # calls per run, shared by the callers
CALLERS = (1, 8)
TARGET = 0.8         # issue 14: the gateway keeps at least this share of the direct rate
START = "<!-- python -m bench.gateway writes from here -->"
END = "<!-- the gateway's figures end here -->"


@dataclass(frozen=True)
class Call:
    """One RPC method, called directly and through its route."""
    name: str
    kind: str
    role: str
    direct: Callable      # (rpc, n) -> answer
    http: Callable        # n -> (verb, path, body, headers)


def calls(regency: Regency) -> list[Call]:
    partner = regency.active[0]
    contract = regency.contracts

    def command_id(n):
        return f"bench-gateway-order-{n}"

    return [
        Call("get_partner", "read", "admin",
             lambda rpc, n: rpc.partners.get_partner(partner),
             lambda n: ("GET", f"/v1/partners/{partner}", None, {})),
        Call("budget_status", "read", "finance",
             lambda rpc, n: rpc.contracts.budget_status(YEAR),
             lambda n: ("GET", f"/v1/budgets/{YEAR}", None, {})),
        Call("place_order", "command", "finance",
             lambda rpc, n: rpc.contracts.place_order(
                 contract[n % len(contract)], regency.order(n), command_id=command_id(n)),
             lambda n: ("POST", f"/v1/contracts/{contract[n % len(contract)]}/orders",
                        regency.order(n), {"Idempotency-Key": command_id(n)})),
    ]


class Retry(Exception):
    """The call collided with another caller's change: a calling system sends it again."""


class Gateway:
    """The gateway at `base` and the broker behind it; a caller holds one token for a role
    (minted once, as a calling system keeps one for its 15 minutes) on either path."""

    def __init__(self, base: str, env: dict):
        self.base = base
        self.amqp_uri = env["AMQP_URI"]
        self.regency_code = Settings.from_env(env).regency_code

    def bearer(self, role: str) -> str:
        return "Bearer " + mint_token(development_key(), f"bench.{role}", [role],
                                      regency=self.regency_code)

    def direct(self, role: str) -> ClusterRpcProxy:
        return ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=60,
                               context_data={"authorization": self.bearer(role)})

    @contextlib.contextmanager
    def session(self, role: str):
        """A keep-alive HTTP/1.1 connection (the standard library's http.client) and the
        headers every request on it carries."""
        address = urlsplit(self.base)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        connection.connect()
        try:
            yield connection, {"Authorization": self.bearer(role)}
        finally:
            connection.close()

    def call(self, session, verb: str, path: str, body, headers: dict):
        connection, common = session
        headers = {**common, **headers}
        if body is not None:
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection.request(verb, path, body=body, headers=headers)
        answer = connection.getresponse()
        text = answer.read()
        if answer.status == 409 and json.loads(text).get("code") == "concurrent_change":
            raise Retry()
        if answer.status != 200:
            raise RuntimeError(f"{verb} {path} answered {answer.status}: {text.decode()}")
        return json.loads(text)


def rate(callers: int, connect, call, numbers, count: int = CALLS) -> float:
    """Calls per second of `call(connection, n)` from `callers` threads sharing `count` calls,
    each with the connection `connect()` opens before the clock starts."""
    per_caller, ready = count // callers, threading.Barrier(callers + 1)

    def caller():
        with connect() as connection:
            ready.wait()
            for _ in range(per_caller):
                n = next(numbers)
                while True:
                    try:
                        call(connection, n)
                        break
                    except (Conflict, Retry):  # collided 5 times in the service: again
                        pass

    threads = [threading.Thread(target=caller) for _ in range(callers)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return callers * per_caller / (time.perf_counter() - started)


def figure(gateway: Gateway, call: Call, callers: int, numbers) -> dict:
    sides = {
        "direct": lambda: rate(callers, lambda: gateway.direct(call.role),
                               call.direct, numbers),
        "gateway": lambda: rate(callers, lambda: gateway.session(call.role),
                                lambda s, n: gateway.call(s, *call.http(n)), numbers),
    }
    took = {"direct": [], "gateway": []}
    for warm_up in sides.values():  # the first calls of a connection and a process cost more
        warm_up()
    for side in ("direct", "gateway", "gateway", "direct"):
        took[side].append(CALLS / sides[side]())  # seconds for a run's calls
    direct, through = (2 * CALLS / sum(took[side]) for side in ("direct", "gateway"))
    return {"call": f"{call.name} ({call.kind})", "callers": callers,
            "direct RPC/s": round(direct), "gateway HTTP/s": round(through),
            "gateway/direct": f"{through / direct:.2f}", "target": f">= {TARGET:.2f}",
            "meets": "yes" if through / direct >= TARGET else "no"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(store: str = "sqlite") -> list[dict]:
    rows, load = [], os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp), store)
        port = free_port()
        bench.env["SEKLIK_HTTP_PORT"] = str(port)
        gateway = Gateway(f"http://127.0.0.1:{port}", bench.env)
        regency = Regency(bench)
        try:
            for service in ("partners", "assessment", "contracts", "gateway"):
                bench.start(service)
            regency.open_round()
            regency.open_trade()
            for call in calls(regency):
                for callers in CALLERS:
                    bench.settle()
                    rows.append(figure(gateway, call, callers, bench.numbers))
        finally:
            bench.stop()
    print(f"The HTTP gateway against the same RPC called directly "
          f"({'PostgreSQL' if store == 'postgres' else 'SQLite'} stores, local RabbitMQ), "
          f"{CALLS} calls per run, each figure from 2 runs a side (direct, gateway, gateway, "
          f"direct); a caller is a thread with its own connection (a ClusterRpcProxy, or a "
          f"keep-alive http.client connection); load average {load:.1f} before it started")
    print(render(rows, list(rows[0])))
    return rows


def write_section(store: str = "sqlite") -> None:
    """Run, print, and rewrite the gateway's section of docs/benchmarks.md."""
    from bench.__main__ import Tee, write

    out = Tee()
    with contextlib.redirect_stdout(out):
        print(f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC: "
              f"`python -m bench.gateway --store {store}`\n\n```")
        main(store)
        print("```")
    write(Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md", out.getvalue(),
          START, END)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.gateway")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/benchmarks.md as is")
    args = parser.parse_args()
    with broker.own_vhost():
        if args.no_doc:
            main(args.store)
        else:
            write_section(args.store)
