"""The money side of SEKLIK (DOMAIN.md §3): prices, budgets, contracts, orders, payments.

Pure Python. Money is whole rupiah (int) everywhere. The rules, each a named check:
- an order is priced from the standard in force on the order date (or the contract's agreed
  price, which is never above it), and the price is its own fact, `PriceApplied`;
- commitments never exceed the budget (pagu) nor the contract's ceiling; a contract's ceiling
  never exceeds the tier ceiling for the partner's yearly total;
- a proof is due within a deadline after publish-by, by media type, counted in the regency's
  calendar (every date here is the regency's, SEKLIK_TIMEZONE); an overdue order expires and
  releases its reservation; what it proves was published on or after the order date and on or
  before publish-by;
- an order is paid once, after its proof is accepted, once per SP2D number.

Taxes (PMK 59/PMK.03/2022 amending PMK 231/2019: the regency's treasurer collects PPN and
withholds PPh 23). The base is the DPP, the order's gross price. PPN = DPP × dpp_factor ×
ppn_rate, only for a PKP partner; PPh 23 = DPP × pph23_rate. The treasurer collects the PPN
unless the DPP is at most the collection threshold (Rp2,000,000 "tidak termasuk jumlah PPN"):
then the partner receives the PPN and remits it itself. So the partner receives DPP − PPh 23
(PPN collected), DPP + PPN − PPh 23 (at or below the threshold) or, not PKP, DPP − PPh 23; the
budget realises DPP + PPN either way. The rates are data (`TaxRules`, versioned by effective
date), written as exact fractions "num/den", never floats. Rounding: each tax is computed exactly
(fractions) and rounded once, half up, to the whole rupiah (Rp0.50 → Rp1): the rounding a
treasurer's spreadsheet and SIPD apply, and what every payment recorded before used, so past
figures keep their meaning; the partner's amount is derived from the rounded taxes, so the
figures always add up (DPP + PPN − PPN collected − PPh 23 = paid to partner).

Budgets count what the treasury pays out: a contract's ceiling, a tier ceiling and an order's
total are DPP + PPN. Signing a contract commits its ceiling against the pagu; an order draws
within its contract's commitment, never again from the budget.
"""
from __future__ import annotations

import datetime as dt
import math
import uuid
from fractions import Fraction

from eventsourcing.domain import event

from shared.domain import Aggregate, versioned
from shared.errors import Conflict, RuleViolated

PRODUCTS = ("advertorial", "news", "photo_gallery", "banner", "public_service_ad", "tv_spot",
            "radio_spot", "live")
UNITS = ("item", "second", "month")
PROOF_KINDS = ("link", "clipping", "broadcast_log")
# Days after publish-by within which the proof of publication is due.
PROOF_DAYS = {"online": 2, "print_daily": 2, "print_weekly": 7, "print_monthly": 10, "tv": 7,
              "radio": 7}
# The rules in force when no version is set (or before the first version takes effect): UU HPP
# PPN 11% on the whole price (from 1 April 2022), PPh 23 2%, collection above Rp2,000,000
# (PMK 59/PMK.03/2022). A regency sets its own versions with `set_tax_rules`.
DEFAULT_TAX_RULES = {"version": 0, "effective_from": None, "ppn_rate": "11/100",
                     "dpp_factor": "1/1", "pph23_rate": "2/100",
                     "collection_threshold": 2_000_000}
TAX_RULE_NAMES = ("ppn_rate", "dpp_factor", "pph23_rate", "collection_threshold")
NAMESPACE = uuid.UUID("7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918")


def rupiah(amount: int) -> str:
    return f"Rp{amount:,}".replace(",", ".")


def ratio(text: str) -> Fraction:
    """An exact rate written "num/den" (e.g. "12/100", "11/12")."""
    num, den = text.split("/")
    return Fraction(int(num), int(den))


def half_up(amount: Fraction) -> int:
    """An exact amount rounded half up to the whole rupiah."""
    return math.floor(amount + Fraction(1, 2))


def ppn_of(dpp: int, pkp: bool, rules: dict) -> int:
    """The PPN on a DPP: DPP × dpp_factor × ppn_rate for a PKP partner, else none."""
    if not pkp:
        return 0
    return half_up(dpp * ratio(rules["dpp_factor"]) * ratio(rules["ppn_rate"]))


# An order's life: placed, its proof submitted and reviewed (a rejected proof sends it back to
# placed), paid; or cancelled, or expired for want of a proof.
ORDER_STATUSES = ("placed", "proof_submitted", "proof_accepted", "paid", "cancelled",
                  "expired")


