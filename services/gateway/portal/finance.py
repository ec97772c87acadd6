"""Finance's pages, for the PPK and the bendahara: the year's budgets with their realisation
and the tier ceilings, the standard prices, the tax rules, contracts and their orders, the
proofs to review, payments (the taxes shown before the SP2D is confirmed) and the invoices
still unpaid, by age.

The contracts service owns every rule (the pagu, the ceilings, the price in force, the taxes
on the payment date, one SP2D per order); a page turns the form into the call's arguments
(rupiah typed as `2.500.000` are whole numbers) and shows the answer, or the refusal beside
its field.
"""
from __future__ import annotations

import uuid
from urllib.parse import quote

from werkzeug.utils import redirect

from services.contracts.domain import PRODUCTS
from services.gateway import files
from services.gateway.portal import charts
from services.gateway.portal.text import rupiah
from services.gateway.portal.orders import whole_number
from services.gateway.portal.pages import (STATUS, Page, errors_of, is_uuid, reason_of,
                                          require_login)
from shared.errors import Conflict, RuleViolated, ValidationFailed

REFUSALS = (ValidationFailed, RuleViolated, Conflict)
PRICE_FIELDS = ("media_type", "tier", "product", "unit", "unit_price")
BLANK_PRICE_ROWS = 3  # a new version may add products: empty rows after the ones in force
RULE_FIELDS = ("ppn_rate", "dpp_factor", "pph23_rate")
AGES = ((30, "0–30"), (60, "31–60"), (90, "61–90"), (None, "> 90"))  # days since the BAST


# Budgets and tier ceilings -----------------------------------------------------------------

def budgets(page: Page, values=None, errors=None, status: int = 200):
    """The year's budgets: pagu, committed, realised and what remains per activity, as a bar
    each; the tier ceilings; forms to set either."""
    require_login(page)
    year = page.year
    rows = page.call("contracts", "budget_status", fiscal_year=year)
    picture = charts.realisation([{"name": f"{r['activity_code']} {r['name']}",
                                   "ceiling": r["pagu"], "realised": r["paid"]}
                                  for r in rows], page.lang) if rows else None
    return page.render("finance_budgets.html", status, year=year, budgets=rows,
                       picture=picture, totals=totals(rows, ("pagu", "committed", "paid",
                                                             "remaining")),
                       ceilings=page.call("contracts", "get_tier_ceilings",
                                          fiscal_year=year)["ceilings"],
                       values=values or {}, errors=errors or {}, notice=page.notice)


def set_budget(page: Page):
    require_login(page)
    form = page.request.form
    try:
        page.call("contracts", "set_budget", fiscal_year=page.year,
                  activity_code=form.get("activity_code", "").strip(),
                  name=form.get("name", "").strip(), pagu=whole_number("pagu", form.get(
                      "pagu", "")))
    except REFUSALS as refused:
        return budgets(page, values=form, errors=errors_of(page, refused, "pagu"),
                       status=STATUS[type(refused)])
    return page.back_to("/portal/keuangan", page.t("finance.budget_set",
                                                   activity=form.get("activity_code")))


def set_tier_ceiling(page: Page):
    require_login(page)
    form = page.request.form
    try:
        page.call("contracts", "set_tier_ceiling", fiscal_year=page.year,
                  tier=form.get("tier", "").strip(),
                  ceiling=whole_number("ceiling", form.get("ceiling", "")))
    except REFUSALS as refused:
        return budgets(page, values=form, errors=errors_of(page, refused, "ceiling"),
                       status=STATUS[type(refused)])
    return page.back_to("/portal/keuangan", page.t("finance.ceiling_set",
                                                   tier=form.get("tier")))


# Standard prices ---------------------------------------------------------------------------

