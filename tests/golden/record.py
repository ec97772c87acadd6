"""Record a golden history (issue 17): `python -m tests.golden.record tests/golden/<name>`.

Runs the system as `make run` does (every service its own process, SQLite stores, the well-known
development keys), the demo's whole round, then a year-end with corrections through RPC: a
payment whose SP2D came back paid again under a new one, a contract raised by an addendum and
another terminated, a company's bank account changed and approved, the month's PPh 23
deposited. Then it keeps, in the folder: each event-sourced service's store (gzipped SQLite,
as the code of this release wrote it), every service's signed digest, and the figures the views
showed (figures.json, `golden_figures`). A golden history is added, never replaced: the suite
loads every one with the code of its day (tests/unit/test_golden_history.py).

Needs RabbitMQ (AMQP_URI, default the local one).
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STORES = ("partners", "assessment", "contracts", "accounts")
AS_OF_NOTE = "views are asked as of the recording day, so that time passing changes nothing"


def golden_figures(reporting, year: int, as_of: str) -> dict:
    """A dozen figures of the year, as the reporting views give them `as_of` a day: what a
    golden history must still show, to the rupiah, under every later release's code."""
    budget = reporting.budget_realization(fiscal_year=year, as_of=as_of)
    ledger = reporting.payment_ledger(fiscal_year=year, as_of=as_of)
    taxes = reporting.tax_summary(fiscal_year=year, as_of=as_of)
    spending = reporting.spending(fiscal_year=year, by="tier", as_of=as_of)
    registry = reporting.partner_registry(fiscal_year=year, as_of=as_of)
    outcomes = reporting.outcomes(fiscal_year=year, as_of=as_of)
    month = int(as_of[5:7])
    pph23 = reporting.pph23_register(fiscal_year=year, month=month, as_of=as_of)
    tiers: dict[str, int] = {}
    for row in registry:
        tiers[str(row["tier"])] = tiers.get(str(row["tier"]), 0) + 1
    return {
        "budget": {r["activity_code"]: [r["pagu"], r["committed"], r["paid"]] for r in budget},
        "payments": sum(r["entry"] == "payment" for r in ledger),
        "reversals": sum(r["entry"] == "reversal" for r in ledger),
        "paid_to_partners": sum(r["paid_to_partner"] for r in ledger),
        "realised": sum(r["realised"] for r in ledger),
        "pph23_withheld": sum(r["pph23"] for r in taxes),
        "ppn": sum(r["ppn"] for r in taxes),
        "gini": spending["gini"], "top10_share": spending["top10_share"],
        "tiers": dict(sorted(tiers.items())),
        "statuses": sorted({r["status"] for r in registry}),
        "pickups": sum(r["pickups"] for r in outcomes),
        "releases_received": sum(r["releases"] for r in outcomes),
        "pph23_register": [pph23["totals"]["pph23"], pph23["deposited"],
                           pph23["difference"]],
    }


