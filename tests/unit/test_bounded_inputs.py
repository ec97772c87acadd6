"""One bad value must not stop reporting for good: every input is bounded at the schema layer.

A pagu past BIGINT, a NUL byte PostgreSQL refuses, a NaN that is no JSON: each was accepted by a
command and then failed in every view, feed and replay after it. The first test walks every
marshmallow schema of every service, so a field added later without bounds fails the suite; the
others try the attacks of issue 11 and the edges of each bound.
"""
import importlib
import math
from pathlib import Path

import pytest
from marshmallow import Schema, fields, validate

from services.assessment.schemas import SetRubricSchema
from services.contracts.schemas import (BudgetSchema, ProofSchema, PublishPriceStandardSchema,
                                        ReviewProofSchema)
from services.partners.schemas import (DocumentSchema, ObjectionDecisionSchema, PartnerSchema,
                                       RemoveJournalistSchema)
from shared import schemas as kernel
from shared.errors import ValidationFailed
from shared.schemas import (MAX_RUPIAH, Bool, Count, Date, Id, Instant, Items, Mapping,
                            Number, Strict, Text, load)
from tests.support import RUBRIC_2026, company

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_MODULES = ["shared.schemas"] + sorted(
    f"services.{path.parent.name}.schemas" for path in ROOT.glob("services/*/schemas.py"))


def schema_classes() -> list[type[Schema]]:
    found = []
    for name in SCHEMA_MODULES:
        module = importlib.import_module(name)
        found += [obj for obj in vars(module).values() if isinstance(obj, type)
                  and issubclass(obj, Schema) and obj.__module__ == name]
    return found


def has_range(field) -> bool:
    return any(isinstance(v, validate.Range) and v.min is not None and v.max is not None
               for v in field.validators)


def has_max_length(field) -> bool:
    return any(isinstance(v, validate.Length) and v.max is not None for v in field.validators)


def unbounded(field, where: str) -> list[str]:
    """What is unbounded in `field` (and in the fields inside it), as `where: why` lines."""
    if isinstance(field, fields.Nested):
        schema = field.schema
        return [line for name, inner in schema.fields.items()
                for line in unbounded(inner, f"{where}.{name}")]
    if isinstance(field, fields.List):
        problems = [] if has_max_length(field) else [f"{where}: a list with no maximum length"]
        return problems + unbounded(field.inner, f"{where}[]")
    if isinstance(field, fields.Dict):
        problems = [] if has_max_length(field) else [f"{where}: a dict with no maximum size"]
        for part, inner in (("key", field.key_field), ("value", field.value_field)):
            if inner is None:
                problems.append(f"{where}: a dict whose {part}s are anything")
            else:
                problems += unbounded(inner, f"{where}<{part}>")
        return problems
    if isinstance(field, fields.UUID):
        return [] if isinstance(field, Id) else [f"{where}: a UUID that is not shared.schemas.Id"]
    if isinstance(field, fields.String):
        return [] if isinstance(field, Text) else [
            f"{where}: a {type(field).__name__} that is not shared.schemas.Text (no length "
            f"bound or control-character rule)"]
    if isinstance(field, fields.Integer):
        return [] if isinstance(field, Count) and has_range(field) else [
            f"{where}: an integer that is not a Count with a Range of both ends"]
    if isinstance(field, fields.Number):
        return [] if isinstance(field, Number) and has_range(field) else [
            f"{where}: a number that is not shared.schemas.Number with a Range of both ends "
            f"(a plain Float takes NaN and infinity)"]
    if isinstance(field, fields.Boolean):
        return [] if isinstance(field, Bool) else [
            f"{where}: a Boolean that is not shared.schemas.Bool (1 passes as true)"]
    if isinstance(field, fields.DateTime):  # an instant: its offset, its length, its years
        return [] if isinstance(field, Instant) else [
            f"{where}: a DateTime that is not shared.schemas.Instant (no offset or year range)"]
    if isinstance(field, fields.Date):
        return [] if isinstance(field, Date) else [
            f"{where}: a Date that is not shared.schemas.Date (no year range)"]
    return [f"{where}: a {type(field).__name__}, which no bound applies to"]


def schema_problems(schema_class) -> list[str]:
    schema = schema_class()
    return [line for name, field in schema.fields.items()
            for line in unbounded(field, f"{schema_class.__module__}.{schema_class.__name__}."
                                         f"{name}")]


def test_every_field_of_every_schema_is_bounded():
    classes = schema_classes()
    assert len(classes) > 40, "the walk found too few schemas: does it still find them?"
    problems = [line for cls in classes for line in schema_problems(cls)]
    assert problems == [], "unbounded input fields:\n" + "\n".join(problems)


