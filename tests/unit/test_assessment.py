"""Scores and tiers (DOMAIN.md §2): partner facts arrive as partners' events, through the
tracked consumer, into the assessment application; assessors score the rest."""
import datetime as dt

import pytest

from services.assessment.application import AssessmentApplication
from services.partners.application import PartnersApplication
from shared.config import Settings
from shared.consumer import TrackedConsumer
from shared.errors import NotFound, RuleViolated
from tests.support import RUBRIC_2026, actor, chief_editor, company, loaded

ADMIN = actor("admin", sub="kominfo.ani")
VERIFIER = actor("verifier", sub="verifikasi.budi")
ASSESSOR = actor("assessor", sub="tim.penilai.citra")
YEAR = 2026


@pytest.fixture
def partners(tmp_path):
    return PartnersApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path / "p")}))


@pytest.fixture
def assessment(tmp_path):
    app = AssessmentApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path / "a")}))
    app.set_rubric(YEAR, RUBRIC_2026, actor=ADMIN)
    return app


@pytest.fixture
def feed(partners, assessment):
    feed = TrackedConsumer("partners", assessment.tracked_position,
                           assessment.apply_partners_event,
                           lambda source, after, limit: partners.notifications(after, limit))
    return feed


def outlet(partners, n, founded_on, council, ukw) -> str:
    pid = partners.register_partner(loaded(company(n, founded_on=founded_on)),
                                    actor=ADMIN)["partner_id"]
    if council != "none":
        partners.record_press_council_status(pid, council, f"DP-{n}", dt.date(2025, 6, 1),
                                             actor=VERIFIER)
    partners.add_journalist(pid, chief_editor(n, ukw), actor=ADMIN)
    return pid


def score_manual(assessment, pid, regularity, traffic):
    assessment.score(YEAR, pid, "regularity", regularity, "posts daily, checked in March",
                     actor=ASSESSOR)
    assessment.score(YEAR, pid, "traffic", traffic, "analytics screenshot, 40k views/month",
                     actor=ASSESSOR)


def test_a_factually_verified_outlet_with_an_utama_chief_editor_reaches_tier_a(
        partners, assessment, feed):
    pid = outlet(partners, 1, "2015-03-01", "factual", "utama")
    feed.catch_up()
    score_manual(assessment, pid, 90, 80)
    result = assessment.finalize_assessment(YEAR, pid, actor=ASSESSOR)
    assert result == {"total": 95.5, "tier": "A", "rubric_version": 1}
    assert assessment.get_tier(pid, YEAR) == "A"
    view = assessment.get_assessment(YEAR, pid)
    by_code = {row["code"]: row for row in view["scores"]}
    assert by_code["press_council"]["score"] == 10
    assert by_code["press_council"]["reason"] == "press council status factual"
    assert by_code["regularity"]["set_by"] == "tim.penilai.citra"
    assert view["finalized"] is True


def test_a_press_council_withdrawal_drops_a_partner_from_b_to_c_through_events_alone(
        partners, assessment, feed):
    pid = outlet(partners, 2, "2019-08-17", "administrative", "madya")
    feed.catch_up()
    score_manual(assessment, pid, 50, 50)
    assert assessment.finalize_assessment(YEAR, pid, actor=ASSESSOR)["tier"] == "B"

    partners.record_press_council_status(pid, "none", None, dt.date(2026, 7, 1), actor=VERIFIER)
    feed.catch_up()

    assert assessment.get_tier(pid, YEAR) == "C"
    tier_changes = [e for e in assessment.notifications(0, 1000) if e["type"] == "TierChanged"]
    assert len(tier_changes) == 1
    change = tier_changes[0]
    assert (change["payload"]["old_tier"], change["payload"]["new_tier"]) == ("B", "C")
    assert "PressCouncilStatusRecorded" in change["payload"]["cause"]
    assert change["actor"]["sub"] == "assessment.feed"
    assert change["actor"]["cause"]["type"] == "PressCouncilStatusRecorded"
    assert change["actor"]["cause"]["by"] == "verifikasi.budi"
    score_change = [e for e in assessment.notifications(0, 1000) if e["type"] == "ScoreChanged"
                    and e["payload"]["criterion"] == "press_council"][-1]
    assert (score_change["payload"]["old"], score_change["payload"]["new"]) == (5.0, 0.0)


def test_a_duplicate_partner_event_changes_nothing(partners, assessment, feed):
    pid = outlet(partners, 3, "2015-03-01", "administrative", "utama")
    feed.catch_up()
    score_manual(assessment, pid, 60, 60)
    upgrade_at = partners.max_notification_id() + 1
    partners.record_press_council_status(pid, "factual", "DP-3F", dt.date(2026, 7, 1),
                                         actor=VERIFIER)
    upgrade = partners.notifications(upgrade_at - 1, 1)[0]
    assert feed.receive(upgrade) == "applied"
    events = assessment.max_notification_id()
    assert feed.receive(upgrade) == "duplicate"
    assert assessment.max_notification_id() == events