def record(out: Path) -> None:
    from seklik import demo
    from seklik.cli import rpc_proxy
    from shared.config import Settings
    from tests.support import free_port

    work = Path(tempfile.mkdtemp(prefix="golden-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTGRES_")}
    env.update(SEKLIK_ENV="development", SEKLIK_DATA_DIR=str(work / "data"),
               SEKLIK_FILES_DIR=str(work / "files"), PYTHONWARNINGS="ignore",
               SEKLIK_CATCHUP_INTERVAL="1", SEKLIK_HTTP_PORT=str(free_port()),
               AMQP_URI=os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672//"))
    up = subprocess.Popen([sys.executable, "-m", "seklik.cli", "up", "--demo", "--logs",
                           str(work / "logs")], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          text=True, start_new_session=True)
    try:
        for line in up.stdout:  # the demo's last table: the portal's accounts
            print(line, end="")
            if line.startswith("media ") and demo.DEMO_PASSWORD in line:
                break
        settings = Settings.from_env(env)
        with rpc_proxy(settings, "finance", sub="ppk.golden") as finance, \
                rpc_proxy(settings, "admin", sub="kominfo.golden") as admin, \
                rpc_proxy(settings, "verifier", sub="verifikasi.golden") as verifier, \
                rpc_proxy(settings, "auditor", sub="inspektorat.golden") as auditor:
            year_end(finance, admin, verifier, auditor, settings.today())
            wait_for_views(auditor)
            today = settings.today().isoformat()
            figures = golden_figures(auditor.reporting, demo.YEAR, today)
            digests = {s: getattr(auditor, s).digest() for s in STORES}
    finally:
        os.killpg(up.pid, signal.SIGTERM)
        up.wait(timeout=60)
    out.mkdir(parents=True, exist_ok=False)
    for store in STORES:
        with open(work / "data" / f"{store}.sqlite", "rb") as raw, \
                gzip.open(out / f"{store}.sqlite.gz", "wb", compresslevel=9) as packed:
            shutil.copyfileobj(raw, packed)
    (out / "digests.json").write_text(json.dumps({"services": digests}, indent=1,
                                                 sort_keys=True) + "\n")
    (out / "figures.json").write_text(json.dumps({
        "fiscal_year": demo.YEAR, "as_of": today, "note": AS_OF_NOTE,
        "recorded_by": git_head(), "figures": figures}, indent=1, sort_keys=True) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    print(f"golden history kept in {out}")


def year_end(finance, admin, verifier, auditor, today: dt.date) -> None:
    """The corrections of a year's end, each a kind the views and the chain must carry."""
    from seklik import demo

    year = demo.YEAR
    paid = finance.contracts.list_orders(fiscal_year=year, status="paid")
    back = paid[0]
    finance.contracts.reverse_payment(back["order_id"], back["payment"]["sp2d_number"],
                                      "SP2D dikembalikan bank: rekening tujuan ditutup",
                                      command_id="golden-reversal")
    finance.contracts.record_payment(back["order_id"], {
        "sp2d_number": f"900/SP2D-LS/{year}", "paid_on": today.isoformat()},
        command_id="golden-repayment")
    contracts = finance.contracts.list_contracts(fiscal_year=year)
    finance.contracts.amend_contract(contracts[0]["contract_id"], {
        "ceiling": contracts[0]["ceiling"] + 1_000_000}, "Adendum 1: tambah satu advertorial",
        command_id="golden-addendum")
    finance.contracts.terminate_contract(contracts[-1]["contract_id"],
                                         "Mitra berhenti terbit", command_id="golden-end")
    partner = admin.partners.get_partner(back["partner_id"])
    change = admin.partners.request_identity_change(back["partner_id"], {"bank_account": {
        "bank": "Bank Sumsel Babel", "number": "1402009999",
        "holder": partner["legal_name"]}}, "Rekening lama ditutup", command_id="golden-bank")
    verifier.partners.decide_identity_change(back["partner_id"], change["change_id"], True,
                                             "Surat bank diperiksa", command_id="golden-bank-ok")
    wait_for_views(auditor)  # the deposit is what the register says was withheld
    month = today.strftime("%Y-%m")
    withheld = finance.reporting.pph23_register(fiscal_year=year, month=today.month)
    finance.contracts.record_tax_deposit("pph23", month, "GOLDEN0000000001",
                                         withheld["totals"]["pph23"], today.isoformat(),
                                         command_id="golden-pph23")


def wait_for_views(caller, timeout: float = 60) -> None:
    """Until the projector has applied every event: the last ones a moment on their way."""
    time.sleep(3)
    deadline = time.monotonic() + timeout
    while any(row["lag"] for row in caller.reporting.projection_status()):
        assert time.monotonic() < deadline, "the projector did not catch up"
        time.sleep(0.5)


def git_head() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    record(Path(sys.argv[1]))
