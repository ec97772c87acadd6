"""Real events get new versions (issue 17): `PaymentRecorded` is version 2, whose
`paid_to_account` every payment carries (issue 13's corrections). A payment recorded by the
release before (version 1) still loads, replays into the views and verifies: its envelope reads
in the new shape, its hash commits to what was first recorded."""
import datetime as dt
import uuid

import pytest

from services.contracts.domain import Order, payment_v1_v2
from shared import personal
from shared.domain import schema_version_of, verify_chain
from tests.world import (FINANCE, YEAR, accepted, clock, contract, order,  # noqa: F401
                         tiered_partner, world)

PAID = Order.PaymentRecorded


def test_payment_recorded_is_version_2_and_its_upcaster_fills_what_version_1_lacked():
    assert schema_version_of(PAID) == 2
    before_corrections = {"sp2d_number": "1/SP2D/LS/2026", "paid_on": "2026-03-12",
                          "pkp": True, "dpp": 2_000_000}
    payment_v1_v2(before_corrections)
    assert before_corrections["paid_to_account"] is None  # not recorded then: unknown
    with_account = {"paid_to_account": {"bank": "Bank Sumsel Babel"}}
    payment_v1_v2(with_account)
    assert with_account == {"paid_to_account": {"bank": "Bank Sumsel Babel"}}


def paid_order(world, sp2d: str) -> str:
    oid = order(world, contract(world, tiered_partner(world, int(sp2d[0]), "B"),
                                f"00{sp2d[0]}/SPK/KOMINFO/2026"))["order_id"]
    accepted(world, oid)
    world.contracts.record_payment(oid, {"sp2d_number": sp2d, "paid_on": dt.date(YEAR, 3, 12)},
                                   actor=FINANCE)
    return oid


def test_a_payment_of_the_release_before_loads_replays_and_verifies(world):
    with pytest.MonkeyPatch.context() as before:  # as the release before this one recorded
        before.setattr(PAID, "class_version", 1)
        before.delattr(PAID, "upcast_v1_v2")
        old = paid_order(world, "1/SP2D/LS/2026")
        recorded_then = next(e for e in world.contracts.notifications(0, 1000)
                             if e["type"] == "PaymentRecorded")
    assert recorded_then["schema_version"] == 1
    assert schema_version_of(PAID) == 2  # this release

    new = paid_order(world, "2/SP2D/LS/2026")
    envelopes = world.contracts.notifications(0, 1000)
    old_env, new_env = [e for e in envelopes if e["type"] == "PaymentRecorded"]
    # the old payment reads in the new shape, and says what its hash commits to
    assert (old_env["schema_version"], old_env["recorded"]["schema_version"]) == (2, 1)
    assert old_env["hash"] == recorded_then["hash"]
    assert "paid_to_account" in old_env["payload"]
    # the new one is recorded as version 2, with nothing to upcast
    assert new_env["schema_version"] == 2 and "recorded" not in new_env
    # an auditor holding no key verifies both chains from the envelopes alone
    with pytest.MonkeyPatch.context() as auditor:
        auditor.setattr(personal, "_commitment_key", None)
        assert verify_chain(envelopes) == []
    # the aggregate loads and goes on: a reversal chains onto the upcast payment
    assert world.contracts.get_order(old)["payment"]["sp2d_number"] == "1/SP2D/LS/2026"
    world.contracts.reverse_payment(old, "1/SP2D/LS/2026", "rekening ditutup", actor=FINANCE)
    assert world.contracts.get_order(uuid.UUID(old))["status"] == "proof_accepted"
    # and the views replay both payments from the events alone
    world.project()
    ledger = world.reporting.payment_ledger(YEAR)
    assert sorted(r["sp2d_number"] for r in ledger if r["entry"] == "payment") == [
        "1/SP2D/LS/2026", "2/SP2D/LS/2026"]
    assert new in {r["order_id"] for r in ledger}
