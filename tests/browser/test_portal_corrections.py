"""A media company corrects its file in the portal, in a real browser (issue 15).

The services and the gateway run as processes on RabbitMQ and PostgreSQL. A company's person,
signed up and registered through the portal, lists a reporter and takes them off the list
again: a reason of blanks is refused beside its field, a real one is recorded. Another company
asks to change its brand name and its bank account: an account held by a person is refused with
partners' reason in Indonesian beside the holder, one missing its bank beside the bank; the
verifier sees each pending change as old → new, rejects the account with a note the company
then reads, approves the brand name, and the company's page carries the new name. A
journalist's NIK is never text on either page, nor in an address.
"""
import re

import pytest

from shared.config import Settings
from tests.browser.test_portal_registration import (POLICY, UUID, arrive, fill_company,
                                                     log_in, sign_up)
from tests.integration.cluster import behind_gateway

pytestmark = pytest.mark.integration

SERVICES = ("partners", "accounts")
YEAR = Settings.from_env().today().year  # the regency's year as the portal judges it (WIB)
PASSWORD = "Redaksi-Kayuagung-2026"
VERIFIER = "verifikasi.dewi@okikab.go.id"
STAFF_PASSWORD = "Verifikasi-OKI-2026"
CHIEF_NIK = "1601234567890007"
REPORTER_NIK = "1601234567890015"


@pytest.fixture(scope="module")
def portal(rabbit, postgres, tmp_path_factory):
    with behind_gateway(postgres, tmp_path_factory.mktemp("corrections"), SERVICES,
                        "pk") as cluster:
        with cluster.rpc("admin", sub="kominfo.ani") as admin:
            admin.partners.set_requirement_policy(fiscal_year=YEAR, policy=POLICY)
            admin.accounts.open_account(email=VERIFIER, password=STAFF_PASSWORD,
                                        name="Dewi Verifikator", roles=["verifier", "admin"])
        yield cluster


def register(page, base: str, email: str, npwp: str, legal_name: str, brand: str) -> str:
    """Sign up as the company's person and register it through the portal: its id."""
    sign_up(page, base, "Rina Redaksi", email, PASSWORD)
    arrive(page, "/portal/perusahaan/baru$")
    fill_company(page, npwp=npwp)
    page.get_by_label("Nama badan hukum").fill(legal_name)
    page.get_by_label("Nama media").fill(brand)
    page.get_by_label("Nama pemilik rekening").fill(legal_name)
    page.get_by_role("button", name="Daftarkan").click()
    return re.search(UUID, arrive(page, "/portal/perusahaan/" + UUID)).group()


def list_journalist(page, nik: str, name: str, role: str, ukw: str, certificate=None) -> None:
    form = page.locator("form.journalist-form")
    form.get_by_label("NIK").fill(nik)
    form.get_by_label("Nama wartawan").fill(name)
    form.get_by_label("Jabatan").select_option(role)
    form.get_by_label("Jenjang UKW").select_option(ukw)
    if certificate:
        form.get_by_label("Nomor sertifikat UKW").fill(certificate)
    form.get_by_role("button", name="Cantumkan wartawan").click()
    assert name in page.locator("ul.journalists").inner_text()


def ask_for_change(page, reason: str, **fields) -> None:
    """Fill the identity-change form (labels as the page shows them) and send it."""
    form = page.locator("form.identity-form")
    for label, value in fields.items():
        form.get_by_label(label.replace("_", " "), exact=True).fill(value)
    form.get_by_label("Alasan perubahan").fill(reason)
    form.get_by_role("button", name="Ajukan perubahan").click()


def assert_no_nik_shown(page, *niks: str) -> None:
    shown = page.locator("body").inner_text()
    for nik in niks:
        assert nik not in shown
        assert nik not in page.url


