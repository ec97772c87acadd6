"""The press-release pages' own small rules (services/gateway/portal/releases.py): the embargo
typed in the regency's time becomes an instant with its offset, the tiers are read as written,
several attachments are staged for one command and none is left behind, and each refusal lands
beside the field it is about, in Indonesian. (The pages themselves, in a browser:
tests/browser/test_portal_releases.py.)"""
from pathlib import Path
from types import SimpleNamespace

import pytest

from services.gateway.portal import text
from services.gateway.portal.pages import Page, home
from services.gateway.files import staged_all
from services.gateway.portal.releases import embargo_instant, form_errors, tiers
from shared.config import Settings
from shared.errors import Conflict, RuleViolated, ValidationFailed
from shared.files import FileStore, FolderBackend, settings_cipher

FILES = Path(__file__).parent.parent / "files"
CIPHER = settings_cipher(Settings.from_env({"SEKLIK_ENV": "development"}))


def desk_page(timezone="Asia/Jakarta", roles=("humas",), lang="id"):
    return SimpleNamespace(lang=lang, t=lambda key, **values: text.t(key, lang, **values),
                           settings=SimpleNamespace(timezone=timezone),
                           session=SimpleNamespace(roles=set(roles), lang=lang,
                                                   partner_id=None))


@pytest.mark.parametrize("zone, instant", [
    ("Asia/Jakarta", "2026-12-06T09:00:00+07:00"),
    ("Asia/Makassar", "2026-12-06T09:00:00+08:00"),
    ("Asia/Jayapura", "2026-12-06T09:00:00+09:00")])
def test_an_embargo_typed_in_the_regencys_time_carries_the_regencys_offset(zone, instant):
    assert embargo_instant(desk_page(zone), "2026-12-06", "09:00") == instant


def test_no_embargo_is_both_fields_empty_and_half_an_embargo_is_refused_beside_it():
    assert embargo_instant(desk_page(), "", " ") is None
    for day, time in (("2026-12-06", ""), ("", "09:00")):
        with pytest.raises(ValidationFailed) as refused:
            embargo_instant(desk_page(), day, time)
        assert refused.value.details["fields"] == {"embargo_until": [
            "Isi tanggal dan jam berakhirnya embargo, atau kosongkan keduanya."]}
    with pytest.raises(ValidationFailed) as refused:
        embargo_instant(desk_page(), "6/12/2026", "9 pagi")
    assert "tidak terbaca" in refused.value.details["fields"]["embargo_until"][0]


def test_tiers_are_read_as_the_regency_writes_them():
    assert tiers("A, b,, C ") == ["A", "B", "C"]
    assert tiers("  ") == []


def store(tmp_path) -> FileStore:
    return FileStore(FolderBackend(tmp_path / "files"), CIPHER)


def staged_left(files: FileStore) -> list:
    return list(files.backend.keys("incoming"))


def test_several_attachments_go_to_one_command_and_none_stays_staged(tmp_path):
    files = store(tmp_path)
    pdf, jpeg = (FILES / "npwp-scan.pdf").read_bytes(), (FILES / "clipping.jpg").read_bytes()
    seen = []

    def publish(kept):
        seen.extend(kept)
        assert len(staged_left(files)) == 2  # both staged while the service opens them
        return {"release_id": "r-1"}

    assert staged_all(files, [("siaran.pdf", pdf), ("foto.jpg", jpeg)], publish) == {
        "release_id": "r-1"}
    assert [(f["name"], len(f["sha256"])) for f in seen] == [("siaran.pdf", 64),
                                                             ("foto.jpg", 64)]
    assert staged_left(files) == []


def test_a_refused_release_leaves_nothing_staged(tmp_path):
    files = store(tmp_path)
    pdf = (FILES / "npwp-scan.pdf").read_bytes()

    def refuse(kept):
        raise RuleViolated("no partner active for 2026 matches", code="no_recipients")

    with pytest.raises(RuleViolated):
        staged_all(files, [("a.pdf", pdf), ("b.pdf", pdf)], refuse)
    assert staged_left(files) == []
    # the store refuses the second file: the first, staged already, goes too
    with pytest.raises(ValidationFailed):
        staged_all(files, [("a.pdf", pdf), ("virus.exe", b"MZ\x90\0")],
                   lambda kept: pytest.fail("the command ran"))
    assert staged_left(files) == []


def test_the_services_refusals_land_beside_the_release_forms_fields():
    page = desk_page()
    schema = ValidationFailed.from_messages({"release": {
        "title": ["must be 1 to 300 characters (got 0)"],
        "audience": {"tiers": {"0": ["must be 1 to 20 characters (got 25)"]}},
        "files": {"1": {"name": ["Missing data for required field."]}}}})
    assert form_errors(page, schema) == {
        "title": ["harus 1 sampai 300 karakter (terisi 0)"],
        "tiers": ["harus 1 sampai 20 karakter (terisi 25)"],
        "files": ["Wajib diisi."]}
    past = RuleViolated("embargo_until is not in the future", code="embargo_in_past")
    assert form_errors(page, past) == {"embargo_until": [
        "Akhir embargo sudah lewat; kosongkan bila siaran boleh dimuat segera."]}
    early = RuleViolated("published_on is before the release could be carried",
                         code="published_before_release", details={"earliest": "2026-12-06"})
    assert form_errors(page, early) == {"published_on": [
        "Tanggal tayang sebelum siaran boleh dimuat; paling awal 6 Desember 2026."]}
    reach = ValidationFailed.from_messages({"pickup": {"reach": {
        "page_views": ["must be a whole number from 0 to 1,000,000,000,000"]}}})
    assert list(form_errors(page, reach)) == ["page_views"]
    # a refusal of the whole form goes above it, not beside a field
    assert form_errors(page, Conflict("already filed", code="pickup_already_filed")) == {}


