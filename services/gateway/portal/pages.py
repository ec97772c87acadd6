"""The portal's pages: one function per page, each calling the services as the person at the
browser (their token, their roles), rendering a Jinja2 template in their language.

A page never decides who may do what: the service called refuses (Forbidden, NotFound), and the
page shows that refusal. A form's errors come back from the service's own schema and are shown
beside their fields, in Indonesian (text.field_message). Every POST carries the form's CSRF
token (session.py); a file goes through the same staging as the HTTP API's uploads (files.py).
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from importlib import resources
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound as NoRoute, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from services.gateway import files
from services.contracts.domain import PRODUCTS, UNITS
from services.partners.domain import JOURNALIST_ROLES, PRESS_COUNCIL, UKW_LEVELS
from services.gateway.portal import text
from services.gateway.portal.session import Session
from services.gateway.routes import JSON_LIMIT
from shared.errors import (Conflict, Forbidden, NotFound, RuleViolated, SeklikError,
                           Unauthenticated, ValidationFailed)
from shared.published import MEDIA_TYPES

log = logging.getLogger(__name__)

TEMPLATES = Environment(loader=PackageLoader("services.gateway.portal", "templates"),
                        autoescape=select_autoescape(default=True), trim_blocks=True,
                        lstrip_blocks=True)
TEMPLATES.filters.update(rupiah=text.rupiah, number=text.number)
# A select's options from a domain's codes: (code, its label in the page's language).
TEMPLATES.filters["zip_labels"] = lambda codes, t, prefix: [(c, t(prefix + c)) for c in codes]
TEMPLATES.globals.update(JOURNALIST_ROLES=JOURNALIST_ROLES, UKW_LEVELS=UKW_LEVELS,
                         PRESS_COUNCIL=PRESS_COUNCIL, MEDIA_TYPES=MEDIA_TYPES,
                         PRODUCTS=PRODUCTS, UNITS=UNITS)
STATUS = {ValidationFailed: 400, Unauthenticated: 401, Forbidden: 403, NotFound: 404,
          Conflict: 409, RuleViolated: 422}
PARTNER_FIELDS = ("legal_name", "brand_name", "legal_form", "media_type", "npwp", "nib", "pkp",
                  "address", "founded_on", "contact.email", "contact.phone",
                  "bank_account.bank", "bank_account.number", "bank_account.holder")
DOCUMENT_FIELDS = ("kind", "number", "issued_on", "valid_until")
JOURNALIST_FIELDS = ("nik", "name", "role", "ukw_level", "certificate_no")
# What a company may ask to change (partners' IdentityChangeFieldsSchema), as the form names
# them, with each one's label; contact and bank_account are replaced whole.
IDENTITY_FIELDS = (("brand_name", "partner.field.brand_name"),
                   ("legal_name", "partner.field.legal_name"),
                   ("address", "partner.field.address"),
                   ("contact.email", "partner.field.contact_email"),
                   ("contact.phone", "partner.field.contact_phone"),
                   ("bank_account.bank", "partner.field.bank"),
                   ("bank_account.number", "partner.field.bank_number"),
                   ("bank_account.holder", "partner.field.bank_holder"))
BIND_WAIT = 20  # seconds the waiting page keeps renewing before it says to come back later


class CsrfRefused(Exception):
    """A POST without this browser's form token (another site's page, an old form)."""


class Page:
    """One request: the session, the services as the person, the file store, the settings."""

    def __init__(self, request, session: Session, calls, store, settings):
        self.request, self.session, self.calls = request, session, calls
        self.store, self.settings = store, settings
        self.account = None

    @property
    def lang(self) -> str:
        return self.session.lang

    def t(self, key: str, **values) -> str:
        return text.t(key, self.lang, **values)

    def file(self) -> tuple[str, bytes]:
        """(name, bytes) of the form's `file`, within the file store's limit; else a field
        error beside it (the page's form, unlike the API's, has no 413 of its own)."""
        part = self.request.files.get("file")
        if part is None or not part.filename:
            raise ValidationFailed.from_messages(
                {"file": ["send the file in this part (PDF, JPEG or PNG)"]})
        data = part.stream.read(self.store.limit + 1)
        if len(data) > self.store.limit:
            raise ValidationFailed.from_messages({"file": [
                f"a file may be at most {self.store.limit:,} bytes"]})
        return files.file_name(part.filename), data

    def when(self, instant) -> str:
        """An instant (UTC) as the regency's local date and time, in the page's language."""
        return text.waktu(instant, self.lang, self.settings.timezone) if instant else ""

    def call(self, service: str, method: str, **kwargs):
        return self.calls.call(self.session.authorization, service, method, kwargs)

    @property
    def today(self) -> dt.date:
        """The regency's date (SEKLIK_TIMEZONE), never the UTC date."""
        return self.settings.local_date(dt.datetime.now(dt.timezone.utc))

    @property
    def year(self) -> int:
        """The regency's fiscal year today."""
        return self.today.year

    def render(self, template: str, status: int = 200, **context) -> Response:
        page = TEMPLATES.get_template(template).render(
            lang=self.lang, t=self.t, csrf_token=self.session.csrf_token,
            here=self.request.path, nav=self.nav(), account=self.account,
            tanggal=lambda v: text.tanggal(v, self.lang) if v else "",
            waktu=self.when,
            **context)
        return Response(page, status=status, content_type="text/html; charset=utf-8",
                        headers=PAGE_HEADERS)

    def nav(self) -> list[tuple[str, str]]:
        roles = self.session.roles
        items = []
        if "applicant" in roles:
            items.append(("/portal/perusahaan/baru", self.t("nav.register_company")))
        if "media" in roles:
            items.append((f"/portal/perusahaan/{self.session.partner_id}",
                          self.t("nav.my_company")))
            items.append((f"/portal/perusahaan/{self.session.partner_id}/pesanan",
                          self.t("nav.orders")))
        if roles & {"verifier", "admin"}:
            items.append(("/portal/verifikasi", self.t("nav.verification")))
        if "assessor" in roles:
            items.append(("/portal/penilaian", self.t("nav.assessment")))
        if roles & {"humas", "admin", "media"}:
            items.append(("/portal/siaran", self.t("nav.releases")))
        if "finance" in roles:
            items += [("/portal/keuangan/pesanan", self.t("nav.finance_work")),
                      ("/portal/keuangan/kontrak", self.t("nav.contracts")),
                      ("/portal/keuangan", self.t("nav.budgets")),
                      ("/portal/keuangan/harga", self.t("nav.prices")),
                      ("/portal/keuangan/pajak", self.t("nav.tax_rules"))]
        if roles & {"admin", "finance", "auditor"}:
            items.append(("/portal/laporan", self.t("nav.reports")))
            items.append(("/portal/grafik", self.t("nav.charts")))
        if roles & {"auditor"}:
            items.append(("/portal/jejak", self.t("nav.trail")))
        if roles & {"admin", "auditor"}:
            items.append(("/portal/digest", self.t("nav.digests")))
        if "admin" in roles:
            items.append(("/portal/akun-staf", self.t("nav.accounts")))
        if roles:
            items.append(("/portal/akun", self.t("nav.account")))
        return items

    def back_to(self, path: str, notice: str | None = None) -> Response:
        """After a POST, the page it changed (Post/Redirect/Get), with a one-line notice."""
        if notice:
            path += ("&" if "?" in path else "?") + "pesan=" + quote(notice)
        return redirect(path, code=303)

    @property
    def notice(self) -> str | None:
        return self.request.args.get("pesan") or None


