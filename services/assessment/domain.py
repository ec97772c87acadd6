"""Performance: yearly rubrics, attributable scores and tiers (DOMAIN.md §2). Pure Python.

- `Rubric`: one per fiscal year. Criteria with weights summing to 100 and a maximum score each;
  tiers with strictly descending thresholds. Revised by new versions; once a version has been
  used to finalise an assessment it is pinned, and a revision must say from when it applies.
- `PartnerFacts`: what assessment knows of a partner from the partners service's events.
- `Assessment`: one partner in one fiscal year. Every score change records old, new, reason and
  (on the event) who changed it. Finalising fixes the rubric version, total and tier; a later
  change of score re-tiers it with `TierChanged`.

Scores computed from partner facts (source other than `manual`) are the criterion's maximum
times a fraction:
- press_council: none 0, administrative 1/2, factual 1;
- chief_editor_ukw: no chief editor or none 0, muda 1/3, madya 2/3, utama 1;
- certified_share: journalists holding any UKW level / journalists listed (0 when none listed);
- company_age: age in whole years on 1 January of the fiscal year: 10 or more 1, 5 to 9 2/3,
  2 to 4 1/3, under 2 0.
Scores computed from the partner's outputs of the previous fiscal year (`PartnerOutputs`, fed
by contracts' events): the criterion's maximum times
- pickup_rate: press releases it picked up (pickups accepted) / releases sent to it;
- on_time_rate: orders proven on time (proof accepted) / orders decided (proven or expired for
  want of a proof);
- reach_per_rupiah: reach (of accepted proofs and pickups) per Rp1,000,000 of what its proven
  orders cost (their DPP), over the criterion's `target` (reach per Rp1,000,000 that earns the
  maximum), at most 1;
each 0 when the year gave nothing to count (no release, no order decided, none proven).
Weighted total = Σ weight × score / max_score, on 0–100, rounded to two decimals once, at the
end (half up), and the tier judged on that total. Scores stay exact until then (issue 13,
item 9): a fact-fed score is the Fraction max × fraction (10/3, never 3.33), so three thirds
weighted 20 each make exactly 20, not 19.98. Events stay JSON-safe: `ScoreChanged` carries the
two-decimal `old`/`new` a clerk reads and the exact new score as `exact` {numerator,
denominator} (an event written before this has no `exact`: its `new` is taken as exact).
"""
from __future__ import annotations

import datetime as dt
import math
import uuid
from fractions import Fraction

from eventsourcing.domain import event

from shared.domain import Aggregate
from shared.errors import RuleViolated

FACT_SOURCES = ("press_council", "chief_editor_ukw", "certified_share", "company_age")
# Computed from the partner's outputs of the previous fiscal year (contracts' events, issue 16).
OUTPUT_SOURCES = ("pickup_rate", "on_time_rate", "reach_per_rupiah")
SOURCES = ("manual", *FACT_SOURCES, *OUTPUT_SOURCES)
PER_MILLION = 1_000_000  # reach_per_rupiah counts reach per Rp1,000,000 of DPP
PRESS_COUNCIL_FRACTION = {"none": Fraction(0), "administrative": Fraction(1, 2),
                          "factual": Fraction(1)}
UKW_FRACTION = {"none": Fraction(0), "muda": Fraction(1, 3), "madya": Fraction(2, 3),
                "utama": Fraction(1)}
