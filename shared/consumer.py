"""The tracked consumer: each (source, notification_id) applied once, in order, nothing missed.

`TrackedConsumer` is plain Python. It is given:
- `position(source)`: the last notification id of `source` applied here;
- `apply(envelope, tracked=True)`: makes this service's change AND records the new position in
  one transaction, raising eventsourcing's IntegrityError when that position was already
  recorded (a duplicate, or a replica that got there first); `tracked=False` makes the change
  alone (a quarantined event applied again behind the position);
- `fetch(source, after, limit)`: the source's `notifications` RPC;
- `quarantine`, `skip(envelope)` and `regency` (`TrackedConsumer.of(app, ...)` wires them from
  a ServiceApplication): nothing stops the pipeline. A delivery that is not an envelope of this
  source, or is of another regency, is quarantined and moves nothing; an event that cannot be
  applied (or that its source can no longer decode) is quarantined, logged at ERROR, and the
  position moves past it, so later events flow. `retry` applies it again after a fix.

A delivery at or below the position is a duplicate and is skipped. A delivery past position + 1
means something was missed (or is still on its way): the range is fetched from the source and
applied first, then the source's own copy of the delivered notification; a notification the
source's log does not hold (a queue that outlived a restored store) moves nothing. `catch_up`
reads the source until its end, for a consumer that was down or whose last message was lost; it
asks the source before taking the lock, so that a live feed's deliveries never wait for that
answer. Deliveries that arrive together (waiting for the lock) are applied in one transaction
when the consumer offers `apply_batch`: under load, one commit for several.
The nameko side (`tracked_events`, `Feed`) wires this into a service.
"""
from __future__ import annotations

import gc
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext

from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError
from kombu import Queue
from nameko.events import SERVICE_POOL, EventHandler, get_event_exchange
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from nameko.extensions import DependencyProvider
from nameko.messaging import Consumer
from nameko.standalone.rpc import ClusterRpcProxy

from shared.auth import FreshBearer, service_token
from shared.config import Settings
from shared.errors import Conflict, NotFound, RuleViolated
from shared.quarantine import delivery_key, not_an_envelope
from shared import transport  # noqa: F401  (RPC messages stay off the broker's disk)

log = logging.getLogger(__name__)
PAGE = 500
READ_AHEAD_PAGE = 1000  # a rebuild's pages: the most a source answers (shared/application.py)
APPLY_ATTEMPTS = 5
PROXY_LIFETIME = 3000  # seconds: a feed renews its RPC proxy (each call carries a fresh token)
# The store is away or its connection broke: nothing is wrong with the event, so it is not
# quarantined; the delivery fails and catch-up applies it later.
TRANSIENT = (OperationalError, InterfaceError)


# A rebuild's catch-up with the collector held runs Python's cyclic garbage collector once
# every this many events, not on its own schedule: at 1,000,000 events it ran about 100 full
# collections, each walking every object of the process (10% of the rebuild's CPU).
COLLECT_EVERY = 100_000


@contextmanager
def collector_held():
    """Python's cyclic garbage collector off for the duration, and `collect(events)` (the
    caller's to call after each page) running it once COLLECT_EVERY events have passed. The
    collector is left as it was found."""
    was_on, since = gc.isenabled(), 0
    gc.disable()

    def collect(events: int) -> None:
        nonlocal since
        since += events
        if since >= COLLECT_EVERY:
            gc.collect()
            since = 0

    try:
        yield collect
    finally:
        if was_on:
            gc.enable()


@contextmanager
def pages_ahead(fetch, source: str, read_ahead: bool, size: int):
    """`fetch(after)` -> the page of `size` after `after`; with `read_ahead`, the page after
    that one is already being read (in a thread of its own) when it is returned, for a caller
    that asks page after page. Every call to the source is made from that one thread, one at
    a time."""
    if not read_ahead:
        yield lambda after: fetch(source, after, size)
        return
    with ThreadPoolExecutor(1, thread_name_prefix=f"read-ahead-{source}") as reader:
        ahead: dict = {}

        def read(after: int) -> list[dict]:
            pending = ahead.pop(after, None) or reader.submit(fetch, source, after, size)
            page = pending.result()
            if len(page) == size:
                ahead.clear()
                ahead[page[-1]["notification_id"]] = reader.submit(
                    fetch, source, page[-1]["notification_id"], size)
            return page

        try:
            yield read
        finally:
            for pending in ahead.values():
                pending.cancel()


