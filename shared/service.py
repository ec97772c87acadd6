"""What every nameko service of SEKLIK is made of.

`ApplicationProvider` builds the service's eventsourcing application in `setup()` (no module
globals; tests swap it with nameko's `replace_dependencies`) and runs the outbox relay beside it.
`EventSourcedService` adds the RPC methods every service exposes: `notifications`,
`aggregate_events`, `checkpoints`, `digest`, and for operators `quarantine`,
`retry_quarantined` and `health`.
"""
from __future__ import annotations

import logging
import threading
import uuid

from eventsourcing.persistence import Notification
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from shared.auth import READERS, Auth, allow
from shared.config import Settings
from shared.consumer import Feed
from shared.errors import NotFound, ValidationFailed
from shared.relay import OutboxRelay, message_of, relay_position
from shared.schemas import Id, Strict, load

log = logging.getLogger(__name__)


class ApplicationProvider(DependencyProvider):
    def __init__(self, app_class):
        self.app_class = app_class
        self.app = None
        self.relay = None

    def setup(self):
        self.settings = Settings.from_env()
        self.settings.require_secrets()  # before any store is created (Auth checks it too)
        self.app = self.app_class(self.settings)
        self._stopping = threading.Event()
        self._wake = threading.Event()
        if self.settings.relay_enabled:
            self.relay = OutboxRelay(self.app, self.settings.amqp_uri)
            self.app.after_save(self._wake.set)

    def start(self):
        if self.relay is not None:
            self.container.spawn_managed_thread(self._run_relay)
        # Signed checkpoints on their own schedule, whatever the broker does (with the relay
        # off, or RabbitMQ away, the journal still advances and is signed).
        self.container.spawn_managed_thread(self._run_checkpointer)

    def _run_checkpointer(self):
        tick = max(0.05, min(1.0, self.settings.checkpoint_seconds))
        while not self._stopping.wait(tick):
            try:
                if self.app.checkpoint_due():
                    self.app.sign_checkpoint()
            except Exception as exc:  # the database away: try again at the next tick
                log.warning("checkpointer %s: %s", self.app.name, exc)

    def _run_relay(self):
        self.relay.run(self._wake, self._stopping, self.settings.relay_interval)

    def stop(self):
        self._stopping.set()
        self._wake.set()
        if self.relay is not None:
            self.relay.close()
        # Close the store's pool while the hub still runs (not at interpreter exit).
        self.app.close()

    kill = stop

    def get_dependency(self, worker_ctx):
        return self.app