# Security headers of every page: no framing, no scripts from anywhere, nothing sniffed.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-src 'self'; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


# Accounts and sessions ---------------------------------------------------------------------

def log_in(page: Page):
    form = page.request.form
    if page.request.method == "GET":
        notice = page.t("login.expired") if page.request.args.get("sesi") == "berakhir" \
            else page.notice
        return page.render("login.html", values={}, notice=notice)
    try:
        answer = page.calls.call(None, "accounts", "log_in",
                                 {"email": form.get("email", ""),
                                  "password": form.get("password", "")})
    except Unauthenticated:
        return page.render("login.html", 401, values=form, alert=page.t("login.wrong"))
    except Forbidden as refused:
        alert = page.t("login.locked", until=page.when(refused.details.get("locked_until"))) \
            if refused.code == "account_locked" else page.t("login.disabled")
        return page.render("login.html", 403, values=form, alert=alert)
    except ValidationFailed as refused:
        return page.render("login.html", 400, values=form, errors=errors_of(page, refused))
    page.session.begin(answer["token"])
    return redirect(safe_next(page.request.args.get("lanjut")), code=303)


def sign_up(page: Page):
    if page.request.method == "GET":
        return page.render("signup.html", values={})
    form = page.request.form
    if form.get("password") != form.get("password_again"):
        return page.render("signup.html", 400, values=form,
                           errors={"password_again": [page.t("signup.passwords_differ")]})
    try:
        page.calls.call(None, "accounts", "sign_up", {
            "email": form.get("email", ""), "password": form.get("password", ""),
            "name": form.get("name", "")})
    except (ValidationFailed, Conflict) as refused:
        return page.render("signup.html", STATUS[type(refused)], values=form,
                           errors=errors_of(page, refused, "email"))
    return page.back_to("/portal/masuk", page.t("signup.done"))


