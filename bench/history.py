"""A history of any size made with the applications' own code: partners registered, their
documents filed and reviewed, saved a batch of aggregates per transaction (as a busy service
would, only faster)."""
from __future__ import annotations

import datetime as dt
import uuid

from services.partners.application import PartnersApplication
from services.partners.domain import NpwpClaim, Partner
from shared.domain import acting_as

KINDS = ("deed", "nib", "npwp", "company_profile", "bank_reference")
ADMIN = {"sub": "bench.admin", "roles": ["admin"]}
VERIFIER = {"sub": "bench.verifier", "roles": ["verifier"]}
PER_PARTNER = 2 + 2 * len(KINDS)  # registered + NPWP claimed, and each document filed, reviewed


def grow(app: PartnersApplication, events: int, batch: int = 50) -> int:
    """Append about `events` events; the number appended."""
    start = app.max_notification_id()
    n = start // PER_PARTNER
    today = dt.date(2026, 1, 5)
    while app.max_notification_id() - start < events:
        aggregates = []
        for _ in range(batch):
            n += 1
            name = f"Media Bench {n}"
            with acting_as(ADMIN):
                partner = Partner.register(
                    today=today, legal_name=name, brand_name=name, legal_form="PT",
                    media_type="online", npwp=f"{n:015d}", nib=f"{n:013d}", pkp=True,
                    address="Kayuagung", founded_on=dt.date(2015, 1, 1),
                    contact={"email": "r@example.id", "phone": "+62 712 1"},
                    bank_account={"bank": "BSB", "number": "1234567", "holder": f"PT {name}"})
                # as register_partner claims it (issue 11): by the NPWP's keyed digest
                claim = NpwpClaim(digest=app.number_digest("npwp", f"{n:015d}"),
                                  partner_id=partner.id)
                ids = []
                for kind in KINDS:
                    document_id = uuid.uuid4()
                    partner.submit_document(document_id, kind, f"{kind}-{n}",
                                            dt.date(2025, 1, 1), None, "a" * 64, today)
                    ids.append(document_id)
            with acting_as(VERIFIER):
                for document_id in ids:
                    partner.review_document(document_id, "accepted", "ok")
            aggregates += [partner, claim]
        app.save(*aggregates)
    return app.max_notification_id() - start
