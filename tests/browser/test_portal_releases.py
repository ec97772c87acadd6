"""Press releases in the portal (issue 16), in a real browser.

The services and the gateway run as processes on RabbitMQ and PostgreSQL, as compose runs them.
Two partners are active and tiered for the year: KayuagungNews, online, whose editor registered
it from their own account, and the daily Harian OKI Ekspres. Kominfo's press office (humas)
writes a release without a title and is told beside the field; sends it to the online partners
with its PDF; and sends a second one to everyone under an embargo that ends tomorrow morning.
The online editor, on a phone, sees the first and not the embargoed one, opens it and its
attachment, files the pickup with a date before the release (refused beside the date), then
with the right date and the clipping. The press office sees who picked it up and when, opens
the clipping and accepts it with a note; the editor reads "Diterima" and the note. The daily
never sees the release meant for online media. Each page is saved as a screenshot.
"""
import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest

from services.gateway.portal.text import tanggal
from shared.config import Settings
from shared.errors import NotFound
from tests.browser.test_portal_registration import arrive, log_in
from tests.integration.cluster import behind_gateway
from tests.integration.scenarios import eventually, open_year, tier_partner
from tests.support import company

pytestmark = pytest.mark.integration

FILES = Path(__file__).parent.parent / "files"
SERVICES = ("partners", "assessment", "contracts", "accounts")
TODAY = Settings.from_env().today()  # the regency's date, as the portal and contracts judge
YEAR = TODAY.year
TOMORROW = TODAY + dt.timedelta(days=1)
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
HUMAS = "humas.fitri@okikab.go.id"
EDITOR = "redaksi@kayuagungnews.id"
PASSWORD = "Siaran-Pers-OKI-2026"
TITLE = "Bupati resmikan Pasar Kayuagung"
BODY = ("KAYUAGUNG — Bupati Ogan Komering Ilir meresmikan Pasar Kayuagung, Kamis.\n"
        "Pasar baru menampung 400 pedagang.")
EMBARGOED = "Jadwal vaksinasi HPV di sekolah"


@pytest.fixture(scope="module")
def portal(rabbit, postgres, tmp_path_factory):
    with behind_gateway(postgres, tmp_path_factory.mktemp("releases"), SERVICES,
                        "sr") as cluster:
        with cluster.rpc("admin", sub="kominfo.ani") as admin, \
                cluster.rpc("verifier", sub="verifikasi.budi") as verifier, \
                cluster.rpc("assessor", sub="penilai.citra") as assessor:
            open_year(admin, YEAR)
            admin.accounts.open_account(email=HUMAS, password=PASSWORD, name="Fitri Humas",
                                        roles=["humas"])
            with cluster.rpc() as anyone:
                account_id = anyone.accounts.sign_up(email=EDITOR, password=PASSWORD,
                                                     name="Rina Redaksi")["account_id"]
            # the editor registers the company: accounts binds their account to it
            with cluster.rpc("applicant", sub=account_id) as applicant:
                online = applicant.partners.register_partner(partner=company(
                    71, brand_name="KayuagungNews"))["partner_id"]
                assert eventually(lambda: applicant.accounts.my_account()["partner_id"])
            tier_partner(admin, verifier, assessor, online, 71, "A", "online", YEAR)
            daily = admin.partners.register_partner(company(
                72, brand_name="Harian OKI Ekspres", media_type="print_daily"))["partner_id"]
            tier_partner(admin, verifier, assessor, daily, 72, "B", "print_daily", YEAR)
        yield SimpleNamespace(cluster=cluster, base=cluster.base, online=online, daily=daily)


def notice(page) -> str:
    return page.locator(".notice").first.inner_text()


def publish(page, title: str, attachment: Path | None = None, online_only=False,
            embargo: tuple[str, str] | None = None) -> None:
    form = page.locator("form.release-form")
    form.get_by_label("Judul").fill(title)
    form.get_by_label("Isi siaran pers").fill(BODY)
    if online_only:
        form.get_by_label("Media daring (online)").check()
    if embargo:
        form.get_by_label("Tanggal berakhir").fill(embargo[0])
        form.get_by_label("Jam (WIB)").fill(embargo[1])
    if attachment:
        form.get_by_label("Lampiran").set_input_files(str(attachment))
    form.get_by_role("button", name="Kirim siaran pers").click()


