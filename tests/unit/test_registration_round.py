"""A regency's yearly registration round, against the partners application (DOMAIN.md §1)."""
import datetime as dt

import pytest

from services.partners.application import PartnersApplication
from services.partners.domain import OBJECTION_PERIOD_DAYS
from shared.config import Settings
from shared.errors import Conflict, NotFound, RuleViolated
from tests.support import (POLICY_2026, actor, chief_editor, company, document, documents_for,
                           loaded, next_year_end)

ADMIN = actor("admin", sub="kominfo.ani")
VERIFIER = actor("verifier", sub="inspektorat.budi")
YEAR = 2026


class Clock:
    def __init__(self):
        self.today = Settings.from_env({}).today()  # the regency's date, not the UTC one

    def __call__(self):
        return self.today


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def partners(sqlite_settings, clock):
    app = PartnersApplication(sqlite_settings, clock=clock)
    app.set_requirement_policy(YEAR, POLICY_2026, actor=ADMIN)
    return app


def as_dates(doc: dict) -> dict:
    return {**doc, "issued_on": dt.date.fromisoformat(doc["issued_on"]),
            "valid_until": dt.date.fromisoformat(doc["valid_until"]) if doc["valid_until"]
            else None}


def register(app, n=1, **overrides) -> str:
    return app.register_partner(loaded(company(n, **overrides)), actor=ADMIN)["partner_id"]


def file_and_accept(app, pid, docs) -> list[str]:
    ids = []
    for doc in docs:
        did = app.submit_document(pid, as_dates(doc), actor=ADMIN)["document_id"]
        app.review_document(pid, did, "accepted", "checked against the original",
                            actor=VERIFIER)
        ids.append(did)
    return ids


def verified_outlet(app, n=1, media_type="online", skip=(), **overrides) -> str:
    pid = register(app, n, media_type=media_type, **overrides)
    file_and_accept(app, pid, [d for d in documents_for(media_type) if d["kind"] not in skip])
    app.record_press_council_status(pid, "factual", "DP-123/2025",
                                    dt.date(2025, 6, 1), actor=VERIFIER)
    app.add_journalist(pid, chief_editor(n), actor=ADMIN)
    return pid


def test_a_complete_online_outlet_is_activated(partners):
    pid = verified_outlet(partners)
    assert partners.check_requirements(pid, YEAR)["met"] is True
    assert partners.activate_partner(pid, YEAR, actor=ADMIN)["status"] == "active"
    file = partners.get_partner(pid)
    assert file["active_years"] == [YEAR]
    assert {d["kind"]: d["validity"] for d in file["documents"]}["tax_return"] == "valid"


def test_a_weekly_paper_whose_tax_return_expired_is_refused_then_activated_after_resubmission(
        partners):
    pid = verified_outlet(partners, media_type="print_weekly", skip=("tax_return",))
    file_and_accept(partners, pid, [document("tax_return", valid_until="2026-03-31")])
    partners._clock.today = dt.date(2026, 5, 2)

    with pytest.raises(RuleViolated) as refused:
        partners.activate_partner(pid, YEAR, actor=ADMIN)
    assert refused.value.code == "requirements_not_met"
    assert refused.value.details["unmet"] == [
        {"code": "document_expired", "kind": "tax_return", "valid_until": "2026-03-31",
         "detail": "tax_return expired on 2026-03-31"}]
    assert "tax_return expired on 2026-03-31" in refused.value.message
    assert partners.get_partner(pid)["status"] == "registered"

    file_and_accept(partners, pid, [document("tax_return", "2026-04-20", "2027-03-31", "SPT-2")])
    assert partners.activate_partner(pid, YEAR, actor=ADMIN)["status"] == "active"
    file = partners.get_partner(pid)
    assert [d["number"] for d in file["superseded_documents"]] == ["TAX_RETURN-001"]


def test_a_tv_station_without_a_broadcasting_licence_is_refused(partners):
    pid = verified_outlet(partners, media_type="tv", skip=("broadcast_licence",))
    result = partners.check_requirements(pid, YEAR)
    assert result["unmet"] == [{"code": "document_missing", "kind": "broadcast_licence",
                                "detail": "document broadcast_licence missing"}]
    with pytest.raises(RuleViolated):
        partners.activate_partner(pid, YEAR, actor=ADMIN)


