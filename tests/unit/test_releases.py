"""Press releases (DOMAIN.md §5) against the contracts application: the audience chosen from
what contracts knows of the partners (partners' and assessment's events), the embargo, and the
pickups each recipient files and the desk reviews."""
import datetime as dt

import pytest

from shared.errors import Conflict, NotFound, RuleViolated
from tests.support import actor
from tests.world import ADMIN, YEAR, clock, tiered_partner, world  # noqa: F401

HUMAS = actor("humas", sub="humas.fitri")
WIB = dt.timezone(dt.timedelta(hours=7))


def release(**extra):
    return {"title": "Bupati resmikan Pasar Kayuagung", "body": "Kayuagung, 2 Maret.\n...",
            "release_date": dt.date(YEAR, 3, 2), "embargo_until": None, "attachments": [],
            "files": [], "audience": {}, **extra}


def pickup(partner_id, published_on=dt.date(YEAR, 3, 2), **extra):
    return {"partner_id": partner_id, "kind": "link",
            "reference": "https://kayuagungnews.id/pasar", "published_on": published_on,
            "sha256": "a" * 64, "reach": {"page_views": 4_000}, **extra}


def media(partner_id):
    return {**actor("media", sub="redaksi"), "partner_id": partner_id}


def test_a_release_to_online_partners_reaches_them_and_no_one_else(world):
    online_a = tiered_partner(world, 1, "A", media_type="online")
    online_b = tiered_partner(world, 2, "B", media_type="online")
    daily = tiered_partner(world, 3, "A", media_type="print_daily")
    sent = world.contracts.publish_release(
        release(audience={"media_types": ["online"]}), actor=HUMAS)
    assert sent["recipients"] == 2
    whole = world.contracts.get_release(sent["release_id"])
    assert whole["sent_to"] == sorted([online_a, online_b])
    assert [r["title"] for r in world.contracts.list_releases(YEAR, partner_id=online_a)] == [
        "Bupati resmikan Pasar Kayuagung"]
    assert world.contracts.list_releases(YEAR, partner_id=daily) == []
    with pytest.raises(NotFound):
        world.contracts.get_release(sent["release_id"], partner_id=daily)
    with pytest.raises(RuleViolated) as stranger:
        world.contracts.file_pickup(sent["release_id"], pickup(daily), actor=media(daily))
    assert stranger.value.code == "not_a_recipient"
    # by tier, and by name: the parts of an audience narrow each other
    tier_a = world.contracts.publish_release(release(audience={"tiers": ["A"]}), actor=ADMIN)
    assert world.contracts.get_release(tier_a["release_id"])["sent_to"] == sorted(
        [online_a, daily])
    one = world.contracts.publish_release(release(audience={
        "media_types": ["online"], "partner_ids": [online_b]}), actor=ADMIN)
    assert world.contracts.get_release(one["release_id"])["sent_to"] == [online_b]


def test_an_embargoed_release_is_invisible_to_media_until_it_ends(world, clock):
    partner = tiered_partner(world, 1, "B")
    embargo = dt.datetime(YEAR, 3, 3, 9, 0, tzinfo=WIB)  # tomorrow, 09:00 WIB
    sent = world.contracts.publish_release(release(embargo_until=embargo), actor=HUMAS)
    assert world.contracts.list_releases(YEAR, partner_id=partner) == []
    with pytest.raises(NotFound):
        world.contracts.get_release(sent["release_id"], partner_id=partner)
    with pytest.raises(RuleViolated) as early:
        world.contracts.file_pickup(sent["release_id"], pickup(partner), actor=media(partner))
    assert early.value.code == "under_embargo"
    assert len(world.contracts.list_releases(YEAR)) == 1  # the desk sees it all along

    clock.today = dt.date(YEAR, 3, 4)  # events at noon UTC: after the embargo
    assert [r["release_id"] for r in world.contracts.list_releases(
        YEAR, partner_id=partner)] == [sent["release_id"]]
    with pytest.raises(RuleViolated) as before:
        world.contracts.file_pickup(sent["release_id"], pickup(partner, dt.date(YEAR, 3, 2)),
                                    actor=media(partner))
    assert before.value.code == "published_before_release"
    assert before.value.details["earliest"] == f"{YEAR}-03-03"
    world.contracts.file_pickup(sent["release_id"], pickup(partner, dt.date(YEAR, 3, 3)),
                                actor=media(partner))


