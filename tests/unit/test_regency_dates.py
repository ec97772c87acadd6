"""Dates are the regency's dates (issue 13, item 5).

"Today", deadlines, `as_of` and fiscal-year boundaries are in the regency's time zone
(SEKLIK_TIMEZONE, default Asia/Jakarta); instants stay UTC in events. From 00:00 to 07:00 WIB the
UTC date is still yesterday's: these scenarios sit in that gap (23:30 UTC is 06:30 WIB the next
day) and on the turn of the year (2026-12-31T18:00Z is 1 January 2027 in WIB).
"""
import datetime as dt
import uuid

import pytest

import shared.domain
from services.partners.application import PartnersApplication
from services.partners.domain import Partner
from services.reporting.application import ReportingApplication
from services.reporting.domain import day_end, regency_date
from shared.config import ConfigurationError, Settings
from shared.consumer import TrackedConsumer
from shared.errors import NotFound
from tests.support import POLICY_2026, actor, company, loaded
from tests.world import (FINANCE, YEAR, accepted, clock, contract, order, paid,  # noqa: F401
                         tiered_partner, world)

ADMIN = actor("admin", sub="kominfo.ani")
UTC = dt.timezone.utc


def at(monkeypatch, clock, instant: dt.datetime):
    """The world's clock and its events' timestamps both at `instant` (UTC)."""
    clock.today = instant
    monkeypatch.setattr(shared.domain, "utcnow", lambda: instant)


def test_the_regency_zone_defaults_to_wib_and_names_wita_and_wit_regencies():
    assert Settings.from_env({}).timezone == "Asia/Jakarta"
    assert Settings.from_env({"SEKLIK_TIMEZONE": "Asia/Makassar"}).zone.key == "Asia/Makassar"
    assert Settings.from_env({"SEKLIK_TIMEZONE": "Asia/Jayapura"}).timezone == "Asia/Jayapura"


@pytest.mark.parametrize("zone", ["WIB", "Asia/Jakartaa", "../../etc/passwd", "UTC+7"])
def test_a_deployment_with_an_unknown_time_zone_refuses_to_start_and_says_what_is_right(zone):
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env({"SEKLIK_TIMEZONE": zone})
    assert "SEKLIK_TIMEZONE" in str(refused.value)
    assert "Asia/Jakarta" in str(refused.value) and "Asia/Jayapura" in str(refused.value)


def test_at_0630_wib_the_regency_s_today_is_already_the_next_day(tmp_path):
    instant = dt.datetime(YEAR, 3, 10, 23, 30, tzinfo=UTC)  # 06:30 WIB on 11 March

    def app(zone):
        return PartnersApplication(Settings.from_env({
            "SEKLIK_DATA_DIR": str(tmp_path / zone.replace("/", "-")),
            "SEKLIK_TIMEZONE": zone}), clock=lambda: instant)

    assert app("Asia/Jakarta").today() == dt.date(YEAR, 3, 11)
    assert app("Asia/Jayapura").today() == dt.date(YEAR, 3, 11)
    assert app("UTC").today() == dt.date(YEAR, 3, 10)
    # At 16:30 UTC it is 23:30 WIB, the same day, but already 01:30 the next day in WIT.
    evening = dt.datetime(YEAR, 3, 10, 16, 30, tzinfo=UTC)
    jakarta = PartnersApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path / "e")}),
                                  clock=lambda: evening)
    jayapura = PartnersApplication(Settings.from_env({
        "SEKLIK_DATA_DIR": str(tmp_path / "w"), "SEKLIK_TIMEZONE": "Asia/Jayapura"}),
        clock=lambda: evening)
    assert (jakarta.today(), jayapura.today()) == (dt.date(YEAR, 3, 10), dt.date(YEAR, 3, 11))


def test_a_date_clock_is_still_taken_as_the_regency_s_date(tmp_path):
    app = PartnersApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path)}),
                              clock=lambda: dt.date(YEAR, 3, 10))
    assert app.today() == dt.date(YEAR, 3, 10)


def test_without_a_clock_today_is_the_regency_s_date_now(tmp_path):
    app = PartnersApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path)}))
    assert app.today() == dt.datetime.now(Settings.from_env({}).zone).date()


