"""The assessment use cases, and what assessment does with the partners service's events."""
from __future__ import annotations

import datetime as dt
import uuid

from services.assessment.domain import (OUTPUT_SOURCES, Assessment, OrderRef, PartnerFacts,
                                        PartnerOutputs, Rubric)
from shared.application import SNAPSHOT_EVERY, ServiceApplication, command
from shared import personal
from shared.domain import acting_as, actor_for_envelope, jsonable
from shared.errors import NotFound, RuleViolated
from shared.published import PARTNER_LIFECYCLE_EVENTS, partner_status_after


class AssessmentApplication(ServiceApplication):
    name = "assessment"
    snapshotting_intervals = {Assessment: SNAPSHOT_EVERY}

    # Commands ----------------------------------------------------------------------------

    @command
    def set_rubric(self, fiscal_year: int, rubric: dict, effective_from: dt.date | None = None):
        rubric_id = Rubric.create_id(fiscal_year)
        if rubric_id in self.repository:
            current = self.repository.get(rubric_id)
            current.revise(rubric["criteria"], rubric["tiers"], effective_from, self.today())
        else:
            current = Rubric.set(fiscal_year, rubric["criteria"], rubric["tiers"])
        return {"fiscal_year": fiscal_year, "version": current.current}, [current]

    @command
    def score(self, fiscal_year: int, partner_id, criterion: str, score: float, reason: str):
        facts, rubric, assessment = self._open(fiscal_year, partner_id)
        version = self._version(rubric, assessment)
        old = assessment.current(criterion)
        assessment.score(rubric.criterion(version, criterion), score, reason)
        total = rubric.total(version, assessment.points())
        assessment.retier(total, rubric.tier(version, total),
                          f"{criterion} scored {score} (was {old}): {reason}")
        return {"old": old, "new": score, "total": total}, [facts, assessment]

    @command
    def finalize_assessment(self, fiscal_year: int, partner_id):
        facts, rubric, assessment = self._open(fiscal_year, partner_id)
        version = rubric.in_force(self.today())
        unscored = [c["code"] for c in rubric.versions[version]["criteria"]
                    if c["source"] == "manual" and assessment.current(c["code"]) is None]
        if unscored:
            raise RuleViolated(f"criteria not scored yet: {', '.join(unscored)}",
                               code="criteria_not_scored", details={"criteria": unscored})
        total = rubric.total(version, assessment.points())
        tier = rubric.tier(version, total)
        assessment.finalize(version, total, tier)
        rubric.pin(version)
        return {"total": total, "tier": tier, "rubric_version": version}, [facts, assessment,
                                                                           rubric]

    def _open(self, fiscal_year: int, partner_id):
        """The partner's facts, the year's rubric and the assessment, opened if need be, with
        its fact-fed scores brought up to date."""
        facts = self.facts(partner_id)
        facts.check_may_be_scored()
        rubric = self.rubric(fiscal_year)
        assessment_id = Assessment.create_id(fiscal_year, facts.id)
        if assessment_id in self.repository:
            assessment = self.repository.get(assessment_id)
        else:
            assessment = Assessment(fiscal_year=fiscal_year, partner_id=facts.id)
            facts.note_assessed(fiscal_year)
        self._derive(assessment, rubric, facts)
        return facts, rubric, assessment

    def _version(self, rubric: Rubric, assessment: Assessment) -> int:
        """Finalised assessments keep their version; open ones follow the one in force."""
        if assessment.finalized:
            return assessment.finalized["rubric_version"]
        return rubric.in_force(self.today())

    def _derive(self, assessment: Assessment, rubric: Rubric, facts: PartnerFacts,
                cause: str = "", last_year: PartnerOutputs | None = None) -> None:
        """Bring the fact-fed and output-fed scores up to date; `last_year`: the previous
        year's outputs as just changed (not yet saved), else read when a criterion needs
        them (a partner event re-derives every assessed year: no read a rubric does not
        use)."""
        version = self._version(rubric, assessment)
        criteria = rubric.versions[version]["criteria"]
        fractions = facts.fractions(assessment.fiscal_year)
        if last_year is None and any(c["source"] in OUTPUT_SOURCES for c in criteria):
            last_year = self.outputs(facts.id, assessment.fiscal_year - 1)
        suffix = f" ({cause})" if cause else ""
        changed = []
        for criterion in criteria:
            if criterion["source"] == "manual":
                continue
            if criterion["source"] in OUTPUT_SOURCES:
                fraction, reason = last_year.fraction(criterion), last_year.describe(criterion)
            else:
                fraction = fractions[criterion["source"]]
                reason = facts.describe(criterion["source"], assessment.fiscal_year)
            if assessment.derive(criterion, fraction, reason + suffix):
                changed.append(reason + suffix)
        if changed:
            total = rubric.total(version, assessment.points())
            assessment.retier(total, rubric.tier(version, total), "; ".join(changed))

    # What partners' events change --------------------------------------------------------

    def apply_partners_event(self, envelope: dict, tracked: bool = True) -> None:
        """Note the partner facts an event changes and re-derive that partner's scores, in one
        transaction with the position in partners' log (the tracked consumer calls this;
        `tracked=False` when it retries a quarantined event behind the position)."""
        kind, payload = envelope["type"], envelope["payload"]
        if kind not in FACT_EVENTS:
            self.save_tracked(envelope, tracked=tracked)
            return
        with acting_as(actor_for_envelope(self.name, envelope)):
            if kind == "PartnerRegistered":
                facts = PartnerFacts(partner_id=uuid.UUID(envelope["originator_id"]),
                                     brand_name=payload["brand_name"],
                                     media_type=payload["media_type"],
                                     founded_on=dt.date.fromisoformat(payload["founded_on"]))
            else:
                facts = self.repository.get(uuid.UUID(envelope["originator_id"]))
                if kind == "PressCouncilStatusRecorded":
                    facts.note_press_council(payload["status"])
                # A journalist is known by the digest of their NIK: which person it is
                # matters here, never the number (it arrives sealed).
                elif kind == "JournalistAdded":
                    facts.note_journalist(personal.identity("nik", payload["nik"]),
                                          payload["role"], payload["ukw_level"])
                elif kind == "JournalistRemoved":
                    facts.note_journalist_left(personal.identity("nik", payload["nik"]))
                else:
                    facts.note_status(partner_status_after(envelope))
            changed = [facts]
            cause = f"{kind} in partners, notification {envelope['notification_id']}"
            for year in facts.assessed_years:
                assessment = self.repository.get(Assessment.create_id(year, facts.id))
                self._derive(assessment, self.rubric(year), facts, cause)
                changed.append(assessment)
        self.save_tracked(envelope, *changed, tracked=tracked)

    # What contracts' events change: the partners' outputs (issue 16) ---------------------

    def apply_contracts_event(self, envelope: dict, tracked: bool = True) -> None:
        """Note what a partner delivered (releases received, pickups accepted, orders proven
        or missing) and re-derive the output-fed scores of the next year's
        assessments it changes, in one transaction with the position in contracts' log."""
        kind, payload = envelope["type"], envelope["payload"]
        if kind not in OUTPUT_EVENTS:
            self.save_tracked(envelope, tracked=tracked)
            return
        with acting_as(actor_for_envelope(self.name, envelope)):
            changed = self._note_output(kind, envelope["originator_id"], payload)
            cause = f"{kind} in contracts, notification {envelope['notification_id']}"
            for outputs in [c for c in changed if isinstance(c, PartnerOutputs)]:
                changed += self._rederive_next_year(outputs, cause)
        self.save_tracked(envelope, *changed, tracked=tracked)

    def _note_output(self, kind: str, originator_id: str, payload: dict) -> list:
        if kind == "ReleasePublished":
            touched = []
            for partner_id in payload["recipients"]:
                outputs = self.outputs(partner_id, payload["fiscal_year"])
                outputs.note_release(originator_id)
                touched.append(outputs)
            return touched
        if kind == "PickupReviewed":
            if payload["decision"] != "accepted":
                return []
            outputs = self.outputs(payload["partner_id"], payload["fiscal_year"])
            outputs.note_pickup(payload["pickup_id"], payload["reach"])
            return [outputs]
        if kind == "OrderPlaced":
            return [OrderRef(order_id=uuid.UUID(originator_id),
                             partner_id=uuid.UUID(payload["partner_id"]),
                             fiscal_year=payload["fiscal_year"])]
        order = self.repository.get(OrderRef.create_id(originator_id))
        outputs = self.outputs(order.partner_id, order.fiscal_year)
        if kind == "PriceApplied":
            order.note_cost(payload["gross"])
            return [order]
        if kind == "ProofSubmitted":
            order.note_reach(sum((payload.get("reach") or {}).values()))
            return [order]
        if kind == "ProofReviewed":
            if payload["decision"] != "accepted":
                return []
            outputs.note_on_time(originator_id, order.reach, order.cost)
        elif kind == "OrderExpired":
            outputs.note_missing(originator_id)
        return [outputs]

    def _rederive_next_year(self, outputs: PartnerOutputs, cause: str) -> list:
        """The assessment of the year after `outputs`, when it is open, with its output-fed
        scores brought up to date (a change may re-tier a finalised one)."""
        year = outputs.fiscal_year + 1
        assessment_id = Assessment.create_id(year, outputs.partner_id)
        if assessment_id not in self.repository:
            return []
        assessment = self.repository.get(assessment_id)
        self._derive(assessment, self.rubric(year), self.facts(outputs.partner_id), cause,
                     last_year=outputs)
        return [assessment]

    def outputs(self, partner_id, fiscal_year: int) -> PartnerOutputs:
        """The partner's outputs of the year (opened, unsaved, when nothing is known yet)."""
        outputs_id = PartnerOutputs.create_id(partner_id, fiscal_year)
        if outputs_id in self.repository:
            return self.repository.get(outputs_id)
        return PartnerOutputs(partner_id=uuid.UUID(str(partner_id)), fiscal_year=fiscal_year)

    # Queries -----------------------------------------------------------------------------

    def facts(self, partner_id) -> PartnerFacts:
        try:
            return self.load(partner_id, PartnerFacts, "partner")
        except NotFound:
            raise RuleViolated(f"partner {partner_id} is not registered (assessment has not "
                               "received its registration)", code="partner_not_registered",
                               details={"partner_id": str(partner_id)}) from None

    def rubric(self, fiscal_year: int) -> Rubric:
        try:
            return self.load(Rubric.create_id(fiscal_year), Rubric, "rubric")
        except NotFound:
            raise NotFound(f"no rubric for fiscal year {fiscal_year}; set one first",
                           code="no_rubric", details={"fiscal_year": fiscal_year}) from None

    def get_rubric(self, fiscal_year: int) -> dict:
        rubric = self.rubric(fiscal_year)
        return jsonable({"fiscal_year": fiscal_year, "current_version": rubric.current,
                         "in_force": rubric.in_force(self.today()), "pinned": rubric.pinned,
                         "versions": [{"version": v, **d} for v, d in rubric.versions.items()]})

    def get_assessment(self, fiscal_year: int, partner_id) -> dict:
        facts = self.facts(partner_id)
        rubric = self.rubric(fiscal_year)
        assessment_id = Assessment.create_id(fiscal_year, facts.id)
        opened = assessment_id in self.repository
        if opened:
            assessment = self.repository.get(assessment_id)
            who = self._last_changes(assessment_id)
        else:  # not opened yet: what it would hold now, recording nothing
            with acting_as({"sub": "preview", "roles": []}):
                assessment = Assessment(fiscal_year=fiscal_year, partner_id=facts.id)
                self._derive(assessment, rubric, facts)
            who = {}
        version = self._version(rubric, assessment)
        total = rubric.total(version, assessment.points())
        rows = []
        for criterion in rubric.versions[version]["criteria"]:
            score = assessment.scores.get(criterion["code"], {})
            rows.append({**criterion, "score": score.get("score"),
                         "reason": score.get("reason"), **who.get(criterion["code"], {})})
        final = assessment.finalized
        return jsonable({
            "fiscal_year": fiscal_year, "partner_id": facts.id, "brand_name": facts.brand_name,
            "rubric_version": version, "scores": rows,
            "total": final["total"] if final else total,
            "tier": final["tier"] if final else rubric.tier(version, total),
            "finalized": final is not None, "opened": opened,
        })

    def _last_changes(self, assessment_id) -> dict:
        """criterion -> {set_by, set_at, cause} of its latest ScoreChanged event."""
        last = {}
        for evt in self.events.get(assessment_id):
            if type(evt).__name__ == "ScoreChanged":
                last[evt.criterion] = {"set_by": evt.actor["sub"], "set_at": evt.timestamp,
                                       "cause": evt.actor.get("cause")}
        return last

    def get_tier(self, partner_id, fiscal_year: int) -> str | None:
        facts = self.facts(partner_id)
        assessment_id = Assessment.create_id(fiscal_year, facts.id)
        if assessment_id not in self.repository:
            return None
        final = self.repository.get(assessment_id).finalized
        return final["tier"] if final else None


FACT_EVENTS = ("PartnerRegistered", "PressCouncilStatusRecorded", "JournalistAdded",
               "JournalistRemoved", *PARTNER_LIFECYCLE_EVENTS)
# Contracts' events that change a partner's outputs (issue 16).
OUTPUT_EVENTS = ("ReleasePublished", "PickupReviewed", "OrderPlaced", "PriceApplied",
                 "ProofSubmitted", "ProofReviewed", "OrderExpired")
