"""A media company's registration round in the portal, in a real browser (Debian's chromium).

The services and the gateway run as processes on RabbitMQ and PostgreSQL, as compose runs them.
A media company's person signs up on a phone, registers the company (a wrong NPWP is shown
beside its field, in Indonesian), uploads its deed and NPWP scans and lists its chief editor;
a verifier, in a session of their own, records its press-council status, rejects the blurred
NPWP scan with a note and cannot activate the company, with the unmet reasons on the page; the
company sees the reason in its checklist, uploads a clear scan, and is activated. Also: a media user changing the URL to another company's page is refused;
a form posted without its CSRF token is refused; a brand name carrying a script is shown as
text. Each page is saved as a screenshot in the test's folder.
"""
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from shared.config import Settings
from tests.integration.cluster import behind_gateway
from tests.support import company

pytestmark = pytest.mark.integration

FILES = Path(__file__).parent.parent / "files"
SERVICES = ("partners", "accounts")
YEAR = Settings.from_env().today().year  # the regency's year as the portal judges it (WIB)
POLICY = {"required_documents": {media: ["deed", "npwp"] for media in (
    "online", "print_daily", "print_weekly", "print_monthly", "tv", "radio")},
    "min_company_age_years": 2, "min_press_council": "administrative",
    "chief_editor_min_ukw": "madya"}
PASSWORD = "Redaksi-Kayuagung-2026"
STAFF_PASSWORD = "Verifikasi-OKI-2026"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
XSS = "<script>window.__xss = 1</script><img src=x onerror=\"window.__xss = 2\">"


@pytest.fixture(scope="module")
def portal(rabbit, postgres, tmp_path_factory):
    with behind_gateway(postgres, tmp_path_factory.mktemp("portal"), SERVICES, "pt") as cluster:
        with cluster.rpc("admin", sub="kominfo.ani") as admin:
            admin.partners.set_requirement_policy(fiscal_year=YEAR, policy=POLICY)
            admin.accounts.open_account(email="verifikasi.budi@okikab.go.id",
                                        password=STAFF_PASSWORD, name="Budi Verifikator",
                                        roles=["verifier", "admin"])
        yield cluster


def arrive(page, pattern: str, timeout: float = 30) -> str:
    """Until the page's address matches `pattern` (a regular expression), asked of the page
    itself: Playwright's own timed waits (wait_for_url) never wake under the suite's eventlet
    monkey-patching, while each call does."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            href = page.evaluate("location.href")
        except PlaywrightError as error:  # asked while the page was navigating: ask again
            assert "context was destroyed" in str(error), error
            href = ""
        if re.search(pattern, href):
            return href
        assert time.monotonic() < deadline, f"still at {href}, not {pattern}"
        time.sleep(0.2)


def told(page, expected: str, timeout: float = 30) -> str:
    """Until the page's notice says `expected`, asked of the page as `arrive` does: a click
    that posts a form returns before the answer's page replaces the one that had a notice of
    its own (a contract signed, then an order placed on the same page)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            said = page.evaluate(
                "[...document.querySelectorAll('.notice')].map(n => n.innerText).join(' | ')")
        except PlaywrightError as error:  # asked while the page was navigating: ask again
            assert "context was destroyed" in str(error), error
            said = ""
        if expected in said:
            return said
        assert time.monotonic() < deadline, \
            f"the notice says {said!r}, not {expected!r}: {page.locator('main').inner_text()}"
        time.sleep(0.2)


def sign_up(page, base: str, name: str, email: str, password: str, shot=None) -> None:
    """Open an account on the sign-up page, as a media company's person does, and log in."""
    page.goto(f"{base}/portal/daftar")
    page.get_by_label("Nama Anda").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.locator("[name=password]").fill(password)
    page.get_by_label("Ulangi kata sandi").fill(password)
    if shot:
        shot(page, "01-daftar-akun")
    page.get_by_role("button", name="Daftar akun").click()
    assert "Akun dibuat" in page.content()
    log_in(page, base, email, password)


def log_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/portal/masuk")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()


def fill_company(page, npwp: str) -> None:
    page.get_by_label("Nama badan hukum").fill("PT Kayuagung Media Nusantara")
    page.get_by_label("Nama media").fill("KayuagungNews")
    page.get_by_label("Bentuk badan hukum").select_option("PT")
    page.get_by_label("Jenis media").select_option("online")
    page.get_by_label("NPWP perusahaan").fill(npwp)
    page.get_by_label("NIB").fill("1234567890123")
    page.get_by_label("Pengusaha Kena Pajak (PKP)").select_option("ya")
    page.get_by_label("Tanggal pendirian").fill("2016-04-01")
    page.get_by_label("Alamat").fill("Jl. Letnan Mukhtar Saleh 5, Kayuagung")
    page.get_by_label("E-mail redaksi").fill("redaksi@kayuagungnews.id")
    page.get_by_label("Telepon").fill("+62 712 322100")
    page.locator("[name='bank_account.bank']").fill("Bank Sumsel Babel")
    page.get_by_label("Nomor rekening").fill("1402001234")
    page.get_by_label("Nama pemilik rekening").fill("PT Kayuagung Media Nusantara")


