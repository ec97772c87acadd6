"""Reporting runs as two services over one store of views:

- `ReportingProjector` ("projector"): consumes every service's events through the kernel's
  tracked consumer and updates the views with its position in one transaction;
- `ReportingService` ("reporting"): the read-only queries of DOMAIN.md §4, each also `as_of`
  a date. `auditor` and `system` may call every query.
"""
import eventlet
from nameko.rpc import RpcProxy, rpc

from services.reporting import schemas as s
from services.reporting.application import SOURCES, ReportingApplication
from shared.auth import READERS, allow
from shared.consumer import Feed, tracked_events
from shared.personal import masked
from shared.schemas import load
from shared.service import ApplicationProvider, EventSourcedService

STAFF = ("admin", "verifier", "assessor", "finance")
MONEY = ("admin", "finance", *READERS)


class ReportingProjector(EventSourcedService):
    name = "projector"
    app = ApplicationProvider(ReportingApplication)
    partners_feed = Feed("partners", "app", "apply_envelope", "apply_envelopes")
    assessment_feed = Feed("assessment", "app", "apply_envelope", "apply_envelopes")
    contracts_feed = Feed("contracts", "app", "apply_envelope", "apply_envelopes")

    @tracked_events("partners")
    def on_partners_event(self, envelope):
        self.partners_feed.receive(envelope)

    @tracked_events("assessment")
    def on_assessment_event(self, envelope):
        self.assessment_feed.receive(envelope)

    @tracked_events("contracts")
    def on_contracts_event(self, envelope):
        self.contracts_feed.receive(envelope)

    @rpc
    @allow("admin", *READERS)
    def feed_status(self):
        """Per source, since this projector process started: last applied, latest heard of,
        lag, deliveries applied and duplicates skipped."""
        return [self.partners_feed.status(), self.assessment_feed.status(),
                self.contracts_feed.status()]


