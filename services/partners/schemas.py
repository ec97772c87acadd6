"""What crosses the wire into partners. Unknown fields are refused by name (`Strict`)."""
from marshmallow import fields, validate

from services.partners.domain import LEGAL_FORMS, MEDIA_TYPES
from shared.schemas import Strict, digits

STATUSES = ("registered", "active", "suspended", "rejected", "deregistered")


def text(max_length: int = 200, **kwargs):
    return fields.String(required=True, validate=validate.Length(min=1, max=max_length),
                         **kwargs)


class ContactSchema(Strict):
    email = fields.Email(required=True)
    phone = fields.String(required=True, validate=validate.Regexp(
        r"^\+?[0-9][0-9 \-]{6,18}$", error="phone must be digits, e.g. +62 711 123456"))


class BankAccountSchema(Strict):
    bank = text(100)
    number = fields.String(required=True, validate=validate.Regexp(
        r"^[0-9]{6,20}$", error="account number must be 6 to 20 digits"))
    holder = text(200)


class PartnerSchema(Strict):
    legal_name = text()
    brand_name = text()
    legal_form = fields.String(required=True, validate=validate.OneOf(
        LEGAL_FORMS, error="legal_form must be one of: " + ", ".join(LEGAL_FORMS)))
    media_type = fields.String(required=True, validate=validate.OneOf(
        MEDIA_TYPES, error="media_type must be one of: " + ", ".join(MEDIA_TYPES)))
    npwp = fields.String(required=True, validate=digits((15, 16), "NPWP"))
    nib = fields.String(required=True, validate=digits((13,), "NIB"))
    pkp = fields.Boolean(required=True, truthy={True}, falsy={False})
    address = text(500)
    founded_on = fields.Date(required=True)
    contact = fields.Nested(ContactSchema, required=True)
    bank_account = fields.Nested(BankAccountSchema, required=True)


class PartnerFilterSchema(Strict):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        STATUSES, error="status must be one of: " + ", ".join(STATUSES)))
    media_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        MEDIA_TYPES, error="media_type must be one of: " + ", ".join(MEDIA_TYPES)))
