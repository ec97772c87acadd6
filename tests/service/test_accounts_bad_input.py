"""Bad input for every accounts method: ValidationFailed naming the field, nothing recorded,
and never the password itself in the answer."""
import json

import pytest
from nameko.testing.services import worker_factory

from services.accounts.application import AccountsApplication
from services.accounts.service import AccountsService
from shared.auth import Caller
from shared.errors import ValidationFailed
from tests.service.checks import OPERATOR_METHODS, check_refused, rpc_methods
from tests.support import KEYS

ID = "5b0c7a34-1111-4000-8000-000000000001"
GOOD = "Kata-Sandi-Panjang-1"

CASES = [
    ("sign_up", dict(email="bukan-email", password=GOOD, name="Rina"), "email"),
    ("sign_up", dict(email="rina@koran.id", password="pendek", name="Rina"), "password"),
    ("sign_up", dict(email="rina@koran.id", password="rina@koran.id", name="Rina"),
     "password"),
    ("sign_up", dict(email="rina@koran.id", password=GOOD, name="Rina\x1b[2J"), "name"),
    ("sign_up", dict(email="rina@koran.id", password="x" * 129, name="Rina"), "password"),
    ("log_in", dict(email="rina@koran.id", password=123456789012), "password"),
    ("log_in", dict(email="", password=GOOD), "email"),
    ("change_password", dict(old_password=GOOD, password="pendek"), "password"),
    ("open_account", dict(email="dedi@okikab.go.id", password=GOOD, name="Dedi",
                          roles=["media"]), "roles"),
    ("open_account", dict(email="dedi@okikab.go.id", password=GOOD, name="Dedi",
                          roles="finance"), "roles"),
    ("reset_password", dict(account_id="x", password=GOOD), "account_id"),
    ("reset_password", dict(account_id=ID, password="pendek"), "password"),
    ("set_roles", dict(account_id=ID, roles=["applicant"]), "roles"),
    ("disable_account", dict(account_id=ID, reason=""), "reason"),
    ("enable_account", dict(account_id="x", reason="kembali"), "account_id"),
    ("get_account", dict(account_id=42), "account_id"),
    ("notifications", dict(after=0, limit=1001), "limit"),
    ("checkpoints", dict(after=0, limit="all"), "limit"),
    ("signed_checkpoints", dict(after=0, limit="all"), "limit"),
]
NO_INPUT = {"renew", "my_account", "list_accounts", "digest"}


@pytest.fixture
def app(sqlite_settings):
    return AccountsApplication(sqlite_settings)


@pytest.mark.parametrize("method,arguments,field", CASES,
                         ids=[f"{m}-{f}-{i}" for i, (m, _, f) in enumerate(CASES)])
def test_bad_input_names_the_field_and_records_nothing(app, method, arguments, field):
    role = "auditor" if method in ("notifications", "checkpoints", "signed_checkpoints") \
        else "admin"
    check_refused(AccountsService, app, role, method, arguments, field)


def test_every_accounts_method_has_a_bad_input_case():
    assert rpc_methods(AccountsService) - NO_INPUT - OPERATOR_METHODS <= {m for m, _, _ in CASES}


@pytest.mark.parametrize("password", ["pendek", "x" * 129, "rina@koran.id"])
def test_a_refused_password_is_never_echoed(app, password):
    service = worker_factory(AccountsService, app=app, auth=Caller(None, KEYS))
    with pytest.raises(ValidationFailed) as refused:
        service.sign_up(email="rina@koran.id", password=password, name="Rina")
    assert password not in refused.value.message + json.dumps(refused.value.details)
