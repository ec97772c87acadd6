"""Press releases across processes (issue 16): partners, assessment, contracts and the HTTP
gateway each their own process on RabbitMQ and PostgreSQL, called as other systems call them.

The press desk sends a release to the online partners only; a daily never sees it. A second
release is under embargo: invisible to the online partner, by RPC and HTTP, until it ends. The
online partner files its pickup over HTTP with the clipping as multipart (its file kept, its
hash checked on the way back); the desk accepts it and rejects a second partner's; bad input
(an embargo without an offset, an embargo in the past, a pickup for a release the partner never
received) comes back typed, recording nothing.
"""
import datetime as dt
import json
from pathlib import Path

import pytest
import requests

from tests.integration.cluster import behind_gateway
from tests.integration.scenarios import open_year, tiered_partner
from tests.integration.test_contracts_rpc import TODAY, YEAR
from shared.errors import SeklikError
from tests.support import token

pytestmark = pytest.mark.integration

JPEG = (Path(__file__).parent.parent / "files" / "clipping.jpg").read_bytes()


@pytest.fixture(scope="module")
def desk(rabbit, postgres, tmp_path_factory):
    with behind_gateway(postgres, tmp_path_factory.mktemp("releases"),
                        ("partners", "assessment", "contracts"), "rl") as cluster:
        with cluster.rpc("admin", sub="kominfo.ani") as admin, \
                cluster.rpc("verifier", sub="verifikasi.budi") as verifier, \
                cluster.rpc("assessor", sub="penilai.citra") as assessor:
            open_year(admin, YEAR)
            ids = {name: tiered_partner(admin, verifier, assessor, n, tier, media_type=media,
                                        year=YEAR)
                   for name, n, tier, media in (("online_a", 61, "A", "online"),
                                                ("online_b", 62, "B", "online"),
                                                ("daily", 63, "A", "print_daily"))}
        cluster.ids = ids
        yield cluster


def http(cluster, verb: str, path: str, *roles, **kwargs) -> requests.Response:
    claims = {k: kwargs.pop(k) for k in ("partner_id",) if k in kwargs}
    headers = {"Authorization": f"Bearer {token(*roles, **claims)}"}
    return requests.request(verb, cluster.base + path, headers=headers, timeout=30, **kwargs)


def refused(call) -> SeklikError:
    with pytest.raises(SeklikError) as error:
        call()
    return error.value