class TrackedConsumer:
    def __init__(self, source: str, position, apply, fetch, apply_batch=None, *,
                 quarantine=None, skip=None, regency: str | None = None,
                 read_ahead: bool = False, page: int | None = None,
                 hold_collector: bool = False):
        self.source = source
        self._position = position
        self._apply = apply
        self._apply_batch = apply_batch  # optional: a page in one transaction (catch-up)
        self._fetch = fetch
        # Nothing stops the pipeline: with a quarantine (shared/quarantine.py), what cannot be
        # applied is set aside and `skip(envelope)` moves the position past it. Without one
        # (a bare consumer in a test), the failure is raised as it is.
        self._quarantine = quarantine
        self._skip = skip
        self.regency = regency  # None: envelopes of any regency (a test's bare consumer)
        self._lock = threading.Lock()
        self.applied = 0
        self.duplicates = 0
        self.fetched = 0
        self.quarantined = 0
        self.refused = 0
        self.latest_seen = 0  # the highest notification id heard of, delivered or fetched
        self.stale = 0  # deliveries of notifications the source's log does not hold
        # A position read (or recorded here) before: positions only move forward, so a delivery
        # at or below it is a duplicate without asking the store (a queue full of what catch-up
        # applied drains at the broker's pace, not the database's).
        self._known = 0
        # Deliveries waiting for the lock, by notification id: the one holding it applies those
        # that follow its own in the same transaction (under load, a commit for several, not
        # one each); `_applied_with` tells each of them that it was applied so.
        self._waiting: dict[int, dict] = {}
        self._applied_with: set[int] = set()
        # A rebuild's catch-up asks for the next page while it applies this one (the source's
        # reading and the store's writing overlap). Off for a live consumer, whose fetch may be
        # an RPC proxy that one green thread at a time may use; off too where the source is
        # read in this process (a bench, a replay): reading and applying then share the GIL,
        # and every system call the applying thread makes waits for it back (at 100,000
        # events 0.39 of reading with the thread, 0.49 without; docs/benchmarks.md).
        self._read_ahead = read_ahead
        # A catch-up's pages: a rebuild's are the largest a source answers (a commit each).
        self._page = page or (READ_AHEAD_PAGE if read_ahead else PAGE)
        # A rebuild's catch-up holds the collector (`collector_held`); never a live consumer's,
        # whose process runs other green threads meanwhile.
        self._hold_collector = hold_collector

    @classmethod
    def of(cls, app, source: str, fetch, handler: str = "apply_envelope",
           batch_handler: str | None = None, read_ahead: bool = False,
           page: int | None = None, hold_collector: bool = False) -> "TrackedConsumer":
        """A consumer of `source` applying into a ServiceApplication, with its quarantine."""
        return cls(source, position=app.tracked_position, apply=getattr(app, handler),
                   fetch=fetch,
                   apply_batch=getattr(app, batch_handler) if batch_handler else None,
                   quarantine=app.quarantine, skip=app.skip_tracked,
                   regency=app.settings.regency_code, read_ahead=read_ahead, page=page,
                   hold_collector=hold_collector)

    def position(self) -> int:
        position = self._position(self.source) or 0
        self._known = max(self._known, position)
        return position

    def receive(self, envelope) -> str:
        """Apply one delivery: 'applied', 'duplicate', 'not_in_source', 'quarantined' (it
        could not be applied; the position moved past it) or 'refused' (not an envelope of
        this source and regency: quarantined, moving nothing)."""
        problem = not_an_envelope(envelope)
        if problem is None and envelope["source"] != self.source:
            problem = (f"an envelope of {envelope['source']!r} delivered to the "
                       f"{self.source!r} consumer")
        if problem is not None:
            return self._refuse(envelope, problem, self.source, delivery_key(envelope))
        if self.regency is not None and envelope["regency"] != self.regency:
            # Another deployment on the same broker: its notification ids are another log's.
            return self._refuse(envelope, f"an envelope of regency {envelope['regency']!r}, "
                                          f"not {self.regency!r}", envelope["source"],
                                envelope["notification_id"], regency=envelope["regency"])
        nid = envelope["notification_id"]
        self._waiting[nid] = envelope
        # Under nameko (time is eventlet's) this lets the deliveries already read from the
        # broker register before the lock is taken, so that they join this transaction.
        time.sleep(0)
        try:
            return self._receive(envelope, nid)
        finally:
            if self._waiting.get(nid) is envelope:
                del self._waiting[nid]

    def _receive(self, envelope: dict, nid: int) -> str:
        with self._lock:
            if nid in self._applied_with:  # applied with the delivery before it
                self._applied_with.discard(nid)
                return "applied"
            seen_before, self.latest_seen = self.latest_seen, max(self.latest_seen, nid)
            # Past the next one, ask the store where the position is. The next one itself is
            # applied without asking: recording its position refuses it (IntegrityError) when
            # the position is there already, and it is then a duplicate.
            if nid > self._known + 1:
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
            return self._apply_with_waiting(envelope)

    def _apply_with_waiting(self, envelope: dict) -> str:
        """Apply `envelope` and the deliveries waiting for the lock that follow it without a
        gap, in one transaction when the consumer offers it (as a page of catch-up is)."""
        run = [envelope]
        while len(run) < PAGE and envelope["notification_id"] + len(run) in self._waiting:
            run.append(self._waiting[envelope["notification_id"] + len(run)])
        if len(run) > 1 and self._applied_as_batch(run):
            self.latest_seen = max(self.latest_seen, run[-1]["notification_id"])
            self._applied_with.update(env["notification_id"] for env in run[1:])
            return "applied"
        return self._apply_one(envelope)

    def catch_up(self) -> int:
        """Apply everything the source has after our position; the number passed (applied
        or quarantined). The source is asked first without the lock, so that deliveries are
        not held up behind its answer: when they applied all it had meanwhile (a live feed),
        there is nothing to catch up."""
        page = self._fetch(self.source, self.position(), PAGE)
        if not page:
            return 0
        self.latest_seen = max(self.latest_seen, page[-1]["notification_id"])
        if page[-1]["notification_id"] <= self.position():
            return 0
        with self._lock:
            before = self.position()
            self._fill(before, None)
            return self.position() - before

    def retry(self, notification_id: int) -> dict:
        """Apply a quarantined notification again (after a fix), behind the position, which
        does not move. Released on success; on failure its tries go up and RuleViolated
        `still_failing` says why."""
        if self._quarantine is None:
            raise NotFound(f"the {self.source} consumer keeps no quarantine",
                           code="not_quarantined")
        with self._lock:
            row, nothing_to_do = self._quarantine.to_retry(self.source, notification_id)
            if nothing_to_do:
                return nothing_to_do
            where = {"source": self.source, "notification_id": notification_id}
            if notification_id < 1:
                raise RuleViolated(
                    f"quarantined delivery {notification_id} of {self.source} is not an "
                    f"envelope of its log ({row['error']}); it is kept for inspection only",
                    code="not_an_envelope", details=where)
            if notification_id > self.position():
                raise Conflict(f"{self.source} notification {notification_id} is ahead of "
                               "the position: the consumer will apply it in order",
                               code="not_reached", details=where)
            # The source's log is the truth (and may decode now what it could not before);
            # the copy kept here serves when the source does not answer.
            try:
                envelope = self._source_copy(notification_id)
            except Exception as exc:
                log.warning("%s does not answer (%s): retrying the quarantined copy of %d",
                            self.source, exc, notification_id)
                envelope = None
            if envelope is None and not unappliable(row["envelope"]):
                envelope = row["envelope"]
            problem = unappliable(envelope)
            if problem is None:
                try:
                    self._apply(envelope, tracked=False)
                except Exception as exc:
                    problem = exc
            if problem is not None:
                raise self._quarantine.still_failing(
                    self.source, notification_id,
                    envelope if envelope is not None else row["envelope"], problem, row["type"])
            log.info("%s notification %d applied from the quarantine", self.source,
                     notification_id)
            return self._quarantine.applied(row, self.source, notification_id)

    def status(self) -> dict:
        position = self.position()
        latest = max(self.latest_seen, position)
        return {"source": self.source, "last_applied": position, "latest_seen": latest,
                "lag": latest - position, "applied": self.applied,
                "duplicates_skipped": self.duplicates, "stale_skipped": self.stale,
                "quarantined": self.quarantined, "refused": self.refused}

    def _fill(self, after: int, upto: int | None) -> dict | None:
        """Apply the source's notifications after `after` (below `upto`); the source's own
        notification `upto`, when its log holds it."""
        with pages_ahead(self._fetch, self.source, self._read_ahead, self._page) as fetch, \
                (collector_held() if self._hold_collector else nullcontext(None)) as collect:
            return self._fill_pages(fetch, after, upto, collect)

    def _fill_pages(self, fetch, after: int, upto: int | None, collect=None) -> dict | None:
        while True:
            page = fetch(after)
            if collect is not None:
                collect(len(page))
            self.fetched += len(page)
            if page:
                self.latest_seen = max(self.latest_seen, page[-1]["notification_id"])
            wanted = [env for env in page
                      if upto is None or env["notification_id"] < upto]
            foreign = next((i for i, env in enumerate(wanted) if self._foreign(env)), None)
            if foreign is not None:  # the answer of another regency's source: take nothing
                env = wanted[foreign]  # of it from there on, and move nothing past it
                self._refuse(env, f"the source answered with an envelope of regency "
                                  f"{env.get('regency')!r}, not {self.regency!r}",
                             self.source, env["notification_id"], regency=env.get("regency"))
                wanted = wanted[:foreign]
            if wanted and not self._applied_as_batch(wanted):
                for env in wanted:
                    self._apply_one(env)
            if foreign is not None:
                return None
            if len(wanted) < len(page):
                return next((env for env in page if env["notification_id"] == upto), None)
            if len(page) < self._page:
                return None
            after = page[-1]["notification_id"]

    def _foreign(self, envelope: dict) -> bool:
        return self.regency is not None and envelope.get("regency") != self.regency

    def _applied_as_batch(self, envelopes: list[dict]) -> bool:
        """One transaction for a whole page, when the consumer offers it; on any collision
        (a duplicate, a concurrent change) or failure nothing of it stays and the page goes
        one by one (which quarantines the event that fails)."""
        if self._apply_batch is None or len(envelopes) < 2:
            return False
        if any(unappliable(env) for env in envelopes):
            return False
        try:
            self._apply_batch(envelopes)
        except IntegrityError:
            return False
        except TRANSIENT:
            raise
        except Exception:
            if self._quarantine is None:
                raise
            return False
        self.applied += len(envelopes)
        self._known = max(self._known, envelopes[-1]["notification_id"])  # recorded with them
        return True

    def _apply_one(self, envelope: dict) -> str:
        problem = unappliable(envelope)
        if problem is None:
            # IntegrityError means either "already applied" (the position is there) or "a
            # command changed the same aggregate meanwhile": then apply again against the new
            # state. One that persists (a view's key the event collides with) is the event's.
            for attempt in range(APPLY_ATTEMPTS):
                try:
                    self._apply(envelope)
                except IntegrityError as exc:
                    if self.position() >= envelope["notification_id"]:
                        self.duplicates += 1
                        return "duplicate"
                    if attempt < APPLY_ATTEMPTS - 1:
                        continue
                    if self._quarantine is None:
                        raise
                    problem = exc
                except TRANSIENT:
                    raise  # the store is away: nothing is wrong with the event; retry later
                except Exception as exc:
                    if self._quarantine is None:
                        raise
                    problem = exc
                else:
                    self.applied += 1
                    self._known = max(self._known, envelope["notification_id"])
                    return "applied"
                break
        if self._quarantine is None:
            raise ValueError(f"{self.source} notification {envelope['notification_id']}: "
                             f"{problem}")
        return self._set_aside(envelope, problem)

    def _set_aside(self, envelope: dict, problem) -> str:
        """Quarantine first, then move the position past it: a crash between the two applies
        it again, which fails again and counts one more try."""
        nid = envelope["notification_id"]
        self._quarantine.record(self.source, nid, envelope, problem, type_=envelope["type"])
        try:
            self._skip(envelope)
        except IntegrityError:
            if self.position() < nid:
                raise
        self.position()
        self.quarantined += 1
        return "quarantined"

    def _refuse(self, delivery, problem: str, source: str, key: int,
                regency: str | None = None) -> str:
        if self._quarantine is None:
            raise ValueError(problem)
        self._quarantine.record(source, key, delivery, problem, regency=regency,
                                type_=delivery.get("type") if isinstance(delivery, dict)
                                and isinstance(delivery.get("type"), str) else None)
        self.refused += 1
        return "refused"

    def _source_copy(self, notification_id: int) -> dict | None:
        page = self._fetch(self.source, notification_id - 1, 1)
        return page[0] if page and page[0].get("notification_id") == notification_id else None


