"""docker-compose.yml read as compose reads it, so that its services can run as processes.

Docker does not run here. What compose would do before starting a container is done here the
same way: read an `.env` (KEY=VALUE lines, `#` comments), resolve every `${...}` of the file
from it alone (`${V}`, `${V:-default}`, `${V-default}`, `${V:?message}`, `${V?message}`,
`${V:+alt}`, `$V`, `$$`), refusing a required variable with compose's own message, and give
each container the image's `ENV` (Dockerfile) under the service's `environment`.

`off_docker` then changes, in one service's environment, only what cannot be the same outside
Docker, and says what it changed: the host names `rabbitmq` and `postgres` (127.0.0.1), the
broker's vhost and user names (a vhost of the test's own; RabbitMQ users are global, so they
carry the test's prefix), the database and its user (a database of the test's own), the
gateway's port (the published one, a free port), and a path inside a named volume the container
mounts (the test's folder for that volume, shared by every service mounting it, as the volume
is). Nothing else is touched.
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import yaml

from seklik.cluster import ROOT

COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
VENV_BIN = ROOT / ".venv" / "bin"

# ${NAME}, ${NAME<op>word} with op one of :- - :? ? :+ +, $NAME, and $$ (a literal dollar).
REFERENCE = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)"
                       r"(?:(?P<op>:?[-?+])(?P<word>[^}]*))?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")


class MissingVariable(Exception):
    """What `docker compose up` prints before it refuses to start anything."""


def read_env_file(text: str) -> dict[str, str]:
    """An `.env` as compose reads it: KEY=VALUE (the value may be quoted), `#` comments."""
    env = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.removeprefix("export ").partition("=")
        assert sep, f".env line without '=': {line!r}"
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[name.strip()] = value
    return env


def interpolate(text: str, env: dict[str, str]) -> str:
    def resolve(match: re.Match) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["bare"]
        op, word, value = match["op"], match["word"] or "", env.get(name)
        empty = value is None or (value == "" and op and op.startswith(":"))
        if op in (":-", "-"):
            return word if empty else value
        if op in (":?", "?"):
            if empty:
                raise MissingVariable(f'required variable {name} is missing a value: {word}')
            return value
        if op in (":+", "+"):
            return "" if empty else word
        return value or ""

    resolved = REFERENCE.sub(resolve, text)
    assert "${" not in resolved, f"compose syntax this reader does not know: {text!r}"
    return resolved


def resolved(value, env: dict[str, str]):
    """Every string of the parsed file, interpolated (YAML anchors and `<<` merged already)."""
    if isinstance(value, str):
        return interpolate(value, env)
    if isinstance(value, dict):
        return {key: resolved(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [resolved(item, env) for item in value]
    return value


def load_compose(dotenv: dict[str, str]) -> dict:
    """docker-compose.yml as `docker compose config` would print it with this `.env`."""
    return resolved(yaml.safe_load(COMPOSE_FILE.read_text()), dotenv)


def required_variables() -> set[str]:
    """The variables compose refuses to start without (`${V:?...}` or `${V?...}`)."""
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?", COMPOSE_FILE.read_text()))


def seklik_services(compose: dict) -> dict[str, dict]:
    """The containers that run a SEKLIK service (`nameko run ...`), by name."""
    return {name: spec for name, spec in compose["services"].items()
            if shlex.split(spec.get("command") or "")[:2] == ["nameko", "run"]}


def environment(spec: dict) -> dict[str, str]:
    """A service's `environment`, in either of compose's two shapes, values as text."""
    given = spec.get("environment") or {}
    if isinstance(given, list):
        given = dict(item.partition("=")[::2] for item in given)
    return {name: "" if value is None else str(value) for name, value in given.items()}


def image_env() -> dict[str, str]:
    """The Dockerfile's `ENV` lines: every container of the image starts with them."""
    env = {}
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("ENV "):
            env.update(item.split("=", 1) for item in shlex.split(line[4:]))
    return env


def published_port(spec: dict, container_port: str) -> int:
    """The host port compose publishes `container_port` on (`HOST:CONTAINER`)."""
    for mapping in spec.get("ports", []):
        *host, inside = str(mapping).split(":")
        if inside == container_port and host:
            return int(host[-1])
    raise AssertionError(f"no published port for {container_port}: {spec.get('ports')}")


def named_volumes(compose: dict, spec: dict) -> dict[str, str]:
    """{path inside the container: volume name} of the named volumes `spec` mounts."""
    declared = compose.get("volumes") or {}
    mounts = {}
    for volume in spec.get("volumes", []):
        source, _, target = str(volume).partition(":")
        if source in declared:
            mounts[target.split(":")[0]] = source
    return mounts


def off_docker(service_env: dict[str, str], *, vhost: str, user_prefix: str,
               database: dict[str, str], http_port: int | None,
               volumes: dict[str, Path] | None = None) -> tuple[dict, dict]:
    """(the environment for a process on this machine, {variable: (compose's, ours)}).
    `volumes`: {path inside the container: the folder standing for its named volume here}."""
    env, changed = dict(service_env), {}

    def change(name: str, value: str) -> None:
        if env[name] != value:
            changed[name] = (env[name], value)
            env[name] = value

    if "AMQP_URI" in env:
        uri = urlsplit(env["AMQP_URI"])
        assert uri.hostname == "rabbitmq", f"AMQP_URI is not on host rabbitmq: {uri.hostname}"
        assert uri.path in ("", "/"), f"AMQP_URI names a vhost already: {uri.path}"
        netloc = f"{quote(user_prefix + uri.username, safe='')}:{uri.password}" \
                 f"@127.0.0.1:{uri.port or 5672}"
        change("AMQP_URI", urlunsplit((uri.scheme, netloc, "/" + quote(vhost, safe=""), "", "")))
    if "POSTGRES_HOST" in env:
        assert env["POSTGRES_HOST"] == "postgres", env["POSTGRES_HOST"]
        change("POSTGRES_HOST", database["POSTGRES_HOST"])
        change("POSTGRES_PORT", database["POSTGRES_PORT"])
        change("POSTGRES_DBNAME", database["POSTGRES_DBNAME"])
        change("POSTGRES_USER", database["POSTGRES_USER"])  # trust auth: the password is kept
    if "SEKLIK_HTTP_PORT" in env and http_port is not None:
        change("SEKLIK_HTTP_PORT", str(http_port))
    for name, value in list(env.items()):
        for inside, folder in (volumes or {}).items():
            if value == inside or value.startswith(inside.rstrip("/") + "/"):
                change(name, str(folder) + value[len(inside.rstrip("/")):])
    return env, changed


def process_env(service_env: dict[str, str], home: Path) -> dict[str, str]:
    """What the process starts with: a clean environment, as a container's is (nothing of the
    test's own leaks in, SEKLIK_ENV=development least of all), the venv's bin on PATH."""
    return {"PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home),
            **image_env(), **service_env}


def healthcheck_argv(spec: dict) -> list[str]:
    test = spec["healthcheck"]["test"]
    if test[0] == "CMD":
        return list(test[1:])
    if test[0] == "CMD-SHELL":
        return ["sh", "-c", test[1]]
    raise AssertionError(f"healthcheck form compose would not run: {test!r}")


def seconds(duration: str) -> float:
    """A compose duration such as `15s`, `1m30s`."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts, f"not a compose duration: {duration!r}"
    return sum(float(n) * units[u] for n, u in parts)
