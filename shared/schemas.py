"""marshmallow pieces every service's `schemas.py` uses: every input is bounded here.

`Strict` rejects unknown fields (naming them); `load` turns marshmallow's errors into
`ValidationFailed` with field → messages.

One value that a view, a feed or a replay cannot store stops that pipeline for every event after
it (a pagu past BIGINT, a NUL byte PostgreSQL refuses, a NaN that is no JSON), so every field a
service accepts is one of the bounded fields below, and `tests/unit/test_bounded_inputs.py` walks
every schema to prove it:

- `Rupiah`: whole rupiah as an `int`, 0 (or a higher minimum) to `MAX_RUPIAH`; never a float,
  string or boolean.
- `Count`: an `int` (never a boolean) between two stated bounds.
- `Number`: an int or a finite float between two stated bounds; never NaN or infinity.
- `Bool`: `true` or `false` only (not 1, not "yes").
- `Text`: a `str` of at most `max_length` characters without control characters (Unicode Cc:
  NUL, DEL, C0 and C1), invisible format characters (Cf: bidi overrides, zero-width spaces,
  BOM) or lone surrogates (Cs, which UTF-8 cannot store). `multiline=True` admits line feeds
  and tabs, for free text such as notes and statements.
- `Digits`: ASCII digits only (`\\d` would admit fullwidth and other scripts' digits, and one
  NPWP could then register twice).
- `Email`, `Id` (a UUID), `Date` (years 1900 to 2100), `Items` (a list with a maximum number of
  items) and `Mapping` (a dict with a maximum number of keys).
"""
from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
import uuid

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from shared.errors import ValidationFailed

# The most any money field accepts: Rp1 quadrillion (10^15), far above any regency's or
# province's yearly budget, and far inside PostgreSQL's BIGINT and SQLite's INTEGER (both
# 2^63 - 1, about 9.2e18): a view's sum of 9,000 amounts at the maximum still fits.
MAX_RUPIAH = 10**15
# The most any count accepts where no tighter bound applies (reach figures): 10^12.
MAX_COUNT = 10**12
MIN_YEAR, MAX_YEAR = 1900, 2100
# A command_id: what callers use (`demo-01-register`, a UUID, `kominfo-2026-0001`), and
# nothing that needs escaping in a log line or a URL.
COMMAND_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
COMMAND_ID_RULE = "must be a string of 1 to 100 characters from A-Z a-z 0-9 . _ : -"


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


def check_command_id(command_id) -> None:
    """A command_id is None (no idempotency) or a short string of safe characters."""
    if command_id is None:
        return
    if not isinstance(command_id, str) or not COMMAND_ID.fullmatch(command_id):
        got = (f"a {type(command_id).__name__}" if not isinstance(command_id, str)
               else f"{len(command_id)} characters" if len(command_id) > 100
               else "an empty string" if not command_id else "other characters")
        raise ValidationFailed.from_messages(
            {"command_id": [f"command_id {COMMAND_ID_RULE} (got {got})"]})


# Text ----------------------------------------------------------------------------------------

_C0_C1_DEL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_C0_C1_DEL_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # \t, \n stay


def forbidden_character(value: str, multiline: bool = False) -> tuple[int, str] | None:
    """(position, character) of the first character `Text` refuses, or None."""
    found = (_C0_C1_DEL_BUT_LINES if multiline else _C0_C1_DEL).search(value)
    if found:
        return found.start(), found.group()
    if not value.isascii():  # format characters (Cf) are all outside ASCII
        for position, char in enumerate(value):
            if unicodedata.category(char) == "Cf":
                return position, char
    return None


class Text(fields.String):
    """A string of `min_length` to `max_length` characters with no control characters.

    `pattern` (a regular expression the whole value must match, ASCII rules) and `error` give
    the fixed shape of a code or number. `multiline` admits line feeds and tabs.
    """

    default_error_messages = {
        "invalid": "must be a string",
        "length": "must be {min} to {max} characters (got {got})",
        "control": "must not contain control or invisible formatting characters (found "
                   "U+{code:04X} at character {position}){lines}",
    }

    def __init__(self, max_length: int = 200, *, min_length: int = 1, multiline: bool = False,
                 pattern: str | None = None, error: str | None = None, **kwargs):
        if not 0 <= min_length <= max_length:
            raise ValueError(f"bad length bounds {min_length}..{max_length}")
        super().__init__(**kwargs)
        self.min_length, self.max_length, self.multiline = min_length, max_length, multiline
        self.pattern = re.compile(pattern, re.ASCII) if pattern else None
        self.pattern_error = error or f"must match {pattern}"

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not self.min_length <= len(value) <= self.max_length:
            raise self.make_error("length", min=self.min_length, max=self.max_length,
                                  got=len(value))
        bad = forbidden_character(value, self.multiline)
        if bad:
            raise self.make_error("control", code=ord(bad[1]), position=bad[0] + 1,
                                  lines="; line breaks and tabs only in free text"
                                  if not self.multiline else "")
        if self.pattern is not None and not self.pattern.fullmatch(value):
            raise ValidationError(self.pattern_error)
        return value