class EventSourcedService:
    """Base class: subclasses set `name` and `app = ApplicationProvider(TheirApplication)`."""

    auth = Auth()

    def run(self, command, schema, command_id=None, own: bool = False, **arguments):
        """Validate `arguments` with `schema` and run `command` as the caller.

        `own=True`: a media company's user may run it only on its own partner_id.
        """
        values = load(schema, arguments)
        if own:
            self.auth.check_own(values["partner_id"])
        return command(**values, actor=self.auth.actor, command_id=command_id)

    @rpc
    @allow("admin", *READERS)
    def notifications(self, after=0, limit=100):
        """The service's events after notification `after`, in order, at most `limit` (≤ 1000).

        Each item is an envelope: source, notification_id, originator_id, originator_version,
        type, timestamp (UTC), actor {sub, roles}, payload, prev_hash, hash, schema_version.
        Consumers use it to fill gaps; auditors read the whole history with it.
        """
        check_page(after, limit)
        return self.app.notifications(after, limit)

    @rpc
    @allow("admin", *READERS)
    def checkpoints(self, after=0, limit=100):
        """The service's journal of checkpoints after notification `after` (at most `limit`,
        ≤ 1000): notification_id, originator_id, originator_version, hash, root_hash,
        recorded_at. `seklik audit verify` compares it with the log."""
        check_page(after, limit)
        return self.app.checkpoints(after, limit)

    @rpc
    @allow("admin", *READERS)
    def digest(self):
        """The service's head as a checkpoint signed at the log's end: {regency, service,
        last_notification_id, root_hash, recorded_at, key_id, public_key, signature} (Ed25519
        over the canonical JSON of regency, service, notification_id, root_hash, recorded_at,
        key_id: shared/checkpoints.py). Keep it outside the system; a later audit proves nothing
        up to it changed, and two kept digests prove the newer extends the older."""
        return self.app.digest()

    @rpc
    @allow("admin", *READERS)
    def signed_checkpoints(self, after=0, limit=100):
        """The service's signed checkpoints after notification `after` (at most `limit`,
        ≤ 1000), in order: notification_id, regency, service, root_hash, recorded_at, key_id,
        public_key, signature. Written every SEKLIK_CHECKPOINT_EVERY events or
        SEKLIK_CHECKPOINT_SECONDS seconds; `seklik audit verify` checks each one against the
        root it recomputes, with keys it trusts (never the one a row carries)."""
        check_page(after, limit)
        return self.app.signed_checkpoints(after, limit)

    @rpc
    @allow("admin", *READERS)
    def aggregate_events(self, originator_id, after=0, limit=1000):
        """One aggregate's events, read from this service's own store (not a projector's
        copy): the envelopes with originator_version > `after`, in version order, at most
        `limit` (≤ 1000), sealed as `notifications` pages are. `originator_id` is the UUID of
        a partner, assessment, contract, order, budget or other aggregate; an id this service
        does not hold answers []. A version the service's journal of checkpoints recorded but
        its store no longer holds comes as a stand-in: {notification_id, originator_version,
        hash (the journal's), type null, missing: why}. `seklik audit trail` checks each chain
        (versions 1..n without a gap, prev_hash, hash) and compares it with the reporting
        views' copy."""
        check_page(after, limit)
        values = load(AggregateSchema, {"originator_id": originator_id})
        return aggregate_envelopes(self.app, values["originator_id"], after, limit)

    @rpc
    @allow("admin", "auditor", "system")
    def snapshot_findings(self):
        """Every stored snapshot of this service checked against the stored event at its
        version, as loading checks it: {service, snapshots: how many were checked, findings:
        [{originator_id, originator_version, problem, actual_version}]}. A finding is a snapshot
        whose chain head is not its event's hash (relabelled as another version, moved, or
        changed at rest); `actual_version` is the version it really holds when known. Commands
        never use such a snapshot (they replay the events). No state is revealed.
        `seklik audit verify` calls it."""
        return self.app.snapshot_findings()

    @rpc
    @allow("admin", *READERS)
    def quarantine(self, source=None):
        """What this service's store set aside: events its consumers (or, with `source` = the
        service itself, its relay) could not decode or apply, and deliveries refused (not an
        envelope, another regency). Each row: regency, source, notification_id (negative for a
        delivery that is no notification of the log), type, error, first_try, last_try, tries,
        released_at (set once applied after all). The deliveries themselves stay in the store,
        encrypted. `source` narrows to one source."""
        if source is not None and (not isinstance(source, str) or not source.isidentifier()):
            raise ValidationFailed.from_messages({"source": ["must be a service name"]})
        return self.app.quarantine.rows(source)

    @rpc
    @allow("admin")
    def retry_quarantined(self, source, notification_id):
        """Apply a quarantined notification of `source` again, after a fix, through this
        service's feed of that source; the position does not move back. Answers {source,
        notification_id, status: "applied" | "already_released", tries, released_at}. Still
        failing: RuleViolated `still_failing` with the reason (its tries go up). For the
        relay's own rows (`source` = this service) it checks the stored event decodes and
        serialises now and releases it; consumers fetch it again on their own retry."""
        errors = {}
        if not isinstance(source, str) or not source.isidentifier():
            errors["source"] = ["must be a service name"]
        if (not isinstance(notification_id, int) or isinstance(notification_id, bool)
                or not 1 <= notification_id < 2 ** 63):
            errors["notification_id"] = ["must be a positive integer notification id"]
        if errors:
            raise ValidationFailed.from_messages(errors)
        if source == self.name:
            return self._retry_unpublished(notification_id)
        feed = self._feeds().get(source)
        if feed is None:
            raise NotFound(f"{self.name} has no feed of {source} (the projector retries the "
                           "reporting views' rows)", code="no_such_feed",
                           details={"source": source, "feeds": sorted(self._feeds())})
        return feed.retry(notification_id)

    @rpc
    @allow("admin", *READERS)
    def health(self):
        """{service, regency, relay: {position, last_notification_id, behind} (null without
        a relay), consumers: [{source, last_applied, latest_seen, lag, applied, quarantined,
        refused, ...}], quarantined: rows not released}."""
        last = self.app.max_notification_id()
        position = relay_position(self.app)
        return {"service": self.name, "regency": self.app.settings.regency_code,
                "relay": None if position is None else {
                    "position": position, "last_notification_id": last,
                    "behind": max(0, last - position)},
                "consumers": [feed.status() for _, feed in sorted(self._feeds().items())],
                "quarantined": self.app.quarantine.count()}

    def _feeds(self) -> dict:
        """source -> the TrackedConsumer of each Feed this service declares."""
        return {provider.source: getattr(self, attr) for klass in type(self).__mro__
                for attr, provider in vars(klass).items() if isinstance(provider, Feed)}

    def _retry_unpublished(self, notification_id: int) -> dict:
        row, nothing_to_do = self.app.quarantine.to_retry(self.name, notification_id)
        if nothing_to_do:
            return nothing_to_do
        page = self.app.notifications(notification_id - 1, 1)
        problem = None
        if not page or page[0]["notification_id"] != notification_id:
            problem = "the log no longer holds it"
        elif page[0].get("undecodable"):
            problem = f"the stored event still does not decode: {page[0]['undecodable']}"
        else:
            try:
                message_of(page[0])
            except (TypeError, ValueError) as exc:
                problem = f"cannot be serialised as JSON: {exc}"
        if problem:
            raise self.app.quarantine.still_failing(self.name, notification_id,
                                                    row["envelope"], problem, row["type"])
        return self.app.quarantine.applied(row, self.name, notification_id)