def upload(page, kind: str, number: str, path: Path) -> None:
    form = page.locator("form[enctype='multipart/form-data']")
    form.get_by_label("Jenis dokumen").select_option(kind)
    form.get_by_label("Nomor dokumen").fill(number)
    form.get_by_label("Tanggal terbit").fill("2024-01-15")
    form.get_by_label("Berkas").set_input_files(str(path))
    form.get_by_role("button", name="Unggah").click()


def add_chief_editor(page, nik: str = "1601234567890007") -> None:
    """The company lists its chief editor, UKW utama, on its page."""
    journalists = page.locator("form.journalist-form")
    journalists.get_by_label("NIK").fill(nik)
    journalists.get_by_label("Nama wartawan").fill("Hendra Pemimpin Redaksi")
    journalists.get_by_label("Jabatan").select_option("chief_editor")
    journalists.get_by_label("Jenjang UKW").select_option("utama")
    journalists.get_by_label("Nomor sertifikat UKW").fill("UKW-00007")
    journalists.get_by_role("button", name="Cantumkan wartawan").click()


def test_a_media_company_registers_is_refused_fixes_it_and_is_activated(
        portal, browser_context, shot, tmp_path):
    base = portal.base
    media = browser_context("phone").new_page()

    sign_up(media, base, "Rina Redaksi", "redaksi@kayuagungnews.id", PASSWORD, shot)
    arrive(media, "/portal/perusahaan/baru$")
    fill_company(media, npwp="01.234.567.8-901.000")
    media.get_by_role("button", name="Daftarkan").click()
    error = media.locator("#npwp-error")
    assert "NPWP harus" in error.inner_text() or "angka" in error.inner_text()
    assert media.get_by_label("NPWP perusahaan").get_attribute("aria-invalid") == "true"
    shot(media, "02-npwp-salah")
    media.get_by_label("NPWP perusahaan").fill("012345678901000")
    media.get_by_role("button", name="Daftarkan").click()
    partner_id = re.search(UUID, arrive(media, "/portal/perusahaan/" + UUID)).group()
    assert "KayuagungNews" in media.content()

    upload(media, "deed", "AHU-0012345.AH.01.01", FILES / "npwp-scan.pdf")
    assert "menunggu verifikasi" in media.content()
    upload(media, "npwp", "01.234.567.8-901.000", FILES / "clipping.jpg")
    exe = tmp_path / "npwp.pdf"
    exe.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(200))
    upload(media, "npwp", "01.234.567.8-901.000", exe)
    assert media.locator("#file-error").is_visible()
    shot(media, "03-perusahaan-dokumen")

    add_chief_editor(media)
    assert "Hendra Pemimpin Redaksi" in media.locator("ul.journalists").inner_text()

    verifier = browser_context("desktop").new_page()
    log_in(verifier, base, "verifikasi.budi@okikab.go.id", STAFF_PASSWORD)
    arrive(verifier, "/portal/verifikasi$")
    verifier.get_by_role("link", name="Periksa").first.click()
    shot(verifier, "04-verifikasi")
    council = verifier.locator("form.council-form")
    council.get_by_label("Status verifikasi Dewan Pers").select_option("administrative")
    council.get_by_label("Nomor sertifikat").fill("DP/123/2025")
    council.get_by_label("Tanggal pemeriksaan").fill("2025-06-01")
    council.get_by_role("button", name="Catat status Dewan Pers").click()
    assert "Status Dewan Pers dicatat" in verifier.content()
    npwp_doc = verifier.locator("article[data-kind='npwp']")
    npwp_doc.get_by_label("Catatan").fill("Scan buram, unggah ulang yang terbaca")
    npwp_doc.get_by_role("button", name="Tolak").click()
    deed = verifier.locator("article[data-kind='deed']")
    deed.get_by_label("Catatan").fill("Sesuai")
    deed.get_by_role("button", name="Terima").click()
    verifier.get_by_role("button", name=f"Aktifkan untuk tahun {YEAR}").click()
    refusal = verifier.locator(".alert").first.inner_text()
    assert "Belum dapat diaktifkan" in refusal and "NPWP" in refusal, refusal
    shot(verifier, "05-aktivasi-ditolak")

    media.goto(f"{base}/portal/perusahaan/{partner_id}")
    checklist = media.locator(".checklist").inner_text()
    assert "Dokumen ditolak verifikator" in checklist
    assert "Scan buram, unggah ulang yang terbaca" in checklist
    shot(media, "06-alasan-penolakan")
    upload(media, "npwp", "01.234.567.8-901.000", FILES / "clipping.png")

    verifier.reload()
    npwp_doc = verifier.locator("article[data-kind='npwp']")
    npwp_doc.get_by_label("Catatan").fill("Terbaca")
    npwp_doc.get_by_role("button", name="Terima").click()
    verifier.get_by_role("button", name=f"Aktifkan untuk tahun {YEAR}").click()
    assert f"aktif untuk tahun {YEAR}" in verifier.content()

    media.reload()
    assert media.locator(".status-active").inner_text() == "Aktif"
    assert f"Semua persyaratan tahun {YEAR} terpenuhi" in media.content()
    shot(media, "07-aktif")

    media.get_by_role("button", name="English").click()
    assert "Every requirement" in media.content()


