"""Least privilege on RabbitMQ: each service its own user, allowed only what it publishes and
consumes (derived from the service classes themselves, so it cannot drift from the code).

What a SEKLIK service S touches:
- as an RPC server: the `nameko-rpc` exchange and its queue `rpc-S`;
- as an RPC client (feeds fetching gaps, health checks): reply queues `rpc.reply-*`;
- its relay: the exchange `S.events`, which it declares and publishes to;
- for each source X it follows: its queue `seklik.X--S.<method>`, bound to `X.events` (which
  nameko declares too, hence configure on it; it never publishes there).
`seklik broker-definitions` writes RabbitMQ definitions (users with salted SHA-256 password
hashes, permissions) that the broker loads at boot (deploy/rabbitmq/rabbitmq.conf).
"""
from __future__ import annotations

import base64
import hashlib
import os
import re

from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from seklik.cluster import service_class, service_commands


def sources_of(service: str) -> list[str]:
    from shared.consumer import TrackedEvents

    cls = service_class(service)
    return sorted({ext.source_service for name in dir(cls)
                   for ext in getattr(getattr(cls, name), ENTRYPOINT_EXTENSIONS_ATTR, ())
                   if isinstance(ext, TrackedEvents)})


def permissions(service: str) -> dict[str, str]:
    s = re.escape(service)
    sources = sources_of(service)
    rpc = [r"nameko-rpc", rf"rpc-{s}", r"rpc\.reply-.*"]
    feeds = [rf"seklik\.{re.escape(x)}--{s}\..*" for x in sources]
    source_exchanges = [rf"{re.escape(x)}\.events" for x in sources]
    own = [rf"{s}\.events"]

    def anchored(parts):
        return "^(" + "|".join(parts) + ")$"

    return {"configure": anchored(rpc + own + feeds + source_exchanges),
            "write": anchored(rpc + own + feeds),
            "read": anchored(rpc + feeds + source_exchanges)}


CLI_PERMISSIONS = {  # the seklik command line and other systems: RPC calls only
    "configure": r"^(nameko-rpc|rpc\.reply-.*)$", "write": r"^(nameko-rpc|rpc\.reply-.*)$",
    "read": r"^(nameko-rpc|rpc\.reply-.*)$"}


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + SHA-256(salt + password))."""
    salt = salt if salt is not None else os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def definitions(passwords: dict[str, str], vhost: str = "/", prefix: str = "") -> dict:
    """Users `<prefix><service>` (and `<prefix>cli`, `<prefix>admin`) with their permissions."""
    users, grants = [], []
    for name in (*service_commands(), "cli", "admin"):
        user = f"{prefix}{name}"
        users.append({"name": user, "password_hash": password_hash(passwords[name]),
                      "hashing_algorithm": "rabbit_password_hashing_sha256",
                      "tags": ["administrator"] if name == "admin" else []})
        if name == "admin":
            grant = {"configure": ".*", "write": ".*", "read": ".*"}
        elif name == "cli":
            grant = CLI_PERMISSIONS
        else:
            grant = permissions(name)
        grants.append({"user": user, "vhost": vhost, **grant})
    return {"users": users, "vhosts": [{"name": vhost}], "permissions": grants}


def passwords_from_env(environ=os.environ) -> dict[str, str]:
    names = (*service_commands(), "cli", "admin")
    missing = [f"RABBITMQ_{n.upper()}_PASSWORD" for n in names
               if not environ.get(f"RABBITMQ_{n.upper()}_PASSWORD")]
    if missing:
        raise SystemExit("set " + ", ".join(missing))
    return {n: environ[f"RABBITMQ_{n.upper()}_PASSWORD"] for n in names}
