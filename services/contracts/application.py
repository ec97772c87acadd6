"""The contracts use cases, and what contracts learns from partners' and assessment's events."""
from __future__ import annotations

import datetime as dt
import uuid

from services.contracts.domain import (DEFAULT_TAX_RULES, Budget, Contract, Order,
                                       PartnerStanding, PriceStandard, Sp2dClaim, TaxDeposit,
                                       TaxRules,
                                       TierCeilings, check_agreed_prices, check_contract_ceiling,
                                       ppn_of)
from services.contracts.releases import Release, chosen
from shared import personal
from shared.application import SNAPSHOT_EVERY, ServiceApplication, command
from shared.domain import acting_as, actor_for_envelope, jsonable
from shared.errors import Conflict, NotFound, RuleViolated
from shared.published import PARTNER_LIFECYCLE_EVENTS, partner_status_after

SCHEDULER = {"sub": "contracts.scheduler", "roles": ["system"]}
DOCUMENT_EVENTS = ("DocumentSubmitted", "DocumentReviewed")


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

    @command
    def set_tax_rules(self, effective_from: dt.date, rules: dict):
        tax_rules = self.get_or_open(TaxRules)
        version = tax_rules.set(effective_from, rules)
        return {"version": version, "effective_from": effective_from}, [tax_rules]

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
        standing.check_documents_valid(self.today())
        ceilings = self.load(TierCeilings.create_id(year), TierCeilings, "tier ceilings")
        check_contract_ceiling(contract["ceiling"], tier, ceilings.ceiling(tier),
                               standing.contracted.get(str(year), 0))
        budget = self.budget(year, contract["activity_code"])
        budget.check_room_for(contract["ceiling"], "contract ceiling")  # before any event
        agreed = check_agreed_prices(contract.get("agreed_prices") or [],
                                     self.price_standard(year), contract["starts_on"],
                                     standing.media_type, tier)
        signed = Contract(
            number=contract["number"], partner_id=standing.id, fiscal_year=year,
            activity_code=contract["activity_code"], tier=tier, media_type=standing.media_type,
            ceiling=contract["ceiling"], starts_on=contract["starts_on"],
            ends_on=contract["ends_on"], agreed_prices=agreed)
        standing.note_contracted(year, signed.id, contract["ceiling"])
        budget.commit(signed.id, contract["ceiling"])
        return {"contract_id": signed.id, "tier": tier}, [signed, standing, budget]

    @command
    def amend_contract(self, contract_id, amendment: dict, reason: str):
        """An addendum (issue 13, item 7): a higher ceiling is new money (the partner's tier
        ceiling and the budget's room, as at signing); a lower one releases the difference."""
        contract = self.load(contract_id, Contract, "contract")
        today = self.today()
        ceiling = amendment.get("ceiling", contract.ceiling)
        ends_on = amendment.get("ends_on", contract.ends_on)
        contract.check_amendment(amendment.get("ceiling"), amendment.get("ends_on"), today)
        agreed = contract.agreed_prices
        if "agreed_prices" in amendment:  # the addendum states the agreed prices in full
            agreed = check_agreed_prices(amendment["agreed_prices"],
                                         self.price_standard(contract.fiscal_year),
                                         contract.starts_on, contract.media_type,
                                         contract.tier)
        if (ceiling, ends_on, agreed) == (contract.ceiling, contract.ends_on,
                                          contract.agreed_prices):
            raise RuleViolated("the addendum changes nothing: give a new ceiling, ends_on or "
                               "agreed_prices", code="empty_amendment")
        changed = [contract]
        delta = ceiling - contract.ceiling
        year = contract.fiscal_year
        if delta:
            standing = self.standing(contract.partner_id)
            budget = self.budget(year, contract.activity_code)
            if delta > 0:
                tier = standing.check_may_contract(year)
                standing.check_documents_valid(today)
                ceilings = self.load(TierCeilings.create_id(year), TierCeilings,
                                     "tier ceilings")
                check_contract_ceiling(delta, tier, ceilings.ceiling(tier),
                                       standing.contracted.get(str(year), 0))
                budget.commit(contract.id, delta)
                standing.note_contracted(year, contract.id, delta)
            else:
                budget.release(contract.id, -delta, reason)
                standing.note_released(year, contract.id, -delta)
            changed += [standing, budget]
        contract.amend(addendum=len(contract.addenda) + 1, amended_on=today, reason=reason,
                       ceiling=ceiling, ends_on=ends_on, agreed_prices=agreed,
                       old_ceiling=contract.ceiling, old_ends_on=contract.ends_on,
                       old_agreed_prices=contract.agreed_prices)
        return {"contract_id": contract.id, "addendum": len(contract.addenda),
                "ceiling": contract.ceiling, "committed": max(delta, 0),
                "released": max(-delta, 0)}, changed

    @command
    def terminate_contract(self, contract_id, reason: str):
        """Termination (issue 13, item 7): no new orders; the orders still without a proof are
        cancelled with it (their publication has not been delivered and no longer may be);
        orders with a proof stay, to be reviewed and paid. What the contract committed beyond
        what its paid and remaining orders hold goes back to the budget."""
        contract = self.load(contract_id, Contract, "contract")
        contract.check_not_terminated("terminate it")
        why = f"contract {contract.number} terminated: {reason}"
        changed, cancelled = [contract], []
        for order_id in self.open_order_ids():
            order = self.order(order_id)
            if order.contract_id != contract.id or order.status != "placed":
                continue
            order.cancel(why)
            contract.release(order.id, order.reserved, why)
            cancelled.append(str(order.id))
            changed.append(order)
        released = contract.remaining
        contract.terminate(terminated_on=self.today(), reason=reason,
                           cancelled_orders=sorted(cancelled), released=released,
                           ceiling=contract.reserved)
        if released:
            changed += self._release_to_budget(contract, released, why)
        return {"contract_id": contract.id, "cancelled_orders": sorted(cancelled),
                "released": released, "ceiling": contract.ceiling}, changed

    def _release_to_budget(self, contract: Contract, amount: int, reason: str,
                           budget: Budget | None = None) -> list:
        """`budget`: the one the command already changes (one instance, saved once)."""
        budget = budget or self.budget(contract.fiscal_year, contract.activity_code)
        budget.release(contract.id, amount, reason)
        standing = self.standing(contract.partner_id)
        standing.note_released(contract.fiscal_year, contract.id, amount)
        return [budget, standing]

    def _release_unused_after_termination(self, contract: Contract, reason: str,
                                          budget: Budget | None = None) -> list:
        """A terminated contract keeps committed only what its orders hold."""
        if contract.terminated is None or contract.remaining <= 0:
            return []
        amount = contract.remaining
        contract.release_ceiling(amount, reason)
        return self._release_to_budget(contract, amount, reason, budget)

    @command
    def place_order(self, contract_id, order: dict):
        contract = self.load(contract_id, Contract, "contract")
        contract.check_not_terminated("place an order")
        today = self.today()
        contract.check_runs_on(today, "order date")
        contract.check_runs_on(order["publish_by"], "publish_by")
        if order["publish_by"] < today:
            raise RuleViolated(f"publish_by {order['publish_by']} is before the order date "
                               f"{today}", code="publish_by_in_past")
        standing = self.standing(contract.partner_id)
        tier = standing.check_may_contract(contract.fiscal_year)
        standing.check_documents_valid(today)
        standard = self.price_standard(contract.fiscal_year).price(
            today, standing.media_type, tier, order["product"])
        agreed = contract.agreed_price(order["product"])
        unit_price = min(standard["unit_price"], agreed) if agreed else standard["unit_price"]
        gross = unit_price * order["quantity"]
        # The order reserves what the treasury will pay out for it: DPP + PPN
        rules = self.tax_rules_in_force(today)
        ppn = ppn_of(gross, standing.pkp_on(today), rules)
        placed = Order.place(contract_id=contract.id, partner_id=contract.partner_id,
                       fiscal_year=contract.fiscal_year, activity_code=contract.activity_code,
                       media_type=standing.media_type, tier=tier, placed_on=today, **order)
        placed.apply_price(standard_version=standard["version"], unit=standard["unit"],
                           standard_unit_price=standard["unit_price"], agreed_unit_price=agreed,
                           unit_price=unit_price, quantity=order["quantity"], gross=gross,
                           pkp=standing.pkp_on(today), ppn=ppn, total=gross + ppn,
                           tax_rules_version=rules["version"])
        # within the contract's commitment: the budget was committed when it was signed
        contract.reserve(placed.id, gross + ppn)
        return {"order_id": placed.id, "price_version": standard["version"],
                "unit_price": unit_price, "gross": gross, "ppn": ppn,
                "total": gross + ppn}, [placed, contract]

    @command
    def submit_proof(self, order_id, proof: dict):
        order = self.order(order_id)
        proof = dict(proof)  # a retried command runs again on the same arguments
        file = proof.pop("file", None)
        upload = self.files.opened(file) if file else None
        if upload:
            proof.update(sha256=upload.sha256, file=upload.record())
        order.submit_proof(today=self.today(), **proof)
        if upload:
            self.files.keep(upload)
        return {"order_id": order.id, "status": order.status, "sha256": proof["sha256"]}, [order]

    def proof_file(self, order_id) -> dict:
        """What SEKLIK keeps of the order's proof file: {order_id, sha256, size, media_type,
        name}; NotFound when there is no proof, or `file_not_kept` when only its sha256 was
        filed."""
        order = self.order(order_id)
        if not order.proof:
            raise NotFound(f"order {order.id} has no proof", code="no_proof")
        if not order.proof.get("file"):
            raise NotFound(f"the proof of order {order.id} was filed by its SHA-256 only: "
                           "SEKLIK does not keep its file", code="file_not_kept",
                           details={"sha256": order.proof["sha256"]})
        return {"order_id": str(order.id), "sha256": order.proof["sha256"],
                **order.proof["file"]}

    @command
    def review_proof(self, order_id, decision: str, note: str):
        order = self.order(order_id)
        order.review_proof(decision, note)
        return {"order_id": order.id, "status": order.status}, [order]

    @command
    def record_payment(self, order_id, payment: dict):
        order = self.order(order_id)
        self._check_sp2d_unused(payment["sp2d_number"])
        standing = self.standing(order.partner_id)
        reserved = order.reserved  # after a reversal: what the reversed payment settled
        # PPN follows the PKP status in force on the payment date, not the order date: an
        # order placed while non-PKP and paid after the partner became PKP is taxed as PKP,
        # and the contract's reservation settles at the realised DPP + PPN (issue 13, item 7).
        # ... and goes to the bank account in force on that date (issue 13, item 7).
        amounts = order.pay(payment["sp2d_number"], payment["paid_on"],
                            standing.pkp_on(payment["paid_on"]),
                            self.tax_rules_in_force(payment["paid_on"]),
                            standing.account_on(payment["paid_on"]))
        contract = self.load(order.contract_id, Contract, "contract")
        contract.settle(order.id, reserved, amounts["realised"])
        budget = self.budget(order.fiscal_year, order.activity_code)
        budget.pay(order.id, amounts["realised"])
        claim = Sp2dClaim(sp2d_number=payment["sp2d_number"], order_id=order.id)
        released = self._release_unused_after_termination(
            contract, f"order {order.id} paid for less than it reserved", budget)
        return {"order_id": order.id, **amounts}, unique([order, contract, budget, claim,
                                                          *released])

    def preview_payment(self, order_id, payment: dict) -> dict:
        """What `record_payment` would record and answer, checked the same way, recording
        nothing (`recorded` false): the treasurer reads the taxes before confirming."""
        order = self.order(order_id)
        self._check_sp2d_unused(payment["sp2d_number"])
        standing = self.standing(order.partner_id)
        paid_on = payment["paid_on"]
        amounts = order.amounts_due(standing.pkp_on(paid_on), self.tax_rules_in_force(paid_on))
        return jsonable({"order_id": order.id, **amounts,
                         "paid_to_account": standing.account_on(paid_on), "recorded": False})

    # Press releases (services/contracts/releases.py) -------------------------------------

    @command
    def publish_release(self, release: dict):
        release = dict(release)  # a retried command runs again on the same arguments
        embargo = release.get("embargo_until")
        now = self.now()
        if embargo is not None and embargo <= now:
            raise RuleViolated(f"embargo_until {embargo.isoformat()} is not in the future (now "
                               f"is {now:%Y-%m-%d %H:%M} UTC): leave it out to release now",
                               code="embargo_in_past",
                               details={"embargo_until": embargo.isoformat()})
        year = release["release_date"].year
        audience = {key: [str(v) for v in (release.get("audience") or {}).get(key) or ()]
                    for key in ("media_types", "tiers", "partner_ids")}
        recipients = chosen(audience, self.active_standings(year))
        if not recipients:
            raise RuleViolated(f"no partner active for {year} matches the audience {audience}",
                               code="no_recipients", details={"audience": audience})
        uploads = [self.files.opened(file) for file in release.get("files") or ()]
        attachments = [{"sha256": sha, "file": None}
                       for sha in release.get("attachments") or ()]
        attachments += [{"sha256": upload.sha256, "file": upload.record()} for upload in uploads]
        published = Release(title=release["title"], body=release["body"],
                            release_date=release["release_date"], fiscal_year=year,
                            embargo_until=embargo, attachments=attachments,
                            audience=audience, recipients=recipients)
        for upload in uploads:
            self.files.keep(upload)
        return {"release_id": published.id, "recipients": len(recipients),
                "embargo_until": embargo}, [published]

    @command
    def file_pickup(self, release_id, pickup: dict):
        release = self.release(release_id)
        pickup = dict(pickup)
        file = pickup.pop("file", None)
        upload = self.files.opened(file) if file else None
        if upload:
            pickup.update(sha256=upload.sha256, file=upload.record())
        embargo_date = self.settings.local_date(release.embargo_until) \
            if release.embargo_until else None
        pickup_id = release.file_pickup(today=self.today(), now=self.now(),
                                        embargo_date=embargo_date, **pickup)
        if upload:
            self.files.keep(upload)
        return {"release_id": release.id, "pickup_id": pickup_id, "review": "pending"}, \
            [release]

    @command
    def review_pickup(self, release_id, pickup_id, decision: str, note: str):
        release = self.release(release_id)
        release.review_pickup(str(pickup_id), decision, note)
        return {"release_id": release.id, "pickup_id": str(pickup_id),
                "review": decision}, [release]

    def release(self, release_id) -> Release:
        return self.load(release_id, Release, "release")

    def active_standings(self, fiscal_year: int) -> list[tuple]:
        """(partner_id, media_type, tier) of each partner active for the year, as contracts
        knows it from partners' and assessment's events."""
        rows = []
        for partner_id in self.originator_ids(PartnerStanding.PartnerStandingNoted):
            standing = self.repository.get(partner_id)
            if standing.status == "active" and fiscal_year in standing.active_years:
                rows.append((str(partner_id), standing.media_type,
                             standing.tier(fiscal_year)))
        return rows

    def get_release(self, release_id, partner_id=None) -> dict:
        """The whole release; for a media company (`partner_id`) only one sent to it whose
        embargo has ended (else NotFound: it does not exist for them yet), with only its own
        pickups and not the list of recipients."""
        release = self.release(release_id)
        if partner_id is not None and not release.visible_to(partner_id, self.now()):
            raise NotFound(f"no release {release_id}", code="not_found")
        return jsonable(release_row(release, partner_id, whole=True))

    def list_releases(self, fiscal_year: int, partner_id=None) -> list[dict]:
        """The year's releases, newest first; for a media company (`partner_id`) those sent
        to it whose embargo has ended."""
        now, rows = self.now(), []
        for release_id in self.originator_ids(Release.ReleasePublished):
            release = self.release(release_id)
            if release.fiscal_year != fiscal_year:
                continue
            if partner_id is not None and not release.visible_to(partner_id, now):
                continue
            rows.append(release_row(release, partner_id, whole=False))
        return jsonable(sorted(rows, key=lambda r: (r["release_date"], str(r["release_id"])),
                               reverse=True))

    def release_file(self, release_id, sha256: str, partner_id=None) -> dict:
        """The record of a file kept for a release (an attachment or a pickup's clipping),
        for the gateway to serve; a media company reaches only the attachments of a release
        it sees and its own pickups' files."""
        release = self.release(release_id)
        if partner_id is not None and not release.visible_to(partner_id, self.now()):
            raise NotFound(f"no release {release_id}", code="not_found")
        pickups = release.pickups_of(partner_id) if partner_id is not None \
            else list(release.pickups.values())
        kept = next((f for f in [*release.attachments, *pickups]
                     if f["sha256"] == sha256 and f.get("file")), None)
        if kept is None:
            raise NotFound(f"the release keeps no file {sha256}", code="file_not_kept",
                           details={"sha256": sha256})
        return {"release_id": str(release.id), "sha256": sha256, **kept["file"]}

    def _check_sp2d_unused(self, sp2d_number: str) -> None:
        claim_id = Sp2dClaim.create_id(sp2d_number)
        if claim_id in self.repository:
            paid = self.repository.get(claim_id).order_id
            raise Conflict(f"SP2D {sp2d_number} is already recorded (order {paid}); "
                           "one SP2D pays one order", code="sp2d_already_recorded",
                           details={"order_id": str(paid)})

    @command
    def reverse_payment(self, order_id, sp2d_number: str, reason: str):
        """An SP2D returned or cancelled (issue 13, item 7): the budget's realised goes back
        down, the order waits for a payment again; the SP2D number stays claimed."""
        order = self.order(order_id)
        reversed_payment = order.reverse_payment(sp2d_number, reason, self.today())
        budget = self.budget(order.fiscal_year, order.activity_code)
        budget.reverse(order.id, sp2d_number, reversed_payment["realised"])
        return {"order_id": order.id, "status": order.status, "sp2d_number": sp2d_number,
                "reversed": reversed_payment["realised"]}, [order, budget]

    @command
    def record_tax_deposit(self, kind: str, period: str, ntpn: str, amount: int,
                           paid_on: dt.date):
        if TaxDeposit.create_id(ntpn) in self.repository:
            held = self.repository.get(TaxDeposit.create_id(ntpn))
            raise Conflict(f"NTPN {ntpn.upper()} is already recorded (the {held.kind} deposit "
                           f"for {held.period}); one NTPN is one deposit",
                           code="ntpn_already_recorded",
                           details={"kind": held.kind, "period": held.period})
        deposit = TaxDeposit.record(kind=kind, period=period, ntpn=ntpn, amount=amount,
                                    paid_on=paid_on, today=self.today())
        return {"deposit_id": deposit.id, "kind": kind, "period": period,
                "ntpn": deposit.ntpn, "amount": amount, "paid_on": paid_on}, [deposit]

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
        order.expire(order.proof_due, order.total)
        return True, self._release(order, f"proof overdue since {order.proof_due}")

    def _release(self, order: Order, reason: str) -> list:
        # back to the contract; the budget keeps the contract's whole ceiling committed
        contract = self.load(order.contract_id, Contract, "contract")
        # (a terminated contract's, on to the budget)
        contract.release(order.id, order.reserved, reason)
        return [order, contract, *self._release_unused_after_termination(contract, reason)]

    def open_order_ids(self):
        return self.originator_ids(Order.OrderPlaced)

    # What partners' and assessment's events change ----------------------------------------

    def apply_partners_event(self, envelope: dict, tracked: bool = True) -> None:
        """A partner's standing from partners' events, with the position in partners' log
        (`tracked=False`: a quarantined event applied again behind the position)."""
        kind, payload = envelope["type"], envelope["payload"]
        if kind in DOCUMENT_EVENTS:
            self._apply_document_event(envelope, tracked)
            return
        if kind == "PkpStatusRecorded":  # issue 13, item 7: PPN follows the status by date
            with acting_as(actor_for_envelope(self.name, envelope)):
                standing = self.repository.get(uuid.UUID(envelope["originator_id"]))
                standing.note_pkp_status(payload["pkp"],
                                         dt.date.fromisoformat(payload["effective_from"]))
            self.save_tracked(envelope, standing, tracked=tracked)
            return
        account = self._account_in(envelope) if kind == "IdentityChangeDecided" else None
        if account is not None:  # an approved change of account: in force from its decision
            with acting_as(actor_for_envelope(self.name, envelope)):
                standing = self.repository.get(uuid.UUID(envelope["originator_id"]))
                standing.note_account(**account,
                                      effective_from=dt.date.fromisoformat(payload["decided_on"]))
            self.save_tracked(envelope, standing, tracked=tracked)
            return
        if kind not in ("PartnerRegistered", *PARTNER_LIFECYCLE_EVENTS):
            self.save_tracked(envelope, tracked=tracked)
            return
        with acting_as(actor_for_envelope(self.name, envelope)):
            if kind == "PartnerRegistered":
                standing = PartnerStanding(partner_id=uuid.UUID(envelope["originator_id"]),
                                           brand_name=payload["brand_name"],
                                           media_type=payload["media_type"], pkp=payload["pkp"])
                standing.note_account(**self._account_in(envelope), effective_from=None)
            else:
                standing = self.repository.get(uuid.UUID(envelope["originator_id"]))
                standing.note_status(partner_status_after(envelope), payload.get("fiscal_year"))
        self.save_tracked(envelope, standing, tracked=tracked)

    def _account_in(self, envelope: dict) -> dict | None:
        """The bank account a registration or an approved identity change puts in force, as
        contracts keeps it: bank, holder, the number's last four digits (opened from its seal
        with the deployment's cipher; None without one) and its digest, never the number."""
        payload = envelope["payload"]
        if envelope["type"] == "PartnerRegistered":
            account = payload.get("bank_account")
        elif envelope["type"] == "IdentityChangeDecided":
            account = (payload.get("applied") or {}).get("bank_account")
        else:
            return None
        if not account:
            return None
        number = personal.revealed({"bank_account": account},
                                    self.mapper.cipher)["bank_account"]["number"]
        return {"bank": account["bank"], "holder": account["holder"],
                "ending": None if number == personal.MASKED_UNKNOWN else number[-4:],
                "digest": personal.identity("bank_account", account["number"])}

    def _apply_document_event(self, envelope: dict, tracked: bool) -> None:
        """An expiring document's kind, validity and review (never its number, which arrives
        sealed and which contracts does not need): what judges a lapse (issue 13, item 8)."""
        kind, payload = envelope["type"], envelope["payload"]
        standing = self.repository.get(uuid.UUID(envelope["originator_id"]))
        document_id = uuid.UUID(str(payload["document_id"]))
        with acting_as(actor_for_envelope(self.name, envelope)):
            if kind == "DocumentSubmitted" and payload["valid_until"] is not None:
                standing.note_document(document_id, payload["kind"],
                                       dt.date.fromisoformat(payload["issued_on"]),
                                       dt.date.fromisoformat(payload["valid_until"]))
            elif kind == "DocumentReviewed" and standing.knows_document(document_id):
                standing.note_document_review(document_id, payload["decision"])
            else:  # a document that never lapses: nothing for contracts to know
                self.save_tracked(envelope, tracked=tracked)
                return
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

    def tax_rules_in_force(self, on: dt.date) -> dict:
        """The tax rules version in force on a date (the built-in version 0 before any)."""
        rules_id = TaxRules.create_id()
        if rules_id not in self.repository:
            return DEFAULT_TAX_RULES
        return self.repository.get(rules_id).in_force(on)

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

    def get_tier_ceilings(self, fiscal_year: int) -> dict:
        ceilings_id = TierCeilings.create_id(fiscal_year)
        ceilings = self.repository.get(ceilings_id).ceilings \
            if ceilings_id in self.repository else {}
        return {"fiscal_year": fiscal_year, "ceilings": dict(sorted(ceilings.items()))}

    def get_tax_rules(self) -> dict:
        rules_id = TaxRules.create_id()
        versions = self.repository.get(rules_id).versions if rules_id in self.repository else []
        return jsonable({"default": DEFAULT_TAX_RULES, "versions": versions,
                         "in_force": self.tax_rules_in_force(self.today())["version"]})

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
            "addenda": contract.addenda, "terminated": contract.terminated,
            "status": "terminated" if contract.terminated else "signed",
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
            "proof": order.proof, "payment": order.payment, "reversals": order.reversals,
        })

    def partner_orders(self, partner_id, fiscal_year: int | None = None) -> list[dict]:
        """Every order of one partner, newest placed first."""
        return self.list_orders(fiscal_year, partner_id=partner_id)

    def list_orders(self, fiscal_year: int | None, partner_id=None, contract_id=None,
                    status: str | None = None) -> list[dict]:
        """The orders of a year (or every year), of one partner or contract, in one status,
        newest placed first. Reads each order of the regency (a few thousand a year): an
        index is the reporting views' job when this grows."""
        wanted = {"fiscal_year": fiscal_year, "partner_id": partner_id,
                  "contract_id": contract_id, "status": status}
        wanted = {name: str(value) for name, value in wanted.items() if value is not None}
        rows = []
        for order_id in self.originator_ids(Order.OrderPlaced):
            order = self.order(order_id)
            if all(str(getattr(order, name)) == value for name, value in wanted.items()):
                rows.append(self.get_order(order_id))
        return sorted(rows, key=lambda r: (r["placed_on"], r["order_id"]), reverse=True)

    def list_contracts(self, fiscal_year: int, partner_id=None) -> list[dict]:
        """The contracts (SPK) signed for a year, of one partner if given, by number."""
        rows = []
        for contract_id in self.originator_ids(Contract.ContractSigned):
            contract = self.load(contract_id, Contract, "contract")
            if contract.fiscal_year == fiscal_year and \
                    partner_id in (None, contract.partner_id, str(contract.partner_id)):
                rows.append(self.get_contract(contract_id))
        return sorted(rows, key=lambda r: r["number"])

    def budget_status(self, fiscal_year: int) -> list[dict]:
        rows = []
        for budget_id in self.originator_ids(Budget.BudgetSet):
            budget = self.repository.get(budget_id)
            if budget.fiscal_year == fiscal_year:
                rows.append(budget_row(budget))
        return sorted(rows, key=lambda r: r["activity_code"])


