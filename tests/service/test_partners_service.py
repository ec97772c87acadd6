"""The partners nameko service: entrypoints authorise, validate, call the application, answer.

worker_factory runs one entrypoint with the real application injected (no broker);
entrypoint_hook runs the service in a real container on RabbitMQ, as `nameko run` would.
"""
import pytest
from nameko.testing.services import entrypoint_hook, worker_factory

from services.partners.application import PartnersApplication
from services.partners.service import PartnersService
from shared.auth import Caller
from shared.errors import Forbidden, Unauthenticated, ValidationFailed
from tests.support import KEYS, company, token


@pytest.fixture
def app(sqlite_settings):
    return PartnersApplication(sqlite_settings)


def service_as(app, *roles, **claims):
    auth = Caller(f"Bearer {token(*roles, **claims)}" if roles else None, KEYS)
    return worker_factory(PartnersService, app=app, auth=auth)


def test_an_admin_registers_a_company_and_reads_its_file(app):
    answer = service_as(app, "admin").register_partner(company(1))
    file = service_as(app, "auditor").get_partner(answer["partner_id"])
    assert file["legal_name"] == "Sriwijaya Media Utama 1"
    assert app.notifications(0, 1)[0]["actor"] == {"sub": "tester", "roles": ["admin"]}


def test_no_token_is_unauthenticated(app):
    with pytest.raises(Unauthenticated):
        service_as(app).register_partner(company(1))


@pytest.mark.parametrize("role", ["media", "finance", "auditor", "system"])
def test_roles_other_than_admin_may_not_register(app, role):
    with pytest.raises(Forbidden):
        service_as(app, role).register_partner(company(1))
    assert app.max_notification_id() == 0


def test_a_media_company_reads_only_its_own_file(app):
    own = service_as(app, "admin").register_partner(company(1))["partner_id"]
    other = service_as(app, "admin").register_partner(company(2))["partner_id"]
    media = service_as(app, "media", partner_id=own)
    assert media.get_partner(own)["partner_id"] == own
    with pytest.raises(Forbidden):
        service_as(app, "media", partner_id=own).get_partner(other)


def test_unknown_arguments_are_refused_with_what_the_method_takes(app):
    with pytest.raises(ValidationFailed) as refused:
        service_as(app, "admin").register_partner(company(1), fiscal_year=2026)
    assert "partner, command_id" in refused.value.message


def test_notifications_pages_are_bounded(app):
    with pytest.raises(ValidationFailed) as refused:
        service_as(app, "auditor").notifications(after=0, limit=5000)
    assert "limit" in refused.value.details["fields"]
    with pytest.raises(ValidationFailed):
        service_as(app, "auditor").notifications(after="0", limit=10)


def test_list_partners_refuses_an_unknown_status(app):
    with pytest.raises(ValidationFailed) as refused:
        service_as(app, "admin").list_partners(status="verified")
    assert "status" in refused.value.details["fields"]



def test_a_registration_through_a_running_container(container):
    context = {"authorization": f"Bearer {token('admin', sub='kominfo.ani')}"}
    with entrypoint_hook(container, "register_partner", context_data=context) as register:
        answer = register(company(3), command_id="svc-1")
    with entrypoint_hook(container, "register_partner", context_data=context) as register:
        assert register(company(3), command_id="svc-1") == answer
    with entrypoint_hook(container, "list_partners", context_data=context) as listing:
        assert [p["partner_id"] for p in listing()] == [answer["partner_id"]]
