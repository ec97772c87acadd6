"""The portal's words, numbers and dates, as an Indonesian clerk reads them.

The last tests walk every marshmallow schema of every service, so a validation message added
later without an Indonesian translation fails here rather than reaching a form in English.
"""
import datetime as dt
import importlib
import string
from pathlib import Path

import pytest
from marshmallow import Schema, fields, validate

from services.gateway.portal.text import (CATALOG, LANGUAGES, field_message, number, percent,
                                          rupiah, t, tanggal, waktu)

ROOT = Path(__file__).resolve().parents[2]


# Money, numbers, dates -------------------------------------------------------------------------

def test_rupiah_is_written_with_dots_and_no_decimals():
    assert rupiah(2_450_000) == "Rp2.450.000"
    assert rupiah(-2_450_000) == "-Rp2.450.000"
    assert rupiah(0) == "Rp0"
    assert rupiah(999) == "Rp999"
    assert rupiah(2_020_000_000) == "Rp2.020.000.000"


@pytest.mark.parametrize("amount", [2450000.0, True, "2450000", None])
def test_rupiah_refuses_anything_but_whole_rupiah(amount):
    with pytest.raises(TypeError):
        rupiah(amount)


def test_numbers_and_percentages_use_dots_for_thousands_and_a_decimal_comma():
    assert number(1_234_567) == "1.234.567"
    assert number(82.5, 1) == "82,5"
    assert number(1234.56, 2) == "1.234,56"
    assert percent(0.125) == "12,5%"
    assert percent(1) == "100,0%"
    assert percent(0.5, 0) == "50%"


def test_a_date_is_written_out_in_either_language():
    assert tanggal(dt.date(2026, 11, 26)) == "26 November 2026"
    assert tanggal("2026-08-17") == "17 Agustus 2026"
    assert tanggal("2026-02-01", "en") == "1 February 2026"
    assert [tanggal(dt.date(2026, m, 1)).split()[1] for m in range(1, 13)] == [
        "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
        "September", "Oktober", "November", "Desember"]


def test_an_instant_is_shown_in_the_regencys_own_time():
    assert waktu("2026-11-26T03:04:05+00:00") == "26 November 2026 10.04 WIB"
    assert waktu("2026-11-26T03:04:05Z", "en") == "26 November 2026 10:04 WIB"
    assert waktu("2026-11-26T03:04:05Z", tz="Asia/Makassar") == "26 November 2026 11.04 WITA"
    assert waktu("2026-11-26T20:30:00Z", tz="Asia/Jayapura") == "27 November 2026 05.30 WIT"
    moment = dt.datetime(2026, 11, 26, 3, 4, tzinfo=dt.timezone.utc)
    assert waktu(moment, "en", "Europe/Amsterdam") == "26 November 2026 04:04 CET"


def test_an_instant_without_a_zone_is_refused_rather_than_guessed():
    with pytest.raises(ValueError, match="no UTC offset"):
        waktu("2026-11-26T03:04:05")


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="fr"):
        tanggal("2026-11-26", "fr")


# The catalog ------------------------------------------------------------------------------------

def test_every_key_says_it_in_both_languages_with_the_same_placeholders():
    placeholders = {}
    for key, entry in CATALOG.items():
        assert set(entry) == set(LANGUAGES), key
        assert all(entry[lang].strip() for lang in LANGUAGES), key
        names = [{name for _, name, _, _ in string.Formatter().parse(entry[lang]) if name}
                 for lang in LANGUAGES]
        assert names[0] == names[1], key
        placeholders[key] = names[0]
    assert placeholders["chart.of"] == {"realised", "ceiling"}


def test_t_fills_values_and_a_missing_key_fails():
    assert t("account.logged_in_as", "id", email="ani@oki.go.id") == "Masuk sebagai ani@oki.go.id"
    assert t("role.finance") == "Keuangan (PPK/Bendahara)"
    assert t("role.finance", "en") == "Finance (PPK/treasurer)"
    with pytest.raises(KeyError):
        t("no.such.key")


