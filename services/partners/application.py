"""The partners use cases: load, call one domain method, save. No nameko here."""
from __future__ import annotations

import datetime as dt

from eventsourcing.utils import get_topic

from services.partners.domain import NpwpClaim, Partner
from shared.application import ServiceApplication, command
from shared.domain import jsonable
from shared.errors import Conflict


def today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


class PartnersApplication(ServiceApplication):
    name = "partners"

    @command
    def register_partner(self, identity: dict):
        claim_id = NpwpClaim.create_id(identity["npwp"])
        if claim_id in self.repository:
            holder = self.repository.get(claim_id).partner_id
            raise Conflict(f"NPWP {identity['npwp']} is already registered to partner {holder}; "
                           "one company per NPWP", code="npwp_taken",
                           details={"npwp": identity["npwp"], "partner_id": str(holder)})
        partner = Partner.register(today=today(), **identity)
        claim = NpwpClaim(npwp=identity["npwp"], partner_id=partner.id)
        return {"partner_id": partner.id, "status": partner.status}, [partner, claim]

    def get_partner(self, partner_id) -> dict:
        return partner_file(self.load(partner_id, Partner, "partner"))

    def list_partners(self, status: str | None = None, media_type: str | None = None) -> list:
        rows = []
        for partner in self.all_partners():
            if status and partner.status != status:
                continue
            if media_type and partner.media_type != media_type:
                continue
            rows.append(partner_summary(partner))
        return sorted(rows, key=lambda r: r["legal_name"].lower())

    def all_partners(self):
        topic = get_topic(Partner.PartnerRegistered)
        after = 0
        while True:
            page = self.recorder.select_notifications(start=after, limit=500, topics=[topic],
                                                      inclusive_of_start=False)
            for notification in page:
                yield self.repository.get(notification.originator_id)
            if len(page) < 500:
                return
            after = page[-1].id


def partner_summary(partner: Partner) -> dict:
    return jsonable({
        "partner_id": partner.id, "legal_name": partner.legal_name,
        "brand_name": partner.brand_name, "legal_form": partner.legal_form,
        "media_type": partner.media_type, "status": partner.status,
        "registered_at": partner.created_on,
    })


def partner_file(partner: Partner) -> dict:
    return jsonable({
        **partner_summary(partner),
        "npwp": partner.npwp, "nib": partner.nib, "pkp": partner.pkp,
        "address": partner.address, "founded_on": partner.founded_on,
        "contact": partner.contact, "bank_account": partner.bank_account,
        "version": partner.version,
    })