def unappliable(envelope) -> str | None:
    """Why an envelope cannot be applied whatever the consumer does; None when it may be."""
    if envelope is None:
        return "the source's log does not hold it"
    problem = not_an_envelope(envelope)
    if problem is None and envelope.get("undecodable"):
        problem = f"the source cannot decode its stored event: {envelope['undecodable']}"
    return problem


class TrackedEvents(EventHandler):
    """Entrypoint: every event of `source`, in publication order, on one durable queue.

    nameko's `event_handler` binds one event type per queue, which loses the order between types;
    a tracked consumer needs the whole stream, so this binds `#` on the source's exchange.
    Failed deliveries are not requeued: the feed's catch-up fetches what was not applied.
    With SEKLIK_QUEUE_TYPE=quorum the queue is a quorum queue (replicated over a RabbitMQ
    cluster); a delivery the broker drops past a delivery-limit policy is fetched likewise.
    """

    def __init__(self, source_service: str, **kwargs):
        super().__init__(source_service, "#", handler_type=SERVICE_POOL,
                         reliable_delivery=True, requeue_on_error=False, **kwargs)

    def queue_name(self, service_name: str, method_name: str) -> str:
        return f"seklik.{self.source_service}--{service_name}.{method_name}"

    def setup(self):
        exchange = get_event_exchange(self.source_service, self.container.config)
        self.queue = Queue(self.queue_name(self.container.service_name, self.method_name),
                           exchange=exchange, routing_key="#", durable=True, auto_delete=False,
                           queue_arguments=Settings.from_env().queue_arguments())
        Consumer.setup(self)


