"""The monthly tax registers through RPC (issue 13, item 10): finance records the month's
deposits with their NTPN in contracts; reporting lists PPh 23 withheld and PPN collected per
payment, totals equal to the payments' to the rupiah, and the NPWP masked per role."""
import datetime as dt
import json
import subprocess
import sys

import pytest

from shared.config import Settings
from shared.errors import Conflict, Forbidden, RuleViolated, ValidationFailed
from shared.personal import mask
from tests.integration.scenarios import eventually, open_year, tiered_partner
from tests.support import sha, token

pytestmark = pytest.mark.integration
TODAY = Settings.from_env().today()  # the regency's date, as the services judge
YEAR, MONTH = TODAY.year, TODAY.month
PERIOD = f"{YEAR}-{MONTH:02d}"
ACTIVITY = "2.16.01.2.06.0001"


def caught_up(rpc):
    return all(row["lag"] == 0 for row in rpc.reporting.projection_status())


def paid_order(cluster, finance, pid, number, n):
    """A contract, one order proven, accepted and paid today; the payment's answer."""
    contract = {"number": number, "fiscal_year": YEAR, "partner_id": pid,
                "activity_code": ACTIVITY, "ceiling": 10_000_000,
                "starts_on": f"{YEAR}-01-01", "ends_on": f"{YEAR}-12-31"}
    cid = eventually(lambda: finance.contracts.sign_contract(contract))["contract_id"]
    placed = finance.contracts.place_order(cid, {
        "product": "advertorial", "quantity": 1, "title": f"Siaran pers {n}",
        "publish_by": (TODAY + dt.timedelta(days=3)).isoformat()})
    finance.contracts.submit_proof(placed["order_id"], {
        "kind": "link", "reference": f"https://x.id/{n}", "sha256": sha(str(n)),
        "published_on": TODAY.isoformat()})
    finance.contracts.review_proof(placed["order_id"], "accepted", "BAST")
    return finance.contracts.record_payment(placed["order_id"], {
        "sp2d_number": f"{n:05d}/SP2D/LS/{YEAR}", "paid_on": TODAY.isoformat()})


