"""Corrections a real year needs (issue 13, item 7; DOMAIN.md §3): a partner's identity or bank
account changes on the company's request and a verifier's approval, and its PKP status changes
with an effective date that the PPN of each payment follows. Each is an event with its actor
and reason, never an edit."""
import datetime as dt
import uuid

import pytest

from services.partners.application import PartnersApplication
from shared.errors import Conflict, NotFound, RuleViolated
from shared.personal import masked
from tests.support import actor, company, loaded
from tests.world import (ADMIN, FINANCE, VERIFIER, YEAR, accepted, clock,  # noqa: F401
                         contract, order, paid, tiered_partner, world)

OWN = actor("media", sub="redaksi.sriwijaya")
NEW_ACCOUNT = {"bank": "Bank Sumsel Babel", "number": "1450099887766",
               "holder": "PT Sriwijaya Media Utama 1"}


@pytest.fixture
def partners(sqlite_settings):
    return PartnersApplication(sqlite_settings)


@pytest.fixture
def pid(partners):
    return partners.register_partner(loaded(company(1)), actor=ADMIN)["partner_id"]


def test_a_new_account_asked_by_the_company_is_in_force_once_a_verifier_approves(partners,
                                                                                  pid):
    before = partners.get_partner(pid)["bank_account"]
    asked = partners.request_identity_change(
        pid, {"bank_account": NEW_ACCOUNT, "address": "Jl. Kapten Rivai 12, Palembang"},
        "moved to the regional bank", actor=OWN)
    assert asked["decision"] == "pending"
    pending = partners.get_partner(pid)
    # nothing changes while it waits
    assert pending["bank_account"] == before
    assert pending["identity_changes"][0]["decision"] == "pending"
    assert pending["identity_changes"][0]["reason"] == "moved to the regional bank"

    decided = partners.decide_identity_change(pid, asked["change_id"], True,
                                              "rekening koran checked", actor=VERIFIER)
    assert decided["decision"] == "approved"
    file = partners.get_partner(pid)
    assert file["bank_account"] == NEW_ACCOUNT
    assert file["address"] == "Jl. Kapten Rivai 12, Palembang"
    assert file["legal_name"] == company(1)["legal_name"]  # untouched fields stay
    [change] = file["identity_changes"]
    assert (change["decision"], change["note"]) == ("approved", "rekening koran checked")
    # the request and the decision are events with their actors
    kinds = [(e["type"], e["actor"]["sub"]) for e in partners.notifications(0, 100)
             if e["type"].startswith("IdentityChange")]
    assert kinds == [("IdentityChangeRequested", "redaksi.sriwijaya"),
                     ("IdentityChangeDecided", "verifikasi.budi")]


def test_the_new_account_number_is_masked_in_the_history_and_sealed_on_the_way_out(partners,
                                                                                   pid):
    asked = partners.request_identity_change(pid, {"bank_account": NEW_ACCOUNT}, "new bank",
                                             actor=OWN)
    partners.decide_identity_change(pid, asked["change_id"], True, "ok", actor=VERIFIER)
    shown = masked(partners.get_partner(pid))
    assert shown["bank_account"]["number"] == "•" * 9 + "7766"
    assert shown["identity_changes"][0]["change"]["bank_account"]["number"] == "•" * 9 + "7766"
    published = [e for e in partners.notifications(0, 100)
                 if e["type"].startswith("IdentityChange")]
    assert "1450099887766" not in repr(published)
    assert published[0]["payload"]["change"]["bank_account"]["number"]["digest"]


def test_a_rejected_change_records_the_note_and_changes_nothing(partners, pid):
    before = partners.get_partner(pid)
    asked = partners.request_identity_change(pid, {"brand_name": "SumselKini"}, "rebranding",
                                             actor=OWN)
    partners.decide_identity_change(pid, asked["change_id"], False,
                                    "no deed amendment attached", actor=VERIFIER)
    file = partners.get_partner(pid)
    assert file["brand_name"] == before["brand_name"]
    [change] = file["identity_changes"]
    assert (change["decision"], change["note"]) == ("rejected", "no deed amendment attached")
    with pytest.raises(Conflict) as again:
        partners.decide_identity_change(pid, asked["change_id"], True, "changed my mind",
                                        actor=VERIFIER)
    assert again.value.code == "change_already_decided"


