"""Personal numbers leave the partners service only sealed, and claim ids cannot be reversed.

A regency registers a company with its NPWP and bank account, files the NPWP card, lists a chief
editor by NIK; everything the partners service publishes (and pages to any caller) is then read
as a broker user, an auditor without keys and an insider with a database dump would read it.
"""
import base64
import json
import uuid

import pytest
from eventsourcing.cryptography import AESCipher

from services.assessment.application import AssessmentApplication
from services.partners.application import PartnersApplication
from services.partners.domain import NIK_NAMESPACE, NPWP_NAMESPACE, NikClaim, NpwpClaim
from services.reporting.application import ReportingApplication
from shared import personal
from shared.config import Settings
from shared.domain import verify_chain
from shared.errors import Conflict
from tests.support import actor, chief_editor, company, document, loaded

ADMIN = actor("admin")
NPWP, ACCOUNT, NIK, CARD = "093217654890123", "7712093344", "1601093217650042", "093217654890124"


@pytest.fixture
def settings(tmp_path):
    key = AESCipher.create_key(32)
    return lambda name: Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path / name),
                                           "CIPHER_KEY": key})


@pytest.fixture
def partners(settings):
    return PartnersApplication(settings("partners"))


def register(partners) -> str:
    pid = partners.register_partner(loaded(company(1, npwp=NPWP, bank_account={
        "bank": "Bank Sumsel Babel", "number": ACCOUNT,
        "holder": "PT Sriwijaya Media Utama 1"})), actor=ADMIN)["partner_id"]
    partners.submit_document(pid, {**document("npwp", number=CARD), "issued_on": __import__(
        "datetime").date(2024, 5, 2)}, actor=ADMIN)
    partners.add_journalist(pid, {**chief_editor(1), "nik": NIK}, actor=ADMIN,
                            command_id="add-chief-1")  # its answer {"nik"} is recorded too
    return pid


def test_no_envelope_carries_an_npwp_nik_account_or_document_number_in_clear(partners):
    register(partners)
    text = json.dumps(partners.notifications(0, 100))
    assert "Sriwijaya Media Utama 1" in text  # the page holds the registration
    for number in (NPWP, ACCOUNT, NIK, CARD):
        assert number not in text


def test_each_sealed_number_opens_with_the_deployments_cipher_and_names_its_digest(partners):
    register(partners)
    envelopes = {e["type"]: e["payload"] for e in partners.notifications(0, 100)}
    cipher, key = partners.mapper.cipher, partners.settings.digest_key
    expected = {
        ("PartnerRegistered", "npwp", NPWP): envelopes["PartnerRegistered"]["npwp"],
        ("PartnerRegistered", "bank_account", ACCOUNT):
            envelopes["PartnerRegistered"]["bank_account"]["number"],
        ("DocumentSubmitted", "document", CARD): envelopes["DocumentSubmitted"]["number"],
        ("JournalistAdded", "nik", NIK): envelopes["JournalistAdded"]["nik"],
        ("CommandRecorded", "nik", NIK): envelopes["CommandRecorded"]["answer"]["nik"],
    }
    for (_, field, number), sealed in expected.items():
        assert set(sealed) == {"sealed", "digest"}
        assert cipher.decrypt(base64.b64decode(sealed["sealed"])).decode() == number
        assert sealed["digest"] == personal.keyed_digest(key, f"{field}:{number}")
    # what is not personal stays readable for every consumer
    assert envelopes["PartnerRegistered"]["bank_account"]["bank"] == "Bank Sumsel Babel"
    assert envelopes["DocumentSubmitted"]["kind"] == "npwp"


def test_an_auditor_holding_no_key_verifies_the_chain_from_sealed_envelopes(partners,
                                                                            monkeypatch):
    register(partners)
    envelopes = partners.notifications(0, 100)
    monkeypatch.setattr(personal, "_commitment_key", None)  # the auditor's machine
    assert verify_chain(envelopes) == []


def test_a_sealed_number_swapped_for_another_companys_breaks_the_chain(partners):
    register(partners)
    partners.register_partner(loaded(company(2)), actor=ADMIN)
    envelopes = partners.notifications(0, 100)
    first, second = [e for e in envelopes if e["type"] == "PartnerRegistered"]
    first["payload"]["npwp"] = second["payload"]["npwp"]
    findings = verify_chain(envelopes)
    assert [f["originator_id"] for f in findings] == [first["originator_id"]]


def test_an_insider_who_changes_an_npwp_at_rest_breaks_the_chain(partners):
    pid = register(partners)
    notification = partners.recorder.select_notifications(start=1, limit=1)[0]
    stored = partners.mapper.to_domain_event(notification)
    assert stored.npwp == NPWP
    stored.__dict__["npwp"] = "093217654890999"  # re-encrypted with the key: reads fine
    forged = partners.mapper.to_stored_event(stored)
    partners.sql.execute(
        f"UPDATE {partners.recorder.events_table_name} SET state = ? WHERE originator_id = ?"
        " AND originator_version = 1", (forged.state, notification.originator_id.hex))
    findings = verify_chain(partners.notifications(0, 100))
    assert [f["originator_id"] for f in findings] == [pid]
    assert "changed" in findings[0]["problem"]


