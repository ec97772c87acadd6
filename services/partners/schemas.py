"""What crosses the wire into partners. Unknown fields are refused by name (`Strict`); every
field is bounded, and NPWP, NIB, NIK and account numbers are ASCII digits (`shared.schemas`)."""
from marshmallow import ValidationError, fields, validates_schema

from services.partners.domain import (DOCUMENT_KINDS, JOURNALIST_ROLES, LEGAL_FORMS,
                                      MEDIA_TYPES, PRESS_COUNCIL, STATUSES, UKW_LEVELS)
from shared.schemas import (Bool, Count, Date, Digits, Email, Id, Items, Mapping, Strict, Text,
                            UploadSchema, fiscal_year, free_text, one_file, one_of, sha256, text)


def partner_id():
    return Id(required=True)


def nik(**kwargs):
    return Digits("NIK", 16, **kwargs)


def certificate_no():
    return Text(100, min_length=0, load_default=None, allow_none=True)


class ContactSchema(Strict):
    email = Email(required=True)
    phone = Text(20, required=True, pattern=r"\+?[0-9][0-9 \-]{6,18}",
                 error="phone must be digits, e.g. +62 711 123456")


class BankAccountSchema(Strict):
    bank = text(100)
    number = Digits("account number", between=(6, 20), required=True)
    holder = text(200)


class PartnerSchema(Strict):
    legal_name = text()
    brand_name = text()
    legal_form = one_of("legal_form", LEGAL_FORMS, required=True)
    media_type = one_of("media_type", MEDIA_TYPES, required=True)
    npwp = Digits("NPWP", 15, 16, required=True)
    nib = Digits("NIB", 13, required=True)
    pkp = Bool(required=True)
    address = text(500)
    founded_on = Date(required=True)
    contact = fields.Nested(ContactSchema, required=True)
    bank_account = fields.Nested(BankAccountSchema, required=True)


class DocumentSchema(Strict):
    kind = one_of("kind", DOCUMENT_KINDS, required=True)
    number = text(100)
    issued_on = Date(required=True)
    valid_until = Date(required=True, allow_none=True)
    sha256 = sha256()
    file = fields.Nested(UploadSchema)

    @validates_schema
    def one_file(self, data, **kwargs):
        one_file(data)


class SubmitDocumentSchema(Strict):
    partner_id = partner_id()
    document = fields.Nested(DocumentSchema, required=True)


class DocumentKeySchema(Strict):
    partner_id = partner_id()
    document_id = Id(required=True)


class ReviewDocumentSchema(Strict):
    partner_id = partner_id()
    document_id = Id(required=True)
    decision = one_of("decision", ("accepted", "rejected"), required=True)
    note = free_text(1000)


class PressCouncilSchema(Strict):
    partner_id = partner_id()
    status = one_of("status", PRESS_COUNCIL, required=True)
    certificate_no = certificate_no()
    recorded_on = Date(required=True)


class JournalistSchema(Strict):
    nik = nik(required=True)
    name = text()
    role = one_of("role", JOURNALIST_ROLES, required=True)
    ukw_level = one_of("ukw_level", UKW_LEVELS, required=True)
    certificate_no = certificate_no()


class AddJournalistSchema(Strict):
    partner_id = partner_id()
    journalist = fields.Nested(JournalistSchema, required=True)


class RemoveJournalistSchema(Strict):
    partner_id = partner_id()
    nik = nik(required=True)
    reason = free_text(1000)


class PolicySchema(Strict):
    required_documents = Mapping(
        one_of("media type", MEDIA_TYPES),
        Items(one_of("document kind", DOCUMENT_KINDS), len(DOCUMENT_KINDS)),
        len(MEDIA_TYPES), required=True)
    min_company_age_years = Count(0, 100, required=True)
    min_press_council = one_of("min_press_council", PRESS_COUNCIL, required=True)
    chief_editor_min_ukw = one_of("chief_editor_min_ukw", UKW_LEVELS, required=True)


class SetPolicySchema(Strict):
    fiscal_year = fiscal_year(required=True)
    policy = fields.Nested(PolicySchema, required=True)


class CheckSchema(Strict):
    partner_id = partner_id()
    fiscal_year = fiscal_year(required=True)
    as_of = Date(load_default=None, allow_none=True)


class ActivateSchema(Strict):
    partner_id = partner_id()
    fiscal_year = fiscal_year(required=True)


class ReasonSchema(Strict):
    partner_id = partner_id()
    reason = free_text(1000)


class ObjectionSchema(Strict):
    partner_id = partner_id()
    statement = free_text(4000)


class ObjectionDecisionSchema(Strict):
    partner_id = partner_id()
    upheld = Bool(required=True)
    note = free_text(1000)


class FiscalYearSchema(Strict):
    fiscal_year = fiscal_year(required=True)


class PartnerIdSchema(Strict):
    partner_id = partner_id()


class PartnerFilterSchema(Strict):
    status = one_of("status", STATUSES, load_default=None, allow_none=True)
    media_type = one_of("media_type", MEDIA_TYPES, load_default=None, allow_none=True)
    fiscal_year = fiscal_year(load_default=None, allow_none=True)


class LapsingSchema(Strict):
    within_days = Count(0, 366, required=True)


class IdentityChangeFieldsSchema(Strict):
    """What a company may ask to change (issue 13, item 7): at least one field."""
    legal_name = Text(200)
    brand_name = Text(200)
    address = Text(500)
    contact = fields.Nested(ContactSchema)
    bank_account = fields.Nested(BankAccountSchema)

    @validates_schema
    def names_something(self, data, **kwargs):
        if not data:
            raise ValidationError("name at least one of legal_name, brand_name, address, "
                                  "contact, bank_account")


class IdentityChangeSchema(Strict):
    partner_id = partner_id()
    change = fields.Nested(IdentityChangeFieldsSchema, required=True)
    reason = free_text(1000)


class IdentityDecisionSchema(Strict):
    partner_id = partner_id()
    change_id = Id(required=True)
    approved = Bool(required=True)
    note = free_text(1000)


class PkpStatusSchema(Strict):
    partner_id = partner_id()
    pkp = Bool(required=True)
    effective_from = Date(required=True)
    reason = free_text(1000)
