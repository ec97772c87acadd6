"""Least privilege on RabbitMQ: each service its own user, allowed only what it publishes and
consumes (derived from the service classes themselves, so it cannot drift from the code).

What a SEKLIK service S touches:
- as an RPC server: the `nameko-rpc` exchange and its queue `rpc-S`, bound with `S.*`; it
  publishes each reply with the caller's reply key (a bare uuid4, nameko's `reply_to`);
- as an RPC client (feeds fetching gaps, reporting's queries, the compose health check): reply
  queues `rpc.reply-S-<uuid>` (nameko's RpcProxy) and `rpc.reply-standalone_rpc_proxy-<uuid>`
  (ClusterRpcProxy), each bound to `nameko-rpc` with its uuid; requests `<service>.<method>`;
- its relay: the exchange `S.events`, which it declares and publishes to, and the shared
  exchange `seklik.checkpoints` (its signed checkpoints, routing key S), likewise;
- for each source X it follows: its queue `seklik.X--S.<method>`, bound to `X.events` (which
  nameko declares too, hence configure on it; it never publishes there).
The witness: `cli` (an inspectorate's or auditor's system) may declare queues of its own named
`seklik.witness.<name>`, bind them to `seklik.checkpoints` and read them: it receives every
service's signed checkpoints, which are public by design (each verifies with the service's public
key), and it can neither publish there nor declare the exchange. A service publishes there under
its own name only (topic permissions).
`seklik broker-definitions` writes RabbitMQ definitions (users with salted SHA-256 password
hashes, permissions, topic permissions) that the broker loads at boot
(deploy/rabbitmq/rabbitmq.conf).

RPC privacy. Every request and reply passes through the one topic exchange `nameko-rpc`, with
the caller's bearer token in its headers; a queue bound with `#` would see them all. Vhost
permissions cannot tell a binding key from another, so each user also gets RabbitMQ topic
permissions on `nameko-rpc` (checked against a binding's key for `read` and a published
message's key for `write`; without them a user may bind any key):
- read: a uuid-shaped key (its own reply queue: another caller's replies are reachable only by
  knowing that caller's uuid4), and `S.*` for the service user S itself. `#`, `*.*`,
  another service's `X.*` are refused.
- write: requests `<service>.<method>` to SEKLIK's services, and uuid-shaped reply keys for
  service users only (they answer calls): `cli` cannot publish a reply at all.
A service does learn the reply key of whoever calls it (it must answer there), so a service
that is itself compromised could bind that key and read or forge that caller's other replies:
the broker cannot tell apart a reply key learnt by answering from one learnt by listening.
`admin` (the operator's management account) keeps every right.
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


RPC_EXCHANGE = "nameko-rpc"
# nameko's reply key: str(uuid.uuid4()). Nothing else matches it, a wildcard least of all.
REPLY_KEY = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
STANDALONE_REPLIES = r"rpc\.reply-standalone_rpc_proxy-.*"  # ClusterRpcProxy's reply queues
CHECKPOINTS = r"seklik\.checkpoints"  # every service's signed checkpoints (the witness exchange)
WITNESS_QUEUES = r"seklik\.witness\..*"


def anchored(parts) -> str:
    return "^(" + "|".join(parts) + ")$"


def request_keys() -> str:
    """`<service>.<method>` for SEKLIK's own services: what a caller may publish."""
    services = "|".join(re.escape(s) for s in service_commands())
    return rf"(?:{services})\.[A-Za-z_][A-Za-z0-9_]*"


def topic_permissions(user: str) -> dict[str, str]:
    """What `user` may bind to (read) and publish on (write) the `nameko-rpc` exchange."""
    if user == "cli":
        return {"read": anchored([REPLY_KEY]), "write": anchored([request_keys()])}
    return {"read": anchored([REPLY_KEY, rf"{re.escape(user)}\.\*"]),
            "write": anchored([request_keys(), REPLY_KEY])}


def permissions(service: str) -> dict[str, str]:
    s = re.escape(service)
    sources = sources_of(service)
    rpc = [RPC_EXCHANGE, rf"rpc-{s}", rf"rpc\.reply-{s}-.*", STANDALONE_REPLIES]
    feeds = [rf"seklik\.{re.escape(x)}--{s}\..*" for x in sources]
    source_exchanges = [rf"{re.escape(x)}\.events" for x in sources]
    own = [rf"{s}\.events", CHECKPOINTS]
    return {"configure": anchored(rpc + own + feeds + source_exchanges),
            "write": anchored(rpc + own + feeds),
            "read": anchored(rpc + feeds + source_exchanges)}


# The seklik command line and other systems: RPC calls through ClusterRpcProxy only.
# A witness (below) binds queues of its own to the checkpoints exchange and reads them.
CLI_PERMISSIONS = {
    "configure": anchored([RPC_EXCHANGE, STANDALONE_REPLIES, WITNESS_QUEUES]),
    "write": anchored([RPC_EXCHANGE, STANDALONE_REPLIES, WITNESS_QUEUES]),
    "read": anchored([RPC_EXCHANGE, STANDALONE_REPLIES, WITNESS_QUEUES, CHECKPOINTS])}


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + SHA-256(salt + password))."""
    salt = salt if salt is not None else os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def definitions(passwords: dict[str, str], vhost: str = "/", prefix: str = "") -> dict:
    """Users `<prefix><service>` (and `<prefix>cli`, `<prefix>admin`) with their permissions
    and, but for `admin`, their topic permissions on `nameko-rpc`."""
    users, grants, topics = [], [], []
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
        if name != "admin":
            topics.append({"user": user, "vhost": vhost, "exchange": RPC_EXCHANGE,
                           **topic_permissions(name)})
            # On the witness exchange a service publishes under its own name only; a witness
            # binds any service's name (it verifies each checkpoint with that service's key).
            topics.append({"user": user, "vhost": vhost, "exchange": "seklik.checkpoints",
                           **({"read": anchored([".*"]), "write": "^$"} if name == "cli" else
                              {"read": "^$", "write": anchored([re.escape(name)])})})
    return {"users": users, "vhosts": [{"name": vhost}], "permissions": grants,
            "topic_permissions": topics}


def passwords_from_env(environ=os.environ) -> dict[str, str]:
    names = (*service_commands(), "cli", "admin")
    missing = [f"RABBITMQ_{n.upper()}_PASSWORD" for n in names
               if not environ.get(f"RABBITMQ_{n.upper()}_PASSWORD")]
    if missing:
        raise SystemExit("set " + ", ".join(missing))
    return {n: environ[f"RABBITMQ_{n.upper()}_PASSWORD"] for n in names}
