"""Proof dates make sense (issue 13, item 6), in the regency's calendar (item 5).

A proof shows a publication made for the order: published on or after the order date and on or
before publish-by; it is due within the media type's deadline after publish-by, counted in the
regency's days (a WIB clerk's 06:30 is the next day, though UTC still says yesterday). Monthly
print (magazines, tabloids) is a media type of its own, with its 10-day deadline.
"""
import datetime as dt

import pytest

import shared.domain
from services.contracts.domain import PROOF_DAYS
from services.partners.application import PartnersApplication
from shared.config import Settings
from shared.errors import RuleViolated
from shared.published import MEDIA_TYPES
from tests.support import POLICY_2026, actor, chief_editor, company, documents_for, loaded
from tests.world import (FINANCE, MEDIA, PRICES, YEAR, clock, contract, order,  # noqa: F401
                         proof, tiered_partner, world)

ADMIN = actor("admin", sub="kominfo.ani")
VERIFIER = actor("verifier", sub="verifikasi.budi")
UTC = dt.timezone.utc
MONTHLY_PRICE = {"media_type": "print_monthly", "tier": "B", "product": "advertorial",
                 "unit": "item", "unit_price": 4_000_000}


def at(monkeypatch, clock, instant: dt.datetime):
    """The world's clock and its events' timestamps both at `instant` (UTC)."""
    clock.today = instant
    monkeypatch.setattr(shared.domain, "utcnow", lambda: instant)


def weekly_order(world, publish_by=dt.date(YEAR, 3, 10)) -> str:
    """A weekly paper's order placed on 2 March (the world's day), due 7 days after publish-by."""
    pid = tiered_partner(world, 1, "B", media_type="print_weekly")
    cid = contract(world, pid)
    return order(world, cid, publish_by=publish_by)["order_id"]


def test_a_weekly_paper_files_its_proof_at_0630_wib_on_the_day_after_its_deadline(
        world, clock, monkeypatch):
    oid = weekly_order(world)
    assert world.contracts.get_order(oid)["proof_due"] == "2026-03-17"
    at(monkeypatch, clock, dt.datetime(YEAR, 3, 17, 23, 30, tzinfo=UTC))  # 06:30 WIB, 18 March
    with pytest.raises(RuleViolated) as refused:
        world.contracts.submit_proof(oid, proof(dt.date(YEAR, 3, 9)), actor=MEDIA)
    assert refused.value.code == "proof_late"
    assert refused.value.details == {"due": "2026-03-17", "today": "2026-03-18"}
    assert world.contracts.get_order(oid)["status"] == "placed"


def test_a_weekly_paper_files_its_proof_at_2330_wib_on_its_last_day(world, clock, monkeypatch):
    oid = weekly_order(world)
    at(monkeypatch, clock, dt.datetime(YEAR, 3, 17, 16, 30, tzinfo=UTC))  # 23:30 WIB, 17 March
    world.contracts.submit_proof(oid, proof(dt.date(YEAR, 3, 9)), actor=MEDIA)
    assert world.contracts.get_order(oid)["status"] == "proof_submitted"


def test_an_overdue_order_expires_at_midnight_wib_not_at_midnight_utc(world, clock, monkeypatch):
    oid = weekly_order(world)
    at(monkeypatch, clock, dt.datetime(YEAR, 3, 17, 16, 59, tzinfo=UTC))  # 23:59 WIB, 17 March
    assert world.contracts.expire_overdue_orders() == []
    at(monkeypatch, clock, dt.datetime(YEAR, 3, 17, 17, 1, tzinfo=UTC))  # 00:01 WIB, 18 March
    assert world.contracts.expire_overdue_orders() == [str(oid)]
    assert world.contracts.get_order(oid)["status"] == "expired"


def test_a_recycled_article_published_before_the_order_is_refused_with_a_reason(world):
    oid = weekly_order(world)  # placed on 2 March
    with pytest.raises(RuleViolated) as refused:
        world.contracts.submit_proof(oid, proof(dt.date(YEAR, 3, 1)), actor=MEDIA)
    assert refused.value.code == "published_before_order"
    assert refused.value.details == {"published_on": "2026-03-01", "placed_on": "2026-03-02"}
    assert "2026-03-02" in str(refused.value)
    assert world.contracts.get_order(oid)["status"] == "placed"


def test_an_order_placed_at_0630_wib_is_dated_that_regency_day(world, clock, monkeypatch):
    """The order date is the regency's: a story published later that morning (WIB) is not
    'before the order', though it is still the previous day in UTC."""
    pid = tiered_partner(world, 1, "B", media_type="print_weekly")
    cid = contract(world, pid)
    at(monkeypatch, clock, dt.datetime(YEAR, 3, 4, 23, 30, tzinfo=UTC))  # 06:30 WIB, 5 March
    oid = order(world, cid, publish_by=dt.date(YEAR, 3, 10))["order_id"]
    assert world.contracts.get_order(oid)["placed_on"] == "2026-03-05"
    with pytest.raises(RuleViolated) as refused:
        world.contracts.submit_proof(oid, proof(dt.date(YEAR, 3, 4)), actor=MEDIA)
    assert refused.value.code == "published_before_order"
    world.contracts.submit_proof(oid, proof(dt.date(YEAR, 3, 5)), actor=MEDIA)