def prices(page: Page, values=None, errors=None, status: int = 200):
    """Every published version of the year's price standard, the one in force marked, and a
    form for the next version, filled with the prices in force (a revision changes a few)."""
    require_login(page)
    year = page.year
    standard = price_standard(page, year)
    in_force = next((v for v in standard["versions"]
                     if v["version"] == standard["in_force"]), None) if standard else None
    rows = values.get("rows") if values else None
    if rows is None:
        rows = [{name: item[name] for name in PRICE_FIELDS}
                for item in (in_force or {}).get("items", [])]
        rows += [dict.fromkeys(PRICE_FIELDS, "")] * BLANK_PRICE_ROWS
    return page.render("finance_prices.html", status, year=year, standard=standard,
                       rows=rows, effective_from=(values or {}).get("effective_from", ""),
                       errors=errors or {}, notice=page.notice)


def publish_prices(page: Page):
    require_login(page)
    form = page.request.form
    rows, items, errors = price_rows(form), [], {}
    for i, row in enumerate(rows):
        if not any(str(v).strip() for v in row.values()):
            continue  # a blank row of the form
        try:
            items.append({**row, "unit_price": whole_number(f"items.{i}.unit_price",
                                                            row["unit_price"])})
        except ValidationFailed as refused:
            errors |= errors_of(page, refused)
    values = {"rows": rows, "effective_from": form.get("effective_from", "")}
    if errors:
        return prices(page, values=values, errors=errors, status=400)
    try:
        done = page.call("contracts", "publish_price_standard", fiscal_year=page.year,
                         effective_from=form.get("effective_from", ""), items=items)
    except REFUSALS as refused:
        return prices(page, values=values, status=STATUS[type(refused)],
                      errors=errors_of(page, refused, "effective_from"))
    return page.back_to("/portal/keuangan/harga", page.t("finance.prices_published",
                                                         version=done["version"]))


def price_rows(form) -> list[dict]:
    """The form's rows `items.<i>.<field>` in order, as typed (at most the form's parts)."""
    count = 0
    while f"items.{count}.product" in form:
        count += 1
    return [{name: form.get(f"items.{i}.{name}", "").strip() for name in PRICE_FIELDS}
            for i in range(count)]


def price_standard(page: Page, year: int) -> dict | None:
    try:
        return page.call("contracts", "get_price_standard", fiscal_year=year)
    except RuleViolated:  # `no_price_standard`: nothing published for the year yet
        return None


# Tax rules ---------------------------------------------------------------------------------

def tax_rules(page: Page, values=None, errors=None, status: int = 200):
    """The versions of the tax rules, the one in force today, and a form for the next."""
    require_login(page)
    rules = page.call("contracts", "get_tax_rules")
    return page.render("finance_taxes.html", status, rules=rules,
                       values=values or {}, errors=errors or {}, notice=page.notice)


def set_tax_rules(page: Page):
    require_login(page)
    form = page.request.form
    try:
        rules = {name: form.get(name, "").strip() for name in RULE_FIELDS}
        rules["collection_threshold"] = whole_number("collection_threshold",
                                                     form.get("collection_threshold", ""))
        done = page.call("contracts", "set_tax_rules",
                         effective_from=form.get("effective_from", ""), rules=rules)
    except REFUSALS as refused:
        errors = errors_of(page, refused, "_")
        if isinstance(refused, RuleViolated) and refused.details.get("name"):
            errors = {refused.details["name"]: [reason_of(page, refused)]}  # bad_tax_rate
        return tax_rules(page, values=form, errors=errors, status=STATUS[type(refused)])
    return page.back_to("/portal/keuangan/pajak", page.t("finance.rules_set",
                                                         version=done["version"]))


# Contracts and their orders ----------------------------------------------------------------

def contracts(page: Page, values=None, errors=None, status: int = 200):
    """The year's contracts (SPK), and the form to sign one with an active partner."""
    require_login(page)
    year = page.year
    everyone = page.call("partners", "list_partners")
    return page.render("finance_contracts.html", status, year=year,
                       contracts=page.call("contracts", "list_contracts", fiscal_year=year),
                       names={p["partner_id"]: p["brand_name"] for p in everyone},
                       partners=[(p["partner_id"], p["brand_name"]) for p in everyone
                                 if p["status"] == "active"],
                       activities=[(b["activity_code"], f"{b['activity_code']} {b['name']}")
                                   for b in page.call("contracts", "budget_status",
                                                      fiscal_year=year)],
                       values=values or {}, errors=errors or {}, notice=page.notice)


