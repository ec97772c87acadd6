"""`aggregate_events`, on every service: one aggregate's events read from the owner's own store,
as an auditor's trail reads them, sealed as the log's pages are."""
import datetime as dt

import pytest
from nameko.testing.services import worker_factory

from services.partners.application import PartnersApplication
from services.partners.service import PartnersService
from shared.auth import Caller
from shared.errors import Forbidden
from tests.service.checks import check_refused
from tests.support import KEYS, actor, company, document, loaded, token


def partners_with_history(settings):
    app = PartnersApplication(settings)
    ids = [app.register_partner(loaded(company(n)), actor=actor("admin"))["partner_id"]
           for n in (1, 2)]
    for kind in ("deed", "nib"):
        app.submit_document(ids[1], {**document(kind), "issued_on": dt.date(2025, 1, 15)},
                            actor=actor("admin"))
    return app, ids


def as_role(app, role):
    return worker_factory(PartnersService, app=app, auth=Caller(f"Bearer {token(role)}", KEYS))


@pytest.mark.parametrize("store", ["sqlite_settings", "pg_settings"])
def test_an_auditor_reads_one_partners_events_as_the_log_holds_them(request, store):
    app, ids = partners_with_history(request.getfixturevalue(store))
    auditor = as_role(app, "auditor")
    events = auditor.aggregate_events(ids[1])
    log = [env for env in app.notifications(0, 1000) if env["originator_id"] == ids[1]]
    assert [e["originator_version"] for e in events] == [1, 2, 3]
    # the same envelopes as the log's pages (each personal number sealed, never clear)
    assert [(e["notification_id"], e["hash"], e["prev_hash"], e["type"]) for e in events] == [
        (e["notification_id"], e["hash"], e["prev_hash"], e["type"]) for e in log]
    assert events[0]["payload"]["npwp"]["digest"] == log[0]["payload"]["npwp"]["digest"]
    assert [e["originator_version"] for e in auditor.aggregate_events(ids[1], after=1,
                                                                      limit=1)] == [2]
    assert auditor.aggregate_events(ids[0].replace(ids[0][:8], "00000000")) == []


def test_an_event_deleted_from_the_store_after_its_checkpoint_comes_as_a_stand_in(
        sqlite_settings):
    app, ids = partners_with_history(sqlite_settings)
    app.extend_journal()  # the journal of checkpoints records every event
    table = app.sql.table(app.recorder.events_table_name)
    app.sql.execute(f"DELETE FROM {table} WHERE originator_id = ? AND originator_version = 2",
                    (ids[1].replace("-", ""),))
    events = as_role(app, "auditor").aggregate_events(ids[1])
    assert [(e["originator_version"], e["type"]) for e in events] == [
        (1, "PartnerRegistered"), (2, None), (3, "DocumentSubmitted")]
    assert events[1]["missing"].startswith("recorded in partners's journal of checkpoints")
    assert [e["originator_version"] for e in as_role(app, "auditor").aggregate_events(
        ids[1], limit=2)] == [1, 2]


@pytest.mark.parametrize("arguments,field", [
    (dict(originator_id="not-a-uuid"), "originator_id"),
    (dict(originator_id="' OR 1=1 --"), "originator_id"),
    (dict(originator_id=7), "originator_id"),
    (dict(originator_id="5e6b1f0c-0000-4000-8000-000000000001", after=-1), "after"),
    (dict(originator_id="5e6b1f0c-0000-4000-8000-000000000001", limit=5000), "limit"),
])
def test_bad_input_to_aggregate_events_names_the_field(sqlite_settings, arguments, field):
    check_refused(PartnersService, PartnersApplication(sqlite_settings), "auditor",
                  "aggregate_events", arguments, field)


def test_a_media_user_cannot_read_an_aggregates_events(sqlite_settings):
    app, ids = partners_with_history(sqlite_settings)
    with pytest.raises(Forbidden):
        as_role(app, "media").aggregate_events(ids[0])