def test_a_company_takes_a_reporter_off_its_list_with_a_reason(portal, browser_context, shot):
    media = browser_context("phone").new_page()
    partner_id = register(media, portal.base, "redaksi@kayuagungnews.id", "012345678901000",
                          "PT Kayuagung Media Nusantara", "KayuagungNews")
    list_journalist(media, CHIEF_NIK, "Hendra Pemimpin Redaksi", "chief_editor", "utama",
                    "UKW-00007")
    list_journalist(media, REPORTER_NIK, "Sari Wartawati", "reporter", "none")
    # The NIK is in the removal forms' hidden fields (this is the company's own page), and
    # nowhere a person reads it.
    assert REPORTER_NIK in media.locator("ul.journalists input[type=hidden][name=nik]")\
        .evaluate_all("inputs => inputs.map(i => i.value).join(' ')")
    assert_no_nik_shown(media, CHIEF_NIK, REPORTER_NIK)

    reporter = media.locator("ul.journalists li", has_text="Sari Wartawati")
    reporter.locator("summary", has_text="Hapus dari daftar").click()
    reporter.get_by_label("Alasan penghapusan").fill("   ")  # passes the browser, not partners
    reporter.get_by_role("button", name="Hapus Sari Wartawati").click()
    reporter = media.locator("ul.journalists li", has_text="Sari Wartawati")
    error = reporter.locator("p.error").inner_text()
    assert "harus 1 sampai 1000 karakter (terisi 0)" in error, error
    assert reporter.get_by_label("Alasan penghapusan").get_attribute("aria-invalid") == "true"
    assert "Periksa isian yang ditandai" in media.locator(".alert").inner_text()
    assert_no_nik_shown(media, CHIEF_NIK, REPORTER_NIK)
    shot(media, "60-wartawan-alasan-kosong")

    reporter.get_by_label("Alasan penghapusan").fill("Pindah ke media lain per 1 Mei")
    reporter.get_by_role("button", name="Hapus Sari Wartawati").click()
    arrive(media, f"/portal/perusahaan/{partner_id}\\?pesan=")
    assert "Wartawan dihapus dari daftar" in media.locator(".notice").inner_text()
    listed = media.locator("ul.journalists").inner_text()
    assert "Sari Wartawati" not in listed and "Hendra Pemimpin Redaksi" in listed
    assert REPORTER_NIK not in media.content()
    assert_no_nik_shown(media, CHIEF_NIK)
    shot(media, "60-wartawan-dihapus")

    # partners recorded it: the NIK is free again, so the company may list the reporter anew.
    list_journalist(media, REPORTER_NIK, "Sari Wartawati", "reporter", "none")


