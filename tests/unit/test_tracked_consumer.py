"""The reporting projector applies each partners event once, in order, and misses nothing.

Real applications on both sides (partners as the source, reporting as the consumer), with the
source's `notifications` standing in for the RPC that carries it in production.
"""
import pytest

from services.partners.application import PartnersApplication
from services.reporting.application import ReportingApplication
from shared.config import Settings
from shared.consumer import TrackedConsumer
from tests.support import actor, company, loaded


@pytest.fixture
def partners(sqlite_settings):
    return PartnersApplication(sqlite_settings)


@pytest.fixture
def reporting(tmp_path):
    return ReportingApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path / "rep")}))


@pytest.fixture
def fetch(partners):
    """The partners log as a consumer's source answers it."""
    return lambda source, after, limit: partners.notifications(after, limit)


@pytest.fixture
def feed(reporting, fetch):
    """The consumer wired as the projector's feed: page handler and quarantine."""
    return TrackedConsumer.of(reporting, "partners", fetch, "apply_envelope", "apply_envelopes")


@pytest.fixture
def consumer(partners, reporting):
    fetches = []

    def fetch(source, after, limit):
        fetches.append(after)
        return partners.notifications(after, limit)

    consumer = TrackedConsumer("partners", reporting.tracked_position,
                               reporting.apply_envelope, fetch)
    consumer.fetches = fetches
    return consumer


def register(partners, n):
    partners.register_partner(loaded(company(n)), actor=actor("admin"))


def test_an_envelope_delivered_twice_is_applied_once(partners, reporting, consumer):
    register(partners, 1)
    first, claim = partners.notifications(0, 10)
    assert consumer.receive(first) == "applied"
    assert consumer.receive(first) == "duplicate"
    assert consumer.receive(claim) == "applied"
    assert consumer.receive(first) == "duplicate"
    assert len(reporting.partner_registry()) == 1
    assert reporting.tracked_position("partners") == 2


def test_a_dropped_message_is_fetched_from_the_source_before_the_next(partners, reporting,
                                                                      consumer):
    register(partners, 1)
    register(partners, 2)
    envelopes = partners.notifications(0, 10)
    consumer.receive(envelopes[0])
    # envelopes 1 and 2 were lost on the way; 3 arrives
    assert consumer.receive(envelopes[3]) == "applied"
    assert consumer.fetches == [1]
    assert [r["legal_name"] for r in reporting.partner_registry()] == [
        "Sriwijaya Media Utama 1", "Sriwijaya Media Utama 2"]
    assert reporting.tracked_position("partners") == 4


def test_a_consumer_that_was_down_catches_up_by_itself(partners, reporting, consumer):
    for n in range(1, 6):
        register(partners, n)
    assert consumer.catch_up() == 10
    assert len(reporting.partner_registry()) == 5
    assert consumer.catch_up() == 0


def test_an_early_delivery_waits_for_nothing_and_a_late_one_is_skipped(partners, reporting,
                                                                       consumer):
    register(partners, 1)
    register(partners, 2)
    envelopes = partners.notifications(0, 10)
    consumer.receive(envelopes[2])  # arrives first: 1 and 2 are fetched and applied before it
    for late in envelopes[:3]:
        assert consumer.receive(late) == "duplicate"
    consumer.receive(envelopes[3])
    assert len(reporting.partner_registry()) == 2


def test_a_failed_view_change_rolls_back_its_tracking(partners, reporting, consumer):
    register(partners, 1)
    envelope = partners.notifications(0, 1)[0]
    broken = dict(envelope, payload={})  # the projection cannot apply it
    with pytest.raises(KeyError):
        consumer.receive(broken)
    assert reporting.tracked_position("partners") == 0
    assert consumer.receive(envelope) == "applied"


def test_an_envelope_from_another_source_is_refused(consumer):
    with pytest.raises(ValueError):
        consumer.receive({"source": "contracts", "notification_id": 1})


def test_the_registry_follows_a_partner_through_its_lifecycle(partners, reporting, consumer,
                                                              sqlite_settings):
    admin = actor("admin")
    register(partners, 1)
    pid = partners.list_partners()[0]["partner_id"]
    partners.reject_partner(pid, "incomplete file", actor=admin)
    partners.file_objection(pid, "complete now", actor=admin)
    partners.decide_objection(pid, True, "checked", actor=admin)
    consumer.catch_up()
    assert reporting.partner_registry()[0]["status"] == "registered"
    partners.deregister_partner(pid, "closed down", actor=admin)
    consumer.catch_up()
    assert reporting.partner_registry()[0]["status"] == "deregistered"


def test_a_catch_up_page_applied_in_one_transaction_equals_one_by_one(partners, reporting,
                                                                       tmp_path, fetch):
    from eventsourcing.persistence import IntegrityError

    for n in range(1, 6):
        register(partners, n)
    one_by_one = ReportingApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path /
                                                                                "one")}))
    batched = TrackedConsumer("partners", reporting.tracked_position, reporting.apply_envelope,
                              fetch, apply_batch=reporting.apply_envelopes)
    assert batched.catch_up() == 10
    TrackedConsumer("partners", one_by_one.tracked_position, one_by_one.apply_envelope,
                    fetch).catch_up()
    assert reporting.dump() == one_by_one.dump()

    register(partners, 6)
    envelopes = partners.notifications(8, 10)  # 9..12: overlaps what is applied
    with pytest.raises(IntegrityError):
        reporting.apply_envelopes(envelopes)
    assert reporting.tracked_position("partners") == 10
    assert batched.catch_up() == 2


