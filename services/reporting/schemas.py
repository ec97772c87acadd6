"""The arguments of the reporting queries; every field is bounded (`shared.schemas`)."""
from shared.schemas import Count, Date, Id, Strict, Text, fiscal_year, one_of


def as_of():
    return Date(load_default=None, allow_none=True)


class YearAsOfSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    as_of = as_of()


class RegistrySchema(Strict):
    fiscal_year = fiscal_year(load_default=None, allow_none=True)
    as_of = as_of()


class SpendingSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    by = one_of("by", ("partner", "media_type", "tier"), load_default="partner")
    as_of = as_of()


class OutstandingSchema(Strict):
    as_of = as_of()
    fiscal_year = fiscal_year(load_default=None, allow_none=True)


class PartnerHistorySchema(Strict):
    partner_id = Id(required=True)
    as_of = as_of()


class EntitySchema(Strict):
    entity_id = Text(36, required=True, pattern=r"[0-9a-fA-F-]{36}",
                     error="entity_id must be the UUID of a partner, contract or order")


class TaxMonthSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    month = Count(1, 12, required=True, error="month must be a whole number from 1 to 12")
    as_of = as_of()
