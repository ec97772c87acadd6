"""A year's whole round in the portal, in a real browser: what `make run` promises a new user.

The services and the gateway run as processes on RabbitMQ and PostgreSQL, as compose runs them;
Kominfo has set the year's requirements and rubric and opened the staff's accounts. Then, each
person in a browser session of their own: a media company signs up on a phone, registers,
uploads its deed and NPWP and lists its chief editor; a verifier records its press-council
status, accepts the documents and activates it; an assessor scores it and finalises tier A;
finance sets the budget (a pagu typed as words is refused beside its field), the tier ceiling
and the standard prices, signs the contract and orders an advertorial; the company files its
proof, with the clipping, before the deadline; finance opens the clipping, accepts the proof,
reads the taxes before confirming the SP2D and pays it once (the same confirmation sent again
pays nothing more); the company sees what it was paid after the tax withheld; an auditor
downloads the payment ledger as CSV. A media company's user is refused finance's pages.
"""
import csv
import io
import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from shared.config import Settings
from tests.browser.test_portal_registration import (add_chief_editor, arrive, fill_company,
                                                    log_in, sign_up, told, upload)
from tests.integration.cluster import behind_gateway
from tests.support import POLICY_2026, RUBRIC_2026

pytestmark = pytest.mark.integration

FILES = Path(__file__).parent.parent / "files"
SERVICES = ("partners", "assessment", "contracts", "projector", "reporting", "accounts")
TODAY = Settings.from_env().today()  # the regency's date as the portal judges it (WIB)
YEAR = TODAY.year
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
STAFF = {"verifier": "verifikasi.budi@okikab.go.id", "assessor": "penilai.citra@okikab.go.id",
         "finance": "ppk.dedi@okikab.go.id", "auditor": "eka@inspektorat.okikab.go.id"}
PASSWORD = "Tahun-Anggaran-OKI-2026"
MEDIA = "redaksi@kayuagungnews.id"
ACTIVITY = "2.16.01.2.06.0001"
SP2D = f"00017/SP2D-LS/{YEAR}"


@pytest.fixture(scope="module")
def portal(rabbit, postgres, tmp_path_factory):
    with behind_gateway(postgres, tmp_path_factory.mktemp("year"), SERVICES, "py") as cluster:
        with cluster.rpc("admin", sub="kominfo.ani") as admin:
            admin.partners.set_requirement_policy(fiscal_year=YEAR, policy=POLICY_2026)
            admin.assessment.set_rubric(fiscal_year=YEAR, rubric=RUBRIC_2026)
            for role, email in STAFF.items():
                # activation is the admin's (partners' activate_partner): Kominfo's head of
                # verification holds both roles
                roles = ["verifier", "admin"] if role == "verifier" else [role]
                admin.accounts.open_account(email=email, password=PASSWORD,
                                            name=role.title(), roles=roles)
        yield SimpleNamespace(cluster=cluster, base=cluster.base)


def staff(browser_context, base: str, role: str):
    page = browser_context("desktop").new_page()
    log_in(page, base, STAFF[role], PASSWORD)
    arrive(page, "/portal/(?!masuk)")
    return page


def opened(page, url: str) -> None:
    answer = page.goto(url)
    assert answer.status == 200, page.locator("main").inner_text()


