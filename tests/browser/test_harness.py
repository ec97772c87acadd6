"""The browser harness itself: Chromium starts, opens a page on a desktop and on a phone, clicks,
and saves screenshots; and the portal's frame (base.html, the macros, portal.css, a chart) is
laid out on a 390px phone without sideways scrolling."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from services.gateway.portal import charts, text
from tests.support import free_port

pytestmark = pytest.mark.integration

PORTAL = Path(text.__file__).parent
PNG = b"\x89PNG\r\n\x1a\n"

CLICK_PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Uji</title></head>
<body><p id="state">belum</p>
<button id="go" onclick="document.getElementById('state').textContent='sudah'">Tekan</button>
</body></html>"""

SAMPLE = """{% extends "base.html" %}
{% block title %}Persyaratan{% endblock %}
{% block content %}
<h1>Sriwijaya Media Utama &mdash; persyaratan 2026</h1>
<ul class="checklist">
  <li class="met">{{ t("document.kind.deed") }}<span class="reason">{{ t("requirement.met") }}</span></li>
  <li class="unmet">{{ t("document.kind.tax_return") }}
    <span class="reason">{{ t("requirement.document_expired") }}: {{ expired }}</span></li>
</ul>
<h2>Ubah identitas</h2>
<form method="post" action="/portal/mitra">
  {{ m.csrf() }}
  {{ m.field("brand_name", "Nama merek", value=brand, errors=errors, required=True) }}
  {{ m.field("npwp", "NPWP", value="01.234.567.8-901.000", errors=errors, required=True,
             hint="15 atau 16 angka", attrs={"inputmode": "numeric"}) }}
  {{ m.select("media_type", "Jenis media", media_types, value="online", required=True) }}
  {{ m.textarea("reason", "Alasan perubahan", value="") }}
  <div class="actions"><button type="submit">{{ t("action.save") }}</button>
    <a class="button secondary" href="/portal/">{{ t("action.cancel") }}</a></div>
</form>
<h2>Pesanan</h2>
{{ m.table(["Nomor", "Judul", "Tayang paling lambat", "Bruto", "PPh 23", "Dibayar"], rows,
           numeric=(3, 4, 5)) }}
<h2>Realisasi</h2>
{{ chart | safe }}
{% endblock %}"""


class Site(BaseHTTPRequestHandler):
    pages: dict[str, tuple[str, bytes]] = {}

    def do_GET(self):
        found = self.pages.get(self.path)
        if found is None:
            self.send_error(404)
            return
        kind, body = found
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # the test's output stays the test's
        pass


def sample_page(lang: str) -> str:
    env = Environment(loader=FileSystemLoader(PORTAL / "templates"), autoescape=True)
    rows = [[f"027/SPK/KOMINFO/2026-{n:02d}", title, text.tanggal(f"2026-11-{n + 10}", lang),
             text.rupiah(gross), text.rupiah(gross * 2 // 100), text.rupiah(gross * 98 // 100)]
            for n, (title, gross) in enumerate([
                ("Advertorial HUT Kabupaten OKI ke-80", 2_450_000),
                ("Liputan Festival Bidar Kayuagung", 1_500_000),
                ("Iklan layanan masyarakat: imunisasi", 9_900_000)], 1)]
    return env.from_string(SAMPLE).render(
        lang=lang, t=lambda key, **v: text.t(key, lang, **v), csrf_token="tok-123",
        here="/portal/mitra", account={"email": "redaksi@sumselnews.id"},
        nav=[("/portal/", "Beranda"), ("/portal/mitra", "Perusahaan"),
             ("/portal/dokumen", "Dokumen"), ("/portal/pesanan", "Pesanan"),
             ("/portal/pembayaran", "Pembayaran")],
        notice="Dokumen NIB tersimpan.", alert=text.t("form.has_errors", lang),
        brand='<script>alert("xss")</script>',
        errors={"npwp": [text.field_message(
            "NPWP must be 15 or 16 digits 0-9, without dots, dashes or spaces", lang)],
            "brand_name": ["Nama merek sudah dipakai perusahaan lain"]},
        expired=f"berlaku sampai {text.tanggal('2026-03-31', lang)}",
        media_types=[(k, text.t(f"media_type.{k}", lang)) for k in ("online", "tv", "radio")],
        rows=rows + [[Markup('<a href="/portal/pesanan/4">lihat</a>'), "—", "", "", "", ""]],
        chart=charts.realisation([
            {"name": "Publikasi media daring dan cetak", "ceiling": 1_200_000_000,
             "realised": 900_000_000},
            {"name": "Iklan layanan masyarakat", "ceiling": 400_000_000,
             "realised": 450_000_000}], lang))


@pytest.fixture(scope="module")
def site():
    Site.pages = {
        "/": ("text/html; charset=utf-8", CLICK_PAGE.encode()),
        "/portal/mitra": ("text/html; charset=utf-8", sample_page("id").encode()),
        "/portal/static/portal.css": ("text/css", (PORTAL / "static/portal.css").read_bytes()),
    }
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def is_png(path: Path) -> bool:
    return path.exists() and path.read_bytes()[:8] == PNG


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_page_opens_and_a_button_is_clicked(site, browser_context, shot, device):
    page = browser_context(device).new_page()
    page.goto(site + "/")
    assert page.text_content("#state") == "belum"
    if device == "phone":
        page.tap("#go")
    else:
        page.click("#go")
    assert page.text_content("#state") == "sudah"
    assert page.evaluate("navigator.language") == "id-ID"
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "Asia/Jakarta"
    assert is_png(shot(page, f"harness-{device}"))


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_portal_frame_reads_on_a_phone_and_a_desktop(site, browser_context, shot, device):
    page = browser_context(device).new_page()
    response = page.goto(site + "/portal/mitra")
    assert response.ok
    width = page.viewport_size["width"]
    # The page never scrolls sideways: only the table does, inside its wrapper.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    wrap = page.locator(".table-wrap")
    if device == "phone":
        assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    # The stylesheet applied: the error beside the NPWP field is red and under its input.
    error = page.locator("#npwp-error")
    assert error.evaluate("el => getComputedStyle(el).color") == "rgb(176, 0, 32)"
    field, message = page.locator("#npwp").bounding_box(), error.bounding_box()
    assert 0 <= message["y"] - (field["y"] + field["height"]) < 20
    assert page.locator("#npwp").get_attribute("aria-invalid") == "true"
    # A script in a brand name is shown as text, never run.
    assert page.input_value("#brand_name") == '<script>alert("xss")</script>'
    assert page.locator("svg.chart").bounding_box()["width"] <= width
    assert is_png(shot(page, f"portal-frame-{device}"))


def test_print_drops_the_navigation(site, browser_context):
    page = browser_context("desktop").new_page()
    page.goto(site + "/portal/mitra")
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    assert page.locator("svg.chart").is_visible()
