"""What crosses the wire into contracts. Money fields are whole rupiah (`Rupiah`, at most
Rp10^15); every field is bounded (`shared.schemas`)."""
from marshmallow import ValidationError, fields, validates_schema

from services.contracts.domain import ORDER_STATUSES, PRODUCTS, PROOF_KINDS, UNITS
from shared.published import MEDIA_TYPES
from shared.schemas import (Count, Date, Id, Instant, Items, Rupiah, Strict, Text,
                            UploadSchema, fiscal_year, free_text, one_file, one_of, sha256,
                            text)

# A price standard names at most one price per media type, tier, product and unit; 1,000 leaves
# room for every tier name a regency invents.
MAX_PRICE_ITEMS = 1000


def tier(**kwargs):
    return Text(5, pattern=r"[A-Z][A-Z0-9+\-]{0,4}",
                error="tier must be a tier name such as A, B or C", **kwargs)


def activity_code(**kwargs):
    return Text(40, pattern=r"[0-9A-Za-z][0-9A-Za-z.\-]{0,39}",
                error="activity_code must be the DPA activity code, e.g. 2.16.01.2.06.0001",
                **kwargs)


def money(minimum: int = 1, **kwargs):
    return Rupiah(minimum, **kwargs)


class PriceItemSchema(Strict):
    media_type = one_of("media_type", MEDIA_TYPES, required=True)
    tier = tier(required=True)
    product = one_of("product", PRODUCTS, required=True)
    unit = one_of("unit", UNITS, required=True)
    unit_price = money(required=True)


class PublishPriceStandardSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    effective_from = Date(required=True)
    items = Items(fields.Nested(PriceItemSchema), MAX_PRICE_ITEMS, min_items=1, required=True,
                  error=f"at least one price, at most {MAX_PRICE_ITEMS:,}")


class BudgetSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    activity_code = activity_code(required=True)
    name = text()
    pagu = money(0, required=True)


def ratio(name: str, **kwargs):
    """An exact rate as "num/den" (whole numbers, e.g. "12/100", "11/12"), never a float; the
    range (0 to 1, a DPP factor above 0) is the domain's rule."""
    return Text(19, pattern=r"(0|[1-9][0-9]{0,8})/[1-9][0-9]{0,8}",
                error=f'{name} must be an exact fraction "num/den" of whole numbers, '
                      'e.g. "12/100" or "11/12"', **kwargs)


class TaxRulesSchema(Strict):
    ppn_rate = ratio("ppn_rate", required=True)
    dpp_factor = ratio("dpp_factor", required=True)
    pph23_rate = ratio("pph23_rate", required=True)
    collection_threshold = money(0, required=True)


class SetTaxRulesSchema(Strict):
    effective_from = Date(required=True)
    rules = fields.Nested(TaxRulesSchema, required=True)


class TierCeilingSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    tier = tier(required=True)
    ceiling = money(required=True)


class AgreedPriceSchema(Strict):
    product = one_of("product", PRODUCTS, required=True)
    unit_price = money(required=True)


class ContractSchema(Strict):
    number = Text(60, required=True, pattern=r"[0-9A-Za-z][0-9A-Za-z./\-]{0,59}",
                  error="number must be the SPK number, e.g. 027/SPK/KOMINFO/2026")
    fiscal_year = fiscal_year(required=True)
    partner_id = Id(required=True)
    activity_code = activity_code(required=True)
    ceiling = money(required=True)
    starts_on = Date(required=True)
    ends_on = Date(required=True)
    agreed_prices = Items(fields.Nested(AgreedPriceSchema), len(PRODUCTS), load_default=list)


class SignContractSchema(Strict):
    contract = fields.Nested(ContractSchema, required=True)


class OrderSchema(Strict):
    product = one_of("product", PRODUCTS, required=True)
    quantity = Count(1, 100_000, required=True,
                     error="quantity must be a whole number from 1 to 100,000")
    title = text(300)
    publish_by = Date(required=True)


class PlaceOrderSchema(Strict):
    contract_id = Id(required=True)
    order = fields.Nested(OrderSchema, required=True)


class ReachSchema(Strict):
    page_views = Count()
    circulation = Count()
    audience = Count()


class ProofSchema(Strict):
    kind = one_of("kind", PROOF_KINDS, required=True)
    reference = text(500)
    published_on = Date(required=True)
    sha256 = sha256()
    file = fields.Nested(UploadSchema)
    reach = fields.Nested(ReachSchema, load_default=None, allow_none=True)

    @validates_schema
    def one_file(self, data, **kwargs):
        one_file(data)


class SubmitProofSchema(Strict):
    order_id = Id(required=True)
    proof = fields.Nested(ProofSchema, required=True)