def taxes(dpp: int, pkp: bool, rules: dict = DEFAULT_TAX_RULES) -> dict:
    """What a payment of `dpp` to a partner comes to under `rules`, in whole rupiah."""
    ppn = ppn_of(dpp, pkp, rules)
    collected = ppn if dpp > rules["collection_threshold"] else 0
    pph23 = half_up(dpp * ratio(rules["pph23_rate"]))
    return {"dpp": dpp, "ppn": ppn, "ppn_collected": collected, "pph23": pph23,
            "paid_to_partner": dpp + ppn - collected - pph23, "realised": dpp + ppn,
            "tax_rules_version": rules["version"]}


def check_tax_rules(rules: dict) -> None:
    """Rates are fractions from 0 to 1, the DPP factor above 0; what the schema cannot say."""
    for name in ("ppn_rate", "pph23_rate", "dpp_factor"):
        value = ratio(rules[name])
        if value > 1 or (name == "dpp_factor" and value == 0):
            raise RuleViolated(
                f"{name} {rules[name]} is {float(value):.4%}; a rate is from 0/1 to 1/1 and "
                "the DPP factor above 0 (e.g. ppn_rate 12/100, dpp_factor 11/12)",
                code="bad_tax_rate", details={"name": name, "value": rules[name]})


class TaxRules(Aggregate):
    """The tax rates, DPP factor and PPN collection threshold, versioned by effective date
    (like price standards): a payment uses the version in force on its paid_on date."""

    @staticmethod
    def create_id() -> uuid.UUID:
        return key("tax-rules")

    @event("TaxRulesOpened")
    def __init__(self):
        self.versions: list[dict] = []

    def set(self, effective_from: dt.date, rules: dict) -> int:
        check_tax_rules(rules)
        if self.versions and effective_from < self.versions[-1]["effective_from"]:
            raise RuleViolated(
                f"new tax rules take effect on or after the version before them "
                f"({self.versions[-1]['effective_from']}); set versions never change",
                code="revision_before_previous")
        self._set(len(self.versions) + 1, effective_from,
                  {name: rules[name] for name in TAX_RULE_NAMES})
        return len(self.versions)

    @event("TaxRulesSet")
    def _set(self, version: int, effective_from: dt.date, rules: dict):
        self.versions.append({"version": version, "effective_from": effective_from, **rules})

    def in_force(self, on: dt.date) -> dict:
        versions = [v for v in self.versions if v["effective_from"] <= on]
        return versions[-1] if versions else DEFAULT_TAX_RULES


def key(*parts) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts))


class PriceStandard(Aggregate):
    """The standard unit prices of one fiscal year; each published version is immutable."""

    @staticmethod
    def create_id(fiscal_year: int) -> uuid.UUID:
        return key("price-standard", fiscal_year)

    @event("PriceStandardOpened")
    def __init__(self, fiscal_year: int):
        self.fiscal_year = fiscal_year
        self.versions: list[dict] = []

    def publish(self, effective_from: dt.date, items: list[dict]) -> int:
        check_unique_items(items)
        if effective_from.year != self.fiscal_year:
            raise RuleViolated(f"effective_from {effective_from} is outside fiscal year "
                               f"{self.fiscal_year}", code="outside_fiscal_year")
        if self.versions and effective_from < self.versions[-1]["effective_from"]:
            raise RuleViolated(
                f"a revision takes effect on or after the version before it "
                f"({self.versions[-1]['effective_from']}); published versions never change",
                code="revision_before_previous")
        self._published(len(self.versions) + 1, effective_from, items)
        return len(self.versions)

    @event("PriceStandardPublished")
    def _published(self, version: int, effective_from: dt.date, items: list[dict]):
        self.versions.append({"version": version, "effective_from": effective_from,
                              "items": items})

    def in_force(self, on: dt.date) -> dict:
        versions = [v for v in self.versions if v["effective_from"] <= on]
        if not versions:
            raise RuleViolated(f"no price standard is in force on {on}",
                               code="no_price_standard", details={"date": on.isoformat()})
        return versions[-1]

    def price(self, on: dt.date, media_type: str, tier: str, product: str) -> dict:
        version = self.in_force(on)
        for item in version["items"]:
            if (item["media_type"], item["tier"], item["product"]) == (media_type, tier,
                                                                        product):
                return {**item, "version": version["version"]}
        raise RuleViolated(f"the price standard (version {version['version']}) has no price for "
                           f"{product} by a tier {tier} {media_type} partner",
                           code="no_standard_price",
                           details={"media_type": media_type, "tier": tier, "product": product})


def check_unique_items(items: list[dict]) -> None:
    seen = set()
    for item in items:
        k = (item["media_type"], item["tier"], item["product"])
        if k in seen:
            raise RuleViolated(f"the price of {k[2]} for tier {k[1]} {k[0]} is given twice",
                               code="duplicate_price")
        seen.add(k)