class Careless(Strict):
    """What the walk must catch, one of each (a schema a later issue might add)."""
    title = fields.String()
    total = fields.Float()
    count = fields.Integer(strict=True)
    flag = fields.Boolean()
    anything = fields.Raw()
    tags = fields.List(Text(20))
    extra = fields.Dict()
    when = fields.Date()
    year = Count(2000, 2100)
    ok = Mapping(Text(10), Items(Text(10), 3), 3)


def test_the_walk_catches_each_kind_of_unbounded_field():
    problems = schema_problems(Careless)
    caught = {line.split(":")[0].rsplit(".", 1)[-1].split("[")[0].split("<")[0]
              for line in problems}
    assert caught == {"title", "total", "count", "flag", "anything", "tags", "extra", "when"}


# The attacks of issue 11 --------------------------------------------------------------------

BUDGET = {"fiscal_year": 2026, "activity_code": "2.16.01.2.06.0001", "name": "Publikasi",
          "pagu": 1_250_000_000}


def refused(schema, payload) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        load(schema, payload)
    return caught.value.details["fields"]


def test_a_pagu_of_ten_to_the_twentieth_is_refused_before_it_can_stop_the_projector():
    fields_ = refused(BudgetSchema, {**BUDGET, "pagu": 10**20})
    assert "1,000,000,000,000,000" in fields_["pagu"][0]


def test_money_is_accepted_up_to_one_quadrillion_rupiah_and_not_a_rupiah_more():
    assert MAX_RUPIAH == 10**15
    assert load(BudgetSchema, {**BUDGET, "pagu": MAX_RUPIAH})["pagu"] == MAX_RUPIAH
    assert "pagu" in refused(BudgetSchema, {**BUDGET, "pagu": MAX_RUPIAH + 1})


@pytest.mark.parametrize("pagu", [True, 1.0, 1e15, "1000", -1, None])
def test_money_is_an_int_never_a_bool_a_float_or_a_string(pagu):
    assert "pagu" in refused(BudgetSchema, {**BUDGET, "pagu": pagu})


def test_every_price_of_a_standard_is_bounded_too():
    item = {"media_type": "online", "tier": "B", "product": "advertorial", "unit": "item",
            "unit_price": 10**16}
    assert "items" in refused(PublishPriceStandardSchema, {
        "fiscal_year": 2026, "effective_from": "2026-01-01", "items": [item]})


def rubric_with_min_total(value) -> dict:
    return {"fiscal_year": 2026, "rubric": {**RUBRIC_2026, "tiers": [
        {"tier": "A", "min_total": value}, {"tier": "B", "min_total": 60}]}}


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_a_rubric_with_a_nan_or_infinite_threshold_is_refused(value):
    problems = refused(SetRubricSchema, rubric_with_min_total(value))
    assert "finite" in str(problems["rubric"])


def test_a_rubric_with_a_fractional_threshold_is_still_accepted():
    tiers = load(SetRubricSchema, rubric_with_min_total(72.5))["rubric"]["tiers"]
    assert tiers[0]["min_total"] == 72.5


@pytest.mark.parametrize("value", [1, 0, "true", "yes"])
def test_pkp_must_be_true_or_false_not_one(value):
    assert refused(PartnerSchema, company(1, pkp=value))["pkp"] == ["must be true or false"]


def test_true_and_false_are_booleans():
    assert load(PartnerSchema, company(1, pkp=False))["pkp"] is False
    assert load(ObjectionDecisionSchema, {"partner_id": "5b0c7a34-1111-4000-8000-000000000001",
                                          "upheld": True, "note": "ok"})["upheld"] is True


DOCUMENT = {"kind": "deed", "number": "AHU-0012345", "issued_on": "2025-01-15",
            "valid_until": None, "sha256": "a" * 64}


@pytest.mark.parametrize("char", [
    "\x00",      # NUL: PostgreSQL refuses it in text, and the partners feed stopped for good
    "\x1b",      # ESC: rewrites a terminal reading the logs
    "\x7f",      # DEL
    "\x85",      # NEL, a C1 control
    "\n", "\t", "\r",  # no line breaks in a one-line field
    "\u202e",    # RIGHT-TO-LEFT OVERRIDE: the number reads differently than it is stored
    "\u200b",    # ZERO WIDTH SPACE: two numbers that look the same and are not
    "\ufeff",    # BYTE ORDER MARK
    "\ud800",    # a lone surrogate: UTF-8 cannot store it
])
def test_a_document_number_with_a_control_character_is_refused(char):
    problems = refused(DocumentSchema, {**DOCUMENT, "number": f"AHU{char}0012345"})
    assert f"U+{ord(char):04X}" in problems["number"][0]


