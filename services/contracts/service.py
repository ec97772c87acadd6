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
        Taxes follow the tax rules in force on paid_on. Returns, in whole rupiah, {dpp, ppn,
        ppn_collected (PPN the treasurer collects: all of it above the collection threshold,
        none at or below), pph23 (withheld), paid_to_partner (DPP + PPN − collected − PPh 23),
        realised (DPP + PPN: what the budget spends), tax_rules_version}. One payment per order
        and per SP2D."""
        return self.run(self.app.record_payment, s.RecordPaymentSchema, command_id,
                        order_id=order_id, payment=payment)

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

    # Queries -----------------------------------------------------------------------------

    @rpc
    @allow(*STAFF, *READERS)
    def get_price_standard(self, fiscal_year):
        """Every published version of the year's price standard and the one in force today."""
        return self.app.get_price_standard(**load(s.FiscalYearSchema,
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
        """The whole contract: ceiling, reserved, remaining, period, agreed prices."""
        contract = self.app.get_contract(**load(s.ContractIdSchema,
                                                {"contract_id": contract_id}))
        self.auth.check_own(contract["partner_id"])
        return contract

    @rpc
    @allow(*STAFF, "media", *READERS)
    def get_order(self, order_id):
        """The whole order: price applied, proof and its deadline, payment."""
        order = self.app.get_order(**load(s.OrderIdSchema, {"order_id": order_id}))
        self.auth.check_own(order["partner_id"])
        return order

    @rpc
    @allow(*STAFF, *READERS)
    def budget_status(self, fiscal_year):
        """Per activity, whole rupiah with PPN: pagu, committed (the ceilings of the signed
        contracts), paid (realised: DPP + PPN of the payments), remaining (pagu − committed)."""
        return self.app.budget_status(**load(s.FiscalYearSchema, {"fiscal_year": fiscal_year}))
