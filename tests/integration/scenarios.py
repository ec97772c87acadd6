"""Steps through RPC that several integration tests take: a partner activated and tiered."""
import time

from shared.errors import RuleViolated
from tests.support import POLICY_2026, RUBRIC_2026, chief_editor, company, documents_for

# council, chief editor's UKW, regularity, traffic -> tier under RUBRIC_2026
TIER_RECIPE = {"A": ("factual", "utama", 90, 80), "B": ("factual", "utama", 0, 0),
               "C": ("administrative", "madya", 0, 0)}


def eventually(check, timeout=30.0, errors=(RuleViolated, AssertionError)):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except errors:
            result = None
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def open_year(admin, year=2026):
    admin.partners.set_requirement_policy(year, POLICY_2026)
    admin.assessment.set_rubric(year, RUBRIC_2026)


def tiered_partner(admin, verifier, assessor, n, tier, media_type="online", pkp=True,
                   year=2026) -> str:
    pid = admin.partners.register_partner(company(n, media_type=media_type, pkp=pkp))[
        "partner_id"]
    return tier_partner(admin, verifier, assessor, pid, n, tier, media_type, year)


def tier_partner(admin, verifier, assessor, pid, n, tier, media_type="online",
                 year=2026) -> str:
    """A registered partner (company(n), registered by whoever) activated for the year and
    assessed into `tier`."""
    council, ukw, regularity, traffic = TIER_RECIPE[tier]
    for doc in documents_for(media_type):
        did = admin.partners.submit_document(pid, doc)["document_id"]
        verifier.partners.review_document(pid, did, "accepted", "ok")
    verifier.partners.record_press_council_status(pid, council, f"DP-{n}", "2025-06-01")
    admin.partners.add_journalist(pid, chief_editor(n, ukw))
    admin.partners.activate_partner(pid, year)
    assert eventually(lambda: assessor.assessment.get_assessment(year, pid))
    assessor.assessment.score(year, pid, "regularity", regularity, "checked")
    assessor.assessment.score(year, pid, "traffic", traffic, "checked")
    assert assessor.assessment.finalize_assessment(year, pid)["tier"] == tier
    return pid
