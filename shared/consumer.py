"""The tracked consumer: each (source, notification_id) applied once, in order, nothing missed.

`TrackedConsumer` is plain Python. It is given:
- `position(source)`: the last notification id of `source` applied here;
- `apply(envelope)`: makes this service's change AND records the new position in one
  transaction, raising eventsourcing's IntegrityError when that position was already recorded
  (a duplicate, or a replica that got there first);
- `fetch(source, after, limit)`: the source's `notifications` RPC.

A delivery at or below the position is a duplicate and is skipped. A delivery past position + 1
means something was missed (or is still on its way): the range is fetched from the source and
applied first, then the source's own copy of the delivered notification; a notification the
source's log does not hold (a queue that outlived a restored store) moves nothing. `catch_up`
reads the source until its end, for a consumer that was down or whose last message was lost.
The nameko side (`tracked_events`, `Feed`) wires this into a service.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager

from eventsourcing.persistence import IntegrityError
from kombu import Queue
from nameko.events import SERVICE_POOL, EventHandler, get_event_exchange
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from nameko.extensions import DependencyProvider
from nameko.messaging import Consumer
from nameko.standalone.rpc import ClusterRpcProxy

from shared.auth import bearer, mint_token
from shared.config import Settings

log = logging.getLogger(__name__)
PAGE = 500
APPLY_ATTEMPTS = 5
PROXY_LIFETIME = 3000  # seconds: a feed's RPC proxy is renewed before its token expires


class TrackedConsumer:
    def __init__(self, source: str, position, apply, fetch, apply_batch=None):
        self.source = source
        self._position = position
        self._apply = apply
        self._apply_batch = apply_batch  # optional: a page in one transaction (catch-up)
        self._fetch = fetch
        self._lock = threading.Lock()
        self.applied = 0
        self.duplicates = 0
        self.fetched = 0
        self.latest_seen = 0  # the highest notification id heard of, delivered or fetched
        self.stale = 0  # deliveries of notifications the source's log does not hold
        # A position read before: positions only move forward, so a delivery at or below it is
        # a duplicate without asking the store (a queue full of what catch-up applied drains
        # at the broker's pace, not the database's).
        self._known = 0

    def position(self) -> int:
        position = self._position(self.source) or 0
        self._known = max(self._known, position)
        return position

    def receive(self, envelope: dict) -> str:
        """Apply one delivered envelope; 'applied', 'duplicate' or 'not_in_source'."""
        if envelope.get("source") != self.source:
            raise ValueError(f"envelope from {envelope.get('source')!r} given to the "
                             f"{self.source!r} consumer")
        with self._lock:
            nid = envelope["notification_id"]
            seen_before, self.latest_seen = self.latest_seen, max(self.latest_seen, nid)
            if nid > self._known:  # only a delivery past the position known asks the store
                self.position()
            if nid <= self._known:
                self.duplicates += 1
                return "duplicate"
            position = self._known
            if nid > position + 1:
                own = self._fill(position, nid)
                if self.position() >= nid:
                    return "applied"
                if own is None:  # the source's log ends before it: not a message of this log
                    self.stale += 1
                    self.latest_seen = max(seen_before, self.position())
                    log.warning("%s notification %d is not in the source's log (it ends at %d);"
                                " not applied", self.source, nid, self.position())
                    return "not_in_source"
                envelope = own  # the source's copy, which the delivered one should equal
            return self._apply_one(envelope)

    def catch_up(self) -> int:
        """Apply everything the source has after our position; the number applied."""
        with self._lock:
            before = self.position()
            self._fill(before, None)
            return self.position() - before

    def status(self) -> dict:
        position = self.position()
        latest = max(self.latest_seen, position)
        return {"source": self.source, "last_applied": position, "latest_seen": latest,
                "lag": latest - position, "applied": self.applied,
                "duplicates_skipped": self.duplicates, "stale_skipped": self.stale}

    def _fill(self, after: int, upto: int | None) -> dict | None:
        """Apply the source's notifications after `after` (below `upto`); the source's own
        notification `upto`, when its log holds it."""
        while True:
            page = self._fetch(self.source, after, PAGE)
            self.fetched += len(page)
            if page:
                self.latest_seen = max(self.latest_seen, page[-1]["notification_id"])
            wanted = [env for env in page
                      if upto is None or env["notification_id"] < upto]
            if wanted and not self._applied_as_batch(wanted):
                for env in wanted:
                    self._apply_one(env)
            if len(wanted) < len(page):
                return next((env for env in page if env["notification_id"] == upto), None)
            if len(page) < PAGE:
                return None
            after = page[-1]["notification_id"]

    def _applied_as_batch(self, envelopes: list[dict]) -> bool:
        """One transaction for a whole page, when the consumer offers it; on any collision
        (a duplicate, a concurrent change) nothing of it stays and the page goes one by one."""
        if self._apply_batch is None or len(envelopes) < 2:
            return False
        try:
            self._apply_batch(envelopes)
        except IntegrityError:
            return False
        self.applied += len(envelopes)
        return True

    def _apply_one(self, envelope: dict) -> str:
        # IntegrityError means either "already applied" (the position is there) or "a command
        # changed the same aggregate meanwhile": then apply again against the new state.
        for attempt in range(APPLY_ATTEMPTS):
            try:
                self._apply(envelope)
            except IntegrityError:
                if self.position() >= envelope["notification_id"]:
                    self.duplicates += 1
                    return "duplicate"
                if attempt == APPLY_ATTEMPTS - 1:
                    raise
                continue
            self.applied += 1
            return "applied"


class TrackedEvents(EventHandler):
    """Entrypoint: every event of `source`, in publication order, on one durable queue.

    nameko's `event_handler` binds one event type per queue, which loses the order between types;
    a tracked consumer needs the whole stream, so this binds `#` on the source's exchange.
    Failed deliveries are not requeued: the feed's catch-up fetches what was not applied.
    """

    def __init__(self, source_service: str, **kwargs):
        super().__init__(source_service, "#", handler_type=SERVICE_POOL,
                         reliable_delivery=True, requeue_on_error=False, **kwargs)

    def queue_name(self, service_name: str, method_name: str) -> str:
        return f"seklik.{self.source_service}--{service_name}.{method_name}"

    def setup(self):
        exchange = get_event_exchange(self.source_service, self.container.config)
        self.queue = Queue(self.queue_name(self.container.service_name, self.method_name),
                           exchange=exchange, routing_key="#", durable=True, auto_delete=False)
        Consumer.setup(self)


tracked_events = TrackedEvents.decorator


@contextmanager
def notifications_fetcher(settings: Settings, caller: str, timeout: float = 10):
    """`fetch(source, after, limit)` over the sources' `notifications` RPC, as `system`."""
    token = mint_token(settings.auth_secret, caller, ["system"], ttl_seconds=3600)
    with ClusterRpcProxy({"AMQP_URI": settings.amqp_uri}, timeout=timeout,
                         context_data=bearer(token)) as rpc:
        yield lambda source, after, limit: getattr(rpc, source).notifications(
            after=after, limit=limit)


