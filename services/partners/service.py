"""The partners nameko service: thin entrypoints that authorise, validate, call, answer."""
from nameko.rpc import rpc

from services.partners.application import PartnersApplication
from services.partners.schemas import PartnerFilterSchema, PartnerSchema
from shared.auth import READERS, allow
from shared.errors import Forbidden
from shared.schemas import load
from shared.service import ApplicationProvider, EventSourcedService

STAFF = ("admin", "verifier", "assessor", "finance")


class PartnersService(EventSourcedService):
    name = "partners"
    app = ApplicationProvider(PartnersApplication)

    @rpc
    @allow("admin")
    def register_partner(self, partner, command_id=None):
        """Register a media company: identity as in DOMAIN.md §1.

        `partner`: legal_name, brand_name, legal_form (PT/yayasan/koperasi), media_type
        (online/print_daily/print_weekly/tv/radio), npwp (15 or 16 digits), nib (13 digits),
        pkp (bool), address, founded_on (YYYY-MM-DD), contact {email, phone},
        bank_account {bank, number, holder: the company itself}.
        Returns {partner_id, status}. Conflict `npwp_taken` when the NPWP is registered already.
        """
        identity = load(PartnerSchema, partner)
        return self.app.register_partner(identity, actor=self.auth.actor, command_id=command_id)

    @rpc
    @allow(*STAFF, "media", *READERS)
    def get_partner(self, partner_id):
        """The whole file of one partner: identity, status, contact and bank account.

        A `media` caller may read only its own file (the token's partner_id).
        """
        if self.auth.has("media") and not set(self.auth.actor["roles"]) - {"media"}:
            if self.auth.actor.get("partner_id") != str(partner_id):
                raise Forbidden("a media company may read only its own file",
                                code="not_own_file")
        return self.app.get_partner(partner_id)

    @rpc
    @allow(*STAFF, *READERS)
    def list_partners(self, status=None, media_type=None):
        """Partner summaries, filtered by status and media type (all optional), by name."""
        filters = load(PartnerFilterSchema, {"status": status, "media_type": media_type})
        return self.app.list_partners(filters["status"], filters["media_type"])