def test_pickups_are_accepted_or_rejected_and_a_rejected_one_filed_again(world):
    first, second = tiered_partner(world, 1, "A"), tiered_partner(world, 2, "B")
    release_id = world.contracts.publish_release(release(), actor=HUMAS)["release_id"]
    one = world.contracts.file_pickup(release_id, pickup(first), actor=media(first))
    with pytest.raises(Conflict) as twice:
        world.contracts.file_pickup(release_id, pickup(first), actor=media(first))
    assert twice.value.code == "pickup_already_filed"
    world.contracts.review_pickup(release_id, one["pickup_id"], "accepted", "Tayang utuh",
                                  actor=HUMAS)
    with pytest.raises(Conflict) as again:
        world.contracts.review_pickup(release_id, one["pickup_id"], "rejected", "x",
                                      actor=HUMAS)
    assert again.value.code == "pickup_already_reviewed"

    other = world.contracts.file_pickup(release_id, pickup(second), actor=media(second))
    world.contracts.review_pickup(release_id, other["pickup_id"], "rejected",
                                  "Tautan mengarah ke berita lain", actor=HUMAS)
    redo = world.contracts.file_pickup(
        release_id, pickup(second, reference="https://sumselnews2.id/pasar-kayuagung"),
        actor=media(second))
    assert redo["review"] == "pending"
    seen = world.contracts.get_release(release_id, partner_id=second)
    assert [(p["review"], p["note"]) for p in seen["pickups"]] == [
        ("rejected", "Tautan mengarah ke berita lain"), ("pending", None)]
    assert "sent_to" not in seen and "audience" not in seen
    assert world.contracts.list_releases(YEAR)[0]["accepted"] == 1
    with pytest.raises(NotFound):
        world.contracts.review_pickup(release_id, "5f0c3a6e-0000-4000-8000-000000000000",
                                      "accepted", "x", actor=HUMAS)


def test_bad_releases_are_refused_with_their_rule_and_record_nothing(world):
    partner = tiered_partner(world, 1, "A")
    events = world.contracts.max_notification_id()
    with pytest.raises(RuleViolated) as past:
        world.contracts.publish_release(release(embargo_until=dt.datetime(
            YEAR, 3, 2, 8, 0, tzinfo=WIB)), actor=HUMAS)  # 01:00 UTC, before noon UTC
    assert past.value.code == "embargo_in_past"
    with pytest.raises(RuleViolated) as nobody:
        world.contracts.publish_release(release(audience={"media_types": ["radio"]}),
                                        actor=HUMAS)
    assert nobody.value.code == "no_recipients"
    with pytest.raises(RuleViolated) as unknown:
        world.contracts.publish_release(release(audience={"partner_ids": [
            partner, "5f0c3a6e-0000-4000-8000-000000000000"]}), actor=HUMAS)
    assert unknown.value.details == {"partner_ids": ["5f0c3a6e-0000-4000-8000-000000000000"]}
    release_id = world.contracts.publish_release(release(), actor=HUMAS)["release_id"]
    events = world.contracts.max_notification_id()
    with pytest.raises(RuleViolated) as future:
        world.contracts.file_pickup(release_id, pickup(partner, dt.date(YEAR, 3, 3)),
                                    actor=media(partner))
    assert future.value.code == "published_in_future"
    assert world.contracts.max_notification_id() == events