def test_scores_outside_the_range_or_without_a_reason_are_refused(partners, assessment, feed):
    pid = outlet(partners, 4, "2015-03-01", "factual", "utama")
    feed.catch_up()
    with pytest.raises(RuleViolated) as high:
        assessment.score(YEAR, pid, "traffic", 101, "too good", actor=ASSESSOR)
    assert high.value.code == "score_out_of_range" and "0...100" in high.value.message
    with pytest.raises(RuleViolated) as negative:
        assessment.score(YEAR, pid, "traffic", -1, "bad", actor=ASSESSOR)
    assert negative.value.code == "score_out_of_range"
    with pytest.raises(RuleViolated) as silent:
        assessment.score(YEAR, pid, "traffic", 50, "  ", actor=ASSESSOR)
    assert silent.value.code == "reason_required"
    with pytest.raises(RuleViolated) as computed:
        assessment.score(YEAR, pid, "press_council", 10, "looks fine", actor=ASSESSOR)
    assert computed.value.code == "criterion_not_manual"


def test_a_rubric_whose_weights_sum_to_99_is_refused(assessment):
    criteria = [dict(c) for c in RUBRIC_2026["criteria"]]
    criteria[0]["weight"] = 29
    with pytest.raises(RuleViolated) as refused:
        assessment.set_rubric(2027, {**RUBRIC_2026, "criteria": criteria}, actor=ADMIN)
    assert refused.value.code == "weights_not_100"
    assert "sum to 99" in refused.value.message
    with pytest.raises(NotFound):
        assessment.get_rubric(2027)


def test_tier_thresholds_out_of_order_are_refused(assessment):
    tiers = [{"tier": "A", "min_total": 60}, {"tier": "B", "min_total": 80}]
    with pytest.raises(RuleViolated) as refused:
        assessment.set_rubric(2027, {**RUBRIC_2026, "tiers": tiers}, actor=ADMIN)
    assert refused.value.code == "tiers_out_of_order"


def test_an_unregistered_or_deregistered_partner_cannot_be_scored(partners, assessment, feed):
    with pytest.raises(RuleViolated) as unknown:
        assessment.score(YEAR, "5b0c7a34-0000-4000-8000-000000000000", "traffic", 50,
                         "no such partner", actor=ASSESSOR)
    assert unknown.value.code == "partner_not_registered"
    pid = outlet(partners, 5, "2015-03-01", "factual", "utama")
    partners.deregister_partner(pid, "closed down", actor=ADMIN)
    feed.catch_up()
    with pytest.raises(RuleViolated) as gone:
        assessment.score(YEAR, pid, "traffic", 50, "still publishing?", actor=ASSESSOR)
    assert gone.value.code == "partner_deregistered"


def test_a_later_score_change_re_tiers_a_finalised_assessment(partners, assessment, feed):
    pid = outlet(partners, 6, "2015-03-01", "factual", "utama")
    feed.catch_up()
    score_manual(assessment, pid, 90, 80)
    assessment.finalize_assessment(YEAR, pid, actor=ASSESSOR)
    answer = assessment.score(YEAR, pid, "traffic", 0, "analytics were faked", actor=ASSESSOR)
    assert answer == {"old": 80, "new": 0, "total": 83.5}
    assert assessment.get_tier(pid, YEAR) == "A"
    assessment.score(YEAR, pid, "regularity", 0, "stopped publishing in May", actor=ASSESSOR)
    assert assessment.get_tier(pid, YEAR) == "B"
    changes = [e["payload"] for e in assessment.notifications(0, 1000)
               if e["type"] == "TierChanged"]
    assert [(c["old_tier"], c["new_tier"]) for c in changes] == [("A", "B")]
    assert "stopped publishing in May" in changes[0]["cause"]


def test_finalising_needs_every_manual_criterion_scored(partners, assessment, feed):
    pid = outlet(partners, 7, "2015-03-01", "factual", "utama")
    feed.catch_up()
    assessment.score(YEAR, pid, "traffic", 70, "ok", actor=ASSESSOR)
    with pytest.raises(RuleViolated) as refused:
        assessment.finalize_assessment(YEAR, pid, actor=ASSESSOR)
    assert refused.value.details == {"criteria": ["regularity"]}


def test_a_rubric_revision_after_finalisation_keeps_finalised_tiers(partners, assessment, feed):
    finalised = outlet(partners, 8, "2015-03-01", "factual", "utama")
    still_open = outlet(partners, 9, "2015-03-01", "factual", "utama")
    feed.catch_up()
    score_manual(assessment, finalised, 90, 80)
    score_manual(assessment, still_open, 90, 80)
    assessment.finalize_assessment(YEAR, finalised, actor=ASSESSOR)

    stricter = {**RUBRIC_2026, "tiers": [{"tier": "A", "min_total": 97},
                                         {"tier": "B", "min_total": 60}]}
    with pytest.raises(RuleViolated) as refused:
        assessment.set_rubric(YEAR, stricter, actor=ADMIN)
    assert refused.value.code == "effective_from_required"
    today = assessment.today()  # the regency's date
    assert assessment.set_rubric(YEAR, stricter, effective_from=today,
                                 actor=ADMIN)["version"] == 2

    assert assessment.get_tier(finalised, YEAR) == "A"
    assert assessment.get_assessment(YEAR, finalised)["rubric_version"] == 1
    assert assessment.finalize_assessment(YEAR, still_open, actor=ASSESSOR) == {
        "total": 95.5, "tier": "B", "rubric_version": 2}


def test_an_assessment_not_yet_opened_is_previewed_without_recording(partners, assessment,
                                                                     feed):
    pid = outlet(partners, 10, "2024-03-01", "none", "muda")
    feed.catch_up()
    before = assessment.max_notification_id()
    view = assessment.get_assessment(YEAR, pid)
    assert view["opened"] is False and view["tier"] is None
    assert {r["code"]: r["score"] for r in view["scores"]}["chief_editor"] == 3.33
    assert assessment.max_notification_id() == before
