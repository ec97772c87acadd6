"""Rebuilding the reporting views against reading the same notifications without projecting.

A history is made through the partners application's own commands (registrations, documents
and their reviews); then, in the same run, (1) every notification is read as envelopes, and
(2) the views are emptied and rebuilt from them through the tracked consumer.
"""
from __future__ import annotations

import datetime as dt
import tempfile
import time

from services.partners.application import PartnersApplication
from services.reporting.application import ReportingApplication
from shared.config import Settings
from shared.consumer import TrackedConsumer
from seklik.tables import render

ADMIN = {"sub": "bench", "roles": ["admin"]}
VERIFIER = {"sub": "bench", "roles": ["verifier"]}
KINDS = ("deed", "nib", "npwp", "company_profile", "bank_reference")


def make_history(partners: PartnersApplication, events: int) -> None:
    n = 0
    while partners.max_notification_id() < events:
        n += 1
        name = f"Media Bench {n}"
        pid = partners.register_partner({
            "legal_name": name, "brand_name": name, "legal_form": "PT", "media_type": "online",
            "npwp": f"{n:015d}", "nib": f"{n:013d}", "pkp": True, "address": "Kayuagung",
            "founded_on": dt.date(2015, 1, 1),
            "contact": {"email": "r@example.id", "phone": "+62 712 1"},
            "bank_account": {"bank": "BSB", "number": "1234567", "holder": f"PT {name}"}},
            actor=ADMIN)["partner_id"]
        for kind in KINDS:
            did = partners.submit_document(pid, {
                "kind": kind, "number": f"{kind}-{n}", "issued_on": dt.date(2025, 1, 1),
                "valid_until": None, "sha256": "a" * 64}, actor=ADMIN)["document_id"]
            partners.review_document(pid, did, "accepted", "ok", actor=VERIFIER)


def main(events: int) -> None:
    with tempfile.TemporaryDirectory() as data:
        partners = PartnersApplication(Settings.from_env({"SEKLIK_DATA_DIR": f"{data}/p"}))
        views = ReportingApplication(Settings.from_env({"SEKLIK_DATA_DIR": f"{data}/r"}))
        make_history(partners, events)
        total = partners.max_notification_id()

        started = time.perf_counter()
        after = read = 0
        while page := partners.notifications(after, 1000):
            read += len(page)
            after = page[-1]["notification_id"]
        reading = read / (time.perf_counter() - started)

        views.reset()
        started = time.perf_counter()
        TrackedConsumer("partners", views.tracked_position, views.apply_envelope,
                        lambda source, after, limit: partners.notifications(after, limit),
                        apply_batch=views.apply_envelopes).catch_up()
        rebuilding = total / (time.perf_counter() - started)
        assert views.tracked_position("partners") == total

    print(f"Rebuild of the reporting views ({total:,} partners events, SQLite, one process)")
    print(render([
        {"figure": "read the notifications as envelopes (baseline)", "events/s": round(reading),
         "ratio": "1.00"},
        {"figure": "rebuild: project every envelope into the views", "events/s":
            round(rebuilding), "ratio": f"{rebuilding / reading:.2f}"},
    ], ["figure", "events/s", "ratio"]))