def sign_contract(page: Page):
    require_login(page)
    form = page.request.form
    contract = {name: form.get(name, "").strip() for name in (
        "number", "partner_id", "activity_code", "starts_on", "ends_on")}
    try:
        contract.update(fiscal_year=page.year, agreed_prices=[],
                        ceiling=whole_number("ceiling", form.get("ceiling", "")))
        done = page.call("contracts", "sign_contract", contract=contract)
    except REFUSALS as refused:
        return contracts(page, values=form, status=STATUS[type(refused)],
                         errors=errors_of(page, refused, "ceiling"))
    return page.back_to(f"/portal/keuangan/kontrak/{done['contract_id']}",
                        page.t("finance.contract_signed", number=contract["number"],
                               tier=done["tier"]))


def contract(page: Page, contract_id: str, values=None, errors=None, status: int = 200):
    """One contract: its ceiling, what its orders hold and what remains, its addenda, its
    orders, and the form to place an order under it."""
    require_login(page)
    held = page.call("contracts", "get_contract", contract_id=contract_id)
    return page.render("finance_contract.html", status, c=held,
                       partner=partner_name(page, held["partner_id"]),
                       orders=page.call("contracts", "list_orders",
                                        fiscal_year=held["fiscal_year"],
                                        contract_id=contract_id),
                       products=PRODUCTS, values=values or {}, errors=errors or {},
                       today=page.today.isoformat(), notice=page.notice)


def place_order(page: Page, contract_id: str):
    require_login(page)
    form = page.request.form
    order = {"product": form.get("product", ""), "title": form.get("title", "").strip(),
             "publish_by": form.get("publish_by", "")}
    try:
        order["quantity"] = whole_number("quantity", form.get("quantity", ""))
        done = page.call("contracts", "place_order", contract_id=contract_id, order=order)
    except REFUSALS as refused:
        return contract(page, contract_id, values=form, status=STATUS[type(refused)],
                        errors=errors_of(page, refused, "quantity"))
    return page.back_to(f"/portal/keuangan/kontrak/{contract_id}", page.t(
        "finance.order_placed", title=order["title"], total=rupiah(done["total"])))


# Proofs, payments, invoices ----------------------------------------------------------------

def work(page: Page):
    """What finance has to do: proofs to review, accepted proofs waiting for an SP2D, and
    the invoices still unpaid by age (reporting's view of the accepted, unpaid orders)."""
    require_login(page)
    year = page.year
    outstanding = page.call("reporting", "outstanding_invoices", fiscal_year=year)
    orders = page.call("contracts", "list_orders", fiscal_year=year)  # one read, two lists
    return page.render("finance_orders.html", year=year, names=partner_names(page),
                       to_review=[o for o in orders if o["status"] == "proof_submitted"],
                       to_pay=[o for o in orders if o["status"] == "proof_accepted"],
                       outstanding=outstanding, ages=by_age(outstanding),
                       today=page.today.isoformat(), notice=page.notice,
                       alert=page.request.args.get("tolak") or None)


def review_proof(page: Page, order_id: str):
    require_login(page)
    form = page.request.form
    decision = form.get("decision", "")
    try:
        page.call("contracts", "review_proof", order_id=order_id, decision=decision,
                  note=form.get("note", ""))
    except REFUSALS as refused:
        return refused_at(page, order_id, refused)
    return page.back_to("/portal/keuangan/pesanan", page.t(
        "finance.proof_reviewed", decision=page.t(f"finance.decision.{decision}")))


