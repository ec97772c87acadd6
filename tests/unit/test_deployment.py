"""docker-compose.yml and the Dockerfile, checked by reading them (Docker does not run here).

The integration tests then run the very commands of the compose file as processes
(seklik/cluster.py reads them from it), so what is checked here is also what is exercised.
"""
import importlib
import re
import shlex
from pathlib import Path

import pytest
import yaml

from seklik.cluster import service_commands
from shared.config import VARIABLES, Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
# Containers of a stock image that run none of SEKLIK's code: their variables are the image's
# own (RabbitMQ's, PostgreSQL's; the backup's are libpq's and its script's, checked below).
IMAGE_ONLY = ("rabbitmq", "postgres", "backup")
SEKLIK_SERVICES = {name: spec for name, spec in COMPOSE["services"].items()
                   if name not in IMAGE_ONLY}
# The services that keep an event store: each has a key, a database and an RPC healthcheck.
# The gateway keeps none of them (checked below).
EVENT_SOURCED = {name: spec for name, spec in SEKLIK_SERVICES.items() if name != "gateway"}
# The code, less the table that names the variables (naming one is not reading it).
SOURCES = re.sub(r"VARIABLES = \{.*?\n\}\n", "", "\n".join(
    p.read_text() for folder in ("shared", "services", "seklik")
    for p in (ROOT / folder).rglob("*.py")), flags=re.S)


def test_every_service_class_has_its_container():
    classes = set()
    for path in (ROOT / "services").glob("*/service.py"):
        module = importlib.import_module(f"services.{path.parent.name}.service")
        classes |= {cls.name for cls in vars(module).values()
                    if isinstance(cls, type) and cls.__module__ == module.__name__
                    and getattr(cls, "name", None)}
    assert classes == set(SEKLIK_SERVICES)
    assert set(service_commands()) == classes


@pytest.mark.parametrize("name", sorted(SEKLIK_SERVICES))
def test_each_container_runs_an_existing_service_class_under_its_own_name(name):
    argv = shlex.split(SEKLIK_SERVICES[name]["command"])
    assert argv[:4] == ["nameko", "run", "--config", "config.yaml"]
    assert (ROOT / argv[3]).is_file()
    module, _, cls = argv[4].partition(":")
    service = getattr(importlib.import_module(module), cls)
    assert service.name == name


@pytest.mark.parametrize("name", sorted(SEKLIK_SERVICES))
def test_every_variable_a_container_sets_is_one_the_code_reads(name):
    for variable in SEKLIK_SERVICES[name]["environment"]:
        assert variable in VARIABLES, f"{name} sets {variable}, which SEKLIK does not read"
        assert re.search(rf"""["']{variable}["']""", SOURCES), f"{variable} is never read"


@pytest.mark.parametrize("variable", sorted(VARIABLES))
def test_every_variable_the_readme_lists_is_read_by_the_code(variable):
    assert re.search(rf"""["']{variable}["']""", SOURCES), f"{variable} is never read"
    assert "VARIABLES = {" not in SOURCES


@pytest.mark.parametrize("name", sorted(EVENT_SOURCED))
def test_each_container_is_health_checked_over_rpc_and_waits_for_its_backends(name):
    spec = SEKLIK_SERVICES[name]
    assert spec["healthcheck"]["test"] == ["CMD", "seklik", "ping", name]
    assert spec["depends_on"] == {"rabbitmq": {"condition": "service_healthy"},
                                  "postgres": {"condition": "service_healthy"}}
    assert spec["environment"]["POSTGRES_HOST"] == "postgres"
    assert "@rabbitmq:5672/" in spec["environment"]["AMQP_URI"]


def test_the_broker_and_the_database_keep_their_data_and_report_health():
    for name in ("rabbitmq", "postgres"):
        spec = COMPOSE["services"][name]
        assert spec["healthcheck"]["test"]
        assert spec["volumes"] and spec["volumes"][0].split(":")[0] in COMPOSE["volumes"]
    assert "management" in COMPOSE["services"]["rabbitmq"]["image"]


def test_the_dockerfile_copies_what_exists_and_installs_the_project():
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    copies = [shlex.split(line)[1:-1] for line in lines if line.startswith("COPY ")]
    for sources in copies:
        for source in sources:
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is missing"
    copied = {s for sources in copies for s in sources}
    assert {"shared", "services", "seklik", "config.yaml", "pyproject.toml"} <= copied
    assert any(line.startswith("RUN pip install") and line.endswith(" .") for line in lines)
    assert next(line for line in lines if line.startswith("FROM")).startswith("FROM python:3.11")


@pytest.mark.parametrize("name", sorted(SEKLIK_SERVICES))
def test_each_service_talks_to_the_broker_as_its_own_user(name):
    uri = SEKLIK_SERVICES[name]["environment"]["AMQP_URI"]
    assert uri.startswith(f"amqp://{name}:${{RABBITMQ_{name.upper()}_PASSWORD")