def log_out(page: Page):
    page.session.end()
    return page.back_to("/portal/masuk", page.t("logout.done"))


def choose_language(page: Page):
    page.session.choose_language(page.request.form.get("lang", ""))
    return redirect(safe_next(page.request.form.get("next")), code=303)


def home(page: Page):
    roles = page.session.roles
    if not roles:
        return redirect("/portal/masuk", code=303)
    if roles == {"applicant"}:
        return redirect("/portal/perusahaan/baru", code=303)
    if roles == {"media"}:
        return redirect(f"/portal/perusahaan/{page.session.partner_id}", code=303)
    if roles & {"verifier", "admin"}:
        return redirect("/portal/verifikasi", code=303)
    if "assessor" in roles:
        return redirect("/portal/penilaian", code=303)
    if "finance" in roles:
        return redirect("/portal/keuangan/pesanan", code=303)
    if "auditor" in roles:
        return redirect("/portal/laporan", code=303)
    if "humas" in roles:
        return redirect("/portal/siaran", code=303)
    return redirect("/portal/akun", code=303)


def my_account(page: Page):
    require_login(page)
    errors = {}
    if page.request.method == "POST":
        form = page.request.form
        try:
            page.call("accounts", "change_password", old_password=form.get("old_password", ""),
                      password=form.get("password", ""))
            return page.back_to("/portal/akun", page.t("password.changed"))
        except ValidationFailed as refused:
            errors = errors_of(page, refused)
    return page.render("account.html", 400 if errors else 200, details=page.account,
                       roles=sorted(page.session.roles), errors=errors, notice=page.notice)


# The media company -------------------------------------------------------------------------

def register_company(page: Page):
    require_login(page)
    if page.request.method == "GET":
        return page.render("company_new.html", values={}, options=company_options(page))
    form = page.request.form
    partner = nested({name: form.get(name, "").strip() for name in PARTNER_FIELDS})
    partner["pkp"] = {"ya": True, "tidak": False}.get(form.get("pkp"), form.get("pkp"))
    try:
        page.call("partners", "register_partner", partner=partner)
    except (ValidationFailed, Conflict, RuleViolated) as refused:
        return page.render("company_new.html", STATUS[type(refused)], values=form,
                           options=company_options(page),
                           errors=errors_of(page, refused, "npwp" if refused.code ==
                                            "npwp_taken" else "_"),
                           alert=page.t("form.has_errors"))
    return redirect("/portal/perusahaan/menunggu", code=303)


def waiting_for_company(page: Page):
    """The applicant's account is bound to the company once accounts has read partners'
    event (a second or two): renew the token until it is a media one."""
    require_login(page)
    renewed = page.call("accounts", "renew")
    if renewed["account"]["partner_id"]:
        page.session.begin(renewed["token"])
        return page.back_to(f"/portal/perusahaan/{renewed['account']['partner_id']}",
                            page.t("company.registered"))
    tries = page.request.args.get("ke", "0")
    tries = int(tries) if tries.isdigit() and len(tries) < 4 else 0
    return page.render("waiting.html", tries=tries + 1, refresh=tries * 2 < BIND_WAIT)


