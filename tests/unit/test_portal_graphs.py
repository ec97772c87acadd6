"""The arithmetic under the charts page: a year's payments laid out by month and activity (a
returned SP2D taken back out in its own month), and the year's active partners counted per
tier, as the reporting service's views hand them over."""
import pytest

from services.gateway.portal.graphs import (MAX_SERIES, media_label, monthly_series,
                                            tier_counts, tier_label)

ONLINE = {"activity_code": "2.16.01.2.06.0001", "name": "Publikasi media daring",
          "pagu": 1_250_000_000, "paid": 0}
BROADCAST = {"activity_code": "2.16.01.2.06.0002", "name": "Penyiaran radio dan televisi",
             "pagu": 770_000_000, "paid": 0}


def paid(on: str, code: str, realised: int, entry: str = "payment") -> dict:
    return {"paid_on": on, "activity_code": code, "realised": realised, "entry": entry,
            "sp2d_number": f"{on}/SP2D"}


def test_an_sp2d_returned_in_a_later_month_comes_out_of_that_month_not_the_one_it_was_paid():
    ledger = [paid("2026-03-10", ONLINE["activity_code"], 22_200_000),
              paid("2026-03-28", ONLINE["activity_code"], 5_550_000),
              paid("2026-04-02", ONLINE["activity_code"], -22_200_000, "reversal"),
              paid("2026-04-15", BROADCAST["activity_code"], 11_100_000)]
    series, outside = monthly_series(ledger, [ONLINE, BROADCAST], 2026)
    assert list(series) == ["Publikasi media daring", "Penyiaran radio dan televisi"]
    online = series["Publikasi media daring"]
    assert online[2] == 27_750_000 and online[3] == -22_200_000
    assert sum(online) == 5_550_000  # what stands paid
    assert series["Penyiaran radio dan televisi"][3] == 11_100_000
    assert outside == 0


def test_a_reversal_in_the_following_january_is_counted_outside_the_year():
    ledger = [paid("2026-12-20", ONLINE["activity_code"], 22_200_000),
              paid("2027-01-05", ONLINE["activity_code"], -22_200_000, "reversal")]
    series, outside = monthly_series(ledger, [ONLINE], 2026)
    assert series["Publikasi media daring"][11] == 22_200_000
    assert outside == -22_200_000


def test_an_activity_the_budget_does_not_name_is_shown_under_its_code_after_the_named_ones():
    ledger = [paid("2026-05-01", "9.99.99", 1_000_000),
              paid("2026-05-02", BROADCAST["activity_code"], 2_000_000)]
    series, _ = monthly_series(ledger, [ONLINE, BROADCAST], 2026)
    assert list(series) == ["Penyiaran radio dan televisi", "9.99.99"]
    assert series["9.99.99"][4] == 1_000_000
    # a budgeted activity nobody was paid from draws no empty series
    assert "Publikasi media daring" not in series


def test_two_activities_of_one_name_keep_their_own_series():
    twin = {**BROADCAST, "name": ONLINE["name"]}
    ledger = [paid("2026-05-01", ONLINE["activity_code"], 1),
              paid("2026-05-01", twin["activity_code"], 2)]
    series, _ = monthly_series(ledger, [ONLINE, twin], 2026)
    assert [values[4] for values in series.values()] == [1, 2]
    assert "Publikasi media daring (2.16.01.2.06.0002)" in series


def test_more_activities_than_hatchings_pool_the_smallest_as_other_activities():
    codes = [f"2.16.01.2.06.000{n}" for n in range(1, MAX_SERIES + 3)]
    budget = [{"activity_code": code, "name": f"Kegiatan {n}"} for n, code in enumerate(codes)]
    ledger = [paid("2026-06-01", code, 1_000_000 * (n + 1)) for n, code in enumerate(codes)]
    series, _ = monthly_series(ledger, budget, 2026, "Kegiatan lainnya")
    assert len(series) == MAX_SERIES
    assert list(series)[-1] == "Kegiatan lainnya"
    assert series["Kegiatan lainnya"][5] == 1_000_000 + 2_000_000 + 3_000_000
    assert sum(values[5] for values in series.values()) == sum(
        1_000_000 * (n + 1) for n in range(len(codes)))


def partner(tier, years=(2026,)) -> dict:
    return {"partner_id": f"p-{tier}-{years}", "tier": tier, "active_years": list(years)}


def test_active_partners_per_tier_with_the_untiered_last():
    registry = [partner("B"), partner(None), partner("A"), partner("B"), partner(None),
                partner("A", years=(2025,)),  # registered, active last year only
                partner("C", years=())]       # registered this year, not activated
    assert tier_counts(registry, 2026) == [("A", 1), ("B", 2), (None, 2)]


def test_a_year_with_nothing_has_no_series_and_no_tiers():
    assert monthly_series([], [ONLINE], 2031) == ({}, 0)
    assert tier_counts([], 2031) == []


@pytest.mark.parametrize("lang, labels", [
    ("id", ("Tingkat A", "Tanpa tingkat", "Tanpa tingkat", "Televisi",
            "Jenis media tidak diketahui")),
    ("en", ("Tier A", "No tier", "No tier", "Television", "Unknown media type"))])
def test_tiers_and_media_types_are_named_in_the_pages_language(lang, labels):
    # reporting's spending groups the untiered as "none", its registry says None
    assert (tier_label("A", lang), tier_label(None, lang), tier_label("none", lang),
            media_label("tv", lang), media_label(None, lang)) == labels