def test_the_broker_loads_one_user_per_service_and_no_guest():
    rabbit = COMPOSE["services"]["rabbitmq"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in rabbit["volumes"] if v.startswith(".")}
    assert mounts == {"/etc/rabbitmq/rabbitmq.conf": "./deploy/rabbitmq/rabbitmq.conf",
                      "/etc/rabbitmq/definitions.json": "./deploy/rabbitmq/definitions.json"}
    conf = (ROOT / "deploy/rabbitmq/rabbitmq.conf").read_text()
    assert "load_definitions = /etc/rabbitmq/definitions.json" in conf
    assert "RABBITMQ_DEFAULT_USER" not in str(rabbit)


def test_the_definitions_give_each_service_a_user_with_its_own_permissions():
    from seklik.broker import definitions, password_hash

    names = [*SEKLIK_SERVICES, "cli", "admin"]
    generated = definitions({n: f"pw-{n}" for n in names})
    assert sorted(u["name"] for u in generated["users"]) == sorted(names)
    grants = {g["user"]: g for g in generated["permissions"]}
    assert "partners\\.events" in grants["partners"]["write"]
    assert "partners\\.events" not in grants["assessment"]["write"]
    assert "contracts" not in grants["partners"]["read"]
    salt = b"\x01\x02\x03\x04"
    assert password_hash("guest", salt) == password_hash("guest", salt) != password_hash(
        "guest")


