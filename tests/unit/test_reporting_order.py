"""Reports a finance officer can trust row by row (issue 13, item 10): spending by partner has a
row per company with its partner_id, even for two companies of one brand; and equal rows come
in one order whatever order the database hands rows back in (after a rebuild, a vacuum, another
plan), because every query sorts by a full key ending in an id."""
import datetime as dt

import pytest

import tests.world
from services.reporting.application import ReportingApplication
from shared.config import Settings
from tests.support import company
from tests.world import (FINANCE, YEAR, accepted, clock, contract, order, paid,  # noqa: F401
                         tiered_partner, world)


@pytest.fixture
def one_brand(monkeypatch):
    """Companies registered under one brand: two PTs publishing as "Sumsel Pos"."""
    monkeypatch.setattr(tests.world, "company",
                        lambda n, **kw: company(n, brand_name="Sumsel Pos", **kw))


def test_two_companies_of_one_brand_are_two_rows_in_spending_by_partner(world, one_brand):
    first = tiered_partner(world, 1, "B")
    second = tiered_partner(world, 2, "B")
    order(world, contract(world, first, "001/SPK/2026"), quantity=2)
    order(world, contract(world, second, "002/SPK/2026"))
    world.project()
    result = world.reporting.spending(YEAR, by="partner")
    assert [(r["partner_id"], r["partner"], r["partners"], r["committed"])
            for r in result["rows"]] == [(first, "Sumsel Pos", 1, 4_000_000),
                                         (second, "Sumsel Pos", 1, 2_000_000)]
    assert result["partners"] == 2
    # Gini of 4 and 2 million between two partners: |4 - 2| * 2 / (2 * 4 * 3) = 1/6
    assert result["gini"] == round(1 / 6, 4)


@pytest.fixture
def equal_rows(world, one_brand):
    """Equal rows in every view: two companies of one brand, one tier, the same orders accepted
    and paid on the same days, two invoices of equal age."""
    w = world
    pids = [tiered_partner(w, n, "B") for n in (1, 2)]
    cids = [contract(w, pid, f"00{n}/SPK/2026") for n, pid in enumerate(pids, 1)]
    orders = [order(w, cid)["order_id"] for cid in cids for _ in range(2)]
    for oid in orders:
        accepted(w, oid, dt.date(YEAR, 3, 9))
    w.clock.today = dt.date(YEAR, 3, 20)
    for n, oid in enumerate(orders[::2], 1):
        paid(w, oid, f"0003{n}/SP2D/LS/2026", dt.date(YEAR, 3, 20))
    w.project()
    w.pids = pids
    return w


def every_view(reporting, pid) -> dict:
    on = dt.date(YEAR, 3, 25)
    return {
        "registry": reporting.partner_registry(YEAR),
        "tiers": reporting.tier_history(pid),
        "budget": reporting.budget_realization(YEAR),
        **{f"spending_{by}": reporting.spending(YEAR, by) for by in ("partner", "media_type",
                                                                    "tier")},
        "ledger": reporting.payment_ledger(YEAR),
        "tax": reporting.tax_summary(YEAR),
        "invoices": reporting.outstanding_invoices(as_of=on),
        "late": reporting.late_proofs(YEAR, as_of=on),
        "outputs": reporting.outputs(YEAR),
    }


def test_equal_rows_come_in_one_order_whatever_order_the_database_returns(equal_rows,
                                                                          monkeypatch):
    reporting = equal_rows.reporting
    invoices = reporting.outstanding_invoices(as_of=dt.date(YEAR, 3, 25))
    assert [r["age_days"] for r in invoices] == [16, 16]  # equal age: the id decides
    assert [r["order_id"] for r in invoices] == sorted(r["order_id"] for r in invoices)
    before = every_view(reporting, equal_rows.pids[0])
    query = reporting.sql.query
    monkeypatch.setattr(reporting.sql, "query", lambda *a, **k: list(reversed(query(*a, **k))))
    assert every_view(reporting, equal_rows.pids[0]) == before


def test_equal_age_invoices_keep_their_order_after_a_rebuild(equal_rows, tmp_path, monkeypatch):
    on = dt.date(YEAR, 3, 25)
    before = equal_rows.reporting.outstanding_invoices(as_of=on)
    rebuilt = ReportingApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(
        tmp_path / "rebuilt")}), clock=equal_rows.clock)
    # The rebuilt tables hand their rows back in another order (as PostgreSQL may after a
    # rebuild into freed pages): the view's order must not follow it.
    query = rebuilt.sql.query
    monkeypatch.setattr(rebuilt.sql, "query", lambda *a, **k: list(reversed(query(*a, **k))))
    for source in (equal_rows.partners, equal_rows.assessment, equal_rows.contracts):
        equal_rows.feed(source, rebuilt, "apply_envelope").catch_up()
    assert rebuilt.outstanding_invoices(as_of=on) == before
    assert every_view(rebuilt, equal_rows.pids[0]) == every_view(equal_rows.reporting,
                                                                 equal_rows.pids[0])