RUBRIC_NAMESPACE = uuid.UUID("9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
ASSESSMENT_NAMESPACE = uuid.UUID("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d")


def check_rubric(criteria: list[dict], tiers: list[dict]) -> None:
    codes = [c["code"] for c in criteria]
    if len(set(codes)) != len(codes):
        raise RuleViolated("criterion codes must be unique", code="duplicate_criterion")
    weights = sum(c["weight"] for c in criteria)
    if weights != 100:
        raise RuleViolated(f"criteria weights sum to {weights}; they must sum to 100",
                           code="weights_not_100", details={"sum": weights})
    thresholds = [t["min_total"] for t in tiers]
    if any(a <= b for a, b in zip(thresholds, thresholds[1:])):
        raise RuleViolated(f"tier thresholds {thresholds} must be strictly descending "
                           "(A first)", code="tiers_out_of_order",
                           details={"thresholds": thresholds})
    names = [t["tier"] for t in tiers]
    if len(set(names)) != len(names):
        raise RuleViolated("tier names must be unique", code="duplicate_tier")
    for criterion in criteria:
        if criterion["source"] == "reach_per_rupiah" and not criterion.get("target"):
            raise RuleViolated(
                f"criterion {criterion['code']} (reach_per_rupiah) needs a target: the reach "
                "per Rp1,000,000 that earns its maximum score", code="target_required",
                details={"criterion": criterion["code"]})


class Rubric(Aggregate):
    @staticmethod
    def create_id(fiscal_year: int) -> uuid.UUID:
        return uuid.uuid5(RUBRIC_NAMESPACE, str(fiscal_year))

    @classmethod
    def set(cls, fiscal_year: int, criteria: list[dict], tiers: list[dict]) -> "Rubric":
        check_rubric(criteria, tiers)
        return cls(fiscal_year=fiscal_year, criteria=criteria, tiers=tiers)

    @event("RubricSet")
    def __init__(self, fiscal_year: int, criteria: list[dict], tiers: list[dict]):
        self.fiscal_year = fiscal_year
        self.versions = {1: {"criteria": criteria, "tiers": tiers, "effective_from": None}}
        self.pinned: list[int] = []

    @property
    def current(self) -> int:
        return max(self.versions)

    def revise(self, criteria: list[dict], tiers: list[dict],
               effective_from: dt.date | None, today: dt.date) -> None:
        check_rubric(criteria, tiers)
        if self.current in self.pinned and effective_from is None:
            raise RuleViolated(
                f"rubric {self.fiscal_year} version {self.current} has finalised assessments; "
                "a revision must say from when it applies (effective_from), and finalised "
                "tiers keep the version they were finalised with",
                code="effective_from_required")
        self._revised(self.current + 1, criteria, tiers, effective_from or today)

    @event("RubricRevised")
    def _revised(self, version: int, criteria: list[dict], tiers: list[dict],
                 effective_from: dt.date):
        self.versions[version] = {"criteria": criteria, "tiers": tiers,
                                  "effective_from": effective_from}

    def in_force(self, on: dt.date) -> int:
        """The latest version whose effective_from is not after `on`."""
        return max(v for v, d in self.versions.items()
                   if d["effective_from"] is None or d["effective_from"] <= on)

    def pin(self, version: int) -> None:
        if version not in self.pinned:
            self._pinned(version)

    @event("RubricVersionPinned")
    def _pinned(self, version: int):
        self.pinned = sorted({*self.pinned, version})

    def criterion(self, version: int, code: str) -> dict:
        for criterion in self.versions[version]["criteria"]:
            if criterion["code"] == code:
                return criterion
        codes = ", ".join(c["code"] for c in self.versions[version]["criteria"])
        raise RuleViolated(f"rubric {self.fiscal_year} has no criterion {code}; it has {codes}",
                           code="unknown_criterion")

    def total(self, version: int, points: dict[str, Fraction]) -> float:
        """The weighted total of exact scores, rounded once, at the end."""
        criteria = self.versions[version]["criteria"]
        total = sum(Fraction(c["weight"]) * exact(points.get(c["code"], 0)) / c["max_score"]
                    for c in criteria)
        return round_hundredths(total)

    def tier(self, version: int, total: float) -> str | None:
        for tier in self.versions[version]["tiers"]:
            if total >= tier["min_total"]:
                return tier["tier"]
        return None


class PartnerFacts(Aggregate):
    """A partner as assessment knows it from partners' events (its id is the partner's)."""

    @staticmethod
    def create_id(partner_id: uuid.UUID) -> uuid.UUID:
        return uuid.UUID(str(partner_id))

    @event("PartnerFactsNoted")
    def __init__(self, partner_id: uuid.UUID, brand_name: str, media_type: str,
                 founded_on: dt.date):
        self.brand_name = brand_name
        self.media_type = media_type
        self.founded_on = founded_on
        self.status = "registered"
        self.press_council = "none"
        self.journalists: dict[str, dict] = {}  # keyed digest of the NIK -> role, UKW level
        self.assessed_years: list[int] = []

    @event("PressCouncilNoted")
    def note_press_council(self, status: str):
        self.press_council = status

    @event("JournalistNoted")
    def note_journalist(self, journalist: str, role: str, ukw_level: str):
        self.journalists[journalist] = {"role": role, "ukw_level": ukw_level}

    @event("JournalistLeftNoted")
    def note_journalist_left(self, journalist: str):
        self.journalists.pop(journalist, None)

    @event("PartnerStatusNoted")
    def note_status(self, status: str):
        self.status = status

    @event("AssessmentYearNoted")
    def note_assessed(self, fiscal_year: int):
        self.assessed_years = sorted({*self.assessed_years, fiscal_year})

    def check_may_be_scored(self) -> None:
        if self.status == "deregistered":
            raise RuleViolated(f"{self.brand_name} is deregistered and cannot be scored",
                               code="partner_deregistered")

    def fractions(self, fiscal_year: int) -> dict[str, Fraction]:
        """The fraction of the maximum each fact-fed source earns (see the module's table)."""
        chief = next((j for j in self.journalists.values() if j["role"] == "chief_editor"),
                     None)
        listed = len(self.journalists)
        certified = sum(j["ukw_level"] != "none" for j in self.journalists.values())
        return {
            "press_council": PRESS_COUNCIL_FRACTION[self.press_council],
            "chief_editor_ukw": UKW_FRACTION[chief["ukw_level"]] if chief else Fraction(0),
            "certified_share": Fraction(certified, listed) if listed else Fraction(0),
            "company_age": age_fraction(self.age_on(dt.date(fiscal_year, 1, 1))),
        }

    def describe(self, source: str, fiscal_year: int) -> str:
        chief = next((j for j in self.journalists.values() if j["role"] == "chief_editor"),
                     None)
        return {
            "press_council": f"press council status {self.press_council}",
            "chief_editor_ukw": f"chief editor UKW {chief['ukw_level']}" if chief
            else "no chief editor",
            "certified_share": f"{sum(j['ukw_level'] != 'none' for j in self.journalists.values())}"
                               f" of {len(self.journalists)} journalists certified",
            "company_age": f"company {self.age_on(dt.date(fiscal_year, 1, 1))} years old on "
                           f"1 January {fiscal_year}",
        }[source]

    def age_on(self, on: dt.date) -> int:
        years = on.year - self.founded_on.year
        return max(0, years - ((on.month, on.day) < (self.founded_on.month, self.founded_on.day)))


def exact(score) -> Fraction:
    """A score as an exact Fraction: a float as the decimal it prints as (7.5, never the
    binary 7.4999…)."""
    return score if isinstance(score, Fraction) else Fraction(str(score))


def round_hundredths(value: Fraction) -> float:
    """Half up to two decimals, the rubric's rounding (Python's round() rounds half to even)."""
    return float(Fraction(math.floor(value * 100 + Fraction(1, 2)), 100))


def as_json(value: Fraction) -> dict:
    return {"numerator": value.numerator, "denominator": value.denominator}


def age_fraction(years: int) -> Fraction:
    if years >= 10:
        return Fraction(1)
    if years >= 5:
        return Fraction(2, 3)
    if years >= 2:
        return Fraction(1, 3)
    return Fraction(0)


class Assessment(Aggregate):
    @staticmethod
    def create_id(fiscal_year: int, partner_id: uuid.UUID) -> uuid.UUID:
        return uuid.uuid5(ASSESSMENT_NAMESPACE, f"{fiscal_year}:{partner_id}")

    @event("AssessmentOpened")
    def __init__(self, fiscal_year: int, partner_id: uuid.UUID):
        self.fiscal_year = fiscal_year
        self.partner_id = partner_id
        self.scores: dict[str, dict] = {}  # criterion code -> {score, source, reason, by, at}
        self.finalized: dict | None = None  # {rubric_version, total, tier}

    def points(self) -> dict[str, Fraction]:
        """criterion -> its exact score (never the two-decimal one: see the module)."""
        return {code: self.exact_score(code) for code in self.scores}

    def exact_score(self, code: str) -> Fraction | None:
        if code not in self.scores:
            return None
        stored = self.scores[code].get("exact")
        return (Fraction(stored["numerator"], stored["denominator"]) if stored
                else exact(self.scores[code]["score"]))

    def score(self, criterion: dict, new: float, reason: str) -> None:
        if criterion["source"] != "manual":
            raise RuleViolated(f"criterion {criterion['code']} is computed from partner facts "
                               f"({criterion['source']}); it is not scored by hand",
                               code="criterion_not_manual")
        if not 0 <= new <= criterion["max_score"]:
            raise RuleViolated(f"score {new} for {criterion['code']} is outside 0..."
                               f"{criterion['max_score']}", code="score_out_of_range",
                               details={"max_score": criterion["max_score"]})
        if not reason or not reason.strip():
            raise RuleViolated("a score needs a reason", code="reason_required")
        self._changed(criterion["code"], criterion["source"], self.current(criterion["code"]),
                      new, reason, as_json(exact(new)))

    def derive(self, criterion: dict, fraction: Fraction, reason: str) -> bool:
        """Set a fact-fed score; True when it changed."""
        precise = criterion["max_score"] * fraction
        if self.exact_score(criterion["code"]) == precise:
            return False
        self._changed(criterion["code"], criterion["source"], self.current(criterion["code"]),
                      round_hundredths(precise), reason, as_json(precise))
        return True

    def current(self, code: str) -> float | None:
        return self.scores[code]["score"] if code in self.scores else None

    @event("ScoreChanged")
    def _changed(self, criterion: str, source: str, old: float | None, new: float,
                 reason: str, exact: dict | None = None):
        self.scores[criterion] = {"score": new, "source": source, "reason": reason,
                                  "exact": exact}

    def finalize(self, rubric_version: int, total: float, tier: str | None) -> None:
        if self.finalized is not None:
            raise RuleViolated(f"the {self.fiscal_year} assessment is already finalised "
                               f"(tier {self.finalized['tier'] or 'none'})",
                               code="already_finalized")
        self._finalized(self.partner_id, self.fiscal_year, rubric_version, total, tier)

    # partner_id and fiscal_year ride on the tier events for the services that follow tiers.
    @event("AssessmentFinalized")
    def _finalized(self, partner_id: uuid.UUID, fiscal_year: int, rubric_version: int,
                   total: float, tier: str | None):
        self.finalized = {"rubric_version": rubric_version, "total": total, "tier": tier}

    def retier(self, total: float, tier: str | None, cause: str) -> None:
        """After a score change on a finalised assessment: a new total, maybe a new tier."""
        if self.finalized is None or self.finalized["total"] == total:
            return
        if self.finalized["tier"] != tier:
            self._tier_changed(self.partner_id, self.fiscal_year, self.finalized["tier"], tier,
                               self.finalized["total"], total, cause)
        else:
            self._total_changed(self.finalized["total"], total, cause)

    @event("TierChanged")
    def _tier_changed(self, partner_id: uuid.UUID, fiscal_year: int, old_tier: str | None,
                      new_tier: str | None, old_total: float, new_total: float, cause: str):
        self.finalized = {**self.finalized, "tier": new_tier, "total": new_total}

    @event("FinalTotalChanged")
    def _total_changed(self, old_total: float, new_total: float, cause: str):
        self.finalized = {**self.finalized, "total": new_total}


class PartnerOutputs(Aggregate):
    """What one partner delivered in one fiscal year, as assessment learns it from contracts'
    events: releases sent to it and its pickups accepted, its orders decided (proven on time,
    with their reach and cost, or expired for want of a proof). Each fact is kept by its id,
    so a delivery applied twice counts once."""

    @staticmethod
    def create_id(partner_id, fiscal_year: int) -> uuid.UUID:
        return uuid.uuid5(ASSESSMENT_NAMESPACE, f"outputs:{fiscal_year}:{partner_id}")

    @event("OutputsOpened")
    def __init__(self, partner_id: uuid.UUID, fiscal_year: int):
        self.partner_id = partner_id
        self.fiscal_year = fiscal_year
        self.releases: list[str] = []
        self.pickups: dict[str, int] = {}       # pickup id -> its reach
        self.on_time: dict[str, dict] = {}      # order id -> {reach, cost (its DPP)}
        self.missing: list[str] = []            # order ids expired without a proof

    @event("ReleaseReceivedNoted")
    def note_release(self, release_id: str):
        self.releases = sorted({*self.releases, release_id})

    @event("PickupAcceptedNoted")
    def note_pickup(self, pickup_id: str, reach: int):
        self.pickups[pickup_id] = reach

    @event("OrderProvenNoted")
    def note_on_time(self, order_id: str, reach: int, cost: int):
        self.on_time[order_id] = {"reach": reach, "cost": cost}

    @event("OrderMissingNoted")
    def note_missing(self, order_id: str):
        self.missing = sorted({*self.missing, order_id})

    @property
    def reach(self) -> int:
        return sum(o["reach"] for o in self.on_time.values()) + sum(self.pickups.values())

    @property
    def cost(self) -> int:
        return sum(o["cost"] for o in self.on_time.values())

    def fraction(self, criterion: dict) -> Fraction:
        """The fraction of the maximum an output-fed criterion earns (the module's table)."""
        source = criterion["source"]
        if source == "pickup_rate":
            return Fraction(len(self.pickups), len(self.releases)) if self.releases \
                else Fraction(0)
        if source == "on_time_rate":
            decided = len(self.on_time) + len(self.missing)
            return Fraction(len(self.on_time), decided) if decided else Fraction(0)
        if not self.cost:
            return Fraction(0)
        return min(Fraction(1),
                   Fraction(self.reach * PER_MILLION, self.cost) / criterion["target"])

    def describe(self, criterion: dict) -> str:
        year, source = self.fiscal_year, criterion["source"]
        if source == "pickup_rate":
            return f"{len(self.pickups)} of {len(self.releases)} press releases of {year} " \
                   "picked up"
        if source == "on_time_rate":
            return f"{len(self.on_time)} of {len(self.on_time) + len(self.missing)} orders " \
                   f"of {year} proven on time"
        per_million = f"{self.reach * PER_MILLION // self.cost:,}" if self.cost else "none"
        return f"reach {self.reach:,} for Rp{self.cost:,} of orders proven in {year}: " \
               f"{per_million} per Rp1,000,000 (target {criterion['target']:,})"


class OrderRef(Aggregate):
    """An order as assessment knows it: whose and of which year, what it costs (its DPP) and
    the reach its last proof claimed, until the proof is decided. Its id derives from the
    order's, not equals it: an order's trail is contracts' record of the order, and this is
    assessment's index of it (a partner's facts, by contrast, are part of the partner's
    trail)."""

    @staticmethod
    def create_id(order_id) -> uuid.UUID:
        return uuid.uuid5(ASSESSMENT_NAMESPACE, f"order:{order_id}")

    @event("OrderRefNoted")
    def __init__(self, order_id: uuid.UUID, partner_id: uuid.UUID, fiscal_year: int):
        self.partner_id = partner_id
        self.fiscal_year = fiscal_year
        self.cost = 0
        self.reach = 0

    @event("OrderCostNoted")
    def note_cost(self, cost: int):
        self.cost = cost

    @event("ProofReachNoted")
    def note_reach(self, reach: int):
        self.reach = reach