def company(page: Page, partner_id: str):
    require_login(page)
    return page.render("company.html", **company_file(page, partner_id),
                       kinds=document_kinds(page), values={}, errors={}, notice=page.notice)


def company_file(page: Page, partner_id: str) -> dict:
    """What a company's page and its reviewer's show: the file, this year's checklist, the
    identity changes asked for (newest first), and whether the person acts for the company
    (the company itself or an admin: they alone may change its list and ask for changes)."""
    partner = page.call("partners", "get_partner", partner_id=partner_id)
    changes = [{**change, "rows": identity_rows(page, partner, change["change"])}
               for change in reversed(partner.get("identity_changes") or [])]
    return {"partner": partner, "changes": changes,
            "checklist": page.call("partners", "check_requirements", partner_id=partner_id,
                                   fiscal_year=page.year),
            "year": page.year,
            "acts_for_company": bool(page.session.roles & {"admin", "media"})}


def identity_rows(page: Page, partner: dict, change: dict) -> list[dict]:
    """Each field an identity change touches: its label, the value in force now and the
    value asked for (each part of a contact or bank account on its own row). Numbers come
    as partners answered them for this person's role."""
    rows = []
    for path, label in IDENTITY_FIELDS:
        *parent, leaf = path.split(".")
        asked = (change.get(parent[0]) or {}) if parent else change
        if leaf not in asked:
            continue
        now = (partner.get(parent[0]) or {}) if parent else partner
        rows.append({"field": path, "label": page.t(label), "now": now.get(leaf),
                     "after": asked[leaf]})
    return rows


def upload_document(page: Page, partner_id: str):
    require_login(page)
    request = page.request
    document = {name: request.form.get(name, "").strip() for name in DOCUMENT_FIELDS}
    document["valid_until"] = document["valid_until"] or None
    try:
        name, data = page.file()
        page.call("partners", "get_partner", partner_id=partner_id)  # may they, before a byte
        files.staged(page.store, data, name, lambda file: page.call(
            "partners", "submit_document", partner_id=partner_id,
            document={**document, "file": file}))
    except (ValidationFailed, RuleViolated, Conflict) as refused:
        return page.render("company.html", STATUS[type(refused)],
                           **company_file(page, partner_id), kinds=document_kinds(page),
                           values=request.form, errors=errors_of(page, refused, "file"),
                           alert=page.t("form.has_errors"))
    return page.back_to(f"/portal/perusahaan/{partner_id}", page.t(
        "document.uploaded", kind=page.t(f"document.kind.{document['kind']}")))


def file_objection(page: Page, partner_id: str):
    require_login(page)
    try:
        page.call("partners", "file_objection", partner_id=partner_id,
                  statement=page.request.form.get("statement", ""))
    except (ValidationFailed, RuleViolated, Conflict) as refused:
        return page.back_to(f"/portal/perusahaan/{partner_id}", reason_of(page, refused))
    return page.back_to(f"/portal/perusahaan/{partner_id}", page.t("objection.filed"))


def add_journalist(page: Page, partner_id: str):
    """The company lists a journalist (its chief editor first): NIK, name, role, UKW level."""
    require_login(page)
    form = page.request.form
    journalist = {name: form.get(name, "").strip() for name in JOURNALIST_FIELDS}
    journalist["certificate_no"] = journalist["certificate_no"] or None
    try:
        page.call("partners", "add_journalist", partner_id=partner_id, journalist=journalist)
    except (ValidationFailed, RuleViolated, Conflict) as refused:
        return page.render("company.html", STATUS[type(refused)],
                           **company_file(page, partner_id), kinds=document_kinds(page),
                           values={}, journalist_values=form,
                           journalist_errors=errors_of(page, refused, "nik"),
                           errors={}, alert=page.t("form.has_errors"))
    return page.back_to(f"/portal/perusahaan/{partner_id}", page.t("journalist.added"))


