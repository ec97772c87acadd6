"""The outbox relay against plain one-confirm-per-message publishing, in the same run, on a
SQLite outbox and on a PostgreSQL one (a schema of its own, dropped at the end).

Both publish the same envelopes to the same exchange, bound to one durable queue, as persistent
messages on the local RabbitMQ. The relay's figure includes reading the notification log,
decoding each event into its envelope, publishing a batch with confirms and moving its cursor
(with the journal's checkpoints, in one transaction); the baseline only publishes envelopes
already in memory, waiting for each confirm. Each store's baseline is measured just before its
relay, on the same envelopes.
"""
from __future__ import annotations

import tempfile
import time

from kombu import Connection, Exchange, Producer, Queue

from bench import broker
from bench.commands import company
from bench.stores import drop_schemas, postgres_env
from seklik.tables import render
from services.partners.application import PartnersApplication
from services.partners.schemas import PartnerSchema
from shared.config import Settings
from shared.relay import ConfirmingPublisher, OutboxRelay
from shared.schemas import load


def fill(app: PartnersApplication, events: int) -> None:
    actor = {"sub": "bench", "roles": ["admin"]}
    for n in range(events // 2):  # a registration records two events
        app.register_partner(load(PartnerSchema, company(n)), actor=actor)


def measure(app, first: int = 0) -> dict:
    """Publish the notifications after `first` both ways; events per second of each. The
    relay starts with its cursor at `first` and the journal's checkpoints up to `first`, as a
    relay that published everything before does; the events go to an exchange of their own,
    bound to one durable queue, so no SEKLIK consumer receives them."""
    total = app.max_notification_id() - first
    envelopes = app.notifications(first, 1000)
    while envelopes and len(envelopes) < total:
        envelopes += app.notifications(envelopes[-1]["notification_id"], 1000)

    exchange = Exchange("bench_relay.events", type="topic", durable=True)
    sink = Queue("bench-relay-sink", exchange=exchange, routing_key="#", durable=True)
    amqp_uri = broker.uri()
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        sink(conn.default_channel).declare()
        sink(conn.default_channel).purge()
        producer = Producer(conn.default_channel, exchange=exchange)
        started = time.perf_counter()
        for env in envelopes:
            producer.publish(env, routing_key=env["type"], serializer="json", delivery_mode=2)
        baseline = total / (time.perf_counter() - started)
        sink(conn.default_channel).purge()

        relay = OutboxRelay(app, amqp_uri, publisher=ConfirmingPublisher(amqp_uri,
                                                                         exchange.name))
        app.sql.execute(f"UPDATE {relay.table} SET position = ? WHERE name = ?",
                        (first, app.name))
        app.sql.execute(f"DELETE FROM {app.journal} WHERE notification_id > ?", (first,))
        started = time.perf_counter()
        published = relay.drain()
        relayed = published / (time.perf_counter() - started)
        relay.close()
        queued = sink(conn.default_channel).queue_declare(passive=True).message_count
        sink(conn.default_channel).delete()
    assert published == total == queued, (published, total, queued)
    return {"events": total, "baseline": baseline, "relayed": relayed, "batch": relay.batch}


def on_store(store: str, events: int) -> dict:
    """`measure` on a new partners store of the kind `store` holding `events` events."""
    with tempfile.TemporaryDirectory() as data:
        settings = Settings.from_env({"SEKLIK_DATA_DIR": data,
                                      **(postgres_env() if store == "postgres" else {})})
        app = PartnersApplication(settings)
        try:
            fill(app, events)
            return measure(app)
        finally:
            app.close()
            drop_schemas(settings)


def main(events: int) -> list[dict]:
    rows = []
    for store, kind in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
        figures = on_store(store, events)
        rows += [
            {"outbox": kind, "figure": "one confirm per message (baseline)",
             "events": figures["events"], "events/s": round(figures["baseline"]),
             "ratio": "1.00"},
            {"outbox": kind, "figure": f"outbox relay, batches of {figures['batch']}",
             "events": figures["events"], "events/s": round(figures["relayed"]),
             "ratio": f"{figures['relayed'] / figures['baseline']:.2f}"},
        ]
    print("Relay publish rate (SQLite and PostgreSQL outboxes, local RabbitMQ, persistent "
          "messages, confirms; each relay beside its baseline, measured just before it)")
    print(render(rows, ["outbox", "figure", "events", "events/s", "ratio"]))
    return rows


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.relay")
    parser.add_argument("--events", type=int, default=10_000,
                        help="events in each outbox (default 10,000)")
    with broker.own_vhost():
        main(parser.parse_args().events)