class ReviewProofSchema(Strict):
    order_id = Id(required=True)
    decision = one_of("decision", ("accepted", "rejected"), required=True)
    note = free_text(1000)


class PaymentSchema(Strict):
    sp2d_number = Text(60, required=True, pattern=r"[0-9A-Za-z][0-9A-Za-z./\-]{0,59}",
                       error="sp2d_number must be the SP2D number")
    paid_on = Date(required=True)


class RecordPaymentSchema(Strict):
    order_id = Id(required=True)
    payment = fields.Nested(PaymentSchema, required=True)


class TaxDepositSchema(Strict):
    kind = one_of("kind", ("pph23", "ppn"), required=True)
    period = Text(7, min_length=7, pattern=r"20[0-9]{2}-(0[1-9]|1[0-2])", required=True,
                  error="period must be the tax month as YYYY-MM, e.g. 2026-04")
    ntpn = Text(16, min_length=16, pattern=r"[0-9A-Za-z]{16}", required=True,
                error="ntpn must be the 16 letters and digits of the NTPN on the deposit slip")
    amount = money(required=True)
    paid_on = Date(required=True)


def sp2d_number(**kwargs):
    return Text(60, pattern=r"[0-9A-Za-z][0-9A-Za-z./\-]{0,59}",
                error="sp2d_number must be the SP2D number", **kwargs)


class AmendmentSchema(Strict):
    """An addendum: at least one of a new ceiling, end date or the agreed prices in full."""
    ceiling = money()
    ends_on = Date()
    agreed_prices = Items(fields.Nested(AgreedPriceSchema), len(PRODUCTS))

    @validates_schema
    def something_changes(self, data, **kwargs):
        if not data:
            raise ValidationError("an addendum gives a new ceiling, ends_on or agreed_prices")


class AmendContractSchema(Strict):
    contract_id = Id(required=True)
    amendment = fields.Nested(AmendmentSchema, required=True)
    reason = free_text(1000)


class TerminateContractSchema(Strict):
    contract_id = Id(required=True)
    reason = free_text(1000)


class ReversePaymentSchema(Strict):
    order_id = Id(required=True)
    sp2d_number = sp2d_number(required=True)
    reason = free_text(1000)


class CancelOrderSchema(Strict):
    order_id = Id(required=True)
    reason = free_text(1000)


class ContractIdSchema(Strict):
    contract_id = Id(required=True)


class OrderIdSchema(Strict):
    order_id = Id(required=True)


class FiscalYearSchema(Strict):
    fiscal_year = fiscal_year(required=True)


class PartnerOrdersSchema(Strict):
    partner_id = Id(required=True)
    fiscal_year = fiscal_year(load_default=None, allow_none=True)


class ListContractsSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    partner_id = Id(load_default=None, allow_none=True)


class ListOrdersSchema(Strict):
    fiscal_year = fiscal_year(required=True)
    status = one_of("status", ORDER_STATUSES, load_default=None, allow_none=True)
    contract_id = Id(load_default=None, allow_none=True)
    partner_id = Id(load_default=None, allow_none=True)


# Press releases (services/contracts/releases.py) -------------------------------------------

class AudienceSchema(Strict):
    """Who a release goes to: the year's active partners of these media types, of these
    tiers, among these partners; a part left out (or empty) chooses all."""
    media_types = Items(one_of("media_type", MEDIA_TYPES), max_items=len(MEDIA_TYPES),
                        load_default=list)
    tiers = Items(Text(20), max_items=20, load_default=list)
    partner_ids = Items(Id(), max_items=2000, load_default=list)


class ReleaseSchema(Strict):
    title = text(300)
    body = free_text(20_000)
    release_date = Date(required=True)
    embargo_until = Instant(load_default=None, allow_none=True)
    attachments = Items(sha256(), max_items=10, load_default=list)  # files kept elsewhere
    files = Items(fields.Nested(UploadSchema), max_items=10, load_default=list)  # kept here
    audience = fields.Nested(AudienceSchema, load_default=dict)


class PublishReleaseSchema(Strict):
    release = fields.Nested(ReleaseSchema, required=True)


class PickupSchema(ProofSchema):
    """A release's publication is proven like an order's, and says whose it is."""
    partner_id = Id(required=True)


class FilePickupSchema(Strict):
    release_id = Id(required=True)
    pickup = fields.Nested(PickupSchema, required=True)


class ReviewPickupSchema(Strict):
    release_id = Id(required=True)
    pickup_id = Id(required=True)
    decision = one_of("decision", ("accepted", "rejected"), required=True)
    note = free_text(1000)


class ReleaseIdSchema(Strict):
    release_id = Id(required=True)


class ReleaseFileSchema(Strict):
    release_id = Id(required=True)
    sha256 = sha256(required=True)
