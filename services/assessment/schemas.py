"""What crosses the wire into assessment. Unknown fields are refused by name (`Strict`)."""
from marshmallow import fields, validate

from services.assessment.domain import SOURCES
from shared.schemas import Number, Strict, fiscal_year, one_of, text


class CriterionSchema(Strict):
    code = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z][a-z0-9_]{0,39}$", error="code must be lowercase letters, digits and _"))
    name = text()
    weight = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=100, error="weight must be a whole number from 1 to 100"))
    max_score = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=1000, error="max_score must be a whole number from 1 to 1000"))
    source = one_of("source", SOURCES, required=True)


class TierSchema(Strict):
    tier = fields.String(required=True, validate=validate.Length(min=1, max=10))
    min_total = Number(required=True, validate=validate.Range(
        min=0, max=100, error="min_total must be from 0 to 100"))


class RubricSchema(Strict):
    criteria = fields.List(fields.Nested(CriterionSchema), required=True,
                           validate=validate.Length(min=1, error="at least one criterion"))
    tiers = fields.List(fields.Nested(TierSchema), required=True,
                        validate=validate.Length(min=1, error="at least one tier"))


class SetRubricSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    rubric = fields.Nested(RubricSchema, required=True)
    effective_from = fields.Date(load_default=None, allow_none=True)


class ScoreSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    partner_id = fields.UUID(required=True)
    criterion = fields.String(required=True, validate=validate.Length(min=1, max=40))
    score = Number(required=True)
    reason = fields.String(required=True, validate=validate.Length(
        min=3, max=1000, error="a score needs a reason (at least 3 characters)"))


class AssessmentKeySchema(Strict):
    fiscal_year = fiscal_year(required=True)
    partner_id = fields.UUID(required=True)


class FiscalYearSchema(Strict):
    fiscal_year = fiscal_year(required=True)