def test_the_catalog_names_every_status_document_requirement_role_and_error():
    from services.partners import requirements
    from services.partners.domain import DOCUMENT_KINDS, STATUSES
    from shared import errors
    from shared.auth import ROLES

    codes = {const for const in requirements.unmet_requirements.__code__.co_consts
             if isinstance(const, str) and const.isidentifier()}
    codes |= {const for const in requirements.document_problem.__code__.co_consts
              if isinstance(const, str) and const.startswith("document_")}
    expected = ([f"partner.status.{s}" for s in STATUSES]
                + [f"document.kind.{k}" for k in DOCUMENT_KINDS]
                + [f"document.review.{d}" for d in ("pending", "accepted", "rejected")]
                + [f"role.{r}" for r in ROLES if r != "system"]
                + [f"error.{cls.__name__}" for cls in vars(errors).values()
                   if isinstance(cls, type) and issubclass(cls, errors.SeklikError)
                   and cls is not errors.SeklikError])
    assert [key for key in expected if key not in CATALOG] == []
    unmet = {code for code in codes if f"requirement.{code}" in CATALOG}
    assert {"document_missing", "document_expired", "company_too_young",
            "chief_editor_ukw_below", "media_type_not_in_policy"} <= unmet
    assert t("role.auditor") == "Auditor (Inspektorat/BPK)"


# Validation messages ------------------------------------------------------------------------------

@pytest.mark.parametrize("english, indonesian", [
    ("Missing data for required field.", "Wajib diisi."),
    ("Unknown field.", "Isian ini tidak dikenal."),
    ("Not a valid integer.", "Bukan bilangan bulat yang sah."),
    ("Not a valid email address.", "Bukan alamat e-mail yang sah."),
    ("Length must be between 3 and 200.", "Panjang harus antara 3 dan 200."),
    ("must be 1 to 200 characters (got 0)", "harus 1 sampai 200 karakter (terisi 0)"),
    ("NPWP must be 15 or 16 digits 0-9, without dots, dashes or spaces",
     "NPWP harus 15 atau 16 angka 0-9, tanpa titik, tanda hubung, atau spasi"),
    ("account number must be 6 to 20 digits 0-9, without dots, dashes or spaces",
     "nomor rekening harus 6 sampai 20 angka 0-9, tanpa titik, tanda hubung, atau spasi"),
    ("media_type must be one of: online, print_daily, print_weekly, print_monthly, tv, radio",
     "media_type harus salah satu dari: online, print_daily, print_weekly, print_monthly, "
     "tv, radio"),
    ("must be whole rupiah from 1 to 1,000,000,000,000,000 (Rp10^15)",
     "harus berupa rupiah utuh dari 1 sampai 1.000.000.000.000.000 (Rp10^15)"),
    ("quantity must be a whole number from 1 to 100,000",
     "quantity harus berupa bilangan bulat dari 1 sampai 100.000"),
    ("must be a date as YYYY-MM-DD", "harus berupa tanggal dengan format YYYY-MM-DD"),
    ("fiscal_year must be a year such as 2026", "fiscal_year harus berupa tahun, misalnya 2026"),
    ("a score needs a reason (at least 3 characters, at most 1000; got 1)",
     "nilai memerlukan alasan (sedikitnya 3 karakter, paling banyak 1000; terisi 1)"),
    ("phone must be digits, e.g. +62 711 123456",
     "phone harus berupa angka, misalnya +62 711 123456"),
    ("bank account holder 'Rina Sari' is not the company 'PT Kayuagung Media'; the account "
     "must be in the company's own name",
     "pemilik rekening 'Rina Sari' bukan perusahaan 'PT Kayuagung Media'; rekening harus atas "
     "nama perusahaan sendiri"),
    ("no journalist with that NIK is listed with this company",
     "tidak ada wartawan dengan NIK itu dalam daftar perusahaan ini"),
    ("must not contain control or invisible formatting characters (found U+202E at "
     "character 4); line breaks and tabs only in free text",
     "tidak boleh memuat karakter kendali atau format tak terlihat (ada U+202E pada karakter "
     "ke-4); baris baru dan tab hanya boleh di teks bebas"),
    ("Must be greater than or equal to 0 and less than or equal to 5.",
     "Harus sedikitnya 0 dan paling banyak 5."),
    ("command_id must be a string of 1 to 100 characters from A-Z a-z 0-9 . _ : - "
     "(got an empty string)",
     "command_id harus berupa teks 1 sampai 100 karakter dari A-Z a-z 0-9 . _ : - "
     "(terisi teks kosong)"),
])
def test_a_field_message_is_translated_with_its_values_kept(english, indonesian):
    assert field_message(english, "id") == indonesian
    assert field_message(english, "en") == english


def test_a_message_nobody_translated_is_shown_as_it_is():
    assert field_message("the moon is not a valid NPWP", "id") == "the moon is not a valid NPWP"


