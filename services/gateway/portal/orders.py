"""A media company's contracts of the year and its orders: what it was ordered to publish and by when, the proof it owes
with the days left before the deadline, filing that proof (a link, a clipping or a broadcast
log, with its file), and what each paid order brought after the tax withheld."""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from services.gateway import files
from services.gateway.portal.pages import Page, reason_of, require_login
from shared.errors import Conflict, RuleViolated, ValidationFailed

REACH = ("page_views", "circulation", "audience")
OPEN = ("placed",)  # an order whose proof may be filed (a rejected proof sends it back here)


def orders(page: Page, partner_id: str):
    require_login(page)
    partner = page.call("partners", "get_partner", partner_id=partner_id)
    today = page.today
    rows = []
    for order in page.call("contracts", "partner_orders", partner_id=partner_id):
        due = dt.date.fromisoformat(order["proof_due"])
        rows.append({**order, "days_left": (due - today).days,
                     "may_file": order["status"] in OPEN and due >= today})
    contracts = page.call("contracts", "list_contracts", fiscal_year=page.year,
                          partner_id=partner_id)
    return page.render("orders.html", partner=partner, orders=rows, contracts=contracts,
                       today=today.isoformat(), notice=page.notice,
                       alert=page.request.args.get("tolak") or None)


def submit_proof(page: Page, partner_id: str, order_id: str):
    require_login(page)
    form, back = page.request.form, f"/portal/perusahaan/{partner_id}/pesanan"
    proof = {"kind": form.get("kind", ""), "reference": form.get("reference", "").strip(),
             "published_on": form.get("published_on", "")}
    try:
        reach = {name: whole_number(name, form.get(name, "")) for name in REACH
                 if form.get(name, "").strip()}
        if reach:
            proof["reach"] = reach
        name, data = page.file()
        page.call("contracts", "get_order", order_id=order_id)  # may they, before a byte
        files.staged(page.store, data, name, lambda file: page.call(
            "contracts", "submit_proof", order_id=order_id, proof={**proof, "file": file}))
    except (ValidationFailed, RuleViolated, Conflict) as refused:
        return page.back_to(f"{back}?tolak={quote(reason_of(page, refused))}#o-{order_id}")
    return page.back_to(back, page.t("orders.proof_filed"))


def whole_number(name: str, raw: str) -> int:
    raw = raw.strip().replace(".", "")  # 12.500 as Indonesians write it
    if not raw.isascii() or not raw.isdigit():
        raise ValidationFailed.from_messages({name: ["must be a whole number"]})
    return int(raw)


PAGES = [
    ("/perusahaan/<partner_id>/pesanan", orders, ["GET"]),
    ("/perusahaan/<partner_id>/pesanan/<order_id>/bukti", submit_proof, ["POST"]),
]
