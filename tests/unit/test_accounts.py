"""Portal accounts, against the application: a media company's person signs up and is bound to
the company they register; staff accounts are opened by an admin; guessing a password locks the
account; an admin's reset lets the person back in. Nothing of an e-mail or a password hash
leaves the store in clear."""
import datetime as dt
import json
import uuid

import pytest

from services.accounts.application import AccountsApplication
from services.accounts.domain import FAILURES_BEFORE_LOCK, LOCK_MINUTES
from services.accounts.schemas import OpenAccountSchema, SignUpSchema
from services.partners.application import PartnersApplication
from shared import domain
from shared.personal import is_sealed
from shared.errors import Conflict, Forbidden, RuleViolated, ValidationFailed
from shared.schemas import load
from tests.support import actor, company, loaded

ADMIN = actor("admin", sub="kominfo.ani")
ANONYMOUS = {"sub": "anonymous", "roles": []}
PASSWORD = "Koran-Sriwijaya-2026"


@pytest.fixture
def accounts(sqlite_settings):
    return AccountsApplication(sqlite_settings)


def sign_up(accounts, email="redaksi@sriwijayapos.co.id", password=PASSWORD):
    return accounts.sign_up(email=email, password=password, name="Rina Redaksi",
                            actor=ANONYMOUS)


def test_a_media_person_signs_up_as_an_applicant_and_logs_in(accounts):
    opened = sign_up(accounts)
    assert opened["roles"] == ["applicant"]
    answer = accounts.log_in(email="Redaksi@SriwijayaPos.co.id", password=PASSWORD,
                             actor=ANONYMOUS)
    assert answer["ok"] and answer["account"]["account_id"] == opened["account_id"]
    assert answer["account"]["partner_id"] is None


def test_one_account_per_email_whatever_its_case(accounts):
    sign_up(accounts)
    before = accounts.max_notification_id()
    with pytest.raises(Conflict) as refused:
        sign_up(accounts, email="REDAKSI@sriwijayapos.co.id")
    assert refused.value.code == "email_taken"
    assert accounts.max_notification_id() == before  # nothing half-written


def test_the_applicant_is_bound_to_the_company_they_register(accounts, sqlite_settings):
    opened = sign_up(accounts)
    applicant = actor("applicant", sub=opened["account_id"])
    partners = PartnersApplication(sqlite_settings)
    registered = partners.register_partner(loaded(company(3)), actor=applicant)
    for envelope in partners.notifications(0, 100):
        accounts.apply_partners_event(envelope)
    account = accounts.account(opened["account_id"], with_email=False)
    assert account["roles"] == ["media"]
    assert account["partner_id"] == str(registered["partner_id"])


def test_an_applicant_registers_one_company_only(sqlite_settings):
    partners = PartnersApplication(sqlite_settings)
    applicant = actor("applicant", sub=str(uuid.uuid4()))
    partners.register_partner(loaded(company(3)), actor=applicant)
    with pytest.raises(Conflict) as refused:
        partners.register_partner(loaded(company(4)), actor=applicant)
    assert refused.value.code == "applicant_registered"


def test_a_company_registered_by_an_admin_binds_no_account(accounts, sqlite_settings):
    opened = sign_up(accounts)
    partners = PartnersApplication(sqlite_settings)
    partners.register_partner(loaded(company(3)), actor=ADMIN)
    for envelope in partners.notifications(0, 100):
        accounts.apply_partners_event(envelope)
    assert accounts.account(opened["account_id"], False)["roles"] == ["applicant"]


