"""The assessment team's pages: the year's rubric with every active partner's total and tier,
and one partner's scoring page (a form per manual criterion, finalisation, the tier history).

The assessment service owns every rule: which criteria are scored by hand, the range of a
score, that each needs a reason, that all must be scored before finalising, and who may do it.
A page only turns the form into the call's arguments (a score is a number) and shows the
service's answer, or its refusal beside the field it concerns.
"""
from __future__ import annotations

import math
import re
from urllib.parse import quote

from werkzeug.utils import redirect

from services.gateway.portal import text
from services.gateway.portal.pages import Page, errors_of, reason_of, require_login
from services.gateway.problem import ServiceTimeout
from shared.errors import Conflict, NotFound, RuleViolated, ValidationFailed

REFUSALS = (ValidationFailed, RuleViolated, Conflict)
WHOLE = re.compile(r"[+-]?[0-9]+")


def assessments(page: Page):
    """The rubric in force this fiscal year and each active partner's standing under it."""
    require_login(page)
    year = page.year
    try:
        rubric = page.call("assessment", "get_rubric", fiscal_year=year)
    except NotFound:
        return page.render("assessment.html", year=year, rubric=None, rows=[],
                           score_text=score_text)
    rows = []
    for partner in page.call("partners", "list_partners", status="active"):
        rows.append({"partner": partner, "assessment": standing(page, year, partner)})
    return page.render("assessment.html", year=year, rubric=in_force(rubric), rows=rows,
                       score_text=score_text, notice=page.notice)


def scoring(page: Page, partner_id: str, values=None, errors=None, failed: str = "",
            status: int = 200):
    """One partner's assessment: each criterion's score, reason, who set it and when; a form
    per manual criterion; finalisation; and the tier history as reporting holds it."""
    require_login(page)
    assessment = page.call("assessment", "get_assessment", fiscal_year=page.year,
                           partner_id=partner_id)
    return page.render("scoring.html", status, year=page.year, a=assessment,
                       history=history(page, partner_id), values=values or {},
                       errors=errors or {}, failed=failed, me=page.session.claims.get("sub"),
                       score_text=score_text, notice=page.notice,
                       alert=page.request.args.get("tolak") or None)


def score(page: Page, partner_id: str):
    require_login(page)
    form = page.request.form
    criterion = form.get("criterion", "")
    try:
        page.call("assessment", "score", fiscal_year=page.year, partner_id=partner_id,
                  criterion=criterion, score=number_of(form.get("score", "")),
                  reason=form.get("reason", ""))
    except REFUSALS as refused:
        return scoring(page, partner_id, values=form, failed=criterion, status=400,
                       errors=errors_of(page, refused, "score"))
    return page.back_to(f"/portal/penilaian/{partner_id}",
                        page.t("assess.scored", criterion=criterion))


def finalize(page: Page, partner_id: str):
    require_login(page)
    back = f"/portal/penilaian/{partner_id}"
    try:
        done = page.call("assessment", "finalize_assessment", fiscal_year=page.year,
                         partner_id=partner_id)
    except REFUSALS as refused:
        return redirect(f"{back}?tolak={quote(reason_of(page, refused))}", code=303)
    return page.back_to(back, page.t("assess.finalized", total=score_text(done["total"]),
                                     tier=done["tier"] or page.t("assess.no_tier")))


# Helpers -----------------------------------------------------------------------------------

def in_force(rubric: dict) -> dict:
    """The version of the rubric that scores today, with the year's facts around it."""
    version = next(v for v in rubric["versions"] if v["version"] == rubric["in_force"])
    return {**version, "fiscal_year": rubric["fiscal_year"]}


def standing(page: Page, year: int, partner: dict) -> dict | None:
    """The partner's assessment, or None while assessment has not yet heard of the partner
    (its registration reaches assessment through partners' events, a second or two)."""
    try:
        return page.call("assessment", "get_assessment", fiscal_year=year,
                         partner_id=partner["partner_id"])
    except RuleViolated:
        return None


def history(page: Page, partner_id: str) -> list[dict] | None:
    """Reporting's score and tier changes, as far as it has read assessment's events; None
    when reporting does not answer (the page still scores without it)."""
    try:
        return page.call("reporting", "tier_history", partner_id=partner_id)
    except ServiceTimeout:
        return None


def number_of(raw: str):
    """The form's score as the number the service checks: an int when it is written as one,
    else a float. Text that is no finite number is refused here, in the service's own words,
    so it lands beside the field like the service's other messages."""
    raw = raw.strip()
    if WHOLE.fullmatch(raw):
        return int(raw)
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValidationFailed.from_messages({"score": ["must be a number"]})
    return value


def score_text(value) -> str:
    """A score or total as Indonesians write it: `7`, `3,33`, `76,5`."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return text.number(int(value))
    return text.number(value, 2).rstrip("0")


PAGES = [
    ("/penilaian", assessments, ["GET"]),
    ("/penilaian/<partner_id>", scoring, ["GET"]),
    ("/penilaian/<partner_id>/nilai", score, ["POST"]),
    ("/penilaian/<partner_id>/finalisasi", finalize, ["POST"]),
]