def test_a_publication_after_publish_by_is_not_the_one_ordered(world, clock):
    oid = weekly_order(world)  # publish by 10 March
    clock.today = dt.date(YEAR, 3, 12)
    with pytest.raises(RuleViolated) as refused:
        world.contracts.submit_proof(oid, proof(dt.date(YEAR, 3, 11)), actor=MEDIA)
    assert refused.value.code == "published_after_publish_by"
    assert refused.value.details == {"published_on": "2026-03-11", "publish_by": "2026-03-10"}
    world.contracts.submit_proof(oid, proof(dt.date(YEAR, 3, 10)), actor=MEDIA)


def test_on_time_means_published_by_publish_by_and_proven_by_the_deadline(
        world, clock, monkeypatch):
    """Under the old UTC clock a proof filed at 06:30 WIB the day after its deadline was
    accepted; such a proof, in the record, is accepted but not on time."""
    pid = tiered_partner(world, 1, "B", media_type="print_weekly")
    cid = contract(world, pid)
    on_time = order(world, cid, publish_by=dt.date(YEAR, 3, 10))["order_id"]
    late = order(world, cid, publish_by=dt.date(YEAR, 3, 10))["order_id"]
    at(monkeypatch, clock, dt.datetime(YEAR, 3, 9, 5, 0, tzinfo=UTC))
    world.contracts.submit_proof(on_time, proof(dt.date(YEAR, 3, 9), {"page_views": 10}),
                                 actor=MEDIA)
    world.contracts.review_proof(on_time, "accepted", "BAST", actor=FINANCE)
    # The old service judged on the UTC date (17 March) while the event says 06:30 WIB, 18 March.
    clock.today = dt.date(YEAR, 3, 17)
    monkeypatch.setattr(shared.domain, "utcnow",
                        lambda: dt.datetime(YEAR, 3, 17, 23, 30, tzinfo=UTC))
    world.contracts.submit_proof(late, proof(dt.date(YEAR, 3, 9), {"page_views": 5}),
                                 actor=MEDIA)
    world.contracts.review_proof(late, "accepted", "BAST", actor=FINANCE)
    world.project()
    [row] = world.reporting.outputs(YEAR)
    assert (row["orders"], row["published_on_time"], row["late"]) == (2, 1, 1)
    assert row["reach"] == 15  # both were published: their reach counts


def test_monthly_print_is_a_media_type_with_its_own_requirements_and_a_10_day_deadline(
        world, clock):
    assert "print_monthly" in MEDIA_TYPES and PROOF_DAYS["print_monthly"] == 10
    assert POLICY_2026["required_documents"]["print_monthly"] == [
        "deed", "nib", "npwp", "tax_return", "circulation_statement"]
    world.contracts.publish_price_standard(YEAR, dt.date(YEAR, 3, 1), [*PRICES, MONTHLY_PRICE],
                                           actor=FINANCE)
    pid = tiered_partner(world, 1, "B", media_type="print_monthly")
    cid = contract(world, pid)
    placed = order(world, cid, publish_by=dt.date(YEAR, 3, 31))
    assert placed["unit_price"] == 4_000_000
    assert world.contracts.get_order(placed["order_id"])["proof_due"] == "2026-04-10"
    clock.today = dt.date(YEAR, 4, 10)
    world.contracts.submit_proof(placed["order_id"], proof(dt.date(YEAR, 3, 28)), actor=MEDIA)


def test_a_magazine_without_its_circulation_statement_is_not_activated(tmp_path):
    partners = PartnersApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path)}))
    partners.set_requirement_policy(YEAR, POLICY_2026, actor=ADMIN)
    pid = partners.register_partner(loaded(company(1, media_type="print_monthly")),
                                    actor=ADMIN)["partner_id"]
    partners.add_journalist(pid, chief_editor(1), actor=ADMIN)
    partners.record_press_council_status(pid, "factual", "DP-1", dt.date(2025, 6, 1),
                                         actor=VERIFIER)
    for doc in documents_for("print_monthly"):
        if doc["kind"] != "circulation_statement":
            doc = {**doc, "issued_on": dt.date.fromisoformat(doc["issued_on"]),
                   "valid_until": doc["valid_until"] and dt.date.fromisoformat(
                       doc["valid_until"])}
            did = partners.submit_document(pid, doc, actor=ADMIN)["document_id"]
            partners.review_document(pid, did, "accepted", "ok", actor=VERIFIER)
    unmet = partners.check_requirements(pid, YEAR)["unmet"]
    assert [u["code"] for u in unmet] == ["document_missing"]
    assert "circulation_statement" in unmet[0]["detail"]


def test_a_media_type_the_year_s_policy_does_not_name_is_not_activated_on_no_requirements(
        tmp_path):
    """A policy written before monthly print existed asks nothing of a magazine: rather than
    activating it on nothing, the clerk is told to revise the policy."""
    partners = PartnersApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path)}))
    older = {**POLICY_2026, "required_documents": {
        kind: docs for kind, docs in POLICY_2026["required_documents"].items()
        if kind != "print_monthly"}}
    partners.set_requirement_policy(YEAR, older, actor=ADMIN)
    pid = partners.register_partner(loaded(company(1, media_type="print_monthly")),
                                    actor=ADMIN)["partner_id"]
    unmet = partners.check_requirements(pid, YEAR)["unmet"]
    assert unmet[0]["code"] == "media_type_not_in_policy"
    assert "print_monthly" in unmet[0]["detail"]
    with pytest.raises(RuleViolated) as refused:
        partners.activate_partner(pid, YEAR, actor=ADMIN)
    assert refused.value.code == "requirements_not_met"