def sent(page) -> str:
    """The new release's id, once the page has gone to it (else what the page said)."""
    try:
        href = arrive(page, f"/portal/siaran/{UUID}\\?pesan=", timeout=15)
    except AssertionError:
        raise AssertionError(page.locator("main").inner_text()) from None
    return href.split("/portal/siaran/")[1].split("?")[0]


def file_pickup(page, published_on: dt.date) -> None:
    form = page.locator("form.pickup-form")
    form.get_by_label("Jenis bukti").select_option("link")
    form.get_by_label("Tautan atau keterangan").fill("https://kayuagungnews.id/2026/pasar-baru")
    form.get_by_label("Tanggal tayang").fill(published_on.isoformat())
    form.get_by_label("Jumlah pembaca").fill("12.500")
    form.get_by_label("Kliping atau tangkapan layar").set_input_files(
        str(FILES / "clipping.jpg"))
    form.get_by_role("button", name="Kirim laporan pemuatan").click()


def test_the_press_office_sends_releases_and_accepts_an_online_partners_pickup(
        portal, browser_context, shot):
    base = portal.base
    pdf, jpeg = (FILES / "npwp-scan.pdf").read_bytes(), (FILES / "clipping.jpg").read_bytes()

    desk = browser_context("desktop").new_page()
    log_in(desk, base, HUMAS, PASSWORD)
    arrive(desk, "/portal/siaran$")  # the press office's home
    assert desk.locator("h1").inner_text() == f"Siaran pers {YEAR}"
    assert desk.locator("form.release-form [name=release_date]").input_value() == \
        TODAY.isoformat()
    options = desk.locator("#partner_ids option").all_inner_texts()
    assert options == ["Harian OKI Ekspres (Surat kabar harian)",
                       "KayuagungNews (Media daring (online))"]

    # a title of blanks is no title: refused beside the field, the rest kept
    publish(desk, "   ", FILES / "npwp-scan.pdf", online_only=True)
    arrive(desk, "/portal/siaran/baru$")
    assert "harus 1 sampai 300 karakter" in desk.locator("#title-error").inner_text()
    assert desk.locator("#title").get_attribute("aria-invalid") == "true"
    assert desk.locator("#body").input_value() == BODY
    assert desk.get_by_label("Media daring (online)").is_checked()
    assert desk.locator("article.release").count() == 0  # nothing was sent
    shot(desk, "70-siaran-judul-kosong")

    publish(desk, TITLE, FILES / "npwp-scan.pdf")  # online is still ticked
    release_id = sent(desk)
    assert notice(desk) == "Siaran pers terkirim kepada 1 mitra."
    assert desk.locator("dd.audience").inner_text() == "Media daring (online)"
    assert "Belum memuat" in desk.locator(f".sent-to li[data-partner='{portal.online}']") \
        .inner_text()

    desk.goto(f"{base}/portal/siaran")
    publish(desk, EMBARGOED, embargo=(TOMORROW.isoformat(), "09:00"))
    embargoed_id = sent(desk)
    assert notice(desk) == "Siaran pers terkirim kepada 2 mitra."
    assert desk.locator("dd.embargo").inner_text() == f"sampai {tanggal(TOMORROW)} 09.00 WIB"
    desk.goto(f"{base}/portal/siaran")
    # both of today (newest first by date): the embargo said on the embargoed one alone
    assert sorted(desk.locator("article.release h2").all_inner_texts()) == sorted(
        [EMBARGOED, TITLE])
    assert desk.locator(f"article[data-release='{embargoed_id}'] dd.embargo").inner_text() \
        == f"sampai {tanggal(TOMORROW)} 09.00 WIB"
    assert desk.locator(f"article[data-release='{release_id}'] dd.embargo").inner_text() \
        == "tanpa embargo"
    shot(desk, "71-siaran-daftar-humas")

    # the online editor, on a phone: the first release, not the embargoed one
    editor = browser_context("phone").new_page()
    log_in(editor, base, EDITOR, PASSWORD)
    arrive(editor, f"/portal/perusahaan/{portal.online}")
    editor.get_by_role("link", name="Siaran pers").click()
    arrive(editor, "/portal/siaran$")
    assert editor.locator("article.release h2").all_inner_texts() == [TITLE]
    assert "belum dikirim" in editor.locator("dd.own-pickup").inner_text()
    assert editor.locator("form.release-form").count() == 0
    shot(editor, "72-siaran-media-ponsel")
    assert editor.goto(f"{base}/portal/siaran/{embargoed_id}").status == 404
    assert EMBARGOED not in editor.content()

    editor.goto(f"{base}/portal/siaran")
    editor.get_by_role("link", name=TITLE).click()
    arrive(editor, f"/portal/siaran/{release_id}$")
    assert "Pasar baru menampung 400 pedagang." in editor.locator(".release-body").inner_text()
    attachment = editor.get_by_role("link", name="npwp-scan.pdf")
    opened = editor.request.get(base + attachment.get_attribute("href"))
    assert opened.status == 200 and opened.body() == pdf
    assert opened.headers["content-type"] == "application/pdf"
    assert editor.request.get(f"{base}/portal/siaran/{release_id}/berkas?sha256=../x") \
        .status == 404
    assert editor.locator(".sent-to").count() == 0  # the recipients are the desk's

    # a date before the release: refused beside the date; then the right one
    file_pickup(editor, TODAY - dt.timedelta(days=1))
    arrive(editor, f"/portal/siaran/{release_id}/pemuatan$")
    error = editor.locator("#published_on-error").inner_text()
    assert f"paling awal {tanggal(TODAY)}" in error, error
    assert editor.locator("#published_on").get_attribute("aria-invalid") == "true"
    shot(editor, "73-siaran-tanggal-ditolak-ponsel")
    file_pickup(editor, TODAY)
    arrive(editor, f"/portal/siaran/{release_id}\\?pesan=")
    assert "menunggu pemeriksaan Humas" in notice(editor)
    pickup = editor.locator("article.pickup")
    assert pickup.locator("dd.review").inner_text() == "Menunggu pemeriksaan"
    assert pickup.locator("dd.reach").inner_text() == "pembaca 12.500"
    assert editor.locator("form.pickup-form").count() == 0  # one stands until rejected
    shot(editor, "74-siaran-pemuatan-ponsel")

    # the press office sees who picked it up and when, and accepts it with a note
    desk.goto(f"{base}/portal/siaran/{release_id}")
    article = desk.locator(f"article.pickup[data-partner='{portal.online}']")
    assert article.locator("h3").inner_text() == "KayuagungNews"
    assert article.locator("dd.published-on").inner_text() == tanggal(TODAY)
    recipient = desk.locator(f".sent-to li[data-partner='{portal.online}']").inner_text()
    assert f"Menunggu pemeriksaan · {tanggal(TODAY)}" in recipient
    clipping = desk.request.get(base + article.get_by_role("link", name="clipping.jpg")
                                .get_attribute("href"))
    assert clipping.status == 200 and clipping.body() == jpeg
    article.get_by_label("Catatan Humas").fill("Tayang utuh di halaman depan")
    shot(desk, "75-siaran-periksa-humas")
    article.get_by_role("button", name="Terima pemuatan").click()
    arrive(desk, f"/portal/siaran/{release_id}\\?pesan=")
    assert notice(desk) == "Pemuatan diterima."
    article = desk.locator(f"article.pickup[data-partner='{portal.online}']")
    assert article.locator("dd.review").inner_text() == "Diterima"
    assert article.locator("form").count() == 0
    shot(desk, "76-siaran-pemuatan-diterima")

    editor.goto(f"{base}/portal/siaran/{release_id}")
    pickup = editor.locator("article.pickup")
    assert pickup.locator("dd.review").inner_text() == "Diterima"
    assert pickup.locator("dd.note").inner_text() == "Tayang utuh di halaman depan"
    shot(editor, "77-siaran-diterima-ponsel")
    editor.goto(f"{base}/portal/siaran")
    assert editor.locator("dd.own-pickup").inner_text() == "Diterima"

    # the daily was not among the release's audience: it never sees it
    with portal.cluster.rpc("media", partner_id=portal.daily) as daily:
        assert daily.contracts.list_releases(YEAR) == []
        with pytest.raises(NotFound):
            daily.contracts.get_release(release_id)
