"""Nothing stops a pipeline: what a consumer cannot apply is quarantined, and the next event flows.

The reporting views (the projector's application) and assessment's partner facts consume
envelopes through `TrackedConsumer.of(app, ...)`, as their services' feeds do, from a source
log the test writes: envelopes built directly, as a value that slipped past the schema would
arrive, or a real partners store corrupted on disk.
"""
import datetime as dt
import sqlite3
import uuid

import pytest

from services.assessment.application import AssessmentApplication
from services.partners.application import PartnersApplication
from services.reporting.application import ReportingApplication
from shared.config import Settings
from shared.consumer import TrackedConsumer
from shared.errors import NotFound, RuleViolated
from tests.support import RUBRIC_2026, actor, company, loaded

YEAR = 2026
REGENCY = "16.02"


def envelope(nid, type_, payload, originator=None, source="contracts", **overrides):
    return {"regency": REGENCY, "source": source, "notification_id": nid,
            "originator_id": str(originator or uuid.uuid4()), "originator_version": 1,
            "type": type_, "timestamp": f"2026-02-0{min(nid, 9)}T03:00:00+00:00",
            "actor": {"sub": "ppk.dewi", "roles": ["finance"]}, "payload": payload,
            "prev_hash": "0" * 64, "hash": f"{nid:064x}", "schema_version": 1, **overrides}


def budget(nid, code, pagu):
    return envelope(nid, "BudgetSet", {"fiscal_year": YEAR, "activity_code": code,
                                       "name": f"Publikasi {code}", "pagu": pagu})


class Source:
    """A source's notification log, as its `notifications` RPC pages it."""

    def __init__(self, *envelopes):
        self.log = list(envelopes)
        self.fetches = 0

    def fetch(self, source, after, limit):
        self.fetches += 1
        return [e for e in self.log if e["notification_id"] > after][:limit]


@pytest.fixture
def views(tmp_path):
    return ReportingApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path / "rep")}))


def projector(views, source, name="contracts"):
    return TrackedConsumer.of(views, name, source.fetch, "apply_envelope", "apply_envelopes")


def pagu_of(views):
    return {row["activity_code"]: row["pagu"] for row in views.budget_realization(YEAR)}


def test_a_budget_of_rp10_20_is_quarantined_and_the_next_budget_still_reaches_the_views(
        views, caplog):
    # Before: "int too large" on every retry, and every later contracts event waited behind it.
    source = Source(budget(1, "5.2.1", 10 ** 20), budget(2, "5.2.2", 750_000_000))
    feed = projector(views, source)
    assert feed.receive(source.log[0]) == "quarantined"
    assert feed.receive(source.log[1]) == "applied"
    assert pagu_of(views) == {"5.2.2": 750_000_000}
    assert views.tracked_position("contracts") == 2
    [row] = views.quarantine.rows()
    assert (row["regency"], row["source"], row["notification_id"], row["type"], row["tries"],
            row["released_at"]) == (REGENCY, "contracts", 1, "BudgetSet", 1, None)
    assert "too large" in row["error"]
    assert views.quarantine.get("contracts", 1)["envelope"]["payload"]["pagu"] == 10 ** 20
    logged = [r for r in caplog.records if r.levelname == "ERROR"]
    assert any("contracts notification 1" in r.getMessage() and "too large" in r.getMessage()
               for r in logged)
    assert feed.status()["quarantined"] == 1


def test_the_delivery_is_kept_encrypted_in_the_store(tmp_path):
    views = ReportingApplication(Settings.from_env({"SEKLIK_ENV": "development",
                                                    "SEKLIK_DATA_DIR": str(tmp_path)}))
    assert views.mapper.cipher is not None  # always, in development
    source = Source(budget(1, "5.2.1", 10 ** 20))
    projector(views, source).catch_up()
    [(stored,)] = views.sql.query(f"SELECT envelope FROM {views.quarantine.table}")
    assert "Publikasi" not in stored and "5.2.1" not in stored


def test_a_crash_between_the_quarantine_row_and_the_position_counts_one_more_try(views):
    source = Source(budget(1, "5.2.1", 10 ** 20), budget(2, "5.2.2", 1_000_000))
    feed = projector(views, source)
    moves = []

    def crash_once(envelope):
        moves.append(envelope["notification_id"])
        if len(moves) == 1:
            raise SystemError("the process died here")
        views.skip_tracked(envelope)

    feed._skip = crash_once
    with pytest.raises(SystemError):
        feed.receive(source.log[0])
    assert views.tracked_position("contracts") == 0  # not moved: it will be applied again
    assert feed.catch_up() == 2
    [row] = views.quarantine.rows()
    assert row["tries"] == 2 and row["notification_id"] == 1
    assert pagu_of(views) == {"5.2.2": 1_000_000}


def test_a_retry_after_the_projection_is_fixed_applies_it_and_releases_the_row(views):
    source = Source(budget(1, "5.2.1", 400_000_000), budget(2, "5.2.2", 750_000_000))
    feed = projector(views, source)
    projections = views.projections["contracts"]
    fixed = projections["BudgetSet"]

    def broken(cur, env, payload):
        raise RuntimeError("the budgets view is being migrated")

    projections["BudgetSet"] = broken
    assert feed.receive(source.log[0]) == "quarantined"
    projections["BudgetSet"] = fixed
    assert feed.receive(source.log[1]) == "applied"
    assert pagu_of(views) == {"5.2.2": 750_000_000}

    answer = feed.retry(1)
    assert (answer["status"], answer["tries"]) == ("applied", 2)
    assert pagu_of(views) == {"5.2.1": 400_000_000, "5.2.2": 750_000_000}
    assert views.tracked_position("contracts") == 2  # the position did not move back
    [row] = views.quarantine.rows()
    assert row["released_at"] == answer["released_at"] and views.quarantine.count() == 0
    assert feed.retry(1)["status"] == "already_released"


