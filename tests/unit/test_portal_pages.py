"""The portal's small rules that no page may get wrong: where a login sends the browser next,
how a form's names map onto the schema's nested fields and back, and what a CSRF token is."""
import time

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway.portal.pages import errors_of, identity_rows, nested, safe_next
from services.gateway.portal.session import CSRF_COOKIE, Session, claims_of, csrf_key
from shared.auth import development_key, mint_token
from shared.errors import Conflict, ValidationFailed

KEY = csrf_key(b"k" * 32)


class FakePage:
    lang = "id"


@pytest.mark.parametrize("target", [
    "https://evil.example/portal/", "//evil.example/portal/", "/\\evil.example",
    "javascript:alert(1)", "/v1/partners", "http:/portal/", ""])
def test_after_login_the_browser_goes_nowhere_but_the_portal(target):
    assert safe_next(target) == "/portal/"


def test_after_login_the_page_asked_for_is_opened():
    assert safe_next("/portal/verifikasi/1b2c") == "/portal/verifikasi/1b2c"


def test_form_names_are_the_schemas_paths():
    assert nested({"contact.email": "a@b.id", "npwp": "1", "bank_account.number": "12"}) == {
        "contact": {"email": "a@b.id"}, "npwp": "1", "bank_account": {"number": "12"}}


def test_a_nested_error_lands_beside_its_field_in_indonesian():
    refused = ValidationFailed.from_messages({"partner": {
        "contact": {"email": ["must be an e-mail address"]},
        "npwp": ["NPWP must be 15 or 16 digits 0-9, without dots, dashes or spaces"]}})
    errors = errors_of(FakePage(), refused)
    assert set(errors) == {"contact.email", "npwp"}
    assert errors["npwp"][0].startswith("NPWP harus")


def test_an_identity_changes_errors_land_beside_the_change_forms_fields():
    refused = ValidationFailed.from_messages({"change": {
        "bank_account": {"bank": ["Missing data for required field."]},
        "_schema": ["name at least one of legal_name, brand_name, address, contact, "
                    "bank_account"]}, "reason": ["must be 1 to 1000 characters (got 0)"]})
    errors = errors_of(FakePage(), refused)
    assert errors == {"bank_account.bank": ["Wajib diisi."],
                      "_schema": ["sebutkan sedikitnya satu dari legal_name, brand_name, "
                                  "address, contact, bank_account"],
                      "reason": ["harus 1 sampai 1000 karakter (terisi 0)"]}


def test_an_identity_change_is_shown_field_by_field_now_and_after():
    class Labelled(FakePage):
        def t(self, key, **values):
            return key

    partner = {"brand_name": "KayuagungNews", "legal_name": "PT Kayuagung Media",
               "bank_account": {"bank": "Bank Sumsel Babel", "number": "1402001234",
                                "holder": "PT Kayuagung Media"}}
    rows = identity_rows(Labelled(), partner, {
        "brand_name": "Kayuagung Pos",
        "bank_account": {"bank": "BRI", "number": "0021019988", "holder": "PT Kayuagung Media"}})
    assert [(r["field"], r["now"], r["after"]) for r in rows] == [
        ("brand_name", "KayuagungNews", "Kayuagung Pos"),
        ("bank_account.bank", "Bank Sumsel Babel", "BRI"),
        ("bank_account.number", "1402001234", "0021019988"),
        ("bank_account.holder", "PT Kayuagung Media", "PT Kayuagung Media")]
    assert rows[0]["label"] == "partner.field.brand_name"


def test_a_refusal_without_fields_stands_beside_the_field_named():
    errors = errors_of(FakePage(), Conflict("this NPWP is already registered",
                                            code="npwp_taken"), "npwp")
    assert list(errors) == ["npwp"]


def session(cookies: dict) -> Session:
    builder = EnvironBuilder(path="/portal/", headers={
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
    return Session(Request(builder.get_environ()), KEY, secure=True)


def test_a_form_token_is_the_mac_of_this_browsers_cookie():
    mine = session({CSRF_COOKIE: "seed-of-this-browser"})
    assert mine.csrf_ok({"csrf_token": mine.csrf_token})
    assert not mine.csrf_ok({"csrf_token": session({CSRF_COOKIE: "other"}).csrf_token})
    assert not mine.csrf_ok({})
    # A browser without the cookie gets one now, and no form it posts can carry its token.
    fresh = session({})
    assert not fresh.csrf_ok({"csrf_token": fresh.csrf_token})


def test_an_expired_or_garbled_token_is_no_session():
    key = development_key()
    live = mint_token(key, "a", ["admin"], regency="16.02", ttl_seconds=60)
    assert claims_of(live)["roles"] == ["admin"]
    assert claims_of("garbage") is None
    expired = mint_token(key, "a", ["admin"], regency="16.02", ttl_seconds=1)
    time.sleep(1.1)
    assert claims_of(expired) is None


def test_a_textareas_line_breaks_reach_the_services_as_they_keep_them():
    """A browser sends each line break of a textarea as CR LF (HTML's rule); free text refuses
    a carriage return, so a two-line review note was refused on every form."""
    from services.gateway.portal.pages import typed_lines

    request = Request(EnvironBuilder(method="POST", data={
        "note": "Scan buram.\r\nUnggah ulang\rhalaman 2.", "csrf_token": "t"}).get_environ())
    form = typed_lines(request.form)
    assert form["note"] == "Scan buram.\nUnggah ulang\nhalaman 2."
    assert form["csrf_token"] == "t"