class Budget(Aggregate):
    """The pagu of one activity in one fiscal year, and what is committed and paid against it."""

    @staticmethod
    def create_id(fiscal_year: int, activity_code: str) -> uuid.UUID:
        return key("budget", fiscal_year, activity_code)

    @event("BudgetSet")
    def __init__(self, fiscal_year: int, activity_code: str, name: str, pagu: int):
        self.fiscal_year = fiscal_year
        self.activity_code = activity_code
        self.name = name
        self.pagu = pagu
        self.committed = 0  # the ceilings (DPP + PPN) of the contracts signed against it
        self.paid = 0       # realised: DPP + PPN of the payments

    @property
    def remaining(self) -> int:
        return self.pagu - self.committed

    def revise(self, name: str, pagu: int) -> None:
        if pagu < self.committed:
            raise RuleViolated(f"pagu {rupiah(pagu)} is below what is already committed "
                               f"({rupiah(self.committed)}) for {self.activity_code}",
                               code="pagu_below_committed",
                               details={"pagu": pagu, "committed": self.committed})
        self._revised(name, self.pagu, pagu)

    @event("BudgetRevised")
    def _revised(self, name: str, old_pagu: int, pagu: int):
        self.name = name
        self.pagu = pagu

    def check_room_for(self, amount: int, what: str) -> None:
        if amount > self.remaining:
            raise RuleViolated(
                f"{what} {rupiah(amount)} exceeds the remaining budget of {self.activity_code} "
                f"({rupiah(self.remaining)} of {rupiah(self.pagu)})", code="budget_exceeded",
                details={"amount": amount, "remaining": self.remaining, "pagu": self.pagu})

    def commit(self, contract_id: uuid.UUID, ceiling: int) -> None:
        """A signed contract commits its whole ceiling: all contracts together never exceed
        the pagu (orders then draw within their contract)."""
        self.check_room_for(ceiling, "contract ceiling")
        self._committed(contract_id, ceiling)

    @event("BudgetCommitted")
    def _committed(self, contract_id: uuid.UUID, ceiling: int):
        self.committed += ceiling

    @event("BudgetPaid")
    def pay(self, order_id: uuid.UUID, realised: int):
        self.paid += realised

    @event("BudgetReleased")
    def release(self, contract_id: uuid.UUID, amount: int, reason: str):
        """What a contract committed and will not use (a lowered ceiling, a termination)
        goes back to the budget (issue 13, item 7)."""
        self.committed -= amount

    @event("BudgetPaymentReversed")
    def reverse(self, order_id: uuid.UUID, sp2d_number: str, realised: int):
        """An SP2D returned or cancelled: what it realised is no longer spent."""
        self.paid -= realised


class TierCeilings(Aggregate):
    @staticmethod
    def create_id(fiscal_year: int) -> uuid.UUID:
        return key("tier-ceilings", fiscal_year)

    @event("TierCeilingsOpened")
    def __init__(self, fiscal_year: int):
        self.fiscal_year = fiscal_year
        self.ceilings: dict[str, int] = {}

    @event("TierCeilingSet")
    def set_ceiling(self, tier: str, ceiling: int):
        self.ceilings[tier] = ceiling

    def ceiling(self, tier: str) -> int:
        if tier not in self.ceilings:
            raise RuleViolated(f"no ceiling is set for tier {tier} in {self.fiscal_year}",
                               code="no_tier_ceiling", details={"tier": tier})
        return self.ceilings[tier]