def remove_journalist(page: Page, partner_id: str):
    """The company takes a journalist off its list, with a reason. The NIK comes from the
    form's hidden field (the page of the company itself or an admin's: partners answers it in
    clear to them alone), never from the address."""
    require_login(page)
    form = page.request.form
    nik = form.get("nik", "")
    try:
        page.call("partners", "remove_journalist", partner_id=partner_id, nik=nik,
                  reason=form.get("reason", "").strip())
    except (ValidationFailed, RuleViolated, Conflict, NotFound) as refused:
        alert, errors = refusal_shown(page, refused)
        return page.render("company.html", STATUS[type(refused)],
                           **company_file(page, partner_id), kinds=document_kinds(page),
                           values={}, errors={}, removal={"nik": nik, "errors": errors},
                           alert=alert)
    return page.back_to(f"/portal/perusahaan/{partner_id}", page.t("journalist.removed"))


def request_identity_change(page: Page, partner_id: str):
    """The company asks to change its identity: only the fields filled in are sent, each
    replacing the field whole (a bank account needs its three parts: the service's schema
    says so). Nothing changes until a verifier decides (`decide_identity_change`)."""
    require_login(page)
    form = page.request.form
    filled = {path: form.get(path, "").strip() for path, _ in IDENTITY_FIELDS}
    change = nested({path: value for path, value in filled.items() if value})
    try:
        page.call("partners", "request_identity_change", partner_id=partner_id, change=change,
                  reason=form.get("reason", "").strip())
    except (ValidationFailed, RuleViolated, Conflict) as refused:
        beside = "bank_account.holder" if "bank_account" in change else "legal_name"
        return page.render("company.html", STATUS[type(refused)],
                           **company_file(page, partner_id), kinds=document_kinds(page),
                           values={}, errors={}, change_values=form,
                           change_errors=errors_of(page, refused, beside if refused.code ==
                                                   "bank_holder_not_company" else "_"),
                           alert=page.t("form.has_errors"))
    return page.back_to(f"/portal/perusahaan/{partner_id}", page.t("identity.requested"))


def document_file(page: Page, partner_id: str, document_id: str):
    """A document's file, checked against its SHA-256, shown in the page (inline) to whom the
    partners service allows it."""
    require_login(page)
    record = page.call("partners", "document_file", partner_id=partner_id,
                       document_id=document_id)
    response = files.file_response(record, page.store.read(record["sha256"]), inline=True)
    return response


# The verification team -----------------------------------------------------------------------

def verification_queue(page: Page):
    require_login(page)
    waiting = []
    for summary in page.call("partners", "list_partners"):
        if summary["status"] not in ("registered", "active"):
            continue
        partner = page.call("partners", "get_partner", partner_id=summary["partner_id"])
        pending = [d for d in partner["documents"] if d["review"] == "pending"]
        changes = [c for c in partner.get("identity_changes") or []
                   if c["decision"] == "pending"]
        if pending or changes or partner["status"] == "registered":
            waiting.append({"partner": partner, "pending": pending, "changes": changes})
    return page.render("queue.html", waiting=waiting, notice=page.notice)


def review_partner(page: Page, partner_id: str):
    require_login(page)
    return review_page(page, partner_id, alert=page.request.args.get("tolak") or None)


def review_page(page: Page, partner_id: str, status: int = 200, **context) -> Response:
    return page.render("review.html", status, **company_file(page, partner_id),
                       notice=page.notice, is_admin="admin" in page.session.roles,
                       is_verifier="verifier" in page.session.roles, **context)


def decide_identity_change(page: Page, partner_id: str, change_id: str):
    """The verifier approves or rejects a pending identity change, with a note (required for
    both: the company reads why)."""
    require_login(page)
    form = page.request.form
    decision = form.get("decision", "")
    try:
        page.call("partners", "decide_identity_change", partner_id=partner_id,
                  change_id=change_id,
                  approved={"approved": True, "rejected": False}.get(decision, decision),
                  note=form.get("note", "").strip())
    except (ValidationFailed, RuleViolated, Conflict) as refused:
        alert, errors = refusal_shown(page, refused)
        return review_page(page, partner_id, STATUS[type(refused)], alert=alert, decided={
            "change_id": change_id, "note": form.get("note", ""), "errors": errors})
    return page.back_to(f"/portal/verifikasi/{partner_id}",
                        page.t(f"identity.done.{decision}"))


