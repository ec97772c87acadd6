"""Where verify says the log and the journal (or a kept digest) part, and the kind of change:
the first notification, aggregate and version that differs, not the digest's end."""
import copy
import inspect

import pytest

from seklik.audit import verify_service
from shared.application import extend_root
from shared.domain import GENESIS, chain_hash

A, B, C = ("aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002",
           "cccccccc-0000-4000-8000-000000000003")
ACTOR = {"sub": "ppk.dewi", "roles": ["finance"]}


def history(plan, skip=()):
    """Envelopes of `plan` [(aggregate, amount)] chained as the services chain them, numbered
    from 1 (an id in `skip` is left out, as a rolled-back transaction leaves one), and the
    journal the relay would have recorded for them."""
    heads, log, nid = {}, [], 0
    for oid, amount in plan:
        nid += 1
        while nid in skip:
            nid += 1
        version, prev = heads.get(oid, (0, GENESIS))
        env = {"notification_id": nid, "originator_id": oid, "originator_version": version + 1,
               "type": "Paid", "timestamp": f"2026-03-0{1 + nid % 9}T00:00:00+00:00",
               "actor": ACTOR, "payload": {"amount": amount}, "prev_hash": prev,
               "schema_version": 1}
        versioned = "schema_version" in inspect.signature(chain_hash).parameters
        env["hash"] = chain_hash(originator_id=oid, originator_version=version + 1,
                                 type="Paid", timestamp=env["timestamp"], actor=ACTOR,
                                 payload=env["payload"], prev_hash=prev,
                                 **({"schema_version": 1} if versioned else {}))
        heads[oid] = (version + 1, env["hash"])
        log.append(env)
    return log, journal_of(log)


def journal_of(log):
    rows, root = [], GENESIS
    for env in log:
        root = extend_root(root, env["notification_id"], env["hash"])
        rows.append({"notification_id": env["notification_id"],
                     "originator_id": env["originator_id"],
                     "originator_version": env["originator_version"], "hash": env["hash"],
                     "root_hash": root, "recorded_at": "2026-03-09T00:00:00+00:00"})
    return rows


def digest(journal):
    return {"last_notification_id": journal[-1]["notification_id"],
            "root_hash": journal[-1]["root_hash"]}


PLAN = [(A, 1), (B, 2), (A, 3), (C, 4), (B, 5), (A, 6), (C, 7), (B, 8), (A, 9), (C, 10)]


def first(log, journal, kept=None):
    report = verify_service("contracts", log, journal, kept)
    assert report["findings"], "verify found nothing"
    return report["findings"][0]


def without(items, nid):
    return [i for i in items if i["notification_id"] != nid]


def test_an_untouched_history_with_a_skipped_id_has_no_finding():
    log, journal = history(PLAN, skip={4})
    assert verify_service("contracts", log, journal, digest(journal))["findings"] == []


def test_an_event_deleted_with_its_journal_row_is_named_at_its_notification():
    log, journal = history(PLAN)
    kept = digest(journal)
    found = first(without(log, 3), without(journal, 3), kept)  # version 2 of A
    assert (found["notification_id"], found["originator_id"], found["originator_version"],
            found["kind"]) == (3, A, 2, "missing")


def test_an_event_deleted_before_the_digest_and_the_journal_recomputed_is_named_by_the_digest():
    log, journal = history(PLAN)
    kept = digest(journal)
    log = without(log, 4)  # C's first event: nothing after it in the chain tells
    found = first(log, journal_of(log), kept)
    assert (found["notification_id"], found["kind"]) == (4, "missing")
    assert "kept digest" in found["problem"]


def test_the_last_event_of_an_aggregate_deleted_with_the_journal_recomputed_is_named():
    log, journal = history(PLAN)
    kept = digest(journal)
    log = without(log, 8)  # B's last event
    found = first(log, journal_of(log), kept)
    assert (found["notification_id"], found["kind"]) == (8, "missing")


def test_a_deleted_event_whose_journal_row_stands_is_missing_with_its_aggregate():
    log, journal = history(PLAN)
    found = first(without(log, 6), journal, digest(journal))
    assert (found["notification_id"], found["originator_id"], found["originator_version"],
            found["kind"]) == (6, A, 3, "missing")


def test_two_swapped_notifications_are_reordered_at_the_first():
    log, journal = history(PLAN)
    log = copy.deepcopy(log)
    log[1]["notification_id"], log[3]["notification_id"] = 4, 2  # B's first and C's first
    log.sort(key=lambda e: e["notification_id"])
    found = first(log, journal, digest(journal))
    assert (found["notification_id"], found["originator_id"], found["kind"]) == (2, C,
                                                                                 "reordered")
    assert "recorded at notification 4" in found["problem"]


def test_a_changed_payload_is_altered_at_its_notification():
    log, journal = history(PLAN)
    log = copy.deepcopy(log)
    log[4]["payload"]["amount"] = 500  # B version 2, its stored hash kept
    found = first(log, journal, digest(journal))
    assert (found["notification_id"], found["originator_id"], found["originator_version"],
            found["kind"]) == (5, B, 2, "altered")


def test_a_changed_hash_is_altered_before_the_journal_s_root_consequences():
    log, journal = history(PLAN)
    log = copy.deepcopy(log)
    log[2]["hash"] = "f" * 64
    report = verify_service("contracts", log, journal, digest(journal))
    assert [(f["notification_id"], f["kind"]) for f in report["findings"]][0] == (3, "altered")
    assert "the journal, which recorded aggregate" in report["findings"][0]["problem"]


def test_an_event_inserted_into_a_skipped_id_is_inserted():
    log, journal = history(PLAN, skip={4})
    forged = {**copy.deepcopy(log[2]), "notification_id": 4, "originator_version": 9}
    tampered = sorted(log + [forged], key=lambda e: e["notification_id"])
    found = first(tampered, journal, digest(journal))
    assert (found["notification_id"], found["kind"]) == (4, "inserted")


def test_a_journal_row_deleted_while_its_event_stands_is_the_journal_s_change():
    log, journal = history(PLAN)
    found = first(log, without(journal, 5), digest(journal))
    assert found["notification_id"] == 5
    assert "deleted from the journal" in found["problem"]


def test_two_versions_of_one_aggregate_swapped_are_reordered():
    log, journal = history(PLAN)
    log = copy.deepcopy(log)
    log[2]["originator_version"], log[5]["originator_version"] = 3, 2  # A's 2 and 3
    found = first(log, journal, digest(journal))
    assert (found["notification_id"], found["kind"]) == (3, "reordered")


@pytest.mark.parametrize("deleted", [1, 10])
def test_the_first_and_the_last_notification_deleted_with_their_rows(deleted):
    log, journal = history(PLAN)
    kept = digest(journal)
    found = first(without(log, deleted), without(journal, deleted), kept)
    assert found["notification_id"] == deleted
