"""Every golden history (issue 17) loads, replays and verifies under the code of today.

Each folder of tests/golden/ holds the stores a release wrote (the demo's round and a year-end
with corrections; tests/golden/record.py), the signed digests taken then and the figures the
views showed then. Ten years on, a payment of 2026 must still load, replay into the same
figures and verify against the digest kept that day: this test is that promise, for every
history kept. A new history is added next to the old ones, never replaces them.
"""
import gzip
import json
import shutil
import uuid
from pathlib import Path

import pytest

from seklik.audit import pages as every, verify_service
from services.accounts.application import AccountsApplication
from services.assessment.application import AssessmentApplication
from services.contracts.application import ContractsApplication
from services.partners.application import PartnersApplication
from services.reporting.application import ReportingApplication
from shared.auth import development_key
from shared.checkpoints import TrustedKeys
from shared.config import Settings
from tests.golden.record import STORES, golden_figures

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
HISTORIES = sorted(p for p in GOLDEN.iterdir() if (p / "digests.json").is_file())
APPS = {"partners": PartnersApplication, "assessment": AssessmentApplication,
        "contracts": ContractsApplication, "accounts": AccountsApplication}


def test_there_is_a_golden_history():
    assert HISTORIES, f"no golden history under {GOLDEN}"


@pytest.fixture(params=HISTORIES, ids=[p.name for p in HISTORIES], scope="module")
def history(request, tmp_path_factory):
    """The history's stores unpacked into a folder of their own, each opened by today's
    application class (development keys, as the history was recorded)."""
    folder = tmp_path_factory.mktemp(request.param.name)
    for store in STORES:
        with gzip.open(request.param / f"{store}.sqlite.gz", "rb") as packed, \
                open(folder / f"{store}.sqlite", "wb") as raw:
            shutil.copyfileobj(packed, raw)
    settings = Settings.from_env({"SEKLIK_ENV": "development",
                                  "SEKLIK_DATA_DIR": str(folder)})
    apps = {name: APPS[name](settings) for name in STORES}
    kept = json.loads((request.param / "digests.json").read_text())["services"]
    recorded = json.loads((request.param / "figures.json").read_text())
    return apps, kept, recorded, folder


@pytest.mark.parametrize("service", STORES)
def test_each_store_verifies_against_the_digest_kept_that_day(history, service):
    apps, kept, _, _ = history
    app = apps[service]
    trusted = TrustedKeys()
    trusted.add(service, development_key(service).public_key(), "development key")
    report = verify_service(service, every(app.notifications), every(app.checkpoints),
                            kept[service], signed=every(app.signed_checkpoints),
                            trusted=trusted, digests=[("golden", kept[service])])
    assert report["findings"] == []
    assert report["events"] >= kept[service]["last_notification_id"] > 0
    # every event decodes under today's classes (upcast where its class has moved on)
    assert not any(e.get("undecodable") for e in every(app.notifications))


def test_every_aggregate_loads_under_todays_code(history):
    apps, _, _, _ = history
    for name, app in apps.items():
        ids = {e["originator_id"] for e in every(app.notifications)}
        for originator_id in ids:
            assert app.repository.get(uuid.UUID(originator_id)).version >= 1


def test_the_views_replayed_show_the_figures_of_that_day(history):
    apps, _, recorded, folder = history
    views = ReportingApplication(Settings.from_env({
        "SEKLIK_ENV": "development", "SEKLIK_DATA_DIR": str(folder / "replayed")}))
    for source in ("partners", "assessment", "contracts"):
        for envelope in every(apps[source].notifications):
            views.apply_envelope(envelope)
    as_of = recorded["as_of"]
    replayed = json.loads(json.dumps(golden_figures(Views(views), recorded["fiscal_year"],
                                                    as_of)))
    assert replayed == recorded["figures"]


class Views:
    """The reporting application answering as the reporting service does (keyword calls)."""

    def __init__(self, app):
        self.app = app

    def __getattr__(self, name):
        import datetime as dt

        method = getattr(self.app, name)

        def call(**kwargs):
            if kwargs.get("as_of"):
                kwargs["as_of"] = dt.date.fromisoformat(kwargs["as_of"])
            return method(**kwargs)
        return call
