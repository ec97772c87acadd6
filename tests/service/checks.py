"""One check every service's bad-input table uses."""
import pytest
from nameko.testing.services import worker_factory

from shared.auth import Caller
from shared.errors import ValidationFailed
from tests.support import KEYS, token


# The operator's methods every service has (shared/service.py): their bad input and roles are
# checked for every service at once in test_operator_rpc.py (aggregate_events, the same code on
# every service, in test_aggregate_events.py).
OPERATOR_METHODS = {"quarantine", "retry_quarantined", "health", "aggregate_events",
                    "snapshot_findings"}  # snapshot_findings takes no input


def rpc_methods(service_class) -> set[str]:
    return {name for name in dir(service_class)
            if hasattr(getattr(service_class, name), "allowed_roles")}


def check_refused(service_class, app, role: str, method: str, arguments: dict, field: str):
    """Calling `method` with `arguments` is ValidationFailed naming `field`; nothing recorded."""
    service = worker_factory(service_class, app=app,
                             auth=Caller(f"Bearer {token(role)}", KEYS))
    before = app.max_notification_id()
    with pytest.raises(ValidationFailed) as refused:
        getattr(service, method)(**arguments)
    assert field in refused.value.details["fields"]
    assert field in refused.value.message
    assert app.max_notification_id() == before
