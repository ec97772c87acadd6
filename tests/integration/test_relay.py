"""The outbox relay on a real RabbitMQ: one lease holder publishes, a takeover goes on from the
holder's cursor, and every published event gets its checkpoint with the cursor move."""
import socket
import time
import uuid

import pytest

from services.partners.application import PartnersApplication
from shared.config import Settings
from shared.relay import ConfirmingPublisher, OutboxRelay, message_of
from tests.integration.cluster import Tap
from tests.support import actor, company, loaded

pytestmark = pytest.mark.integration
LEASE = 0.6


@pytest.fixture
def app(tmp_path):
    class RelayedPartners(PartnersApplication):  # an exchange of its own: nobody else listens
        name = f"relaytest_{uuid.uuid4().hex[:8]}"

    return RelayedPartners(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path),
                                              "SEKLIK_ENV": "development"}))  # signing keys


@pytest.fixture
def tap(app, rabbit):
    tap = Tap(rabbit, app.name, f"{app.name}-tap")
    yield tap
    tap.close()
    with tap.conn.clone() as conn:
        conn.default_channel.exchange_delete(f"{app.name}.events")


def register(app, *numbers):
    for n in numbers:
        app.register_partner(loaded(company(n)), actor=actor("admin"))


def lease_row(app):
    return app.sql.query("SELECT position, holder, lease_until FROM relay_cursor")[0]


def test_only_the_lease_holder_publishes_and_a_takeover_goes_on_from_its_cursor(app, tap,
                                                                                 rabbit):
    first, second = (OutboxRelay(app, rabbit, lease_seconds=LEASE) for _ in range(2))
    try:
        register(app, 1, 2)
        assert first.run_once() == 4           # two registrations: partner + NPWP claim each
        register(app, 3)
        assert second.run_once() == 0          # the lease is the first relay's
        assert first.run_once() == 2

        time.sleep(LEASE + 0.1)                # the first relay dies (stops renewing)
        register(app, 4)
        assert second.run_once() == 2          # only what the first did not publish
        assert first.run_once() == 0           # and the first one, back, does not publish
        ids = [e["notification_id"] for e in tap.drain(until_count=8, timeout=10)]
        time.sleep(0.3)
        ids += [e["notification_id"] for e in tap.drain(timeout=0)]
        assert ids == list(range(1, 9))
        assert lease_row(app)[:2] == (8, second.holder)
        journal = app.checkpoints(0, 100)
        assert [row["notification_id"] for row in journal] == ids
    finally:
        first.close()
        second.close()


def test_a_held_lease_is_written_once_per_half_lease_not_on_every_poll(app, tap, rabbit):
    relay = OutboxRelay(app, rabbit, lease_seconds=LEASE)
    try:
        register(app, 1)
        relay.run_once()
        written = lease_row(app)[2]
        assert relay.run_once() == 0 and lease_row(app)[2] == written   # still fresh
        time.sleep(LEASE / 2 + 0.05)
        register(app, 2)
        assert relay.run_once() == 2 and lease_row(app)[2] > written     # renewed
    finally:
        relay.close()


def test_the_cursor_moves_when_an_auditor_s_digest_recorded_the_checkpoints_first(app, tap,
                                                                                 rabbit):
    relay = OutboxRelay(app, rabbit, lease_seconds=LEASE)
    try:
        register(app, 1)
        app.digest()  # an auditor's digest recorded the checkpoints first
        assert relay.run_once() == 2
        assert lease_row(app)[0] == 2 and len(app.checkpoints(0, 100)) == 2
        assert relay.run_once() == 0
    finally:
        relay.close()


@pytest.mark.skipif(not hasattr(socket, "TCP_CORK"), reason="TCP_CORK is Linux's")
def test_a_batch_leaves_corked_and_the_socket_is_read_for_its_confirms_only(app, tap, rabbit):
    # The frames of a batch wait in the kernel until the last one is written, and go before
    # the confirms are awaited; nothing reads the socket before each message (py-amqp looks
    # for a connection.blocked notice that way: a read with timeout 0 per message).
    publisher = ConfirmingPublisher(rabbit, f"{app.name}.events")
    publisher.connect()
    sock = publisher._conn.transport.sock
    corked, reads = [], []
    publish_one = publisher._channel.basic_publish

    def publish(*args, **kwargs):
        corked.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK))
        return publish_one(*args, **kwargs)

    drain = publisher._conn.drain_events  # the publisher waits for confirms with its own
    publisher._channel.basic_publish = publish
    publisher._conn.drain_events = lambda timeout=None: (reads.append(timeout),
                                                         drain(timeout=timeout))
    messages = [message_of({"source": app.name, "notification_id": n, "type": "Noted",
                            "payload": {}}) for n in range(1, 201)]
    try:
        assert publisher.publish(messages, meanwhile=lambda: corked.append(
            sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_CORK))) == 200
        assert reads == []
    finally:
        publisher.close()
    assert corked == [1] * 200 + [0]
    assert len(tap.drain(until_count=200, timeout=10)) == 200
