"""Bad input for every assessment method: ValidationFailed naming the field, nothing recorded."""
import pytest

from services.assessment.application import AssessmentApplication
from services.assessment.service import AssessmentService
from tests.service.checks import OPERATOR_METHODS, check_refused, rpc_methods
from tests.support import RUBRIC_2026

PID = "5b0c7a34-1111-4000-8000-000000000001"
ROLE_OF = {"score": "assessor", "finalize_assessment": "assessor"}
CRITERION = RUBRIC_2026["criteria"][0]

CASES = [
    ("set_rubric", dict(fiscal_year=2026, rubric={"criteria": [], "tiers": RUBRIC_2026[
        "tiers"]}), "rubric"),
    ("set_rubric", dict(fiscal_year=2026, rubric={**RUBRIC_2026, "criteria": [
        {**CRITERION, "weight": 30.5}]}), "rubric"),
    ("set_rubric", dict(fiscal_year=2026, rubric={**RUBRIC_2026, "criteria": [
        {**CRITERION, "source": "traffic_api"}]}), "rubric"),
    ("set_rubric", dict(fiscal_year=2026, rubric={**RUBRIC_2026, "criteria": [
        {**RUBRIC_2026["criteria"][0], "source": "reach_per_rupiah", "target": 0},
        *RUBRIC_2026["criteria"][1:]]}), "rubric"),
    ("set_rubric", dict(fiscal_year=2026, rubric={**RUBRIC_2026, "criteria": [
        {**RUBRIC_2026["criteria"][0], "source": "reach_per_rupiah", "target": 1.5},
        *RUBRIC_2026["criteria"][1:]]}), "rubric"),
    ("set_rubric", dict(fiscal_year=2026, rubric=RUBRIC_2026, effective_from="next week"),
     "effective_from"),
    ("score", dict(fiscal_year=2026, partner_id=PID, criterion="traffic", score="80",
                   reason="analytics"), "score"),
    ("score", dict(fiscal_year=2026, partner_id=PID, criterion="traffic", score=80,
                   reason=""), "reason"),
    ("score", dict(fiscal_year=2026, partner_id="PT-1", criterion="traffic", score=80,
                   reason="analytics"), "partner_id"),
    ("finalize_assessment", dict(fiscal_year="2026", partner_id=PID), "fiscal_year"),
    ("get_assessment", dict(fiscal_year=2026, partner_id=None), "partner_id"),
    ("get_tier", dict(fiscal_year=1999, partner_id=PID), "fiscal_year"),
    ("get_rubric", dict(fiscal_year="last"), "fiscal_year"),
    ("notifications", dict(after=0, limit=0), "limit"),
    ("checkpoints", dict(after=0, limit="all"), "limit"),
    ("signed_checkpoints", dict(after=0, limit="all"), "limit"),
    # The limits on every input (issue 11): one bad value must not stop a pipeline.
    ("set_rubric", dict(fiscal_year=2026, rubric={**RUBRIC_2026, "tiers": [
        {"tier": "A", "min_total": float("nan")}]}), "rubric"),
    ("score", dict(fiscal_year=2026, partner_id=PID, criterion="traffic", score=float("inf"),
                   reason="analytics"), "score"),
    ("score", dict(fiscal_year=2026, partner_id=PID, criterion="traffic", score=True,
                   reason="analytics"), "score"),
    ("score", dict(fiscal_year=2026, partner_id=PID, criterion="traffic\x00", score=80,
                   reason="analytics"), "criterion"),
    ("set_rubric", dict(fiscal_year=2026, rubric=RUBRIC_2026, command_id=123), "command_id"),
]


@pytest.fixture
def app(sqlite_settings):
    return AssessmentApplication(sqlite_settings)


@pytest.mark.parametrize("method,arguments,field", CASES,
                         ids=[f"{m}-{f}-{i}" for i, (m, _, f) in enumerate(CASES)])
def test_bad_input_names_the_field_and_records_nothing(app, method, arguments, field):
    check_refused(AssessmentService, app, ROLE_OF.get(method, "admin"), method, arguments,
                  field)


def test_every_assessment_method_has_a_bad_input_case():
    assert rpc_methods(AssessmentService) - {"digest"} - OPERATOR_METHODS <= {m for m, _, _ in CASES}
