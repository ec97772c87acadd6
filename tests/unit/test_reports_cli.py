"""`seklik report NAME --lang id`: every column of every report has its Indonesian header, and
the press-release reports come out as CSV a spreadsheet reads."""
import csv
import io
from types import SimpleNamespace

import pytest

from seklik.reports import INDONESIAN, REPORTS, columns_for, run


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_every_column_has_its_indonesian_header(name):
    for by in ("partner", "media_type", "tier"):
        missing = [c for c in columns_for(name, by) if c not in INDONESIAN]
        assert missing == [], f"{name} --by {by}: {missing}"


class Reporting:
    """The reporting service as `seklik report` calls it, answering one year's outcomes."""

    def outcomes(self, fiscal_year):
        assert fiscal_year == 2026
        return [{"partner": "KayuagungNews", "partner_id": "p1", "media_type": "online",
                 "orders": 1, "paid_orders": 1, "on_time": 1, "late": 0, "missing": 0,
                 "releases": 2, "pickups": 2, "pickup_rate": 1.0,
                 "mean_days_to_publication": 1.0, "reach": 20_000, "cost": 2_000_000,
                 "paid": 2_000_000, "rupiah_per_1000_reach": 100_000}]


def test_the_outcomes_as_csv_in_indonesian():
    body = run(SimpleNamespace(reporting=Reporting()), "outcomes",
               SimpleNamespace(fiscal_year=2026, as_of=None), "csv", "id")
    [row] = csv.DictReader(io.StringIO(body))
    assert (row["mitra"], row["siaran_pers_diterima"], row["siaran_dimuat"],
            row["rasio_pemuatan"], row["rupiah_per_1000_jangkauan"]) == (
        "KayuagungNews", "2", "2", "1.0", "100000")