def keygen_block(capsys) -> dict:
    from seklik.cli import main

    assert main(["keygen"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines()
             if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_keygen_prints_every_key_the_compose_file_asks_of_env(capsys):
    block = keygen_block(capsys)
    asked = set(re.findall(r"\$\{((?:SEKLIK_\w+_KEYS?)|CIPHER_KEY)\b",
                           (ROOT / "docker-compose.yml").read_text()))
    assert asked <= set(block), asked - set(block)
    assert {f"SEKLIK_{name.upper()}_KEY" for name in EVENT_SOURCED} <= set(block)
    assert "SEKLIK_GATEWAY_KEY" not in block  # the gateway signs nothing


def test_with_the_keygen_block_every_service_starts_and_verifies_the_others(capsys):
    from shared.auth import (Caller, TokenKeys, load_private_key, mint_token, service_key,
                             service_token)
    from shared.config import Settings

    block = keygen_block(capsys)
    for name in EVENT_SOURCED:
        settings = Settings.from_env({**block, "SEKLIK_ENV": "production",
                                      "SEKLIK_REGENCY_CODE": "16.02",
                                      "SEKLIK_SERVICE_KEY": block[f"SEKLIK_{name.upper()}_KEY"]})
        settings.require_secrets()
        keys = TokenKeys.from_settings(settings)
        assert set(keys.services) == set(EVENT_SOURCED)
        assert keys.services[name].public_bytes_raw() == service_key(
            settings, name).public_key().public_bytes_raw()
        feed = Caller(f"Bearer {service_token(settings, name)}", keys).authorize(("system",))
        assert feed["sub"] == f"{name}.feed"
        issued = mint_token(load_private_key(block["SEKLIK_TOKEN_PRIVATE_KEY"], "issuer"),
                            "kominfo.ani", ["admin"], regency="16.02")
        assert Caller(f"Bearer {issued}", keys).authorize(("admin",))["sub"] == "kominfo.ani"


@pytest.mark.parametrize("name", sorted(EVENT_SOURCED))
def test_each_container_runs_in_production_with_its_own_key_and_only_public_token_keys(name):
    environment = SEKLIK_SERVICES[name]["environment"]
    assert environment["SEKLIK_ENV"] == "production"
    assert environment["SEKLIK_SERVICE_KEY"].startswith(f"${{SEKLIK_{name.upper()}_KEY:?")
    assert "SEKLIK_TOKEN_PUBLIC_KEY" in environment
    # Only accounts, where people log in, can mint people's tokens.
    if name == "accounts":
        assert environment["SEKLIK_TOKEN_PRIVATE_KEY"].startswith("${SEKLIK_TOKEN_PRIVATE_KEY:?")
    else:
        assert "SEKLIK_TOKEN_PRIVATE_KEY" not in environment
    for variable in ("SEKLIK_SERVICE_PUBLIC_KEYS", "SEKLIK_REGENCY_CODE", "CIPHER_KEY"):
        assert ":?" in environment[variable], f"{variable} must be required, not defaulted"


def test_the_gateway_publishes_its_port_and_holds_no_token_key_nor_database():
    gateway = SEKLIK_SERVICES["gateway"]
    assert gateway["environment"]["SEKLIK_HTTP_PORT"] == "8000"
    assert gateway["ports"] == ["${SEKLIK_HTTP_PORT:-8000}:8000"]
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    assert config["WEB_SERVER_ADDRESS"] == "0.0.0.0:${SEKLIK_HTTP_PORT:8000}"
    assert "http://127.0.0.1:8000/health" in " ".join(gateway["healthcheck"]["test"])
    assert gateway["depends_on"] == {"rabbitmq": {"condition": "service_healthy"}}
    # Only the cipher, to seal uploads as they arrive: no token or service key, no database.
    assert {v for v in gateway["environment"] if v.endswith("_KEY") or v.endswith("_KEYS")
            or v.startswith("POSTGRES_")} == {"CIPHER_KEY"}
    assert ":?" in gateway["environment"]["CIPHER_KEY"]
    assert gateway["environment"]["SEKLIK_ENV"] == "production"


def test_the_gateway_and_the_owners_of_files_share_the_file_store_volume():
    for service in ("gateway", "partners", "contracts"):
        spec = SEKLIK_SERVICES[service]
        assert spec["environment"]["SEKLIK_FILES_DIR"] == "/var/lib/seklik/files", service
        assert "files:/var/lib/seklik/files" in spec["volumes"], service
    assert "files" in COMPOSE["volumes"]
    assert "chown seklik /var/lib/seklik/files" in (ROOT / "Dockerfile").read_text()


# What pg_dump reads of libpq's environment.
LIBPQ = {"PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"}


def test_the_backup_dumps_the_services_database_with_postgres_own_pg_dump():
    backup, database = COMPOSE["services"]["backup"], COMPOSE["services"]["postgres"]
    assert backup["image"] == database["image"]  # pg_dump of the server's own version
    assert backup["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    mounts = {target: source for source, target, *_ in
              (volume.split(":") for volume in backup["volumes"])}
    argv = shlex.split(backup["command"])
    assert argv[0] == "sh" and len(argv) == 2
    script = (ROOT / mounts[argv[1]]).read_text()
    env = backup["environment"]
    for variable in env:
        assert variable in LIBPQ or re.search(rf"\${{{variable}\b", script), \
            f"backup sets {variable}, which neither pg_dump nor its script reads"
    # The database and user every service writes with, and every service's schema.
    service_env = EVENT_SOURCED["partners"]["environment"]
    assert [env[f"PG{name}"] for name in ("HOST", "PORT", "DATABASE", "USER", "PASSWORD")] == [
        service_env[f"POSTGRES_{name}"] for name in ("HOST", "PORT", "DBNAME", "USER",
                                                      "PASSWORD")]
    assert "POSTGRES_SCHEMA_PREFIX" not in service_env
    assert env["BACKUP_SCHEMAS"] == Settings.from_env({}).schema_prefix + "*"
    assert mounts[env["BACKUP_DIR"]] == "backups" and "backups" in COMPOSE["volumes"]
    assert 'pg_dump --format=custom --schema="$schemas"' in script
    # Defaulted, so a regency that sets nothing is backed up every 6 hours for 14 days.
    assert env["BACKUP_EVERY_HOURS"] == "${BACKUP_EVERY_HOURS:-6}"
    assert env["BACKUP_KEEP_DAYS"] == "${BACKUP_KEEP_DAYS:-14}"


@pytest.mark.parametrize("variable, value", [("BACKUP_EVERY_HOURS", "0"),
                                             ("BACKUP_EVERY_HOURS", "6h"),
                                             ("BACKUP_KEEP_DAYS", "two weeks")])
def test_the_backup_refuses_a_schedule_it_cannot_read(tmp_path, variable, value):
    import os
    import subprocess

    done = subprocess.run(["sh", str(ROOT / "deploy/backup/pg-backup.sh")], env={
        **os.environ, "BACKUP_DIR": str(tmp_path), variable: value, "BACKUP_ONCE": "1"},
        capture_output=True, text=True, timeout=10)
    assert done.returncode == 2
    assert f"{variable} is '{value}'" in done.stderr
    assert list(tmp_path.iterdir()) == []


def backup_section() -> str:
    text = (ROOT / "README.md").read_text()
    return re.split(r"^##+ ", text.split("### Backups and restore", 1)[1], maxsplit=1,
                    flags=re.M)[0]


def test_the_readme_restores_and_verifies_with_commands_that_exist(capsys):
    from seklik.cli import main

    blocks = re.findall(r"^```\n(.*?)^```$", backup_section(), re.M | re.S)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    commands = [shlex.split(line[line.index("seklik "):]) for line in lines
                if re.match(r"(docker compose exec \w+ )?seklik ", line)]
    assert [argv[:3] for argv in commands] == [["seklik", "audit", "verify"],
                                               ["seklik", "reporting", "rebuild"],
                                               ["seklik", "audit", "compare"]]
    for argv in commands:  # each parses as the command line reads it
        with pytest.raises(SystemExit) as shown:
            main([*argv[1:], "--help"])
        assert shown.value.code == 0, argv
    # the restore the integration test drills (tests/integration/test_backup_restore.py)
    assert "pg_restore --exit-on-error --no-owner --dbname=seklik" in backup_section()
    assert "`pg_dump --format=custom --schema='seklik_*'`" in backup_section()
