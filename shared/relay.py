"""The outbox relay: publishes a service's notification log to `<service>.events`.

Commands never publish. They save events (and with them the notification log, which is the
outbox); the relay reads the log after its cursor, publishes each envelope the nameko way (topic
exchange `<service>.events`, routing key = event type, persistent, JSON), waits for the broker's
publisher confirms of the batch, and advances its cursor up to the last event before the first
one not confirmed (the rest is published again). A crash between publish and cursor means
republishing: at least once, never lost. While the broker stores and confirms a full batch, the
relay reads and encodes the next page; it publishes it only once the batch before is confirmed,
and only if its cursor ended where that page starts.

A stored event that no longer decodes, or an envelope that cannot be JSON, is not published: it
goes into the service's own quarantine (source = the service itself, shared/quarantine.py), is
logged at ERROR, and the cursor moves past it. Consumers see the gap, fetch the range through
`notifications` and quarantine it themselves; `seklik audit verify` reports it as a finding.

The relay also publishes each signed checkpoint (shared/checkpoints.py) to the topic exchange
`seklik.checkpoints` (routing key = the service's name, persistent, JSON, confirmed), so that an
inspectorate can keep its own copy without asking SEKLIK (a witness); each row is marked
published once confirmed. The checkpoints are written by the service's checkpointer, not here:
while the broker is away they are still written, and published when it is back.

The cursor row is also a lease: of two replicas of a service, only the one holding the lease
publishes, so in normal operation nothing is published twice. A holder that dies stops renewing,
and another replica takes over when the lease runs out.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from typing import Callable, NamedTuple

import amqp
from kombu import Connection

log = logging.getLogger(__name__)

LEASE_SECONDS = 5.0
CHECKPOINT_EXCHANGE = "seklik.checkpoints"
BATCH = 500
CONFIRM_TIMEOUT = 30.0


class PublishFailed(RuntimeError):
    """The broker did not confirm every message; `confirmed` leading ones it did."""

    def __init__(self, message: str, confirmed: int = 0):
        super().__init__(message)
        self.confirmed = confirmed


class ConfirmingPublisher:
    """Publishes batches on one channel in confirm mode, waiting once per batch.

    The broker confirms by delivery tag (1, 2, ... per channel, one per message published): an
    ack or nack with `multiple` settles every outstanding tag up to it, one without settles its
    own tag only, and confirms may arrive in any order. Each batch tracks its own tags, so a
    late confirm never counts for another batch, and `publish` tells how many of the batch's
    leading messages are confirmed: the relay moves its cursor past those only.
    """

    def __init__(self, amqp_uri: str, exchange: str):
        self.amqp_uri = amqp_uri
        self.exchange = exchange
        self._conn = None
        self._channel = None
        self._drain = None

    def connect(self) -> None:
        kombu_conn = Connection(self.amqp_uri)
        kombu_conn.connect()
        self._kombu = kombu_conn
        self._conn: amqp.Connection = kombu_conn.connection
        channel = self._conn.channel()
        # Same declaration as nameko's get_event_exchange, so either side may declare first.
        channel.exchange_declare(self.exchange, "topic", durable=True, auto_delete=False)
        channel.confirm_select()
        self.attach(channel, self._conn.drain_events)
        self._socket = self._conn.transport.sock
        # py-amqp looks for a connection.blocked notice before every message it publishes (a
        # read of the socket with timeout 0: system calls and an exception per message). The
        # relay does nothing with such a notice (a blocked broker's confirms time out, and it
        # publishes again later) and reads any that comes while it waits for confirms.
        self._conn.client_properties.get("capabilities", {})["connection.blocked"] = False

    def attach(self, channel, drain_events) -> None:
        """Use `channel` (in confirm mode) and `drain_events(timeout)` to receive confirms."""
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        self._channel, self._drain = channel, drain_events
        self._next_tag = 1         # the channel's next delivery tag
        self._outstanding: set[int] = set()
        self._acked: set[int] = set()
        self._nacked: set[int] = set()
        self._socket = None        # the connection's socket (connect), corked per batch

    def _cork(self, on: bool) -> None:
        """Hold the batch's frames in the kernel until the last is written (Linux TCP_CORK):
        the broker gets full segments, not a segment and a wake-up for each message. Taking
        the cork off sends what it held."""
        if self._socket is not None and hasattr(socket, "TCP_CORK"):
            self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, int(on))

    def _settle(self, delivery_tag: int, multiple: bool, into: set) -> None:
        tags = ({t for t in self._outstanding if t <= delivery_tag} if multiple
                else {delivery_tag} & self._outstanding)
        self._outstanding -= tags
        into |= tags

    def _on_ack(self, delivery_tag, multiple=False):
        self._settle(delivery_tag, multiple, self._acked)

    def _on_nack(self, delivery_tag, multiple=False):
        self._settle(delivery_tag, multiple, self._nacked)

    def publish(self, messages: list[tuple[str, bytes, dict]],
                meanwhile: Callable[[], None] | None = None) -> int:
        """Publish `(routing_key, body, properties)` in order; the number confirmed, which is
        all of them (else PublishFailed, carrying how many leading ones were confirmed).
        `meanwhile()` runs once the last message is sent, before the confirms are awaited:
        the broker stores and confirms the batch while the caller does other work."""
        if self._channel is None:
            self.connect()
        first = self._next_tag
        tags = list(range(first, first + len(messages)))
        self._outstanding, self._acked, self._nacked = set(), set(), set()
        try:
            self._cork(True)
            try:
                for tag, (routing_key, body, properties) in zip(tags, messages):
                    self._outstanding.add(tag)  # before publishing: its confirm may come at once
                    self._next_tag = tag + 1
                    self._channel.basic_publish(amqp.Message(body, **properties),
                                                exchange=self.exchange, routing_key=routing_key)
            finally:
                self._cork(False)
            if meanwhile is not None:
                meanwhile()
            deadline = time.monotonic() + CONFIRM_TIMEOUT
            while self._outstanding:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    self._drain(timeout=min(remaining, 1.0))
                except socket.timeout:
                    continue
        except Exception as exc:
            confirmed = self._leading(tags)
            self.close()
            raise PublishFailed(f"publishing failed after {confirmed} confirmed message(s):"
                                f" {exc}", confirmed) from exc
        confirmed = self._leading(tags)
        if confirmed < len(tags):
            nacked, waiting = len(self._nacked), len(self._outstanding)
            self.close()  # a new channel (and new tags) for the republish
            raise PublishFailed(
                f"the broker confirmed {confirmed} of {len(tags)} message(s) in order"
                f" ({nacked} refused, {waiting} without a confirm in {CONFIRM_TIMEOUT}s)",
                confirmed)
        return confirmed

    def _leading(self, tags: list[int]) -> int:
        """How many of `tags`, from the first, were acked without a gap."""
        count = 0
        for tag in tags:
            if tag not in self._acked:
                break
            count += 1
        return count

    def close(self) -> None:
        try:
            if self._channel is not None and getattr(self, "_kombu", None) is not None:
                self._kombu.release()
        except Exception:  # closing a broken connection may fail again; it is gone either way
            pass
        self._channel = None


def message_of(envelope: dict) -> tuple[str, bytes, dict]:
    """An envelope as the nameko way publishes it; ValueError or TypeError when it cannot be
    JSON (a NaN that slipped in, a value JSON does not know)."""
    body = json.dumps(envelope, separators=(",", ":"), allow_nan=False).encode()
    return envelope["type"], body, {
        "content_type": "application/json", "content_encoding": "utf-8", "delivery_mode": 2,
        "message_id": f"{envelope['source']}:{envelope['notification_id']}",
        "headers": {"nameko.seklik.source": envelope["source"]}}


def relay_position(app) -> int | None:
    """The relay's cursor in `app`'s store; None where no relay ever ran."""
    table = app.sql.table("relay_cursor")
    try:
        rows = app.sql.query(f"SELECT position FROM {table} WHERE name = ?", (app.name,))
    except Exception:  # no relay_cursor table: this store's service runs no relay
        return None
    return rows[0][0] if rows else None


class Batch(NamedTuple):
    """A page of the log after `after`, made ready to publish."""
    after: int
    envelopes: list[dict]
    messages: list[tuple[str, bytes, dict]]
    unpublishable: dict[int, str]  # notification_id -> why it is not published


class OutboxRelay:
    def __init__(self, app, amqp_uri: str, *, batch: int = BATCH,
                 lease_seconds: float = LEASE_SECONDS, publisher=None,
                 witness_publisher=None):
        self.app = app
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.publisher = publisher or ConfirmingPublisher(amqp_uri, f"{app.name}.events")
        self.witness = witness_publisher or ConfirmingPublisher(amqp_uri, CHECKPOINT_EXCHANGE)
        self.sql = app.sql
        self.table = self.sql.table("relay_cursor")
        self.sql.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (name TEXT PRIMARY KEY,"
            " position BIGINT NOT NULL, holder TEXT NOT NULL, lease_until DOUBLE PRECISION"
            " NOT NULL)")
        self.sql.execute(f"INSERT INTO {self.table} VALUES (?, 0, '', 0)"
                         " ON CONFLICT (name) DO NOTHING", (app.name,))
        self._held_until = 0.0       # when the lease this relay wrote runs out (0: not held)
        self._position: int | None = None
        self._ahead: Batch | None = None  # the next page, read while the broker confirmed

    def position(self) -> int:
        """The cursor: kept in memory while this relay holds the lease (only the holder moves
        it), read from the table after a takeover."""
        if self._position is None:
            self._position = self.sql.query(
                f"SELECT position FROM {self.table} WHERE name = ?", (self.app.name,))[0][0]
        return self._position

    def acquire(self) -> bool:
        """Take or renew the lease; True when this relay may publish. A lease with more than
        half of its time left is not written again (one UPDATE per half lease, not per poll)."""
        now = time.time()
        if self._held_until - now > self.lease_seconds / 2:
            return True
        with self.sql.transaction() as cur:
            cur.execute(f"UPDATE {self.table} SET holder = ?, lease_until = ?"
                        " WHERE name = ? AND (holder = ? OR lease_until < ?)",
                        (self.holder, now + self.lease_seconds, self.app.name, self.holder, now))
            taken = cur.rowcount == 1
        if not taken or self._held_until < now:  # lost it, or (re)took it: another may have
            self._position = None                 # moved the cursor meanwhile
        self._held_until = now + self.lease_seconds if taken else 0.0
        return taken

    def run_once(self) -> int:
        """Publish one batch after the cursor; the number of notifications passed (published,
        or quarantined because they cannot be published)."""
        if not self.acquire():
            return 0
        ahead, self._ahead = self._ahead, None
        batch = ahead if ahead and ahead.after == self.position() else self._read(self.position())
        envelopes, unpublishable = batch.envelopes, batch.unpublishable
        if not envelopes:
            return 0
        # A full page: the log likely goes on, so the next page is read and encoded while the
        # broker stores and confirms this one (it is used only if the cursor ends where it
        # starts; nothing is published before this batch is confirmed, so order holds).
        read_ahead = (lambda: self._read_ahead(envelopes[-1]["notification_id"])
                      ) if len(envelopes) == self.batch else None
        failure = None
        try:
            confirmed = (self.publisher.publish(batch.messages, meanwhile=read_ahead)
                         if batch.messages else 0)
        except PublishFailed as exc:
            confirmed, failure = exc.confirmed, exc
        # Up to the first message not confirmed; what cannot be published is passed over.
        passed = []
        for env in envelopes:
            if env["notification_id"] not in unpublishable:
                if not confirmed:
                    break
                confirmed -= 1
            passed.append(env)
        for env in passed:  # recorded before the cursor moves past them (crash-safe)
            error = unpublishable.get(env["notification_id"])
            if error:
                self.app.quarantine.record(self.app.name, env["notification_id"], env, error,
                                           type_=env["type"])
        if passed:
            self._advance(passed)
        if failure is not None:
            raise failure
        return len(passed)

    def _read(self, after: int) -> Batch:
        """The page after `after`, each envelope made a message or told why it cannot be."""
        envelopes = self.app.notifications(after, self.batch)
        messages, unpublishable = [], {}
        for env in envelopes:
            if env.get("undecodable"):
                unpublishable[env["notification_id"]] = (
                    f"the stored event no longer decodes ({env['undecodable']}): an audit"
                    " finding (seklik audit verify), not an event to publish")
                continue
            try:
                messages.append(message_of(env))
            except (TypeError, ValueError) as exc:
                unpublishable[env["notification_id"]] = f"cannot be serialised as JSON: {exc}"
        return Batch(after, envelopes, messages, unpublishable)

    def _read_ahead(self, after: int) -> None:
        try:
            batch = self._read(after)
        except Exception as exc:  # only a head start: the next run_once reads it again
            log.debug("relay %s: reading ahead failed (%s)", self.app.name, exc)
            return
        self._ahead = batch if batch.envelopes else None

    def _advance(self, envelopes: list[dict]) -> None:
        last = envelopes[-1]["notification_id"]

        def advance(cur) -> None:  # in the transaction that records the checkpoints
            cur.execute(f"UPDATE {self.table} SET position = ? WHERE name = ? AND holder = ?"
                        " AND position < ?", (last, self.app.name, self.holder, last))
            if cur.rowcount == 1:
                self._position = last
            else:  # the lease went to another replica meanwhile: it has the cursor now
                self._position, self._held_until = None, 0.0

        self.app.extend_journal(envelopes, then=advance)  # a checkpoint for each event

    def publish_checkpoints(self) -> int:
        """Publish the signed checkpoints not published yet (lease holder only); how many."""
        if not self.acquire():
            return 0
        rows = self.app.signed_checkpoints(0, self.batch, unpublished=True)
        if not rows:
            return 0
        messages = [(self.app.name, json.dumps(row, separators=(",", ":")).encode(), {
            "content_type": "application/json", "content_encoding": "utf-8",
            "delivery_mode": 2, "message_id": f"{self.app.name}:checkpoint:"
                                              f"{row['notification_id']}"}) for row in rows]
        try:
            confirmed = self.witness.publish(messages)
        except PublishFailed as exc:
            self.app.mark_published([r["notification_id"] for r in rows[:exc.confirmed]])
            raise
        self.app.mark_published([r["notification_id"] for r in rows[:confirmed]])
        return confirmed

    def drain(self) -> int:
        """Publish until the log is exhausted (used by tests and benchmarks)."""
        total = 0
        while (n := self.run_once()):
            total += n
        return total

    def run(self, wake, stopping, interval: float) -> None:
        """Loop until `stopping` is set: publish while there is work, else wait for a nudge."""
        backoff = interval
        while not stopping.is_set():
            try:
                published = self.run_once()
                backoff = interval
            except Exception as exc:  # broker or database away: keep the cursor, retry later
                log.warning("relay %s: %s; retrying in %.1fs", self.app.name, exc, backoff)
                published = None
                backoff = min(backoff * 2, 10.0)
            if published is not None:
                try:  # the witness's copy: never holds up the events' publishing
                    self.publish_checkpoints()
                except Exception as exc:
                    log.warning("relay %s: signed checkpoints not published (%s); they stay "
                                "marked unpublished for a later poll", self.app.name, exc)
            if not published or published < self.batch:  # exhausted: wait for a nudge
                wake.wait(backoff)
                wake.clear()

    def close(self) -> None:
        self.publisher.close()
        self.witness.close()