def test_the_end_of_a_regency_day_is_midnight_there_as_a_utc_instant():
    assert day_end(dt.date(2026, 12, 31)) == "2026-12-31T17:00:00+00:00"
    assert day_end(dt.date(2026, 12, 31), "Asia/Makassar") == "2026-12-31T16:00:00+00:00"
    assert day_end(dt.date(2026, 12, 31), "Asia/Jayapura") == "2026-12-31T15:00:00+00:00"
    assert day_end(None) is None
    # A stored timestamp (UTC, as events carry it) sorts against it as the instant it is.
    assert "2026-12-31T16:59:59.999999+00:00" < day_end(dt.date(2026, 12, 31))
    assert not "2026-12-31T18:00:00+00:00" < day_end(dt.date(2026, 12, 31))
    assert regency_date("2026-12-31T18:00:00+00:00") == dt.date(2027, 1, 1)
    assert Settings.from_env({}).day_end(dt.date(2026, 12, 31)) == dt.datetime(
        2026, 12, 31, 17, tzinfo=UTC)


def test_a_partner_registered_at_0100_wib_on_new_year_s_day_did_not_exist_on_31_december(
        tmp_path, monkeypatch):
    instant = dt.datetime(2026, 12, 31, 18, 0, tzinfo=UTC)  # 01:00 WIB, 1 January 2027
    monkeypatch.setattr(shared.domain, "utcnow", lambda: instant)
    partners = PartnersApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path)}),
                                   clock=lambda: instant)
    partners.set_requirement_policy(2027, POLICY_2026, actor=ADMIN)
    pid = partners.register_partner(loaded(company(1)), actor=ADMIN)["partner_id"]
    assert partners.load(pid, Partner, "partner", as_of=dt.date(2027, 1, 1)).id == uuid.UUID(pid)
    with pytest.raises(NotFound):  # "no partner ... on 2026-12-31"
        partners.load(pid, Partner, "partner", as_of=dt.date(2026, 12, 31))

    # The reporting registry lists it among 2027's registrations, not 2026's.
    reporting = ReportingApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path / "r")}),
                                     clock=lambda: instant)
    TrackedConsumer(partners.name, reporting.tracked_position, reporting.apply_envelope,
                    lambda source, after, limit: partners.notifications(after, limit)
                    ).catch_up()
    assert [p["partner_id"] for p in reporting.partner_registry(fiscal_year=2027)] == [str(pid)]
    assert reporting.partner_registry(fiscal_year=2026) == []
    assert reporting.partner_registry(as_of=dt.date(2026, 12, 31)) == []


def test_a_payment_at_0100_wib_on_new_year_s_day_is_not_in_the_year_end_report(
        world, clock, monkeypatch):
    pid = tiered_partner(world, 1, "B")
    cid = contract(world, pid)
    oid = order(world, cid, publish_by=dt.date(YEAR, 12, 20))["order_id"]
    accepted(world, oid, published_on=dt.date(YEAR, 12, 18))
    at(monkeypatch, clock, dt.datetime(YEAR, 12, 31, 18, 0, tzinfo=UTC))  # 1 Jan 2027 WIB
    assert world.contracts.today() == dt.date(YEAR + 1, 1, 1)
    paid(world, oid, "01234/SP2D/LS/2026", dt.date(YEAR, 12, 31))
    world.project()
    closing = world.reporting.payment_ledger(YEAR, as_of=dt.date(YEAR, 12, 31))
    assert [row["order_id"] for row in closing] == []
    next_day = world.reporting.payment_ledger(YEAR, as_of=dt.date(YEAR + 1, 1, 1))
    assert [row["order_id"] for row in next_day] == [str(oid)]
    # The budget as it stood at the end of 31 December (WIB) had not paid it yet.
    budget = world.contracts.budget(YEAR, "2.16.01.2.06.0001")
    year_end = world.contracts.repository.get(
        budget.id, version=world.contracts.version_on(budget.id, dt.date(YEAR, 12, 31)))
    assert year_end.paid == 0 and budget.paid > 0


def test_a_service_set_to_an_unknown_zone_refuses_to_start(monkeypatch):
    """The zone is checked where a service starts (its Auth set-up, before any store), so a
    typo never runs a regency on UTC dates."""
    from shared.auth import Auth

    monkeypatch.setenv("SEKLIK_ENV", "development")
    monkeypatch.setenv("SEKLIK_TIMEZONE", "Asia/Jakrta")
    with pytest.raises(ConfigurationError, match="SEKLIK_TIMEZONE is 'Asia/Jakrta'"):
        Auth().setup()


def test_every_container_is_given_the_regency_zone_wib_unless_env_says_otherwise():
    from pathlib import Path

    compose = (Path(__file__).parents[2] / "docker-compose.yml").read_text()
    assert "SEKLIK_TIMEZONE: ${SEKLIK_TIMEZONE:-Asia/Jakarta}" in compose