def test_a_company_asks_for_a_new_name_and_account_and_a_verifier_decides(
        portal, browser_context, shot):
    media = browser_context("phone").new_page()
    partner_id = register(media, portal.base, "redaksi@ogannews.id", "098765432109000",
                          "PT Ogan Media Nusantara", "OganNews")
    list_journalist(media, "1602987654321001", "Yusuf Pemimpin Redaksi", "chief_editor",
                    "madya", "UKW-00411")
    assert "Belum ada perubahan identitas" in media.content()

    ask_for_change(media, "Nama merek baru sejak Januari", Nama_media="Ogan Pos")
    arrive(media, f"/portal/perusahaan/{partner_id}\\?pesan=")
    asked = media.locator(".identity-changes li").first.inner_text()
    assert "Menunggu verifikasi" in asked and "Ogan Pos" in asked, asked
    assert media.locator("h1").inner_text() == "OganNews"  # nothing changes before a decision

    # An account held by a person: partners' reason, in Indonesian, beside the holder.
    ask_for_change(media, "Rekening operasional baru", Bank="Bank Rakyat Indonesia",
                   Nomor_rekening="002101998877", Nama_pemilik_rekening="Rina Sari")
    holder = media.locator("[id='bank_account.holder-error']").inner_text()
    assert "pemilik rekening 'Rina Sari' bukan perusahaan 'PT Ogan Media Nusantara'" in holder
    assert "rekening harus atas nama perusahaan sendiri" in holder
    assert media.locator("form.identity-form [name='bank_account.number']")\
        .input_value() == "002101998877"  # what was typed stays in the form
    shot(media, "61-rekening-bukan-perusahaan")

    # An account is replaced whole: without its bank, the schema says so beside the bank.
    form = media.locator("form.identity-form")
    form.locator("[name='bank_account.bank']").fill("")
    form.locator("[name='bank_account.holder']").fill("PT Ogan Media Nusantara")
    form.get_by_role("button", name="Ajukan perubahan").click()
    assert "Wajib diisi" in media.locator("[id='bank_account.bank-error']").inner_text()

    ask_for_change(media, "Rekening operasional baru", Bank="Bank Rakyat Indonesia",
                   Nomor_rekening="002101998877", Nama_pemilik_rekening="PT Ogan Media Nusantara")
    arrive(media, f"/portal/perusahaan/{partner_id}\\?pesan=")
    assert media.locator(".identity-changes li.decision-pending").count() == 2

    verifier = browser_context("desktop").new_page()
    log_in(verifier, portal.base, VERIFIER, STAFF_PASSWORD)
    arrive(verifier, "/portal/verifikasi$")
    row = verifier.locator("tr", has_text="OganNews")
    assert "Perubahan identitas (2)" in row.inner_text()
    row.get_by_role("link", name="Periksa").click()
    arrive(verifier, f"/portal/verifikasi/{partner_id}$")
    brand = verifier.locator("article.identity-change", has_text="Ogan Pos")
    assert "OganNews → Ogan Pos" in brand.inner_text()
    account = verifier.locator("article.identity-change", has_text="Bank Rakyat Indonesia")
    shown = account.inner_text()
    # A verifier reads account numbers in clear (partners answers them so to that role).
    assert "1402001234 → 002101998877" in shown, shown
    assert "Bank Sumsel Babel → Bank Rakyat Indonesia" in shown
    assert "PT Ogan Media Nusantara (tidak berubah)" in shown
    assert_no_nik_shown(verifier, "1602987654321001")
    shot(verifier, "61-verifikasi-perubahan")

    # A note of blanks is refused beside the note; nothing is decided.
    account.get_by_label("Catatan").fill("  ")
    account.get_by_role("button", name="Tolak perubahan").click()
    account = verifier.locator("article.identity-change", has_text="Bank Rakyat Indonesia")
    assert "harus 1 sampai 1000 karakter" in account.locator("p.error").inner_text()
    account.get_by_label("Catatan").fill("Lampirkan surat keterangan rekening dari bank")
    account.get_by_role("button", name="Tolak perubahan").click()
    assert "Perubahan identitas ditolak" in verifier.locator(".notice").inner_text()
    brand = verifier.locator("article.identity-change", has_text="Ogan Pos")
    brand.get_by_label("Catatan").fill("Sesuai akta perubahan nama")
    brand.get_by_role("button", name="Setujui").click()
    assert "disetujui" in verifier.locator(".notice").inner_text()
    assert verifier.locator("article.identity-change").count() == 0
    assert verifier.locator("h1").inner_text() == "Ogan Pos"

    media.goto(f"{portal.base}/portal/perusahaan/{partner_id}")
    assert media.locator("h1").inner_text() == "Ogan Pos"
    rejected = media.locator(".identity-changes li.decision-rejected").inner_text()
    assert "Ditolak" in rejected
    assert "Lampirkan surat keterangan rekening dari bank" in rejected
    approved = media.locator(".identity-changes li.decision-approved").inner_text()
    assert "Disetujui" in approved and "Sesuai akta perubahan nama" in approved
    facts = media.locator("dl.facts").first.inner_text()
    assert "1402001234" in facts and "002101998877" not in facts  # the old account holds
    assert_no_nik_shown(media, "1602987654321001")
    shot(media, "61-perubahan-diputuskan")

    media.get_by_role("button", name="English").click()
    assert "Ask to change the identity" in media.content()
    assert "Verifier's note" in media.locator(".identity-changes").inner_text()
