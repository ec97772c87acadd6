"""The assessment team scores a media company in the portal, in a real browser.

The services and the gateway run as processes on RabbitMQ and PostgreSQL, as compose runs them.
Kominfo has set the year's requirements and rubric (four criteria computed from the partner's
records, two scored by hand) and activated a Kayuagung daily; its press-council status, chief
editor and age already earn it 70 of 100. The assessor opens the year's page and sees the
daily not yet assessed; writes "sepuluh" as a score and is told beside the field that a score
is a number; tries to finalise with one criterion unscored and is told which; scores both,
finalises, and sees tier A, with the history reporting keeps. A media company's user is
refused the assessment pages. Each page is saved as a screenshot in the test's folder.
"""
import re
import time
from types import SimpleNamespace

import pytest

from shared.config import Settings
from tests.browser.test_portal_registration import arrive, log_in
from tests.integration.cluster import behind_gateway
from tests.integration.scenarios import eventually
from tests.support import POLICY_2026, RUBRIC_2026, chief_editor, company, documents_for

pytestmark = pytest.mark.integration

SERVICES = ("partners", "assessment", "projector", "reporting", "accounts")
YEAR = Settings.from_env().today().year  # the regency's year as the portal judges it (WIB)
ASSESSOR = "penilai.citra@okikab.go.id"
PASSWORD = "Penilaian-OKI-2026"
MEDIA = "redaksi@harianokiekspres.id"
COMPUTED = 70  # factual press council 30 + chief editor utama 20 + all certified 10 + age 10


@pytest.fixture(scope="module")
def portal(rabbit, postgres, tmp_path_factory):
    with behind_gateway(postgres, tmp_path_factory.mktemp("assessment"), SERVICES,
                        "pa") as cluster:
        with cluster.rpc("admin", sub="kominfo.ani") as admin, \
                cluster.rpc("verifier", sub="verifikasi.budi") as verifier:
            admin.partners.set_requirement_policy(fiscal_year=YEAR, policy=POLICY_2026)
            admin.assessment.set_rubric(fiscal_year=YEAR, rubric=RUBRIC_2026)
            admin.accounts.open_account(email=ASSESSOR, password=PASSWORD,
                                        name="Citra Penilai", roles=["assessor"])
            daily = company(31, brand_name="Harian OKI Ekspres", media_type="print_daily")
            partner_id = admin.partners.register_partner(partner=daily)["partner_id"]
            for document in documents_for("print_daily"):
                document_id = admin.partners.submit_document(
                    partner_id=partner_id, document=document)["document_id"]
                verifier.partners.review_document(partner_id=partner_id,
                                                  document_id=document_id,
                                                  decision="accepted", note="sesuai")
            verifier.partners.record_press_council_status(partner_id, "factual", "DP-31",
                                                          "2025-06-01")
            admin.partners.add_journalist(partner_id=partner_id, journalist=chief_editor(31))
            admin.partners.activate_partner(partner_id=partner_id, fiscal_year=YEAR)
        with cluster.rpc("assessor", sub="penilai.rpc") as assessor:
            # assessment learns the daily's records from partners' events
            assert eventually(lambda: assessor.assessment.get_assessment(
                YEAR, partner_id)["total"] == COMPUTED)
        yield SimpleNamespace(cluster=cluster, base=cluster.base, partner_id=partner_id)


def criterion(page, code: str):
    """The criterion's row in the scoring page's table."""
    return page.locator(f"table.criteria tr[data-criterion='{code}']")


def score(page, code: str, value: str, reason: str) -> None:
    form = page.locator(f"form[data-criterion='{code}']")
    if not re.fullmatch(r"[0-9.]+", value):  # past the browser's own number check
        form.locator("[name=score]").evaluate("field => field.type = 'text'")
    form.locator("[name=score]").fill(value)
    form.locator("[name=reason]").fill(reason)
    form.get_by_role("button", name="Simpan nilai").click()