class PartnerStanding(Aggregate):
    """A partner as contracts knows it from partners' and assessment's events (the id is the
    partner's), plus what it is contracted for each year."""

    @staticmethod
    def create_id(partner_id: uuid.UUID) -> uuid.UUID:
        return uuid.UUID(str(partner_id))

    @event("PartnerStandingNoted")
    def __init__(self, partner_id: uuid.UUID, brand_name: str, media_type: str, pkp: bool):
        self.brand_name = brand_name
        self.media_type = media_type
        self.pkp = pkp
        self.status = "registered"
        self.active_years: list[int] = []
        self.tiers: dict[str, str | None] = {}   # fiscal year (str) -> tier
        self.contracted: dict[str, int] = {}     # fiscal year (str) -> sum of ceilings
        self.expiring: dict[str, list[dict]] = {}  # kind -> its submissions, oldest first

    @event("PartnerStatusNoted")
    def note_status(self, status: str, fiscal_year: int | None):
        self.status = status
        if fiscal_year is not None:
            self.active_years = sorted({*self.active_years, fiscal_year})

    # PKP status by effective date (issue 13, item 7), from partners' PkpStatusRecorded. The
    # status noted at registration (`pkp`) holds before the first change. A snapshot taken
    # before this existed has no `pkp_changes`: read it through `_pkp_changes()`.

    def _pkp_changes(self) -> list:
        return self.__dict__.setdefault("pkp_changes", [])

    @event("PkpStatusNoted")
    def note_pkp_status(self, pkp: bool, effective_from: dt.date):
        self._pkp_changes().append({"pkp": pkp, "effective_from": effective_from})

    def pkp_on(self, on: dt.date) -> bool:
        """The PKP status in force on `on`: the latest change effective on or before it (of
        two on one date, the one noted last), else the status at registration."""
        status = self.pkp
        for _, change in sorted(enumerate(self._pkp_changes()),
                                key=lambda e: (e[1]["effective_from"], e[0])):
            if change["effective_from"] <= on:
                status = change["pkp"]
        return status

    # The bank account by effective date (issue 13, item 7), from partners' PartnerRegistered
    # and approved IdentityChangeDecided: what a payment goes to. Contracts keeps no account
    # number: the bank, the holder, the last four digits (what a treasurer checks against the
    # SP2D; None when the sealed number cannot be opened here) and the number's digest (which
    # partners can match). A snapshot taken before this existed has no `accounts`.

    def _accounts(self) -> list:
        return self.__dict__.setdefault("accounts", [])

    @event("AccountNoted")
    def note_account(self, bank: str, holder: str, ending: str | None, digest: str,
                     effective_from: dt.date | None):
        self._accounts().append({"bank": bank, "holder": holder, "ending": ending,
                                 "digest": digest, "effective_from": effective_from})

    def account_on(self, on: dt.date) -> dict | None:
        """The account in force on `on`: the latest noted on or before it (the account at
        registration, effective_from None, holds from the start); None when none is known
        (a partner noted before accounts were)."""
        in_force = None
        for account in self._accounts():
            if account["effective_from"] is None or account["effective_from"] <= on:
                in_force = account
        return None if in_force is None else {k: v for k, v in in_force.items()
                                              if k != "effective_from"}

    @event("TierNoted")
    def note_tier(self, fiscal_year: int, tier: str | None):
        self.tiers[str(fiscal_year)] = tier

    def tier(self, fiscal_year: int) -> str | None:
        return self.tiers.get(str(fiscal_year))

    def check_may_contract(self, fiscal_year: int) -> str:
        """The partner's tier, when it is active for the year and tiered; else why not."""
        if self.status != "active":
            raise RuleViolated(f"{self.brand_name} is {self.status}; only an active partner "
                               "gets contracts and orders", code="partner_not_active",
                               details={"status": self.status})
        if fiscal_year not in self.active_years:
            raise RuleViolated(f"{self.brand_name} is not activated for {fiscal_year}",
                               code="partner_not_active_for_year")
        tier = self.tier(fiscal_year)
        if tier is None:
            raise RuleViolated(f"{self.brand_name} has no tier for {fiscal_year}",
                               code="partner_has_no_tier")
        return tier

    # Expiring documents (issue 13, item 8): what contracts knows of them from partners'
    # DocumentSubmitted and DocumentReviewed, without the number (kind, validity, review).
    # A snapshot taken before these existed has no `expiring`: read it through `_expiring()`.

    def _expiring(self) -> dict:
        return self.__dict__.setdefault("expiring", {})

    @event("DocumentNoted")
    def note_document(self, document_id: uuid.UUID, kind: str, issued_on: dt.date,
                      valid_until: dt.date):
        self._expiring().setdefault(kind, []).append({
            "document_id": document_id, "issued_on": issued_on, "valid_until": valid_until,
            "review": "pending"})

    @event("DocumentReviewNoted")
    def note_document_review(self, document_id: uuid.UUID, decision: str):
        for submissions in self._expiring().values():
            for document in submissions:
                if document["document_id"] == document_id:
                    document["review"] = decision

    def knows_document(self, document_id: uuid.UUID) -> bool:
        return any(d["document_id"] == document_id
                   for submissions in self._expiring().values() for d in submissions)

    def check_documents_valid(self, on: dt.date) -> None:
        """Refuse new money while an expiring document has lapsed on `on`: the latest accepted
        submission of its kind is valid no longer. A newer accepted submission valid on the day
        renews it; one pending or rejected does not (DOMAIN.md §3, lapsed documents)."""
        for kind in sorted(self._expiring()):
            accepted = [d for d in self._expiring()[kind]
                        if d["review"] == "accepted" and d["issued_on"] <= on]
            if not accepted:
                continue  # never in force: the requirement policy judged it at activation
            latest = accepted[-1]
            if on <= latest["valid_until"]:
                continue
            lapsed_on = latest["valid_until"] + dt.timedelta(days=1)
            raise RuleViolated(
                f"{self.brand_name}'s {kind} lapsed on {lapsed_on.isoformat()} (valid until "
                f"{latest['valid_until'].isoformat()}); no new contract or order until a "
                f"renewed {kind} is accepted", code="document_lapsed",
                details={"kind": kind, "valid_until": latest["valid_until"].isoformat(),
                         "lapsed_on": lapsed_on.isoformat(),
                         "document_id": str(latest["document_id"])})

    @event("ContractedNoted")
    def note_contracted(self, fiscal_year: int, contract_id: uuid.UUID, ceiling: int):
        year = str(fiscal_year)
        self.contracted[year] = self.contracted.get(year, 0) + ceiling

    @event("ContractedReleased")
    def note_released(self, fiscal_year: int, contract_id: uuid.UUID, amount: int):
        """A lowered or terminated contract's unused ceiling leaves the partner's yearly
        total, so the tier ceiling counts what the partner is really contracted for."""
        year = str(fiscal_year)
        self.contracted[year] = self.contracted.get(year, 0) - amount