class Digits(Text):
    """ASCII digits only, of one of the given lengths (NPWP 15 or 16, NIK 16, NIB 13) or of a
    length `between` two bounds (a bank account number)."""

    def __init__(self, name: str, *counts: int, between: tuple[int, int] | None = None,
                 **kwargs):
        if between:
            low, high = between
            pattern, what = f"[0-9]{{{low},{high}}}", f"{low} to {high}"
        else:
            pattern = "|".join(f"[0-9]{{{n}}}" for n in counts)
            low, high, what = min(counts), max(counts), " or ".join(map(str, counts))
        super().__init__(high, min_length=low, pattern=pattern, error=(
            f"{name} must be {what} digits 0-9, without dots, dashes or spaces"), **kwargs)
        self.error_messages = {**self.error_messages, "length": self.pattern_error}


class Email(Text):
    """An e-mail address, at most 254 characters (RFC 5321's limit for a path)."""

    def __init__(self, **kwargs):
        super().__init__(254, **kwargs)
        self.validators.insert(0, validate.Email(error="must be an e-mail address"))


class Id(fields.UUID):
    """A UUID in its usual written form (36 characters, ASCII hex)."""

    _SHAPE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                        r"[0-9a-fA-F]{12}", re.ASCII)
    default_error_messages = {"invalid_uuid": "must be a UUID such as "
                                              "5b0c7a34-1111-4000-8000-000000000001"}

    def _validated(self, value):
        if isinstance(value, str) and not self._SHAPE.fullmatch(value):
            raise self.make_error("invalid_uuid")
        if not isinstance(value, (str, uuid.UUID)):
            raise self.make_error("invalid_uuid")
        return super()._validated(value)