def test_a_media_user_cannot_open_another_companys_page(portal, browser_context):
    with portal.rpc("admin", sub="kominfo.ani") as admin:
        other = admin.partners.register_partner(partner=company(801))["partner_id"]
    page = browser_context().new_page()
    sign_up(page, portal.base, "Media Lain", "redaksi@medialain.id", PASSWORD)
    fill_company(page, npwp="099888777666555")
    page.get_by_label("Nama badan hukum").fill("PT Media Lain Sejahtera")
    page.get_by_label("Nama pemilik rekening").fill("PT Media Lain Sejahtera")
    page.get_by_label("NIB").fill("9998887776665")
    page.get_by_role("button", name="Daftarkan").click()
    arrive(page, "/portal/perusahaan/" + UUID)
    answer = page.goto(f"{portal.base}/portal/perusahaan/{other}")
    assert answer.status == 403
    assert "SumselNews801" not in page.content()
    assert page.goto(f"{portal.base}/portal/verifikasi").status == 403


def test_a_form_without_its_csrf_token_is_refused(portal, browser_context):
    page = browser_context().new_page()
    log_in(page, portal.base, "verifikasi.budi@okikab.go.id", STAFF_PASSWORD)
    # The browser's own cookies, a form another site would post: no csrf_token.
    answer = page.request.post(f"{portal.base}/portal/akun",
                               form={"old_password": STAFF_PASSWORD,
                                     "password": "Diganti-Penyerang-1"})
    assert answer.status == 403
    assert "Formulir ditolak" in answer.text()
    wrong = page.request.post(f"{portal.base}/portal/akun", form={
        "csrf_token": "x" * 43, "old_password": STAFF_PASSWORD,
        "password": "Diganti-Penyerang-1"})
    assert wrong.status == 403
    log_in(page, portal.base, "verifikasi.budi@okikab.go.id", STAFF_PASSWORD)  # unchanged
    arrive(page, "/portal/verifikasi$")


def test_a_brand_name_carrying_a_script_is_shown_as_text(portal, browser_context, shot):
    with portal.rpc("admin", sub="kominfo.ani") as admin:
        admin.partners.register_partner(partner=company(802, brand_name=XSS))
    page = browser_context().new_page()
    log_in(page, portal.base, "verifikasi.budi@okikab.go.id", STAFF_PASSWORD)
    assert XSS in page.locator("table").inner_text()
    assert page.evaluate("window.__xss") is None
    shot(page, "08-xss-sebagai-teks")


def test_a_form_past_the_size_limit_is_refused_and_the_portal_answers_on(portal,
                                                                          browser_context):
    page = browser_context().new_page()
    log_in(page, portal.base, "verifikasi.budi@okikab.go.id", STAFF_PASSWORD)
    page.goto(f"{portal.base}/portal/akun")
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(f"{portal.base}/portal/akun", multipart={
        "csrf_token": csrf, "file": {"name": "scan.pdf", "mimeType": "application/pdf",
                                     "buffer": b"%PDF-1.4\n" + bytes(11 * 2**20)}})
    assert answer.status == 413
    assert "paling besar 10 MB" in answer.text()
    fields = page.request.post(f"{portal.base}/portal/akun", form={
        "csrf_token": csrf, "old_password": "x" * (2 * 2**20)})
    assert fields.status == 413
    assert page.goto(f"{portal.base}/portal/akun").status == 200