class ReportingService(EventSourcedService):
    name = "reporting"
    app = ApplicationProvider(ReportingApplication)
    partners_rpc = RpcProxy("partners")
    assessment_rpc = RpcProxy("assessment")
    contracts_rpc = RpcProxy("contracts")

    @rpc
    @allow(*STAFF, *READERS)
    def partner_registry(self, fiscal_year=None, as_of=None):
        """Every partner with its status, press council, tier for the year, active years and
        documents (valid count, invalid kinds), as the records stood at the end of `as_of`."""
        return self.app.partner_registry(**load(s.RegistrySchema, {
            "fiscal_year": fiscal_year, "as_of": as_of}))

    @rpc
    @allow(*STAFF, *READERS)
    def tier_history(self, partner_id, as_of=None):
        """Every score and tier change of a partner: who, when, why, old, new."""
        args = load(s.PartnerHistorySchema, {"partner_id": partner_id, "as_of": as_of})
        return self.app.tier_history(str(args["partner_id"]), args["as_of"])

    @rpc
    @allow(*MONEY)
    def budget_realization(self, fiscal_year, as_of=None):
        """Per activity: pagu, committed, paid, remaining, realisation %."""
        return self.app.budget_realization(**load(s.YearAsOfSchema, {
            "fiscal_year": fiscal_year, "as_of": as_of}))

    @rpc
    @allow(*MONEY)
    def spending(self, fiscal_year, by="partner", as_of=None):
        """Committed and paid per partner, media type or tier, with the share of the top 10%
        of partners and the Gini coefficient across the year's active partners."""
        return self.app.spending(**load(s.SpendingSchema, {
            "fiscal_year": fiscal_year, "by": by, "as_of": as_of}))

    @rpc
    @allow(*MONEY)
    def payment_ledger(self, fiscal_year, as_of=None):
        """Every payment: SP2D, date, partner, gross, PPN, PPh 23, net."""
        return self.app.payment_ledger(**load(s.YearAsOfSchema, {
            "fiscal_year": fiscal_year, "as_of": as_of}))

    @rpc
    @allow(*MONEY)
    def tax_summary(self, fiscal_year, as_of=None):
        """Per partner: payments, gross, PPN, PPh 23 withheld, net."""
        return self.app.tax_summary(**load(s.YearAsOfSchema, {
            "fiscal_year": fiscal_year, "as_of": as_of}))

    @rpc
    @allow(*MONEY)
    def pph23_register(self, fiscal_year, month, as_of=None):
        """The PPh 23 register of a month (payments by paid_on, the regency's date): rows
        {paid_on, sp2d_number, bukti_potong (BP23/<SP2D>), partner (legal name), partner_id,
        npwp, order_id, dpp, rate ("num/den"), pph23} ordered by paid_on, SP2D, order id;
        totals {payments, dpp, pph23}; the month's deposits [{ntpn, paid_on, amount,
        recorded_at}], deposited and difference (deposited − withheld); reversed: the month's
        SP2Ds returned or cancelled, left out of rows and totals. The NPWP shows as the
        partners service shows it to the caller: in clear to admin, finance and auditor,
        masked (last four digits) to other systems. `as_of`: payments and deposits recorded
        by the end of that day."""
        register = self.app.pph23_register(**load(s.TaxMonthSchema, {
            "fiscal_year": fiscal_year, "month": month, "as_of": as_of}))
        return register if self.auth.may_see_personal_data() else masked(register)

    @rpc
    @allow(*MONEY)
    def ppn_register(self, fiscal_year, month, as_of=None):
        """The PPN collection register of a month: rows of the payments whose PPN the
        treasurer collected {paid_on, sp2d_number, partner, partner_id, npwp, order_id, dpp,
        dpp_factor, rate, ppn, ppn_collected}; totals {payments, dpp, ppn_collected}; deposits,
        deposited and difference (deposited − collected) as in `pph23_register`; and
        `not_collected`: PKP payments at or below the collection threshold, whose PPN the
        partner remits itself. Non-PKP payments (no PPN) are left out."""
        register = self.app.ppn_register(**load(s.TaxMonthSchema, {
            "fiscal_year": fiscal_year, "month": month, "as_of": as_of}))
        return register if self.auth.may_see_personal_data() else masked(register)

    @rpc
    @allow(*MONEY)
    def outstanding_invoices(self, as_of=None, fiscal_year=None):
        """Accepted proofs not yet paid, oldest first, with their age in days."""
        return self.app.outstanding_invoices(**load(s.OutstandingSchema, {
            "as_of": as_of, "fiscal_year": fiscal_year}))

    @rpc
    @allow(*MONEY)
    def late_proofs(self, fiscal_year, as_of=None):
        """Orders expired for want of a proof, and orders past due with none filed."""
        return self.app.late_proofs(**load(s.YearAsOfSchema, {
            "fiscal_year": fiscal_year, "as_of": as_of}))

    @rpc
    @allow(*STAFF, *READERS)
    def outputs(self, fiscal_year, as_of=None):
        """Per partner: orders, published on time, late, reach, rupiah per unit of reach."""
        return self.app.outputs(**load(s.YearAsOfSchema, {
            "fiscal_year": fiscal_year, "as_of": as_of}))

    @rpc
    @allow(*STAFF, "humas", *READERS)
    def outcomes(self, fiscal_year, as_of=None):
        """Per partner active in the year or sent a release: orders, paid_orders, on_time,
        late (proven late), missing (expired for want of a proof), releases (sent to it),
        pickups (accepted), pickup_rate (pickups per release, to four places),
        mean_days_to_publication (from the release, or its embargo's end, to each accepted
        pickup), reach (accepted proofs and pickups), cost (DPP of its proven orders), paid
        (DPP paid) and rupiah_per_1000_reach (cost per 1,000 reach, whole rupiah)."""
        return self.app.outcomes(**load(s.YearAsOfSchema, {
            "fiscal_year": fiscal_year, "as_of": as_of}))

    @rpc
    @allow(*STAFF, "humas", *READERS)
    def release_summary(self, fiscal_year, as_of=None):
        """Per press release of the year, newest first: title, release_date, embargo_until,
        recipients, filed (pickups), accepted, rejected, pickup_rate, first_published_on and
        mean_days_to_publication."""
        return self.app.release_summary(**load(s.YearAsOfSchema, {
            "fiscal_year": fiscal_year, "as_of": as_of}))

    @rpc
    @allow(*READERS)
    def audit_trail(self, entity_id):
        """Every event of one partner, contract or order (in every service), in order, with
        its time, actor, payload and hash. For auditors and other systems only. NPWP, NIK,
        bank account and document numbers show to auditors; other systems see them masked
        (last four digits). The hash commits each number by its keyed digest (docs/rpc.md)."""
        trail = self.app.audit_trail(load(s.EntitySchema, {"entity_id": entity_id})[
            "entity_id"].lower())
        return trail if self.auth.may_see_personal_data() else masked(trail)

    @rpc
    @allow("admin", *READERS)
    def projection_status(self):
        """Per source: the last notification applied to the views, the source's latest, and
        the lag between them (at most 1,000 counted)."""
        positions = self.app.positions()
        # The caller's token travels on (nameko passes context data): only callers who may
        # read notifications learn the lag. One reply queue for the service, none per call.
        calls = {}
        for source in SOURCES:
            try:
                calls[source] = getattr(self, f"{source}_rpc").notifications.call_async(
                    after=positions[source], limit=1000)
            except Exception:  # UnknownService: nothing consumes its queue
                calls[source] = None
        rows = []
        for source in SOURCES:
            try:
                with eventlet.Timeout(3):
                    ahead = calls[source].result()
                latest = ahead[-1]["notification_id"] if ahead else positions[source]
                lag = len(ahead)
            except (Exception, eventlet.Timeout):  # the source is down: say so, not guess
                latest, lag = None, None
            rows.append({"source": source, "last_applied": positions[source],
                         "latest": latest, "lag": lag})
        return rows
