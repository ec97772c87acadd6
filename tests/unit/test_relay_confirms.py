"""The relay moves its cursor only past what the broker confirmed, and no stored event can stall it.

A fake channel plays the broker's publisher confirms in the orders RabbitMQ may send them: out of
order, several at once (`multiple`), a refusal in the middle. The relay runs over a real
partners application on SQLite, whose stored events a test corrupts the way bit rot or a
hand-edit in the database would.
"""
import collections
import socket
import sqlite3

import pytest

from services.partners.application import PartnersApplication
from shared import relay as relay_module
from shared.relay import ConfirmingPublisher, OutboxRelay, PublishFailed, message_of
from tests.support import actor, company, loaded


class FakeChannel:
    """Takes publishes; `script(tags)` says which confirms the broker sends back for the tags
    published since it was last asked: [("ack" | "nack", tag, multiple), ...], delivered one
    per drain."""

    def __init__(self, script):
        self.events = collections.defaultdict(set)
        self.script = script
        self.published = []  # (tag, message_id)
        self.pending = []
        self.scripted = 0

    def basic_publish(self, message, exchange, routing_key):
        self.published.append((len(self.published) + 1, message.properties["message_id"]))

    def drain(self, timeout):
        if not self.pending and len(self.published) > self.scripted:
            new = [tag for tag, _ in self.published[self.scripted:]]
            self.scripted = len(self.published)
            self.pending = list(self.script(new))
        if not self.pending:
            raise socket.timeout()
        kind, tag, multiple = self.pending.pop(0)
        for callback in list(self.events[f"basic_{kind}"]):
            callback(tag, multiple)


class ScriptedPublisher(ConfirmingPublisher):
    """A ConfirmingPublisher on fake channels: a new one (new tags) at every connect."""

    def __init__(self, *scripts):
        super().__init__("amqp://unused", "partners.events")
        self.scripts = list(scripts)
        self.channels = []

    def connect(self):
        channel = FakeChannel(self.scripts.pop(0))
        self.channels.append(channel)
        self.attach(channel, channel.drain)


def messages(n):
    return [message_of({"source": "partners", "notification_id": i, "type": "Noted",
                        "payload": {}}) for i in range(1, n + 1)]


@pytest.fixture
def quick_timeout(monkeypatch):
    monkeypatch.setattr(relay_module, "CONFIRM_TIMEOUT", 0.2)


def test_confirms_arriving_out_of_order_confirm_the_whole_batch():
    publisher = ScriptedPublisher(lambda tags: [("ack", 3, False), ("ack", 1, False),
                                                ("ack", 2, False)])
    assert publisher.publish(messages(3)) == 3


def test_a_single_ack_of_the_highest_tag_does_not_confirm_those_below_it(quick_timeout):
    # Before: `_acked = max(...)` took tag 3 as confirming 1 and 2, which the broker never did.
    publisher = ScriptedPublisher(lambda tags: [("ack", 3, False)])
    with pytest.raises(PublishFailed) as failed:
        publisher.publish(messages(3))
    assert failed.value.confirmed == 0


def test_a_multiple_ack_confirms_every_outstanding_tag_up_to_it():
    publisher = ScriptedPublisher(lambda tags: [("ack", 2, True), ("ack", 3, False)])
    assert publisher.publish(messages(3)) == 3


def test_a_nack_in_the_middle_confirms_only_what_is_before_it():
    publisher = ScriptedPublisher(lambda tags: [("ack", 1, False), ("nack", 2, False),
                                                ("ack", 3, False)])
    with pytest.raises(PublishFailed) as failed:
        publisher.publish(messages(3))
    assert failed.value.confirmed == 1
    assert "1 refused" in str(failed.value)


def test_a_late_nack_of_an_earlier_batch_is_not_counted_against_the_next():
    # Batch one is confirmed whole; the broker then sends a stray nack for its tag 1 while
    # batch two (tags 3 and 4) waits. Before, every nack counted against the current batch.
    publisher = ScriptedPublisher(lambda tags: [("ack", 2, True)] if tags == [1, 2] else
                                  [("nack", 1, False), ("ack", 4, True)])
    assert publisher.publish(messages(2)) == 2
    assert publisher.publish(messages(2)) == 2


# The relay over a real store ----------------------------------------------------------------

@pytest.fixture
def partners(sqlite_settings):
    app = PartnersApplication(sqlite_settings)
    for n in (1, 2, 3):  # a registration records the partner and its NPWP claim
        app.register_partner(loaded(company(n)), actor=actor("admin"))
    return app


def cursor(app):
    return app.sql.query("SELECT position FROM relay_cursor")[0][0]


