"""Kominfo staff and auditors in the portal, in a real browser, on a year of the demo's round.

The demo's year runs first through RPC (thirty companies, tiers, contracts, orders, proofs and
payments), as `make run` does. Then: an admin opens a finance officer's account in the portal
(a wrong e-mail shown beside its field), resets its password and disables it, and the officer
can no longer log in; an auditor reads every report of the year, sees the budget realisation as
a chart, downloads the payment ledger as CSV (the same bytes as `seklik report payments --format
csv --lang id`), follows the trail of a partner, and reads the signed digests; the auditor looks
at the year's charts on a desktop, on a phone and on paper, in both languages; a media
company's user is refused the reports and the charts; a media company sees what each paid order
brought after the tax withheld and files a proof, with its clipping, before the deadline.
"""
import argparse
import csv
import io
from pathlib import Path
from types import SimpleNamespace

import pytest

from seklik import demo, reports
from services.gateway.portal.auditor import YEARLY
from tests.browser.test_portal_registration import arrive, log_in, sign_up
from services.gateway.portal.text import MONTHS, number, percent, rupiah
from tests.integration.cluster import behind_gateway
from shared.config import Settings
from tests.support import token

pytestmark = pytest.mark.integration

SERVICES = ("partners", "assessment", "contracts", "projector", "reporting", "accounts")
PASSWORD = "Inspektorat-OKI-2026"
FILES = Path(__file__).parent.parent / "files"


@pytest.fixture(scope="module")
def year(rabbit, postgres, tmp_path_factory):
    with behind_gateway(postgres, tmp_path_factory.mktemp("staff"), SERVICES, "ps") as cluster:
        with cluster.rpc("admin", sub="kominfo.ani") as admin, \
                cluster.rpc("verifier", sub="verifikasi.budi") as verifier, \
                cluster.rpc("assessor", sub="penilai.citra") as assessor, \
                cluster.rpc("finance", sub="ppk.dedi") as finance:
            rows = demo.run(admin, verifier, say=lambda line: None)
            demo.assess(admin, assessor, rows, say=lambda line: None)
            demo.trade(finance, rows, say=lambda line: None)
            for role, email in (("admin", "ani@okikab.go.id"),
                                ("auditor", "eka@inspektorat.okikab.go.id")):
                admin.accounts.open_account(email=email, password=PASSWORD, name=role.title(),
                                            roles=[role])
            demo.eventually(lambda: all(r["lag"] == 0 for r in
                                        admin.reporting.projection_status()) or 1 / 0, 60)
        yield SimpleNamespace(cluster=cluster, base=cluster.base, rows=rows)


def test_an_admin_opens_resets_and_disables_a_finance_account(year, browser_context, shot):
    page = browser_context().new_page()
    log_in(page, year.base, "ani@okikab.go.id", PASSWORD)
    page.goto(f"{year.base}/portal/akun-staf")
    form = page.locator("form[action='/portal/akun-staf/baru']")
    form.get_by_label("Nama").fill("Dedi Pejabat Pembuat Komitmen")
    form.get_by_label("E-mail").fill("dedi-bukan-email")
    form.locator("[name=password]").fill("Keuangan-OKI-2026")
    form.get_by_label("Keuangan (PPK/Bendahara)").check()
    page.evaluate("document.querySelector('#email').type = 'text'")  # past the browser's check
    form.get_by_role("button", name="Buka akun staf").click()
    assert page.locator("#email-error").is_visible()
    shot(page, "11-akun-email-salah")
    form = page.locator("form[action='/portal/akun-staf/baru']")
    form.get_by_label("E-mail").fill("ppk.dedi@okikab.go.id")
    form.locator("[name=password]").fill("Keuangan-OKI-2026")
    form.get_by_role("button", name="Buka akun staf").click()
    row = page.locator("tr[data-email='ppk.dedi@okikab.go.id']")
    assert "Keuangan (PPK/Bendahara)" in row.inner_text()

    row.get_by_text("Atur ulang kata sandi").click()
    row.locator("[name=password]").fill("Baru-Keuangan-2026")
    row.get_by_role("button", name="Simpan").click()
    assert "Kata sandi diatur ulang" in page.content()
    row = page.locator("tr[data-email='ppk.dedi@okikab.go.id']")
    row.get_by_text("Nonaktifkan").click()
    row.locator("[name=reason]").fill("Pindah tugas ke BPKAD")
    row.get_by_role("button", name="Kirim").click()
    assert "Nonaktif" in page.locator("tr[data-email='ppk.dedi@okikab.go.id']").inner_text()
    shot(page, "12-akun-staf")

    dedi = browser_context("phone").new_page()
    log_in(dedi, year.base, "ppk.dedi@okikab.go.id", "Baru-Keuangan-2026")
    assert "Akun ini dinonaktifkan" in dedi.content()


