"""The published language between services: what other services' events mean to a consumer.

Only what two or more consumers read lives here; each consumer keeps its own copy of the facts.
"""
from __future__ import annotations

# print_monthly: magazines and tabloids (proof due 10 days after publish-by).
MEDIA_TYPES = ("online", "print_daily", "print_weekly", "print_monthly", "tv", "radio")

# The status a partner has after each lifecycle event of the partners service.
# ObjectionDecided depends on the decision: upheld returns the partner to `registered`.
PARTNER_LIFECYCLE_EVENTS = ("PartnerActivated", "PartnerRejected", "ObjectionDecided",
                            "PartnerSuspended", "PartnerReinstated", "PartnerDeregistered")
_STATUS_AFTER = {"PartnerActivated": "active", "PartnerRejected": "rejected",
                 "PartnerSuspended": "suspended", "PartnerReinstated": "active",
                 "PartnerDeregistered": "deregistered"}


def partner_status_after(envelope: dict) -> str:
    if envelope["type"] == "ObjectionDecided":
        return "registered" if envelope["payload"]["upheld"] else "rejected"
    return _STATUS_AFTER[envelope["type"]]