def test_a_retry_that_still_fails_says_why_and_counts_the_try(views):
    source = Source(budget(1, "5.2.1", 10 ** 20))
    feed = projector(views, source)
    feed.catch_up()
    with pytest.raises(RuleViolated) as still:
        feed.retry(1)
    assert still.value.code == "still_failing" and "too large" in still.value.message
    assert still.value.details["tries"] == 2
    assert views.quarantine.rows()[0]["tries"] == 2 and views.quarantine.count() == 1
    with pytest.raises(NotFound):
        feed.retry(7)


@pytest.mark.parametrize("delivery", [
    ["BudgetSet", 1], "BudgetSet", 17, None,
    {"source": "contracts", "notification_id": 1},
    {**budget(1, "5.2.1", 1), "notification_id": "1"},
    {**budget(1, "5.2.1", 1), "payload": "pagu=1"},
], ids=["a list", "text", "a number", "null", "keys missing", "id as text", "payload as text"])
def test_a_delivery_that_is_not_an_envelope_is_quarantined_and_moves_nothing(views, delivery):
    source = Source(budget(1, "5.2.1", 500_000_000))
    feed = projector(views, source)
    assert feed.receive(delivery) == "refused"
    assert feed.receive(delivery) == "refused"
    assert views.tracked_position("contracts") == 0 and source.fetches == 0
    [row] = views.quarantine.rows()
    assert row["notification_id"] < 0 and row["tries"] == 2  # one row for the same delivery
    assert row["error"].startswith("not an envelope")
    with pytest.raises(RuleViolated) as refused:
        feed.retry(row["notification_id"])
    assert refused.value.code == "not_an_envelope"
    assert feed.receive(source.log[0]) == "applied"


def test_an_envelope_of_another_regency_on_the_same_broker_is_refused_and_moves_nothing(views):
    # Another regency's contracts service publishes on the same broker: its notification 5 is
    # another log's, and must neither be applied nor make this consumer think it missed 1..4.
    source = Source(budget(1, "5.2.1", 500_000_000))
    feed = projector(views, source)
    foreign = {**budget(5, "5.2.9", 900_000_000), "regency": "16.03"}
    assert feed.receive(foreign) == "refused"
    assert views.tracked_position("contracts") == 0 and source.fetches == 0
    [row] = views.quarantine.rows()
    assert (row["regency"], row["source"], row["notification_id"]) == ("16.03", "contracts", 5)
    assert "16.03" in row["error"]
    assert feed.receive(source.log[0]) == "applied"
    assert pagu_of(views) == {"5.2.1": 500_000_000}


def test_an_envelope_of_another_source_on_this_feed_is_refused(views):
    feed = projector(views, Source())
    stray = envelope(1, "PartnerRegistered", {}, source="partners")
    assert feed.receive(stray) == "refused"
    assert views.quarantine.rows()[0]["source"] == "contracts"
    assert views.tracked_position("partners") == views.tracked_position("contracts") == 0


def test_a_partners_event_that_no_longer_decodes_is_quarantined_and_later_ones_flow(
        views, sqlite_settings):
    partners = PartnersApplication(sqlite_settings)
    for n in (1, 2, 3):
        partners.register_partner(loaded(company(n)), actor=actor("admin"))
    db = sqlite3.connect(sqlite_settings.data_dir / "partners.sqlite")
    db.execute("UPDATE stored_events SET state = substr(state, 1, 20) || x'00' ||"
               " substr(state, 22) WHERE rowid = 3")  # partner 2's registration
    db.commit()
    db.close()
    feed = TrackedConsumer.of(views, "partners",
                              lambda source, after, limit: partners.notifications(after, limit),
                              "apply_envelope", "apply_envelopes")
    assert feed.catch_up() == 6
    assert [r["legal_name"] for r in views.partner_registry()] == [
        "Sriwijaya Media Utama 1", "Sriwijaya Media Utama 3"]
    [row] = views.quarantine.rows()
    assert row["notification_id"] == 3 and "cannot decode" in row["error"]
    with pytest.raises(RuleViolated) as still:  # the source still cannot decode it
        feed.retry(3)
    assert still.value.code == "still_failing"


def test_a_press_council_status_for_a_partner_not_yet_known_applies_on_retry(tmp_path):
    # The status reached assessment before the registration it depends on (a source restored
    # out of order, say): set aside, the registration flows, and a retry then applies it.
    partners = PartnersApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path / "p")}))
    assessment = AssessmentApplication(Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path /
                                                                                 "a")}))
    assessment.set_rubric(YEAR, RUBRIC_2026, actor=actor("admin"))
    pid = partners.register_partner(loaded(company(1)), actor=actor("admin"))["partner_id"]
    partners.record_press_council_status(pid, "factual", "DP-1", dt.date(2025, 6, 1),
                                         actor=actor("verifier"))
    by_type = {e["type"]: e for e in partners.notifications(0, 10)}
    source = Source({**by_type["PressCouncilStatusRecorded"], "notification_id": 1},
                    {**by_type["PartnerRegistered"], "notification_id": 2})
    feed = TrackedConsumer.of(assessment, "partners", source.fetch, "apply_partners_event")
    assert feed.catch_up() == 2
    assert assessment.facts(pid).press_council == "none"
    assert assessment.quarantine.rows()[0]["type"] == "PressCouncilStatusRecorded"
    assert feed.retry(1)["status"] == "applied"
    assert assessment.facts(pid).press_council == "factual"
    assert assessment.tracked_position("partners") == 2 and assessment.quarantine.count() == 0