def review_document(page: Page, partner_id: str, document_id: str):
    require_login(page)
    form = page.request.form
    decision = form.get("decision", "")
    back = f"/portal/verifikasi/{partner_id}"
    try:
        page.call("partners", "review_document", partner_id=partner_id,
                  document_id=document_id, decision=decision, note=form.get("note", ""))
    except (ValidationFailed, RuleViolated, Conflict) as refused:
        return redirect(f"{back}?tolak={quote(reason_of(page, refused))}", code=303)
    return page.back_to(back, page.t("review.done", decision=page.t(
        f"document.review.{decision}")))


def record_press_council(page: Page, partner_id: str):
    require_login(page)
    form = page.request.form
    back = f"/portal/verifikasi/{partner_id}"
    try:
        page.call("partners", "record_press_council_status", partner_id=partner_id,
                  status=form.get("status", ""),
                  certificate_no=form.get("certificate_no", "").strip() or None,
                  recorded_on=form.get("recorded_on", ""))
    except (ValidationFailed, RuleViolated, Conflict) as refused:
        return redirect(f"{back}?tolak={quote(reason_of(page, refused))}", code=303)
    return page.back_to(back, page.t("press_council.recorded"))


def activate_partner(page: Page, partner_id: str):
    require_login(page)
    back = f"/portal/verifikasi/{partner_id}"
    try:
        page.call("partners", "activate_partner", partner_id=partner_id, fiscal_year=page.year)
    except RuleViolated as refused:
        unmet = refused.details.get("unmet") or []
        reasons = "; ".join(unmet_reason(page, u) for u in unmet) or reason_of(page, refused)
        return redirect(f"{back}?tolak={quote(page.t('activate.refused') + ' ' + reasons)}",
                        code=303)
    except (ValidationFailed, Conflict) as refused:
        return redirect(f"{back}?tolak={quote(reason_of(page, refused))}", code=303)
    return page.back_to(back, page.t("activate.done", year=page.year))


# Helpers the pages share ---------------------------------------------------------------------

def require_login(page: Page) -> None:
    if not page.session.authorization:
        raise Unauthenticated("log in first", code="no_token")


def renew(page: Page) -> None:
    """A fresh token while the person is active. A disabled account (or one gone) ends the
    session here, rather than showing a refusal on every page until the token runs out."""
    try:
        page.session.begin(page.call("accounts", "renew")["token"])
    except (Forbidden, NotFound) as refused:
        raise Unauthenticated(f"the session cannot be renewed: {refused.message}",
                              code="session_ended")


def shown_account(page: Page) -> dict:
    """Who is logged in, for the page's top bar: the account's e-mail, or the token's subject
    for a token minted by `seklik token` (no portal account)."""
    try:
        return page.call("accounts", "my_account")
    except NotFound:
        return {"email": page.session.claims.get("sub"), "roles": sorted(page.session.roles)}


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def safe_next(path: str | None) -> str:
    """Only a path of the portal itself (never another site: no open redirect)."""
    if not path:
        return "/portal/"
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith("/portal") \
            or "\\" in path or path.startswith("//"):
        return "/portal/"
    return path


def typed_lines(form) -> ImmutableMultiDict:
    """A form with each line break as the services keep it: a browser sends a textarea's as
    CR LF (HTML's rule), and free text refuses a carriage return (a control character)."""
    return ImmutableMultiDict([(name, value.replace("\r\n", "\n").replace("\r", "\n"))
                               for name, value in form.items(multi=True)])


def nested(flat: dict) -> dict:
    """{"contact.email": x} -> {"contact": {"email": x}} (the form's names are the schema's
    paths, so its errors land beside the right field)."""
    out: dict = {}
    for name, value in flat.items():
        *parents, leaf = name.split(".")
        node = out
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return out


