"""NPWP, NIK and bank account numbers never stand in plain text at rest when CIPHER_KEY is set:
not in the event stores, not in the views, not in the logs (a database dump is grepped)."""
import subprocess

import pytest
from eventsourcing.cryptography import AESCipher

from tests.integration.scenarios import eventually
from tests.support import chief_editor, company

pytestmark = pytest.mark.integration
NPWP, ACCOUNT, NIK = "091234567890123", "7771234567", "3171123456789012"


def register_with_personal_data(cluster) -> str:
    for service in ("partners", "assessment", "contracts", "projector", "reporting"):
        cluster.start(service)
    with cluster.rpc("admin") as admin:
        pid = admin.partners.register_partner(company(1, npwp=NPWP, bank_account={
            "bank": "Bank Sumsel Babel", "number": ACCOUNT,
            "holder": "PT Sriwijaya Media Utama 1"}))["partner_id"]
        admin.partners.add_journalist(pid, {**chief_editor(1), "nik": NIK})
        admin.partners.remove_journalist(pid, NIK, "moved away")
        admin.partners.add_journalist(pid, {**chief_editor(1), "nik": NIK})
        assert admin.partners.get_partner(pid)["npwp"] == NPWP  # admin needs the number
        assert eventually(lambda: all(r["lag"] == 0 for r in
                                      admin.reporting.projection_status()), timeout=60)
        assert eventually(lambda: len(admin.reporting.partner_registry()) == 1)
    with cluster.rpc("assessor") as assessor:
        file = assessor.partners.get_partner(pid)
        assert file["npwp"] == "•" * 11 + NPWP[-4:]
        assert file["bank_account"]["number"] == "••••••" + ACCOUNT[-4:]
        assert file["journalists"][0]["nik"] == "•" * 12 + NIK[-4:]
    with cluster.rpc("system") as other_system:
        payloads = [row["payload"] for row in other_system.reporting.audit_trail(pid)]
        assert NPWP not in str(payloads) and "npwp" in str(payloads)
    return pid


def dump(cluster) -> str:
    env = cluster.env
    return subprocess.run(
        ["pg_dump", "-h", env["POSTGRES_HOST"], "-p", env["POSTGRES_PORT"], "-U",
         env["POSTGRES_USER"], "--schema", f"{env['POSTGRES_SCHEMA_PREFIX']}*",
         env["POSTGRES_DBNAME"]], capture_output=True, text=True, check=True).stdout


def logs(cluster) -> str:
    return "".join(p.log_path.read_text(errors="replace") for p in cluster.processes)


def test_a_dump_of_a_deployment_with_a_cipher_key_holds_no_npwp_nik_or_account(cluster):
    cluster.env.update(CIPHER_KEY=AESCipher.create_key(32))
    pid = register_with_personal_data(cluster)
    with cluster.rpc("admin") as admin:  # a refused duplicate: its error reaches the logs
        with pytest.raises(Exception):
            admin.partners.register_partner(company(2, npwp=NPWP))
    text = dump(cluster)
    assert pid in text and "Sriwijaya Media Utama 1" in text  # the dump has the deployment
    for value in (NPWP, ACCOUNT, NIK):
        assert value not in text
        assert value not in logs(cluster)


def test_without_a_cipher_key_the_same_dump_shows_them(cluster):
    register_with_personal_data(cluster)
    text = dump(cluster)
    assert NPWP in text and ACCOUNT in text and NIK in text  # what the test above greps for
