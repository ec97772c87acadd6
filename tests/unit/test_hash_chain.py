"""Every event is attributable and chained: what an auditor recomputes from envelopes alone."""
import copy
import dataclasses

import pytest

from services.partners.application import PartnersApplication
from services.partners.domain import Partner
from shared.domain import GENESIS, AnonymousChange, acting_as, verify_chain
from tests.support import actor, company, loaded
from tests.world import clock, world  # noqa: F401  (fixtures)


@pytest.fixture
def partners(sqlite_settings):
    return PartnersApplication(sqlite_settings)


def register(app, n=1, who="ani"):
    return app.register_partner(loaded(company(n)), actor=actor("admin", sub=who))["partner_id"]


def test_an_event_without_an_actor_is_refused():
    with pytest.raises(AnonymousChange):
        Partner.register(today=__import__("datetime").date(2026, 1, 1), **loaded(company()))


def test_every_event_names_who_caused_it_and_links_to_the_one_before(partners):
    register(partners, 1, who="ani")
    register(partners, 2, who="budi")
    envelopes = partners.notifications(0, 100)
    assert [e["actor"]["sub"] for e in envelopes] == ["ani", "ani", "budi", "budi"]
    assert all(e["prev_hash"] == GENESIS for e in envelopes)  # each is its aggregate's first
    assert verify_chain(envelopes) == []


def test_a_later_event_carries_the_hash_of_the_earlier_one(partners):
    # (the application gives the domain its key: the NPWP in the event is committed with it)
    with acting_as(actor("admin")):
        partner = Partner.register(today=__import__("datetime").date(2026, 1, 1),
                                   **loaded(company()))
    first = partner.pending_events[0]
    assert partner.chain_head == first.hash
    assert first.prev_hash == GENESIS and len(first.hash) == 64


def test_a_changed_payload_is_caught_at_its_version(partners):
    register(partners)
    envelopes = copy.deepcopy(partners.notifications(0, 100))
    envelopes[0]["payload"]["legal_name"] = "PT Lain Sama Sekali"
    findings = verify_chain(envelopes)
    assert findings and findings[0]["originator_id"] == envelopes[0]["originator_id"]
    assert findings[0]["originator_version"] == 1
    assert "changed" in findings[0]["problem"]


def test_a_changed_actor_is_caught(partners):
    register(partners)
    envelopes = copy.deepcopy(partners.notifications(0, 100))
    envelopes[0]["actor"]["sub"] = "someone-else"
    assert verify_chain(envelopes)


def test_a_missing_first_event_is_caught(partners):
    register(partners)
    envelopes = partners.notifications(0, 100)
    fake_second = dict(envelopes[0], originator_version=2, prev_hash="f" * 64)
    assert any("follows" in f["problem"] for f in verify_chain([fake_second]))


def test_the_digest_moves_with_the_log_and_is_recorded(sqlite_settings):
    # a digest is signed with the service's key: the development one here
    partners = PartnersApplication(dataclasses.replace(sqlite_settings, env="development"))
    empty = partners.digest()
    assert empty["last_notification_id"] == 0 and empty["root_hash"] == GENESIS
    register(partners)
    first = partners.digest()
    assert first["last_notification_id"] == 2 and first["root_hash"] != GENESIS
    assert partners.digest()["root_hash"] == first["root_hash"]  # nothing new, same head
    register(partners, 2)
    assert partners.digest()["root_hash"] != first["root_hash"]


def test_the_hash_commits_a_personal_number_by_its_digest_not_in_clear(partners):
    """The chain hash of a registration is the same whether the NPWP is plain (as the domain
    saw it) or sealed (as the envelope carries it), and differs for another NPWP."""
    from shared.domain import chain_hash
    from shared.personal import keyed_digest

    register(partners)
    env = partners.notifications(0, 100)[0]
    assert company(1)["npwp"] not in str(env["payload"])  # sealed (a digest at least)
    fields = {k: env[k] for k in ("originator_id", "originator_version", "type",
                                  "schema_version", "timestamp", "actor", "prev_hash")}
    plain = {**env["payload"], "npwp": company(1)["npwp"],
             "bank_account": company(1)["bank_account"]}
    assert chain_hash(payload=plain, **fields) == env["hash"]
    assert chain_hash(payload={**plain, "npwp": "000000000000009"}, **fields) != env["hash"]
    digest = keyed_digest(partners.settings.digest_key, "npwp:" + company(1)["npwp"])
    assert env["payload"]["npwp"]["digest"] == digest


def test_every_services_events_verify_from_their_envelopes_alone(world, monkeypatch):
    """A season in every service (a partner registered, assessed and tiered; a contract, an
    order placed, proven, paid and one cancelled; the views projected): an auditor holding no
    key recomputes every hash of every service from its envelopes."""
    import datetime as dt

    from shared import personal
    from shared.domain import chain_hash, hashed_fields
    from tests.world import FINANCE, YEAR, accepted, contract, order, paid, tiered_partner

    pid = tiered_partner(world, 1, "B")
    cid = contract(world, pid)
    settled = order(world, cid)["order_id"]
    world.contracts.cancel_order(order(world, cid)["order_id"], "agenda moved", actor=FINANCE)
    accepted(world, settled)
    paid(world, settled, "00123/SP2D/LS/2026", dt.date(YEAR, 4, 2))
    world.project()
    apps = (world.partners, world.assessment, world.contracts, world.reporting)
    logs = {app.name: app.notifications(0, 1000) for app in apps}
    types = {e["type"] for log in logs.values() for e in log}
    assert {"PartnerRegistered", "JournalistAdded", "AssessmentFinalized", "ContractSigned",
            "OrderPlaced", "ProofReviewed", "OrderCancelled", "PaymentRecorded",
            "Sp2dClaimed", "BudgetPaid"} <= types
    monkeypatch.setattr(personal, "_commitment_key", None)  # the auditor's machine
    for name, log in logs.items():
        if name != "reporting":  # reporting keeps views, it may record no events of its own
            assert log, f"{name} recorded nothing"
        assert verify_chain(log) == [], name
        for env in log:
            # recorded by this release: each under its class's version, nothing to upcast
            # (PaymentRecorded is version 2 since issue 17; the rest are at 1)
            expected = 2 if env["type"] == "PaymentRecorded" else 1
            assert env["schema_version"] == expected and "recorded" not in env
            schema_version, payload = hashed_fields(env)
            assert chain_hash(originator_id=env["originator_id"],
                              originator_version=env["originator_version"], type=env["type"],
                              schema_version=schema_version, timestamp=env["timestamp"],
                              actor=env["actor"], payload=payload,
                              prev_hash=env["prev_hash"]) == env["hash"]