def test_claim_ids_from_a_dump_do_not_give_the_nik_back_by_brute_force(partners):
    """The attack of issue 11: with the claim ids of a dump, try every NIK near the one
    registered (the same regency and birth date) with the namespace in the source."""
    register(partners)
    claims = set(partners.originator_ids(NikClaim.NikClaimed))  # ids, as a dump shows them
    npwp_claims = set(partners.originator_ids(NpwpClaim.NpwpClaimed))
    assert len(claims) == 1 and len(npwp_claims) == 1
    base = int(NIK)
    found = [candidate for candidate in (str(base + d) for d in range(-5000, 5001))
             if uuid.uuid5(NIK_NAMESPACE, candidate) in claims]
    assert found == []
    assert uuid.uuid5(NPWP_NAMESPACE, NPWP) not in npwp_claims
    # what the id is now: keyed with the deployment's secret, and no number kept in the claim
    digest = personal.keyed_digest(partners.settings.digest_key, f"nik:{NIK}")
    assert claims == {NikClaim.create_id(digest)}
    claim = partners.repository.get(NikClaim.create_id(digest))
    assert claim.digest == digest and NIK not in json.dumps(vars(claim), default=str)
    assert npwp_claims == {NpwpClaim.create_id(
        personal.keyed_digest(partners.settings.digest_key, f"npwp:{NPWP}"))}


def test_one_company_per_npwp_still_holds_and_the_refusal_does_not_repeat_the_number(partners):
    register(partners)
    with pytest.raises(Conflict) as taken:
        partners.register_partner(loaded(company(2, npwp=NPWP)), actor=ADMIN)
    assert taken.value.code == "npwp_taken"
    assert NPWP not in str(taken.value.args) and NPWP not in json.dumps(taken.value.details)


def test_a_reviewed_document_reviewed_again_is_refused_without_its_number(partners):
    pid = register(partners)
    doc = partners.get_partner(pid)["documents"][0]
    partners.review_document(pid, doc["document_id"], "accepted", "ok", actor=actor("verifier"))
    with pytest.raises(Conflict) as again:
        partners.review_document(pid, doc["document_id"], "rejected", "no",
                                 actor=actor("verifier"))
    assert again.value.code == "already_reviewed" and CARD not in str(again.value.args)


def test_assessment_knows_journalists_by_digest_and_still_counts_who_left(settings, partners):
    pid = register(partners)
    assessment = AssessmentApplication(settings("assessment"))
    for envelope in partners.notifications(0, 100):
        assessment.apply_partners_event(envelope)
    facts = assessment.repository.get(uuid.UUID(pid))
    assert list(facts.journalists) == [personal.keyed_digest(
        partners.settings.digest_key, f"nik:{NIK}")]
    partners.remove_journalist(pid, NIK, "moved to Palembang", actor=ADMIN)
    for envelope in partners.notifications(partners.max_notification_id() - 2, 100):
        assessment.apply_partners_event(envelope)
    assert assessment.repository.get(uuid.UUID(pid)).journalists == {}
    assert NIK not in json.dumps(assessment.notifications(0, 100))


def test_reporting_keeps_the_document_number_masked_and_opens_the_trail(settings, partners):
    pid = register(partners)
    reporting = ReportingApplication(settings("reporting"))
    reporting.apply_envelopes(partners.notifications(0, 100))
    views = json.dumps(reporting.dump(), default=str, ensure_ascii=False)
    for number in (NPWP, ACCOUNT, NIK, CARD):
        assert number not in views
    assert personal.mask(CARD) in views  # the documents view: masked, as clerks see it
    registered = reporting.audit_trail(pid)[0]["payload"]  # opened for the service to show
    assert registered["npwp"] == NPWP and registered["bank_account"]["number"] == ACCOUNT
    masked = personal.masked(reporting.audit_trail(pid))
    assert NPWP not in str(masked) and personal.mask(NPWP) in str(masked)


def test_without_a_cipher_only_the_digest_travels(tmp_path):
    key = b"k" * 32
    sealed = personal.sealed({"npwp": NPWP, "bank_account": {"number": ACCOUNT}}, None, key)
    assert sealed == {"npwp": {"digest": personal.keyed_digest(key, f"npwp:{NPWP}")},
                      "bank_account": {"number": {
                          "digest": personal.keyed_digest(key, f"bank_account:{ACCOUNT}")}}}
    assert personal.revealed(sealed, None)["npwp"] == personal.MASKED_UNKNOWN
