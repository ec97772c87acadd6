"""The arguments of the reporting queries."""
from marshmallow import fields, validate

from shared.schemas import Strict, fiscal_year, one_of


class YearAsOfSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    as_of = fields.Date(load_default=None, allow_none=True)


class RegistrySchema(Strict):
    fiscal_year = fiscal_year(load_default=None, allow_none=True)
    as_of = fields.Date(load_default=None, allow_none=True)


class SpendingSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    by = one_of("by", ("partner", "media_type", "tier"), load_default="partner")
    as_of = fields.Date(load_default=None, allow_none=True)


class OutstandingSchema(Strict):
    as_of = fields.Date(load_default=None, allow_none=True)
    fiscal_year = fiscal_year(load_default=None, allow_none=True)


class PartnerHistorySchema(Strict):
    partner_id = fields.UUID(required=True)
    as_of = fields.Date(load_default=None, allow_none=True)


class EntitySchema(Strict):
    entity_id = fields.String(required=True, validate=validate.Regexp(
        r"^[0-9a-fA-F-]{36}$", error="entity_id must be the UUID of a partner, contract or "
                                     "order"))
