"""The assessment nameko service: rubrics, scores and tiers, fed by the partners' events (the
partner's facts) and contracts' events (what it delivered the year before)."""
from nameko.rpc import rpc

from services.assessment import schemas as s
from services.assessment.application import AssessmentApplication
from shared.auth import READERS, allow
from shared.consumer import Feed, tracked_events
from shared.schemas import load
from shared.service import ApplicationProvider, EventSourcedService

STAFF = ("admin", "verifier", "assessor", "finance")


class AssessmentService(EventSourcedService):
    name = "assessment"
    app = ApplicationProvider(AssessmentApplication)
    partners_feed = Feed("partners", app_attr="app", handler="apply_partners_event")
    contracts_feed = Feed("contracts", app_attr="app", handler="apply_contracts_event")

    @tracked_events("partners")
    def on_partners_event(self, envelope):
        self.partners_feed.receive(envelope)

    @tracked_events("contracts")
    def on_contracts_event(self, envelope):
        # what partners delivered (releases, pickups, orders, payments) feeds next year's
        # output-fed criteria (issue 16)
        self.contracts_feed.receive(envelope)

    @rpc
    @allow("admin")
    def set_rubric(self, fiscal_year, rubric, effective_from=None, command_id=None):
        """Set (or revise) the rubric of a fiscal year: {criteria [{code, name, weight,
        max_score, source}], tiers [{tier, min_total}]}. Weights sum to 100; thresholds strictly
        descending. Once an assessment of the year is finalised, a revision needs
        `effective_from`, and finalised tiers keep their version. Returns {fiscal_year, version}.
        """
        return self.run(self.app.set_rubric, s.SetRubricSchema, command_id,
                        fiscal_year=fiscal_year, rubric=rubric, effective_from=effective_from)

    @rpc
    @allow("assessor")
    def score(self, fiscal_year, partner_id, criterion, score, reason, command_id=None):
        """Score a manual criterion, 0..max_score, with a reason. Returns {old, new, total}.
        On a finalised assessment the change re-tiers it (TierChanged)."""
        return self.run(self.app.score, s.ScoreSchema, command_id, fiscal_year=fiscal_year,
                        partner_id=partner_id, criterion=criterion, score=score, reason=reason)

    @rpc
    @allow("assessor")
    def finalize_assessment(self, fiscal_year, partner_id, command_id=None):
        """Compute the weighted total (0–100) and assign the tier; every manual criterion must
        be scored. Returns {total, tier, rubric_version}."""
        return self.run(self.app.finalize_assessment, s.AssessmentKeySchema, command_id,
                        fiscal_year=fiscal_year, partner_id=partner_id)

    @rpc
    @allow(*STAFF, *READERS)
    def get_rubric(self, fiscal_year):
        """The rubric of a fiscal year: every version, the one in force, the pinned ones."""
        return self.app.get_rubric(**load(s.FiscalYearSchema, {"fiscal_year": fiscal_year}))

    @rpc
    @allow(*STAFF, "media", *READERS)
    def get_assessment(self, fiscal_year, partner_id):
        """Each criterion's score, reason, who set it and when (and the partner event that
        caused a computed score), the total, the tier, and whether it is finalised."""
        args = load(s.AssessmentKeySchema, {"fiscal_year": fiscal_year,
                                            "partner_id": partner_id})
        self.auth.check_own(args["partner_id"])
        return self.app.get_assessment(**args)

    @rpc
    @allow(*STAFF, "media", *READERS)
    def get_tier(self, partner_id, fiscal_year):
        """The finalised tier of a partner for a fiscal year, or null."""
        args = load(s.AssessmentKeySchema, {"fiscal_year": fiscal_year,
                                            "partner_id": partner_id})
        self.auth.check_own(args["partner_id"])
        return self.app.get_tier(**args)
