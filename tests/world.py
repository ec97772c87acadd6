"""A small regency in one process: partners, assessment, contracts and reporting applications
on SQLite, wired by the tracked consumer exactly as the services are (shared/consumer.py), with
a clock the tests move. What the unit tests of contracts and reporting stand on."""
import datetime as dt

import pytest

import shared.domain
from services.assessment.application import AssessmentApplication
from services.contracts.application import ContractsApplication
from services.partners.application import PartnersApplication
from services.reporting.application import ReportingApplication
from shared.config import Settings
from shared.consumer import TrackedConsumer
from tests.support import (POLICY_2026, RUBRIC_2026, actor, chief_editor, company,
                           documents_for, loaded, sha)

ADMIN = actor("admin", sub="kominfo.ani")
VERIFIER = actor("verifier", sub="verifikasi.budi")
ASSESSOR = actor("assessor", sub="penilai.citra")
FINANCE = actor("finance", sub="ppk.dewi")
MEDIA = actor("media", sub="redaksi")
YEAR = 2026
PRICES = [
    {"media_type": "online", "tier": "A", "product": "advertorial", "unit": "item",
     "unit_price": 2_500_000},
    {"media_type": "online", "tier": "B", "product": "advertorial", "unit": "item",
     "unit_price": 2_000_000},
    {"media_type": "online", "tier": "C", "product": "advertorial", "unit": "item",
     "unit_price": 1_500_000},
    {"media_type": "print_weekly", "tier": "B", "product": "advertorial", "unit": "item",
     "unit_price": 4_500_000},
]
# council, chief editor's UKW, regularity, traffic -> the tier (see tests/support.RUBRIC_2026)
TIER_RECIPE = {"A": ("factual", "utama", 90, 80), "B": ("factual", "utama", 0, 0),
               "C": ("administrative", "madya", 0, 0)}


class Clock:
    today = dt.date(YEAR, 3, 2)

    def __call__(self):
        return self.today


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def world(tmp_path, clock, monkeypatch, request):
    """`@pytest.mark.world_env(NAME="value")` adds settings (SEKLIK_ENV="development" gives
    the stores the deployment's cipher, so sealed numbers open as in a service)."""
    # Events happen at noon UTC of the clock's day, so views can be asked as of a day.
    monkeypatch.setattr(shared.domain, "utcnow", lambda: dt.datetime.combine(
        clock.today, dt.time(12), tzinfo=dt.timezone.utc))

    marker = request.node.get_closest_marker("world_env")
    extra = marker.kwargs if marker else {}

    def settings(name):
        return Settings.from_env({"SEKLIK_DATA_DIR": str(tmp_path / name), **extra})

    partners = PartnersApplication(settings("p"))
    assessment = AssessmentApplication(settings("a"))
    contracts = ContractsApplication(settings("c"), clock=clock)
    reporting = ReportingApplication(settings("r"), clock=clock)
    partners.set_requirement_policy(YEAR, POLICY_2026, actor=ADMIN)
    assessment.set_rubric(YEAR, RUBRIC_2026, actor=ADMIN)
    contracts.publish_price_standard(YEAR, dt.date(YEAR, 1, 1), PRICES, actor=FINANCE)
    contracts.set_budget(YEAR, "2.16.01.2.06.0001", "Publikasi media", 100_000_000,
                         actor=FINANCE)
    for tier, ceiling in (("A", 60_000_000), ("B", 50_000_000), ("C", 20_000_000)):
        contracts.set_tier_ceiling(YEAR, tier, ceiling, actor=FINANCE)

    def feed(source_app, consumer_app, handler):
        return TrackedConsumer(source_app.name, consumer_app.tracked_position,
                               getattr(consumer_app, handler),
                               lambda source, after, limit: source_app.notifications(after,
                                                                                     limit))

    class World:
        pass

    w = World()
    w.partners, w.assessment, w.contracts, w.clock = partners, assessment, contracts, clock
    w.reporting = reporting
    w.feeds = [feed(partners, assessment, "apply_partners_event"),
               feed(partners, contracts, "apply_partners_event"),
               feed(assessment, contracts, "apply_assessment_event"),
               feed(contracts, assessment, "apply_contracts_event")]
    w.projector = [feed(source, reporting, "apply_envelope")
                   for source in (partners, assessment, contracts)]
    w.feed = feed

    def sync():
        for f in w.feeds:
            f.catch_up()

    def project():
        for f in w.projector:
            f.catch_up()

    w.project = project

    w.sync = sync
    return w


def tiered_partner(w, n, tier, media_type="online", pkp=True) -> str:
    council, ukw, regularity, traffic = TIER_RECIPE[tier]
    p = w.partners
    pid = p.register_partner(loaded(company(n, media_type=media_type, pkp=pkp)),
                             actor=ADMIN)["partner_id"]
    for doc in documents_for(media_type):
        doc = {**doc, "issued_on": dt.date.fromisoformat(doc["issued_on"]),
               "valid_until": doc["valid_until"] and dt.date.fromisoformat(doc["valid_until"])}
        did = p.submit_document(pid, doc, actor=ADMIN)["document_id"]
        p.review_document(pid, did, "accepted", "ok", actor=VERIFIER)
    p.record_press_council_status(pid, council, f"DP-{n}", dt.date(2025, 6, 1), actor=VERIFIER)
    p.add_journalist(pid, chief_editor(n, ukw), actor=ADMIN)
    p.activate_partner(pid, YEAR, actor=ADMIN)
    w.sync()
    w.assessment.score(YEAR, pid, "regularity", regularity, "checked", actor=ASSESSOR)
    w.assessment.score(YEAR, pid, "traffic", traffic, "checked", actor=ASSESSOR)
    assert w.assessment.finalize_assessment(YEAR, pid, actor=ASSESSOR)["tier"] == tier
    w.sync()
    return pid


def contract(w, pid, number="001/SPK/KOMINFO/2026", ceiling=20_000_000, **extra):
    return w.contracts.sign_contract({
        "number": number, "fiscal_year": YEAR, "partner_id": pid,
        "activity_code": "2.16.01.2.06.0001", "ceiling": ceiling,
        "starts_on": dt.date(YEAR, 2, 1), "ends_on": dt.date(YEAR, 12, 31),
        "agreed_prices": [], **extra}, actor=FINANCE)["contract_id"]


def order(w, cid, quantity=1, product="advertorial", publish_by=dt.date(YEAR, 3, 10), **kw):
    return w.contracts.place_order(cid, {"product": product, "quantity": quantity,
                                         "title": "Sosialisasi vaksinasi HPV",
                                         "publish_by": publish_by}, actor=FINANCE, **kw)


def proof(published_on, reach=None):
    return {"kind": "link", "reference": "https://sumselnews.id/hpv", "sha256": sha("hpv"),
            "published_on": published_on, "reach": reach}


def accepted(w, oid, published_on=dt.date(YEAR, 3, 9)):
    w.clock.today = published_on
    w.contracts.submit_proof(oid, proof(published_on, {"page_views": 12_000}), actor=MEDIA)
    w.contracts.review_proof(oid, "accepted", "BAST signed", actor=FINANCE)


def paid(w, oid, sp2d_number: str, paid_on: dt.date) -> dict:
    """The order paid by finance under an SP2D: the payment's answer."""
    return w.contracts.record_payment(oid, {"sp2d_number": sp2d_number, "paid_on": paid_on},
                                      actor=FINANCE)
