"""Bad input gets a clear error naming the field; typed errors survive the wire."""
import pytest
from nameko.exceptions import deserialize, serialize

from services.partners.schemas import PartnerSchema
from shared.errors import Conflict, RuleViolated, ValidationFailed
from shared.schemas import Rupiah, Strict, load
from tests.support import company


def test_an_unknown_field_is_named():
    with pytest.raises(ValidationFailed) as refused:
        load(PartnerSchema, company(1, circulation=5000))
    assert refused.value.details["fields"] == {"circulation": ["Unknown field."]}


@pytest.mark.parametrize("field,value,message", [
    ("npwp", "01.234.567.8-901.000", "NPWP must be 15 or 16 digits"),
    ("nib", "123", "NIB must be 13 digits"),
    ("media_type", "magazine", "media_type must be one of: online, print_daily"),
    ("legal_form", "CV", "legal_form must be one of: PT, yayasan, koperasi"),
    ("pkp", "yes", "must be true or false"),
    ("founded_on", "1 March 2015", "must be a date as YYYY-MM-DD"),
])
def test_a_malformed_field_is_named_with_what_would_be_right(field, value, message):
    with pytest.raises(ValidationFailed) as refused:
        load(PartnerSchema, company(1, **{field: value}))
    assert list(refused.value.details["fields"]) == [field]
    assert message in refused.value.details["fields"][field][0]
    assert field in refused.value.message


def test_a_nested_field_is_named_inside_its_parent():
    with pytest.raises(ValidationFailed) as refused:
        load(PartnerSchema, company(1, contact={"email": "not-an-email", "phone": "+62 711 1"}))
    assert "email" in refused.value.details["fields"]["contact"]


def test_a_payload_that_is_not_an_object_is_refused():
    with pytest.raises(ValidationFailed):
        load(PartnerSchema, ["PT", "Sriwijaya"])


class Price(Strict):
    unit_price = Rupiah(required=True)


@pytest.mark.parametrize("value", [1500000.0, 1500000.5, "1500000", True, -1])
def test_money_is_whole_rupiah_only(value):
    with pytest.raises(ValidationFailed):
        load(Price, {"unit_price": value})


def test_whole_rupiah_is_accepted():
    assert load(Price, {"unit_price": 2_500_000}) == {"unit_price": 2_500_000}


def test_a_typed_error_comes_back_as_its_own_class_with_numbers_intact():
    sent = RuleViolated("ceiling 60,000,000 exceeds tier B ceiling 50,000,000",
                        code="ceiling_exceeded", details={"ceiling": 60_000_000,
                                                          "tier_ceiling": 50_000_000})
    received = deserialize(serialize(sent))
    assert type(received) is RuleViolated
    assert received.code == "ceiling_exceeded"
    assert received.details == {"ceiling": 60_000_000, "tier_ceiling": 50_000_000}
    assert received.message == sent.message


def test_a_conflict_keeps_its_class_across_the_wire():
    assert type(deserialize(serialize(Conflict("taken", code="npwp_taken")))) is Conflict


def test_an_instant_carries_its_offset_and_is_kept_in_utc():
    """An embargo "09:00" could be WIB, WITA or WIT: without its offset it is refused."""
    import datetime as dt

    from marshmallow import Schema

    from shared.schemas import Instant

    class Embargo(Schema):
        until = Instant()

    assert Embargo().load({"until": "2026-12-05T09:00:00+07:00"})["until"] == dt.datetime(
        2026, 12, 5, 2, 0, tzinfo=dt.timezone.utc)
    for bad in ("2026-12-05T09:00:00", "2026-12-05 09:00", "besok pagi", "9" * 41,
                "2226-12-05T09:00:00Z"):
        with pytest.raises(Exception) as refused:
            Embargo().load({"until": bad})
        assert "until" in str(refused.value), bad