def test_an_account_in_a_persons_name_is_refused_and_records_nothing(partners, pid):
    before = partners.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        partners.request_identity_change(pid, {"bank_account": {**NEW_ACCOUNT,
                                                                "holder": "Budi Santoso"}},
                                         "the director's account is quicker", actor=OWN)
    assert refused.value.code == "bank_holder_not_company"
    assert partners.max_notification_id() == before


def test_a_new_legal_name_needs_the_account_in_that_name(partners, pid):
    with pytest.raises(RuleViolated) as refused:
        partners.request_identity_change(pid, {"legal_name": "Sriwijaya Pers Nusantara"},
                                         "renamed by deed", actor=OWN)
    assert refused.value.code == "bank_holder_not_company"
    renamed = partners.request_identity_change(pid, {
        "legal_name": "Sriwijaya Pers Nusantara",
        "bank_account": {**NEW_ACCOUNT, "holder": "PT Sriwijaya Pers Nusantara"}},
        "renamed by deed", actor=OWN)
    partners.decide_identity_change(pid, renamed["change_id"], True, "deed checked",
                                    actor=VERIFIER)
    assert partners.get_partner(pid)["legal_name"] == "Sriwijaya Pers Nusantara"


def test_an_unknown_change_is_not_found(partners, pid):
    with pytest.raises(NotFound) as missing:
        partners.decide_identity_change(pid, uuid.uuid4(), True, "ok", actor=VERIFIER)
    assert missing.value.code == "no_such_change"


def test_pkp_status_is_kept_by_effective_date(partners, pid):
    partners.register_partner(loaded(company(2, pkp=False)), actor=ADMIN)
    partners.record_pkp_status(pid, False, dt.date(YEAR, 1, 1), "pengukuhan revoked",
                               actor=ADMIN)
    with pytest.raises(RuleViolated) as same:
        partners.record_pkp_status(pid, False, dt.date(YEAR, 3, 1), "again", actor=VERIFIER)
    assert same.value.code == "pkp_unchanged"
    partner = partners.get(pid)
    assert partner.pkp_on(dt.date(YEAR - 1, 12, 31)) is True   # as registered
    assert partner.pkp_on(dt.date(YEAR, 1, 1)) is False
    history = partners.get_partner(pid)["pkp_history"]
    assert history == [{"pkp": False, "effective_from": f"{YEAR}-01-01",
                        "reason": "pengukuhan revoked"}]


def test_a_partner_becoming_pkp_mid_year_is_taxed_by_the_status_on_each_paid_on(world):
    pid = tiered_partner(world, 1, "A", pkp=False)  # Rp2,500,000 an advertorial
    cid = contract(world, pid)
    before, after = order(world, cid)["order_id"], order(world, cid)["order_id"]
    # placed while not PKP: each reserves its DPP alone
    assert world.contracts.get_contract(cid)["reserved"] == 2 * 2_500_000
    world.partners.record_pkp_status(pid, True, dt.date(YEAR, 7, 1),
                                     "dikukuhkan PKP by KPP Pratama Palembang", actor=VERIFIER)
    world.sync()
    accepted(world, before)
    accepted(world, after)
    june = paid(world, before, "1/SP2D/LS/2026", dt.date(YEAR, 6, 30))
    # the order was placed while not PKP and is paid after: taxed as PKP on the payment date
    july = paid(world, after, "2/SP2D/LS/2026", dt.date(YEAR, 7, 1))
    assert (june["ppn"], june["ppn_collected"], june["paid_to_partner"], june["realised"]) == (
        0, 0, 2_450_000, 2_500_000)
    assert (july["ppn"], july["ppn_collected"], july["paid_to_partner"], july["realised"]) == (
        275_000, 275_000, 2_450_000, 2_775_000)
    assert world.contracts.get_order(after)["payment"]["pkp"] is True
    assert world.contracts.get_order(before)["payment"]["pkp"] is False
    # the reservation followed: what was realised, and the budget paid exactly that
    assert world.contracts.get_contract(cid)["reserved"] == 2_500_000 + 2_775_000
    assert world.contracts.budget_status(YEAR)[0]["paid"] == 5_275_000
    # an order placed after the change reserves DPP + PPN
    world.clock.today = dt.date(YEAR, 7, 2)
    third = order(world, cid, publish_by=dt.date(YEAR, 7, 10))
    assert (third["ppn"], third["total"]) == (275_000, 2_775_000)


