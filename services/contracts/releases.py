"""Press releases (siaran pers, DOMAIN.md §5): Kominfo's public-relations desk (`humas`, or the
admin) sends a release to the partner media, all of them or a chosen set, optionally under an
embargo; each partner that received it files its pickup (the publication that carried it: a
link, a clipping or a broadcast log, the date, the reach) and the desk accepts or rejects it.

They live in contracts because everything they need is here already: the audience is chosen by
what contracts knows of each partner from partners' and assessment's events (status and active
years, media type, tier per year: `PartnerStanding`), a pickup is a proof of publication like
an order's (the same kinds, reach and file store), and reporting follows contracts' events, so
the outcome views join a partner's releases and its orders from one feed.

Pure Python: dates are the regency's, instants (the embargo) UTC.
"""
from __future__ import annotations

import datetime as dt
import uuid

from eventsourcing.domain import event

from shared.domain import Aggregate
from shared.errors import Conflict, NotFound, RuleViolated

AUDIENCE_KEYS = ("media_types", "tiers", "partner_ids")


class Release(Aggregate):
    """One press release: what was sent, to whom (fixed when it is published), and each
    recipient's pickups with their review."""

    @event("ReleasePublished")
    def __init__(self, title: str, body: str, release_date: dt.date, fiscal_year: int,
                 embargo_until: dt.datetime | None, attachments: list, audience: dict,
                 recipients: list):
        self.title = title
        self.body = body
        self.release_date = release_date
        self.fiscal_year = fiscal_year
        self.embargo_until = embargo_until
        self.attachments = attachments  # [{sha256, file: {size, media_type, name} | None}]
        self.audience = audience        # the choice as made: {media_types, tiers, partner_ids}
        self.recipients = recipients    # the partners it reached: [partner_id (str)]
        self.pickups: dict[str, dict] = {}  # pickup_id -> the pickup and its review

    def embargoed(self, now: dt.datetime) -> bool:
        return self.embargo_until is not None and now < self.embargo_until

    def sent_to(self, partner_id) -> bool:
        return str(partner_id) in self.recipients

    def visible_to(self, partner_id, now: dt.datetime) -> bool:
        """A media company sees a release sent to it, once its embargo has ended."""
        return self.sent_to(partner_id) and not self.embargoed(now)

    def pickups_of(self, partner_id) -> list[dict]:
        return [p for p in self.pickups.values() if p["partner_id"] == str(partner_id)]

    def file_pickup(self, partner_id, kind: str, reference: str, published_on: dt.date,
                    sha256: str, reach: dict | None, today: dt.date, now: dt.datetime,
                    embargo_date: dt.date | None, file: dict | None = None) -> str:
        """A recipient's publication of the release; `embargo_date` is the regency's date the
        embargo ends on (nothing carried it before). One pickup stands per partner: another
        only after the last was rejected. Returns the pickup's id."""
        if not self.sent_to(partner_id):
            raise RuleViolated(f"the release \"{self.title}\" was not sent to partner "
                               f"{partner_id}: a pickup is filed only by a recipient",
                               code="not_a_recipient", details={"partner_id": str(partner_id)})
        if self.embargoed(now):
            until = self.embargo_until.strftime("%Y-%m-%d %H:%M")
            raise RuleViolated(f"the release is under embargo until {until} UTC",
                               code="under_embargo",
                               details={"embargo_until": self.embargo_until.isoformat()})
        if published_on > today:
            raise RuleViolated(f"published_on {published_on} is in the future (today is "
                               f"{today} in the regency)", code="published_in_future",
                               details={"published_on": published_on.isoformat(),
                                        "today": today.isoformat()})
        earliest = max(self.release_date, embargo_date or self.release_date)
        if published_on < earliest:
            raise RuleViolated(
                f"published_on {published_on} is before the release could be carried (on or "
                f"after {earliest}: its date, and the end of its embargo)",
                code="published_before_release",
                details={"published_on": published_on.isoformat(),
                         "earliest": earliest.isoformat()})
        for standing in self.pickups_of(partner_id):
            if standing["review"] != "rejected":
                raise Conflict("this partner's pickup of the release is already filed "
                               f"({standing['review']}); another only after a rejection",
                               code="pickup_already_filed",
                               details={"pickup_id": standing["pickup_id"],
                                        "review": standing["review"]})
        pickup_id = str(uuid.uuid4())
        self._pickup_filed(pickup_id, str(partner_id), kind, reference, published_on, sha256,
                           reach or {}, file)
        return pickup_id

    @event("PickupFiled")
    def _pickup_filed(self, pickup_id: str, partner_id: str, kind: str, reference: str,
                      published_on: dt.date, sha256: str, reach: dict, file: dict | None):
        self.pickups[pickup_id] = {
            "pickup_id": pickup_id, "partner_id": partner_id, "kind": kind,
            "reference": reference, "published_on": published_on, "sha256": sha256,
            "reach": reach, "file": file, "review": "pending", "note": None}

    def review_pickup(self, pickup_id: str, decision: str, note: str) -> None:
        pickup = self.pickup(pickup_id)
        if pickup["review"] != "pending":
            raise Conflict(f"the pickup was already {pickup['review']}",
                           code="pickup_already_reviewed", details={"review": pickup["review"]})
        # whose pickup, of which year and with what reach ride on the event: what a service
        # following outcomes (assessment) counts without keeping every pickup itself
        self._pickup_reviewed(pickup_id, decision, note, pickup["partner_id"],
                              self.fiscal_year, sum(pickup["reach"].values()))

    @event("PickupReviewed")
    def _pickup_reviewed(self, pickup_id: str, decision: str, note: str, partner_id: str,
                         fiscal_year: int, reach: int):
        self.pickups[pickup_id].update(review=decision, note=note)

    def pickup(self, pickup_id: str) -> dict:
        if str(pickup_id) not in self.pickups:
            raise NotFound(f"the release has no pickup {pickup_id}", code="no_such_pickup",
                           details={"pickup_id": str(pickup_id)})
        return self.pickups[str(pickup_id)]


def chosen(audience: dict, standings: list) -> list[str]:
    """The partners a release reaches: those active for the year that match every given part
    of the audience (media types, tiers for the year, partner ids); an empty part chooses
    all. `standings`: (partner_id, media_type, tier) of the year's active partners."""
    media_types = set(audience.get("media_types") or ())
    tiers = set(audience.get("tiers") or ())
    ids = {str(p) for p in audience.get("partner_ids") or ()}
    active = {str(pid) for pid, _, _ in standings}
    strangers = sorted(ids - active)
    if strangers:
        raise RuleViolated("a release goes only to partners active for its year; not active: "
                           + ", ".join(strangers), code="partner_not_active",
                           details={"partner_ids": strangers})
    return sorted(str(pid) for pid, media_type, tier in standings
                  if (not media_types or media_type in media_types)
                  and (not tiers or tier in tiers) and (not ids or str(pid) in ids))
