"""The Kominfo admin's page of accounts: open a staff account with its roles, reset a
password (also how a locked account is let back in), disable or enable an account. Each is an
event of the accounts service, with the admin as its actor."""
from __future__ import annotations

from urllib.parse import quote

from services.accounts.domain import STAFF_ROLES
from services.gateway.portal.pages import Page, errors_of, reason_of, require_login
from shared.errors import Conflict, RuleViolated, ValidationFailed

REFUSALS = (ValidationFailed, Conflict, RuleViolated)


def accounts(page: Page, values=None, errors=None, status: int = 200):
    require_login(page)
    return page.render("accounts.html", status, accounts=page.call("accounts", "list_accounts"),
                       staff_roles=STAFF_ROLES, values=values or {}, errors=errors or {},
                       chosen=values.getlist("roles") if values else [],
                       notice=page.notice, alert=page.request.args.get("tolak") or None)


def open_account(page: Page):
    require_login(page)
    form = page.request.form
    try:
        page.call("accounts", "open_account", email=form.get("email", ""),
                  password=form.get("password", ""), name=form.get("name", ""),
                  roles=form.getlist("roles"))
    except REFUSALS as refused:
        return accounts(page, values=form, errors=errors_of(page, refused, "email"),
                        status=400)
    return page.back_to("/portal/akun-staf", page.t("accounts.opened",
                                                     email=form.get("email", "")))


def reset_password(page: Page, account_id: str):
    return change(page, "reset_password", account_id, password=page.request.form.get(
        "password", ""), done="accounts.reset_done")


def disable_account(page: Page, account_id: str):
    return change(page, "disable_account", account_id, reason=page.request.form.get(
        "reason", ""), done="accounts.disabled")


def enable_account(page: Page, account_id: str):
    return change(page, "enable_account", account_id, reason=page.request.form.get(
        "reason", ""), done="accounts.enabled")


def change(page: Page, method: str, account_id: str, done: str, **arguments):
    require_login(page)
    try:
        page.call("accounts", method, account_id=account_id, **arguments)
    except REFUSALS as refused:
        return page.back_to("/portal/akun-staf?tolak=" + quote(reason_of(page, refused)))
    return page.back_to("/portal/akun-staf", page.t(done))


PAGES = [
    ("/akun-staf", accounts, ["GET"]),
    ("/akun-staf/baru", open_account, ["POST"]),
    ("/akun-staf/<account_id>/sandi", reset_password, ["POST"]),
    ("/akun-staf/<account_id>/nonaktif", disable_account, ["POST"]),
    ("/akun-staf/<account_id>/aktif", enable_account, ["POST"]),
]