@pytest.mark.world_env(SEKLIK_ENV="development")  # the deployment's cipher opens the seals
def test_each_payment_goes_to_the_account_in_force_on_its_paid_on_date(world):
    from shared.personal import number_digest
    pid = tiered_partner(world, 1, "A")
    cid = contract(world, pid)
    before, after = order(world, cid)["order_id"], order(world, cid)["order_id"]
    accepted(world, before)
    accepted(world, after)
    world.partners._clock = world.clock  # the verifier decides on the world's day
    world.clock.today = dt.date(YEAR, 6, 15)
    asked = world.partners.request_identity_change(pid, {"bank_account": NEW_ACCOUNT},
                                                   "moved to the regional bank", actor=OWN)
    world.partners.decide_identity_change(pid, asked["change_id"], True, "rekening koran",
                                          actor=VERIFIER)
    world.sync()
    key = world.contracts.settings.digest_key
    old_number = company(1)["bank_account"]["number"]
    june = paid(world, before, "1/SP2D/LS/2026", dt.date(YEAR, 6, 14))
    # paid the day before the decision: the account at registration, whatever is recorded later
    assert june["paid_to_account"] == {
        "bank": "Bank Sumsel Babel", "holder": company(1)["bank_account"]["holder"],
        "ending": old_number[-4:], "digest": number_digest(key, "bank_account", old_number)}
    july = paid(world, after, "2/SP2D/LS/2026", dt.date(YEAR, 6, 15))
    assert july["paid_to_account"] == {
        "bank": NEW_ACCOUNT["bank"], "holder": NEW_ACCOUNT["holder"], "ending": "7766",
        "digest": number_digest(key, "bank_account", NEW_ACCOUNT["number"])}
    assert world.contracts.get_order(after)["payment"]["paid_to_account"]["ending"] == "7766"
    # contracts keeps the account's digest and its last digits, never the number
    recorded = [e for e in world.contracts.notifications(0, 1000)
                if e["type"] in ("AccountNoted", "PaymentRecorded")]
    assert len(recorded) == 4
    assert NEW_ACCOUNT["number"] not in repr(recorded) and old_number not in repr(recorded)


def test_the_registry_shows_the_names_and_pkp_in_force_as_of_a_date_also_rebuilt(world,
                                                                                 tmp_path):
    from services.reporting.application import ReportingApplication
    from shared.config import Settings

    pid = tiered_partner(world, 1, "B", pkp=False)
    world.clock.today = dt.date(YEAR, 5, 4)
    world.partners.record_pkp_status(pid, True, dt.date(YEAR, 5, 1), "dikukuhkan PKP",
                                     actor=ADMIN)
    asked = world.partners.request_identity_change(pid, {"brand_name": "SumselKini"},
                                                   "rebranding", actor=OWN)
    world.partners.decide_identity_change(pid, asked["change_id"], True, "deed checked",
                                          actor=VERIFIER)
    world.project()
    [now] = world.reporting.partner_registry()
    assert (now["brand_name"], now["pkp"]) == ("SumselKini", True)
    registered = world.reporting.partner_registry(as_of=world.partners.get(pid)
                                                  .created_on.date())
    assert (registered[0]["brand_name"], registered[0]["pkp"]) == (company(1)["brand_name"],
                                                                   False)
    rebuilt = ReportingApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(
        tmp_path / "rebuilt")}), clock=world.clock)
    for source in (world.partners, world.assessment, world.contracts):
        world.feed(source, rebuilt, "apply_envelope").catch_up()
    assert rebuilt.partner_registry() == world.reporting.partner_registry()