def test_a_message_for_a_notification_the_source_does_not_hold_moves_nothing(
        partners, reporting, consumer, tmp_path):
    # A durable queue that outlived its store (a store restored from a backup, or another
    # deployment's leftovers) delivers notification 7 of a log that holds 4 so far.
    other = PartnersApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path / "other")}))
    for n in range(1, 5):
        register(other, 100 + n)
    register(partners, 1)
    register(partners, 2)
    stale = other.notifications(6, 1)[0]
    assert consumer.receive(stale) == "not_in_source"
    assert reporting.tracked_position("partners") == 4  # the source's own four, fetched
    register(partners, 3)
    register(partners, 4)
    for envelope in partners.notifications(4, 10):  # the source's real 5..8 still apply
        assert consumer.receive(envelope) == "applied"
    assert [r["legal_name"] for r in reporting.partner_registry()] == [
        f"Sriwijaya Media Utama {n}" for n in range(1, 5)]
    assert consumer.status()["stale_skipped"] == 1 and consumer.status()["lag"] == 0


def test_after_a_gap_the_source_s_own_copy_is_applied_not_the_delivered_one(
        partners, reporting, consumer, tmp_path):
    other = PartnersApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path / "other")}))
    for n in range(1, 3):
        register(other, 100 + n)
    register(partners, 1)
    register(partners, 2)
    foreign_third = other.notifications(2, 1)[0]  # same number, another log's event
    assert consumer.receive(foreign_third) == "applied"
    assert [r["legal_name"] for r in reporting.partner_registry()] == [
        "Sriwijaya Media Utama 1", "Sriwijaya Media Utama 2"]


def test_a_duplicate_below_a_known_position_is_skipped_without_asking_the_store(
        partners, reporting):
    asked = []

    def position(source):
        asked.append(source)
        return reporting.tracked_position(source)

    consumer = TrackedConsumer("partners", position, reporting.apply_envelope,
                               lambda source, after, limit: partners.notifications(after, limit))
    register(partners, 1)
    register(partners, 2)
    envelopes = partners.notifications(0, 10)
    assert consumer.catch_up() == 4
    asked.clear()
    assert [consumer.receive(e) for e in envelopes] == ["duplicate"] * 4
    assert asked == []
    register(partners, 3)
    assert consumer.receive(partners.notifications(4, 1)[0]) == "applied"
    assert reporting.tracked_position("partners") == 5


def test_a_partners_event_the_views_cannot_apply_is_set_aside_and_later_partners_appear(
        partners, reporting, feed):
    # The wired consumer (as the projector's feed): nothing stops the pipeline.
    register(partners, 1)
    register(partners, 2)
    envelopes = partners.notifications(0, 10)
    mangled = dict(envelopes[0], payload={})  # the projection cannot apply it
    assert feed.receive(mangled) == "quarantined"
    assert [feed.receive(e) for e in envelopes[1:]] == ["applied"] * 3
    assert [r["legal_name"] for r in reporting.partner_registry()] == ["Sriwijaya Media Utama 2"]
    assert reporting.quarantine.rows()[0]["error"].startswith("KeyError")
    # A retry applies the source's own copy of notification 1, not the mangled delivery.
    assert feed.retry(1)["status"] == "applied"
    assert len(reporting.partner_registry()) == 2
    assert reporting.tracked_position("partners") == 4


def test_deliveries_that_arrive_together_are_applied_in_one_transaction(partners, reporting,
                                                                        fetch):
    import eventlet

    batches = []

    def apply_batch(envelopes):
        batches.append([env["notification_id"] for env in envelopes])
        reporting.apply_envelopes(envelopes)

    consumer = TrackedConsumer("partners", reporting.tracked_position, reporting.apply_envelope,
                               fetch, apply_batch=apply_batch)
    for n in range(1, 4):
        register(partners, n)
    envelopes = partners.notifications(0, 10)
    pool = eventlet.GreenPool()  # as nameko's workers: one green thread per delivery
    deliveries = [pool.spawn(consumer.receive, env) for env in envelopes]
    assert [d.wait() for d in deliveries] == ["applied"] * 6
    assert batches == [[1, 2, 3, 4, 5, 6]]
    assert consumer.status()["applied"] == 6 and consumer.status()["duplicates_skipped"] == 0
    assert reporting.tracked_position("partners") == 6
    assert len(reporting.partner_registry()) == 3
    again = [pool.spawn(consumer.receive, env) for env in envelopes]  # redelivered: skipped
    assert [d.wait() for d in again] == ["duplicate"] * 6 and batches == [[1, 2, 3, 4, 5, 6]]


