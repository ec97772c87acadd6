"""The registration round through RPC, on RabbitMQ and PostgreSQL, as Kominfo runs it."""
import eventlet
import pytest

from shared.domain import verify_chain
from shared.errors import Forbidden, RuleViolated
from tests.support import POLICY_2026, chief_editor, company, document, documents_for

pytestmark = pytest.mark.integration


def prepare(rpc, verifier, n=1, media_type="online", skip=()):
    pid = rpc.partners.register_partner(company(n, media_type=media_type))["partner_id"]
    for doc in documents_for(media_type):
        if doc["kind"] in skip:
            continue
        did = rpc.partners.submit_document(pid, doc)["document_id"]
        verifier.partners.review_document(pid, did, "accepted", "matches the original")
    verifier.partners.record_press_council_status(pid, "factual", "DP-77/2025", "2025-06-01")
    rpc.partners.add_journalist(pid, chief_editor(n))
    return pid


def test_an_online_outlet_is_registered_verified_and_activated_through_rpc(cluster,
                                                                           partners_tap):
    cluster.start("partners")
    with cluster.rpc("admin", sub="kominfo.ani") as rpc, \
            cluster.rpc("verifier", sub="inspektorat.budi") as verifier:
        rpc.partners.set_requirement_policy(2026, POLICY_2026)
        pid = prepare(rpc, verifier)
        tv = prepare(rpc, verifier, 2, "tv", skip=("broadcast_licence",))
        assert rpc.partners.activate_partner(pid, 2026)["status"] == "active"
        with pytest.raises(RuleViolated) as refused:
            rpc.partners.activate_partner(tv, 2026)
        assert refused.value.details["unmet"] == [
            {"code": "document_missing", "kind": "broadcast_licence",
             "detail": "document broadcast_licence missing"}]

    with cluster.rpc("media", sub="redaksi", partner_id=pid) as media:
        assert media.partners.get_partner(pid)["status"] == "active"
        assert media.partners.check_requirements(pid, 2026)["met"] is True
        with pytest.raises(Forbidden):
            media.partners.get_partner(tv)
        with pytest.raises(Forbidden):
            media.partners.submit_document(tv, document("deed"))

    envelopes = partners_tap.drain(timeout=3)
    reviews = [e for e in envelopes if e["type"] == "DocumentReviewed"]
    assert reviews and {e["actor"]["sub"] for e in reviews} == {"inspektorat.budi"}
    assert "PartnerActivated" in {e["type"] for e in envelopes}
    assert verify_chain(sorted(envelopes, key=lambda e: e["notification_id"])) == []


def test_concurrent_reviews_on_two_replicas_lose_none(cluster):
    cluster.start("partners")
    cluster.start("partners")
    with cluster.rpc("admin") as rpc:
        pid = rpc.partners.register_partner(company(1))["partner_id"]
        kinds = ["deed", "deed_approval", "nib", "npwp", "company_profile", "bank_reference",
                 "press_council_certificate", "ukw_certificate"]
        ids = [rpc.partners.submit_document(pid, document(kind))["document_id"]
               for kind in kinds]

    def review(did):
        with cluster.rpc("verifier") as verifier:
            return verifier.partners.review_document(pid, did, "accepted", "ok")

    answers = list(eventlet.GreenPool(8).imap(review, ids))
    assert [a["review"] for a in answers] == ["accepted"] * len(ids)
    with cluster.rpc("auditor") as rpc:
        file = rpc.partners.get_partner(pid)
    assert {d["document_id"]: d["review"] for d in file["documents"]} == {
        did: "accepted" for did in ids}
    assert file["version"] == 1 + 2 * len(ids)