def test_five_wrong_passwords_lock_the_account_until_an_admin_resets_it(accounts):
    opened = sign_up(accounts)
    for attempt in range(1, FAILURES_BEFORE_LOCK + 1):
        answer = accounts.log_in(email="redaksi@sriwijayapos.co.id", password="tebak-tebak-1",
                                 actor=ANONYMOUS)
        assert answer == {**answer, "ok": False, "failures": attempt}
    assert answer["locked_until"] is not None
    recorded = accounts.max_notification_id()
    # Locked: even the right password is refused, unchecked and unrecorded.
    with pytest.raises(Forbidden) as refused:
        accounts.log_in(email="redaksi@sriwijayapos.co.id", password=PASSWORD, actor=ANONYMOUS)
    assert refused.value.code == "account_locked"
    assert accounts.max_notification_id() == recorded
    accounts.reset_password(account_id=opened["account_id"], password="Baru-Sekali-2026",
                            actor=ADMIN)
    assert accounts.log_in(email="redaksi@sriwijayapos.co.id", password="Baru-Sekali-2026",
                           actor=ANONYMOUS)["ok"]


def test_a_lock_runs_out_after_its_minutes(accounts, monkeypatch):
    sign_up(accounts)
    for _ in range(FAILURES_BEFORE_LOCK):
        accounts.log_in(email="redaksi@sriwijayapos.co.id", password="tebak-tebak-1",
                        actor=ANONYMOUS)
    later = domain.utcnow() + dt.timedelta(minutes=LOCK_MINUTES, seconds=1)
    monkeypatch.setattr("services.accounts.application.utcnow", lambda: later)
    monkeypatch.setattr(domain, "utcnow", lambda: later)
    assert accounts.log_in(email="redaksi@sriwijayapos.co.id", password=PASSWORD,
                           actor=ANONYMOUS)["ok"]


def test_an_unknown_email_answers_as_a_wrong_password_and_records_nothing(accounts):
    before = accounts.max_notification_id()
    answer = accounts.log_in(email="siapa@contoh.id", password=PASSWORD, actor=ANONYMOUS)
    assert answer == {"ok": False, "failures": 0}
    assert accounts.max_notification_id() == before


def test_a_disabled_account_cannot_log_in(accounts):
    opened = accounts.open_account(email="ppk.dedi@okikab.go.id", password=PASSWORD,
                                   name="Dedi", roles=["finance"], actor=ADMIN)
    accounts.disable_account(account_id=opened["account_id"], reason="pindah tugas",
                             actor=ADMIN)
    with pytest.raises(Forbidden) as refused:
        accounts.log_in(email="ppk.dedi@okikab.go.id", password=PASSWORD, actor=ANONYMOUS)
    assert refused.value.code == "account_disabled"


def test_staff_roles_only_for_staff_accounts(accounts):
    with pytest.raises(ValidationFailed):
        load(OpenAccountSchema, {"email": "a@b.id", "password": PASSWORD, "name": "A",
                                 "roles": ["media"]})
    opened = sign_up(accounts)
    with pytest.raises(RuleViolated) as refused:
        accounts.set_roles(account_id=opened["account_id"], roles=["finance"], actor=ADMIN)
    assert refused.value.code == "not_staff_account"


def test_a_short_password_or_the_email_as_password_is_refused_without_echoing_it():
    with pytest.raises(ValidationFailed) as short:
        load(SignUpSchema, {"email": "a@b.id", "password": "rahasia", "name": "A"})
    with pytest.raises(ValidationFailed) as same:
        load(SignUpSchema, {"email": "redaksi@koran.id", "password": "Redaksi@Koran.id",
                            "name": "A"})
    for refused in (short, same):
        assert "password" in refused.value.details["fields"]
        assert "rahasia" not in json.dumps(refused.value.details).lower()
        assert "redaksi@koran.id" not in json.dumps(refused.value.details).lower()


def test_the_email_and_password_hash_leave_the_store_sealed(accounts):
    sign_up(accounts)
    published = json.dumps(accounts.notifications(0, 100))
    assert "sriwijayapos" not in published
    assert "argon2" not in published
    opened = accounts.notifications(0, 100)[0]
    assert is_sealed(opened["payload"]["login_email"])  # (sealed under CIPHER_KEY when set)
    assert is_sealed(opened["payload"]["password_hash"])
