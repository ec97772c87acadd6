"""The operator's methods every service has (quarantine, retry_quarantined, health), called as
nameko calls them: bad input names its field, and a listing shows what a consumer set aside."""
import pytest

from services.assessment.application import AssessmentApplication
from services.assessment.service import AssessmentService
from services.contracts.application import ContractsApplication
from services.contracts.service import ContractsService
from services.partners.application import PartnersApplication
from services.partners.service import PartnersService
from services.reporting.application import ReportingApplication
from services.reporting.service import ReportingProjector, ReportingService
from shared.errors import NotFound
from tests.service.checks import check_refused

SERVICES = [(PartnersService, PartnersApplication), (AssessmentService, AssessmentApplication),
            (ContractsService, ContractsApplication), (ReportingService, ReportingApplication),
            (ReportingProjector, ReportingApplication)]
CASES = [
    ("quarantine", "auditor", dict(source=5), "source"),
    ("quarantine", "auditor", dict(source="contracts; DROP TABLE quarantine"), "source"),
    ("retry_quarantined", "admin", dict(source=None, notification_id=1), "source"),
    ("retry_quarantined", "admin", dict(source="contracts", notification_id="1"),
     "notification_id"),
    ("retry_quarantined", "admin", dict(source="contracts", notification_id=0),
     "notification_id"),
    ("retry_quarantined", "admin", dict(source="contracts", notification_id=True),
     "notification_id"),
]


@pytest.mark.parametrize("service_class,app_class", SERVICES,
                         ids=[s.name for s, _ in SERVICES])
@pytest.mark.parametrize("method,role,arguments,field", CASES,
                         ids=[f"{m}-{f}-{i}" for i, (m, _, _, f) in enumerate(CASES)])
def test_bad_input_to_the_operator_methods_names_the_field(
        sqlite_settings, service_class, app_class, method, role, arguments, field):
    check_refused(service_class, app_class(sqlite_settings), role, method, arguments, field)


def test_reporting_lists_the_views_quarantine_and_sends_retries_to_the_projector(
        sqlite_settings):
    from nameko.testing.services import worker_factory

    from shared.auth import Caller
    from tests.support import KEYS, token

    views = ReportingApplication(sqlite_settings)
    views.quarantine.record("contracts", 1, {"pagu": 10 ** 20}, "DataError: bigint out of range",
                            type_="BudgetSet")
    reporting = worker_factory(ReportingService, app=views,
                               auth=Caller(f"Bearer {token('auditor')}", KEYS))
    [row] = reporting.quarantine()
    assert (row["source"], row["notification_id"], row["tries"]) == ("contracts", 1, 1)
    assert "envelope" not in row  # the delivery stays in the store
    assert reporting.quarantine(source="partners") == []
    admin = worker_factory(ReportingService, app=views,
                           auth=Caller(f"Bearer {token('admin')}", KEYS))
    with pytest.raises(NotFound) as elsewhere:
        admin.retry_quarantined(source="contracts", notification_id=1)
    assert elsewhere.value.code == "no_such_feed" and "projector" in elsewhere.value.message
    health = reporting.health()
    assert health["quarantined"] == 1 and health["consumers"] == []
