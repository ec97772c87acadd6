"""One command travels the whole path, with services as processes on RabbitMQ and PostgreSQL:
RPC in, event stored, event published, event consumed."""
import signal
import time

import eventlet
import pytest

from shared.domain import verify_chain
from shared.errors import Conflict, Forbidden, Unauthenticated, ValidationFailed
from tests.support import company

pytestmark = pytest.mark.integration
ENVELOPE_KEYS = {"regency", "source", "notification_id", "originator_id", "originator_version",
                 "type", "timestamp", "actor", "payload", "prev_hash", "hash", "schema_version"}


def eventually(check, timeout=20.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def test_a_registration_reaches_subscribers_with_a_complete_envelope(cluster, partners_tap):
    cluster.start("partners")
    with cluster.rpc("admin", sub="kominfo.ani") as rpc:
        answer = rpc.partners.register_partner(company(1))
    envelopes = partners_tap.drain(until_count=2)
    registered = next(e for e in envelopes if e["type"] == "PartnerRegistered")
    assert set(registered) == ENVELOPE_KEYS
    assert registered["source"] == "partners"
    assert registered["originator_id"] == answer["partner_id"]
    assert registered["actor"] == {"sub": "kominfo.ani", "roles": ["admin"]}
    assert set(registered["payload"]["npwp"]) == {"sealed", "digest"}  # never in clear
    assert verify_chain(envelopes) == []


def test_an_event_saved_but_not_published_before_a_kill_is_published_after_restart(
        cluster, partners_tap):
    # First life: the relay never gets to run (as if the process died right after the save).
    first = cluster.start("partners", SEKLIK_RELAY="off")
    with cluster.rpc("admin") as rpc:
        answer = rpc.partners.register_partner(company(1))
    assert partners_tap.drain(timeout=1.5) == []
    first.kill(signal.SIGKILL)

    cluster.start("partners")
    envelopes = partners_tap.drain(until_count=2, timeout=20)
    assert [e["originator_id"] for e in envelopes if e["type"] == "PartnerRegistered"] == [
        answer["partner_id"]]
    assert sorted(e["notification_id"] for e in envelopes) == [1, 2]


def test_the_projector_applies_a_duplicate_delivery_once(cluster, partners_tap):
    cluster.start("partners")
    cluster.start("projector")
    cluster.start("reporting")
    with cluster.rpc("admin") as rpc:
        rpc.partners.register_partner(company(1))
        rpc.partners.register_partner(company(2))
        assert eventually(lambda: len(rpc.reporting.partner_registry()) == 2)
        first = rpc.partners.notifications(after=0, limit=1)[0]
        partners_tap.publish(first)
        partners_tap.publish(first)
        assert eventually(lambda: rpc.projector.feed_status()[0]["duplicates_skipped"] >= 2)
        assert len(rpc.reporting.partner_registry()) == 2
        status = rpc.reporting.projection_status()[0]
        assert (status["source"], status["last_applied"], status["lag"]) == ("partners", 4, 0)


def test_a_projector_started_late_catches_up_from_notifications(cluster):
    cluster.start("partners")
    with cluster.rpc("admin") as rpc:
        for n in range(1, 4):
            rpc.partners.register_partner(company(n))
    cluster.start("projector")  # its queue did not exist when those events were published
    cluster.start("reporting")
    with cluster.rpc("auditor") as rpc:
        assert eventually(lambda: len(rpc.reporting.partner_registry()) == 3)


def test_bad_input_unknown_roles_and_duplicates_get_typed_errors(cluster):
    cluster.start("partners")
    with cluster.rpc("admin") as rpc:
        with pytest.raises(ValidationFailed) as refused:
            rpc.partners.register_partner(company(1, npwp="12-34", circulation=5000))
        assert set(refused.value.details["fields"]) == {"npwp", "circulation"}
        rpc.partners.register_partner(company(1))
        with pytest.raises(Conflict) as taken:
            rpc.partners.register_partner(company(2, npwp=company(1)["npwp"]))
        assert taken.value.code == "npwp_taken"
    with cluster.rpc() as anonymous, pytest.raises(Unauthenticated):
        anonymous.partners.register_partner(company(3))
    with cluster.rpc("media") as media, pytest.raises(Forbidden):
        media.partners.register_partner(company(3))
    with cluster.rpc("auditor") as rpc:
        assert len(rpc.partners.list_partners()) == 1


def test_the_same_command_id_twice_gives_one_partner(cluster):
    cluster.start("partners")
    with cluster.rpc("admin") as rpc:
        first = rpc.partners.register_partner(company(1), command_id="kominfo-2026-0001")
        again = rpc.partners.register_partner(company(1), command_id="kominfo-2026-0001")
        assert again == first
        assert len(rpc.partners.list_partners()) == 1


def test_two_replicas_publish_every_event_once(cluster, partners_tap):
    # Both replicas poll the outbox all the time; only the lease holder may publish.
    cluster.start("partners", SEKLIK_RELAY_INTERVAL="0.01")
    cluster.start("partners", SEKLIK_RELAY_INTERVAL="0.01")
    pool = eventlet.GreenPool(8)

    def register(n):
        with cluster.rpc("admin") as rpc:
            rpc.partners.register_partner(company(n))

    list(pool.imap(register, range(1, 41)))
    envelopes = partners_tap.drain(until_count=80, timeout=30)
    time.sleep(2)  # anything published twice would arrive by now
    envelopes += partners_tap.drain(timeout=0)
    ids = [e["notification_id"] for e in envelopes]
    assert len(ids) == 80 and sorted(set(ids)) == sorted(ids)
