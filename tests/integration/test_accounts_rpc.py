"""Portal accounts against services running as processes, called as another system calls them.

A media company's person signs up with no token, logs in, registers the company as an
applicant, and the next renewal of their token is a `media` one bound to that company, which
then files its documents; an admin opens a staff account whose token carries its roles; wrong
passwords lock the account; a disabled account's token is not renewed.
"""
import time

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from shared.auth import Caller, bearer
from shared.errors import Conflict, Forbidden, NotFound, Unauthenticated
from tests.support import KEYS, company, document

pytestmark = pytest.mark.integration

PASSWORD = "Koran-Sriwijaya-2026"


def as_holder(cluster, token: str | None):
    return ClusterRpcProxy({"AMQP_URI": cluster.amqp_uri}, timeout=30,
                           context_data=bearer(token) if token else {})


def claims(token: str) -> dict:
    caller = Caller(f"Bearer {token}", KEYS)
    return caller._claims()


def test_a_media_person_signs_up_registers_the_company_and_becomes_its_user(cluster):
    for service in ("partners", "accounts"):
        cluster.start(service)
    with as_holder(cluster, None) as anyone:
        opened = anyone.accounts.sign_up(email="redaksi@sriwijayapos.co.id",
                                         password=PASSWORD, name="Rina Redaksi")
        session = anyone.accounts.log_in(email="redaksi@sriwijayapos.co.id",
                                         password=PASSWORD)
    assert claims(session["token"])["roles"] == ["applicant"]
    assert claims(session["token"])["sub"] == opened["account_id"]
    with as_holder(cluster, session["token"]) as applicant:
        registered = applicant.partners.register_partner(partner=company(11))
        with pytest.raises(Forbidden):  # an applicant does nothing else
            applicant.partners.get_partner(partner_id=registered["partner_id"])
        deadline = time.monotonic() + 20
        while True:  # accounts binds the account when partners' event reaches it
            renewed = applicant.accounts.renew()
            if renewed["account"]["partner_id"] or time.monotonic() > deadline:
                break
            time.sleep(0.3)
    assert renewed["account"]["roles"] == ["media"]
    assert claims(renewed["token"])["partner_id"] == registered["partner_id"]
    with as_holder(cluster, renewed["token"]) as media:
        media.partners.submit_document(partner_id=registered["partner_id"],
                                       document=document("nib"))
        assert media.partners.get_partner(partner_id=registered["partner_id"])["documents"]
        assert media.accounts.my_account()["email"] == "redaksi@sriwijayapos.co.id"


def test_staff_accounts_wrong_passwords_and_disabling(cluster):
    cluster.start("accounts")
    with cluster.rpc("admin", sub="kominfo.ani") as admin:
        opened = admin.accounts.open_account(email="ppk.dedi@okikab.go.id",
                                             password=PASSWORD, name="Dedi",
                                             roles=["finance"])
        with pytest.raises(Conflict):
            admin.accounts.open_account(email="PPK.Dedi@okikab.go.id", password=PASSWORD,
                                        name="Dedi", roles=["finance"])
    with as_holder(cluster, None) as anyone:
        session = anyone.accounts.log_in(email="ppk.dedi@okikab.go.id", password=PASSWORD)
        assert claims(session["token"])["roles"] == ["finance"]
        with pytest.raises(Unauthenticated) as wrong:
            anyone.accounts.log_in(email="ppk.dedi@okikab.go.id", password="bukan-ini-123")
        assert wrong.value.code == "wrong_credentials"
        with pytest.raises(Unauthenticated) as unknown:
            anyone.accounts.log_in(email="siapa@okikab.go.id", password="bukan-ini-123")
        assert unknown.value.code == "wrong_credentials"
        with pytest.raises(Unauthenticated):  # renewing needs a token
            anyone.accounts.renew()
    with cluster.rpc("admin", sub="kominfo.ani") as admin:
        admin.accounts.disable_account(account_id=opened["account_id"], reason="pindah tugas")
        listed = admin.accounts.list_accounts()
    assert [a["email"] for a in listed] == ["ppk.dedi@okikab.go.id"]
    with as_holder(cluster, session["token"]) as dedi, pytest.raises(Forbidden) as refused:
        dedi.accounts.renew()
    assert refused.value.code == "account_disabled"
    # A token minted by `seklik token` names no account: it is not renewed.
    with cluster.rpc("finance", sub="ppk.dedi") as other, pytest.raises(NotFound) as none:
        other.accounts.renew()
    assert none.value.code == "no_account"


def test_the_fifth_wrong_password_locks_the_account(cluster):
    cluster.start("accounts")
    with as_holder(cluster, None) as anyone:
        anyone.accounts.sign_up(email="media@koran.id", password=PASSWORD, name="Media")
        for _ in range(4):
            with pytest.raises(Unauthenticated):
                anyone.accounts.log_in(email="media@koran.id", password="tebak-tebak-99")
        with pytest.raises(Forbidden) as locked:
            anyone.accounts.log_in(email="media@koran.id", password="tebak-tebak-99")
        assert locked.value.code == "account_locked"
        with pytest.raises(Forbidden):
            anyone.accounts.log_in(email="media@koran.id", password=PASSWORD)