class Contract(Aggregate):
    """A perjanjian kerjasama / SPK; its id derives from its number, which is unique."""

    @staticmethod
    def create_id(number: str) -> uuid.UUID:
        return key("contract", number)

    @event("ContractSigned")
    def __init__(self, number: str, partner_id: uuid.UUID, fiscal_year: int,
                 activity_code: str, tier: str, media_type: str, ceiling: int,
                 starts_on: dt.date, ends_on: dt.date, agreed_prices: list[dict]):
        self.number = number
        self.partner_id = partner_id
        self.fiscal_year = fiscal_year
        self.activity_code = activity_code
        self.tier = tier
        self.media_type = media_type
        self.ceiling = ceiling
        self.starts_on = starts_on
        self.ends_on = ends_on
        self.agreed_prices = agreed_prices
        self.reserved = 0
        self.addenda: list[dict] = []
        self.terminated: dict | None = None

    @property
    def remaining(self) -> int:
        return self.ceiling - self.reserved

    def check_not_terminated(self, what: str) -> None:
        if self.terminated is not None:
            raise RuleViolated(
                f"cannot {what}: contract {self.number} was terminated on "
                f"{self.terminated['terminated_on']} ({self.terminated['reason']})",
                code="contract_terminated",
                details={"terminated_on": self.terminated["terminated_on"].isoformat()})

    def check_amendment(self, ceiling: int | None, ends_on: dt.date | None,
                        today: dt.date) -> None:
        """An addendum changes the ceiling never below what the orders hold (paid and open),
        and the end date never before the start nor before today (ending a contract now is a
        termination, which releases what is unused)."""
        self.check_not_terminated("amend it")
        if ceiling is not None and ceiling < self.reserved:
            raise RuleViolated(
                f"ceiling {rupiah(ceiling)} is below what the orders of contract {self.number} "
                f"have drawn ({rupiah(self.reserved)}); an addendum may lower it to that at "
                "most", code="ceiling_below_drawn",
                details={"ceiling": ceiling, "drawn": self.reserved})
        if ends_on is not None and ends_on < max(self.starts_on, today):
            raise RuleViolated(
                f"ends_on {ends_on} is before the contract's start {self.starts_on} or before "
                f"today ({today} in the regency); to end a contract now, terminate it",
                code="ends_before_start",
                details={"ends_on": ends_on.isoformat(),
                         "starts_on": self.starts_on.isoformat(), "today": today.isoformat()})

    @event("ContractAmended")
    def amend(self, addendum: int, amended_on: dt.date, reason: str, ceiling: int,
              ends_on: dt.date, agreed_prices: list[dict], old_ceiling: int,
              old_ends_on: dt.date, old_agreed_prices: list[dict]):
        """An addendum (adendum): the contract's terms after it, and what they were."""
        self.addenda.append({
            "addendum": addendum, "amended_on": amended_on, "reason": reason,
            "ceiling": {"from": old_ceiling, "to": ceiling},
            "ends_on": {"from": old_ends_on, "to": ends_on},
            "agreed_prices": {"from": old_agreed_prices, "to": agreed_prices}})
        self.ceiling = ceiling
        self.ends_on = ends_on
        self.agreed_prices = agreed_prices

    @event("ContractTerminated")
    def terminate(self, terminated_on: dt.date, reason: str, cancelled_orders: list[str],
                  released: int, ceiling: int):
        """Ended early (pemutusan): the ceiling becomes what its orders still hold; the rest
        was released to the budget."""
        self.terminated = {"terminated_on": terminated_on, "reason": reason,
                           "cancelled_orders": cancelled_orders, "released": released}
        self.ceiling = ceiling

    @event("ContractCeilingReleased")
    def release_ceiling(self, amount: int, reason: str):
        """After termination, what an order gives back (expired, cancelled, or paid for less
        than it reserved) leaves the contract too, for the budget."""
        self.ceiling -= amount
        self.terminated = {**self.terminated,
                           "released": self.terminated["released"] + amount}

    def agreed_price(self, product: str) -> int | None:
        return next((p["unit_price"] for p in self.agreed_prices if p["product"] == product),
                    None)

    def check_runs_on(self, day: dt.date, what: str) -> None:
        if not self.starts_on <= day <= self.ends_on:
            raise RuleViolated(f"{what} {day} is outside contract {self.number} "
                               f"({self.starts_on} to {self.ends_on})",
                               code="outside_contract_period")

    def reserve(self, order_id: uuid.UUID, gross: int) -> None:
        if gross > self.remaining:
            raise RuleViolated(
                f"order {rupiah(gross)} exceeds what is left of contract {self.number} "
                f"({rupiah(self.remaining)} of {rupiah(self.ceiling)})",
                code="contract_ceiling_exceeded",
                details={"amount": gross, "remaining": self.remaining, "ceiling": self.ceiling})
        self._reserved(order_id, gross)

    @event("ContractReserved")
    def _reserved(self, order_id: uuid.UUID, gross: int):
        self.reserved += gross

    @event("ContractReleased")
    def release(self, order_id: uuid.UUID, gross: int, reason: str):
        self.reserved -= gross

    def settle(self, order_id: uuid.UUID, reserved: int, realised: int) -> None:
        """A payment realises DPP + PPN under the rules in force on its date; when they changed
        since the order, its reservation becomes what is realised (within the ceiling)."""
        if realised == reserved:
            return
        if realised - reserved > self.remaining:
            raise RuleViolated(
                f"the payment realises {rupiah(realised)} (the order reserved "
                f"{rupiah(reserved)}: the tax rules or the partner's PKP status changed) and "
                f"contract {self.number} has "
                f"{rupiah(self.remaining)} left; an addendum must raise the ceiling first",
                code="contract_ceiling_exceeded",
                details={"amount": realised - reserved, "remaining": self.remaining,
                         "ceiling": self.ceiling})
        self._settled(order_id, reserved, realised)

    @event("ContractReservationSettled")
    def _settled(self, order_id: uuid.UUID, reserved: int, realised: int):
        self.reserved += realised - reserved