def test_among_deliveries_that_arrive_together_one_that_fails_is_set_aside_alone(
        partners, reporting, feed):
    import eventlet

    register(partners, 1)
    register(partners, 2)
    envelopes = partners.notifications(0, 10)
    envelopes[2] = dict(envelopes[2], payload={})  # the projection cannot apply it
    pool = eventlet.GreenPool()
    deliveries = [pool.spawn(feed.receive, env) for env in envelopes]
    assert [d.wait() for d in deliveries] == ["applied", "applied", "quarantined", "applied"]
    assert [r["legal_name"] for r in reporting.partner_registry()] == ["Sriwijaya Media Utama 1"]
    assert [r["notification_id"] for r in reporting.quarantine.rows()] == [3]
    assert reporting.tracked_position("partners") == 4


def test_the_next_delivery_is_applied_without_asking_the_store_where_the_position_is(
        partners, reporting, fetch):
    asked = []

    def position(source):
        asked.append(source)
        return reporting.tracked_position(source)

    consumer = TrackedConsumer("partners", position, reporting.apply_envelope, fetch)
    register(partners, 1)
    register(partners, 2)
    envelopes = partners.notifications(0, 10)
    assert [consumer.receive(e) for e in envelopes] == ["applied"] * 4
    assert asked == []
    # Another replica applied 5 and 6 meanwhile: this one's 5 is refused by the store.
    register(partners, 3)
    later = partners.notifications(4, 10)
    replica = TrackedConsumer("partners", reporting.tracked_position, reporting.apply_envelope,
                              fetch)
    assert [replica.receive(e) for e in later] == ["applied"] * 2
    assert consumer.receive(later[0]) == "duplicate"
    assert consumer.receive(later[1]) == "duplicate"
    assert reporting.tracked_position("partners") == 6 and len(reporting.partner_registry()) == 3


def test_catch_up_asks_the_source_without_holding_up_deliveries(partners, reporting):
    import eventlet

    answering = eventlet.event.Event()
    calls = []

    def fetch(source, after, limit):
        calls.append(after)
        if len(calls) == 1:
            answering.wait()  # the source is slow to answer catch-up's question
        return partners.notifications(after, limit)

    consumer = TrackedConsumer("partners", reporting.tracked_position, reporting.apply_envelope,
                               fetch)
    register(partners, 1)
    catching_up = eventlet.spawn(consumer.catch_up)
    eventlet.sleep(0)  # catch-up is waiting for the source's answer
    try:
        with eventlet.Timeout(10):  # the deliveries do not wait for it
            assert [consumer.receive(e) for e in partners.notifications(0, 10)] == [
                "applied"] * 2
    finally:
        answering.send()
    assert catching_up.wait() == 0  # the deliveries applied all it had: nothing to do
    assert calls == [0]
    register(partners, 2)  # two events no delivery brought: catch-up applies them
    assert consumer.catch_up() == 2 and reporting.tracked_position("partners") == 4


@pytest.mark.parametrize("read_ahead", [False, True])
def test_a_catch_up_asks_pages_of_the_size_given_with_or_without_a_read_ahead_thread(
        partners, reporting, read_ahead):
    for n in range(4):
        register(partners, n)  # 8 events
    asked = []

    def fetch(source, after, limit):
        asked.append((after, limit))
        return partners.notifications(after, limit)

    consumer = TrackedConsumer.of(reporting, "partners", fetch, "apply_envelope",
                                  "apply_envelopes", read_ahead=read_ahead, page=3)
    assert consumer.catch_up() == 8
    assert len(reporting.partner_registry()) == 4
    # the first look (a live consumer's page), then pages of 3 until a short one; a read-ahead
    # may have asked for the page after the short one's predecessor already
    assert asked[0] == (0, 500)
    assert asked[1:4] == [(0, 3), (3, 3), (6, 3)]


def test_a_rebuild_s_catch_up_holds_the_collector_and_runs_it_every_so_many_events(
        partners, reporting, fetch, monkeypatch):
    import gc

    from shared import consumer as module

    for n in range(4):
        register(partners, n)  # 8 events, in pages of 2
    monkeypatch.setattr(module, "COLLECT_EVERY", 4)
    seen, collected = [], []
    monkeypatch.setattr(module.gc, "collect", lambda *a: collected.append(len(seen)))

    def apply_batch(envelopes):
        seen.append(gc.isenabled())
        reporting.apply_envelopes(envelopes)

    held = TrackedConsumer("partners", reporting.tracked_position, reporting.apply_envelope,
                           fetch, apply_batch=apply_batch, page=2, hold_collector=True)
    assert gc.isenabled()
    assert held.catch_up() == 8
    assert seen == [False] * 4 and gc.isenabled()  # held while applying, given back after
    assert collected == [1, 3]  # after 4 events fetched, then 4 more (counted as fetched)
    live = TrackedConsumer("partners", reporting.tracked_position, reporting.apply_envelope,
                           fetch, apply_batch=apply_batch, page=2)
    register(partners, 9)
    assert live.catch_up() == 2 and seen[-1] is True  # a live consumer's: never held
