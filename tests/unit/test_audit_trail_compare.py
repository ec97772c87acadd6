"""The auditor's trail checked against the owner's log, and the live views compared with a
rebuild: the checks themselves (seklik/audit.py), without a broker."""
import copy as copying
import datetime as dt

import pytest

from seklik.audit import SUMMARY, compare_views, owned_trail
from services.partners.application import PartnersApplication
from services.reporting.application import ReportingApplication
from shared.config import Settings
from tests.support import actor, company, document, loaded


@pytest.fixture
def partner(tmp_path):
    """A partner with two documents in the partners' log, its events copied into the views:
    (partner_id, its envelopes from the owner, the views). Encrypted, as every store is."""
    settings = Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path), "SEKLIK_ENV": "development"})
    app = PartnersApplication(settings)
    pid = app.register_partner(loaded(company(1)), actor=actor("admin"))["partner_id"]
    for kind in ("deed", "nib"):
        app.submit_document(pid, {**document(kind), "issued_on": dt.date(2025, 1, 15)},
                            actor=actor("admin"))
    log = app.notifications(0, 1000)  # notifications 1 to 4: its NpwpClaimed is 2
    views = ReportingApplication(settings)
    views.apply_envelopes(log)
    return pid, [env for env in log if env["originator_id"] == pid], views


def checked(pid, owned, views, positions=None):
    return owned_trail(pid, {"partners": owned, "assessment": [], "contracts": []},
                       views.audit_trail(pid), positions or {"partners": 4})


def test_a_partners_trail_that_the_copy_holds_alike_verifies(partner):
    pid, owned, views = partner
    rows = checked(pid, owned, views)
    assert [(r["version"], r["verified"], r["findings"]) for r in rows] == [
        (1, True, []), (2, True, []), (3, True, [])]
    assert rows[0]["payload"]["npwp"] == company(1)["npwp"]  # the copy's, opened


def test_an_event_the_copy_lacks_is_a_finding_unless_the_projector_has_not_reached_it(partner):
    pid, owned, views = partner
    views.sql.execute(f"DELETE FROM {views.t['audit_events']} WHERE notification_id = 4")
    [last] = [r for r in checked(pid, owned, views) if r["version"] == 3]
    assert not last["verified"]
    assert "missing from the reporting views' copy" in last["findings"][0]
    behind = checked(pid, owned, views, positions={"partners": 3})
    assert all(r["verified"] for r in behind)
    assert "sealed" not in str(behind[-1]["payload"])  # the owner's, masked


def test_an_event_only_the_copy_holds_was_deleted_from_the_owners_log(partner):
    pid, owned, views = partner
    [gone] = [r for r in checked(pid, owned[:2], views) if not r["verified"]]
    assert gone["version"] == 3
    assert "not in partners's own log" in gone["findings"][0]


def test_a_version_missing_in_the_middle_of_the_owners_chain_is_a_gap(partner):
    pid, owned, views = partner
    rows = checked(pid, [owned[0], owned[2]], views)
    third = next(r for r in rows if r["version"] == 3 and r["notification_id"] == 4)
    assert "version 3 follows version 1 of its aggregate" in third["findings"]


def test_a_copy_that_holds_another_payload_is_a_finding(partner):
    pid, owned, views = partner
    forged = copying.deepcopy(views.audit_trail(pid))
    forged[1]["committed_payload"]["kind"] = "npwp"
    rows = owned_trail(pid, {"partners": owned}, forged, {"partners": 4})
    assert rows[1]["findings"] == ["the reporting views' copy differs in payload: changed in "
                                   "the copy"]


def test_compare_names_each_cell_and_row_that_differs():
    ledger = [{"order_id": "o1", "net": 980_000}, {"order_id": "o2", "net": 490_000}]
    spending = {"rows": [{"partner": "SumselNews1", "committed": 5}], "gini": 0.0}
    rebuilt = {"payment_ledger": ledger, "spending_by_partner": spending}
    assert compare_views(rebuilt, copying.deepcopy(rebuilt)) == []
    live = copying.deepcopy(rebuilt)
    live["payment_ledger"][0]["net"] = 1_980_000
    del live["payment_ledger"][1]
    live["spending_by_partner"]["gini"] = 0.5
    assert compare_views(live, rebuilt) == [
        {"view": "spending_by_partner", "key": SUMMARY, "column": "gini", "live": 0.5,
         "rebuilt": 0.0},
        {"view": "payment_ledger", "key": "o1", "column": "net", "live": 1_980_000,
         "rebuilt": 980_000},
        {"view": "payment_ledger", "key": "o2", "column": "(row)", "live": "absent",
         "rebuilt": "present"},
    ]