def check_contract_ceiling(ceiling: int, tier: str, tier_ceiling: int, already: int) -> None:
    if already + ceiling > tier_ceiling:
        raise RuleViolated(
            f"ceiling {rupiah(ceiling)} exceeds the tier {tier} ceiling {rupiah(tier_ceiling)}"
            + (f" (already contracted this year: {rupiah(already)})" if already else ""),
            code="tier_ceiling_exceeded",
            details={"ceiling": ceiling, "tier_ceiling": tier_ceiling, "already": already})


def check_agreed_prices(agreed: list[dict], standard: PriceStandard, on: dt.date,
                        media_type: str, tier: str) -> list[dict]:
    """Each agreed price at or below the standard in force; returned with that standard."""
    recorded = []
    for price in agreed:
        item = standard.price(on, media_type, tier, price["product"])
        if price["unit_price"] > item["unit_price"]:
            raise RuleViolated(
                f"agreed price {rupiah(price['unit_price'])} for {price['product']} is above the "
                f"standard {rupiah(item['unit_price'])}; negotiation may only lower it",
                code="agreed_price_above_standard",
                details={"product": price["product"], "agreed": price["unit_price"],
                         "standard": item["unit_price"]})
        recorded.append({**price, "standard_unit_price": item["unit_price"],
                         "standard_version": item["version"], "unit": item["unit"]})
    return recorded


