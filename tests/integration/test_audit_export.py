"""An auditor exports a running regency's history with the CLI (`seklik audit export`, a token
with role `auditor`) and checks it with tools/verify_export.py run apart from SEKLIK: the
export verifies; one doctored line does not."""
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.scenarios import eventually, open_year, tiered_partner
from tests.integration.test_audit import seklik
from tests.integration.test_contracts_rpc import setup_money, sign

pytestmark = pytest.mark.integration

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_export.py"
SERVICES = ("partners", "assessment", "contracts", "accounts")
PASSWORD = "Inspektorat-OKI-2026"
FAST = {"SEKLIK_CHECKPOINT_EVERY": "5", "SEKLIK_CHECKPOINT_SECONDS": "0.5"}


def standalone(folder: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """The verifier copied out of the repository and run isolated (-I): no SEKLIK on its path."""
    copy = tmp_path / "auditor" / "verify_export.py"
    copy.parent.mkdir(exist_ok=True)
    copy.write_bytes(VERIFIER.read_bytes())
    return subprocess.run([sys.executable, "-I", str(copy), str(folder)], capture_output=True,
                          text=True, timeout=120, cwd=copy.parent)


def test_an_export_of_a_running_regency_verifies_apart_and_a_doctored_line_does_not(
        cluster, tmp_path):
    for service in SERVICES:
        cluster.start(service, **FAST)
    with cluster.rpc("admin", sub="kominfo.ani") as admin, \
            cluster.rpc("verifier") as verifier, cluster.rpc("assessor") as assessor, \
            cluster.rpc("finance") as finance:
        open_year(admin)
        pid = tiered_partner(admin, verifier, assessor, 1, "B")
        setup_money(finance, 100_000_000)
        cid = sign(finance, pid, "001/SPK/KOMINFO/2026", 20_000_000)
        admin.accounts.open_account(email="ppk.dedi@okikab.go.id", password=PASSWORD,
                                    name="Dedi", roles=["finance"])
        assert eventually(lambda: finance.contracts.get_contract(cid))
    out = tmp_path / "export"
    exported = seklik(cluster, "audit", "export", "--out", str(out))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert list(manifest["services"]) == sorted(SERVICES)
    assert all(manifest["services"][s]["events"] > 0 for s in SERVICES)
    assert "verify_export.py" in exported.stdout

    verified = standalone(out, tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.splitlines()[-1] == "OK"
    for service in SERVICES:
        assert f"ok     {service}:" in verified.stdout

    # An insider changes the contract's ceiling in the export, and makes the manifest agree.
    path = out / "contracts.events.jsonl"
    lines = path.read_text().splitlines()
    i = next(i for i, line in enumerate(lines) if '"type":"ContractSigned"' in line)
    env = json.loads(lines[i])
    env["payload"]["ceiling"] = 50_000_000
    lines[i] = json.dumps(env, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n")
    for item in manifest["files"]:
        data = (out / item["name"]).read_bytes()
        item.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
    (out / "manifest.json").write_text(json.dumps(manifest))
    doctored = standalone(out, tmp_path)
    assert doctored.returncode == 1, doctored.stdout
    assert (f"BROKEN contracts.events.jsonl line {i + 1}, notification "
            f"{env['notification_id']}" in doctored.stdout)
    assert "the event was changed" in doctored.stdout
