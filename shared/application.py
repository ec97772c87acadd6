"""The eventsourcing Application every service's `application.py` subclasses.

It gives each service: its own store (SQLite file or PostgreSQL schema, from `Settings`), a
process recorder (so a consumer records its position atomically with its own events), idempotent
commands (`@command`), the notification log as envelopes (the outbox that the relay publishes and
the `notifications` RPC pages through), and checkpoints over that log (`digest`).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import logging
import random
import time
import uuid
from functools import cached_property
from itertools import chain
from typing import Callable, Iterator

from eventsourcing.application import (AggregateNotFoundError, Application, ProcessingEvent,
                                       Repository)
from eventsourcing.domain import event
from eventsourcing.persistence import IntegrityError, Mapper, Tracking, Transcoding
from eventsourcing.utils import get_topic, resolve_topic

from shared import domain as kernel_domain, personal
from shared.config import Settings, store_setup
from shared.domain import (ENVELOPE_FIELDS, GENESIS, Aggregate, acting_as, canonical,
                           event_payload, jsonable, schema_version_of)
from shared.errors import Conflict, NotFound
from shared.files import FileStore
from shared.personal import keyed_digest
from shared.schemas import check_command_id
from shared.quarantine import Quarantine
from shared.storage import SqlStore, sqlite_page_cache

COMMAND_NAMESPACE = uuid.UUID("6f1d0c52-6b8e-4b8f-9f57-6c1e5e1a2b10")
MAX_PAGE = 1000
# A command that collides runs again against the new state. Of n commands on one aggregate at
# once, each round saves at least one, so n - 1 collisions are the worst a command meets when
# nothing else writes: since a service's green threads no longer wait for PostgreSQL one at a
# time (shared/postgres.py), eight reviews of one partner's documents on two replicas meet for
# real, and five attempts left one of them answering concurrent_change.
SAVE_ATTEMPTS = 10
# The SQL types of the journal's columns, in order (its CREATE TABLE in ServiceApplication).
JOURNAL_TYPES = ("BIGINT", "TEXT", "BIGINT", "TEXT", "TEXT", "TEXT")
# Aggregates whose histories grow all year (a budget takes an event for every order placed, paid
# or released against it) are snapshotted every SNAPSHOT_EVERY events: a command then loads the
# last snapshot and the events after it, not the whole year. Snapshots live beside the events
# (same store, same cipher); the log and replay never read them. A snapshot is used only when
# its chain head is the hash of its stored event (CheckedRepository), and verify checks every
# one (snapshot_findings): a snapshot relabelled in the database changes no state. Measured on
# one contract taking 1,000 orders in process: every 10 events 619 orders/s, 20: 578/s, 50:
# 444/s, 100: 299/s, never: 87/s falling to 13/s; 20 writes half the snapshots of 10 for 7% less.
SNAPSHOT_EVERY = 20
log = logging.getLogger(__name__)


class DateAsISO(Transcoding):
    type = dt.date
    name = "date_iso"

    def encode(self, obj: dt.date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> dt.date:
        return dt.date.fromisoformat(data)


class CommandRecord(Aggregate):
    """The first answer to a command sent with a `command_id`; saved with the command's events.

    It binds the id to the method, the caller (the actor's `sub`) and `payload_hash`, a keyed
    digest of the command's validated arguments (see `payload_digest`). Records written before
    that binding carry neither (None): they are compared by method only.
    """

    @staticmethod
    def create_id(command_id: str) -> uuid.UUID:
        return uuid.uuid5(COMMAND_NAMESPACE, command_id)

    @event("CommandRecorded")
    def __init__(self, command_id: str, method: str, answer: dict, caller: str | None = None,
                 payload_hash: str | None = None):
        self.command_id = command_id
        self.method = method
        self.answer = answer
        self.caller = caller
        self.payload_hash = payload_hash


def payload_digest(key: bytes, args: tuple, kwargs: dict) -> str:
    """HMAC-SHA256 (under Settings.digest_key) of the canonical JSON of a command's arguments:
    a plain hash of a payload holding a NIK or an NPWP could be brute-forced from a dump.

    An upload's `upload_id` does not count: it is new for each request, while the bytes it
    stands for count by the `sha256` beside it (shared.schemas.UploadSchema), so the same file
    sent again under the same command id is the same command."""
    return keyed_digest(key, canonical({"args": list(args),
                                        "kwargs": without_upload_ids(kwargs)}).decode())


def without_upload_ids(value):
    if isinstance(value, dict):
        return {k: without_upload_ids(v) for k, v in value.items() if k != "upload_id"}
    if isinstance(value, (list, tuple)):
        return [without_upload_ids(v) for v in value]
    return value


def command(method: Callable) -> Callable:
    """Make an application method an attributable, idempotent, all-or-nothing command.

    The method runs inside `acting_as(actor)` and returns `(answer, aggregates)`; the aggregates'
    new events are saved in one transaction, with the `CommandRecord` when a `command_id` is given.
    A `command_id` is a string of 1 to 100 characters from A-Z a-z 0-9 . _ : - (anything else is
    ValidationFailed naming `command_id`), bound to the method, the caller and the arguments:
    the same call again returns the first answer and records nothing; another method, caller or
    payload under the same id is Conflict `command_id_reused`. When a concurrent command changed
    the same aggregate (or claimed the same unique key) first, the save fails as a whole and the
    method runs again against the new state, so its own checks give the answer.
    """

    @functools.wraps(method)
    def run(self: "ServiceApplication", *args, actor: dict, command_id: str | None = None,
            **kwargs):
        check_command_id(command_id)  # whatever the entrypoint did: every command runs here
        if command_id is not None:
            caller = str(actor.get("sub")) if isinstance(actor, dict) else None
            payload_hash = payload_digest(self.settings.digest_key, args, kwargs)
        for attempt in range(SAVE_ATTEMPTS):
            if attempt:  # jitter, so that colliding commands do not collide again in step
                time.sleep(random.uniform(0, 0.01 * attempt))
            if command_id is not None:
                previous = self.previous_answer(command_id, method.__name__, caller,
                                                payload_hash)
                if previous is not None:
                    return previous
            with acting_as(actor):
                answer, aggregates = method(self, *args, **kwargs)
                answer = jsonable(answer)
                if command_id is not None:
                    aggregates = [*aggregates, CommandRecord(
                        command_id=command_id, method=method.__name__, answer=answer,
                        caller=caller, payload_hash=payload_hash)]
            try:
                self.save(*aggregates)
            except IntegrityError:
                continue
            return answer
        raise Conflict(f"{method.__name__} kept colliding with concurrent changes; try again",
                       code="concurrent_change")

    run.is_command = True
    return run


def snapshot_problem(snapshot, event) -> str | None:
    """Why a snapshot may not stand for its aggregate at its version (None: it may).

    A snapshot's state holds `_chain_head`, the hash of the last event applied when it was taken
    (shared/domain.py), so it must equal the hash of the stored event at the snapshot's version:
    a snapshot relabelled as another version, or moved to another aggregate, does not. `event` is
    that stored event (None when there is none)."""
    if event is None:
        return (f"no event {snapshot.originator_version} of its aggregate is stored: the "
                "snapshot stands for a version its history does not have")
    head = snapshot.state.get("_chain_head") if isinstance(snapshot.state, dict) else None
    if head != event.hash:
        return (f"its chain head {str(head)[:12]}… is not the hash {str(event.hash)[:12]}… of "
                f"the event at version {snapshot.originator_version}: relabelled or changed")
    return None


class CheckedRepository(Repository):
    """eventsourcing's Repository, but a snapshot is used only when it matches the stored event
    at its version (read with the events after it, no extra query; see `snapshot_problem`);
    otherwise, or when it no longer decodes, the aggregate is replayed from its events and the
    mismatch is logged as an ERROR. Every command and query loads through here
    (`Application.repository`)."""

    def __init__(self, *args, service: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.service = service

    def _reconstruct_aggregate(self, aggregate_id, version, projector_func):
        if self.snapshot_store is None:
            return super()._reconstruct_aggregate(aggregate_id, version, projector_func)
        snapshots, problem = [], None
        try:
            snapshots = list(self.snapshot_store.get(originator_id=aggregate_id, desc=True,
                                                     limit=1, lte=version))
        except Exception as exc:  # changed at rest: it no longer decrypts or decodes
            problem = f"it cannot be read ({type(exc).__name__}: {exc})"[:300]
        if snapshots:
            snapshot = snapshots[0]
            try:  # the event at the snapshot's version and those after it: one read, as before
                events = list(self.event_store.get(originator_id=aggregate_id,
                                                   gt=snapshot.originator_version - 1,
                                                   lte=version))
                own = events[0] if events and events[0].originator_version == \
                    snapshot.originator_version else None
                problem = snapshot_problem(snapshot, own)
            except Exception as exc:  # an event does not decode: the replay below says so
                problem = f"its event cannot be read ({type(exc).__name__}: {exc})"[:300]
            if problem is None:
                aggregate = projector_func(None, chain([snapshot], events[1:]))
                if aggregate is None:
                    raise AggregateNotFoundError(f"Aggregate {aggregate_id!r} not found")
                return aggregate
        if problem:
            log.error("%s: the snapshot of %s%s is not used, the aggregate is replayed from its "
                      "events: %s", self.service, aggregate_id,
                      f" version {snapshots[0].originator_version}" if snapshots else "", problem)
        aggregate = projector_func(None, self.event_store.get(originator_id=aggregate_id,
                                                              lte=version))
        if aggregate is None:
            raise AggregateNotFoundError(f"Aggregate {aggregate_id!r} version {version!r} "
                                         "not found.")
        return aggregate


def event_at(event_store, aggregate_id, version: int):
    """The stored event of an aggregate at `version` (None when there is none): one read."""
    return next(iter(event_store.get(originator_id=aggregate_id, gt=version - 1, lte=version)),
                None)


class ServiceApplication(Application):
    """Base of each service's application. Subclasses set `name` to the service's name."""

    def __init__(self, settings: Settings | None = None, env: dict | None = None,
                 clock: Callable[[], dt.datetime | dt.date] | None = None):
        self.settings = settings or Settings.from_env()
        # The hash chain commits personal numbers under the deployment's digest key.
        personal.use_commitment_key(self.settings.digest_key)
        self._clock = clock
        store_env = self.settings.store_env(self.name)
        if self.settings.postgres:
            from shared import postgres  # psycopg: only where a store is on PostgreSQL
            postgres.wait_cooperatively()
            store_env["PROCESS_RECORDER_TOPIC"] = get_topic(postgres.ProcessRecorder)
        with store_setup(self.settings, self.name):  # one process at a time per schema
            super().__init__(env={**store_env, **(env or {})})
        self.sql = SqlStore(self.recorder.datastore)
        if not self.sql.is_postgres:
            sqlite_page_cache(self.recorder.datastore, self.settings.sqlite_cache)
        self.journal = self.sql.table("journal")
        self.sql.execute(
            f"CREATE TABLE IF NOT EXISTS {self.journal} ("
            " notification_id BIGINT PRIMARY KEY, originator_id TEXT NOT NULL,"
            " originator_version BIGINT NOT NULL, event_hash TEXT NOT NULL,"
            " root_hash TEXT NOT NULL, recorded_at TEXT NOT NULL)")
        # Signed checkpoints (shared/checkpoints.py): the journal's root at a position, under
        # the service's own key. `published` is the relay's mark (the witness exchange).
        self.signed = self.sql.table("signed_checkpoints")
        self.sql.execute(
            f"CREATE TABLE IF NOT EXISTS {self.signed} ("
            " notification_id BIGINT PRIMARY KEY, regency TEXT NOT NULL, service TEXT NOT NULL,"
            " root_hash TEXT NOT NULL, recorded_at TEXT NOT NULL, key_id TEXT NOT NULL,"
            " public_key TEXT NOT NULL, signature TEXT NOT NULL,"
            " published INTEGER NOT NULL DEFAULT 0)")
        self._signing_key = None
        self._last_signed: tuple[int, float] | None = None  # (position, monotonic time)
        self._after_save: list[Callable[[], None]] = []
        # What this store's consumers (and its relay) could not apply: shared/quarantine.py.
        self.quarantine = Quarantine(self.sql, self.mapper.cipher, self.settings.regency_code)

    @cached_property
    def files(self) -> FileStore:
        """The deployment's file store, sealed with this store's cipher (shared/files.py)."""
        return FileStore.from_settings(self.settings, self.mapper.cipher)

    def today(self) -> dt.date:
        """The regency's date now (SEKLIK_TIMEZONE): the date rules are judged on. From 00:00
        to 07:00 WIB the UTC date is still yesterday's, so never the UTC date. Tests may give
        the application a clock: an instant (an aware datetime, turned into the regency's
        date) or a date (taken as the regency's date as it is)."""
        now = self._clock() if self._clock else dt.datetime.now(dt.timezone.utc)
        return self.settings.local_date(now) if isinstance(now, dt.datetime) else now

    def now(self) -> dt.datetime:
        """The instant now (UTC), by the clock that stamps events (shared.domain.utcnow):
        what an embargo or a lock is judged against."""
        return kernel_domain.utcnow()

    def construct_recorder(self):
        return self.factory.process_recorder()

    def register_transcodings(self, transcoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def save(self, *objs, **kwargs):
        recordings = super().save(*objs, **kwargs)
        if recordings:
            for callback in self._after_save:
                callback()
        return recordings

    def _take_snapshots(self, processing_event) -> None:
        """A snapshot only saves reading: when it cannot be written, the events (committed
        already) stand and the next interval takes one."""
        try:
            super()._take_snapshots(processing_event)
        except Exception:
            log.exception("%s: a snapshot was not written; the events are saved", self.name)

    def construct_repository(self) -> Repository:
        """The Repository every command loads through, with each snapshot checked against the
        stored event at its version before it is used (`CheckedRepository`)."""
        plain = super().construct_repository()  # read the settings as eventsourcing does
        checked = CheckedRepository(
            event_store=plain.event_store, snapshot_store=plain.snapshot_store,
            fastforward=plain.fastforward, fastforward_skipping=plain.fastforward_skipping,
            deepcopy_from_cache=plain.deepcopy_from_cache, service=self.name)
        checked.cache = plain.cache
        return checked

    def snapshot_findings(self) -> dict:
        """Every stored snapshot checked against the stored event at its version (as loading
        checks it): {service, snapshots: how many, findings: [{originator_id,
        originator_version, problem, actual_version}]}. `actual_version` is the version whose
        event hash the snapshot's chain head is (a relabelled snapshot's true version), or None.
        No state is revealed."""
        if self.snapshots is None:
            return {"service": self.name, "snapshots": 0, "findings": []}
        table = self.sql.table(self.snapshots.recorder.events_table_name)
        rows = self.sql.query(f"SELECT originator_id, originator_version FROM {table}"
                              " ORDER BY originator_id, originator_version")
        findings = []
        for raw_id, version in rows:
            aggregate_id = raw_id if isinstance(raw_id, uuid.UUID) else uuid.UUID(str(raw_id))
            problem, head = None, None
            try:
                snapshot = next(iter(self.snapshots.get(aggregate_id, gt=version - 1,
                                                        lte=version)))
                head = snapshot.state.get("_chain_head")
                problem = snapshot_problem(snapshot, event_at(self.events, aggregate_id,
                                                              version))
            except Exception as exc:  # the snapshot or its event no longer decodes
                problem = f"it cannot be read ({type(exc).__name__}): changed at rest"
            if problem:
                actual = None
                if head:  # which version it really is, for the auditor
                    try:
                        actual = next((e.originator_version for e in
                                       self.events.get(aggregate_id) if e.hash == head), None)
                    except Exception:
                        actual = None
                if actual is not None and actual != version:
                    problem += f" (it is the snapshot of version {actual})"
                findings.append({"originator_id": str(aggregate_id),
                                 "originator_version": version, "problem": problem,
                                 "actual_version": actual})
        return {"service": self.name, "snapshots": len(rows), "findings": findings}

    def save_tracked(self, envelope: dict, *aggregates, tracked: bool = True) -> None:
        """Save a consumer's change together with its position in the source's log.

        Raises IntegrityError, saving nothing, when that position was recorded already: a
        duplicate delivery, or another replica that applied it first. `tracked=False` (a
        quarantined event applied again, behind the position) saves the change alone.
        """
        if not tracked:
            if aggregates:
                self.save(*aggregates)
            return
        processing = ProcessingEvent(Tracking(envelope["source"], envelope["notification_id"]))
        processing.collect_events(*aggregates)
        recordings = self._record(processing)
        if recordings:
            for callback in self._after_save:
                callback()

    def tracked_position(self, source: str) -> int:
        """The last notification of `source` applied here (0 for none)."""
        return self.recorder.max_tracking_id(source) or 0

    def skip_tracked(self, envelope: dict) -> None:
        """Move the position past an envelope that was quarantined, changing nothing else
        (IntegrityError when the position is there already)."""
        self.save_tracked(envelope)

    def after_save(self, callback: Callable[[], None]) -> None:
        """Call `callback` after every save that recorded events (the relay's nudge)."""
        self._after_save.append(callback)

    # Commands ----------------------------------------------------------------------------

    def previous_answer(self, command_id: str, method: str, caller: str | None = None,
                        payload_hash: str | None = None) -> dict | None:
        """The first answer under `command_id` when this is the same call again (same method,
        caller and payload); None when the id is new; Conflict `command_id_reused` otherwise.

        The conflict says which of method, caller and payload differs, never the other call's
        payload or caller. A record from before callers and payloads were bound (None) is
        compared by method only.
        """
        # Its events alone, in one read: a command record is never snapshotted, so the
        # repository's look for a snapshot first would be a round trip for nothing.
        record = None
        for evt in self.events.get(CommandRecord.create_id(command_id)):
            record = evt.mutate(record)
        if record is None:
            return None
        differs = [what for what, first, now in (
            ("method", record.method, method),
            ("caller", getattr(record, "caller", None), caller),
            ("payload", getattr(record, "payload_hash", None), payload_hash),
        ) if first is not None and now is not None and first != now]
        if differs:
            details = {"command_id": command_id, "differs": differs}
            if "caller" not in differs:  # the caller's own earlier command: say which it was
                details["used_for"] = record.method
            raise Conflict(
                f"command_id {command_id} was already used for another call (its "
                f"{' and '.join(differs)} differ{'s' if len(differs) == 1 else ''}); the same "
                f"call again gets the first answer, a new call needs a new command_id",
                code="command_id_reused", details=details)
        return record.answer

    def load(self, aggregate_id, kind: type, label: str, as_of: dt.date | None = None):
        """The aggregate (as it stood at the end of `as_of`), or NotFound naming it."""
        missing = NotFound(f"no {label} {aggregate_id}" + (f" on {as_of}" if as_of else ""),
                           details={label: str(aggregate_id)})
        try:
            aggregate_id = uuid.UUID(str(aggregate_id))
            version = None if as_of is None else self.version_on(aggregate_id, as_of)
            aggregate = self.repository.get(aggregate_id, version=version)
        except (AggregateNotFoundError, ValueError):
            raise missing from None
        if not isinstance(aggregate, kind):
            raise missing
        return aggregate

    def version_on(self, aggregate_id: uuid.UUID, as_of: dt.date) -> int:
        """The version an aggregate had at the end of the regency's day `as_of` (an event at
        2026-12-31T18:00Z happened on 1 January 2027 in WIB)."""
        version, end = None, self.settings.day_end(as_of)
        for evt in self.events.get(aggregate_id):
            if evt.timestamp >= end:
                break
            version = evt.originator_version
        if version is None:
            raise AggregateNotFoundError(aggregate_id)
        return version

    # The notification log as envelopes ---------------------------------------------------

    def notifications(self, after: int, limit: int) -> list[dict]:
        """Envelopes with notification_id > after, in order, at most `limit` (≤ 1000), with
        every personal number sealed: the same pages for every caller and the relay."""
        limit = max(0, min(int(limit), MAX_PAGE))
        if limit == 0:
            return []
        page = self.recorder.select_notifications(start=int(after), limit=limit,
                                                  inclusive_of_start=False)
        return [self.envelope(n) for n in page]

    def envelope(self, notification) -> dict:
        """One stored event as every reader gets it (ARCHITECTURE.md, the event envelope):
        `payload` in the event class's current shape and `schema_version` its class_version;
        for an event recorded under an older class_version (upcast as it is read), also
        `recorded` = {schema_version, payload}: what it was first recorded as, sealed like
        `payload`, which its `hash` commits to (shared/domain.py)."""
        try:
            evt, recorded = self._decoded(notification)
        except Exception as exc:  # a stored event that no longer decodes: changed at rest
            return {"regency": self.settings.regency_code, "source": self.name,
                    "notification_id": notification.id,
                    "originator_id": str(notification.originator_id),
                    "originator_version": notification.originator_version,
                    "type": notification.topic.rsplit(".", 1)[-1], "timestamp": None,
                    "actor": {}, "payload": {}, "prev_hash": None, "hash": None,
                    "schema_version": None,
                    "undecodable": f"{type(exc).__name__}: {exc}"[:300]}
        return {
            "regency": self.settings.regency_code,
            "source": self.name,
            "notification_id": notification.id,
            "originator_id": str(evt.originator_id),
            "originator_version": evt.originator_version,
            "type": type(evt).__name__,
            "timestamp": jsonable(evt.timestamp),
            "actor": evt.actor,
            # Personal numbers leave the store only sealed (shared/personal.py).
            "payload": self._sealed(event_payload(evt)),
            "prev_hash": evt.prev_hash,
            "hash": evt.hash,
            "schema_version": schema_version_of(type(evt)),
            **({"recorded": recorded} if recorded is not None else {}),
        }

    def _sealed(self, payload: dict) -> dict:
        return personal.sealed(jsonable(payload), self.mapper.cipher, self.settings.digest_key)

    def _decoded(self, notification) -> tuple:
        """(the domain event, upcast as the mapper reads it; `recorded` or None).

        An event class still at class_version 1 has nothing to upcast: the mapper's event is
        the recorded one (the cheap path, every event today). For a versioned class, the stored
        bytes are decrypted and decompressed once here; their transcoded state, before any
        upcaster runs, is the event as first recorded, and the same plain bytes go through
        eventsourcing's own upcasting (a mapper without cipher or compressor). A class rolled
        back to version 1 under events recorded as 2 would need this path too: none exists.
        """
        cls = resolve_topic(notification.topic)
        current = schema_version_of(cls)
        if current == 1:
            return self.mapper.to_domain_event(notification), None
        data = notification.state
        if self.mapper.cipher:
            data = self.mapper.cipher.decrypt(data)
        if self.mapper.compressor:
            data = self.mapper.compressor.decompress(data)
        state = self.mapper.transcoder.decode(data)
        evt = Mapper(transcoder=self.mapper.transcoder).to_domain_event(
            dataclasses.replace(notification, state=data))
        recorded_version = state.pop("class_version", 1)
        if recorded_version == current:
            return evt, None
        payload = {k: v for k, v in state.items() if k not in ENVELOPE_FIELDS}
        return evt, {"schema_version": recorded_version, "payload": self._sealed(payload)}

    def originator_ids(self, event_class) -> "Iterator[uuid.UUID]":
        """The ids of the aggregates that recorded `event_class`, in log order (a scan of the
        notification log by topic: fine for a regency's hundreds or thousands)."""
        topic = get_topic(event_class)
        after = 0
        while True:
            page = self.recorder.select_notifications(start=after, limit=MAX_PAGE,
                                                      topics=[topic], inclusive_of_start=False)
            for notification in page:
                yield notification.originator_id
            if len(page) < MAX_PAGE:
                return
            after = page[-1].id

    def max_notification_id(self) -> int:
        return self.recorder.max_notification_id() or 0

    # The journal of checkpoints --------------------------------------------------------

    def extend_journal(self, envelopes: list[dict] | None = None,
                       then: Callable | None = None) -> dict:
        """Record a checkpoint for every notification not yet in the journal; the head.

        Each row keeps a notification's id, aggregate, version and event hash, and the root
        root(n) = SHA-256(root(n-1) ":" notification_id ":" event hash), from GENESIS. The relay
        records what it publishes (`envelopes`, when they follow the head); `digest` records
        the rest on demand. A kept root proves that nothing up to it was changed, reordered or
        deleted; the rows tell an auditor where a change happened. `then(cursor)` runs in the
        transaction of the last rows (the relay moves its cursor there).

        These transactions do not wait for the disk (`without_waiting_for_disk`): rows a crash
        loses are recorded again from the log with the same roots, and a relay's cursor that
        moves back publishes again (at least once, as after a crash between publish and
        cursor). A signed checkpoint's commit, which waits, makes the rows before it durable.
        """
        last_id, root, recorded_at = self._journal_head()
        if envelopes and envelopes[0]["notification_id"] != last_id + 1:
            envelopes = None  # not the next ones: read them from the log instead
        now = dt.datetime.now(dt.timezone.utc).isoformat()
        while True:
            page = envelopes or self.notifications(last_id, MAX_PAGE)
            envelopes = None
            if not page:
                break
            rows = []
            for env in page:
                # A stored event that no longer decodes has no hash to read: its checkpoint
                # holds "" (as `audit verify` counts it), so the journal and the relay's
                # cursor move on; verify reports the event itself as a finding.
                event_hash = env["hash"] or ""
                root = extend_root(root, env["notification_id"], event_hash)
                rows.append((env["notification_id"], env["originator_id"],
                             env["originator_version"], event_hash, root, now))
            last_page = len(page) < MAX_PAGE
            with self.sql.transaction() as cur:
                cur.without_waiting_for_disk()  # made again from the log (see the docstring)
                # One statement for the page, not one (and a round trip) per row. Another
                # replica may record the same rows: same values.
                cur.insert_new(self.journal, "notification_id", JOURNAL_TYPES, rows)
                if last_page and then:
                    then(cur)
                    then = None
            last_id, recorded_at = page[-1]["notification_id"], now
            if last_page:
                break
        if then:  # nothing left to record: the journal was already there
            with self.sql.transaction() as cur:
                cur.without_waiting_for_disk()
                then(cur)
        return {"service": self.name, "last_notification_id": last_id, "root_hash": root,
                "recorded_at": recorded_at}

    def _journal_head(self) -> tuple[int, str, str | None]:
        row = self.sql.query(f"SELECT notification_id, root_hash, recorded_at FROM "
                             f"{self.journal} ORDER BY notification_id DESC LIMIT 1")
        return row[0] if row else (0, GENESIS, None)

    def digest(self) -> dict:
        """The journal extended to the end of the log, and its head signed: what an auditor
        keeps. {regency, service, last_notification_id, root_hash, recorded_at, key_id,
        public_key, signature}; it verifies on its own (shared/checkpoints.py)."""
        entry = self.sign_checkpoint(force=True)
        return {**entry, "last_notification_id": entry["notification_id"]}

    # Signed checkpoints ----------------------------------------------------------------

    def sign_checkpoint(self, force: bool = False) -> dict | None:
        """Extend the journal to the log's end and sign its head (one row per position: of two
        replicas signing the same position, the first one's row stands; both sign the same
        root). None when nothing was added since the last signed checkpoint and not `force`."""
        head = self.extend_journal()
        position = head["last_notification_id"]
        last = self._last_signed_position()
        if position == last and not force:
            return None
        if position and position == last:  # signed already: the stored one is the answer
            return self.signed_checkpoints(position - 1, 1)[0]
        if self._signing_key is None:
            from shared.auth import service_key  # auth imports the kernel's config only
            self._signing_key = service_key(self.settings, self.name)
        from shared import checkpoints
        entry = checkpoints.sign(
            self._signing_key, regency=self.settings.regency_code, service=self.name,
            notification_id=position, root_hash=head["root_hash"],
            recorded_at=dt.datetime.now(dt.timezone.utc).isoformat())
        if position:  # the empty log's head (GENESIS at 0) is signed, never stored
            self.sql.execute(
                f"INSERT INTO {self.signed} (notification_id, regency, service, root_hash,"
                " recorded_at, key_id, public_key, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (notification_id) DO NOTHING",
                (position, entry["regency"], entry["service"], entry["root_hash"],
                 entry["recorded_at"], entry["key_id"], entry["public_key"],
                 entry["signature"]))
            entry = self.signed_checkpoints(position - 1, 1)[0]  # the first one stands
        self._last_signed = (position, time.monotonic())
        return entry

    def checkpoint_due(self) -> bool:
        """True when SEKLIK_CHECKPOINT_EVERY events were saved since the last signed
        checkpoint, or SEKLIK_CHECKPOINT_SECONDS passed with any new event."""
        if self._last_signed is None:
            self._last_signed = (self._last_signed_position(), time.monotonic())
        position, at = self._last_signed
        behind = self.max_notification_id() - position
        return behind >= self.settings.checkpoint_every or (
            behind > 0 and time.monotonic() - at >= self.settings.checkpoint_seconds)

    def _last_signed_position(self) -> int:
        row = self.sql.query(f"SELECT MAX(notification_id) FROM {self.signed}")
        return (row[0][0] if row else None) or 0

    def signed_checkpoints(self, after: int, limit: int, unpublished: bool = False
                           ) -> list[dict]:
        """Signed checkpoints with notification_id > after, in order, at most `limit`."""
        rows = self.sql.query(
            f"SELECT notification_id, regency, service, root_hash, recorded_at, key_id,"
            f" public_key, signature FROM {self.signed} WHERE notification_id > ?"
            + (" AND published = 0" if unpublished else "")
            + " ORDER BY notification_id LIMIT ?", (int(after), max(0, min(limit, MAX_PAGE))))
        keys = ("notification_id", "regency", "service", "root_hash", "recorded_at", "key_id",
                "public_key", "signature")
        return [dict(zip(keys, row)) for row in rows]

    def mark_published(self, positions: list[int]) -> None:
        with self.sql.transaction() as cur:
            for position in positions:
                cur.execute(f"UPDATE {self.signed} SET published = 1 WHERE notification_id = ?",
                            (position,))

    def checkpoints(self, after: int, limit: int) -> list[dict]:
        """Journal rows with notification_id > after, in order, at most `limit` (≤ 1000)."""
        rows = self.sql.query(
            f"SELECT notification_id, originator_id, originator_version, event_hash,"
            f" root_hash, recorded_at FROM {self.journal} WHERE notification_id > ?"
            f" ORDER BY notification_id LIMIT ?", (int(after), max(0, min(limit, MAX_PAGE))))
        keys = ("notification_id", "originator_id", "originator_version", "hash", "root_hash",
                "recorded_at")
        return [dict(zip(keys, row)) for row in rows]


def extend_root(root: str, notification_id: int, event_hash: str) -> str:
    return hashlib.sha256(f"{root}:{notification_id}:{event_hash}".encode()).hexdigest()