def errors_of(page: Page, refused: SeklikError, field: str = "") -> dict:
    """Field -> messages in the page's language: a ValidationFailed's fields (nested ones
    as `contact.email`), or the whole refusal beside `field`."""
    if isinstance(refused, ValidationFailed) and refused.details.get("fields"):
        flat: dict = {}

        def walk(prefix: str, messages):
            if isinstance(messages, dict):
                for key, value in messages.items():
                    walk(f"{prefix}.{key}" if prefix else str(key), value)
            else:
                items = messages if isinstance(messages, list) else [messages]
                flat.setdefault(prefix, []).extend(
                    text.field_message(str(m), page.lang) for m in items
                    if not isinstance(m, dict))
        walk("", refused.details["fields"])
        # the RPC's argument wraps the form's fields
        for name in ("partner", "document", "contract", "order", "payment", "rules",
                     "change", "release", "pickup"):
            inner = {k[len(name) + 1:]: v for k, v in flat.items() if k.startswith(name + ".")}
            flat = {k: v for k, v in flat.items() if not k.startswith(name + ".")} | inner
        return flat
    return {field or "_": [reason_of(page, refused)]}


def refusal_shown(page: Page, refused: SeklikError) -> tuple[str, dict]:
    """(the page's alert, the errors beside the fields): a form's errors go beside their
    fields under a line pointing to them; any other refusal is the alert, said once."""
    if isinstance(refused, ValidationFailed) and refused.details.get("fields"):
        return page.t("form.has_errors"), errors_of(page, refused)
    return reason_of(page, refused), {}


def reason_of(page: Page, refused: SeklikError) -> str:
    """A refusal in a sentence: its title in the page's language, then the service's words."""
    title = text.t(f"error.{type(refused).__name__}", page.lang) \
        if f"error.{type(refused).__name__}" in text.CATALOG else ""
    return f"{title}: {text.field_message(refused.message, page.lang)}" if title \
        else refused.message


def unmet_reason(page: Page, unmet: dict) -> str:
    reason = page.t(f"requirement.{unmet['code']}")
    if unmet.get("kind"):
        reason += f" ({page.t('document.kind.' + unmet['kind'])})"
    if unmet.get("note"):
        reason += f": {unmet['note']}"
    return reason


def company_options(page: Page) -> dict:
    from services.partners.domain import LEGAL_FORMS
    from shared.published import MEDIA_TYPES

    return {"legal_form": [(f, page.t(f"legal_form.{f}")) for f in LEGAL_FORMS],
            "media_type": [(m, page.t(f"media_type.{m}")) for m in MEDIA_TYPES],
            "pkp": [("ya", page.t("word.yes")), ("tidak", page.t("word.no"))]}


def document_kinds(page: Page) -> list[tuple[str, str]]:
    from services.partners.domain import DOCUMENT_KINDS

    return [(k, page.t(f"document.kind.{k}")) for k in DOCUMENT_KINDS]


# The table of pages ------------------------------------------------------------------------

@functools.cache
def page_table() -> Map:
    """The portal's pages: built on first use, once every audience's module (which imports
    this one) is loaded."""
    get, post, both = ["GET"], ["POST"], ["GET", "POST"]
    pages = [
        ("/", home, get), ("/masuk", log_in, both), ("/daftar", sign_up, both),
        ("/keluar", log_out, post), ("/bahasa", choose_language, post),
        ("/akun", my_account, both),
        ("/perusahaan/baru", register_company, both),
        ("/perusahaan/menunggu", waiting_for_company, get),
        ("/perusahaan/<partner_id>", company, get),
        ("/perusahaan/<partner_id>/dokumen", upload_document, post),
        ("/perusahaan/<partner_id>/keberatan", file_objection, post),
        ("/perusahaan/<partner_id>/wartawan", add_journalist, post),
        ("/perusahaan/<partner_id>/wartawan/hapus", remove_journalist, post),
        ("/perusahaan/<partner_id>/perubahan", request_identity_change, post),
        ("/berkas/<partner_id>/<document_id>", document_file, get),
        ("/verifikasi", verification_queue, get),
        ("/verifikasi/<partner_id>", review_partner, get),
        ("/verifikasi/<partner_id>/dokumen/<document_id>", review_document, post),
        ("/verifikasi/<partner_id>/aktivasi", activate_partner, post),
        ("/verifikasi/<partner_id>/dewan-pers", record_press_council, post),
        ("/verifikasi/<partner_id>/perubahan/<change_id>", decide_identity_change, post),
    ]
    pages += audience_pages()
    return Map([Rule("/portal" + path, endpoint=handler, methods=methods)
                for path, handler, methods in pages], strict_slashes=False)


