"""Nothing stops a pipeline, on real PostgreSQL and with the services as their own processes.

A value that slipped past the schema (a pagu of Rp10^20, a NUL byte in a document number) makes
PostgreSQL refuse the views' change: the projector sets the event aside in its quarantine and
the next event still reaches the views; an operator lists it with `seklik reporting quarantine`
and applies it again with `seklik reporting retry`.
"""
import json
import subprocess
import sys
import uuid

import pytest

from services.contracts.application import ContractsApplication
from services.reporting.application import ReportingApplication
from shared.config import Settings
from shared.consumer import TrackedConsumer
from shared.errors import RuleViolated
from tests.integration.scenarios import eventually
from tests.support import actor

pytestmark = pytest.mark.integration
YEAR = 2026


def envelope(nid, type_, payload, source="contracts", originator=None):
    return {"regency": "16.02", "source": source, "notification_id": nid,
            "originator_id": str(originator or uuid.uuid4()), "originator_version": 1,
            "type": type_, "timestamp": f"2026-02-0{nid}T03:00:00+00:00",
            "actor": {"sub": "ppk.dewi", "roles": ["finance"]}, "payload": payload,
            "prev_hash": "0" * 64, "hash": f"{nid:064x}", "schema_version": 1}


def budget(nid, code, pagu):
    return envelope(nid, "BudgetSet", {"fiscal_year": YEAR, "activity_code": code,
                                       "name": f"Publikasi {code}", "pagu": pagu})


def test_postgresql_refusals_are_quarantined_the_next_events_applied_and_a_fixed_one_retried(
        pg_settings):
    views = ReportingApplication(pg_settings)
    log = {"contracts": [budget(1, "5.2.1", 10 ** 20), budget(2, "5.2.2", 750_000_000),
                         budget(3, "5.2.3", 250_000_000)],
           "partners": []}
    feeds = {source: TrackedConsumer.of(
        views, source, lambda src, after, limit: [e for e in log[src]
                                                  if e["notification_id"] > after][:limit],
        "apply_envelope", "apply_envelopes") for source in log}

    # Before: "bigint out of range" on every retry, every later contracts event behind it.
    assert feeds["contracts"].catch_up() == 3
    pagu = {r["activity_code"]: r["pagu"] for r in views.budget_realization(YEAR)}
    assert pagu == {"5.2.2": 750_000_000, "5.2.3": 250_000_000}
    [row] = views.quarantine.rows()
    assert (row["source"], row["notification_id"], row["type"], row["tries"]) == (
        "contracts", 1, "BudgetSet", 1)
    assert "out of range" in row["error"]

    # A NUL byte in a document number: PostgreSQL refuses it in text; the partner stays.
    partner = str(uuid.uuid4())
    log["partners"] = [
        envelope(1, "PartnerRegistered", {
            "legal_name": "PT Sriwijaya Media", "brand_name": "SumselNews", "legal_form": "PT",
            "media_type": "online", "pkp": True}, source="partners", originator=partner),
        envelope(2, "DocumentSubmitted", {
            "document_id": str(uuid.uuid4()), "kind": "deed", "number": "AKTA\x00-01",
            "issued_on": "2025-01-15", "valid_until": None}, source="partners",
            originator=partner),
        envelope(3, "PartnerActivated", {"fiscal_year": YEAR}, source="partners",
                 originator=partner)]
    assert feeds["partners"].catch_up() == 3
    assert views.partner_registry()[0]["status"] == "active"
    nul = views.quarantine.rows("partners")[0]
    assert nul["notification_id"] == 2 and "NUL" in nul["error"]

    # The pagu stays refused on retry: the answer says why, and the try is counted.
    with pytest.raises(RuleViolated) as still:
        feeds["contracts"].retry(1)
    assert still.value.code == "still_failing" and "out of range" in still.value.message
    assert views.quarantine.get("contracts", 1)["tries"] == 2

    # A failure that was the projection's (fixed since) applies on retry and is released.
    projections = views.projections["contracts"]
    fixed = projections["BudgetSet"]

    def broken(cur, env, payload):
        raise RuntimeError("the budgets view is being migrated")

    log["contracts"].append(budget(4, "5.2.4", 90_000_000))
    projections["BudgetSet"] = broken
    assert feeds["contracts"].catch_up() == 1
    projections["BudgetSet"] = fixed
    assert feeds["contracts"].retry(4)["status"] == "applied"
    assert {r["activity_code"] for r in views.budget_realization(YEAR)} == {
        "5.2.2", "5.2.3", "5.2.4"}
    assert views.tracked_position("contracts") == 4
    assert {(r["source"], r["notification_id"]) for r in views.quarantine.rows()
            if r["released_at"] is None} == {("contracts", 1), ("partners", 2)}


def seklik(cluster, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "seklik.cli", *args], env=cluster.env,
                          capture_output=True, text=True, timeout=120)


def test_a_contracts_event_the_projector_cannot_apply_is_listed_and_later_events_flow(cluster):
    for service in ("contracts", "projector", "reporting"):
        cluster.start(service)
    # A pagu that slipped past the schema, written straight into contracts' own store (the
    # running service's relay publishes it like any other event).
    straight = ContractsApplication(Settings.from_env(cluster.env))
    straight.set_budget(YEAR, "5.2.1", "Publikasi 5.2.1", 10 ** 20, actor=actor("finance"))
    with cluster.rpc("finance", sub="ppk.dewi") as finance:
        finance.contracts.set_budget(YEAR, "5.2.2", "Publikasi 5.2.2", 750_000_000)
        assert eventually(lambda: [r["activity_code"] for r in
                                   finance.reporting.budget_realization(YEAR)] == ["5.2.2"])

    running = ("--service", "contracts", "--service", "projector", "--service", "reporting")
    listed = seklik(cluster, "reporting", "quarantine", *running, "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = [r for r in json.loads(listed.stdout) if r["source"] == "contracts"]
    assert [(r["service"], r["notification_id"], r["type"], r["tries"]) for r in rows] == [
        ("reporting", 1, "BudgetSet", 1)]
    assert "out of range" in rows[0]["error"]
    table = seklik(cluster, "reporting", "quarantine", "--service", "reporting")
    assert "BudgetSet" in table.stdout and "out of range" in table.stdout

    retried = seklik(cluster, "reporting", "retry", "--service", "reporting", "--source",
                     "contracts", "--notification", "1")
    assert retried.returncode == 1
    assert "still_failing" in retried.stderr and "out of range" in retried.stderr
    with cluster.rpc("admin") as admin:
        health = admin.projector.health()
        assert health["quarantined"] == 1
        contracts_feed = next(c for c in health["consumers"] if c["source"] == "contracts")
        assert contracts_feed["last_applied"] == 2
        assert admin.contracts.health()["relay"]["behind"] == 0