def test_the_press_desk_lands_on_the_releases_and_finds_them_in_the_menu():
    humas = desk_page(roles=("humas",))
    answer = home(humas)
    assert answer.status_code == 303 and answer.location == "/portal/siaran"
    for roles in (("humas",), ("admin",), ("media",)):
        page = Page(None, SimpleNamespace(roles=set(roles), lang="id", partner_id="p-1"),
                    None, None, None)
        assert ("/portal/siaran", "Siaran pers") in page.nav()
    finance = Page(None, SimpleNamespace(roles={"finance"}, lang="id", partner_id=None),
                   None, None, None)
    assert "/portal/siaran" not in dict(finance.nav())


RELEASE = {
    "release_id": "r-1", "title": "Jadwal vaksinasi HPV", "release_date": "2026-12-05",
    "fiscal_year": 2026, "embargo_until": "2026-12-06T02:00:00+00:00", "recipients": 2,
    "accepted": 0, "body": "Baris satu.\nBaris dua.",
    "audience": {"media_types": ["online"], "tiers": ["A"], "partner_ids": []},
    "attachments": [{"sha256": "a" * 64, "file": None},
                    {"sha256": "b" * 64, "file": {"name": "jadwal.pdf", "size": 2048,
                                                  "media_type": "application/pdf"}}],
    "pickups": [
        {"pickup_id": "p-1", "partner_id": "m-1", "brand_name": "KayuagungNews",
         "kind": "link", "reference": "javascript:alert(1)", "published_on": "2026-12-06",
         "sha256": "c" * 64, "file": None, "reach": {}, "review": "rejected",
         "note": "Tautan ke berita lain"},
        {"pickup_id": "p-2", "partner_id": "m-1", "brand_name": "KayuagungNews",
         "kind": "clipping", "reference": "Halaman 3", "published_on": "2026-12-07",
         "sha256": "d" * 64, "file": None, "reach": {"circulation": 8000},
         "review": "pending", "note": None}],
    "sent_to": ["m-1", "m-2"]}


def rendered(template: str, lang: str, **context) -> str:
    from services.gateway.portal.pages import TEMPLATES

    return TEMPLATES.get_template(template).render(
        lang=lang, t=lambda key, **values: text.t(key, lang, **values), csrf_token="tok",
        here="/portal/siaran", nav=[], account=None, notice=None, alert=None,
        tanggal=lambda value: text.tanggal(value, lang),
        waktu=lambda value: text.waktu(value, lang), **context)


@pytest.mark.parametrize("lang, words", [
    ("id", ("sampai 6 Desember 2026 09.00 WIB", "Ditolak", "Belum memuat", "oplah 8.000",
            "Media daring (online)", "tingkat A")),
    ("en", ("until 6 December 2026 09:00 WIB", "Rejected", "Not picked up",
            "circulation 8.000", "Online", "tier A"))])
def test_the_desks_page_of_a_release_in_either_language(lang, words):
    recipients = [{"partner_id": "m-2", "partner": {"brand_name": "Harian OKI Ekspres",
                                                    "media_type": "print_daily"},
                   "pickup": None},
                  {"partner_id": "m-1", "partner": {"brand_name": "KayuagungNews",
                                                    "media_type": "online"},
                   "pickup": RELEASE["pickups"][1]}]
    page = rendered("release.html", lang, release=RELEASE, staff=True, desk=True,
                    media=False, recipients=recipients,
                    audience=["Online" if lang == "en" else "Media daring (online)",
                              text.t("releases.audience_tiers", lang, tiers="A")],
                    may_file=False, today="2026-12-07", pickup_values={}, pickup_errors={},
                    reviewed={"pickup_id": "p-2", "note": "", "errors": {
                        "note": ["harus 1 sampai 1000 karakter (terisi 0)"]}})
    for word in words:
        assert word in page, word
    # a reference is a link only when it is a web address: no script rides in on it
    assert 'href="javascript:' not in page
    # the review form of the pending pickup alone, its note's error beside the note
    assert page.count('class="review-form"') == 1
    assert 'id="note-p-2-error"' in page and 'aria-invalid="true"' in page
    assert page.count('name="csrf_token"') == 2  # the language switch's and the review's
    assert '/portal/siaran/r-1/berkas?sha256=' + "b" * 64 in page
    assert "a" * 16 in page and "berkas?sha256=" + "a" * 64 not in page  # kept elsewhere


def test_the_desks_form_keeps_what_was_typed_and_says_each_error_beside_its_field():
    values = {"title": "", "body": "Isi", "release_date": "2026-12-05", "tiers": "A, B",
              "media_types": ["online"], "partner_ids": ["m-2"], "embargo_date": "2026-12-06",
              "embargo_time": ""}
    errors = {"title": ["harus 1 sampai 300 karakter (terisi 0)"],
              "embargo_until": ["Isi tanggal dan jam berakhirnya embargo, atau kosongkan "
                                "keduanya."]}
    page = rendered("releases.html", "id", releases=[], year=2026, desk=True, values=values,
                    errors=errors, zone="WIB", most_files=5, megabytes=10,
                    partners=[{"partner_id": "m-1", "brand_name": "KayuagungNews",
                               "media_type": "online"},
                              {"partner_id": "m-2", "brand_name": "Harian OKI Ekspres",
                               "media_type": "print_daily"}])
    assert 'id="title-error"' in page and 'id="embargo_until-error"' in page
    assert 'value="online" checked' in page and 'value="m-2" selected' in page
    assert 'value="m-1" selected' not in page and 'value="A, B"' in page
    assert 'name="files" type="file"' in page and "multiple" in page
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page
