"""NPWP, NIK, bank account and identity-document numbers exist outside the partners service's
encrypted store only sealed or masked (issue 11, finding 7).

A regency registers a company through the real services on PostgreSQL and RabbitMQ, with
numbers nobody else uses; the test then looks for each number in plain text where an insider,
a second system on the broker or a curious role would: a dump of the whole database, the
messages on `partners.events` and the broker's own disk, the services' logs, and every read as
every role. The company's legal name is found in each place: the scan reads what it claims to.
"""
import json
import re
import secrets
import subprocess
import uuid
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from eventsourcing.cryptography import AESCipher

from services.partners.domain import NIK_NAMESPACE, NPWP_NAMESPACE, NikClaim
from shared.config import Settings
from shared.personal import keyed_digest, mask
from tests.integration.scenarios import eventually
from tests.support import chief_editor, company, document

pytestmark = pytest.mark.integration


def digits(prefix: str, length: int) -> str:
    return prefix + "".join(secrets.choice("0123456789") for _ in range(length - len(prefix)))


# Distinctive numbers, new for each run: the broker's store files keep the bytes of messages
# consumed long ago, so a number used by an earlier run (or test) could be found there.
NPWP, ACCOUNT, NIK, CARD = digits("09", 15), digits("77", 10), digits("1601", 16), digits(
    "08", 15)
NUMBERS = {"NPWP": NPWP, "account": ACCOUNT, "NIK": NIK, "NPWP card": CARD}
LEGAL_NAME = "Sriwijaya Media Utama 1"
NEEDS_NUMBERS = ("admin", "verifier", "finance", "auditor")
MASKED_ROLES = ("assessor", "system")


def assert_no_number(where: str, text: str) -> None:
    found = [label for label, number in NUMBERS.items() if number in text]
    assert not found, f"{', '.join(found)} in clear in {where}"


def register_company(cluster) -> str:
    with cluster.rpc("admin") as admin:
        pid = admin.partners.register_partner(company(1, npwp=NPWP, bank_account={
            "bank": "Bank Sumsel Babel", "number": ACCOUNT, "holder": f"PT {LEGAL_NAME}"}),
            command_id="register-sriwijaya-1")["partner_id"]
        admin.partners.submit_document(pid, document("npwp", number=CARD))
        admin.partners.add_journalist(pid, {**chief_editor(1), "nik": NIK},
                                      command_id="add-chief-editor-1")
        admin.partners.remove_journalist(pid, NIK, "moved to Palembang")
        admin.partners.add_journalist(pid, {**chief_editor(1), "nik": NIK})
        with pytest.raises(Exception) as taken:  # a refused duplicate: errors reach logs
            admin.partners.register_partner(company(2, npwp=NPWP))
        assert getattr(taken.value, "code", None) == "npwp_taken"
        assert NPWP not in str(taken.value.args)
        # the feeds and the projector catch up: every copy outside partners is made
        assert eventually(lambda: all(r["lag"] == 0 for r in
                                      admin.reporting.projection_status()), timeout=60)
        assert eventually(lambda: any(e["type"] == "JournalistNoted" for e in
                                      admin.assessment.notifications(after=0, limit=1000)),
                          timeout=60)
        assert eventually(lambda: admin.contracts.notifications(after=0, limit=1000),
                          timeout=60)
    return pid


def pg_dump(cluster) -> str:
    env = cluster.env
    return subprocess.run(
        ["pg_dump", "-h", env["POSTGRES_HOST"], "-p", env["POSTGRES_PORT"], "-U",
         env["POSTGRES_USER"], env["POSTGRES_DBNAME"]],  # every schema of the database
        capture_output=True, text=True, check=True).stdout


def broker_disk(amqp_uri: str) -> dict[str, bytes]:
    """Every file of the vhost's message stores (queue indexes with their embedded messages,
    msg_store_persistent), by the queue it belongs to ("" for the shared stores)."""
    vhost = unquote(urlparse(amqp_uri).path[1:]) or "/"

    def ctl(expression: str) -> str:
        return subprocess.run(["rabbitmqctl", "eval", expression], capture_output=True,
                              text=True, check=True).stdout.strip().strip('"')

    # A persistent message routed to a durable queue is on disk (fsynced) before its
    # publisher confirm comes back, and the relay waits for every confirm.
    folder = Path(ctl(f'rabbit_vhost:msg_store_dir_path(<<"{vhost}">>).'))
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != ".queue_name":
            label = path.parent / ".queue_name"
            queue = label.read_text().split("QUEUE:")[-1].strip() if label.exists() else ""
            files[f"{queue}:{path.name}"] = files.get(f"{queue}:{path.name}", b"") + \
                path.read_bytes()
    return files


