"""A command_id makes a command safe to send again, and only that: it is bound to the method, the
caller and the payload. The same call again is the same answer and records nothing; another call
under the same id is Conflict `command_id_reused` (issue 11, findings 3 and 5). Against the
application: the kernel's `command` decorator does this for every command of every service.
"""
import hashlib
import json

import pytest

from services.partners.application import PartnersApplication
from shared.application import CommandRecord
from shared.domain import acting_as
from shared.errors import Conflict, ValidationFailed
from shared.personal import keyed_digest
from tests.support import POLICY_2026, actor, company, loaded

ADMIN = actor("admin", sub="kominfo.ani")
OTHER_ADMIN = actor("admin", sub="kominfo.budi")


@pytest.fixture(params=["sqlite_settings", "pg_settings"])
def partners(request):
    return PartnersApplication(request.getfixturevalue(request.param))


def register(partners, n=1, who=ADMIN, command_id="reg-001", **overrides):
    return partners.register_partner(loaded(company(n, **overrides)), actor=who,
                                     command_id=command_id)


@pytest.mark.parametrize("command_id", [
    123, 1.5, True, ["reg-001"], {"id": "reg-001"},
    "", "x" * 101, "reg 001", "reg/001", "reg\x00001", "reg-００1", "régistrasi",
])
def test_a_command_id_that_is_not_a_short_safe_string_is_refused_naming_the_field(
        partners, command_id):
    with pytest.raises(ValidationFailed) as refused:
        register(partners, command_id=command_id)
    message = refused.value.details["fields"]["command_id"][0]
    assert "1 to 100 characters from A-Z a-z 0-9 . _ : -" in message
    assert "command_id" in refused.value.message
    assert partners.max_notification_id() == 0


@pytest.mark.parametrize("command_id", ["demo-01-register", "kominfo-2026-0001",
                                        "5b0c7a34-1111-4000-8000-000000000001",
                                        "portal:ani.2026_03:17", "x" * 100, "7"])
def test_the_command_ids_callers_use_are_accepted(partners, command_id):
    assert register(partners, command_id=command_id)["status"] == "registered"


def test_the_same_call_again_is_the_first_answer_and_records_nothing(partners):
    first = register(partners)
    events = partners.max_notification_id()
    assert register(partners) == first
    assert partners.max_notification_id() == events
    assert len(partners.list_partners()) == 1


def test_the_same_payload_written_in_another_key_order_is_the_same_call(partners):
    first = register(partners)
    reordered = dict(reversed(list(loaded(company(1)).items())))
    assert partners.register_partner(reordered, actor=ADMIN, command_id="reg-001") == first


def test_another_payload_under_the_same_id_is_a_conflict_not_the_first_answer(partners):
    register(partners, 1)
    events = partners.max_notification_id()
    with pytest.raises(Conflict) as refused:
        register(partners, 2)  # another company, the same command_id
    assert refused.value.code == "command_id_reused"
    assert refused.value.details == {"command_id": "reg-001", "differs": ["payload"],
                                     "used_for": "register_partner"}
    assert partners.max_notification_id() == events
    assert len(partners.list_partners()) == 1


def test_another_caller_under_the_same_id_is_a_conflict_that_tells_nothing_of_the_first(
        partners):
    register(partners, 1, who=ADMIN)
    with pytest.raises(Conflict) as refused:
        register(partners, 1, who=OTHER_ADMIN)
    assert refused.value.code == "command_id_reused"
    assert refused.value.details == {"command_id": "reg-001", "differs": ["caller"]}
    said = refused.value.message + json.dumps(refused.value.details)
    for secret in ("kominfo.ani", company(1)["npwp"], "Sriwijaya", "register_partner"):
        assert secret not in said


def test_another_caller_with_another_payload_is_told_both_differ(partners):
    register(partners, 1, who=ADMIN)
    with pytest.raises(Conflict) as refused:
        register(partners, 2, who=OTHER_ADMIN)
    assert refused.value.details["differs"] == ["caller", "payload"]


def test_another_method_under_the_same_id_is_a_conflict(partners):
    register(partners, 1)
    with pytest.raises(Conflict) as refused:
        partners.set_requirement_policy(2026, POLICY_2026, actor=ADMIN, command_id="reg-001")
    assert refused.value.code == "command_id_reused"
    assert refused.value.details["differs"] == ["method", "payload"]
    assert refused.value.details["used_for"] == "register_partner"


def test_the_record_keeps_a_keyed_digest_of_the_payload_not_a_plain_hash(partners):
    register(partners, 1)
    record = partners.repository.get(CommandRecord.create_id("reg-001"))
    assert (record.method, record.caller) == ("register_partner", "kominfo.ani")
    canonical = json.dumps({"args": [json.loads(json.dumps(loaded(company(1)), default=str))],
                            "kwargs": {}}, sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)
    assert record.payload_hash == keyed_digest(partners.settings.digest_key, canonical)
    assert record.payload_hash != hashlib.sha256(canonical.encode()).hexdigest()
    assert company(1)["npwp"] not in json.dumps(record.__dict__, default=str)


def test_a_record_from_before_the_binding_is_compared_by_method_only(partners):
    # Records written before callers and payloads were bound carry neither.
    with acting_as(ADMIN):
        partners.save(CommandRecord(command_id="old-7", method="register_partner",
                                    answer={"partner_id": "earlier", "status": "registered"}))
    assert register(partners, 3, who=OTHER_ADMIN, command_id="old-7") == {
        "partner_id": "earlier", "status": "registered"}
    with pytest.raises(Conflict) as refused:
        partners.set_requirement_policy(2026, POLICY_2026, actor=ADMIN, command_id="old-7")
    assert refused.value.details["differs"] == ["method"]
