"""A regency registers media companies: identity rules of DOMAIN.md §1, against the application."""
import pytest

from services.partners.application import PartnersApplication
from shared.errors import Conflict, NotFound, RuleViolated
from tests.support import actor, company, loaded

ADMIN = actor("admin", sub="kominfo.ani")


@pytest.fixture
def partners(sqlite_settings):
    return PartnersApplication(sqlite_settings)


def test_a_weekly_paper_registers_and_its_file_shows_its_identity(partners):
    answer = partners.register_partner(
        loaded(company(7, media_type="print_weekly", pkp=False)), actor=ADMIN)
    assert answer["status"] == "registered"
    file = partners.get_partner(answer["partner_id"])
    assert file["media_type"] == "print_weekly"
    assert file["pkp"] is False
    assert file["founded_on"] == "2015-03-01"
    assert file["bank_account"]["holder"] == "PT Sriwijaya Media Utama 7"


def test_a_second_company_with_the_same_npwp_is_refused(partners):
    first = partners.register_partner(loaded(company(1)), actor=ADMIN)
    with pytest.raises(Conflict) as refused:
        partners.register_partner(loaded(company(2, npwp=company(1)["npwp"])), actor=ADMIN)
    assert refused.value.code == "npwp_taken"
    assert refused.value.details["partner_id"] == first["partner_id"]


def test_a_refused_registration_records_no_event(partners):
    partners.register_partner(loaded(company(1)), actor=ADMIN)
    before = partners.max_notification_id()
    with pytest.raises(Conflict):
        partners.register_partner(loaded(company(2, npwp=company(1)["npwp"])), actor=ADMIN)
    with pytest.raises(RuleViolated):
        partners.register_partner(loaded(company(3, bank_account={
            "bank": "BRI", "number": "5550001", "holder": "Budi Santoso"})), actor=ADMIN)
    assert partners.max_notification_id() == before


def test_an_account_in_a_persons_name_is_refused(partners):
    with pytest.raises(RuleViolated) as refused:
        partners.register_partner(loaded(company(1, bank_account={
            "bank": "BRI", "number": "5550001", "holder": "Budi Santoso"})), actor=ADMIN)
    assert refused.value.code == "bank_holder_not_company"
    assert "Budi Santoso" in refused.value.message


def test_the_holder_may_write_the_company_name_with_its_legal_form_and_any_case(partners):
    answer = partners.register_partner(loaded(company(1, bank_account={
        "bank": "BRI", "number": "5550001", "holder": "pt. SRIWIJAYA MEDIA UTAMA 1"})),
        actor=ADMIN)
    assert answer["status"] == "registered"


def test_a_company_founded_in_the_future_is_refused(partners):
    with pytest.raises(RuleViolated) as refused:
        partners.register_partner(loaded(company(1, founded_on="2999-01-01")), actor=ADMIN)
    assert refused.value.code == "founded_in_future"


def test_the_same_command_id_twice_gives_one_partner(partners):
    first = partners.register_partner(loaded(company(1)), actor=ADMIN, command_id="reg-001")
    events = partners.max_notification_id()
    again = partners.register_partner(loaded(company(1)), actor=ADMIN, command_id="reg-001")
    assert again == first
    assert partners.max_notification_id() == events
    assert len(partners.list_partners()) == 1


def test_a_command_id_reused_for_another_command_is_a_conflict(partners):
    partners.register_partner(loaded(company(1)), actor=ADMIN, command_id="x-1")
    with pytest.raises(Conflict) as refused:
        partners.previous_answer("x-1", "sign_contract")
    assert refused.value.code == "command_id_reused"


def test_partners_are_listed_by_name_and_filtered(partners):
    partners.register_partner(loaded(company(2, legal_name="Zamrud TV", media_type="tv",
                                             bank_account={"bank": "BNI", "number": "123456",
                                                           "holder": "PT Zamrud TV"})),
                              actor=ADMIN)
    partners.register_partner(loaded(company(1)), actor=ADMIN)
    names = [p["legal_name"] for p in partners.list_partners()]
    assert names == ["Sriwijaya Media Utama 1", "Zamrud TV"]
    assert [p["legal_name"] for p in partners.list_partners(media_type="tv")] == ["Zamrud TV"]
    assert partners.list_partners(status="active") == []


def test_an_unknown_partner_is_not_found(partners):
    with pytest.raises(NotFound):
        partners.get_partner("5b0c7a34-0000-4000-8000-000000000000")
    with pytest.raises(NotFound):
        partners.get_partner("not-a-uuid")