def test_personal_numbers_never_stand_in_clear_outside_the_partners_store(cluster,
                                                                          partners_tap):
    cluster.env.update(CIPHER_KEY=AESCipher.create_key(32))
    for service in ("partners", "assessment", "contracts", "projector", "reporting"):
        cluster.start(service)
    pid = register_company(cluster)

    # The broker's disk: the tap's durable queue holds every partners event, unconsumed.
    disk = broker_disk(cluster.amqp_uri)
    assert any(LEGAL_NAME.encode() in data and name.startswith(partners_tap.queue.name)
               for name, data in disk.items()), "the scan of the broker's disk found no event"
    # The RPC queues too: the admin's own register_partner call carries the NPWP, and
    # get_partner answers it, but SEKLIK's RPC messages are transient (shared/transport.py).
    found = [f"{label} in {name}" for name, data in disk.items()
             for label, number in NUMBERS.items() if number.encode() in data]
    assert not found, f"in clear on RabbitMQ's disk: {'; '.join(found)}"

    # The messages themselves, as any subscriber to partners.events receives them.
    messages = partners_tap.drain(until_type="JournalistAdded", timeout=20)
    text = json.dumps(messages)
    assert LEGAL_NAME in text
    assert_no_number("partners.events messages", text)
    registered = next(m for m in messages if m["type"] == "PartnerRegistered")
    assert set(registered["payload"]["npwp"]) == {"sealed", "digest"}

    # A dump of the whole database: every service's schema, views, audit trail, claims.
    dump = pg_dump(cluster)
    assert pid in dump and LEGAL_NAME in dump
    assert_no_number("pg_dump", dump)

    # Every read, as every role.
    for role in (*NEEDS_NUMBERS, *MASKED_ROLES):
        with cluster.rpc(role) as caller:
            file = caller.partners.get_partner(pid)
            seen = json.dumps(file, ensure_ascii=False)
            if role in NEEDS_NUMBERS:
                assert file["npwp"] == NPWP and file["bank_account"]["number"] == ACCOUNT
                assert file["journalists"][0]["nik"] == NIK
                assert file["documents"][0]["number"] == CARD
            else:
                assert_no_number(f"get_partner as {role}", seen)
                assert file["npwp"] == mask(NPWP) and file["journalists"][0]["nik"] == mask(NIK)
                assert file["bank_account"]["number"] == mask(ACCOUNT)
                assert file["documents"][0]["number"] == mask(CARD)
            reads = [caller.partners.list_partners(),
                     caller.reporting.partner_registry(), caller.reporting.outputs(2026),
                     caller.reporting.tier_history(pid)]
            if role in ("admin", "finance", "auditor", "system"):
                reads += [caller.reporting.payment_ledger(2026),
                          caller.reporting.spending(2026)]
            assert_no_number(f"lists and reports as {role}", json.dumps(reads))
            if role in ("admin", "auditor", "system"):  # every page sealed, for every role
                for source in ("partners", "assessment", "contracts", "reporting"):
                    page = getattr(caller, source).notifications(after=0, limit=1000)
                    assert_no_number(f"{source}.notifications as {role}", json.dumps(page))
            if role in ("auditor", "system"):
                trail = json.dumps(caller.reporting.audit_trail(pid), ensure_ascii=False)
                if role == "auditor":
                    assert NPWP in trail and ACCOUNT in trail and CARD in trail
                else:
                    assert_no_number("audit_trail as system", trail)
                    assert mask(NPWP) in trail and mask(CARD) in trail
    with cluster.rpc("media", partner_id=pid) as own:  # the company, for its own file
        assert own.partners.get_partner(pid)["npwp"] == NPWP
    with cluster.rpc("media", partner_id=str(uuid.uuid4())) as other:
        with pytest.raises(Exception) as refused:
            other.partners.get_partner(pid)
        assert getattr(refused.value, "code", None) == "not_own_file"

    # The services' logs (the refused duplicate, every worker's errors).
    logs = "".join(p.log_path.read_text(errors="replace") for p in cluster.processes)
    assert "Connected to amqp" in logs  # the logs were written and are read here
    assert_no_number("the services' logs", logs)

    # The brute force of issue 11: from the dump's claim ids, the NIK's neighbourhood with
    # uuid5 and the namespace in the source finds nothing; the keyed id is there.
    ids = set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", dump))
    base = int(NIK)
    hits = [n for n in (str(base + d) for d in range(-50000, 50001))
            if str(uuid.uuid5(NIK_NAMESPACE, n)) in ids]
    assert hits == []
    assert str(uuid.uuid5(NPWP_NAMESPACE, NPWP)) not in ids
    digest_key = Settings.from_env({"CIPHER_KEY": cluster.env["CIPHER_KEY"]}).digest_key
    assert str(NikClaim.create_id(keyed_digest(digest_key, f"nik:{NIK}"))) in ids
