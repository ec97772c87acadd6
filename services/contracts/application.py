"""The contracts use cases, and what contracts learns from partners' and assessment's events."""
from __future__ import annotations

import datetime as dt
import uuid

from services.contracts.domain import (Budget, Contract, Order, PartnerStanding, PriceStandard,
                                       Sp2dClaim, TierCeilings, check_agreed_prices,
                                       check_contract_ceiling)
from shared.application import SNAPSHOT_EVERY, ServiceApplication, command
from shared.domain import acting_as, actor_for_envelope, jsonable
from shared.errors import Conflict, NotFound, RuleViolated
from shared.published import PARTNER_LIFECYCLE_EVENTS, partner_status_after

SCHEDULER = {"sub": "contracts.scheduler", "roles": ["system"]}


class ContractsApplication(ServiceApplication):
    name = "contracts"
    snapshotting_intervals = {Budget: SNAPSHOT_EVERY, Contract: SNAPSHOT_EVERY,
                              PartnerStanding: SNAPSHOT_EVERY}

    # Prices, budgets, ceilings -----------------------------------------------------------

    @command
    def publish_price_standard(self, fiscal_year: int, effective_from: dt.date, items: list):
        standard = self.get_or_open(PriceStandard, fiscal_year=fiscal_year)
        version = standard.publish(effective_from, items)
        return {"fiscal_year": fiscal_year, "version": version}, [standard]

    @command
    def set_budget(self, fiscal_year: int, activity_code: str, name: str, pagu: int):
        budget_id = Budget.create_id(fiscal_year, activity_code)
        if budget_id in self.repository:
            budget = self.repository.get(budget_id)
            budget.revise(name, pagu)
        else:
            budget = Budget(fiscal_year=fiscal_year, activity_code=activity_code, name=name,
                            pagu=pagu)
        return budget_row(budget), [budget]

    @command
    def set_tier_ceiling(self, fiscal_year: int, tier: str, ceiling: int):
        ceilings = self.get_or_open(TierCeilings, fiscal_year=fiscal_year)
        ceilings.set_ceiling(tier, ceiling)
        return {"fiscal_year": fiscal_year, "tier": tier, "ceiling": ceiling}, [ceilings]

    def get_or_open(self, kind, **identity):
        aggregate_id = kind.create_id(**identity)
        if aggregate_id in self.repository:
            return self.repository.get(aggregate_id)
        return kind(**identity)

    # Contracts and orders ----------------------------------------------------------------

    @command
    def sign_contract(self, contract: dict):
        if Contract.create_id(contract["number"]) in self.repository:
            raise Conflict(f"contract number {contract['number']} is already used",
                           code="contract_number_taken")
        if contract["ends_on"] < contract["starts_on"]:
            raise RuleViolated(f"the contract ends ({contract['ends_on']}) before it starts "
                               f"({contract['starts_on']})", code="ends_before_start")
        year = contract["fiscal_year"]
        standing = self.standing(contract["partner_id"])
        tier = standing.check_may_contract(year)
        ceilings = self.load(TierCeilings.create_id(year), TierCeilings, "tier ceilings")
        check_contract_ceiling(contract["ceiling"], tier, ceilings.ceiling(tier),
                               standing.contracted.get(str(year), 0))
        budget = self.budget(year, contract["activity_code"])
        budget.check_room_for(contract["ceiling"], "contract ceiling")
        agreed = check_agreed_prices(contract.get("agreed_prices") or [],
                                     self.price_standard(year), contract["starts_on"],
                                     standing.media_type, tier)
        signed = Contract(
            number=contract["number"], partner_id=standing.id, fiscal_year=year,
            activity_code=contract["activity_code"], tier=tier, media_type=standing.media_type,
            ceiling=contract["ceiling"], starts_on=contract["starts_on"],
            ends_on=contract["ends_on"], agreed_prices=agreed)
        standing.note_contracted(year, signed.id, contract["ceiling"])
        return {"contract_id": signed.id, "tier": tier}, [signed, standing]

    @command
    def place_order(self, contract_id, order: dict):
        contract = self.load(contract_id, Contract, "contract")
        today = self.today()
        contract.check_runs_on(today, "order date")
        contract.check_runs_on(order["publish_by"], "publish_by")
        if order["publish_by"] < today:
            raise RuleViolated(f"publish_by {order['publish_by']} is before the order date "
                               f"{today}", code="publish_by_in_past")
        standing = self.standing(contract.partner_id)
        tier = standing.check_may_contract(contract.fiscal_year)
        standard = self.price_standard(contract.fiscal_year).price(
            today, standing.media_type, tier, order["product"])
        agreed = contract.agreed_price(order["product"])
        unit_price = min(standard["unit_price"], agreed) if agreed else standard["unit_price"]
        gross = unit_price * order["quantity"]
        placed = Order.place(contract_id=contract.id, partner_id=contract.partner_id,
                       fiscal_year=contract.fiscal_year, activity_code=contract.activity_code,
                       media_type=standing.media_type, tier=tier, placed_on=today, **order)
        placed.apply_price(standard_version=standard["version"], unit=standard["unit"],
                           standard_unit_price=standard["unit_price"], agreed_unit_price=agreed,
                           unit_price=unit_price, quantity=order["quantity"], gross=gross)
        budget = self.budget(contract.fiscal_year, contract.activity_code)
        contract.reserve(placed.id, gross)
        budget.reserve(placed.id, gross)
        return {"order_id": placed.id, "price_version": standard["version"],
                "unit_price": unit_price, "gross": gross}, [placed, contract, budget]

    @command
    def submit_proof(self, order_id, proof: dict):
        order = self.order(order_id)
        order.submit_proof(today=self.today(), **proof)
        return {"order_id": order.id, "status": order.status}, [order]

    @command
    def review_proof(self, order_id, decision: str, note: str):
        order = self.order(order_id)
        order.review_proof(decision, note)
        return {"order_id": order.id, "status": order.status}, [order]

    @command
    def record_payment(self, order_id, payment: dict):
        order = self.order(order_id)
        claim_id = Sp2dClaim.create_id(payment["sp2d_number"])
        if claim_id in self.repository:
            paid = self.repository.get(claim_id).order_id
            raise Conflict(f"SP2D {payment['sp2d_number']} is already recorded (order {paid}); "
                           "one SP2D pays one order", code="sp2d_already_recorded",
                           details={"order_id": str(paid)})
        standing = self.standing(order.partner_id)
        amounts = order.pay(payment["sp2d_number"], payment["paid_on"], standing.pkp)
        budget = self.budget(order.fiscal_year, order.activity_code)
        budget.pay(order.id, order.gross)
        claim = Sp2dClaim(sp2d_number=payment["sp2d_number"], order_id=order.id)
        return {"order_id": order.id, **amounts}, [order, budget, claim]

    @command
    def cancel_order(self, order_id, reason: str):
        order = self.order(order_id)
        order.cancel(reason)
        return {"order_id": order.id, "status": order.status}, self._release(order, reason)

    def expire_overdue_orders(self) -> list[str]:
        """The scheduled check: lock every order whose proof is overdue, releasing its
        reservation. Each order is its own command, by the contracts scheduler."""
        expired = []
        for order_id in self.open_order_ids():
            try:
                if self._expire(order_id, actor=SCHEDULER):
                    expired.append(str(order_id))
            except Conflict:
                continue  # changed meanwhile; the next run sees it again
        return expired

    @command
    def _expire(self, order_id):
        order = self.order(order_id)
        if not order.is_overdue(self.today()):
            return False, []
        order.expire(order.proof_due, order.gross)
        return True, self._release(order, f"proof overdue since {order.proof_due}")

    def _release(self, order: Order, reason: str) -> list:
        contract = self.load(order.contract_id, Contract, "contract")
        budget = self.budget(order.fiscal_year, order.activity_code)
        contract.release(order.id, order.gross, reason)
        budget.release(order.id, order.gross, reason)
        return [order, contract, budget]

    def open_order_ids(self):
        return self.originator_ids(Order.OrderPlaced)

    # What partners' and assessment's events change ----------------------------------------

    def apply_partners_event(self, envelope: dict, tracked: bool = True) -> None:
        """A partner's standing from partners' events, with the position in partners' log
        (`tracked=False`: a quarantined event applied again behind the position)."""
        kind, payload = envelope["type"], envelope["payload"]
        if kind not in ("PartnerRegistered", *PARTNER_LIFECYCLE_EVENTS):
            self.save_tracked(envelope, tracked=tracked)
            return
        with acting_as(actor_for_envelope(self.name, envelope)):
            if kind == "PartnerRegistered":
                standing = PartnerStanding(partner_id=uuid.UUID(envelope["originator_id"]),
                                           brand_name=payload["brand_name"],
                                           media_type=payload["media_type"], pkp=payload["pkp"])
            else:
                standing = self.repository.get(uuid.UUID(envelope["originator_id"]))
                standing.note_status(partner_status_after(envelope), payload.get("fiscal_year"))
        self.save_tracked(envelope, standing, tracked=tracked)

    def apply_assessment_event(self, envelope: dict, tracked: bool = True) -> None:
        """A partner's tier from assessment's events, with the position in assessment's log
        (`tracked=False`: a quarantined event applied again behind the position)."""
        kind, payload = envelope["type"], envelope["payload"]
        if kind not in ("AssessmentFinalized", "TierChanged"):
            self.save_tracked(envelope, tracked=tracked)
            return
        with acting_as(actor_for_envelope(self.name, envelope)):
            standing = self.repository.get(uuid.UUID(payload["partner_id"]))
            standing.note_tier(payload["fiscal_year"],
                               payload["tier"] if kind == "AssessmentFinalized"
                               else payload["new_tier"])
        self.save_tracked(envelope, standing, tracked=tracked)

    # Queries -----------------------------------------------------------------------------

    def standing(self, partner_id) -> PartnerStanding:
        try:
            return self.load(partner_id, PartnerStanding, "partner")
        except NotFound:
            raise RuleViolated(f"partner {partner_id} is not registered (contracts has not "
                               "received its registration)", code="partner_not_registered",
                               details={"partner_id": str(partner_id)}) from None

    def price_standard(self, fiscal_year: int) -> PriceStandard:
        try:
            return self.load(PriceStandard.create_id(fiscal_year), PriceStandard,
                             "price standard")
        except NotFound:
            raise RuleViolated(f"no price standard is published for {fiscal_year}",
                               code="no_price_standard") from None

    def budget(self, fiscal_year: int, activity_code: str) -> Budget:
        try:
            return self.load(Budget.create_id(fiscal_year, activity_code), Budget, "budget")
        except NotFound:
            raise NotFound(f"no budget for activity {activity_code} in {fiscal_year}",
                           code="no_budget", details={"activity_code": activity_code}) from None

    def order(self, order_id) -> Order:
        return self.load(order_id, Order, "order")

    def get_price_standard(self, fiscal_year: int) -> dict:
        standard = self.price_standard(fiscal_year)
        try:
            in_force = standard.in_force(self.today())["version"]
        except RuleViolated:
            in_force = None  # every version takes effect later
        return jsonable({"fiscal_year": fiscal_year, "versions": standard.versions,
                         "in_force": in_force})

    def get_contract(self, contract_id) -> dict:
        contract = self.load(contract_id, Contract, "contract")
        return jsonable({
            "contract_id": contract.id, "number": contract.number,
            "partner_id": contract.partner_id, "fiscal_year": contract.fiscal_year,
            "activity_code": contract.activity_code, "tier": contract.tier,
            "media_type": contract.media_type, "ceiling": contract.ceiling,
            "reserved": contract.reserved, "remaining": contract.remaining,
            "starts_on": contract.starts_on, "ends_on": contract.ends_on,
            "agreed_prices": contract.agreed_prices, "signed_at": contract.created_on,
        })

    def get_order(self, order_id) -> dict:
        order = self.order(order_id)
        return jsonable({
            "order_id": order.id, "contract_id": order.contract_id,
            "partner_id": order.partner_id, "fiscal_year": order.fiscal_year,
            "activity_code": order.activity_code, "media_type": order.media_type,
            "tier": order.tier, "product": order.product, "quantity": order.quantity,
            "title": order.title, "publish_by": order.publish_by, "placed_on": order.placed_on,
            "proof_due": order.proof_due, "status": order.status, "price": order.price,
            "proof": order.proof, "payment": order.payment,
        })

    def budget_status(self, fiscal_year: int) -> list[dict]:
        rows = []
        for budget_id in self.originator_ids(Budget.BudgetSet):
            budget = self.repository.get(budget_id)
            if budget.fiscal_year == fiscal_year:
                rows.append(budget_row(budget))
        return sorted(rows, key=lambda r: r["activity_code"])


def budget_row(budget: Budget) -> dict:
    return {"fiscal_year": budget.fiscal_year, "activity_code": budget.activity_code,
            "name": budget.name, "pagu": budget.pagu, "committed": budget.committed,
            "paid": budget.paid, "remaining": budget.remaining}
