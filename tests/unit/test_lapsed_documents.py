"""A lapsed document stops new money (issue 13, item 8; DOMAIN.md §3): contracts learns an
expiring document's kind, validity and review from partners' events and refuses new contracts
and orders on the regency's day it has lapsed, until a renewal is accepted; partners lists the
documents lapsing soon."""
import datetime as dt

import pytest

from shared.errors import RuleViolated
from tests.support import document
from tests.world import (ADMIN, VERIFIER, YEAR, clock, contract, order,  # noqa: F401
                         tiered_partner, world)


def file_document(w, pid, kind, issued_on, valid_until, review="accepted"):
    did = w.partners.submit_document(pid, {
        **document(kind, number=f"{kind}-{issued_on}"), "issued_on": issued_on,
        "valid_until": valid_until}, actor=ADMIN)["document_id"]
    if review:
        w.partners.review_document(pid, did, review, "checked", actor=VERIFIER)
    w.sync()
    return did


def test_a_domicile_letter_lapsing_between_two_orders_stops_the_second_until_renewed(world):
    pid = tiered_partner(world, 1, "B")
    file_document(world, pid, "domicile", dt.date(YEAR, 1, 5), dt.date(YEAR, 3, 15))
    cid = contract(world, pid)
    world.clock.today = dt.date(YEAR, 3, 15)  # the last day it is valid
    assert order(world, cid, publish_by=dt.date(YEAR, 3, 20))["gross"] == 2_000_000

    world.clock.today = dt.date(YEAR, 3, 16)
    with pytest.raises(RuleViolated) as refused:
        order(world, cid, publish_by=dt.date(YEAR, 3, 20))
    assert refused.value.code == "document_lapsed"
    assert refused.value.details["kind"] == "domicile"
    assert refused.value.details["lapsed_on"] == "2026-03-16"
    assert refused.value.details["valid_until"] == "2026-03-15"
    with pytest.raises(RuleViolated) as no_contract:
        contract(world, pid, number="002/SPK/KOMINFO/2026", ceiling=5_000_000)
    assert no_contract.value.code == "document_lapsed"

    # A renewal filed but not yet accepted, or rejected, renews nothing.
    file_document(world, pid, "domicile", dt.date(YEAR, 3, 16), dt.date(YEAR, 12, 31),
                  review="rejected")
    renewal = file_document(world, pid, "domicile", dt.date(YEAR, 3, 16),
                            dt.date(YEAR, 12, 31), review=None)
    with pytest.raises(RuleViolated) as pending:
        order(world, cid, publish_by=dt.date(YEAR, 3, 20))
    assert pending.value.code == "document_lapsed"

    world.partners.review_document(pid, renewal, "accepted", "renewed", actor=VERIFIER)
    world.sync()
    assert order(world, cid, publish_by=dt.date(YEAR, 3, 20))["gross"] == 2_000_000
    # Contracts kept no document number: it needs kind, validity and review only.
    noted = [e for e in world.contracts.notifications(0, 1000) if e["type"] == "DocumentNoted"]
    assert noted and all("number" not in e["payload"] for e in noted)


def test_documents_that_never_lapse_do_not_stop_money(world):
    pid = tiered_partner(world, 1, "B")
    file_document(world, pid, "deed", dt.date(2020, 1, 5), None)
    cid = contract(world, pid)
    assert order(world, cid)["gross"] == 2_000_000


def test_staff_see_the_documents_lapsing_soon_and_those_lapsed_per_partner(world):
    world.partners._clock = world.clock  # the world's partners run on the real clock
    soon = tiered_partner(world, 1, "B")
    later = tiered_partner(world, 2, "B")
    file_document(world, soon, "domicile", dt.date(YEAR, 1, 5), dt.date(YEAR, 3, 12))
    file_document(world, soon, "bpjs", dt.date(YEAR, 1, 5), dt.date(YEAR, 2, 28))
    file_document(world, later, "tax_return", dt.date(YEAR, 1, 5), dt.date(YEAR, 4, 30))
    # A renewal filed and pending: the accepted one still counts, and is listed with it.
    file_document(world, later, "domicile", dt.date(YEAR, 1, 5), dt.date(YEAR, 3, 20))
    file_document(world, later, "domicile", dt.date(YEAR, 3, 1), dt.date(YEAR, 12, 31),
                  review=None)

    rows = world.partners.list_lapsing_documents(10)  # today is 2 March
    assert [(r["partner_id"], r["kind"], r["valid_until"], r["days_left"], r["lapsed"],
             r["renewal"]) for r in rows] == [
        (soon, "bpjs", "2026-02-28", -2, True, None),
        (soon, "domicile", "2026-03-12", 10, False, None)]
    rows = world.partners.list_lapsing_documents(30)
    assert [(r["partner_id"], r["kind"], r["days_left"], r["renewal"]) for r in rows] == [
        (soon, "bpjs", -2, None), (soon, "domicile", 10, None),
        (later, "domicile", 18, "pending")]
    assert {r["brand_name"] for r in rows} and all(r["legal_name"] for r in rows)

    world.partners.suspend_partner(soon, "unpaid wages", actor=ADMIN)
    assert [r["partner_id"] for r in world.partners.list_lapsing_documents(0)] == []