tracked_events = TrackedEvents.decorator


@contextmanager
def notifications_fetcher(settings: Settings, caller: str, timeout: float = 10, mint=None):
    """`fetch(source, after, limit)` over the sources' `notifications` RPC, as `system`.

    Each call carries a token of its own: `mint()` when given (the command line's), else one
    signed with this process's service key as `caller` ("<service>.<purpose>")."""
    service, _, purpose = caller.partition(".")
    mint = mint or (lambda: service_token(settings, service, purpose or "feed"))
    with ClusterRpcProxy({"AMQP_URI": settings.amqp_uri}, timeout=timeout,
                         context_data=FreshBearer(mint)) as rpc:
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
        self._fetching = threading.Lock()

    def _app(self):
        provider = next(d for d in self.container.dependencies
                        if getattr(d, "attr_name", None) == self.app_attr)
        return provider.app

    def start(self):
        self.consumer = TrackedConsumer.of(self._app(), self.source, self._fetch, self.handler,
                                           self.batch_handler)
        self.container.spawn_managed_thread(self._catch_up_loop)

    def _fetch(self, source: str, after: int, limit: int) -> list[dict]:
        with self._fetching:  # one proxy serves every call, one call at a time
            return self._fetch_one(source, after, limit)

    def _fetch_one(self, source: str, after: int, limit: int) -> list[dict]:
        if self._rpc is None or time.monotonic() - self._rpc_since > PROXY_LIFETIME:
            self._close_rpc()
            # Every call carries its own 60-second token, signed with this service's key.
            service = self.container.service_name
            fresh = FreshBearer(lambda: service_token(self.settings, service, "feed"))
            self._standalone = ClusterRpcProxy({"AMQP_URI": self.settings.amqp_uri},
                                               timeout=10, context_data=fresh)
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
                if self._stopping.is_set():
                    return  # the proxy was closed under it by stop(): nothing failed
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