def history_shows_tier(page, base: str, partner_id: str, timeout: float = 30) -> str:
    """Reporting follows assessment's events a moment behind: reload until the tier row is
    in its history table."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(f"{base}/portal/penilaian/{partner_id}")
        rows = page.locator("table.history tr.tier")
        if rows.count():
            return rows.first.inner_text()
        assert time.monotonic() < deadline, page.locator("main").inner_text()
        time.sleep(0.5)


def test_an_assessor_scores_a_daily_and_finalises_it_as_tier_a(portal, browser_context,
                                                                 shot):
    base, partner_id = portal.base, portal.partner_id
    page = browser_context("desktop").new_page()
    log_in(page, base, ASSESSOR, PASSWORD)
    arrive(page, "/portal/penilaian$")
    assert page.locator("table.rubric tbody tr").count() == len(RUBRIC_2026["criteria"])
    assert "Diisi penilai" in page.locator("tr[data-criterion='traffic']").inner_text()
    row = page.locator(f"tr[data-partner='{partner_id}']")
    assert "Harian OKI Ekspres" in row.inner_text()
    assert "Belum dinilai" in row.inner_text()
    shot(page, "21-penilaian-tahun")

    row.get_by_role("link", name="Nilai").click()
    arrive(page, f"/portal/penilaian/{partner_id}$")
    assert page.locator("dd.total").inner_text() == f"{COMPUTED} / 100"
    assert "Dihitung dari status Dewan Pers" in criterion(page, "press_council").inner_text()
    assert page.locator("form[data-criterion='press_council']").count() == 0  # read-only

    score(page, "regularity", "sepuluh", "Terbit setiap hari tanpa jeda")
    error = page.locator("#score-regularity-error")
    assert "harus berupa angka" in error.inner_text()
    assert page.locator("#score-regularity").get_attribute("aria-invalid") == "true"
    shot(page, "22-penilaian-nilai-salah")

    score(page, "regularity", "90", "Terbit setiap hari tanpa jeda sepanjang tahun")
    arrive(page, f"/portal/penilaian/{partner_id}\\?pesan=")
    assert "Nilai kriteria regularity disimpan" in page.locator(".notice").inner_text()
    regularity = criterion(page, "regularity").inner_text()
    assert "90 / 100" in regularity and "penilai.citra@okikab.go.id" in regularity

    page.get_by_role("button", name="Finalisasi penilaian").click()
    refusal = page.locator(".alert").first.inner_text()
    assert "traffic" in refusal and "Tidak diizinkan oleh aturan" in refusal, refusal

    score(page, "traffic", "80", "Oplah 8.000 eksemplar per hari, diperiksa di percetakan")
    page.get_by_role("button", name="Finalisasi penilaian").click()
    notice = page.locator(".notice").inner_text()
    assert "nilai total 95,5, tingkat A" in notice, notice
    assert page.locator("dd.tier").inner_text() == "A"
    assert page.locator("dd.state").inner_text() == "Final"
    assert page.get_by_role("button", name="Finalisasi penilaian").count() == 0

    tier_row = history_shows_tier(page, base, partner_id)
    assert "A" in tier_row and "95,5" in tier_row
    shot(page, "23-penilaian-final")

    page.get_by_role("link", name=f"Penilaian mitra tahun {YEAR}").first.click()
    row = page.locator(f"tr[data-partner='{partner_id}']").inner_text()
    assert "95,5" in row and "Final" in row
    shot(page, "24-penilaian-tahun-final")
    page.get_by_role("button", name="English").click()
    assert page.locator("h1").inner_text() == f"Partner assessment {YEAR}"


def test_a_media_company_cannot_open_the_assessment_pages(portal, browser_context):
    with portal.cluster.rpc() as anyone:
        account_id = anyone.accounts.sign_up(email=MEDIA, password=PASSWORD,
                                             name="Rudi Redaksi")["account_id"]
    with portal.cluster.rpc("applicant", sub=account_id) as applicant:
        applicant.partners.register_partner(partner=company(32))
        own = eventually(lambda: applicant.accounts.my_account()["partner_id"])
        assert own, "accounts did not bind the account to its company"
    page = browser_context("phone").new_page()
    log_in(page, portal.base, MEDIA, PASSWORD)
    arrive(page, "/portal/perusahaan/")
    assert page.goto(f"{portal.base}/portal/penilaian").status == 403
    answer = page.goto(f"{portal.base}/portal/penilaian/{portal.partner_id}")
    assert answer.status == 403
    assert "Harian OKI Ekspres" not in page.content()
    # its own company's scoring page too: the history is the assessment team's
    assert page.goto(f"{portal.base}/portal/penilaian/{own}").status == 403