def test_an_auditor_reads_every_report_and_downloads_the_ledger(year, browser_context, shot):
    page = browser_context().new_page()
    log_in(page, year.base, "eka@inspektorat.okikab.go.id", PASSWORD)
    arrive(page, "/portal/laporan")
    for name in YEARLY:
        answer = page.goto(f"{year.base}/portal/laporan/tabel?nama={name}&tahun={demo.YEAR}")
        assert answer.status == 200, (name, page.locator("main").inner_text())
    page.goto(f"{year.base}/portal/laporan/tabel?nama=budget&tahun={demo.YEAR}")
    assert page.locator("figure.chart svg").count() == 1
    assert "Rp" in page.locator("table").inner_text()
    shot(page, "13-realisasi-anggaran")

    page.goto(f"{year.base}/portal/laporan/tabel?nama=payments&tahun={demo.YEAR}")
    downloaded = page.request.get(f"{year.base}/portal/laporan/csv?nama=payments"
                                  f"&tahun={demo.YEAR}")
    assert downloaded.headers["content-type"].startswith("text/csv")
    with year.cluster.rpc("auditor", sub="inspektorat.eka") as rpc:
        expected = reports.run(rpc, "payments", argparse.Namespace(
            fiscal_year=demo.YEAR, as_of=None), "csv", "id")
    assert downloaded.text() == expected
    ledger = list(csv.reader(io.StringIO(downloaded.text())))
    assert ledger[0][:2] == ["tanggal_bayar", "nomor_sp2d"] and len(ledger) > 10

    partner = year.rows[0]["partner_id"]
    page.goto(f"{year.base}/portal/jejak?id={partner}")
    assert "PartnerRegistered" in page.locator("table").inner_text()
    page.goto(f"{year.base}/portal/digest")
    assert page.locator("tbody tr").count() == 4
    shot(page, "14-digest")


def test_a_media_user_is_refused_the_reports(year, browser_context):
    page = browser_context().new_page()
    sign_up(page, year.base, "Redaksi Penasaran", "redaksi@penasaran.id", PASSWORD)
    answer = page.goto(f"{year.base}/portal/laporan/tabel?nama=payments&tahun={demo.YEAR}")
    assert answer.status == 403
    assert page.request.get(f"{year.base}/portal/laporan/csv?nama=payments").status == 403
    assert page.goto(f"{year.base}/portal/grafik").status == 403
    assert page.locator("header nav a[href='/portal/grafik']").count() == 0


CHART_TITLES = {"id": ("Realisasi anggaran per kegiatan {}", "Realisasi per bulan {}",
                       "Belanja per tingkat {}", "Belanja per jenis media {}",
                       "Mitra aktif per tingkat {}"),
                "en": ("Budget realisation per activity {}", "Realisation per month {}",
                       "Spending per tier {}", "Spending per media type {}",
                       "Active partners per tier {}")}


def chart_titles(page) -> list[str]:
    return page.eval_on_selector_all("main svg.chart > title",
                                     "els => els.map(e => e.textContent)")


