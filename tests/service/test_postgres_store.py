"""A service's store on PostgreSQL (shared/postgres.py, shared/storage.py): while one green
thread waits for the server the others run, so commands of one process meet there for real and
keep their guarantees (optimistic concurrency, one answer per command_id); and only what is made
again after a crash (a consumer's position alone, the journal of checkpoints and the relay's
cursor) commits without waiting for the disk."""
import uuid

import eventlet
import psycopg
import pytest
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from services.partners.application import PartnersApplication
from services.reporting.application import ReportingApplication
from shared.application import CommandRecord
from shared.config import conninfo
from shared.domain import acting_as
from shared.postgres import ProcessRecorder
from tests.support import actor, company, loaded

ADMIN = actor("admin", sub="kominfo.ani")
SEEN: list[str] = []  # what ProbedRecorder saw inside each transaction that records events


class ProbedRecorder(ProcessRecorder):
    """The service's recorder, reading back in each of its transactions whether its commit
    will wait for the disk."""

    def _insert_events(self, curs, stored_events, **kwargs) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        curs.execute("SELECT current_setting('synchronous_commit') AS waits")
        SEEN.append(curs.fetchone()["waits"])


def test_while_one_green_thread_waits_for_postgresql_the_others_run(pg_settings):
    app = PartnersApplication(pg_settings)
    key = uuid.uuid4().int % 2**62
    answered = []

    def held_up():  # waits, in the server, for a lock the test holds
        with app.sql.transaction() as cur:
            cur.execute("SET LOCAL lock_timeout = '20s'")  # a process that stands still fails
            cur.execute("SELECT pg_advisory_xact_lock(?)", (key,))
        answered.append("held up")

    def quick():
        app.sql.query("SELECT 1")
        answered.append("quick")

    with psycopg.connect(conninfo(pg_settings.postgres), autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (key,))
        waiting = eventlet.spawn(held_up)
        eventlet.sleep(0)  # it sends its statement and waits for the lock
        eventlet.spawn(quick).wait()
        holder.execute("SELECT pg_advisory_unlock(%s)", (key,))
        waiting.wait()
    assert answered == ["quick", "held up"]


def test_concurrent_commands_on_one_partner_are_each_recorded_once(pg_settings):
    app = PartnersApplication(pg_settings)
    partner_id = app.register_partner(loaded(company(1)), actor=ADMIN)["partner_id"]
    before = app.max_notification_id()

    def change(n: int, command_id: str):
        return app.request_identity_change(partner_id, {"brand_name": f"Sumsel {n}"},
                                           f"rebranding {n}", actor=ADMIN,
                                           command_id=command_id)

    pool = eventlet.GreenPool()
    # four changes at once, and the first of them sent twice more under its command_id
    sent = [(n, f"change-{n}") for n in range(4)] + [(0, "change-0"), (0, "change-0")]
    answers = list(pool.starmap(change, sent))

    assert answers[4] == answers[5] == answers[0]
    assert len({a["change_id"] for a in answers[:4]}) == 4
    partner = app.repository.get(uuid.UUID(partner_id))
    assert sorted(partner.identity_change(uuid.UUID(a["change_id"]))["change"]["brand_name"]
                  for a in answers[:4]) == [f"Sumsel {n}" for n in range(4)]
    recorded = [env["type"] for env in app.notifications(before, 100)]
    assert sorted(recorded) == ["CommandRecorded"] * 4 + ["IdentityChangeRequested"] * 4


def test_a_position_alone_commits_without_waiting_for_the_disk_and_still_counts_once(
        pg_settings):
    app = PartnersApplication(pg_settings, env={"PROCESS_RECORDER_TOPIC":
                                                get_topic(ProbedRecorder)})
    SEEN.clear()
    app.save_tracked({"source": "accounts", "notification_id": 1})
    with pytest.raises(IntegrityError):  # applied already: nothing is recorded again
        app.save_tracked({"source": "accounts", "notification_id": 1})
    with acting_as(actor("system", sub="accounts.feed")):
        app.save_tracked({"source": "accounts", "notification_id": 2},
                         CommandRecord(command_id="c-1", method="m", answer={}))
    app.register_partner(loaded(company(1)), actor=ADMIN)
    assert app.tracked_position("accounts") == 2
    # the position alone: off; with events (a consumer's change, a command): they wait
    assert SEEN == ["off", "on", "on"]


def test_the_journal_and_the_relays_cursor_commit_without_waiting_for_the_disk(pg_settings):
    app = PartnersApplication(pg_settings)
    app.register_partner(loaded(company(1)), actor=ADMIN)
    seen = []

    def then(cur):  # where the relay moves its cursor
        cur.execute("SELECT current_setting('synchronous_commit')")
        seen.append(cur.fetchone()[0])

    head = app.extend_journal(then=then)
    assert seen == ["off"]
    assert head["last_notification_id"] == app.max_notification_id()
    assert app.checkpoints(0, 10)[-1]["root_hash"] == head["root_hash"]


def test_a_reporting_replica_starts_beside_a_projector_in_the_middle_of_a_page(pg_settings):
    """A process starting on views that exist runs no DDL: CREATE INDEX IF NOT EXISTS takes a
    SHARE lock on its table even when the index is there, so the replica waited for a
    projector's page, and deadlocked with it (make bench, 2026-12-05)."""
    live = ReportingApplication(pg_settings)  # the views, made by the first replica
    with psycopg.connect(conninfo(pg_settings.postgres)) as projector:  # a page under way:
        projector.execute(f"LOCK TABLE {live.t['documents']} IN ROW EXCLUSIVE MODE")
        starting = eventlet.spawn(ReportingApplication, pg_settings)
        with eventlet.Timeout(10, AssertionError("the replica waited for the projector's page")):
            replica = starting.wait()
        projector.rollback()
    assert replica.generation == live.generation and replica.t == live.t