class AggregateSchema(Strict):
    originator_id = Id(required=True)


def aggregate_envelopes(app, originator_id: uuid.UUID, after: int, limit: int) -> list[dict]:
    """The stored events of one aggregate after version `after`, as the log's envelopes (with
    their notification ids). eventsourcing reads an aggregate's events without their position
    in the log, so the rows are read here, from the store's own events table."""
    recorder = app.recorder
    table = app.sql.table(recorder.events_table_name)
    if app.sql.is_postgres:
        position, key = "notification_id", originator_id
    else:
        position, key = "rowid", originator_id.hex
    rows = app.sql.query(
        f"SELECT {position}, originator_version, topic, state FROM {table}"
        f" WHERE originator_id = ? AND originator_version > ? ORDER BY originator_version"
        f" LIMIT ?", (key, int(after), int(limit)))
    events = [app.envelope(Notification(id=nid, originator_id=originator_id,
                                        originator_version=version, topic=topic,
                                        state=bytes(state)))
              for nid, version, topic, state in rows]
    # A version the journal of checkpoints recorded but the store no longer holds was deleted
    # (its tail leaves no gap in what remains): a stand-in says so, in its place.
    upto = events[-1]["originator_version"] if len(events) == limit else None
    held = {env["originator_version"] for env in events}
    journaled = app.sql.query(
        f"SELECT notification_id, originator_version, event_hash, recorded_at FROM "
        f"{app.journal} WHERE originator_id = ? AND originator_version > ?"
        f" ORDER BY originator_version", (str(originator_id), int(after)))
    for nid, version, event_hash, recorded_at in journaled:
        if version not in held and (upto is None or version < upto):
            events.append({
                "regency": app.settings.regency_code, "source": app.name,
                "notification_id": nid, "originator_id": str(originator_id),
                "originator_version": version, "type": None, "timestamp": None, "actor": {},
                "payload": {}, "prev_hash": None, "hash": event_hash, "schema_version": None,
                "missing": f"recorded in {app.name}'s journal of checkpoints on {recorded_at} "
                           f"(notification {nid}, hash {event_hash[:12]}…) but no longer in "
                           "its store: deleted"})
    return sorted(events, key=lambda env: env["originator_version"])[:limit]


def check_page(after, limit) -> None:
    errors = {}
    # Bounded as the stores' 64-bit integers are: past them a query fails, it is no page.
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 2**63:
        errors["after"] = ["must be an integer position from 0 to 2^63 - 1"]
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 1000:
        errors["limit"] = ["must be an integer from 1 to 1000"]
    if errors:
        raise ValidationFailed.from_messages(errors)