def test_the_outcome_of_each_partner_as_computed_by_hand_also_after_a_rebuild(world, clock,
                                                                              tmp_path):
    """Two releases and one paid order: the pickup rate, days to publication, reach and
    rupiah per 1,000 reach, as a clerk would work them out on paper."""
    from services.reporting.application import ReportingApplication
    from shared.config import Settings
    from tests.world import accepted, contract, order, paid

    kayu, sriwijaya = tiered_partner(world, 1, "B"), tiered_partner(world, 2, "B")
    first = world.contracts.publish_release(release(), actor=HUMAS)["release_id"]  # 2 March
    second = world.contracts.publish_release(release(
        title="Jadwal vaksinasi HPV", embargo_until=dt.datetime(YEAR, 3, 3, 9, 0, tzinfo=WIB)),
        actor=HUMAS)["release_id"]
    # sriwijaya files on 4 March a pickup that is rejected the next day: no pickup counts
    clock.today = dt.date(YEAR, 3, 4)
    filed = world.contracts.file_pickup(first, pickup(sriwijaya, dt.date(YEAR, 3, 4)),
                                        actor=media(sriwijaya))
    # kayu carries both: the first on its day, the second two days after its embargo (3 March)
    clock.today = dt.date(YEAR, 3, 5)
    world.contracts.review_pickup(first, filed["pickup_id"], "rejected", "bukan siaran ini",
                                  actor=HUMAS)
    for release_id, on, views in ((first, dt.date(YEAR, 3, 2), 6_000),
                                  (second, dt.date(YEAR, 3, 5), 2_000)):
        filed = world.contracts.file_pickup(release_id, pickup(kayu, on, reach={
            "page_views": views}), actor=media(kayu))
        world.contracts.review_pickup(release_id, filed["pickup_id"], "accepted", "ok",
                                      actor=HUMAS)
    # kayu's one advertorial: Rp2,000,000 DPP, proof with 12,000 page views, paid
    clock.today = dt.date(YEAR, 3, 6)
    oid = order(world, contract(world, kayu), publish_by=dt.date(YEAR, 3, 10))["order_id"]
    accepted(world, oid, published_on=dt.date(YEAR, 3, 9))
    paid(world, oid, "1/SP2D/LS/2026", dt.date(YEAR, 3, 12))
    world.project()

    rows = {r["partner_id"]: r for r in world.reporting.outcomes(YEAR)}
    # reach 12,000 + 6,000 + 2,000 = 20,000; Rp2,000,000 / 20 = Rp100,000 per 1,000 reach;
    # days: 2 March -> 2 March is 0, 3 March (the embargo's end) -> 5 March is 2: mean 1.0
    assert {k: rows[kayu][k] for k in (
        "orders", "paid_orders", "on_time", "late", "missing", "releases", "pickups",
        "pickup_rate", "mean_days_to_publication", "reach", "cost", "paid",
        "rupiah_per_1000_reach")} == {
        "orders": 1, "paid_orders": 1, "on_time": 1, "late": 0, "missing": 0, "releases": 2,
        "pickups": 2, "pickup_rate": 1.0, "mean_days_to_publication": 1.0, "reach": 20_000,
        "cost": 2_000_000, "paid": 2_000_000, "rupiah_per_1000_reach": 100_000}
    assert (rows[sriwijaya]["releases"], rows[sriwijaya]["pickups"],
            rows[sriwijaya]["pickup_rate"], rows[sriwijaya]["rupiah_per_1000_reach"]) == (
        2, 0, 0.0, None)
    summary = {r["release_id"]: r for r in world.reporting.release_summary(YEAR)}
    assert (summary[first]["recipients"], summary[first]["filed"], summary[first]["accepted"],
            summary[first]["rejected"], summary[first]["pickup_rate"]) == (2, 2, 1, 1, 0.5)
    assert summary[second]["mean_days_to_publication"] == 2.0
    # as of 4 March: both releases sent, sriwijaya's pickup filed but not yet reviewed
    early = world.reporting.outcomes(YEAR, dt.date(YEAR, 3, 4))
    assert [(r["releases"], r["pickups"], r["paid"]) for r in early] == [(2, 0, 0), (2, 0, 0)]
    (first_early,) = [r for r in world.reporting.release_summary(YEAR, dt.date(YEAR, 3, 4))
                      if r["release_id"] == first]
    assert (first_early["filed"], first_early["accepted"], first_early["rejected"]) == (
        1, 0, 0)

    rebuilt = ReportingApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(
        tmp_path / "rebuilt")}), clock=world.clock)
    for source in (world.partners, world.assessment, world.contracts):
        world.feed(source, rebuilt, "apply_envelope").catch_up()
    assert rebuilt.outcomes(YEAR) == world.reporting.outcomes(YEAR)
    assert rebuilt.release_summary(YEAR) == world.reporting.release_summary(YEAR)


RUBRIC_2027 = {
    "criteria": [
        {"code": "press_council", "name": "Dewan Pers", "weight": 30, "max_score": 10,
         "source": "press_council"},
        {"code": "chief_editor", "name": "UKW", "weight": 20, "max_score": 10,
         "source": "chief_editor_ukw"},
        {"code": "certified", "name": "Certified", "weight": 10, "max_score": 10,
         "source": "certified_share"},
        {"code": "age", "name": "Age", "weight": 10, "max_score": 10, "source": "company_age"},
        {"code": "pickups", "name": "Press releases carried", "weight": 10, "max_score": 10,
         "source": "pickup_rate"},
        {"code": "on_time", "name": "Orders proven on time", "weight": 10, "max_score": 10,
         "source": "on_time_rate"},
        {"code": "reach", "name": "Reach per rupiah", "weight": 10, "max_score": 10,
         "source": "reach_per_rupiah", "target": 10_000},
    ],
    "tiers": [{"tier": "A", "min_total": 90}, {"tier": "B", "min_total": 60}],
}


