"""The portal's frame and form pieces, rendered the way the gateway renders them (autoescape on):
a company's own text stays text, an error sits beside its field, every form carries its CSRF
token."""
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from services.gateway.portal import charts, text

TEMPLATES = Path(text.__file__).parent / "templates"
HOSTILE = '<script>alert("xss")</script>'

PAGE = """{% extends "base.html" %}
{% block title %}{{ t("account.signup") }}{% endblock %}
{% block content %}
<form method="post" action="/portal/daftar">
  {{ m.csrf() }}
  {{ m.field("brand_name", "Nama merek", value=brand, errors=errors, required=True,
             hint="Seperti tertulis di situs", attrs={"autocomplete": "organization"}) }}
  {{ m.field("npwp", "NPWP", value="0123", errors=errors, attrs={"inputmode": "numeric"}) }}
  {{ m.field("password", "Kata sandi", value="rahasia", type="password") }}
  {{ m.select("media_type", "Jenis media", [("online", "Daring"), ("tv", "Televisi")],
              value="tv") }}
  {{ m.textarea("note", "Catatan", value=brand) }}
</form>
{{ m.table(["Mitra", "Nilai"], [[brand, "Rp2.450.000"], [link, "Rp0"]], numeric=(1,)) }}
{{ chart | safe }}
{% endblock %}"""


@pytest.fixture
def render():
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      undefined=StrictUndefined)
    env.globals["csrf_token"] = "tok-123"

    def render(lang="id", **context):
        values = dict(lang=lang, t=lambda key, **v: text.t(key, lang, **v), here="/portal/mitra",
                      nav=[("/portal/", "Beranda"), ("/portal/mitra", "Mitra")],
                      account={"email": "redaksi@sumselnews.id"}, notice="", alert="",
                      brand=HOSTILE, errors={}, link=Markup('<a href="/portal/mitra/1">Satu</a>'),
                      chart=charts.bars([(HOSTILE, 1)], title="Belanja"))
        values.update(context)
        return env.from_string(PAGE).render(**values)
    return render


def test_a_brand_name_with_a_script_is_shown_as_text_everywhere(render):
    html = render()
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;") == 3  # input, textarea, cell
    assert "&lt;script&gt;" in html.split("<svg", 1)[1]  # the chart's label too
    assert '<a href="/portal/mitra/1">Satu</a>' in html  # a link the page built stays a link


def test_each_error_sits_beside_its_field_and_is_read_with_it(render):
    errors = {"brand_name": [text.field_message("must be 1 to 200 characters (got 0)", "id")],
              "npwp": text.field_message(
                  "NPWP must be 15 or 16 digits 0-9, without dots, dashes or spaces", "id")}
    html = render(errors=errors, alert=text.t("form.has_errors"))
    brand = html.split('id="brand_name"', 1)[1].split('<div class="field', 1)[0]
    assert 'aria-invalid="true"' in brand
    assert 'aria-describedby="brand_name-hint brand_name-error"' in brand
    assert ('<p class="error" id="brand_name-error"><span class="marker">Kesalahan:</span>\n'
            '    harus 1 sampai 200 karakter (terisi 0)</p>') in brand
    npwp = html.split('id="npwp"', 1)[1].split('<div class="field', 1)[0]
    assert 'aria-describedby="npwp-error"' in npwp and 'inputmode="numeric"' in npwp
    assert "NPWP harus 15 atau 16 angka 0-9" in npwp
    assert '<div class="alert" role="alert">Periksa isian yang ditandai di bawah.</div>' in html
    assert 'aria-invalid' not in html.split('id="password"', 1)[1].split(">", 1)[0]


def test_a_password_is_never_written_back_into_the_page(render):
    assert "rahasia" not in render()


def test_both_frame_forms_and_the_page_form_carry_the_csrf_token(render):
    html = render()
    assert html.count('<input type="hidden" name="csrf_token" value="tok-123">') == 3
    switch = html.split('action="/portal/bahasa"', 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="next" value="/portal/mitra">' in switch
    assert 'name="lang" value="en"' in switch and ">English</button>" in switch
    logout = html.split('action="/portal/keluar"', 1)[1].split("</form>", 1)[0]
    assert 'name="csrf_token"' in logout and ">Keluar</button>" in logout


def test_the_frame_speaks_the_pages_language_and_marks_where_you_are(render):
    html = render(lang="en")
    assert '<html lang="en">' in html
    assert ">Bahasa Indonesia</button>" in html and 'value="id"' in html
    assert '<a href="/portal/mitra" aria-current="page">Mitra</a>' in html
    assert '<link rel="stylesheet" href="/portal/static/portal.css">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_without_an_account_there_is_no_logout(render):
    html = render(account=None, nav=[])
    assert "/portal/keluar" not in html and "<nav" not in html
    assert "/portal/bahasa" in html  # a visitor can still switch language


def test_the_table_is_wrapped_to_scroll_and_aligns_money_right(render):
    html = render()
    table = html.split('<div class="table-wrap"', 1)[1].split("</div>", 1)[0]
    body = ET.fromstring("<div " + table + "</div>")
    cells = [(td.get("class"), "".join(td.itertext())) for td in body.iter("td")]
    assert cells[1] == ("num", "Rp2.450.000") and cells[0] == (None, HOSTILE)


def test_the_select_keeps_the_chosen_value(render):
    html = render()
    assert '<option value="tv" selected>Televisi</option>' in html
    assert '<option value="online">Daring</option>' in html