def test_a_months_registers_with_their_deposits_through_rpc(cluster):
    for service in ("partners", "assessment", "contracts", "projector", "reporting"):
        cluster.start(service)
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier, \
            cluster.rpc("assessor") as assessor, cluster.rpc("finance") as finance, \
            cluster.rpc("system") as system:
        open_year(admin, YEAR)
        finance.contracts.publish_price_standard(YEAR, f"{YEAR}-01-01", [
            {"media_type": "online", "tier": t, "product": "advertorial", "unit": "item",
             "unit_price": p} for t, p in (("A", 2_500_000), ("B", 2_000_000),
                                           ("C", 1_500_000))])
        finance.contracts.set_budget(YEAR, ACTIVITY, "Publikasi media", 100_000_000)
        for tier in "ABC":
            finance.contracts.set_tier_ceiling(YEAR, tier, 60_000_000)
        above = tiered_partner(admin, verifier, assessor, 1, "A", year=YEAR, pkp=True)
        at = tiered_partner(admin, verifier, assessor, 2, "B", year=YEAR, pkp=True)
        plain = tiered_partner(admin, verifier, assessor, 3, "C", year=YEAR, pkp=False)
        paid = [paid_order(cluster, finance, above, f"001/SPK/{YEAR}", 1),
                paid_order(cluster, finance, at, f"002/SPK/{YEAR}", 2),
                paid_order(cluster, finance, plain, f"003/SPK/{YEAR}", 3)]
        # PKP above: PPN 275,000 collected; at Rp2,000,000: 220,000 not; non-PKP: none
        assert [p["ppn_collected"] for p in paid] == [275_000, 0, 0]
        deposit = finance.contracts.record_tax_deposit("pph23", PERIOD, "0a1b2c3d4e5f6789",
                                                       120_000, TODAY.isoformat())
        assert deposit["ntpn"] == "0A1B2C3D4E5F6789"
        finance.contracts.record_tax_deposit("ppn", PERIOD, "1111222233334444", 270_000,
                                             TODAY.isoformat())

        # one NTPN is one deposit, however it is typed
        with pytest.raises(Conflict) as again:
            finance.contracts.record_tax_deposit("ppn", PERIOD, "0A1B2C3D4E5F6789", 5,
                                                 TODAY.isoformat())
        assert again.value.code == "ntpn_already_recorded"
        # bad input: typed errors naming the field, nothing recorded
        for bad, field in ((dict(ntpn="0A1B2C3D4E5F678"), "ntpn"),
                           (dict(ntpn="0A1B2C3D4E5F678!"), "ntpn"),
                           (dict(kind="pph21"), "kind"), (dict(period=f"{YEAR}-13"), "period"),
                           (dict(amount=1.5), "amount"), (dict(paid_on="kemarin"), "paid_on")):
            arguments = {"kind": "ppn", "period": PERIOD, "ntpn": "5555666677778888",
                         "amount": 1, "paid_on": TODAY.isoformat(), **bad}
            with pytest.raises(ValidationFailed) as refused:
                finance.contracts.record_tax_deposit(**arguments)
            assert field in refused.value.details["fields"], bad
        with pytest.raises(RuleViolated) as future:
            finance.contracts.record_tax_deposit("ppn", PERIOD, "5555666677778888", 1,
                                                 (TODAY + dt.timedelta(days=1)).isoformat())
        assert future.value.code == "paid_in_future"
        with pytest.raises(Forbidden):
            system.contracts.record_tax_deposit("ppn", PERIOD, "5555666677778888", 1,
                                                TODAY.isoformat())
        for method, arguments, field in (
                ("pph23_register", dict(fiscal_year=YEAR, month=13), "month"),
                ("ppn_register", dict(fiscal_year=YEAR, month="1"), "month"),
                ("ppn_register", dict(fiscal_year="2026", month=1), "fiscal_year")):
            with pytest.raises(ValidationFailed) as refused:
                getattr(finance.reporting, method)(**arguments)
            assert field in refused.value.details["fields"]

        assert eventually(lambda: caught_up(admin), timeout=60)
        pph23 = finance.reporting.pph23_register(YEAR, MONTH)
        assert pph23["totals"] == {"payments": 3, "dpp": 6_000_000,
                                   "pph23": sum(p["pph23"] for p in paid)} and \
            pph23["totals"]["pph23"] == 120_000
        assert (pph23["deposited"], pph23["difference"]) == (120_000, 0)
        assert [d["ntpn"] for d in pph23["deposits"]] == ["0A1B2C3D4E5F6789"]
        ppn = finance.reporting.ppn_register(YEAR, MONTH)
        assert ppn["totals"] == {"payments": 1, "dpp": 2_500_000, "ppn_collected": 275_000}
        assert [r["ppn"] for r in ppn["not_collected"]] == [220_000]
        assert (ppn["deposited"], ppn["difference"]) == (270_000, -5_000)  # a shortfall

        # the NPWP as the partners service shows it to the caller: finance in clear, another
        # system masked
        npwp = finance.partners.get_partner(above)["npwp"]
        first = next(r for r in pph23["rows"] if r["partner_id"] == above)
        assert first["npwp"] == npwp and len(npwp) >= 15
        seen = next(r for r in system.reporting.pph23_register(YEAR, MONTH)["rows"]
                    if r["partner_id"] == above)
        assert seen["npwp"] == mask(npwp) == system.partners.get_partner(above)["npwp"]
        assert npwp not in json.dumps(system.reporting.ppn_register(YEAR, MONTH))

    env = {**cluster.env, "SEKLIK_TOKEN": token("auditor", sub="bpk.auditor")}
    out = subprocess.run([sys.executable, "-m", "seklik.cli", "report", "pph23", "--year",
                          str(YEAR), "--month", str(MONTH)], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "BP23/00001/SP2D/LS/" in out.stdout and "difference 0" in out.stdout
