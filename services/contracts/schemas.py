"""What crosses the wire into contracts. Money fields are whole rupiah (`Rupiah`)."""
from marshmallow import fields, validate

from services.contracts.domain import PRODUCTS, PROOF_KINDS, UNITS
from shared.published import MEDIA_TYPES
from shared.schemas import Rupiah, Strict, fiscal_year, one_of, text


def tier(**kwargs):
    return fields.String(validate=validate.Regexp(
        r"^[A-Z][A-Z0-9+\-]{0,4}$", error="tier must be a tier name such as A, B or C"),
        **kwargs)


def activity_code(**kwargs):
    return fields.String(validate=validate.Regexp(
        r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,39}$",
        error="activity_code must be the DPA activity code, e.g. 2.16.01.2.06.0001"), **kwargs)


def money(minimum: int = 1, **kwargs):
    return Rupiah(validate=validate.Range(min=minimum, error=f"must be at least {minimum} rupiah"),
                  **kwargs)


class PriceItemSchema(Strict):
    media_type = one_of("media_type", MEDIA_TYPES, required=True)
    tier = tier(required=True)
    product = one_of("product", PRODUCTS, required=True)
    unit = one_of("unit", UNITS, required=True)
    unit_price = money(required=True)


class PublishPriceStandardSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    effective_from = fields.Date(required=True)
    items = fields.List(fields.Nested(PriceItemSchema), required=True,
                        validate=validate.Length(min=1, error="at least one price"))


class BudgetSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    activity_code = activity_code(required=True)
    name = text()
    pagu = money(0, required=True)


class TierCeilingSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    tier = tier(required=True)
    ceiling = money(required=True)


class AgreedPriceSchema(Strict):
    product = one_of("product", PRODUCTS, required=True)
    unit_price = money(required=True)


class ContractSchema(Strict):
    number = fields.String(required=True, validate=validate.Regexp(
        r"^[0-9A-Za-z][0-9A-Za-z./\-]{0,59}$",
        error="number must be the SPK number, e.g. 027/SPK/KOMINFO/2026"))
    fiscal_year = fiscal_year(required=True)
    partner_id = fields.UUID(required=True)
    activity_code = activity_code(required=True)
    ceiling = money(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    agreed_prices = fields.List(fields.Nested(AgreedPriceSchema), load_default=list)


class SignContractSchema(Strict):
    contract = fields.Nested(ContractSchema, required=True)


class OrderSchema(Strict):
    product = one_of("product", PRODUCTS, required=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=100_000, error="quantity must be a whole number from 1"))
    title = text(300)
    publish_by = fields.Date(required=True)


class PlaceOrderSchema(Strict):
    contract_id = fields.UUID(required=True)
    order = fields.Nested(OrderSchema, required=True)


class ReachSchema(Strict):
    page_views = fields.Integer(strict=True, validate=validate.Range(min=0))
    circulation = fields.Integer(strict=True, validate=validate.Range(min=0))
    audience = fields.Integer(strict=True, validate=validate.Range(min=0))


class ProofSchema(Strict):
    kind = one_of("kind", PROOF_KINDS, required=True)
    reference = text(500)
    published_on = fields.Date(required=True)
    sha256 = fields.String(required=True, validate=validate.Regexp(
        r"^[0-9a-f]{64}$", error="sha256 must be the file's SHA-256 as 64 lowercase hex digits"))
    reach = fields.Nested(ReachSchema, load_default=None, allow_none=True)


class SubmitProofSchema(Strict):
    order_id = fields.UUID(required=True)
    proof = fields.Nested(ProofSchema, required=True)


class ReviewProofSchema(Strict):
    order_id = fields.UUID(required=True)
    decision = one_of("decision", ("accepted", "rejected"), required=True)
    note = text(1000)


class PaymentSchema(Strict):
    sp2d_number = fields.String(required=True, validate=validate.Regexp(
        r"^[0-9A-Za-z][0-9A-Za-z./\-]{0,59}$", error="sp2d_number must be the SP2D number"))
    paid_on = fields.Date(required=True)


class RecordPaymentSchema(Strict):
    order_id = fields.UUID(required=True)
    payment = fields.Nested(PaymentSchema, required=True)


class CancelOrderSchema(Strict):
    order_id = fields.UUID(required=True)
    reason = text(1000)


class ContractIdSchema(Strict):
    contract_id = fields.UUID(required=True)


class OrderIdSchema(Strict):
    order_id = fields.UUID(required=True)


class FiscalYearSchema(Strict):
    fiscal_year = fiscal_year(required=True)
