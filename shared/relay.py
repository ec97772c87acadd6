"""The outbox relay: publishes a service's notification log to `<service>.events`.

Commands never publish. They save events (and with them the notification log, which is the
outbox); the relay reads the log after its cursor, publishes each envelope the nameko way (topic
exchange `<service>.events`, routing key = event type, persistent, JSON), waits for the broker's
publisher confirms of the whole batch, and only then advances its cursor. A crash between publish
and cursor means republishing: at least once, never lost.

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

import amqp
from kombu import Connection

log = logging.getLogger(__name__)

LEASE_SECONDS = 5.0
BATCH = 500
CONFIRM_TIMEOUT = 30.0


class PublishFailed(RuntimeError):
    pass


class ConfirmingPublisher:
    """Publishes batches on one channel in confirm mode, waiting once per batch."""

    def __init__(self, amqp_uri: str, exchange: str):
        self.amqp_uri = amqp_uri
        self.exchange = exchange
        self._conn = None
        self._channel = None
        self._acked = 0
        self._nacked = 0

    def connect(self) -> None:
        kombu_conn = Connection(self.amqp_uri)
        kombu_conn.connect()
        self._kombu = kombu_conn
        self._conn: amqp.Connection = kombu_conn.connection
        channel = self._conn.channel()
        # Same declaration as nameko's get_event_exchange, so either side may declare first.
        channel.exchange_declare(self.exchange, "topic", durable=True, auto_delete=False)
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        self._channel = channel
        self._sent = self._acked = self._nacked = 0

    def _on_ack(self, delivery_tag, multiple):
        self._acked = delivery_tag if multiple else max(self._acked, delivery_tag)

    def _on_nack(self, delivery_tag, multiple):
        self._nacked += 1

    def publish(self, envelopes: list[dict]) -> None:
        if self._channel is None:
            self.connect()
        try:
            for env in envelopes:
                body = json.dumps(env, separators=(",", ":")).encode()
                message = amqp.Message(
                    body, content_type="application/json", content_encoding="utf-8",
                    delivery_mode=2, message_id=f"{env['source']}:{env['notification_id']}",
                    headers={"nameko.seklik.source": env["source"]})
                self._channel.basic_publish(message, exchange=self.exchange,
                                            routing_key=env["type"])
                self._sent += 1
            deadline = time.monotonic() + CONFIRM_TIMEOUT
            while self._acked + self._nacked < self._sent:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PublishFailed(f"no confirm from the broker in {CONFIRM_TIMEOUT}s")
                try:
                    self._conn.drain_events(timeout=min(remaining, 1.0))
                except socket.timeout:
                    continue
            if self._nacked:
                raise PublishFailed(f"the broker refused {self._nacked} message(s)")
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        try:
            if self._channel is not None:
                self._kombu.release()
        except Exception:  # closing a broken connection may fail again; it is gone either way
            pass
        self._channel = None


class OutboxRelay:
    def __init__(self, app, amqp_uri: str, *, batch: int = BATCH,
                 lease_seconds: float = LEASE_SECONDS, publisher=None):
        self.app = app
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.publisher = publisher or ConfirmingPublisher(amqp_uri, f"{app.name}.events")
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
        """Publish one batch after the cursor; the number of events published."""
        if not self.acquire():
            return 0
        envelopes = self.app.notifications(self.position(), self.batch)
        if not envelopes:
            return 0
        self.publisher.publish(envelopes)
        last = envelopes[-1]["notification_id"]

        def advance(cur) -> None:  # in the transaction that records the checkpoints
            cur.execute(f"UPDATE {self.table} SET position = ? WHERE name = ? AND holder = ?"
                        " AND position < ?", (last, self.app.name, self.holder, last))
            if cur.rowcount == 1:
                self._position = last
            else:  # the lease went to another replica meanwhile: it has the cursor now
                self._position, self._held_until = None, 0.0

        self.app.extend_journal(envelopes, then=advance)  # a checkpoint for each event
        return len(envelopes)

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
                published = 0
                backoff = min(backoff * 2, 10.0)
            if published < self.batch:  # the log is exhausted: wait for a nudge
                wake.wait(backoff)
                wake.clear()

    def close(self) -> None:
        self.publisher.close()
