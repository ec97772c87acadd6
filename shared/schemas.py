"""marshmallow pieces every service's `schemas.py` uses.

`Strict` rejects unknown fields (naming them); `load` turns marshmallow's errors into
`ValidationFailed` with field → messages; `Rupiah` accepts whole rupiah only (no floats, no
strings, no booleans), because money is `int` everywhere.
"""
from __future__ import annotations

import functools

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from shared.errors import ValidationFailed


class Strict(Schema):
    class Meta:
        unknown = RAISE


def load(schema: Schema | type[Schema], data) -> dict:
    schema = instance(schema) if isinstance(schema, type) else schema
    if not isinstance(data, dict):
        raise ValidationFailed.from_messages(
            {"_schema": [f"expected an object, got {type(data).__name__}"]})
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed.from_messages(_normalise(exc.messages)) from None


@functools.cache
def instance(schema_class: type[Schema]) -> Schema:
    """One instance per schema class: building one (and its nested fields) costs about three
    times a load, and loading keeps no state in the instance."""
    return schema_class()


def _normalise(messages):
    if isinstance(messages, dict):
        return {str(k): _normalise(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [m if isinstance(m, (str, dict)) else str(m) for m in messages]
    return [str(messages)]


class Rupiah(fields.Integer):
    default_error_messages = {"invalid": "must be whole rupiah as an integer (no decimals)"}

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Range(min=0, error="must be 0 or more rupiah"))
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


def digits(n_options, name: str):
    """A string of exactly one of the given digit counts (NPWP 15/16, NIB 13, NIK 16)."""
    counts = " or ".join(str(n) for n in n_options)
    pattern = "|".join(rf"\d{{{n}}}" for n in n_options)
    return validate.Regexp(rf"^(?:{pattern})$",
                           error=f"{name} must be {counts} digits, without dots or dashes")


def text(max_length: int = 200, **kwargs):
    return fields.String(required=True, validate=validate.Length(min=1, max=max_length),
                         **kwargs)


def one_of(name: str, choices, **kwargs):
    return fields.String(validate=validate.OneOf(
        choices, error=f"{name} must be one of: " + ", ".join(choices)), **kwargs)


def fiscal_year(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(
        min=2000, max=2100, error="fiscal_year must be a year such as 2026"), **kwargs)


class Number(fields.Number):
    """A JSON number (int or float), never a string or a boolean."""
    num_type = float
    default_error_messages = {"invalid": "must be a number"}

    def _format_num(self, value):
        return value  # an int stays an int

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        return value
