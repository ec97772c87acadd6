"""The treasurer's taxes (DOMAIN.md §3; PMK 59/PMK.03/2022 amending PMK 231/2019), as pure
domain: PPN collected above Rp2,000,000 of DPP, PPh 23 withheld, exact fractions rounded once."""
import datetime as dt

import pytest

from services.contracts.domain import DEFAULT_TAX_RULES, TaxRules, taxes
from shared.domain import acting_as
from shared.errors import RuleViolated

FINANCE = {"sub": "ppk.dewi", "roles": ["finance"]}

FROM_2025 = {"version": 2, "ppn_rate": "12/100", "dpp_factor": "11/12", "pph23_rate": "2/100",
             "collection_threshold": 2_000_000}


def test_the_issues_order_of_rp2_500_000_pays_the_partner_rp2_450_000():
    # before: 2,725,000 (DPP + PPN − PPh 23) although the treasurer collects the PPN
    assert taxes(2_500_000, pkp=True) == {
        "dpp": 2_500_000, "ppn": 275_000, "ppn_collected": 275_000, "pph23": 50_000,
        "paid_to_partner": 2_450_000, "realised": 2_775_000, "tax_rules_version": 0}


def test_a_dpp_of_exactly_rp2_000_000_is_not_collected_one_rupiah_more_is():
    at = taxes(2_000_000, pkp=True)
    assert (at["ppn"], at["ppn_collected"], at["pph23"], at["paid_to_partner"],
            at["realised"]) == (220_000, 0, 40_000, 2_180_000, 2_220_000)
    above = taxes(2_000_001, pkp=True)  # PPN 220,000.11 → 220,000; PPh 23 40,000.02 → 40,000
    assert (above["ppn"], above["ppn_collected"], above["pph23"], above["paid_to_partner"],
            above["realised"]) == (220_000, 220_000, 40_000, 1_960_001, 2_220_001)


def test_a_non_pkp_partner_has_no_ppn_and_only_pph23_withheld():
    for dpp in (1_500_000, 2_500_000):
        plain = taxes(dpp, pkp=False)
        assert (plain["ppn"], plain["ppn_collected"]) == (0, 0)
        assert plain["paid_to_partner"] == dpp - dpp // 50
        assert plain["realised"] == dpp


def test_from_2025_ppn_is_12_percent_of_eleven_twelfths_an_effective_11_percent():
    assert taxes(2_500_000, pkp=True, rules=FROM_2025)["ppn"] == 275_000
    assert taxes(1_234_567, pkp=True, rules=FROM_2025)["ppn"] == 135_802  # 135,802.37
    assert taxes(1_234_567, pkp=True, rules=FROM_2025)["tax_rules_version"] == 2


def test_each_tax_rounds_half_up_once_from_the_exact_fraction():
    # PPN of 50 at 12% × 11/12 is exactly 5.50: half up to 6
    assert taxes(50, pkp=True, rules=FROM_2025)["ppn"] == 6
    assert taxes(25, pkp=True)["pph23"] == 1     # 0.50 rounds up
    assert taxes(24, pkp=True)["pph23"] == 0     # 0.48 rounds down
    odd = taxes(1_234_567, pkp=True)
    assert (odd["ppn"], odd["pph23"]) == (135_802, 24_691)  # 135,802.37 and 24,691.34
    assert odd["dpp"] + odd["ppn"] - odd["ppn_collected"] - odd["pph23"] == \
        odd["paid_to_partner"]


@pytest.fixture(autouse=True)
def finance():
    with acting_as(FINANCE):
        yield


def test_tax_rules_are_versioned_by_effective_date_with_a_default_before_any():
    rules = TaxRules()
    assert rules.in_force(dt.date(2024, 12, 31)) is DEFAULT_TAX_RULES
    rates = {k: v for k, v in FROM_2025.items() if k != "version"}
    assert rules.set(dt.date(2025, 1, 1), rates) == 1
    assert rules.set(dt.date(2026, 7, 1), {**rates, "collection_threshold": 5_000_000}) == 2
    assert rules.in_force(dt.date(2024, 12, 31))["version"] == 0
    assert rules.in_force(dt.date(2026, 6, 30))["version"] == 1
    assert rules.in_force(dt.date(2026, 7, 1))["collection_threshold"] == 5_000_000
    with pytest.raises(RuleViolated) as earlier:
        rules.set(dt.date(2026, 1, 1), rates)
    assert earlier.value.code == "revision_before_previous"


@pytest.mark.parametrize("name, value", [("ppn_rate", "101/100"), ("dpp_factor", "0/12"),
                                         ("pph23_rate", "3/2")])
def test_a_rate_above_one_or_a_zero_dpp_factor_is_refused(name, value):
    rules = {k: v for k, v in FROM_2025.items() if k != "version"}
    with pytest.raises(RuleViolated) as refused:
        TaxRules().set(dt.date(2026, 1, 1), {**rules, name: value})
    assert refused.value.code == "bad_tax_rate"
    assert refused.value.details == {"name": name, "value": value}