def test_every_unmet_requirement_is_listed_in_words_a_clerk_understands(partners, clock):
    pid = register(partners, founded_on=(clock.today - dt.timedelta(days=400)).isoformat())
    partners.add_journalist(pid, chief_editor(ukw_level="madya"), actor=ADMIN)
    did = partners.submit_document(pid, as_dates(document("npwp")), actor=ADMIN)["document_id"]
    partners.review_document(pid, did, "rejected", "the copy is unreadable", actor=VERIFIER)
    partners.submit_document(pid, as_dates(document("deed")), actor=ADMIN)
    partners.set_requirement_policy(YEAR, {**POLICY_2026, "chief_editor_min_ukw": "utama"},
                                    actor=ADMIN)
    details = [u["detail"] for u in partners.check_requirements(pid, YEAR)["unmet"]]
    assert details == [
        "document deed not yet accepted by the verification team",
        "document nib missing",
        "document npwp rejected: the copy is unreadable",
        "document tax_return missing",
        "document domicile missing",
        "company is 1 years old, policy requires 2",
        "press council status none, policy requires administrative",
        "chief editor UKW madya, policy requires utama",
    ]


def test_a_company_without_a_chief_editor_is_told_so(partners):
    pid = register(partners)
    codes = [u["code"] for u in partners.check_requirements(pid, YEAR)["unmet"]]
    assert "chief_editor_missing" in codes


def test_a_journalist_already_listed_elsewhere_is_refused_until_they_leave(partners):
    first = register(partners, 1)
    second = register(partners, 2)
    partners.add_journalist(first, chief_editor(9), actor=ADMIN)
    with pytest.raises(Conflict) as refused:
        partners.add_journalist(second, chief_editor(9), actor=ADMIN)
    assert refused.value.code == "journalist_listed_elsewhere"
    assert refused.value.details["partner_id"] == first

    partners.remove_journalist(first, chief_editor(9)["nik"], "moved to another outlet",
                               actor=ADMIN)
    partners.add_journalist(second, chief_editor(9), actor=ADMIN)
    assert [j["nik"] for j in partners.get_partner(second)["journalists"]] == [
        chief_editor(9)["nik"]]
    assert partners.get_partner(first)["journalists"] == []


def test_a_company_has_one_chief_editor_at_a_time(partners):
    pid = register(partners)
    partners.add_journalist(pid, chief_editor(1), actor=ADMIN)
    with pytest.raises(RuleViolated) as refused:
        partners.add_journalist(pid, chief_editor(2), actor=ADMIN)
    assert refused.value.code == "chief_editor_exists"


def test_rejection_objection_and_reinstatement_after_the_objection_is_upheld(partners, clock):
    pid = verified_outlet(partners)
    rejected = partners.reject_partner(pid, "deed does not match the NIB", actor=ADMIN)
    assert rejected["status"] == "rejected"
    assert rejected["objection_until"] == (
        clock.today + dt.timedelta(days=OBJECTION_PERIOD_DAYS)).isoformat()
    with pytest.raises(RuleViolated):
        partners.activate_partner(pid, YEAR, actor=ADMIN)

    partners.file_objection(pid, "the NIB was amended; the amendment is attached",
                            actor=actor("media", sub="redaksi"))
    with pytest.raises(RuleViolated) as twice:
        partners.file_objection(pid, "again", actor=actor("media"))
    assert twice.value.code == "objection_already_filed"

    decided = partners.decide_objection(pid, True, "amendment verified", actor=ADMIN)
    assert decided == {"status": "registered", "objection": "upheld"}
    assert partners.activate_partner(pid, YEAR, actor=ADMIN)["status"] == "active"


def test_an_objection_after_the_objection_period_is_refused(partners, clock):
    pid = register(partners)
    partners.reject_partner(pid, "incomplete", actor=ADMIN)
    clock.today += dt.timedelta(days=OBJECTION_PERIOD_DAYS + 1)
    with pytest.raises(RuleViolated) as late:
        partners.file_objection(pid, "too late", actor=ADMIN)
    assert late.value.code == "objection_period_over"


def test_a_dismissed_objection_leaves_the_partner_rejected(partners):
    pid = register(partners)
    partners.reject_partner(pid, "incomplete", actor=ADMIN)
    partners.file_objection(pid, "please reconsider", actor=ADMIN)
    assert partners.decide_objection(pid, False, "nothing new", actor=ADMIN)["status"] == \
        "rejected"