class Order(Aggregate):
    """A media order: priced, reserved, proven, reviewed, paid (or cancelled, or expired)."""

    @classmethod
    def place(cls, *, media_type: str, publish_by: dt.date, **order) -> "Order":
        due = publish_by + dt.timedelta(days=PROOF_DAYS[media_type])
        return cls(media_type=media_type, publish_by=publish_by, proof_due=due, **order)

    @event("OrderPlaced")
    def __init__(self, contract_id: uuid.UUID, partner_id: uuid.UUID, fiscal_year: int,
                 activity_code: str, media_type: str, tier: str, product: str, quantity: int,
                 title: str, publish_by: dt.date, proof_due: dt.date, placed_on: dt.date):
        self.contract_id = contract_id
        self.partner_id = partner_id
        self.fiscal_year = fiscal_year
        self.activity_code = activity_code
        self.media_type = media_type
        self.tier = tier
        self.product = product
        self.quantity = quantity
        self.title = title
        self.publish_by = publish_by
        self.proof_due = proof_due
        self.placed_on = placed_on
        self.status = "placed"
        self.price: dict | None = None
        self.proof: dict | None = None
        self.payment: dict | None = None
        self.reversals: list[dict] = []

    @property
    def gross(self) -> int:
        """The DPP: the price before PPN."""
        return self.price["gross"]

    @property
    def total(self) -> int:
        """What the order reserves within its contract: DPP + PPN (as of the order date)."""
        return self.price["total"]

    @property
    def reserved(self) -> int:
        """What the order holds in its contract now: its total, or after a reversed payment
        what that payment realised (the contract settled to it)."""
        return self.reversals[-1]["realised"] if self.reversals else self.total

    @event("PriceApplied")
    def apply_price(self, standard_version: int, unit: str, standard_unit_price: int,
                    agreed_unit_price: int | None, unit_price: int, quantity: int, gross: int,
                    pkp: bool, ppn: int, total: int, tax_rules_version: int):
        self.price = {"standard_version": standard_version, "unit": unit,
                      "standard_unit_price": standard_unit_price,
                      "agreed_unit_price": agreed_unit_price, "unit_price": unit_price,
                      "quantity": quantity, "gross": gross, "pkp": pkp, "ppn": ppn,
                      "total": total, "tax_rules_version": tax_rules_version}

    def check_open(self, what: str) -> None:
        if self.status in ("expired", "cancelled", "paid"):
            raise RuleViolated(f"cannot {what}: order is {self.status}",
                               code=f"order_{self.status}", details={"status": self.status})

    def submit_proof(self, kind: str, reference: str, published_on: dt.date, sha256: str,
                     reach: dict | None, today: dt.date, file: dict | None = None) -> None:
        """`file`: {size, media_type, name} when SEKLIK keeps the clipping or recording
        (shared/files.py); None when only its sha256 is known."""
        self.check_open("submit a proof")
        if self.status == "proof_accepted":
            raise RuleViolated("the proof was already accepted", code="proof_already_accepted")
        if today > self.proof_due:
            raise RuleViolated(
                f"proof is late: it was due by {self.proof_due} ({PROOF_DAYS[self.media_type]} "
                f"days after publish-by {self.publish_by} for {self.media_type}); today is "
                f"{today} in the regency", code="proof_late",
                details={"due": self.proof_due.isoformat(), "today": today.isoformat()})
        if published_on > today:
            raise RuleViolated(f"published_on {published_on} is in the future (today is "
                               f"{today} in the regency)", code="published_in_future",
                               details={"published_on": published_on.isoformat(),
                                        "today": today.isoformat()})
        # What was published before the order was not made for it (a recycled article).
        if published_on < self.placed_on:
            raise RuleViolated(
                f"published_on {published_on} is before the order was placed on "
                f"{self.placed_on}: a proof shows a publication made for this order, on or "
                f"after its order date", code="published_before_order",
                details={"published_on": published_on.isoformat(),
                         "placed_on": self.placed_on.isoformat()})
        if published_on > self.publish_by:
            raise RuleViolated(
                f"published_on {published_on} is after publish-by {self.publish_by}: the "
                f"order asked for publication on or before {self.publish_by}",
                code="published_after_publish_by",
                details={"published_on": published_on.isoformat(),
                         "publish_by": self.publish_by.isoformat()})
        self._proof_submitted(kind, reference, published_on, sha256, reach or {}, file)

    @event("ProofSubmitted")
    def _proof_submitted(self, kind: str, reference: str, published_on: dt.date, sha256: str,
                         reach: dict, file: dict | None = None):  # None in events before files
        self.proof = {"kind": kind, "reference": reference, "published_on": published_on,
                      "sha256": sha256, "file": file, "reach": reach, "review": "pending",
                      "note": None}
        self.status = "proof_submitted"

    def review_proof(self, decision: str, note: str) -> None:
        if self.status != "proof_submitted":
            raise RuleViolated(f"there is no proof awaiting review (order is {self.status})",
                               code="no_proof_to_review")
        self._proof_reviewed(decision, note)

    @event("ProofReviewed")
    def _proof_reviewed(self, decision: str, note: str):
        self.proof = {**self.proof, "review": decision, "note": note}
        self.status = "proof_accepted" if decision == "accepted" else "placed"

    def is_overdue(self, today: dt.date) -> bool:
        return self.status == "placed" and today > self.proof_due

    @event("OrderExpired")
    def expire(self, proof_due: dt.date, released: int):
        self.status = "expired"

    def cancel(self, reason: str) -> None:
        self.check_open("cancel")
        if self.status != "placed":
            raise RuleViolated(f"an order can be cancelled only before its proof (it is "
                               f"{self.status})", code="order_has_proof")
        self._cancelled(reason, self.total)

    @event("OrderCancelled")
    def _cancelled(self, reason: str, released: int):
        self.status = "cancelled"

    def pay(self, sp2d_number: str, paid_on: dt.date, pkp: bool, rules: dict,
            account: dict | None = None) -> dict:
        """Pay under the tax rules, the partner's PKP status and its bank account in force on
        `paid_on` (the caller gives them for that date; the payment records the account). An order placed while the partner was not PKP and
        paid after it became PKP is taxed as PKP on the payment date (and the other way
        round); what it reserved is settled to what it realises (Contract.settle)."""
        amounts = self.amounts_due(pkp, rules)
        self._paid(sp2d_number, paid_on, pkp,
                   {name: rules[name] for name in TAX_RULE_NAMES}, paid_to_account=account,
                   **amounts)
        return {**amounts, "paid_to_account": account}

    def amounts_due(self, pkp: bool, rules: dict) -> dict:
        """What paying the order now would come to (`taxes`), once its proof is accepted and
        while it is unpaid: the figures a treasurer checks before confirming the SP2D."""
        if self.status == "paid":
            raise Conflict(f"the order was already paid with SP2D {self.payment['sp2d_number']}",
                           code="already_paid", details=self.payment)
        if self.status != "proof_accepted":
            raise RuleViolated(f"an order is paid only after its proof is accepted (it is "
                               f"{self.status})", code="proof_not_accepted",
                               details={"status": self.status})
        return taxes(self.gross, pkp, rules)

    @event("PaymentRecorded")
    def _paid(self, sp2d_number: str, paid_on: dt.date, pkp: bool, rates: dict, dpp: int,
              ppn: int, ppn_collected: int, pph23: int, paid_to_partner: int, realised: int,
              tax_rules_version: int, paid_to_account: dict | None):
        self.payment = {"sp2d_number": sp2d_number, "paid_on": paid_on, "pkp": pkp,
                        "dpp": dpp, "ppn": ppn, "ppn_collected": ppn_collected, "pph23": pph23,
                        "paid_to_partner": paid_to_partner, "realised": realised,
                        "tax_rules_version": tax_rules_version, "rates": rates,
                        "paid_to_account": paid_to_account}
        self.status = "paid"


    def reverse_payment(self, sp2d_number: str, reason: str, today: dt.date) -> dict:
        if self.status != "paid":
            raise RuleViolated(f"there is no payment to reverse: the order is {self.status}",
                               code="order_not_paid", details={"status": self.status})
        if self.payment["sp2d_number"] != sp2d_number:
            raise RuleViolated(
                f"SP2D {sp2d_number} did not pay this order; its payment is SP2D "
                f"{self.payment['sp2d_number']}", code="sp2d_not_this_payment",
                details={"sp2d_number": self.payment["sp2d_number"]})
        reversed_payment = dict(self.payment)
        self._payment_reversed(sp2d_number, today, reason, reversed_payment["realised"])
        return reversed_payment

    @event("PaymentReversed")
    def _payment_reversed(self, sp2d_number: str, reversed_on: dt.date, reason: str,
                          realised: int):
        """The SP2D came back (returned by the bank, cancelled by the BUD): the order waits
        for a payment again, under a new SP2D; the reversed one is kept with why."""
        self.reversals.append({**self.payment, "reversed_on": reversed_on, "reason": reason})
        self.payment = None
        self.status = "proof_accepted"