class Date(fields.Date):
    """An ISO date (YYYY-MM-DD) in the years 1900 to 2100, so that no date overflows a view."""

    default_error_messages = {"invalid": "must be a date as YYYY-MM-DD",
                              "range": f"must be a date in the years {MIN_YEAR} to {MAX_YEAR}"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and (len(value) != 10 or not value.isascii()):
            raise self.make_error("invalid")
        day = super()._deserialize(value, attr, data, **kwargs)
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise self.make_error("range")
        return day


class Instant(fields.AwareDateTime):
    """An instant as ISO 8601 with its offset (`2026-12-05T10:00:00+07:00`, `...Z`), kept in
    UTC: a time without an offset could be any of Indonesia's three zones, so it is refused."""

    default_error_messages = {
        "invalid": "must be a date and time with its offset, as YYYY-MM-DDTHH:MM:SS+07:00",
        "invalid_awareness": "must carry its offset (+07:00 for WIB, +08:00 WITA, +09:00 WIT, "
                             "Z for UTC)",
        "range": f"must be in the years {MIN_YEAR} to {MAX_YEAR}"}

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and (len(value) > 40 or not value.isascii()):
            raise self.make_error("invalid")
        instant = super()._deserialize(value, attr, data, **kwargs)
        if not MIN_YEAR <= instant.year <= MAX_YEAR:
            raise self.make_error("range")
        return instant.astimezone(dt.timezone.utc)


# Numbers -------------------------------------------------------------------------------------

class Count(fields.Integer):
    """A whole number (never a boolean or a float) from `minimum` to `maximum`."""

    default_error_messages = {"invalid": "must be a whole number"}

    def __init__(self, minimum: int = 0, maximum: int = MAX_COUNT, *, error: str | None = None,
                 **kwargs):
        self.minimum, self.maximum = minimum, maximum
        validators = [validate.Range(min=minimum, max=maximum, error=error or (
            f"must be a whole number from {minimum:,} to {maximum:,}"))]
        super().__init__(strict=True, validate=validators + _as_list(kwargs.pop("validate",
                                                                                  None)),
                         **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class Rupiah(Count):
    """Whole rupiah as an integer, `minimum` (0 by default) to MAX_RUPIAH (Rp10^15)."""

    default_error_messages = {"invalid": "must be whole rupiah as an integer (no decimals)"}

    def __init__(self, minimum: int = 0, **kwargs):
        super().__init__(minimum, MAX_RUPIAH, error=(
            f"must be whole rupiah from {minimum:,} to {MAX_RUPIAH:,} (Rp10^15)"), **kwargs)


class Number(fields.Number):
    """A JSON number (int or finite float) from `minimum` to `maximum`; never NaN, infinity,
    a string or a boolean."""

    num_type = float
    default_error_messages = {"invalid": "must be a number",
                              "finite": "must be a finite number (not NaN or infinity)"}

    def __init__(self, minimum: float, maximum: float, *, error: str | None = None, **kwargs):
        self.minimum, self.maximum = minimum, maximum
        validators = [validate.Range(min=minimum, max=maximum,
                                     error=error or f"must be from {minimum} to {maximum}")]
        super().__init__(validate=validators + _as_list(kwargs.pop("validate", None)),
                         **kwargs)

    def _format_num(self, value):
        return value  # an int stays an int

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.make_error("finite")
        return value


class Bool(fields.Boolean):
    """`true` or `false`: not 1, 0, "true" or "yes" (1 == True in Python, so `1 in {True}`)."""

    default_error_messages = {"invalid": "must be true or false"}

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if type(value) is not bool:
            raise self.make_error("invalid")
        return value


# Collections ---------------------------------------------------------------------------------

class Items(fields.List):
    """A list of `min_items` to `max_items` items of `inner`."""

    def __init__(self, inner, max_items: int, *, min_items: int = 0, error: str | None = None,
                 **kwargs):
        self.min_items, self.max_items = min_items, max_items
        super().__init__(inner, validate=validate.Length(
            min=min_items, max=max_items,
            error=error or f"must hold {min_items} to {max_items} items"), **kwargs)


class Mapping(fields.Dict):
    """An object of at most `max_items` keys (each `keys`) to values (each `values`)."""

    def __init__(self, keys, values, max_items: int, **kwargs):
        self.max_items = max_items
        super().__init__(keys=keys, values=values, validate=validate.Length(
            max=max_items, error=f"must hold at most {max_items} entries"), **kwargs)


def _as_list(validators) -> list:
    if validators is None:
        return []
    return list(validators) if isinstance(validators, (list, tuple)) else [validators]


# The shorthands the services' schemas use ------------------------------------------------------

def text(max_length: int = 200, **kwargs) -> Text:
    """A required one-line text."""
    return Text(max_length, required=True, **kwargs)


def free_text(max_length: int = 1000, min_length: int = 1, **kwargs) -> Text:
    """A required free text (a note, a reason, a statement): line breaks and tabs allowed."""
    return Text(max_length, min_length=min_length, multiline=True, required=True, **kwargs)


def one_of(name: str, choices, **kwargs) -> Text:
    return Text(max(len(c) for c in choices), validate=validate.OneOf(
        choices, error=f"{name} must be one of: " + ", ".join(choices)), **kwargs)


def fiscal_year(**kwargs) -> Count:
    return Count(2000, 2100, error="fiscal_year must be a year such as 2026", **kwargs)


def sha256(**kwargs) -> Text:
    return Text(64, pattern=r"[0-9a-f]{64}",
                error="sha256 must be the file's SHA-256 as 64 lowercase hex digits", **kwargs)


# Files (shared/files.py) -------------------------------------------------------------------

class UploadSchema(Strict):
    """A file sent with the request: the gateway staged it under `upload_id` (a random id only
    the uploader learns) and found it to hash to `sha256`, which the service checks again;
    `name` is what the sender called it, kept for the download."""
    upload_id = Id(required=True)
    sha256 = sha256(required=True)
    name = Text(255, required=True, pattern=r"[^/\\]+",
                error="name must be a file's name, without a folder (no / or \\)")


def one_file(data: dict) -> None:
    """A document or proof names its file once: by `sha256` when the file is kept elsewhere,
    or as `file` when it was sent with the request (SEKLIK keeps it)."""
    if ("sha256" in data) == ("file" in data):
        raise ValidationError(
            "give either sha256 (the SHA-256 of a file kept elsewhere) or the file itself "
            "(multipart/form-data, part `file`), not both and not neither", "sha256")