@pytest.mark.parametrize("steps,refused", [
    (["activate", "reinstate"], "reinstate"),
    (["deregister", "activate"], "activate"),
    (["suspend"], "suspend"),
    (["activate", "reject"], "reject"),
])
def test_transitions_that_make_no_sense_are_refused(partners, steps, refused):
    pid = verified_outlet(partners)
    commands = {
        "activate": lambda: partners.activate_partner(pid, YEAR, actor=ADMIN),
        "reinstate": lambda: partners.reinstate_partner(pid, "x", actor=ADMIN),
        "deregister": lambda: partners.deregister_partner(pid, "closed", actor=ADMIN),
        "suspend": lambda: partners.suspend_partner(pid, "x", actor=ADMIN),
        "reject": lambda: partners.reject_partner(pid, "x", actor=ADMIN),
    }
    for step in steps[:-1]:
        commands[step]()
    with pytest.raises(RuleViolated) as error:
        commands[refused]()
    assert error.value.code in ("invalid_transition", "partner_deregistered")
    assert refused in error.value.message


def test_suspension_and_reinstatement_keep_their_reasons(partners):
    pid = verified_outlet(partners)
    partners.activate_partner(pid, YEAR, actor=ADMIN)
    partners.suspend_partner(pid, "published a hoax on 3 May", actor=ADMIN)
    assert partners.get_partner(pid)["status_reason"] == "published a hoax on 3 May"
    assert partners.reinstate_partner(pid, "correction published", actor=ADMIN)["status"] == \
        "active"


def test_a_policy_change_between_years_judges_the_same_company_differently(partners):
    pid = verified_outlet(partners)
    partners.set_requirement_policy(2027, {**POLICY_2026, "min_press_council": "factual",
                                           "chief_editor_min_ukw": "utama",
                                           "required_documents": {"online": ["bpjs"]}},
                                    actor=ADMIN)
    assert partners.check_requirements(pid, YEAR)["met"] is True
    assert [u["code"] for u in partners.check_requirements(pid, 2027)["unmet"]] == [
        "document_missing"]


def test_a_revised_policy_is_a_new_version(partners):
    again = partners.set_requirement_policy(YEAR, {**POLICY_2026, "min_company_age_years": 3},
                                            actor=ADMIN)
    assert again["version"] == 2
    assert partners.get_requirement_policy(YEAR)["min_company_age_years"] == 3


def test_requirements_are_judged_as_of_a_date(partners, clock):
    pid = verified_outlet(partners)
    yesterday = clock.today - dt.timedelta(days=1)
    with pytest.raises(NotFound):  # the partner did not exist yet
        partners.check_requirements(pid, YEAR, as_of=yesterday)
    assert partners.check_requirements(pid, YEAR, as_of=clock.today)["met"] is True


def test_an_expiring_document_must_say_until_when(partners):
    pid = register(partners)
    with pytest.raises(RuleViolated) as refused:
        partners.submit_document(pid, as_dates(document("tax_return")), actor=ADMIN)
    assert refused.value.code == "valid_until_required"


def test_a_replaced_document_cannot_be_reviewed_any_more(partners):
    pid = register(partners)
    old = partners.submit_document(pid, as_dates(document("deed")), actor=ADMIN)["document_id"]
    partners.submit_document(pid, as_dates(document("deed", number="AKTA-2")), actor=ADMIN)
    with pytest.raises(Conflict) as refused:
        partners.review_document(pid, old, "accepted", "ok", actor=VERIFIER)
    assert refused.value.code == "document_superseded"


def test_press_council_status_can_be_withdrawn(partners):
    pid = verified_outlet(partners)
    partners.record_press_council_status(pid, "none", None, dt.date(2026, 2, 1), actor=VERIFIER)
    file = partners.get_partner(pid)
    assert file["press_council"] == "none"
    unmet = partners.check_requirements(pid, YEAR)["unmet"]
    assert unmet == [{"code": "press_council_below",
                      "detail": "press council status none, policy requires administrative"}]


def test_partners_are_listed_by_the_fiscal_year_of_their_round(partners, clock):
    pid = verified_outlet(partners)
    register(partners, 2)
    partners.activate_partner(pid, 2026, actor=ADMIN)
    assert len(partners.list_partners(fiscal_year=clock.today.year)) == 2
    assert [p["partner_id"] for p in partners.list_partners(status="active")] == [pid]
    assert partners.list_partners(fiscal_year=2031) == []


def test_a_deregistered_companys_journalists_stay_as_they_were(partners):
    """A deregistered file is closed: its list of journalists changes no more, either way."""
    pid = verified_outlet(partners)
    partners.deregister_partner(pid, "berhenti terbit", actor=ADMIN)
    events = partners.max_notification_id()
    with pytest.raises(RuleViolated) as closed:
        partners.remove_journalist(pid, chief_editor(1)["nik"], "pindah", actor=ADMIN)
    assert closed.value.code == "partner_deregistered"
    assert partners.max_notification_id() == events