class Feed(DependencyProvider):
    """Gives a service a `TrackedConsumer` of one source, and keeps it caught up.

    `handler` names the application method that applies one envelope (with its tracking);
    the application must also offer `tracked_position(source)`. A background loop calls
    `catch_up` at start and every SEKLIK_CATCHUP_INTERVAL seconds, so a consumer that was down,
    or whose last message was dropped, converges without waiting for the next event.
    """

    def __init__(self, source: str, app_attr: str, handler: str,
                 batch_handler: str | None = None):
        self.source = source
        self.app_attr = app_attr
        self.handler = handler
        self.batch_handler = batch_handler

    def setup(self):
        self.settings = Settings.from_env()
        self._stopping = threading.Event()
        self._rpc = None  # one proxy, kept: each new one leaves a reply queue for 5 minutes
        self._rpc_since = 0.0

    def _app(self):
        provider = next(d for d in self.container.dependencies
                        if getattr(d, "attr_name", None) == self.app_attr)
        return provider.app

    def start(self):
        app = self._app()
        self.consumer = TrackedConsumer(
            self.source, position=app.tracked_position, apply=getattr(app, self.handler),
            fetch=self._fetch,
            apply_batch=getattr(app, self.batch_handler) if self.batch_handler else None)
        self.container.spawn_managed_thread(self._catch_up_loop)

    def _fetch(self, source: str, after: int, limit: int) -> list[dict]:
        # Called only under the consumer's lock, so one proxy serves every call in turn.
        if self._rpc is None or time.monotonic() - self._rpc_since > PROXY_LIFETIME:
            self._close_rpc()
            token = mint_token(self.settings.auth_secret, f"{self.container.service_name}.feed",
                               ["system"], ttl_seconds=PROXY_LIFETIME + 600)
            self._standalone = ClusterRpcProxy({"AMQP_URI": self.settings.amqp_uri},
                                               timeout=10, context_data=bearer(token))
            self._rpc, self._rpc_since = self._standalone.start(), time.monotonic()
        try:
            return getattr(self._rpc, source).notifications(after=after, limit=limit)
        except (UnknownService, RpcTimeout, RemoteError):
            raise  # the source is down or refused: the proxy itself is fine
        except Exception:
            self._close_rpc()  # a broken connection: a new proxy next time
            raise

    def _close_rpc(self):
        if self._rpc is not None:
            try:
                self._standalone.stop()
            except Exception:  # already broken; nothing more to release
                pass
        self._rpc = None

    def _catch_up_loop(self):
        while not self._stopping.is_set():
            try:
                applied = self.consumer.catch_up()
                if applied:
                    log.info("caught up %d event(s) of %s", applied, self.source)
            except Exception as exc:  # source away: try again at the next tick
                log.info("catch-up of %s failed: %s", self.source, exc)
            self._stopping.wait(self.settings.catchup_interval)

    def stop(self):
        self._stopping.set()
        self._close_rpc()

    def kill(self):
        self._stopping.set()
        self._close_rpc()

    def get_dependency(self, worker_ctx):
        return self.consumer
