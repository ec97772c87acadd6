"""The reporting nameko service: the projector's entrypoints and the read-only queries."""
from nameko.rpc import rpc

from services.reporting.application import ReportingApplication
from shared.auth import READERS, allow
from shared.consumer import Feed, tracked_events
from shared.service import ApplicationProvider, EventSourcedService


class ReportingService(EventSourcedService):
    name = "reporting"
    app = ApplicationProvider(ReportingApplication)
    partners_feed = Feed("partners", app_attr="app", handler="apply_envelope")

    @tracked_events("partners")
    def on_partners_event(self, envelope):
        self.partners_feed.receive(envelope)

    @rpc
    @allow("admin", "verifier", "assessor", "finance", *READERS)
    def partner_registry(self):
        """Every partner known from the partners service's events: status and registration."""
        return self.app.partner_registry()

    @rpc
    @allow("admin", *READERS)
    def projection_status(self):
        """Per source: last notification applied to the views, the latest one heard of, the
        lag between them, and how many deliveries were applied or skipped as duplicates since
        this process started."""
        return [self.partners_feed.status()]