def test_the_relay_stops_at_a_refused_message_and_publishes_again_from_there(partners):
    publisher = ScriptedPublisher(
        lambda tags: [("ack", 2, True), ("nack", 3, False), ("ack", 6, True)],
        lambda tags: [("ack", tags[-1], True)])
    relay = OutboxRelay(partners, "amqp://unused", publisher=publisher)
    with pytest.raises(PublishFailed):
        relay.run_once()
    assert cursor(partners) == 2  # not past notification 3, refused, nor what came after it
    assert relay.run_once() == 4
    assert cursor(partners) == 6
    republished = [message_id for _, message_id in publisher.channels[1].published]
    assert republished == [f"partners:{n}" for n in (3, 4, 5, 6)]
    assert [row["notification_id"] for row in partners.checkpoints(0, 10)] == list(range(1, 7))


def corrupt(app, notification_id, settings):
    """Change one byte of a stored event directly in the SQLite file."""
    db = sqlite3.connect(settings.data_dir / "partners.sqlite")
    db.execute("UPDATE stored_events SET state = substr(state, 1, 20) || x'00' ||"
               " substr(state, 22) WHERE rowid = ?", (notification_id,))
    db.commit()
    db.close()


class AckEverything(ScriptedPublisher):
    def connect(self):
        self.scripts.append(lambda tags: [("ack", tags[-1], True)])
        super().connect()


def test_a_stored_event_that_no_longer_decodes_is_quarantined_not_republished_forever(
        partners, sqlite_settings):
    # Before: its checkpoint could not be written (no hash to read: NOT NULL constraint
    # failed: journal.event_hash), so the cursor never moved and the batch was published
    # again every 10 seconds, with every later event stuck behind it.
    corrupt(partners, 3, sqlite_settings)
    publisher = AckEverything()
    relay = OutboxRelay(partners, "amqp://unused", publisher=publisher)
    assert relay.drain() == 6
    assert cursor(partners) == 6
    published = [m for c in publisher.channels for _, m in c.published]
    assert published == [f"partners:{n}" for n in (1, 2, 4, 5, 6)]
    [row] = partners.quarantine.rows()
    assert (row["source"], row["notification_id"], row["tries"]) == ("partners", 3, 1)
    assert "no longer decodes" in row["error"]
    assert partners.quarantine.get("partners", 3)["envelope"]["undecodable"]
    assert [r["notification_id"] for r in partners.checkpoints(0, 10)] == list(range(1, 7))
    partners.register_partner(loaded(company(4)), actor=actor("admin"))
    assert relay.drain() == 2  # later events flow


def test_an_envelope_that_cannot_be_json_is_quarantined_and_the_rest_published(partners):
    notifications = partners.notifications

    def with_a_nan(after, limit):  # a NaN that slipped past the schema into an event
        page = notifications(after, limit)
        for env in page:
            if env["notification_id"] == 2:
                env["payload"]["score"] = float("nan")
        return page

    partners.notifications = with_a_nan
    publisher = AckEverything()
    relay = OutboxRelay(partners, "amqp://unused", publisher=publisher)
    assert relay.drain() == 6
    published = [m for c in publisher.channels for _, m in c.published]
    assert "partners:2" not in published and len(published) == 5
    [row] = partners.quarantine.rows()
    assert row["notification_id"] == 2 and "JSON" in row["error"]


# Reading ahead: the next page while the broker confirms this one --------------------------

def logging_reads(app, log):
    notifications = app.notifications

    def logged(after, limit):
        log.append(("read", after))
        return notifications(after, limit)
    app.notifications = logged


def test_the_next_page_is_read_while_the_broker_confirms_and_published_only_after(partners):
    log = []
    logging_reads(partners, log)
    publisher = ScriptedPublisher(lambda tags: log.append(("confirms", tags)) or
                                  [("ack", tags[-1], True)])
    relay = OutboxRelay(partners, "amqp://unused", batch=2, publisher=publisher)
    assert relay.drain() == 6
    # Each full page's successor is read before its confirms are awaited; no page is
    # published before the one ahead of it is confirmed (one channel, tags in log order).
    assert log == [("read", 0), ("read", 2), ("confirms", [1, 2]), ("read", 4),
                   ("confirms", [3, 4]), ("read", 6), ("confirms", [5, 6]), ("read", 6)]
    assert [m for _, m in publisher.channels[0].published] == [
        f"partners:{n}" for n in range(1, 7)]
    assert cursor(partners) == 6
    assert [r["notification_id"] for r in partners.checkpoints(0, 10)] == list(range(1, 7))


def test_a_page_read_ahead_is_dropped_when_the_broker_refused_part_of_the_batch(partners):
    publisher = ScriptedPublisher(lambda tags: [("ack", 1, False), ("nack", 2, False)],
                                  lambda tags: [("ack", tags[-1], True)])
    relay = OutboxRelay(partners, "amqp://unused", batch=2, publisher=publisher)
    with pytest.raises(PublishFailed):
        relay.run_once()  # notifications 3 and 4 were read ahead meanwhile
    assert cursor(partners) == 1
    assert relay.drain() == 5
    # From the refused one on, not from the page read ahead (which would skip notification 2)
    assert [m for _, m in publisher.channels[1].published] == [
        f"partners:{n}" for n in range(2, 7)]
    assert cursor(partners) == 6