# Event versions (issue 17): a change of an event's shape is a new version and its upcaster.

def payment_v1_v2(state: dict) -> None:
    """PaymentRecorded 1 -> 2: version 2 always says which bank account the payment went to
    (issue 13's corrections); a payment recorded before them did not: None, unknown, rather
    than a guess."""
    state.setdefault("paid_to_account", None)


versioned(Order.PaymentRecorded, payment_v1_v2)


class Sp2dClaim(Aggregate):
    """One SP2D number pays one order; its id derives from the number."""

    @staticmethod
    def create_id(sp2d_number: str) -> uuid.UUID:
        return key("sp2d", sp2d_number)

    @event("Sp2dClaimed")
    def __init__(self, sp2d_number: str, order_id: uuid.UUID):
        self.sp2d_number = sp2d_number
        self.order_id = order_id


TAX_KINDS = ("pph23", "ppn")


class TaxDeposit(Aggregate):
    """The deposit of a month's withheld PPh 23 or collected PPN to the state treasury, known
    by its NTPN (Nomor Transaksi Penerimaan Negara): one deposit per NTPN, its id derives from
    the number. The amount need not equal what the month withheld or collected: the deposit has
    happened at the bank whatever SEKLIK thinks, so it is recorded as it was and the monthly
    register shows the difference for the treasurer to settle (a refusal would leave money that
    reached the treasury out of the books)."""

    @staticmethod
    def create_id(ntpn: str) -> uuid.UUID:
        return key("ntpn", ntpn.upper())

    @classmethod
    def record(cls, *, kind: str, period: str, ntpn: str, amount: int, paid_on: dt.date,
               today: dt.date) -> "TaxDeposit":
        year, month = (int(part) for part in period.split("-"))
        if paid_on < dt.date(year, month, 1):
            raise RuleViolated(f"the deposit for {period} is paid on {paid_on}, before the "
                               f"month began; a month's tax is deposited after it is withheld",
                               code="deposit_before_period",
                               details={"period": period, "paid_on": paid_on.isoformat()})
        if paid_on > today:
            raise RuleViolated(f"paid_on {paid_on} is after today ({today}); record a deposit "
                               "once the bank has issued its NTPN", code="paid_in_future",
                               details={"paid_on": paid_on.isoformat(),
                                        "today": today.isoformat()})
        return cls(kind=kind, period=period, ntpn=ntpn.upper(), amount=amount, paid_on=paid_on)

    @event("TaxDepositRecorded")
    def __init__(self, kind: str, period: str, ntpn: str, amount: int, paid_on: dt.date):
        self.kind, self.period, self.ntpn = kind, period, ntpn
        self.amount, self.paid_on = amount, paid_on