def test_free_text_may_break_lines_and_use_tabs_but_holds_no_other_control_character():
    reason = "Perusahaan tidak aktif.\n\tSurat 12/2026 terlampir."
    payload = {"partner_id": "5b0c7a34-1111-4000-8000-000000000001", "nik": "1602" + "0" * 12}
    assert load(RemoveJournalistSchema, {**payload, "reason": reason})["reason"] == reason
    assert "reason" in refused(RemoveJournalistSchema, {**payload, "reason": "ok\x00"})
    assert "reason" in refused(RemoveJournalistSchema, {**payload, "reason": "ok\r\nlagi"})


def test_names_in_any_script_with_accents_and_emoji_are_text():
    name = "Média Sriwijaya – 南方 ✓ 👍🏽"
    assert load(PartnerSchema, company(1, legal_name=name))["legal_name"] == name


@pytest.mark.parametrize("schema,payload,field,limit", [
    (PartnerSchema, company(1, legal_name="x" * 201), "legal_name", 200),
    (PartnerSchema, company(1, address="x" * 501), "address", 500),
    (DocumentSchema, {**DOCUMENT, "number": "x" * 101}, "number", 100),
    (ReviewProofSchema, {"order_id": "5b0c7a34-1111-4000-8000-000000000001",
                         "decision": "accepted", "note": "x" * 1001}, "note", 1000),
])
def test_text_has_a_maximum_length_and_says_it(schema, payload, field, limit):
    assert f"to {limit} characters" in refused(schema, payload)[field][0]


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("digits", [FULLWIDTH, ARABIC_INDIC], ids=["fullwidth", "arabic"])
@pytest.mark.parametrize("field", ["npwp", "nib"])
def test_an_identity_number_in_other_digits_is_refused(digits, field):
    number = company(1)[field].translate(digits)
    assert number != company(1)[field] and number.isdigit()  # Python's \d takes it
    assert "digits 0-9" in refused(PartnerSchema, company(1, **{field: number}))[field][0]


def test_an_account_number_and_a_nik_in_fullwidth_digits_are_refused():
    account = {"bank": "Bank Sumsel Babel", "number": "1000001".translate(FULLWIDTH),
               "holder": "PT Sriwijaya Media Utama 1"}
    assert "bank_account" in refused(PartnerSchema, company(1, bank_account=account))
    payload = {"partner_id": "5b0c7a34-1111-4000-8000-000000000001",
               "nik": ("1602" + "0" * 12).translate(FULLWIDTH), "reason": "keluar"}
    assert "nik" in refused(RemoveJournalistSchema, payload)


def test_a_trailing_newline_does_not_slip_past_a_pattern():
    # `$` in a regular expression matches before a final "\n": fullmatch does not.
    assert "npwp" in refused(PartnerSchema, company(1, npwp=company(1)["npwp"] + "\n"))
    assert "sha256" in refused(DocumentSchema, {**DOCUMENT, "sha256": "a" * 64 + "\n"})


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31",
                                 "２０２５-01-15"])
def test_a_date_outside_the_years_1900_to_2100_is_refused(day):
    assert "issued_on" in refused(DocumentSchema, {**DOCUMENT, "issued_on": day})


def test_lists_are_bounded_in_items():
    item = {"media_type": "online", "tier": "B", "product": "advertorial", "unit": "item",
            "unit_price": 1}
    problems = refused(PublishPriceStandardSchema, {
        "fiscal_year": 2026, "effective_from": "2026-01-01", "items": [item] * 1001})
    assert "at most 1,000" in problems["items"][0]


def test_reach_figures_are_bounded_counts():
    proof = {"kind": "link", "reference": "https://x.id/a", "published_on": "2026-03-09",
             "sha256": "a" * 64}
    assert load(ProofSchema, {**proof, "reach": {"page_views": 10**12}})["reach"]
    assert "reach" in refused(ProofSchema, {**proof, "reach": {"page_views": 10**12 + 1}})
    assert "reach" in refused(ProofSchema, {**proof, "reach": {"audience": True}})


def test_an_email_is_bounded_and_plain():
    contact = {"email": "a" * 250 + "@x.id", "phone": "+62 712 321000"}
    assert "contact" in refused(PartnerSchema, company(1, contact=contact))
    contact = {"email": "redaksi@x.id\n", "phone": "+62 712 321000"}
    assert "contact" in refused(PartnerSchema, company(1, contact=contact))


@pytest.mark.parametrize("value", ["5b0c7a34111140008000000000000001",
                                   "{5b0c7a34-1111-4000-8000-000000000001}",
                                   "-" * 10_000 + "5b0c7a34111140008000000000000001",
                                   "５b0c7a34-1111-4000-8000-000000000001"])
def test_an_id_is_a_uuid_in_its_usual_form(value):
    assert "partner_id" in refused(ObjectionDecisionSchema, {"partner_id": value,
                                                             "upheld": True, "note": "ok"})


def test_the_kernel_fields_refuse_bad_bounds_when_a_schema_is_written():
    with pytest.raises(ValueError):
        Text(10, min_length=11)
    assert kernel.Count(0, 5).maximum == 5