def test_an_auditor_looks_at_the_years_charts_on_a_desktop_a_phone_and_paper(
        year, browser_context, shot):
    """Budget realisation per activity and per month, spending per tier and media type with
    its fairness figures, and the partners per tier: the same figures as the reporting views,
    drawn to the phone's width, in either language; a year with nothing says so in words."""
    with year.cluster.rpc("auditor", sub="inspektorat.eka") as rpc:
        budget = rpc.reporting.budget_realization(fiscal_year=demo.YEAR)
        spending = rpc.reporting.spending(fiscal_year=demo.YEAR, by="tier")
    page = browser_context().new_page()
    log_in(page, year.base, "eka@inspektorat.okikab.go.id", PASSWORD)
    arrive(page, "/portal/laporan")
    page.locator("header nav").get_by_role("link", name="Grafik").click()
    arrive(page, "/portal/grafik")
    page.locator("h1", has_text="Grafik tahun anggaran").inner_text()
    assert chart_titles(page) == [title.format(demo.YEAR) for title in CHART_TITLES["id"]]
    fairness = page.locator(".fairness").inner_text()
    assert "Porsi 10% mitra teratas" in fairness and "Koefisien Gini" in fairness
    assert percent(spending["top10_share"]) in fairness
    assert number(spending["gini"], 3) in fairness and "," in number(spending["gini"], 3)
    # Every partner the fairness figures count stands in one tier's bar of the last chart.
    per_tier = page.locator("main svg.chart").nth(4).locator("desc").text_content()
    counts = [int(part.rsplit(": ", 1)[1].replace(".", "")) for part in per_tier.split("; ")]
    assert sum(counts) == spending["partners"] > 0
    # The demo's payments are all made today: this month holds each activity's realisation.
    month = MONTHS["id"][Settings.from_env().today().month - 1]
    columns = page.eval_on_selector_all("main svg.chart rect.column > title",
                                        "els => els.map(e => e.textContent)")
    for activity in budget:
        if activity["paid"]:
            assert f"{activity['name']}, {month}: {rupiah(activity['paid'])}" in columns
    shot(page, "40-grafik")

    # On A4 paper (portrait, 1 cm margins: 718 CSS pixels wide) every chart takes the width.
    page.set_viewport_size({"width": 718, "height": 1000})
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    assert not page.locator("form.inline-form").is_visible()
    main_width = page.locator("main").bounding_box()["width"]
    for chart in page.locator("main svg.chart").all():
        assert chart.bounding_box()["width"] == pytest.approx(main_width, abs=1)
    shot(page, "42-grafik-cetak")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="English").click()
    # the locator waits (in the browser) for the page the switch comes back to
    page.locator("h1", has_text="Charts of the fiscal year").inner_text()
    assert page.evaluate("location.pathname") == "/portal/grafik"
    assert chart_titles(page) == [title.format(demo.YEAR) for title in CHART_TITLES["en"]]
    fairness = page.locator(".fairness").inner_text()
    assert "Share of the top 10% of partners" in fairness and "Gini coefficient" in fairness
    assert percent(spending["top10_share"]) in fairness

    phone = browser_context("phone").new_page()
    log_in(phone, year.base, "eka@inspektorat.okikab.go.id", PASSWORD)
    arrive(phone, "/portal/laporan")
    phone.goto(f"{year.base}/portal/grafik?tahun={demo.YEAR}")
    assert len(chart_titles(phone)) == 5
    viewport = phone.evaluate("window.innerWidth")
    assert phone.evaluate("document.documentElement.scrollWidth") <= viewport
    for chart in phone.locator("main svg.chart").all():
        box = chart.bounding_box()
        # the drawing's 360 units to nearly the phone's width: its 13px text stays 12px or more
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport
        assert box["width"] >= 12 / 13 * 360
    shot(phone, "41-grafik-ponsel")

    phone.goto(f"{year.base}/portal/grafik?tahun=2031")
    assert phone.locator("main svg").count() == 0
    assert "Belum ada yang dapat digambarkan untuk tahun 2031" in phone.locator(
        "main").inner_text()


def test_a_media_company_sees_what_it_was_paid_and_files_a_proof_in_time(year, browser_context,
                                                                          shot):
    """The session is a media token of a demo company (a token of `seklik token` opens the
    portal as well as one of a login: the cookie holds the token, the services check it)."""
    with year.cluster.rpc("finance", sub="ppk.dedi") as finance:
        for row in year.rows:
            orders = finance.contracts.partner_orders(partner_id=row["partner_id"])
            paid = [o for o in orders if o["status"] == "paid"]
            open_ = [o for o in orders if o["status"] == "placed"]
            if paid and open_:
                break
        else:
            pytest.fail("the demo's year has no company with a paid and an open order")
    partner_id = row["partner_id"]
    context = browser_context("phone")
    context.add_cookies([{"name": "seklik_sesi", "domain": "127.0.0.1", "path": "/portal",
                          "value": token("media", sub="redaksi.demo", partner_id=partner_id),
                          "httpOnly": True, "sameSite": "Strict"}])
    page = context.new_page()
    page.goto(f"{year.base}/portal/perusahaan/{partner_id}/pesanan")
    payment = page.locator(f"article[data-order='{paid[0]['order_id']}'] table.payment")
    figures = payment.inner_text()
    assert rupiah(paid[0]["payment"]["paid_to_partner"]) in figures
    assert rupiah(paid[0]["payment"]["pph23"]) in figures and "PPh 23 dipotong" in figures
    order = page.locator(f"article[data-order='{open_[0]['order_id']}']")
    assert "hari lagi" in order.locator(".days-left").inner_text() \
        or "hari ini" in order.locator(".days-left").inner_text()
    shot(page, "15-pesanan-media")

    order.get_by_label("Jenis bukti").select_option("clipping")
    order.get_by_label("Tautan atau keterangan").fill("Halaman 3, edisi hari ini")
    order.get_by_label("Tanggal tayang").fill(Settings.from_env().today().isoformat())
    order.get_by_label("Jumlah pembaca").fill("12.500")
    order.get_by_label("Berkas").set_input_files(str(FILES / "clipping.jpg"))
    order.get_by_role("button", name="Kirim bukti").click()
    assert "Bukti tayang terkirim" in page.content()
    with year.cluster.rpc("finance", sub="ppk.dedi") as finance:
        filed = finance.contracts.get_order(order_id=open_[0]["order_id"])
    assert filed["status"] == "proof_submitted"
    assert filed["proof"]["reach"] == {"page_views": 12_500}
    # Another company's orders stay closed to this session.
    other = next(r["partner_id"] for r in year.rows if r["partner_id"] != partner_id)
    assert page.goto(f"{year.base}/portal/perusahaan/{other}/pesanan").status == 403