def test_the_real_schemas_messages_arrive_translated():
    """Not a template: what a registration with three mistakes answers, message by message."""
    from services.partners.schemas import PartnerSchema
    from shared.errors import ValidationFailed
    from shared.schemas import load
    from tests.support import company

    with pytest.raises(ValidationFailed) as refused:
        load(PartnerSchema, company(npwp="01.234.567.8-901.000", media_type="koran",
                                    legal_name="", extra=1))
    fields_ = refused.value.details["fields"]
    shown = {name: [field_message(m, "id") for m in msgs] for name, msgs in fields_.items()}
    assert shown == {
        "npwp": ["NPWP harus 15 atau 16 angka 0-9, tanpa titik, tanda hubung, atau spasi"],
        "media_type": ["media_type harus salah satu dari: online, print_daily, print_weekly, "
                       "print_monthly, tv, radio"],
        "legal_name": ["harus 1 sampai 200 karakter (terisi 0)"],
        "extra": ["Isian ini tidak dikenal."],
    }


# Every message a schema can raise ---------------------------------------------------------------

SAMPLE = {"min": 1, "max": 200, "got": 0, "code": 0x202E, "position": 4, "input": "x",
          "choices": "a, b", "labels": "a, b", "equal": 3, "other": "y", "obj_type": "date",
          "awareness": "aware", "lines": "; line breaks and tabs only in free text"}


def schema_messages() -> set[str]:
    modules = ["shared.schemas"] + sorted(
        f"services.{path.parent.name}.schemas" for path in ROOT.glob("services/*/schemas.py"))
    messages: set[str] = set()
    for name in modules:
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Schema) and obj.__module__ == name:
                for field in obj().fields.values():
                    messages |= field_messages(field)
    return messages


def field_messages(field) -> set[str]:
    found = {template.format(**SAMPLE) for template in field.error_messages.values()}
    found |= {validator.error.format(**SAMPLE) for validator in field.validators
              if isinstance(validator, (validate.Range, validate.Length, validate.OneOf))
              and validator.error}
    if getattr(field, "pattern", None) is not None:
        found.add(field.pattern_error)
    if isinstance(field, fields.Nested):
        for inner in field.schema.fields.values():
            found |= field_messages(inner)
    if isinstance(field, fields.List):
        found |= field_messages(field.inner)
    if isinstance(field, fields.Dict):
        found |= field_messages(field.key_field) | field_messages(field.value_field)
    return found


def test_every_message_a_schema_can_raise_has_its_indonesian():
    messages = schema_messages() | {
        # raised by hand in the schemas' validators and in shared/schemas.load
        "give either sha256 (the SHA-256 of a file kept elsewhere) or the file itself "
        "(multipart/form-data, part `file`), not both and not neither",
        "name at least one of legal_name, brand_name, address, contact, bank_account",
        "an addendum gives a new ceiling, ends_on or agreed_prices",
        "expected an object, got list",
    }
    assert len(messages) > 60  # the walk found the schemas' fields
    untranslated = sorted(m for m in messages if field_message(m, "id") == m)
    assert untranslated == []


def test_no_key_of_the_catalog_is_written_twice():
    """A dict literal keeps the last of two equal keys without a word: the first sentence
    would vanish from every page that uses it (as `finance.paid` once did)."""
    import ast

    source = (ROOT / "services" / "gateway" / "portal" / "text.py").read_text()
    catalog = next(node.value for node in ast.walk(ast.parse(source))
                   if isinstance(node, ast.AnnAssign)
                   and getattr(node.target, "id", None) == "CATALOG")
    keys = [key.value for key in catalog.keys]
    assert sorted({k for k in keys if keys.count(k) > 1}) == []


@pytest.mark.parametrize("message,indonesian", [
    ("no release 5f0c3a6e-0000-4000-8000-000000000000",
     "siaran pers 5f0c3a6e-0000-4000-8000-000000000000 tidak ada"),
    ("no partner 5f0c3a6e-0000-4000-8000-000000000000",
     "mitra 5f0c3a6e-0000-4000-8000-000000000000 tidak ada"),
    ("no tier ceilings 5f0c3a6e-0000-4000-8000-000000000000",
     "plafon tier 5f0c3a6e-0000-4000-8000-000000000000 tidak ada"),
    ("no page /portal/siaran/x", "halaman /portal/siaran/x tidak ada"),
    ("no page /portal/keuangan for PUT", "halaman /portal/keuangan tidak ada untuk PUT"),
])
def test_a_missing_thing_is_said_in_indonesian(message, indonesian):
    """A NotFound page read "Tidak ditemukan: no release …": the title Indonesian, the
    sentence English."""
    assert field_message(message, "id") == indonesian
    assert field_message(message, "en") == message
