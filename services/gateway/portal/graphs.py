"""The year in pictures, for those who would rather look than read (issue 15): the budget's
realisation per activity and per month, spending per tier and per media type with its fairness
figures, and how many active partners each tier holds.

Every figure comes from the reporting service's views, asked as the person at the browser, so
the roles are the reporting methods' own (admin, finance and the auditor read them) and anyone
else sees the service's refusal. The charts are drawn on the server (charts.py) and read on a
phone and on paper alike; what the page adds is the arithmetic below, kept in small functions
of plain data so a rule can be checked without a browser.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from services.gateway.portal import charts, text
from services.gateway.portal.auditor import year_of
from services.gateway.portal.pages import Page, require_login

# A series beyond the hatchings charts.py can tell apart on paper would print as an outline:
# the smallest activities share one series instead.
MAX_SERIES = len(charts.HATCHES)
NO_TIER = "none"  # reporting's spending names the group of partners without a tier so


def charts_page(page: Page):
    """The year's charts (`?tahun=2026`, the regency's current year by default)."""
    require_login(page)
    year, lang = year_of(page), page.lang
    budget = page.call("reporting", "budget_realization", fiscal_year=year)
    ledger = page.call("reporting", "payment_ledger", fiscal_year=year)
    per_tier = page.call("reporting", "spending", fiscal_year=year, by="tier")
    per_media = page.call("reporting", "spending", fiscal_year=year, by="media_type")
    registry = page.call("reporting", "partner_registry", fiscal_year=year)

    series, outside = monthly_series(ledger, budget, year, page.t("graphs.other_activities"))
    tiers = tier_counts(registry, year)
    amounts = (page.t("graphs.ordered"), page.t("graphs.paid"))
    pictures = {
        "realisation": charts.realisation(
            [{"name": r["name"], "ceiling": r["pagu"], "realised": r["paid"]} for r in budget],
            lang, title=page.t("graphs.realisation", year=year)) if budget else None,
        "months": charts.months(series, page.t("graphs.months", year=year), lang)
        if series else None,
        "per_tier": charts.bars(
            [(tier_label(r["tier"], lang), (r["committed"], r["paid"]))
             for r in per_tier["rows"]],
            title=page.t("graphs.per_tier", year=year), lang=lang, series=amounts)
        if per_tier["rows"] else None,
        "per_media": charts.bars(
            [(media_label(r["media_type"], lang), (r["committed"], r["paid"]))
             for r in per_media["rows"]],
            title=page.t("graphs.per_media", year=year), lang=lang, series=amounts)
        if per_media["rows"] else None,
        "tiers": charts.bars([(tier_label(tier, lang), count) for tier, count in tiers],
                             title=page.t("graphs.tiers", year=year), unit="count", lang=lang)
        if tiers else None,
    }
    fairness = [(page.t("graphs.partners"), text.number(per_tier["partners"])),
                (page.t("graphs.top10"), text.percent(per_tier["top10_share"])),
                (page.t("graphs.gini"), text.number(per_tier["gini"], 3))]
    return page.render("graphs.html", year=year, pictures=pictures, fairness=fairness,
                       spent=bool(per_tier["rows"]),
                       outside=text.rupiah(outside) if outside else None,
                       nothing=not (budget or ledger or per_tier["rows"] or tiers))


# The arithmetic ------------------------------------------------------------------------------

def monthly_series(ledger: list[dict], activities: list[dict], year: int,
                   others: str = "others") -> tuple[dict[str, list[int]], int]:
    """Realised rupiah per activity and month of `year`, from the payment ledger's rows: a
    payment counts in the month it was paid, its reversal (amounts already negated) in the
    month it was reversed, so a month can fall below zero. One series per activity paid from,
    named as the budget names it (its code if the budget does not know it), in the budget's
    order; past MAX_SERIES, the activities that realised least share the series `others`.
    Also returns what is dated outside the year's months (a reversal in the next January)."""
    months: dict[str, list[int]] = defaultdict(lambda: [0] * 12)
    outside = 0
    for row in ledger:
        paid_on = row["paid_on"]
        if int(paid_on[:4]) != year:
            outside += row["realised"]
            continue
        months[row["activity_code"]][int(paid_on[5:7]) - 1] += row["realised"]
    order = {a["activity_code"]: n for n, a in enumerate(activities)}
    codes = sorted(months, key=lambda code: (code not in order, order.get(code, 0), code))
    pooled = []
    if len(codes) > MAX_SERIES:
        largest = sorted(codes, key=lambda code: -sum(months[code]))[:MAX_SERIES - 1]
        pooled = [code for code in codes if code not in largest]
        codes = [code for code in codes if code in largest]
    names = Counter(a["name"] for a in activities)
    named = {a["activity_code"]: a["name"] if names[a["name"]] == 1  # two of one name: coded
             else f"{a['name']} ({a['activity_code']})" for a in activities}
    series = {named.get(code, code): months[code] for code in codes}
    if pooled:
        series[others] = [sum(months[code][m] for code in pooled) for m in range(12)]
    return series, outside


def tier_counts(registry: list[dict], year: int) -> list[tuple[str | None, int]]:
    """How many partners are active in `year` (activated for it, as spending counts them) per
    tier, tiers in name order and the partners without one (None) last."""
    counts = Counter(p["tier"] for p in registry if year in p["active_years"])
    return sorted(counts.items(), key=lambda item: (item[0] is None, item[0] or ""))


def tier_label(tier: str | None, lang: str) -> str:
    if tier is None or tier == NO_TIER:
        return text.t("graphs.no_tier", lang)
    return text.t("graphs.tier", lang, tier=tier)


def media_label(media_type: str | None, lang: str) -> str:
    key = f"media_type.{media_type}"
    return text.t(key, lang) if key in text.CATALOG else text.t("graphs.unknown_media", lang)


PAGES = [
    ("/grafik", charts_page, ["GET"]),
]
