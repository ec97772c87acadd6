"""The README's walk-through for a SIPD integrator ("From SIPD with curl"), run as written.

Its marked shell blocks run with bash against the gateway and the services started here, after
this test has prepared through RPC what the reader is told already exists: a tiered partner, a
contract, and an order whose proof was accepted. Only the variables the README tells the reader
to set are given. A command that fails or answers an error fails the test; the error example
must answer the problem document it shows.
"""
import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
import uuid

import pytest

from seklik.cluster import ROOT
from shared.config import Settings
from tests.integration.cluster import Cluster
from tests.integration.scenarios import eventually, open_year, tiered_partner
from tests.support import AMQP_URI, company, free_port, sha

pytestmark = pytest.mark.integration

SERVICES = ("partners", "assessment", "contracts", "projector", "reporting", "gateway")
HEADING = "### From SIPD with curl"
ACTIVITY = "2.16.01.2.06.0001"  # the activity code the README's budget names
TODAY = Settings.from_env().today()


def walkthrough_text(heading: str = HEADING) -> str:
    """The README's subsection `heading`, up to the next heading."""
    text = (ROOT / "README.md").read_text()
    assert text.count(heading) == 1, f"README.md has no one {heading!r}"
    return re.split(r"^##+ ", text.split(heading, 1)[1], maxsplit=1, flags=re.M)[0]


def readme_block(info: str, heading: str = HEADING) -> str:
    """The body of the subsection's one fenced block with this info string."""
    blocks = re.findall(rf"^```{re.escape(info)}\n(.*?)^```$", walkthrough_text(heading),
                        re.M | re.S)
    assert len(blocks) == 1, f"{heading!r} has {len(blocks)} blocks marked ```{info}"
    return blocks[0]


def documented_variables() -> set:
    """What the README tells the reader to set (the `export NAME=...` block)."""
    return set(re.findall(r"\b([A-Z_]+)=", readme_block("sh")))


def answers(stdout: str) -> list:
    """The JSON documents curl printed one after the other."""
    decoder, found, text = json.JSONDecoder(), [], stdout.strip()
    while text:
        value, end = decoder.raw_decode(text)
        found.append(value)
        text = text[end:].strip()
    return found


@pytest.fixture(scope="module")
def gateway(rabbit, postgres, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("readme")
    port = free_port()
    cluster = Cluster({**postgres, "POSTGRES_SCHEMA_PREFIX": f"rd_{uuid.uuid4().hex[:8]}_",
                       "AMQP_URI": AMQP_URI, "SEKLIK_DATA_DIR": str(workdir / "data"),
                       "SEKLIK_CATCHUP_INTERVAL": "1", "SEKLIK_RELAY_INTERVAL": "0.2",
                       "SEKLIK_HTTP_PORT": str(port)}, workdir)
    try:
        for service in SERVICES:
            cluster.start(service)
        yield cluster, f"http://127.0.0.1:{port}"
    finally:
        cluster.stop()


def order_with_accepted_proof(cluster, year: int) -> str:
    """What the PPK did before the SP2D: a tier B paper contracted, one advertorial ordered,
    published and accepted (the budget is the first DPA's, which the README revises)."""
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier, \
            cluster.rpc("assessor") as assessor, cluster.rpc("finance") as finance:
        open_year(admin, year)
        finance.contracts.publish_price_standard(year, f"{year}-01-01", [
            {"media_type": "online", "tier": "B", "product": "advertorial", "unit": "item",
             "unit_price": 2_000_000}])
        finance.contracts.set_budget(year, ACTIVITY, "Publikasi media", 100_000_000)
        finance.contracts.set_tier_ceiling(year, "B", 60_000_000)
        pid = tiered_partner(admin, verifier, assessor, 1, "B", year=year)
        contract = {"number": f"001/SPK/{year}", "fiscal_year": year, "partner_id": pid,
                    "activity_code": ACTIVITY, "ceiling": 50_000_000,
                    "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"}
        contract_id = eventually(lambda: finance.contracts.sign_contract(contract))[
            "contract_id"]
        order_id = finance.contracts.place_order(contract_id, {
            "product": "advertorial", "quantity": 1, "title": "Siaran pers APBD",
            "publish_by": (TODAY + dt.timedelta(days=3)).isoformat()})["order_id"]
        finance.contracts.submit_proof(order_id, {
            "kind": "link", "reference": "https://sumselnews1.id/apbd", "sha256": sha("apbd"),
            "published_on": TODAY.isoformat(), "reach": {"page_views": 1200}})
        finance.contracts.review_proof(order_id, "accepted", "BAST")
    return order_id


def bash(script: str, variables: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, text=True,
                          capture_output=True, timeout=120,
                          env={**variables, "PATH": f"{ROOT / '.venv/bin'}:/usr/bin:/bin",
                               "SEKLIK_ENV": "development"})


def test_a_sipd_integrator_follows_the_readme_with_curl(gateway):
    for tool in ("curl", "jq"):
        assert shutil.which(tool), f"the README's walk-through needs {tool}: install it"
    cluster, url = gateway
    year = TODAY.year
    variables = {"SEKLIK_URL": url, "FISCAL_YEAR": str(year),
                 "ORDER_ID": order_with_accepted_proof(cluster, year)}
    assert documented_variables() == set(variables)
    walkthrough = readme_block("sh seklik-sipd")

    done = bash(walkthrough, variables)
    assert done.returncode == 0, done.stdout + done.stderr
    budget, payment, realisation, first, second = answers(done.stdout)
    assert (budget["activity_code"], budget["pagu"]) == (ACTIVITY, 500_000_000)
    assert payment["realised"] == payment["dpp"] + payment["ppn"] > 0
    assert [row["activity_code"] for row in realisation["items"]] == [ACTIVITY]
    assert [e["notification_id"] for e in first["items"] + second["items"]] == [1, 2, 3, 4]

    # Again with the error example: the payment under its Idempotency-Key answers as the
    # first time, and the same order paid under another key is the problem the README shows.
    again = bash(walkthrough + readme_block("sh seklik-sipd-error"), variables)
    assert again.returncode == 22, again.stdout + again.stderr  # curl --fail-with-body
    *walked, problem = answers(again.stdout)
    assert walked[1] == payment
    assert (problem["status"], problem["code"]) == (409, "already_paid")
    assert problem["type"] == "urn:seklik:problem:already_paid"
    print(done.stdout, again.stdout, sep="\n")


def test_a_company_files_a_scan_and_the_verifier_opens_it_as_the_readme_shows(gateway):
    cluster, url = gateway
    with cluster.rpc("admin") as admin:
        partner_id = admin.partners.register_partner(company(41))["partner_id"]
    done = bash(readme_block("sh seklik-files", "### Files with curl"),
                {"SEKLIK_URL": url, "PARTNER_ID": partner_id})
    assert done.returncode == 0, done.stdout + done.stderr
    filed, downloaded = done.stdout.strip().split("\n")
    scan = (ROOT / "tests" / "files" / "npwp-scan.pdf").read_bytes()
    assert json.loads(filed)["sha256"] == hashlib.sha256(scan).hexdigest()
    assert downloaded.split()[0] == hashlib.sha256(scan).hexdigest()
