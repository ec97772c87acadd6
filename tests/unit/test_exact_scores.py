"""Scores add up exactly (issue 13, item 9): fact-fed scores stay exact fractions through
weighting and the total is rounded once, at the end, so three thirds make a whole and a total
of exactly 40 stays in tier C. Events carry no Fraction: the exact score rides as
{numerator, denominator} beside the two-decimal score a clerk reads."""
import json
from fractions import Fraction

import pytest

from services.assessment.application import AssessmentApplication
from services.assessment.domain import round_hundredths
from services.partners.application import PartnersApplication
from shared.config import Settings
from shared.consumer import TrackedConsumer
from tests.support import actor, chief_editor, company, loaded

ADMIN = actor("admin", sub="kominfo.ani")
ASSESSOR = actor("assessor", sub="tim.penilai.citra")
YEAR = 2026

# Three fact-fed criteria each earning a third of its maximum (10 / 3 = 3.33 when rounded),
# weight 20 each: exactly 20 together; a manual criterion brings exactly 20 more.
THIRDS_RUBRIC = {
    "criteria": [
        {"code": "chief_editor", "name": "Chief editor's UKW level", "weight": 20,
         "max_score": 10, "source": "chief_editor_ukw"},
        {"code": "certified", "name": "Share of certified journalists", "weight": 20,
         "max_score": 10, "source": "certified_share"},
        {"code": "age", "name": "Age of the company", "weight": 20, "max_score": 10,
         "source": "company_age"},
        {"code": "regularity", "name": "Publishing regularity", "weight": 40,
         "max_score": 40, "source": "manual"},
    ],
    "tiers": [{"tier": "A", "min_total": 80}, {"tier": "B", "min_total": 60},
              {"tier": "C", "min_total": 40}],
}


@pytest.fixture
def apps(tmp_path):
    partners = PartnersApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path / "p")}))
    assessment = AssessmentApplication(Settings.from_env({"SEKLIK_DATA_DIR":
                                                          str(tmp_path / "a")}))
    assessment.set_rubric(YEAR, THIRDS_RUBRIC, actor=ADMIN)
    feed = TrackedConsumer("partners", assessment.tracked_position,
                           assessment.apply_partners_event,
                           lambda source, after, limit: partners.notifications(after, limit))
    return partners, assessment, feed


def thirds_outlet(partners) -> str:
    """Chief editor muda (1/3), one of three journalists certified (1/3), three years old on
    1 January (1/3)."""
    pid = partners.register_partner(loaded(company(1, founded_on="2022-06-01")),
                                    actor=ADMIN)["partner_id"]
    partners.add_journalist(pid, chief_editor(1, "muda"), actor=ADMIN)
    for n in (2, 3):
        partners.add_journalist(pid, {"nik": f"1602{n:012d}", "name": f"Wartawan {n}",
                                      "role": "reporter", "ukw_level": "none",
                                      "certificate_no": None}, actor=ADMIN)
    return pid


def test_three_thirds_and_a_manual_score_adding_to_exactly_40_land_in_tier_c(apps):
    partners, assessment, feed = apps
    pid = thirds_outlet(partners)
    feed.catch_up()
    assessment.score(YEAR, pid, "regularity", 20, "posts every other day", actor=ASSESSOR)
    final = assessment.finalize_assessment(YEAR, pid, actor=ASSESSOR)
    assert (final["total"], final["tier"]) == (40.0, "C")  # rounded first: 39.98, no tier
    shown = assessment.get_assessment(YEAR, pid)
    assert {r["code"]: r["score"] for r in shown["scores"]} == {
        "chief_editor": 3.33, "certified": 3.33, "age": 3.33, "regularity": 20}
    assert shown["total"] == 40.0 and shown["tier"] == "C"


def test_score_events_carry_the_exact_score_as_numerator_and_denominator(apps):
    partners, assessment, feed = apps
    pid = thirds_outlet(partners)
    feed.catch_up()
    assessment.score(YEAR, pid, "regularity", 20, "posts every other day", actor=ASSESSOR)
    changed = [e for e in assessment.notifications(0, 1000) if e["type"] == "ScoreChanged"]
    exact = {e["payload"]["criterion"]: e["payload"]["exact"] for e in changed}
    assert exact == {"chief_editor": {"numerator": 10, "denominator": 3},
                     "certified": {"numerator": 10, "denominator": 3},
                     "age": {"numerator": 10, "denominator": 3},
                     "regularity": {"numerator": 20, "denominator": 1}}
    json.dumps([e["payload"] for e in changed])  # JSON-safe: no Fraction reaches an event


def test_the_total_is_rounded_once_half_up_to_hundredths():
    assert round_hundredths(Fraction(40)) == 40.0
    assert round_hundredths(Fraction(200, 3)) == 66.67
    assert round_hundredths(Fraction(12345, 1000)) == 12.35  # half up, not to even
    assert round_hundredths(Fraction(12355, 1000)) == 12.36


def test_a_later_fact_change_re_derives_from_the_exact_score(apps):
    partners, assessment, feed = apps
    pid = thirds_outlet(partners)
    feed.catch_up()
    assessment.score(YEAR, pid, "regularity", 20, "posts every other day", actor=ASSESSOR)
    assessment.finalize_assessment(YEAR, pid, actor=ASSESSOR)
    partners.remove_journalist(pid, "1602000000000003", "left", actor=ADMIN)
    feed.catch_up()  # one of two certified: 1/2 of 10 -> the total is 40 - 20/3 + 10
    shown = assessment.get_assessment(YEAR, pid)
    assert shown["total"] == round_hundredths(Fraction(40) - Fraction(20, 3) + 10) == 43.33