def test_a_release_to_online_partners_and_one_under_embargo(desk):
    ids = desk.ids
    release = {"title": "Bupati resmikan Pasar Kayuagung", "body": "Kayuagung.\nPasar baru.",
               "release_date": TODAY.isoformat(), "audience": {"media_types": ["online"]}}
    tomorrow = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    with desk.rpc("humas", sub="humas.fitri") as humas:
        sent = humas.contracts.publish_release(release)
        assert sent["recipients"] == 2
        embargoed = humas.contracts.publish_release({
            **release, "title": "Jadwal vaksinasi HPV", "audience": {},
            "embargo_until": tomorrow.isoformat(timespec="seconds")})
        assert embargoed["recipients"] == 3
        assert len(humas.contracts.list_releases(YEAR)) == 2

    with desk.rpc("media", partner_id=ids["online_a"]) as online:
        assert [r["title"] for r in online.contracts.list_releases(YEAR)] == [release["title"]]
        assert refused(lambda: online.contracts.get_release(
            embargoed["release_id"])).code == "not_found"
    with desk.rpc("media", partner_id=ids["daily"]) as daily:
        assert daily.contracts.list_releases(YEAR) == []
        assert refused(lambda: daily.contracts.file_pickup(sent["release_id"], {
            "partner_id": ids["daily"], "kind": "clipping", "reference": "Halaman 3",
            "published_on": TODAY.isoformat(), "sha256": "a" * 64})).code == "not_a_recipient"
    listed = http(desk, "GET", f"/v1/releases?fiscal_year={YEAR}", "media",
                  partner_id=ids["online_a"])
    assert [r["release_id"] for r in listed.json()["items"]] == [sent["release_id"]]
    hidden = http(desk, "GET", f"/v1/releases/{embargoed['release_id']}", "media",
                  partner_id=ids["online_a"])
    assert hidden.status_code == 404

    # the online partner files its pickup over HTTP, the clipping sent with it
    pickup = {"partner_id": ids["online_a"], "kind": "clipping", "reference": "Halaman 3",
              "published_on": TODAY.isoformat(), "reach": {"page_views": 4_200}}
    filed = http(desk, "POST", f"/v1/releases/{sent['release_id']}/pickups", "media",
                 partner_id=ids["online_a"], files={
                     "pickup": (None, json.dumps(pickup), "application/json"),
                     "file": ("kliping.jpg", JPEG, "image/jpeg")})
    assert filed.status_code == 200, filed.text
    pickup_id = filed.json()["pickup_id"]
    with desk.rpc("media", partner_id=ids["online_b"]) as other:
        other_id = other.contracts.file_pickup(sent["release_id"], {
            "partner_id": ids["online_b"], "kind": "link", "reference": "https://b.id/pasar",
            "published_on": TODAY.isoformat(), "sha256": "b" * 64})["pickup_id"]
    with desk.rpc("humas", sub="humas.fitri") as humas:
        humas.contracts.review_pickup(sent["release_id"], pickup_id, "accepted", "Tayang utuh")
        humas.contracts.review_pickup(sent["release_id"], other_id, "rejected",
                                      "Tautan ke berita lain")
        whole = humas.contracts.get_release(sent["release_id"])
    assert [(p["partner_id"], p["review"]) for p in whole["pickups"]] == [
        (ids["online_a"], "accepted"), (ids["online_b"], "rejected")]
    sha = whole["pickups"][0]["sha256"]
    clipping = http(desk, "GET", f"/v1/releases/{sent['release_id']}/files/{sha}", "media",
                    partner_id=ids["online_a"])
    assert clipping.status_code == 200 and clipping.content == JPEG
    elsewhere = http(desk, "GET", f"/v1/releases/{sent['release_id']}/files/{sha}", "media",
                     partner_id=ids["online_b"])  # not its own pickup's file
    assert elsewhere.status_code == 404


def test_bad_releases_are_refused_typed_and_record_nothing(desk):
    release = {"title": "Siaran", "body": "Isi.", "release_date": TODAY.isoformat()}
    with desk.rpc("humas", sub="humas.fitri") as humas:
        before = humas.contracts.list_releases(YEAR)
        naive = refused(lambda: humas.contracts.publish_release(
            {**release, "embargo_until": f"{TODAY.isoformat()}T23:00:00"}))
        assert naive.code == "validation_failed" and "offset" in naive.message
        past = refused(lambda: humas.contracts.publish_release(
            {**release, "embargo_until": "2020-01-01T09:00:00+07:00"}))
        assert past.code == "embargo_in_past"
        assert humas.contracts.list_releases(YEAR) == before
    answer = http(desk, "POST", "/v1/releases", "humas", json={
        **release, "embargo_until": "2020-01-01T09:00:00+07:00"})
    assert answer.status_code == 422 and answer.json()["code"] == "embargo_in_past"


def test_next_years_assessment_scores_this_years_pickups(desk):
    """Assessment follows contracts' events in its own process: the online partner carried
    one of the two releases sent to it this year, so next year's pickup criterion earns half
    its maximum, with that cause."""
    from tests.integration.scenarios import eventually
    from tests.support import RUBRIC_2026

    criteria = [{**c, "weight": c["weight"] - 10} if c["code"] == "press_council" else c
                for c in RUBRIC_2026["criteria"]]
    criteria.append({"code": "pickups", "name": "Press releases carried", "weight": 10,
                     "max_score": 10, "source": "pickup_rate"})
    with desk.rpc("admin", sub="kominfo.ani") as admin:
        admin.assessment.set_rubric(YEAR + 1, {**RUBRIC_2026, "criteria": criteria})
    with desk.rpc("assessor", sub="penilai.citra") as assessor:
        def pickups():
            scores = assessor.assessment.get_assessment(YEAR + 1, desk.ids["online_a"])[
                "scores"]
            found = next(s for s in scores if s["code"] == "pickups")
            return found if found["score"] == 5 else None
        found = eventually(pickups)
    assert found and found["reason"] == f"1 of 2 press releases of {YEAR} picked up"