def reload_until(page, url: str, check, timeout: float = 30):
    """Reporting reads the services' events a moment behind: reload until `check(page)`."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        if check(page):
            return
        assert time.monotonic() < deadline, page.locator("main").inner_text()
        time.sleep(0.5)


def test_a_years_whole_round_in_the_browser(portal, browser_context, shot):
    base = portal.base

    # The media company registers on a phone --------------------------------------------
    media = browser_context("phone").new_page()
    sign_up(media, base, "Rina Redaksi", MEDIA, PASSWORD)
    arrive(media, "/portal/perusahaan/baru$")
    fill_company(media, npwp="012345678901000")
    media.get_by_role("button", name="Daftarkan").click()
    partner_id = re.search(UUID, arrive(media, "/portal/perusahaan/" + UUID)).group()
    for kind, number in (("deed", "AHU-0012345.AH.01.01"), ("nib", "1234567890123"),
                         ("npwp", "01.234.567.8-901.000"), ("tax_return", "SPT-2025-0042"),
                         ("domicile", "SKD-470/2025")):
        form = media.locator("form[enctype='multipart/form-data']")
        form.get_by_label("Berlaku sampai").fill(f"{YEAR + 1}-12-31")
        upload(media, kind, number, FILES / "npwp-scan.pdf")
        assert "menunggu verifikasi" in media.content(), media.locator("main").inner_text()
    add_chief_editor(media)

    # The verifier activates it ----------------------------------------------------------
    verifier = staff(browser_context, base, "verifier")
    verifier.goto(f"{base}/portal/verifikasi/{partner_id}")
    council = verifier.locator("form.council-form")
    council.get_by_label("Status verifikasi Dewan Pers").select_option("factual")
    council.get_by_label("Nomor sertifikat").fill("DP/123/2025")
    council.get_by_label("Tanggal pemeriksaan").fill("2025-06-01")
    council.get_by_role("button", name="Catat status Dewan Pers").click()
    while verifier.locator("article.review-pending").count():
        document = verifier.locator("article.review-pending").first
        document.get_by_label("Catatan").fill("Sesuai")
        document.get_by_role("button", name="Terima").click()
    verifier.get_by_role("button", name=f"Aktifkan untuk tahun {YEAR}").click()
    assert f"aktif untuk tahun {YEAR}" in verifier.content(), verifier.content()

    # The assessor scores it: tier A -------------------------------------------------------
    assessor = staff(browser_context, base, "assessor")
    reload_until(assessor, f"{base}/portal/penilaian/{partner_id}",
                 lambda p: p.locator("form[data-criterion='traffic']").count() > 0)
    for code, value, reason in (("regularity", "90", "Terbit setiap hari sepanjang tahun"),
                                ("traffic", "80", "Rata-rata 40.000 pembaca sebulan")):
        form = assessor.locator(f"form[data-criterion='{code}']")
        form.locator("[name=score]").fill(value)
        form.locator("[name=reason]").fill(reason)
        form.get_by_role("button", name="Simpan nilai").click()
    assessor.get_by_role("button", name="Finalisasi penilaian").click()
    assert assessor.locator("dd.tier").inner_text() == "A"

    # Finance: budget, ceiling, prices, contract, order -----------------------------------
    finance = staff(browser_context, base, "finance")
    assert finance.evaluate("location.pathname") == "/portal/keuangan/pesanan"
    opened(finance, f"{base}/portal/keuangan")
    budget = finance.locator("form.budget-form")
    budget.get_by_label("Kode kegiatan").fill(ACTIVITY)
    budget.get_by_label("Nama kegiatan").fill("Publikasi dan kemitraan media")
    budget.get_by_label("Pagu (rupiah)").fill("lima ratus juta")
    budget.get_by_role("button", name="Simpan pagu").click()
    assert "bilangan bulat" in finance.locator("#pagu-error").inner_text()
    assert finance.locator("#pagu").get_attribute("aria-invalid") == "true"
    finance.locator("form.budget-form").get_by_label("Pagu (rupiah)").fill("500.000.000")
    finance.locator("form.budget-form").get_by_role("button", name="Simpan pagu").click()
    told(finance, f"Pagu kegiatan {ACTIVITY} disimpan")
    ceiling = finance.locator("form.ceiling-form")
    ceiling.get_by_label("Tier").fill("A")
    ceiling.get_by_label("Plafon per mitra setahun (rupiah)").fill("100.000.000")
    ceiling.get_by_role("button", name="Simpan plafon").click()
    assert "Rp100.000.000" in finance.locator("table.ceilings").inner_text()

    opened(finance, f"{base}/portal/keuangan/harga")
    assert f"Belum ada harga standar untuk {YEAR}" in finance.content()
    prices = finance.locator("form.prices-form")
    prices.get_by_label("Berlaku sejak").fill(f"{YEAR}-01-01")
    prices.locator("[name='items.0.media_type']").select_option("online")
    prices.locator("[name='items.0.tier']").fill("A")
    prices.locator("[name='items.0.product']").select_option("advertorial")
    prices.locator("[name='items.0.unit']").select_option("item")
    prices.locator("[name='items.0.unit_price']").fill("2.500.000")
    prices.get_by_role("button", name="Terbitkan harga").click()
    told(finance, "Harga standar versi 1 terbit")
    assert "Rp2.500.000" in finance.locator("section.price-version").inner_text()
    # the next version's form starts from the prices in force
    assert finance.locator("[name='items.0.unit_price']").input_value() == "2500000"
    shot(finance, "50-harga-standar")

    opened(finance, f"{base}/portal/keuangan/pajak")
    assert "Hari ini berlaku versi 0" in finance.content()
    shot(finance, "51-aturan-pajak")

    opened(finance, f"{base}/portal/keuangan/kontrak")
    sign = finance.locator("form.contract-form")
    sign.get_by_label("Nomor SPK").fill(f"001/SPK/KOMINFO/{YEAR}")
    sign.get_by_label("Mitra").select_option(label="KayuagungNews")
    sign.get_by_label("Kegiatan").select_option(ACTIVITY)
    sign.get_by_label("Nilai kontrak (rupiah, DPP + PPN)").fill("150.000.000")
    sign.get_by_label("Mulai").fill(f"{YEAR}-01-01")
    sign.get_by_label("Berakhir").fill(f"{YEAR}-12-31")
    sign.get_by_role("button", name="Tanda tangani").click()
    assert "Rp100.000.000" in finance.locator("#ceiling-error").inner_text()  # tier A's
    finance.locator("form.contract-form").get_by_label(
        "Nilai kontrak (rupiah, DPP + PPN)").fill("50.000.000")
    finance.locator("form.contract-form").get_by_role("button", name="Tanda tangani").click()
    contract_id = re.search(UUID, arrive(finance, "/portal/keuangan/kontrak/" + UUID)).group()
    told(finance, f"Kontrak 001/SPK/KOMINFO/{YEAR} ditandatangani (tier A)")

    order = finance.locator("form.order-form")
    order.get_by_label("Produk").select_option("advertorial")
    order.get_by_label("Jumlah").fill("1")
    order.get_by_label("Judul").fill("Sosialisasi vaksinasi HPV di Kayuagung")
    order.get_by_label("Tayang paling lambat").fill(TODAY.isoformat())
    order.get_by_role("button", name="Pesan").click()
    told(finance, "Rp2.775.000")  # DPP 2,500,000 + PPN 11%
    assert finance.locator("dd.remaining").inner_text() == "Rp47.225.000"
    shot(finance, "52-kontrak-dan-pesanan")

    # The company files its proof before the deadline --------------------------------------
    media.goto(f"{base}/portal/perusahaan/{partner_id}/pesanan")
    assert f"001/SPK/KOMINFO/{YEAR}" in media.locator("table.contracts").inner_text()
    article = media.locator("article.order").first
    assert "hari ini batasnya" in article.inner_text() or "hari lagi" in article.inner_text()
    article.get_by_label("Jenis bukti").select_option("clipping")
    article.get_by_label("Tautan atau keterangan").fill("Kayuagung News, halaman 3")
    article.get_by_label("Tanggal tayang").fill(TODAY.isoformat())
    article.get_by_label("Jumlah pembaca/penonton (boleh kosong)").fill("12.500")
    article.get_by_label("Berkas").set_input_files(str(FILES / "clipping.jpg"))
    article.get_by_role("button", name="Kirim bukti").click()
    told(media, "Bukti tayang terkirim")

    # Finance opens the clipping, accepts the proof, checks the taxes and pays -------------
    opened(finance, f"{base}/portal/keuangan/pesanan")
    waiting = finance.locator("article[data-order]").first
    order_id = waiting.get_attribute("data-order")
    assert "12.500" in waiting.inner_text()
    clipping = finance.request.get(f"{base}/portal/bukti/{order_id}")
    assert clipping.status == 200 and clipping.headers["content-type"] == "image/jpeg"
    assert clipping.body() == (FILES / "clipping.jpg").read_bytes()
    shot(finance, "53-bukti-diperiksa")
    # two lines: the browser sends the break as CR LF, which the services' free text refuses
    waiting.get_by_label("Catatan (BAST atau alasan penolakan)").fill(
        "BAST 027/BAST/2026\nDiterima utuh, halaman 3")
    waiting.get_by_role("button", name="Terima (BAST)").click()
    told(finance, "Bukti tayang diterima")
    reload_until(finance, f"{base}/portal/keuangan/pesanan",
                 lambda p: "1" == p.locator("table.ages tr[data-age='0–30'] td").nth(1)
                 .inner_text())

    pay = finance.locator(f"article[data-order='{order_id}'] form.pay-form")
    pay.get_by_label("Nomor SP2D").fill(SP2D)
    pay.get_by_label("Tanggal SP2D").fill(TODAY.isoformat())
    pay.get_by_role("button", name="Periksa pajak").click()
    figures = {cell.get_attribute("data-figure"): cell.inner_text()
               for cell in finance.locator("td[data-figure]").all()}
    assert figures == {"dpp": "Rp2.500.000", "ppn": "Rp275.000", "ppn_collected": "Rp275.000",
                       "pph23": "Rp50.000", "paid_to_partner": "Rp2.450.000",
                       "realised": "Rp2.775.000"}
    assert "Bank Sumsel Babel ••••1234" in finance.locator("dd.account").inner_text()
    shot(finance, "54-periksa-pembayaran")
    confirmation = {name: finance.locator(f"form.confirm-form [name={name}]")
                    .get_attribute("value")
                    for name in ("csrf_token", "sp2d_number", "paid_on", "command_id")}
    finance.get_by_role("button", name="Catat pembayaran").click()
    told(finance, f"Pembayaran SP2D {SP2D} dicatat: Rp2.450.000 diterima mitra")
    again = finance.request.post(
        f"{base}/portal/keuangan/pesanan/{order_id}/bayar/konfirmasi", form=confirmation)
    assert "dicatat" in again.text()  # the same confirmation answers as before
    opened(finance, f"{base}/portal/keuangan")
    realised = finance.locator(f"tr[data-activity='{ACTIVITY}'] td").nth(3).inner_text()
    assert realised == "Rp2.775.000"  # paid once
    shot(finance, "55-anggaran")

    # The company sees what it was paid ------------------------------------------------
    media.goto(f"{base}/portal/perusahaan/{partner_id}/pesanan")
    payment = media.locator("table.payment").inner_text()
    assert SP2D in payment and "Rp50.000" in payment and "Rp2.450.000" in payment
    shot(media, "56-dibayar-ponsel")

    # An auditor downloads the payment ledger -------------------------------------------
    auditor = staff(browser_context, base, "auditor")
    ledger = f"{base}/portal/laporan/csv?nama=payments&tahun={YEAR}"
    deadline = time.monotonic() + 30
    while SP2D not in (body := auditor.request.get(ledger).text()):
        assert time.monotonic() < deadline, body
        time.sleep(0.5)
    [row] = list(csv.DictReader(io.StringIO(body)))
    assert (row["nomor_sp2d"], row["bruto"], row["pph23"], row["neto"]) == (
        SP2D, "2500000", "50000", "2450000")


def test_a_media_company_cannot_open_finances_pages(portal, browser_context):
    page = browser_context("phone").new_page()
    sign_up(page, portal.base, "Media Lain", "redaksi@medialain.id", PASSWORD)
    for path in ("/portal/keuangan", "/portal/keuangan/kontrak", "/portal/keuangan/pesanan"):
        assert page.goto(f"{portal.base}{path}").status == 403, path