def preview_payment(page: Page, order_id: str):
    """The taxes and the account before the SP2D is recorded: the same figures the payment
    will record, with a confirmation that carries one command id (a second click, or a
    resent form, pays once)."""
    require_login(page)
    form = page.request.form
    payment = {"sp2d_number": form.get("sp2d_number", "").strip(),
               "paid_on": form.get("paid_on", "")}
    try:
        figures = page.call("contracts", "preview_payment", order_id=order_id,
                            payment=payment)
    except REFUSALS as refused:
        return refused_at(page, order_id, refused)
    order = page.call("contracts", "get_order", order_id=order_id)
    return page.render("finance_payment.html", order=order, payment=payment,
                       figures=figures, partner=partner_name(page, order["partner_id"]),
                       command_id=str(uuid.uuid4()))


def record_payment(page: Page, order_id: str):
    require_login(page)
    form = page.request.form
    payment = {"sp2d_number": form.get("sp2d_number", "").strip(),
               "paid_on": form.get("paid_on", "")}
    command_id = form.get("command_id", "")
    try:
        done = page.call("contracts", "record_payment", order_id=order_id, payment=payment,
                         command_id=command_id if is_uuid(command_id) else None)
    except REFUSALS as refused:
        return refused_at(page, order_id, refused)
    return page.back_to("/portal/keuangan/pesanan", page.t(
        "finance.payment_recorded", sp2d=payment["sp2d_number"],
        amount=rupiah(done["paid_to_partner"])))


def proof_file(page: Page, order_id: str):
    """An order's proof file, checked against its SHA-256, shown inline to whom contracts
    allows the order (finance, the company itself, auditors)."""
    require_login(page)
    record = page.call("contracts", "proof_file", order_id=order_id)
    return files.file_response(record, page.store.read(record["sha256"]), inline=True)


# Helpers -----------------------------------------------------------------------------------

def refused_at(page: Page, order_id: str, refused) -> object:
    """Back to the list of orders, the refusal said at the top and the order in view."""
    return redirect(f"/portal/keuangan/pesanan?tolak={quote(reason_of(page, refused))}"
                    f"#o-{order_id}", code=303)


def by_age(rows: list[dict]) -> list[dict]:
    """The unpaid invoices per age band (days since the proof was accepted): count and
    DPP, every band shown (an empty one as nought)."""
    bands = [{"label": label, "count": 0, "gross": 0} for _, label in AGES]
    for row in rows:
        band = next(i for i, (most, _) in enumerate(AGES)
                    if most is None or row["age_days"] <= most)
        bands[band]["count"] += 1
        bands[band]["gross"] += row["gross"]
    return bands


def totals(rows: list[dict], names: tuple) -> dict:
    return {name: sum(r[name] for r in rows) for name in names}


def partner_names(page: Page) -> dict:
    """Partner id -> brand name (the tables name companies as readers know them)."""
    return {p["partner_id"]: p["brand_name"] for p in page.call("partners", "list_partners")}


def partner_name(page: Page, partner_id) -> str:
    return page.call("partners", "get_partner", partner_id=partner_id)["brand_name"]


PAGES = [
    ("/keuangan", budgets, ["GET"]),
    ("/keuangan/anggaran", set_budget, ["POST"]),
    ("/keuangan/plafon-tier", set_tier_ceiling, ["POST"]),
    ("/keuangan/harga", prices, ["GET"]),
    ("/keuangan/harga/terbitkan", publish_prices, ["POST"]),
    ("/keuangan/pajak", tax_rules, ["GET"]),
    ("/keuangan/pajak/tetapkan", set_tax_rules, ["POST"]),
    ("/keuangan/kontrak", contracts, ["GET"]),
    ("/keuangan/kontrak/baru", sign_contract, ["POST"]),
    ("/keuangan/kontrak/<contract_id>", contract, ["GET"]),
    ("/keuangan/kontrak/<contract_id>/pesanan", place_order, ["POST"]),
    ("/keuangan/pesanan", work, ["GET"]),
    ("/keuangan/pesanan/<order_id>/periksa", review_proof, ["POST"]),
    ("/keuangan/pesanan/<order_id>/bayar", preview_payment, ["POST"]),
    ("/keuangan/pesanan/<order_id>/bayar/konfirmasi", record_payment, ["POST"]),
    ("/bukti/<order_id>", proof_file, ["GET"]),
]
