"""What crosses the wire into assessment. Unknown fields are refused by name (`Strict`); every
field is bounded (`shared.schemas`)."""
from marshmallow import fields

from services.assessment.domain import SOURCES
from shared.schemas import (Count, Date, Id, Items, Number, Strict, Text, fiscal_year,
                            free_text, one_of, text)

MAX_CRITERIA = 50
MAX_TIERS = 20
MAX_SCORE = 1000


class CriterionSchema(Strict):
    code = Text(40, required=True, pattern=r"[a-z][a-z0-9_]{0,39}",
                error="code must be lowercase letters, digits and _")
    name = text()
    weight = Count(1, 100, required=True, error="weight must be a whole number from 1 to 100")
    max_score = Count(1, MAX_SCORE, required=True,
                      error=f"max_score must be a whole number from 1 to {MAX_SCORE}")
    source = one_of("source", SOURCES, required=True)
    # reach_per_rupiah: the reach per Rp1,000,000 paid that earns the maximum score
    target = Count(1, 10**9,
                   error="target must be a whole number from 1 to 1,000,000,000")


class TierSchema(Strict):
    tier = Text(10, required=True)
    min_total = Number(0, 100, required=True, error="min_total must be from 0 to 100")


class RubricSchema(Strict):
    criteria = Items(fields.Nested(CriterionSchema), MAX_CRITERIA, min_items=1, required=True,
                     error=f"at least one criterion, at most {MAX_CRITERIA}")
    tiers = Items(fields.Nested(TierSchema), MAX_TIERS, min_items=1, required=True,
                  error=f"at least one tier, at most {MAX_TIERS}")


class SetRubricSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    rubric = fields.Nested(RubricSchema, required=True)
    effective_from = Date(load_default=None, allow_none=True)


class ScoreSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    partner_id = Id(required=True)
    criterion = Text(40, required=True)
    score = Number(0, MAX_SCORE, required=True,
                   error=f"score must be from 0 to the criterion's max_score (at most {MAX_SCORE})")
    reason = free_text(1000, min_length=3,
                       error_messages={"length": "a score needs a reason (at least 3 characters,"
                                                 " at most 1000; got {got})"})


class AssessmentKeySchema(Strict):
    fiscal_year = fiscal_year(required=True)
    partner_id = Id(required=True)


class FiscalYearSchema(Strict):
    fiscal_year = fiscal_year(required=True)
