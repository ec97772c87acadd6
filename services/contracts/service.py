"""The contracts nameko service: prices, budgets, contracts, orders, proofs and payments.

`finance` (PPK / bendahara) runs the money; a `media` company files proofs for its own orders;
`auditor` and `system` read. Partner standing and tiers arrive as partners' and assessment's
events, so contracts keeps working while either is down.
"""
from nameko.rpc import rpc
from nameko.timer import timer

from services.contracts import schemas as s
from services.contracts.application import ContractsApplication
from shared.auth import READERS, allow
from shared.config import Settings
from shared.consumer import Feed, tracked_events
from shared.schemas import load
from shared.service import ApplicationProvider, EventSourcedService

STAFF = ("admin", "verifier", "assessor", "finance")


class ContractsService(EventSourcedService):
    name = "contracts"
    app = ApplicationProvider(ContractsApplication)
    partners_feed = Feed("partners", app_attr="app", handler="apply_partners_event")
    assessment_feed = Feed("assessment", app_attr="app", handler="apply_assessment_event")

    @tracked_events("partners")
    def on_partners_event(self, envelope):
        self.partners_feed.receive(envelope)

    @tracked_events("assessment")
    def on_assessment_event(self, envelope):
        self.assessment_feed.receive(envelope)

    @timer(interval=Settings.from_env().expiry_interval)
    def expire_overdue(self):
        # The scheduled check: orders whose proof is overdue are locked and released.
        self.app.expire_overdue_orders()

    # Prices, budgets, ceilings -----------------------------------------------------------

    @rpc
    @allow("finance")
    def publish_price_standard(self, fiscal_year, effective_from, items, command_id=None):
        """Publish a version of the year's standard unit prices: items [{media_type, tier,
        product, unit, unit_price}], in force from `effective_from`. Published versions never
        change; a revision is a new version. Returns {fiscal_year, version}."""
        return self.run(self.app.publish_price_standard, s.PublishPriceStandardSchema,
                        command_id, fiscal_year=fiscal_year, effective_from=effective_from,
                        items=items)

    @rpc
    @allow("finance")
    def set_budget(self, fiscal_year, activity_code, name, pagu, command_id=None):
        """Set or revise the pagu (whole rupiah) of an activity; never below what is
        committed. Returns the budget's status."""
        return self.run(self.app.set_budget, s.BudgetSchema, command_id,
                        fiscal_year=fiscal_year, activity_code=activity_code, name=name,
                        pagu=pagu)

    @rpc
    @allow("finance")
    def set_tier_ceiling(self, fiscal_year, tier, ceiling, command_id=None):
        """The most one partner of `tier` may be contracted for in the year (whole rupiah)."""
        return self.run(self.app.set_tier_ceiling, s.TierCeilingSchema, command_id,
                        fiscal_year=fiscal_year, tier=tier, ceiling=ceiling)

    @rpc
    @allow("finance")
    def set_tax_rules(self, effective_from, rules, command_id=None):
        """Set a version of the tax rules, in force from `effective_from` (a date) until the
        next: rules {ppn_rate, dpp_factor, pph23_rate} as exact fractions "num/den" (e.g.
        "12/100", "11/12", "2/100"; never floats) and collection_threshold (whole rupiah: PPN on
        a DPP at most this is not collected). A payment uses the version in force on its
        paid_on date; before any version, the built-in version 0 (PPN 11/100 on a DPP factor
        1/1, PPh 23 2/100, threshold Rp2,000,000). Returns {version, effective_from}."""
        return self.run(self.app.set_tax_rules, s.SetTaxRulesSchema, command_id,
                        effective_from=effective_from, rules=rules)

    # Contracts and orders ----------------------------------------------------------------

    @rpc
    @allow("finance")
    def sign_contract(self, contract, command_id=None):
        """Sign an SPK: {number, fiscal_year, partner_id, activity_code, ceiling, starts_on,
        ends_on, agreed_prices [{product, unit_price}] (optional, at or below the standard)}.
        Only for an active, tiered partner. The ceiling is what the treasury may pay out (DPP +
        PPN); it is within the tier ceiling and is committed against the budget at signing, so
        all contracts together never exceed the pagu. Returns {contract_id, tier}."""
        return self.run(self.app.sign_contract, s.SignContractSchema, command_id,
                        contract=contract)

    @rpc
    @allow("finance")
    def amend_contract(self, contract_id, amendment, reason, command_id=None):
        """An addendum with a reason: amendment {ceiling?, ends_on?, agreed_prices?} (at least
        one; agreed_prices replaces the list in full, each at or below the standard in force
        at the contract's start). A higher ceiling commits the difference against the budget
        (RuleViolated `budget_exceeded`) within the partner's tier ceiling
        (`tier_ceiling_exceeded`), as signing does; a lower one is never below what the
        contract's orders hold (`ceiling_below_drawn` {ceiling, drawn}) and releases the
        difference to the budget. ends_on is not before the start nor today
        (`ends_before_start`). Orders already placed keep their prices. RuleViolated
        `contract_terminated`, `empty_amendment`. Returns {contract_id, addendum (its number),
        ceiling, committed, released}."""
        return self.run(self.app.amend_contract, s.AmendContractSchema, command_id,
                        contract_id=contract_id, amendment=amendment, reason=reason)

    @rpc
    @allow("finance")
    def terminate_contract(self, contract_id, reason, command_id=None):
        """Terminate a contract early, with a reason: no new orders or addenda
        (`contract_terminated`); its orders without a proof are cancelled with it; orders with
        a proof stay, to be reviewed and paid. What the contract committed beyond what its
        paid and remaining orders hold is released to the budget, and so is later what those
        orders give back. Returns {contract_id, cancelled_orders, released, ceiling}."""
        return self.run(self.app.terminate_contract, s.TerminateContractSchema, command_id,
                        contract_id=contract_id, reason=reason)

    @rpc
    @allow("finance")
    def place_order(self, contract_id, order, command_id=None):
        """Place a media order {product, quantity, title, publish_by}: priced from the
        standard in force today for the partner's media type and tier (or the contract's agreed
        price). It reserves its total (DPP + PPN under the tax rules in force today, PPN only
        for a PKP partner) within the contract's commitment, not again from the budget.
        Returns {order_id, price_version, unit_price, gross (the DPP), ppn, total}."""
        return self.run(self.app.place_order, s.PlaceOrderSchema, command_id,
                        contract_id=contract_id, order=order)

    @rpc
    @allow("finance", "media")
    def submit_proof(self, order_id, proof, command_id=None):
        """File the proof of publication {kind (link/clipping/broadcast_log), reference,
        published_on, sha256, reach {page_views, circulation, audience} (optional)} before the
        deadline after publish-by. A media company files only for its own orders. Dates are
        the regency's (SEKLIK_TIMEZONE): published_on is on or after the order date
        (placed_on) and on or before publish_by, and not after today. RuleViolated
        `proof_late` {due, today}, `published_in_future`, `published_before_order`
        {published_on, placed_on}, `published_after_publish_by` {published_on, publish_by}."""
        args = load(s.SubmitProofSchema, {"order_id": order_id, "proof": proof})
        self.auth.check_own(self.app.order(args["order_id"]).partner_id)
        return self.app.submit_proof(**args, actor=self.auth.actor, command_id=command_id)

    @rpc
    @allow("finance")
    def review_proof(self, order_id, decision, note, command_id=None):
        """Accept (handover, BAST) or reject a proof, with a note; a rejected proof may be
        filed again before the deadline."""
        return self.run(self.app.review_proof, s.ReviewProofSchema, command_id,
                        order_id=order_id, decision=decision, note=note)

    @rpc
    @allow("finance")
    def record_payment(self, order_id, payment, command_id=None):
        """Record the payment {sp2d_number, paid_on} of an order with an accepted proof.
        Taxes follow the tax rules and the partner's PKP status in force on paid_on (an order
        placed while the partner was not PKP and paid after it became PKP is taxed as PKP).
        Returns, in whole rupiah, {dpp, ppn,
        ppn_collected (PPN the treasurer collects: all of it above the collection threshold,
        none at or below), pph23 (withheld), paid_to_partner (DPP + PPN − collected − PPh 23),
        realised (DPP + PPN: what the budget spends), tax_rules_version, paid_to_account: the
        partner's bank account in force on paid_on {bank, holder, ending (last four digits),
        digest (HMAC of the number, as partners' sealed envelopes carry it)}, never the
        number}. One payment per order and per SP2D."""
        return self.run(self.app.record_payment, s.RecordPaymentSchema, command_id,
                        order_id=order_id, payment=payment)

    @rpc
    @allow("finance")
    def preview_payment(self, order_id, payment):
        """What `record_payment` would record for {sp2d_number, paid_on}, checked the same
        way (`proof_not_accepted`, `already_paid`, `sp2d_already_recorded`) and recording
        nothing: its answer with `recorded` false. The treasurer reads the taxes and the
        account before confirming."""
        return self.app.preview_payment(**load(s.RecordPaymentSchema, {
            "order_id": order_id, "payment": payment}))

    @rpc
    @allow("finance")
    def record_tax_deposit(self, kind, period, ntpn, amount, paid_on, command_id=None):
        """Record the deposit to the state treasury of a month's withheld PPh 23 (`kind`
        "pph23") or collected PPN ("ppn"): period "YYYY-MM" (the tax month, by the payments'
        paid_on), ntpn (the 16 letters and digits of the NTPN, kept upper case), amount (whole
        rupiah), paid_on (not before the month, not after today). One deposit per NTPN:
        Conflict `ntpn_already_recorded` {kind, period}. An amount that differs from what the
        month withheld or collected is recorded as paid; the registers (reporting
        `pph23_register`, `ppn_register`) show the difference. RuleViolated
        `deposit_before_period`, `paid_in_future`. Returns {deposit_id, kind, period, ntpn,
        amount, paid_on}."""
        return self.run(self.app.record_tax_deposit, s.TaxDepositSchema, command_id,
                        kind=kind, period=period, ntpn=ntpn, amount=amount, paid_on=paid_on)

    @rpc
    @allow("finance")
    def reverse_payment(self, order_id, sp2d_number, reason, command_id=None):
        """Reverse the payment of an order whose SP2D was returned or cancelled (by the bank
        or the BUD), with a reason: the budget's paid (realised) goes back down by what the
        payment realised and the order returns to proof_accepted, to be paid again with
        `record_payment` under a NEW SP2D; the reversed SP2D number stays used (Conflict
        `sp2d_already_recorded`). RuleViolated `order_not_paid`, `sp2d_not_this_payment`
        {sp2d_number (the order's)}. Returns {order_id, status, sp2d_number, reversed}."""
        return self.run(self.app.reverse_payment, s.ReversePaymentSchema, command_id,
                        order_id=order_id, sp2d_number=sp2d_number, reason=reason)

    @rpc
    @allow("finance")
    def cancel_order(self, order_id, reason, command_id=None):
        """Cancel an order before its proof, releasing its reservation."""
        return self.run(self.app.cancel_order, s.CancelOrderSchema, command_id,
                        order_id=order_id, reason=reason)

    @rpc
    @allow("finance", "admin")
    def expire_overdue_orders(self):
        """Run the scheduled check now: the ids of the orders it expired (the events name the
        contracts scheduler as their actor, as on every scheduled run)."""
        return self.app.expire_overdue_orders()

    # Press releases (services/contracts/releases.py) -------------------------------------

    @rpc
    @allow("admin", "humas")
    def publish_release(self, release, command_id=None):
        """Send a press release {title, body, release_date, embargo_until (optional: an
        instant with its offset, in the future), attachments [sha256 of files kept
        elsewhere], files [uploads kept here], audience {media_types, tiers, partner_ids}
        (each optional: the year's active partners matching all of them)}. The recipients are
        fixed now, from what contracts knows of the partners. RuleViolated `embargo_in_past`,
        `no_recipients`, `partner_not_active` {partner_ids}. Returns {release_id, recipients
        (how many), embargo_until}."""
        return self.run(self.app.publish_release, s.PublishReleaseSchema, command_id,
                        release=release)

    @rpc
    @allow("humas", *STAFF, "media", *READERS)
    def list_releases(self, fiscal_year):
        """The year's releases, newest first: title, release_date, embargo_until, recipients
        (how many), accepted (pickups), pickups; staff also see the audience. A media company
        sees only those sent to it whose embargo has ended, with its own pickups."""
        args = load(s.FiscalYearSchema, {"fiscal_year": fiscal_year})
        return self.app.list_releases(args["fiscal_year"], partner_id=self.auth.own_partner())

    @rpc
    @allow("humas", *STAFF, "media", *READERS)
    def get_release(self, release_id):
        """The whole release with its body, attachments and pickups (each with its partner,
        kind, reference, published_on, reach, review and note); staff also see `sent_to`.
        To a media company a release not sent to it, or under embargo, does not exist
        (NotFound)."""
        args = load(s.ReleaseIdSchema, {"release_id": release_id})
        return self.app.get_release(args["release_id"], partner_id=self.auth.own_partner())

    @rpc
    @allow("admin", "humas", "media")
    def file_pickup(self, release_id, pickup, command_id=None):
        """A recipient's publication of the release: pickup {partner_id, kind
        (link/clipping/broadcast_log), reference, published_on, sha256 or file, reach
        {page_views, circulation, audience} (optional)}. A media company files for itself
        only. RuleViolated `not_a_recipient`, `under_embargo`, `published_in_future`,
        `published_before_release` {earliest}; Conflict `pickup_already_filed` (one stands
        per partner until it is rejected). Returns {release_id, pickup_id, review}."""
        args = load(s.FilePickupSchema, {"release_id": release_id, "pickup": pickup})
        self.auth.check_own(args["pickup"]["partner_id"])
        return self.app.file_pickup(**args, actor=self.auth.actor, command_id=command_id)

    @rpc
    @allow("admin", "humas")
    def review_pickup(self, release_id, pickup_id, decision, note, command_id=None):
        """Accept or reject a pickup, with a note. NotFound `no_such_pickup`; Conflict
        `pickup_already_reviewed`. Returns {release_id, pickup_id, review}."""
        return self.run(self.app.review_pickup, s.ReviewPickupSchema, command_id,
                        release_id=release_id, pickup_id=pickup_id, decision=decision,
                        note=note)

    @rpc
    @allow("humas", *STAFF, "media", *READERS)
    def release_file(self, release_id, sha256):
        """A file kept for the release (an attachment, or a pickup's clipping): {release_id,
        sha256, size, media_type, name}, for the gateway to serve its bytes. A media company
        reaches the attachments of a release it sees and its own pickups' files. NotFound
        `file_not_kept`."""
        args = load(s.ReleaseFileSchema, {"release_id": release_id, "sha256": sha256})
        return self.app.release_file(**args, partner_id=self.auth.own_partner())

    # Queries -----------------------------------------------------------------------------

    @rpc
    @allow(*STAFF, *READERS)
    def get_price_standard(self, fiscal_year):
        """Every published version of the year's price standard and the one in force today."""
        return self.app.get_price_standard(**load(s.FiscalYearSchema,
                                                  {"fiscal_year": fiscal_year}))

    @rpc
    @allow(*STAFF, *READERS)
    def get_tier_ceilings(self, fiscal_year):
        """The most one partner of each tier may be contracted for in the year:
        {fiscal_year, ceilings {tier: whole rupiah}} ({} before any is set)."""
        return self.app.get_tier_ceilings(**load(s.FiscalYearSchema,
                                                 {"fiscal_year": fiscal_year}))

    @rpc
    @allow(*STAFF, *READERS)
    def get_tax_rules(self):
        """Every version of the tax rules, the built-in default, and the version in force
        today."""
        return self.app.get_tax_rules()

    @rpc
    @allow(*STAFF, "media", *READERS)
    def get_contract(self, contract_id):
        """The whole contract: ceiling, reserved, remaining, period, agreed prices, status
        (signed/terminated), addenda [{addendum, amended_on, reason, ceiling, ends_on,
        agreed_prices: each {from, to}}] and terminated {terminated_on, reason,
        cancelled_orders, released} or null."""
        contract = self.app.get_contract(**load(s.ContractIdSchema,
                                                {"contract_id": contract_id}))
        self.auth.check_own(contract["partner_id"])
        return contract

    @rpc
    @allow(*STAFF, "media", *READERS)
    def get_order(self, order_id):
        """The whole order: price applied, proof and its deadline, payment, and reversals
        (each reversed payment with its reversed_on and reason)."""
        order = self.app.get_order(**load(s.OrderIdSchema, {"order_id": order_id}))
        self.auth.check_own(order["partner_id"])
        return order

    @rpc
    @allow(*STAFF, "media", *READERS)
    def partner_orders(self, partner_id, fiscal_year=None):
        """A partner's orders (of `fiscal_year`, or every year), newest first, each as
        `get_order` answers it: what a media company sees of its own work, the proof it owes
        and by when, and what it was paid. A media company reads only its own."""
        args = load(s.PartnerOrdersSchema, {"partner_id": partner_id,
                                            "fiscal_year": fiscal_year})
        self.auth.check_own(args["partner_id"])
        return self.app.partner_orders(**args)

    @rpc
    @allow(*STAFF, "media", *READERS)
    def list_contracts(self, fiscal_year, partner_id=None):
        """The year's contracts (of one partner if given), by number, each as `get_contract`
        answers it. A media company names its own partner_id and reads only its own."""
        args = load(s.ListContractsSchema, {"fiscal_year": fiscal_year,
                                            "partner_id": partner_id})
        self.auth.check_own(args["partner_id"])
        return self.app.list_contracts(**args)

    @rpc
    @allow(*STAFF, *READERS)
    def list_orders(self, fiscal_year, status=None, contract_id=None, partner_id=None):
        """The year's orders, newest first, each as `get_order` answers it; only those in
        `status` (placed, proof_submitted, proof_accepted, paid, cancelled, expired), of
        `contract_id` or of `partner_id` when given: the proofs waiting for review, the
        accepted ones waiting for an SP2D."""
        return self.app.list_orders(**load(s.ListOrdersSchema, {
            "fiscal_year": fiscal_year, "status": status, "contract_id": contract_id,
            "partner_id": partner_id}))

    @rpc
    @allow(*STAFF, "media", *READERS)
    def proof_file(self, order_id):
        """The file kept for the order's proof: {order_id, sha256, size, media_type, name}, for
        the gateway to serve its bytes (`GET /v1/orders/{id}/proof/file`); the same readers as
        the order. NotFound `no_proof`, or `file_not_kept` when the proof was filed by its
        SHA-256 only."""
        args = load(s.OrderIdSchema, {"order_id": order_id})
        self.auth.check_own(self.app.order(args["order_id"]).partner_id)
        return self.app.proof_file(args["order_id"])

    @rpc
    @allow(*STAFF, *READERS)
    def budget_status(self, fiscal_year):
        """Per activity, whole rupiah with PPN: pagu, committed (the ceilings of the signed
        contracts), paid (realised: DPP + PPN of the payments), remaining (pagu − committed)."""
        return self.app.budget_status(**load(s.FiscalYearSchema, {"fiscal_year": fiscal_year}))
