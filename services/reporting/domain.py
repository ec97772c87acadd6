"""The arithmetic of the reports (DOMAIN.md §4). Pure Python, no I/O.

Fairness of spending across partners (a standing complaint of OKI's journalists):
- top10_share: the share of the total held by the top 10% of partners (at least one partner);
- gini: Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² mean), 0 when everyone receives the same, towards 1 when one
  partner receives everything. Partners active in the year with nothing count as zeros.
"""
from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from shared.config import DEFAULT_TIMEZONE


def gini(values: list[int]) -> float:
    n = len(values)
    total = sum(values)
    if n == 0 or total == 0:
        return 0.0
    ordered = sorted(values)
    # Σᵢ Σⱼ |xᵢ − xⱼ| = 2 Σᵢ (2i − n − 1) xᵢ over the sorted values (i from 1)
    weighted = sum((2 * i - n - 1) * x for i, x in enumerate(ordered, start=1))
    return round(weighted / (n * total), 4)


def top_share(values: list[int], fraction: float = 0.1) -> float:
    total = sum(values)
    if not values or total == 0:
        return 0.0
    k = max(1, math.ceil(len(values) * fraction))
    return round(sum(sorted(values, reverse=True)[:k]) / total, 4)


def age_days(since: dt.date, as_of: dt.date) -> int:
    return (as_of - since).days


def rupiah_per_reach(gross: int, reach: int) -> float | None:
    return round(gross / reach, 2) if reach else None


def day_end(as_of: dt.date | None, zone: str | ZoneInfo = DEFAULT_TIMEZONE) -> str | None:
    """The first instant after the regency's day `as_of`, as UTC ISO text in the form stored
    timestamps take (`2026-12-31T17:00:00+00:00` for 31 December in WIB): a record stood at
    the end of that day when its timestamp sorts before it. Never the UTC midnight: from 00:00
    to 07:00 WIB that is still the day before."""
    if as_of is None:
        return None
    zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    midnight = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return midnight.astimezone(dt.timezone.utc).isoformat()


def regency_date(timestamp: str, zone: str | ZoneInfo = DEFAULT_TIMEZONE) -> dt.date:
    """The regency's date of a stored UTC timestamp (ISO text): what a clerk calls its day."""
    zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    return dt.datetime.fromisoformat(timestamp).astimezone(zone).date()


def rate(part: int, whole: int) -> float | None:
    """`part` of `whole` as a fraction to four places (0.6667); None when there is no whole."""
    return round(part / whole, 4) if whole else None


def per_thousand(rupiah: int, reach: int) -> int | None:
    """Whole rupiah per 1,000 of reach, rounded half up; None without reach."""
    if not reach:
        return None
    return (rupiah * 1000 * 2 + reach) // (2 * reach)


def mean(values: list[int]) -> float | None:
    """The mean to one decimal; None of nothing."""
    return round(sum(values) / len(values), 1) if values else None
