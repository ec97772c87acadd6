"""Files through the HTTP gateway (issue 14, item 5), every service its own process.

A media company uploads a real PDF scan and a real JPEG clipping as multipart/form-data; the
events record each file's sha256, size, media type and name (the name sealed on the feed, as a
personal number is); the bytes are kept once, sealed at rest, and come back only to the roles
that see the company's numbers, checked against their hash. A renamed executable, a file past
the limit, an upload on another company's file and a tampered stored file are each refused,
and a refused upload leaves nothing in the store.
"""
import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path

import pytest
import requests

from tests.integration.cluster import Cluster
from tests.integration.scenarios import eventually, open_year, tiered_partner
from tests.integration.test_contracts_rpc import TODAY, YEAR, setup_money, sign
from tests.support import AMQP_URI, company, free_port, token

pytestmark = pytest.mark.integration

FILES = Path(__file__).parent.parent / "files"
PDF = (FILES / "npwp-scan.pdf").read_bytes()
JPEG = (FILES / "clipping.jpg").read_bytes()
PNG = (FILES / "clipping.png").read_bytes()
PROBLEM = "application/problem+json"


class Site:
    def __init__(self, base: str, cluster: Cluster, store: Path):
        self.base, self.cluster, self.store = base, cluster, store

    def upload(self, path: str, part: str, fields: dict, data: bytes, name: str, *roles,
               headers=None, **claims) -> requests.Response:
        headers = {**(headers or {}), "Authorization": f"Bearer {token(*roles, **claims)}"}
        return requests.post(self.base + path, headers=headers, timeout=30, files={
            part: (None, json.dumps(fields), "application/json"),
            "file": (name, data, "application/octet-stream")})

    def get(self, path: str, *roles, **claims) -> requests.Response:
        return requests.get(self.base + path, timeout=30,
                            headers={"Authorization": f"Bearer {token(*roles, **claims)}"})

    def objects(self) -> list[Path]:
        return sorted(p for p in (self.store / "objects").rglob("*") if p.is_file())

    def staged(self) -> list[Path]:
        return sorted((self.store / "incoming").glob("*"))


