"""The arithmetic of the reports (DOMAIN.md §4). Pure Python, no I/O.

Fairness of spending across partners (a standing complaint of OKI's journalists):
- top10_share: the share of the total held by the top 10% of partners (at least one partner);
- gini: Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² mean), 0 when everyone receives the same, towards 1 when one
  partner receives everything. Partners active in the year with nothing count as zeros.
"""
from __future__ import annotations

import datetime as dt
import math


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


def day_end(as_of: dt.date | None) -> str | None:
    """The first instant after `as_of` (UTC) as ISO text: records at or before it stood then."""
    return None if as_of is None else (as_of + dt.timedelta(days=1)).isoformat()
