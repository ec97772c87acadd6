"""The aggregate base every service's domain builds on: attributable, hash-chained events.

Every event records who caused it (`actor`) and carries `prev_hash` and `hash`, where

    hash = SHA-256(canonical JSON of {id, version, type, schema_version, timestamp, actor,
                                      payload, prev_hash})

over the event *as first recorded*: `schema_version` is the event class's `class_version` when
the event was recorded (1 unless the class says otherwise), and `payload` its business state
then, before any upcaster of a later release reshaped it. So a release that gives an event class
a new version and an `upcast_vX_vY` leaves every hash recorded before it valid: the envelope of
such an event carries the current shape in `payload` (what consumers read) and what the hash
commits to in `recorded` = {schema_version, payload} (shared/application.py, `envelope`). The
payload is *committed*: each personal number in it (shared/personal.py) counts as "hmac:" + its
keyed digest, which a sealed number carries beside its ciphertext. So each aggregate's history
is a chain an auditor can recompute from the published envelopes alone, holding no key (see
`chain_hash`, `hashed_fields`), and a number changed at rest still breaks it. An upcaster changes
the payload only: never id, version, timestamp, actor, prev_hash or hash. The actor comes from
`acting_as(...)`, which the application opens around a command; an event triggered outside it is
refused, so no anonymous change exists. Pure Python: no I/O.

(schema_version joined the hash with issue 12: histories recorded before it do not verify under
this definition. No kept history predates it.)
"""
from __future__ import annotations

import contextvars
import dataclasses
import datetime as dt
import functools
import hashlib
import inspect
import json
import uuid
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate as _Aggregate

from shared.personal import committed

GENESIS = "0" * 64
ENVELOPE_FIELDS = ("originator_id", "originator_version", "timestamp", "originator_topic",
                   "actor", "prev_hash", "hash")

_actor: contextvars.ContextVar[dict | None] = contextvars.ContextVar("seklik_actor", default=None)


def utcnow() -> dt.datetime:
    """When an event happens. The one clock of every event (tests may set another)."""
    return dt.datetime.now(dt.timezone.utc)


class AnonymousChange(RuntimeError):
    """An event was triggered with no actor: a programming error, never a user error."""


def make_actor(sub: str, roles) -> dict:
    return {"sub": str(sub), "roles": sorted(str(r) for r in roles)}


def actor_for_envelope(consumer: str, envelope: dict) -> dict:
    """The actor of a change a consumer makes by itself: it names the event that caused it."""
    return {"sub": f"{consumer}.feed", "roles": ["system"], "cause": {
        "source": envelope["source"], "notification_id": envelope["notification_id"],
        "type": envelope["type"], "hash": envelope["hash"],
        "by": envelope["actor"].get("sub")}}


@contextmanager
def acting_as(actor: dict):
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def current_actor() -> dict:
    actor = _actor.get()
    if not actor or not actor.get("sub"):
        raise AnonymousChange("an event was triggered outside acting_as(actor)")
    return actor