@pytest.fixture(scope="module")
def site(rabbit, postgres, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("files")
    port = free_port()
    env = {**postgres, "POSTGRES_SCHEMA_PREFIX": f"gf_{uuid.uuid4().hex[:8]}_",
           "AMQP_URI": AMQP_URI, "SEKLIK_DATA_DIR": str(workdir / "data"),
           "SEKLIK_FILES_DIR": str(workdir / "files"),
           "SEKLIK_CATCHUP_INTERVAL": "1", "SEKLIK_RELAY_INTERVAL": "0.2",
           "SEKLIK_HTTP_PORT": str(port)}
    cluster = Cluster(env, workdir)
    try:
        for service in ("partners", "assessment", "contracts", "gateway"):
            cluster.start(service)
        yield Site(f"http://127.0.0.1:{port}", cluster, workdir / "files")
    finally:
        cluster.stop()


def problem(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == PROBLEM
    assert "Traceback" not in response.text
    return response.json()


def registered(site: Site, n: int) -> str:
    with site.cluster.rpc("admin") as admin:
        return admin.partners.register_partner(company(n))["partner_id"]


def npwp_card(number="012345678901234") -> dict:
    return {"kind": "npwp", "number": number, "issued_on": "2024-03-01", "valid_until": None}


def test_a_scan_uploaded_by_its_company_is_recorded_kept_once_and_served_checked(site):
    pid = registered(site, 301)
    # A name with the NPWP in it, as people name their scans.
    name = "NPWP 012345678901234.pdf"
    answer = site.upload(f"/v1/partners/{pid}/documents", "document", npwp_card(), PDF, name,
                         "media", partner_id=pid)
    assert answer.status_code == 200, answer.text
    sha256 = hashlib.sha256(PDF).hexdigest()
    assert answer.json()["sha256"] == sha256
    document_id = answer.json()["document_id"]

    with site.cluster.rpc("admin") as admin:
        kept = admin.partners.get_partner(pid)["documents"]
    npwp = next(d for d in kept if d["kind"] == "npwp")
    assert npwp["sha256"] == sha256
    assert npwp["file"] == {"size": len(PDF), "media_type": "application/pdf", "name": name}

    # Stored once, sealed: the bytes on disk are not the file's.
    [stored] = site.objects()
    assert stored.name == sha256 and PDF not in stored.read_bytes()
    assert b"NPWP" not in stored.read_bytes()
    assert site.staged() == []

    # The company and the roles that see its numbers get the bytes, checked.
    path = f"/v1/partners/{pid}/documents/{document_id}/file"
    for roles, claims in ((("media",), {"partner_id": pid}), (("verifier",), {}),
                          (("auditor",), {}), (("finance",), {})):
        got = site.get(path, *roles, **claims)
        assert got.status_code == 200, (roles, got.text)
        assert got.content == PDF and got.headers["Content-Type"] == "application/pdf"
        assert got.headers["ETag"] == f'"{sha256}"'
        assert "no-store" in got.headers["Cache-Control"]
        assert "filename*=UTF-8''NPWP%20012345678901234.pdf" in \
            got.headers["Content-Disposition"]
    # ... the assessor, who sees numbers masked, and another company do not.
    assert problem(site.get(path, "assessor"), 403)["code"] == "personal_data"
    other = registered(site, 302)
    assert problem(site.get(path, "media", partner_id=other), 403)["code"] == "not_own_file"


def test_the_event_records_the_file_and_the_feed_seals_its_name(site):
    pid = registered(site, 303)
    name = "KTP 3201234567890123.pdf"
    assert site.upload(f"/v1/partners/{pid}/documents", "document", npwp_card(), PDF, name,
                       "admin").status_code == 200
    with site.cluster.rpc("auditor") as auditor:
        envelopes = auditor.partners.notifications(0, 1000)
    [submitted] = [e for e in envelopes if e["type"] == "DocumentSubmitted"
                   and e["originator_id"] == pid]
    payload = submitted["payload"]
    assert payload["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert payload["file"]["size"] == len(PDF)
    assert payload["file"]["media_type"] == "application/pdf"
    assert set(payload["file"]["name"]) == {"sealed", "digest"}  # never in clear
    assert "3201234567890123" not in json.dumps(envelopes)


def test_the_same_bytes_uploaded_twice_are_stored_once(site):
    pid = registered(site, 304)
    before = len(site.objects())
    for kind in ("company_profile", "bank_reference"):
        fields = {"kind": kind, "number": f"{kind}-1", "issued_on": "2025-01-10",
                  "valid_until": None}
        assert site.upload(f"/v1/partners/{pid}/documents", "document", fields, PNG,
                           f"{kind}.png", "admin").status_code == 200
    assert len(site.objects()) == before + 1
    assert site.staged() == []


def test_an_upload_under_an_idempotency_key_records_one_document(site):
    pid = registered(site, 305)
    key = {"Idempotency-Key": f"upload-{pid}"}
    first = site.upload(f"/v1/partners/{pid}/documents", "document", npwp_card(), JPEG,
                        "npwp.jpg", "admin", headers=key)
    again = site.upload(f"/v1/partners/{pid}/documents", "document", npwp_card(), JPEG,
                        "npwp.jpg", "admin", headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    other_file = site.upload(f"/v1/partners/{pid}/documents", "document", npwp_card(), PNG,
                             "npwp.png", "admin", headers=key)
    assert problem(other_file, 409)["code"] == "command_id_reused"
    with site.cluster.rpc("admin") as admin:
        partner = admin.partners.get_partner(pid)
    assert [d["kind"] for d in partner["documents"]] == ["npwp"]
    assert partner["superseded_documents"] == []


def test_a_renamed_executable_is_refused_and_nothing_is_kept(site):
    pid = registered(site, 306)
    before = site.objects()
    executable = Path("/bin/true").read_bytes()
    refused = site.upload(f"/v1/partners/{pid}/documents", "document", npwp_card(),
                          executable, "npwp.pdf", "admin")
    body = problem(refused, 400)
    assert body["code"] == "unsupported_file_type" and "file" in body["errors"]
    assert site.objects() == before and site.staged() == []
    with site.cluster.rpc("admin") as admin:
        assert admin.partners.get_partner(pid)["documents"] == []


def test_a_file_past_the_limit_is_refused_with_413(site):
    pid = registered(site, 307)
    big = PDF + b"\0" * (10 * 1024 * 1024)
    refused = site.upload(f"/v1/partners/{pid}/documents", "document", npwp_card(), big,
                          "big.pdf", "admin")
    assert problem(refused, 413)["code"] == "file_too_large"
    assert site.staged() == []


def test_an_upload_on_another_company_s_file_is_refused_before_a_byte_is_stored(site):
    own, other = registered(site, 308), registered(site, 309)
    before = site.objects()
    refused = site.upload(f"/v1/partners/{other}/documents", "document", npwp_card(), PDF,
                          "npwp.pdf", "media", partner_id=own)
    assert problem(refused, 403)["code"] == "not_own_file"
    assert site.objects() == before and site.staged() == []


def test_a_refused_document_leaves_nothing_behind(site):
    pid = registered(site, 310)
    future = {**npwp_card(), "issued_on": (TODAY + dt.timedelta(days=5)).isoformat()}
    unseen = PNG + b"unseen"  # bytes no other test stores
    refused = site.upload(f"/v1/partners/{pid}/documents", "document", future, unseen,
                          "npwp.png", "admin")
    assert problem(refused, 422)["code"] == "issued_in_future"
    assert not any(p.name == hashlib.sha256(unseen).hexdigest() for p in site.objects())
    assert site.staged() == []


def test_a_tampered_stored_file_is_refused_on_download(site):
    pid = registered(site, 311)
    ours = JPEG + b"tamper"  # bytes of this test's own
    document_id = site.upload(f"/v1/partners/{pid}/documents", "document", npwp_card(), ours,
                              "npwp.jpg", "admin").json()["document_id"]
    stored = next(p for p in site.objects() if p.name == hashlib.sha256(ours).hexdigest())
    sealed = bytearray(stored.read_bytes())
    sealed[-1] ^= 0x01
    stored.write_bytes(bytes(sealed))
    got = site.get(f"/v1/partners/{pid}/documents/{document_id}/file", "auditor")
    body = problem(got, 500)
    assert body["code"] == "file_damaged"
    assert hashlib.sha256(ours).hexdigest() in body["detail"]
    gateway_log = next(p for p in site.cluster.processes if p.service == "gateway").log()
    assert "FILE DAMAGED" in gateway_log


def test_a_document_filed_by_hash_only_has_no_file_to_serve(site):
    pid = registered(site, 312)
    fields = {**npwp_card(), "sha256": hashlib.sha256(b"elsewhere").hexdigest()}
    answer = requests.post(f"{site.base}/v1/partners/{pid}/documents", json=fields,
                           headers={"Authorization": f"Bearer {token('admin')}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    got = site.get(f"/v1/partners/{pid}/documents/{answer.json()['document_id']}/file",
                   "admin")
    assert problem(got, 404)["code"] == "file_not_kept"
    both = requests.post(f"{site.base}/v1/partners/{pid}/documents",
                         json={**fields, "file": {"upload_id": str(uuid.uuid4()),
                                                  "sha256": fields["sha256"], "name": "x.pdf"}},
                         headers={"Authorization": f"Bearer {token('admin')}"}, timeout=30)
    assert "sha256" in problem(both, 400)["errors"]["document"]


def test_an_upload_id_guessed_over_rpc_is_refused(site):
    pid = registered(site, 313)
    with site.cluster.rpc("admin") as admin:
        try:
            admin.partners.submit_document(pid, {
                **npwp_card(), "file": {"upload_id": str(uuid.uuid4()),
                                        "sha256": hashlib.sha256(PDF).hexdigest(),
                                        "name": "x.pdf"}})
        except Exception as refused:  # ValidationFailed, over RPC
            assert "no_such_upload" in str(refused)
        else:
            raise AssertionError("a made-up upload id was accepted")


def test_a_proof_clipping_is_uploaded_for_an_order_and_served_to_its_readers(site):
    with site.cluster.rpc("admin") as admin, site.cluster.rpc("verifier") as verifier, \
            site.cluster.rpc("assessor") as assessor, site.cluster.rpc("finance") as finance:
        open_year(admin, YEAR)
        setup_money(finance, pagu=50_000_000)
        pid = tiered_partner(admin, verifier, assessor, 314, "B", year=YEAR)
        cid = sign(finance, pid, "014/SPK/2026", 10_000_000)
        order_id = finance.contracts.place_order(cid, {
            "product": "advertorial", "quantity": 1, "title": "Festival budaya",
            "publish_by": (TODAY + dt.timedelta(days=3)).isoformat()})["order_id"]
    proof = {"kind": "clipping", "reference": "Edisi 12, hlm. 4",
             "published_on": TODAY.isoformat(), "reach": {"circulation": 3_000}}
    other = registered(site, 315)
    refused = site.upload(f"/v1/orders/{order_id}/proof", "proof", proof, JPEG, "klip.jpg",
                          "media", partner_id=other)
    assert problem(refused, 403)["code"] == "not_own_file"
    filed = site.upload(f"/v1/orders/{order_id}/proof", "proof", proof, JPEG, "klip.jpg",
                        "media", partner_id=pid)
    assert filed.status_code == 200, filed.text
    assert filed.json()["status"] == "proof_submitted"
    got = site.get(f"/v1/orders/{order_id}/proof/file", "finance")
    assert got.status_code == 200 and got.content == JPEG
    assert got.headers["Content-Type"] == "image/jpeg"
    with site.cluster.rpc("finance") as finance:
        order = eventually(lambda: finance.contracts.get_order(order_id))
    assert order["proof"]["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert order["proof"]["file"]["media_type"] == "image/jpeg"
