"""Through the service layer, as a caller sends them: a reused command_id and a number written in
other digits (issue 11, findings 5 and 6)."""
import pytest
from nameko.testing.services import worker_factory

from services.contracts.application import ContractsApplication
from services.contracts.service import ContractsService
from services.partners.application import PartnersApplication
from services.partners.service import PartnersService
from shared.auth import Caller
from shared.errors import Conflict, ValidationFailed
from tests.support import KEYS, company, token

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture
def partners(sqlite_settings):
    return PartnersApplication(sqlite_settings)


def as_(service_class, app, role, sub):
    return worker_factory(service_class, app=app,
                          auth=Caller(f"Bearer {token(role, sub=sub)}", KEYS))


def test_one_npwp_written_in_fullwidth_digits_cannot_register_the_company_twice(partners):
    admin = as_(PartnersService, partners, "admin", "kominfo.ani")
    admin.register_partner(company(1))
    with pytest.raises(ValidationFailed) as refused:
        admin.register_partner(company(2, npwp=company(1)["npwp"].translate(FULLWIDTH)))
    assert "digits 0-9" in refused.value.details["fields"]["npwp"][0]
    assert len(partners.list_partners()) == 1


def test_a_command_id_sent_again_by_its_caller_is_the_first_answer(partners):
    admin = as_(PartnersService, partners, "admin", "kominfo.ani")
    first = admin.register_partner(company(1), command_id="kominfo-2026-0001")
    events = partners.max_notification_id()
    assert admin.register_partner(company(1), command_id="kominfo-2026-0001") == first
    assert partners.max_notification_id() == events


def test_another_admin_reusing_a_command_id_gets_a_conflict_not_the_first_answer(partners):
    as_(PartnersService, partners, "admin", "kominfo.ani").register_partner(
        company(1), command_id="kominfo-2026-0001")
    events = partners.max_notification_id()
    with pytest.raises(Conflict) as refused:
        as_(PartnersService, partners, "admin", "kominfo.budi").register_partner(
            company(2), command_id="kominfo-2026-0001")
    assert refused.value.code == "command_id_reused"
    assert refused.value.details == {"command_id": "kominfo-2026-0001",
                                     "differs": ["caller", "payload"]}
    assert partners.max_notification_id() == events
    assert len(partners.list_partners()) == 1


def test_a_finance_officer_reusing_a_command_id_for_another_pagu_is_refused(sqlite_settings):
    contracts = ContractsApplication(sqlite_settings)
    finance = as_(ContractsService, contracts, "finance", "ppk.siti")
    finance.set_budget(2026, "2.16.01.2.06.0001", "Publikasi", 1_000_000_000,
                       command_id="budget-1")
    with pytest.raises(Conflict) as refused:
        finance.set_budget(2026, "2.16.01.2.06.0001", "Publikasi", 2_000_000_000,
                           command_id="budget-1")
    assert refused.value.details["differs"] == ["payload"]
    assert [b["pagu"] for b in contracts.budget_status(2026)] == [1_000_000_000]


def test_a_command_id_of_the_wrong_type_is_validation_failed_for_every_command(
        sqlite_settings):
    contracts = ContractsApplication(sqlite_settings)
    finance = as_(ContractsService, contracts, "finance", "ppk.siti")
    with pytest.raises(ValidationFailed) as refused:
        finance.set_budget(2026, "2.16.01.2.06.0001", "Publikasi", 1, command_id=123)
    assert list(refused.value.details["fields"]) == ["command_id"]
    assert contracts.max_notification_id() == 0
