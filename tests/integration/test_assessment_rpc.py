"""Tiers through RPC, fed by partners' events over RabbitMQ, on PostgreSQL."""
import signal
import time

import pytest

from shared.errors import RuleViolated, ValidationFailed
from tests.support import RUBRIC_2026, chief_editor, company

pytestmark = pytest.mark.integration


def eventually(check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except (RuleViolated, AssertionError):
            result = None
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def comparable(view):
    return [(r["code"], r["score"]) for r in view["scores"]], view["total"], view["tier"]


def test_assessment_stopped_while_partners_changes_catches_up_with_the_same_result(cluster):
    cluster.start("partners")
    assessment = cluster.start("assessment")
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier, \
            cluster.rpc("assessor") as assessor:
        admin.assessment.set_rubric(2026, RUBRIC_2026)
        pids = []
        for n in (1, 2):
            pid = admin.partners.register_partner(company(n, founded_on="2019-08-17"))[
                "partner_id"]
            verifier.partners.record_press_council_status(pid, "administrative", f"DP-{n}",
                                                          "2025-06-01")
            admin.partners.add_journalist(pid, chief_editor(n, "madya"))
            pids.append(pid)
        for pid in pids:
            assert eventually(lambda: assessor.assessment.get_assessment(2026, pid)["scores"][0][
                "score"] == 5)
            assessor.assessment.score(2026, pid, "regularity", 50, "weekly output checked")
            assessor.assessment.score(2026, pid, "traffic", 50, "analytics checked")
            assert assessor.assessment.finalize_assessment(2026, pid)["tier"] == "B"

        # Running: the first outlet loses its press-council status, and its chief editor
        # leaves and returns (no chief editor for a while: no tier).
        verifier.partners.record_press_council_status(pids[0], "none", None, "2026-07-01")
        assert eventually(lambda: admin.assessment.get_tier(pids[0], 2026) == "C")
        admin.partners.remove_journalist(pids[0], chief_editor(1)["nik"], "resigned")
        assert eventually(lambda: admin.assessment.get_tier(pids[0], 2026) is None)
        admin.partners.add_journalist(pids[0], chief_editor(1, "madya"))
        assert eventually(lambda: admin.assessment.get_tier(pids[0], 2026) == "C")

        # Stopped: the second outlet loses it too, and its chief editor leaves and returns.
        assessment.kill(signal.SIGKILL)
        verifier.partners.record_press_council_status(pids[1], "none", None, "2026-07-01")
        admin.partners.remove_journalist(pids[1], chief_editor(2)["nik"], "resigned")
        admin.partners.add_journalist(pids[1], chief_editor(2, "madya"))

    cluster.start("assessment")
    with cluster.rpc("auditor") as auditor:
        assert eventually(lambda: auditor.assessment.get_tier(pids[1], 2026) == "C")
        first, second = (auditor.assessment.get_assessment(2026, pid) for pid in pids)
        assert comparable(first) == comparable(second)
        # 20·2/3 + 10 + 10·2/3 + 7.5 + 7.5 is exactly 45 (issue 13: 45.01 summed 6.67s).
        assert first["tier"] == "C" and first["total"] == second["total"] == 45.0
        trail = [e for e in auditor.assessment.notifications(after=0, limit=1000)
                 if e["type"] == "TierChanged"]
        steps = {pid: [(e["payload"]["old_tier"], e["payload"]["new_tier"], e["actor"]["cause"][
            "type"]) for e in trail if e["payload"]["partner_id"] == pid] for pid in pids}
        assert steps[pids[0]] == steps[pids[1]] == [
            ("B", "C", "PressCouncilStatusRecorded"), ("C", None, "JournalistRemoved"),
            (None, "C", "JournalistAdded")]


def test_bad_rubrics_and_scores_are_refused_through_rpc(cluster):
    cluster.start("partners")
    cluster.start("assessment")
    with cluster.rpc("admin") as admin, cluster.rpc("assessor") as assessor:
        criteria = [dict(c) for c in RUBRIC_2026["criteria"]]
        criteria[-1]["weight"] = 14
        with pytest.raises(RuleViolated) as refused:
            admin.assessment.set_rubric(2026, {**RUBRIC_2026, "criteria": criteria})
        assert refused.value.details == {"sum": 99}
        admin.assessment.set_rubric(2026, RUBRIC_2026)
        pid = admin.partners.register_partner(company(1))["partner_id"]
        with pytest.raises(ValidationFailed) as silent:
            assessor.assessment.score(2026, pid, "traffic", 50, "")
        assert "reason" in silent.value.details["fields"]
        assert eventually(lambda: assessor.assessment.get_assessment(2026, pid))
        with pytest.raises(RuleViolated) as high:
            assessor.assessment.score(2026, pid, "traffic", 150, "viral month")
        assert high.value.code == "score_out_of_range"