def audience_pages() -> list:
    """The pages of each audience's own module (imported here, once this module's names
    exist: they build on them)."""
    from services.gateway.portal import (admin, assessor, auditor, finance, graphs, orders,
                                         releases)

    return [*admin.PAGES, *assessor.PAGES, *auditor.PAGES, *finance.PAGES, *graphs.PAGES,
            *orders.PAGES, *releases.PAGES]



STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".svg": "image/svg+xml", ".png": "image/png"}


def static(name: str) -> Response:
    """A file of the portal's own static folder (vendored: no CDN), by its bare name."""
    folder = resources.files(__package__).joinpath("static")
    kind = STATIC_TYPES.get(name[name.rfind("."):] if "." in name else "")
    if kind is None or "/" in name or name.startswith(".") \
            or not folder.joinpath(name).is_file():
        return Response("not found", status=404, content_type="text/plain")
    return Response(folder.joinpath(name).read_bytes(), content_type=kind,
                    headers={"Cache-Control": "public, max-age=3600",
                             "X-Content-Type-Options": "nosniff"})


def serve(request, calls, store, settings, csrf_key: bytes) -> Response:
    """Answer one request to /portal/...: the page, or the error page saying why not."""
    # A form is read within bounds: a file up to the store's limit, fields up to 1 MB, a few
    # dozen parts (werkzeug refuses past them, before anything is buffered whole).
    request.max_content_length = store.limit + files.FORM_OVERHEAD
    request.max_form_memory_size = JSON_LIMIT
    request.max_form_parts = 64
    session = Session(request, csrf_key, secure=not settings.development)
    page = Page(request, session, calls, store, settings)
    try:
        try:
            handler, values = page_table().bind_to_environ(request.environ).match()
        except NoRoute:
            raise NotFound(f"no page {request.path}", code="no_such_page")
        except MethodNotAllowed:
            raise NotFound(f"no page {request.path} for {request.method}", code="no_such_page")
        # a form that takes several files (a press release's attachments) may carry each
        # within the limit; every other form one
        request.max_content_length = (store.limit * getattr(handler, "most_files", 1)
                                      + files.FORM_OVERHEAD)
        if request.method == "POST" and not session.csrf_ok(request.form):
            raise CsrfRefused()
        if request.method == "POST":
            request.form = typed_lines(request.form)
        for value in values.values():  # every id in a path is a UUID: nothing else reaches RPC
            if not is_uuid(value):
                raise NotFound(f"no page {request.path}", code="no_such_page")
        if session.expired:
            session.end()
            raise Unauthenticated("the session has ended", code="token_expired")
        if session.due_for_renewal() and is_uuid(str(session.claims.get("sub"))):
            renew(page)
        if session.authorization:
            page.account = shown_account(page)
        response = handler(page, **values)
    except CsrfRefused:
        response = page.render("error.html", 403, title=page.t("error.csrf_title"),
                               reason=page.t("form.csrf"))
    except RequestEntityTooLarge:
        response = page.render("error.html", 413, title=page.t("error.too_large_title"),
                               reason=page.t("error.too_large", megabytes=store.limit // 2**20))
    except Unauthenticated as refused:
        session.end()
        ended = "?sesi=berakhir" if refused.code in ("token_expired", "session_ended") else ""
        target = "/portal/masuk" + ended
        if request.method == "GET" and request.path not in ("/portal/", "/portal"):
            target += ("&" if ended else "?") + "lanjut=" + quote(request.full_path)
        response = redirect(target, code=303)
    except NotFound as refused:
        response = page.render("error.html", 404, title=page.t("error.NotFound"),
                               reason=reason_of(page, refused))
    except SeklikError as refused:
        response = page.render("error.html", STATUS.get(type(refused), 400),
                               title=page.t(f"error.{type(refused).__name__}"),
                               reason=reason_of(page, refused))
    except Exception as exc:  # never a traceback in a page: a reference the operators find
        request_id = uuid.uuid4().hex
        log.error("portal request %s failed: %s", request_id, type(exc).__name__,
                  exc_info=exc)
        response = page.render("error.html", 500, title=page.t("error.unexpected"),
                               reason=page.t("error.reference", request_id=request_id))
    return session.write(response)
