"""docker-compose.yml run as processes: each SEKLIK service with its `command` as written and the
environment compose would give it, and a calling system's year driven through the gateway alone
(issue 14: "the same flows through compose's commands as processes").

The `.env` is made as the README's deployment steps say: `seklik keygen`'s block (less the
token issuer's private key, which moves to where tokens are issued), the regency code, the
database password, one RabbitMQ password per broker user, and the published HTTP port. Compose's
`${...}` are resolved from it alone (tests/integration/compose.py); a variable compose requires
that this `.env` lacks fails here with compose's message. The broker's users are what `seklik
broker-definitions` prints for those passwords, imported into a vhost of this module's own.
Off Docker only the host names, the vhost and user names, the database and its user, the
published port and paths inside named volumes change; SEKLIK_ENV stays production, so the
services refuse the well-known development key. Tokens are minted by `seklik token` with the generated issuer key, and the
compose healthchecks run as written, each with its container's environment.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import shlex
import shutil
import subprocess
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests

from seklik.cluster import ROOT, event_sourced, service_commands, stop_all
from shared.config import VARIABLES, Settings
from tests.integration.compose import (MissingVariable, environment, healthcheck_argv,
                                       load_compose, named_volumes, off_docker, process_env,
                                       published_port, read_env_file, required_variables,
                                       seconds, seklik_services)
from tests.integration.scenarios import TIER_RECIPE
from tests.support import (POLICY_2026, RUBRIC_2026, chief_editor, company, documents_for,
                           free_port, sha, token)

pytestmark = pytest.mark.integration

REGENCY_CODE = "16.10"  # Ogan Ilir: not the code the settings default to, so it must travel
ACTIVITY = "2.16.01.2.06.0001"
FILES = Path(__file__).parent.parent / "files"
SCAN = (FILES / "npwp-scan.pdf").read_bytes()
CLIPPING = (FILES / "clipping.jpg").read_bytes()
PEOPLE = {"admin": ("kominfo.ani", "admin"), "verifier": ("verifikasi.budi", "verifier"),
          "assessor": ("penilai.citra", "assessor"), "finance": ("ppk.dedi", "finance"),
          "sipd": ("sipd.integrasi", "finance", "auditor"), "auditor": ("inspektorat.eka",
                                                                        "auditor")}
START_TIMEOUT = 60


# The .env and the broker's users ----------------------------------------------------------

def run(argv: list[str], env: dict) -> str:
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{shlex.join(argv)} exited {done.returncode}:\n" \
                                 f"{done.stdout}{done.stderr}"
    return done.stdout


def dotenv_as_the_readme_says(workdir: Path, home: Path, http_port: int) -> tuple[dict, dict]:
    """(the stack's .env, the issuer's own variables), README "Deployment" step 1: `seklik
    keygen >> .env` (the issuer's private key stays: the accounts container issues people's
    tokens at login, and `seklik token` here mints the integrator's), then the regency code,
    the database password and one RabbitMQ password per broker user."""
    printed = run(["seklik", "keygen"], process_env({}, home))
    issuer = {"SEKLIK_TOKEN_PRIVATE_KEY": read_env_file(printed)["SEKLIK_TOKEN_PRIVATE_KEY"]}
    lines = printed.splitlines()
    brokers = [*service_commands(), "cli", "admin"]  # the users broker-definitions makes
    lines += [f"SEKLIK_REGENCY_CODE={REGENCY_CODE}", f"POSTGRES_PASSWORD={uuid.uuid4().hex}",
              f"SEKLIK_HTTP_PORT={http_port}",
              *(f"RABBITMQ_{name.upper()}_PASSWORD={uuid.uuid4().hex}" for name in brokers)]
    dotenv = workdir / ".env"
    dotenv.write_text("\n".join(lines) + "\n")
    return read_env_file(dotenv.read_text()), issuer


def rabbitmqctl(*args: str, stdin: str | None = None) -> str:
    if shutil.which("rabbitmqctl") is None:
        pytest.fail("rabbitmqctl is needed to import this test's broker users", pytrace=False)
    done = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True,
                          timeout=60, input=stdin)
    if done.returncode != 0:
        pytest.fail(f"rabbitmqctl {args[0]} failed: {done.stdout}{done.stderr}", pytrace=False)
    return done.stdout


def import_broker_users(dotenv: dict, home: Path, vhost: str, prefix: str) -> list[str]:
    """README step 2 (`seklik broker-definitions` with the .env's passwords), into `vhost`,
    every user named with `prefix` (RabbitMQ's users are the broker's, not the vhost's)."""
    printed = json.loads(run(["seklik", "broker-definitions", "--vhost", vhost],
                             process_env(dotenv, home)))
    for user in printed["users"]:
        user["name"] = prefix + user["name"]
    for grant in printed["permissions"] + printed["topic_permissions"]:
        grant["user"] = prefix + grant["user"]
    rabbitmqctl("import_definitions", stdin=json.dumps(printed))  # stdin: broker reads no tmp
    users = [user["name"] for user in printed["users"]]
    deadline = time.monotonic() + 15
    while not set(users) <= set(rabbitmqctl("list_users").split()):  # imported asynchronously
        assert time.monotonic() < deadline, "RabbitMQ did not import the definitions"
        time.sleep(0.2)
    return users


def remove_broker_users(vhost: str, users: list[str]) -> None:
    rabbitmqctl("delete_vhost", vhost)
    deleting = [subprocess.Popen(["rabbitmqctl", "-q", "delete_user", user],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for user in users]
    for proc in deleting:
        proc.wait(timeout=60)


def own_database(postgres: dict, name: str) -> dict:
    import psycopg

    with psycopg.connect(admin_conninfo(postgres), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return {**postgres, "POSTGRES_DBNAME": name}


def drop_database(postgres: dict, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_conninfo(postgres), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def admin_conninfo(postgres: dict) -> str:
    return (f"host={postgres['POSTGRES_HOST']} port={postgres['POSTGRES_PORT']} "
            f"user={postgres['POSTGRES_USER']} dbname=postgres")


# The stack ----------------------------------------------------------------------------------

class Stack:
    """Every SEKLIK container of the compose file as a process, and the people's tokens."""

    def __init__(self, compose: dict, dotenv: dict, envs: dict[str, dict], changed: dict,
                 issuer_env: dict, workdir: Path, http_port: int):
        self.compose, self.dotenv, self.envs, self.changed = compose, dotenv, envs, changed
        self.issuer_env, self.workdir, self.http_port = issuer_env, workdir, http_port
        self.url = f"http://127.0.0.1:{http_port}"
        self.services = seklik_services(compose)
        self.processes: dict[str, subprocess.Popen] = {}
        self.people: dict[str, str] = {}

    def start_all(self) -> None:
        """All at once, as `docker compose up` starts them once the broker and the database
        are healthy: each its compose command as written, from the checkout."""
        for name, spec in self.services.items():
            argv = shlex.split(spec["command"])
            executable = shutil.which(argv[0], path=self.envs[name]["PATH"])
            assert executable, f"{name}: {argv[0]} is not on PATH {self.envs[name]['PATH']}"
            with open(self.log_path(name), "ab") as log:
                self.processes[name] = subprocess.Popen(
                    argv, cwd=ROOT, env=self.envs[name], stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True)

    def log_path(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def log(self, name: str, chars: int = 3000) -> str:
        return self.log_path(name).read_text(errors="replace")[-chars:]

    def logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{self.log(name, 1500)}" for name in self.processes)

    def exited(self) -> str | None:
        """What the first process no longer running printed last, if one is."""
        for name, proc in self.processes.items():
            if proc.poll() is not None:
                return (f"`{self.services[name]['command']}` ({name}) exited with "
                        f"{proc.returncode}:\n{self.log(name)}")
        return None

    def wait_ready(self) -> None:
        """The gateway answering HTTP, and each service answering its health call through it
        (compose waits on healthchecks likewise); a process that exits fails at once."""
        deadline = time.monotonic() + START_TIMEOUT
        pending = [name for name in self.processes if name == "gateway" or event_sourced(name)]
        while pending:
            failed = self.exited()
            assert failed is None, failed
            assert time.monotonic() < deadline, \
                f"not ready after {START_TIMEOUT}s: {pending}\n{self.logs()}"
            path = "/health" if pending[0] == "gateway" else f"/v1/services/{pending[0]}/health"
            try:
                answer = requests.get(self.url + path, timeout=5, headers={
                    "Authorization": f"Bearer {self.people['admin']}"})
            except requests.RequestException:
                answer = None
            if answer is not None and answer.status_code == 200:
                pending.pop(0)
            else:
                time.sleep(0.3)

    def mint(self, people: dict[str, tuple]) -> None:
        """`seklik token` for each person (sub, roles...), all at once, where tokens are
        issued: the issuer's key and the regency code, nothing of the stack's."""
        minting = {}
        for person, (sub, *roles) in people.items():
            argv = ["seklik", "token", "--sub", sub, *(a for r in roles for a in ("--role", r))]
            minting[person] = subprocess.Popen(argv, cwd=ROOT, env=self.issuer_env, text=True,
                                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for person, proc in minting.items():
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, f"seklik token for {person}: {err}"
            self.people[person] = out.strip()

    def media_token(self, sub: str, partner_id: str) -> str:
        return run(["seklik", "token", "--sub", sub, "--role", "media", "--partner-id",
                    partner_id], self.issuer_env).strip()

    def stop(self) -> None:
        stop_all(list(self.processes.values()))


@pytest.fixture(scope="module")
def stack(rabbit, postgres, tmp_path_factory):
    """The compose stack as processes, on a vhost, broker users and a database of its own.
    (`rabbit` and `postgres` fail loudly when the broker or the database is not there.)"""
    workdir = tmp_path_factory.mktemp("compose")
    home = workdir / "home"
    home.mkdir()
    tag, http_port = uuid.uuid4().hex[:8], free_port()
    dotenv, issuer = dotenv_as_the_readme_says(workdir, home, http_port)
    try:
        compose = load_compose(dotenv)
    except MissingVariable as missing:
        pytest.fail(f"docker compose would refuse the README's .env: {missing}", pytrace=False)
    vhost, prefix, db_name = f"seklik-compose-{tag}", f"cp{tag}-", f"seklik_compose_{tag}"
    with ExitStack() as cleanup:
        users = import_broker_users(dotenv, home, vhost, prefix)
        cleanup.callback(remove_broker_users, vhost, users)
        database = own_database(postgres, db_name)
        cleanup.callback(drop_database, postgres, db_name)
        envs, changed = {}, {}
        for name, spec in seklik_services(compose).items():
            inside = environment(spec).get("SEKLIK_HTTP_PORT")  # the gateway's, in its box
            volumes = {path: workdir / "volumes" / volume
                       for path, volume in named_volumes(compose, spec).items()}
            for folder in volumes.values():
                folder.mkdir(parents=True, exist_ok=True)
            own, changed[name] = off_docker(
                environment(spec), vhost=vhost, user_prefix=prefix, database=database,
                http_port=published_port(spec, inside) if inside else None, volumes=volumes)
            envs[name] = process_env(own, home)
        issuer_env = process_env({"SEKLIK_ENV": "production", "SEKLIK_REGENCY_CODE":
                                  dotenv["SEKLIK_REGENCY_CODE"], **issuer}, home)
        running = Stack(compose, dotenv, envs, changed, issuer_env, workdir, http_port)
        cleanup.callback(running.stop)
        running.start_all()
        running.mint(PEOPLE)  # while the services start
        running.wait_ready()
        yield running


class Gateway:
    """The gateway as a calling system reaches it: HTTP, a bearer token, JSON."""

    def __init__(self, stack: Stack):
        self.stack = stack

    def request(self, verb: str, path: str, bearer: str, body=None,
                key: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {bearer}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return requests.request(verb, self.stack.url + path, json=body, headers=headers,
                                timeout=40)

    def __call__(self, verb: str, path: str, bearer: str, body=None, key: str | None = None,
                 status: int = 200) -> dict:
        answer = self.request(verb, path, bearer, body, key)
        assert answer.status_code == status, \
            f"{verb} {path} answered {answer.status_code}, not {status}: {answer.text}"
        return answer.json()

    def upload(self, path: str, bearer: str, part: str, fields: dict, data: bytes,
               name: str) -> dict:
        """A multipart upload: the JSON fields in `part`, the file in `file`."""
        answer = requests.post(self.stack.url + path, timeout=40,
                               headers={"Authorization": f"Bearer {bearer}"},
                               files={part: (None, json.dumps(fields), "application/json"),
                                      "file": (name, data, "application/octet-stream")})
        assert answer.status_code == 200, f"POST {path} answered {answer.status_code}: " \
                                          f"{answer.text}"
        return answer.json()

    def eventually(self, verb: str, path: str, bearer: str, body=None, key=None, until=None,
                   timeout: float = 30) -> dict:
        """Asked again until it answers 200 (and `until(answer)`): what follows events."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.request(verb, path, bearer, body, key)
            if answer.status_code == 200 and (until is None or until(answer.json())):
                return answer.json()
            assert time.monotonic() < deadline, \
                f"{verb} {path} still answers {answer.status_code}: {answer.text}\n" \
                f"{self.stack.logs()}"
            time.sleep(0.3)


# The tests ------------------------------------------------------------------------------------

def test_only_what_cannot_be_the_same_off_docker_was_changed(stack):
    """What this module changed in compose's environments, and nothing more: a variable the
    compose file adds that cannot be the same off Docker is named here. What compose requires
    (`${V:?}`) the README's .env gives."""
    hosts = {"AMQP_URI", "POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DBNAME", "POSTGRES_USER",
             "SEKLIK_HTTP_PORT"}
    for name, changed in stack.changed.items():
        mounted = named_volumes(stack.compose, stack.services[name])
        in_volumes = {variable for variable, (theirs, _) in changed.items()
                      if any(theirs.startswith(path) for path in mounted)}
        assert set(changed) - in_volumes <= hosts, (name, changed)
        assert "AMQP_URI" in changed, name
        assert stack.envs[name].get("SEKLIK_ENV", "production") == "production", name
    assert {"AMQP_URI", "SEKLIK_HTTP_PORT"} <= set(stack.changed["gateway"])
    assert required_variables() <= set(stack.dotenv)


def test_every_folder_a_container_names_is_a_named_volume_it_mounts(stack):
    """A path in a container's environment outside its volumes would be lost with the
    container and seen by no other (an upload staged by the gateway, kept by partners). The
    folders are the variables the code reads as one: a key from .env may start with "/" too."""
    folders = {name for name, what in VARIABLES.items() if what.startswith("folder")}
    assert {"SEKLIK_DATA_DIR", "SEKLIK_FILES_DIR"} <= folders
    for name, spec in stack.services.items():
        mounted = named_volumes(stack.compose, spec)
        for variable, value in environment(spec).items():
            if variable in folders:
                assert any(value == path or value.startswith(path.rstrip("/") + "/")
                           for path in mounted), f"{name}: {variable}={value} is in no volume"


def test_every_compose_healthcheck_passes_against_the_running_processes(stack):
    """`seklik ping S` run with S's own environment (its broker user, its key: the issuer's key
    in the accounts container alone), and the gateway's python one-liner on the published port."""
    checks = {}
    for name, spec in stack.services.items():
        argv = healthcheck_argv(spec)
        if name == "gateway":
            inside = environment(spec)["SEKLIK_HTTP_PORT"]
            argv = [a.replace(f"127.0.0.1:{inside}/", f"127.0.0.1:{stack.http_port}/")
                    for a in argv]
        else:
            assert argv == ["seklik", "ping", name]
            assert ("SEKLIK_TOKEN_PRIVATE_KEY" in stack.envs[name]) == (name == "accounts")
        checks[name] = (subprocess.Popen(argv, cwd=ROOT, env=stack.envs[name], text=True,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT),
                        seconds(spec["healthcheck"]["timeout"]))
    failed = {}
    for name, (proc, timeout) in checks.items():
        out, _ = proc.communicate(timeout=timeout)
        if proc.returncode != 0:
            failed[name] = out
    assert not failed, failed


def test_a_token_signed_with_the_development_key_is_refused_in_production(stack):
    """SEKLIK_ENV=production as compose sets it: the key anyone can read in the code signs
    nothing the services accept; the regency's own issuer key does."""
    http = Gateway(stack)
    refused = http("GET", "/v1/partners", token("admin"), status=401)
    assert refused["code"] == "token_invalid", refused
    assert "items" in http("GET", "/v1/partners", stack.people["admin"])


def test_a_regency_s_year_through_the_gateway_alone(stack):
    """Kominfo opens the year and registers a paper; the paper files its documents and the
    verifier accepts them; assessed as tier B, it is contracted, ordered, publishes, is
    accepted and paid by SP2D from SIPD; the realisation and the payment report show it, and the
    inspectorate follows the contracts service's events with a cursor."""
    http, people = Gateway(stack), stack.people
    today = Settings.from_env(stack.envs["contracts"]).today()
    year = today.year
    admin, verifier, assessor, finance, sipd = (people[p] for p in (
        "admin", "verifier", "assessor", "finance", "sipd"))

    http("PUT", f"/v1/requirement-policies/{year}", admin, POLICY_2026)
    http("PUT", f"/v1/rubrics/{year}", admin, {"rubric": RUBRIC_2026})
    paper = company(1)
    pid = http("POST", "/v1/partners", admin, paper, key="kominfo-reg-0001")["partner_id"]
    media = stack.media_token("redaksi.sumselnews", pid)

    for document in documents_for("online"):
        # The company uploads each scan (the same PDF, one document each: kept once).
        fields = {k: v for k, v in document.items() if k != "sha256"}
        filed = http.upload(f"/v1/partners/{pid}/documents", media, "document", fields,
                            SCAN, f"{document['kind']}.pdf")
        assert filed["sha256"] == hashlib.sha256(SCAN).hexdigest()
        assert filed["review"] == "pending"
        http("POST", f"/v1/partners/{pid}/documents/{filed['document_id']}/review", verifier,
             {"decision": "accepted", "note": "sesuai aslinya"})
    council, ukw, regularity, traffic = TIER_RECIPE["B"]
    http("POST", f"/v1/partners/{pid}/press-council", verifier,
         {"status": council, "certificate_no": "DP-0001", "recorded_on": "2025-06-01"})
    http("POST", f"/v1/partners/{pid}/journalists", media, chief_editor(1, ukw))
    http("POST", f"/v1/partners/{pid}/activation", admin, {"fiscal_year": year})

    assessment = f"/v1/assessments/{year}/{pid}"
    http.eventually("GET", assessment, assessor)  # opened by partners' PartnerActivated
    for criterion, score in (("regularity", regularity), ("traffic", traffic)):
        http("POST", f"{assessment}/scores", assessor,
             {"criterion": criterion, "score": score, "reason": "diperiksa"})
    assert http("POST", f"{assessment}/finalization", assessor, {})["tier"] == "B"

    http("POST", f"/v1/price-standards/{year}", finance, {
        "effective_from": f"{year}-01-01",
        "items": [{"media_type": "online", "tier": "B", "product": "advertorial",
                   "unit": "item", "unit_price": 2_000_000}]})
    budget = http("PUT", f"/v1/budgets/{year}/{ACTIVITY}", sipd,
                  {"name": "Publikasi media", "pagu": 500_000_000})
    assert budget["pagu"] == 500_000_000
    http("PUT", f"/v1/tier-ceilings/{year}/B", finance, {"ceiling": 60_000_000})
    contract = {"number": f"001/SPK/{year}", "fiscal_year": year, "partner_id": pid,
                "activity_code": ACTIVITY, "ceiling": 50_000_000,
                "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"}
    # contracts learns the tier from assessment's events: the same key makes a retry safe
    contract_id = http.eventually("POST", "/v1/contracts", finance, contract,
                                  key=f"spk-001-{year}")["contract_id"]
    publish_by = min(today + dt.timedelta(days=3), dt.date(year, 12, 31))
    order_id = http("POST", f"/v1/contracts/{contract_id}/orders", finance, {
        "product": "advertorial", "quantity": 1, "title": "Siaran pers APBD",
        "publish_by": publish_by.isoformat()})["order_id"]
    http.upload(f"/v1/orders/{order_id}/proof", media, "proof", {
        "kind": "link", "reference": "https://sumselnews1.id/apbd",
        "published_on": today.isoformat(), "reach": {"page_views": 1200}},
        CLIPPING, "tangkapan-layar.jpg")
    # The verifier reads a scan and finance the screenshot back, checked, from the shared volume.
    npwp = next(d for d in http("GET", f"/v1/partners/{pid}", verifier)["documents"]
                if d["kind"] == "npwp")
    assert npwp["file"] == {"size": len(SCAN), "media_type": "application/pdf",
                            "name": "npwp.pdf"}
    scan = http.request("GET", f"/v1/partners/{pid}/documents/{npwp['document_id']}/file",
                        verifier)
    assert scan.status_code == 200 and scan.content == SCAN
    shot = http.request("GET", f"/v1/orders/{order_id}/proof/file", finance)
    assert shot.status_code == 200 and shot.content == CLIPPING
    http("POST", f"/v1/orders/{order_id}/proof/review", finance,
         {"decision": "accepted", "note": "BAST"})
    assert http("GET", f"/v1/orders/{order_id}", finance)["status"] == "proof_accepted"

    sp2d = {"sp2d_number": f"00417/SP2D/{year}", "paid_on": today.isoformat()}
    payment = http("POST", f"/v1/orders/{order_id}/payments", sipd, sp2d, key="sp2d-00417")
    assert payment["realised"] == payment["dpp"] + payment["ppn"] == 2_220_000
    assert http("POST", f"/v1/orders/{order_id}/payments", sipd, sp2d,
                key="sp2d-00417") == payment  # SIPD's retry records nothing new

    realisation = http.eventually(
        "GET", f"/v1/reports/budget?fiscal_year={year}", sipd,
        until=lambda page: [row["paid"] for row in page["items"]] == [payment["realised"]])
    assert [(row["activity_code"], row["pagu"], row["committed"])
            for row in realisation["items"]] == [(ACTIVITY, 500_000_000, 50_000_000)]
    ledger = http.eventually("GET", f"/v1/reports/payments?fiscal_year={year}", sipd,
                             until=lambda page: page["items"])
    assert [row["sp2d_number"] for row in ledger["items"]] == [sp2d["sp2d_number"]]

    feed, path = [], "/v1/events/contracts?after=0&limit=3"
    while path:
        page = http("GET", path, people["auditor"])
        assert len(page["items"]) <= 3
        feed += page["items"]
        path = f"/v1/events/contracts?cursor={page['next']}&limit=3" if page["next"] else None
    assert [e["notification_id"] for e in feed] == list(range(1, len(feed) + 1))
    assert {"ContractSigned", "OrderPlaced", "PaymentRecorded"} <= {e["type"] for e in feed}
    assert {e["regency"] for e in feed} == {REGENCY_CODE}
    assert paper["bank_account"]["number"] not in json.dumps(feed)  # sealed, as on the broker
    last = feed[-1]["notification_id"]
    assert http("GET", f"/v1/events/contracts?after={last}&wait=1", people["auditor"]) == {
        "items": [], "next": None}