def test_last_years_outputs_score_this_years_criteria_and_a_late_pickup_changes_the_tier(
        world, clock):
    """2026's outputs feed the 2027 assessment through contracts' events: the pickup rate,
    the on-time rate and the reach per rupiah, each with its cause; a pickup accepted after the
    2027 assessment was finalised re-tiers it."""
    from tests.world import ASSESSOR, accepted, contract, order, paid

    kayu, other = tiered_partner(world, 1, "B"), tiered_partner(world, 2, "B")
    first = world.contracts.publish_release(release(), actor=HUMAS)["release_id"]
    second = world.contracts.publish_release(release(title="Jadwal vaksinasi HPV"),
                                             actor=HUMAS)["release_id"]
    filed = world.contracts.file_pickup(first, pickup(kayu), actor=media(kayu))
    world.contracts.review_pickup(first, filed["pickup_id"], "accepted", "ok", actor=HUMAS)
    cid = contract(world, kayu)
    proven = order(world, cid, publish_by=dt.date(YEAR, 3, 10))["order_id"]
    missed = order(world, cid, publish_by=dt.date(YEAR, 3, 10))["order_id"]
    accepted(world, proven, published_on=dt.date(YEAR, 3, 9))  # reach 12,000
    paid(world, proven, "1/SP2D/LS/2026", dt.date(YEAR, 3, 12))
    clock.today = dt.date(YEAR, 3, 13)  # the proof of `missed` was due on 12 March
    assert world.contracts.expire_overdue_orders() == [missed]
    world.assessment.set_rubric(YEAR + 1, RUBRIC_2027, actor=ADMIN)
    world.sync()

    scores = {s["code"]: s for s in world.assessment.get_assessment(YEAR + 1, kayu)["scores"]}
    # 1 of 2 releases: 5 of 10; 1 of 2 orders on time: 5; reach 12,000 + 4,000 for the
    # Rp2,000,000 the proven order cost is 8,000 per Rp1,000,000, 4/5 of the target: 8
    assert [(scores[c]["score"], scores[c]["reason"]) for c in ("pickups", "on_time",
                                                                "reach")] == [
        (5, "1 of 2 press releases of 2026 picked up"),
        (5, "1 of 2 orders of 2026 proven on time"),
        (8, "reach 16,000 for Rp2,000,000 of orders proven in 2026: 8,000 per Rp1,000,000 "
            "(target 10,000)")]
    final = world.assessment.finalize_assessment(YEAR + 1, kayu, actor=ASSESSOR)
    assert (final["total"], final["tier"]) == (88, "B")  # facts 70 + 5 + 5 + 8

    # kayu carries the second release late in 2026: 2 of 2 (10), and its 4,000 page views
    # bring the reach to 10,000 per Rp1,000,000 (10): 95, the 2027 tier becomes A
    late = world.contracts.file_pickup(second, pickup(kayu, dt.date(YEAR, 3, 13)),
                                       actor=media(kayu))
    world.contracts.review_pickup(second, late["pickup_id"], "accepted", "ok", actor=HUMAS)
    world.sync()
    now = world.assessment.get_assessment(YEAR + 1, kayu)
    assert (now["total"], now["tier"]) == (95, "A")
    changes = [e for e in world.assessment.notifications(0, 1000)
               if e["type"] == "TierChanged"]
    assert [(e["payload"]["old_tier"], e["payload"]["new_tier"]) for e in changes] == [
        ("B", "A")]
    assert changes[0]["actor"]["cause"]["type"] == "PickupReviewed"
    assert "2 of 2 press releases of 2026 picked up" in changes[0]["payload"]["cause"]
    # the other partner carried nothing: 0 of 2, and nothing ordered, decided or paid
    others = {s["code"]: s["score"] for s in world.assessment.get_assessment(
        YEAR + 1, other)["scores"]}
    assert (others["pickups"], others["on_time"], others["reach"]) == (0, 0, 0)


def test_a_reach_per_rupiah_criterion_needs_its_target(world):
    criteria = [dict(c) for c in RUBRIC_2027["criteria"]]
    criteria[-1].pop("target")
    with pytest.raises(RuleViolated) as refused:
        world.assessment.set_rubric(YEAR + 1, {**RUBRIC_2027, "criteria": criteria},
                                    actor=ADMIN)
    assert refused.value.code == "target_required"
