"""The auditor's pages: every report of `seklik report` as a table with its CSV, the trail of
any entity, and each service's signed digest.

The reports are the reporting service's views, rebuilt from the events alone; the roles are the
reporting methods' own (an auditor reads all of them, finance most, a media company none), so a
page shows what the service answers and its refusal otherwise. Columns and their Indonesian
names are those of the command line (seklik/reports.py), so a CSV from the portal and one from
`seklik report --format csv --lang id` have the same header.
"""
from __future__ import annotations

from urllib.parse import quote

from werkzeug.wrappers import Response

from seklik.reports import INDONESIAN, REPORTS, columns_for, flatten, format_rows
from services.gateway.portal import charts, text
from services.gateway.portal.pages import Page, require_login
from shared.errors import NotFound, ValidationFailed

# The reports a year's page lists, in the order an auditor reads them; `tiers` and `trail`
# take an entity and have their own form.
YEARLY = ("registry", "budget", "spending", "payments", "taxes", "outstanding", "late-proofs",
          "outputs", "outcomes", "releases", "status")
MONEY = {"pagu", "committed", "paid", "remaining", "gross", "ppn", "pph23", "net", "dpp",
         "ppn_collected", "gross_published", "amount", "rupiah_per_1000_reach", "cost"}
SERVICES = ("partners", "assessment", "contracts", "accounts")
BY = "tier"  # spending is shown per tier, with its fairness figures


def reports(page: Page):
    require_login(page)
    year = year_of(page)
    return page.render("reports.html", year=year, names=YEARLY, report=None)


def report(page: Page):
    """One report of the year as a table (`?nama=budget&tahun=2026`), with a chart where a
    picture reads better (the budget's realisation per activity)."""
    require_login(page)
    name, year = report_of(page), year_of(page)
    result = run(page, name, year)
    rows = result["rows"] if isinstance(result, dict) else result
    columns = columns_for(name, BY)
    picture = None
    if name == "budget" and rows:
        picture = charts.realisation([{"name": r["name"], "ceiling": r["pagu"],
                                       "realised": r["paid"]} for r in rows], page.lang)
    return page.render("reports.html", year=year, names=YEARLY, report=name,
                       headers=[header(c, page.lang) for c in columns],
                       rows=[[cell(c, flatten(r).get(c), page.lang) for c in columns]
                             for r in rows], numeric=[i for i, c in enumerate(columns)
                                                      if c in MONEY],
                       summary=summary(name, result, page.lang), picture=picture,
                       csv=f"/portal/laporan/csv?nama={quote(name)}&tahun={year}")


def report_csv(page: Page):
    """The same report as CSV, headers in the page's language (as `seklik report`)."""
    require_login(page)
    name, year = report_of(page), year_of(page)
    result = run(page, name, year)
    rows = result["rows"] if isinstance(result, dict) else result
    body = format_rows(rows, columns_for(name, BY), "csv", page.lang)
    return Response(body, content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="seklik-{name}-{year}.csv"',
        "Cache-Control": "private, no-store"})


def trail(page: Page):
    """The events of one entity (partner, contract, order, budget...) as the views hold them,
    each with its actor and hash (`?id=<uuid>`)."""
    require_login(page)
    entity = page.request.args.get("id", "").strip()
    rows = page.call("reporting", "audit_trail", entity_id=entity) if entity else None
    columns = REPORTS["trail"][2]
    return page.render("trail.html", entity=entity, headers=[header(c, page.lang)
                                                              for c in columns],
                       rows=[[cell(c, flatten(r).get(c), page.lang) for c in columns]
                             for r in rows or []], searched=rows is not None)


def digests(page: Page):
    """Each service's head, signed: keep it outside SEKLIK; `seklik audit verify` later proves
    nothing up to it changed."""
    require_login(page)
    heads = [{**page.call(service, "digest"), "service": service} for service in SERVICES]
    return page.render("digests.html", heads=heads)


# Helpers -----------------------------------------------------------------------------------

def report_of(page: Page) -> str:
    name = page.request.args.get("nama", "")
    if name not in YEARLY:
        raise NotFound(f"no report {name!r}; the reports are {', '.join(YEARLY)}",
                       code="no_such_report")
    return name


def year_of(page: Page) -> int:
    raw = page.request.args.get("tahun", "")
    if not raw:
        return page.year
    if not raw.isascii() or not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise ValidationFailed.from_messages({"tahun": ["must be a year such as 2026"]})
    return int(raw)


def run(page: Page, name: str, year: int):
    method, takes, _ = REPORTS[name]
    kwargs = {"fiscal_year": year} if "fiscal_year" in takes else {}
    if name == "spending":
        kwargs["by"] = BY
    return page.call("reporting", method, **kwargs)


def header(column: str, lang: str) -> str:
    name = INDONESIAN.get(column, column) if lang == "id" else column
    return name.replace("_", " ").capitalize()


def cell(column: str, value, lang: str) -> str:
    if value is None:
        return ""
    if column in MONEY and isinstance(value, int) and not isinstance(value, bool):
        return text.rupiah(value)
    if column == "realisation_pct" and isinstance(value, (int, float)):
        return text.percent(value / 100, 1)
    if column == "pickup_rate" and isinstance(value, (int, float)):
        return text.percent(value, 1)
    if column == "mean_days_to_publication" and isinstance(value, (int, float)):
        return text.number(value, 1)
    return str(value)


def summary(name: str, result, lang: str) -> str | None:
    if name == "spending" and isinstance(result, dict):
        return text.t("report.fairness", lang, partners=result["partners"],
                      total=text.rupiah(result["total"]),
                      top10=text.percent(result["top10_share"]), gini=f"{result['gini']:.3f}")
    return None


PAGES = [
    ("/laporan", reports, ["GET"]),
    ("/laporan/tabel", report, ["GET"]),
    ("/laporan/csv", report_csv, ["GET"]),
    ("/jejak", trail, ["GET"]),
    ("/digest", digests, ["GET"]),
]