def jsonable(value: Any) -> Any:
    """The JSON-safe form of event state; applying it twice changes nothing."""
    if isinstance(value, (str, int, float)) or value is None:  # most values: as they are
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [jsonable(v) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: SEKLIK times are UTC")
        return value.astimezone(dt.timezone.utc).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        raise ValueError(f"Decimal {value} in event state: money is whole rupiah (int)")
    if dataclasses.is_dataclass(value):
        return jsonable(dataclasses.asdict(value))
    return value


# The canonical form's one encoder: json.dumps with these options builds a new one per call, a
# fifth of what encoding an event costs (verify encodes every event). It keeps no state.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(value: Any) -> bytes:
    return _CANONICAL.encode(jsonable(value)).encode()


def chain_hash(*, originator_id, originator_version: int, type: str, schema_version: int,
               timestamp, actor: dict, payload: dict, prev_hash: str,
               json_safe: bool = False) -> str:
    """The hash of one event as first recorded: `schema_version` and `payload` are the ones it
    was recorded with (an envelope's `recorded` when there is one, see `hashed_fields`);
    personal numbers in the payload, plain or sealed, count by their digest (`committed`).

    `json_safe=True` says the fields are JSON values already (an envelope's, as verifiers
    read them), so they are not walked again to make them so: verify's main cost per event."""
    fields = {"id": originator_id, "version": originator_version, "type": type,
              "schema_version": schema_version, "timestamp": timestamp, "actor": actor,
              "payload": payload, "prev_hash": prev_hash}
    if not json_safe:
        fields = jsonable(fields)
    fields["payload"] = committed(fields["payload"])
    return hashlib.sha256(_CANONICAL.encode(fields).encode()).hexdigest()


def versioned(event_class, *upcasters) -> None:
    """Raise `event_class` to version len(upcasters) + 1: `upcasters[i]` reshapes, in place,
    the state of an event recorded under version i + 1 into version i + 2 (eventsourcing's
    `upcast_vX_vY`, run as a stored event is read). Hashes stay those recorded (see above)."""
    for n, upcast in enumerate(upcasters, start=1):
        setattr(event_class, f"upcast_v{n}_v{n + 1}", staticmethod(upcast))
    event_class.class_version = len(upcasters) + 1


def schema_version_of(event_class) -> int:
    """The version an event class records its events under (eventsourcing's class_version)."""
    return getattr(event_class, "class_version", 1)


def hashed_fields(env: dict) -> tuple:
    """(schema_version, payload) that an envelope's hash commits to: its `recorded` copy when
    the event was recorded under an older class_version (and is upcast now), else its own.
    A missing schema_version counts as None, which hashes as no real event does."""
    recorded = env.get("recorded")
    if isinstance(recorded, dict):
        return recorded.get("schema_version"), recorded.get("payload")
    return env.get("schema_version"), env["payload"]


def event_payload(event) -> dict:
    """The business state of an event: its fields less the envelope's."""
    return {k: v for k, v in event.__dict__.items() if k not in ENVELOPE_FIELDS}


class Aggregate(_Aggregate):
    """An eventsourcing Aggregate whose events are attributable and hash-chained."""

    class Event(_Aggregate.Event):
        actor: dict
        prev_hash: str
        hash: str

        def mutate(self, aggregate):
            aggregate = super().mutate(aggregate)
            if aggregate is not None:
                aggregate._chain_head = self.hash
            return aggregate

    class Created(Event, _Aggregate.Created):
        pass

    @property
    def chain_head(self) -> str:
        return getattr(self, "_chain_head", GENESIS)

    @classmethod
    def _create(cls, event_class, *, id=None, **kwargs):
        if id is None:
            wanted = _id_parameters(cls)
            id = cls.create_id(**{k: v for k, v in kwargs.items() if k in wanted})
        kwargs = _chained(event_class, id, cls.INITIAL_VERSION, GENESIS, kwargs)
        return super()._create(event_class, id=id, **kwargs)

    def trigger_event(self, event_class, **kwargs):
        kwargs = _chained(event_class, self.id, self.version + 1, self.chain_head, kwargs)
        super().trigger_event(event_class, **kwargs)


@functools.cache
def _id_parameters(aggregate_class) -> frozenset[str]:
    """The arguments of an aggregate class's create_id (read once per class, not per event)."""
    return frozenset(inspect.signature(aggregate_class.create_id).parameters)


def _chained(event_class, originator_id, version: int, prev_hash: str, kwargs: dict) -> dict:
    actor = current_actor()
    timestamp = kwargs.pop("timestamp", None) or utcnow()
    payload = {k: v for k, v in kwargs.items() if k not in ENVELOPE_FIELDS}
    digest = chain_hash(originator_id=originator_id, originator_version=version,
                        type=event_class.__name__, schema_version=schema_version_of(event_class),
                        timestamp=timestamp, actor=actor, payload=payload, prev_hash=prev_hash)
    return {**kwargs, "timestamp": timestamp, "actor": actor, "prev_hash": prev_hash,
            "hash": digest}


class ChainVerifier:
    """Checks each aggregate's hash chain, one envelope at a time, in notification order."""

    def __init__(self):
        self.heads: dict[str, tuple[int, str]] = {}

    def check(self, env: dict) -> list[dict]:
        oid, version = env["originator_id"], env["originator_version"]
        if env.get("undecodable"):
            return [_broken(env, f"the stored event cannot be read any more "
                                 f"({env['undecodable']}): it was changed at rest")]
        findings = []
        expected_version, expected_prev = self.heads.get(oid, (1, GENESIS))
        if version != expected_version:
            findings.append(_broken(env, f"version {version} follows version "
                                         f"{expected_version - 1} of its aggregate"))
        if env["prev_hash"] != expected_prev:
            findings.append(_broken(env, "prev_hash does not match the hash of the "
                                         "aggregate's previous event"))
        schema_version, payload = hashed_fields(env)
        recomputed = chain_hash(originator_id=oid, originator_version=version,
                                type=env["type"], schema_version=schema_version,
                                timestamp=env["timestamp"], actor=env["actor"],
                                payload=payload, prev_hash=env["prev_hash"], json_safe=True)
        if recomputed != env["hash"]:
            findings.append(_broken(env, f"hash {env['hash'][:12]}… recomputes as "
                                         f"{recomputed[:12]}…: the event was changed"))
        self.heads[oid] = (version + 1, env["hash"])
        return findings


def _broken(env: dict, problem: str) -> dict:
    """A finding of ChainVerifier (built only for a broken link, not for every event)."""
    return {"notification_id": env.get("notification_id"), "originator_id": env["originator_id"],
            "originator_version": env["originator_version"], "problem": problem}


def verify_chain(envelopes) -> list[dict]:
    """Every broken link of the aggregates' hash chains in `envelopes` (notification order):
    [{notification_id, originator_id, originator_version, problem}]."""
    verifier = ChainVerifier()
    return [finding for env in envelopes for finding in verifier.check(env)]