def unique(aggregates: list) -> list:
    """Each aggregate once, in first-seen order."""
    seen, kept = set(), []
    for aggregate in aggregates:
        if aggregate.id not in seen:
            seen.add(aggregate.id)
            kept.append(aggregate)
    return kept


def budget_row(budget: Budget) -> dict:
    return {"fiscal_year": budget.fiscal_year, "activity_code": budget.activity_code,
            "name": budget.name, "pagu": budget.pagu, "committed": budget.committed,
            "paid": budget.paid, "remaining": budget.remaining}


def release_row(release: Release, partner_id=None, whole: bool = False) -> dict:
    """A release as its readers see it: staff every pickup and the recipients; a media
    company (`partner_id`) its own pickups. `whole` adds the body and attachments."""
    pickups = release.pickups_of(partner_id) if partner_id is not None \
        else list(release.pickups.values())
    row = {"release_id": release.id, "title": release.title,
           "release_date": release.release_date, "fiscal_year": release.fiscal_year,
           "embargo_until": release.embargo_until, "recipients": len(release.recipients),
           "pickups": pickups,  # as filed
           "accepted": sum(p["review"] == "accepted" for p in release.pickups.values())}
    if partner_id is None:
        row["audience"] = release.audience
    if whole:
        row.update(body=release.body, attachments=release.attachments)
        if partner_id is None:
            row["sent_to"] = release.recipients
    return row
