"""What crosses the wire into partners. Unknown fields are refused by name (`Strict`)."""
from marshmallow import fields, validate

from services.partners.domain import (DOCUMENT_KINDS, JOURNALIST_ROLES, LEGAL_FORMS,
                                      MEDIA_TYPES, PRESS_COUNCIL, STATUSES, UKW_LEVELS)
from shared.schemas import Strict, digits, fiscal_year, one_of, text


def partner_id():
    return fields.UUID(required=True)


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
    legal_form = one_of("legal_form", LEGAL_FORMS, required=True)
    media_type = one_of("media_type", MEDIA_TYPES, required=True)
    npwp = fields.String(required=True, validate=digits((15, 16), "NPWP"))
    nib = fields.String(required=True, validate=digits((13,), "NIB"))
    pkp = fields.Boolean(required=True, truthy={True}, falsy={False})
    address = text(500)
    founded_on = fields.Date(required=True)
    contact = fields.Nested(ContactSchema, required=True)
    bank_account = fields.Nested(BankAccountSchema, required=True)


class DocumentSchema(Strict):
    kind = one_of("kind", DOCUMENT_KINDS, required=True)
    number = text(100)
    issued_on = fields.Date(required=True)
    valid_until = fields.Date(required=True, allow_none=True)
    sha256 = fields.String(required=True, validate=validate.Regexp(
        r"^[0-9a-f]{64}$", error="sha256 must be the file's SHA-256 as 64 lowercase hex digits"))


class SubmitDocumentSchema(Strict):
    partner_id = partner_id()
    document = fields.Nested(DocumentSchema, required=True)


class ReviewDocumentSchema(Strict):
    partner_id = partner_id()
    document_id = fields.UUID(required=True)
    decision = one_of("decision", ("accepted", "rejected"), required=True)
    note = text(1000)


class PressCouncilSchema(Strict):
    partner_id = partner_id()
    status = one_of("status", PRESS_COUNCIL, required=True)
    certificate_no = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=100))
    recorded_on = fields.Date(required=True)


class JournalistSchema(Strict):
    nik = fields.String(required=True, validate=digits((16,), "NIK"))
    name = text()
    role = one_of("role", JOURNALIST_ROLES, required=True)
    ukw_level = one_of("ukw_level", UKW_LEVELS, required=True)
    certificate_no = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=100))


class AddJournalistSchema(Strict):
    partner_id = partner_id()
    journalist = fields.Nested(JournalistSchema, required=True)


class RemoveJournalistSchema(Strict):
    partner_id = partner_id()
    nik = fields.String(required=True, validate=digits((16,), "NIK"))
    reason = text(1000)


class PolicySchema(Strict):
    required_documents = fields.Dict(
        required=True, keys=one_of("media type", MEDIA_TYPES),
        values=fields.List(one_of("document kind", DOCUMENT_KINDS)))
    min_company_age_years = fields.Integer(required=True, strict=True,
                                           validate=validate.Range(min=0, max=100))
    min_press_council = one_of("min_press_council", PRESS_COUNCIL, required=True)
    chief_editor_min_ukw = one_of("chief_editor_min_ukw", UKW_LEVELS, required=True)


class SetPolicySchema(Strict):
    fiscal_year = fiscal_year(required=True)
    policy = fields.Nested(PolicySchema, required=True)


class CheckSchema(Strict):
    partner_id = partner_id()
    fiscal_year = fiscal_year(required=True)
    as_of = fields.Date(load_default=None, allow_none=True)


class ActivateSchema(Strict):
    partner_id = partner_id()
    fiscal_year = fiscal_year(required=True)


class ReasonSchema(Strict):
    partner_id = partner_id()
    reason = text(1000)


class ObjectionSchema(Strict):
    partner_id = partner_id()
    statement = text(4000)


class ObjectionDecisionSchema(Strict):
    partner_id = partner_id()
    upheld = fields.Boolean(required=True, truthy={True}, falsy={False})
    note = text(1000)


class FiscalYearSchema(Strict):
    fiscal_year = fiscal_year(required=True)


class PartnerIdSchema(Strict):
    partner_id = partner_id()


class PartnerFilterSchema(Strict):
    status = one_of("status", STATUSES, load_default=None, allow_none=True)
    media_type = one_of("media_type", MEDIA_TYPES, load_default=None, allow_none=True)
    fiscal_year = fiscal_year(load_default=None, allow_none=True)
