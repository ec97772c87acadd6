"""Settings read from the environment, in one place.

Every variable a deployment may set is named here (docker-compose.yml is checked against this
list by tests/unit/test_deployment.py). Embedded SQLite is the default; PostgreSQL is used as soon
as POSTGRES_HOST or POSTGRES_DBNAME is set.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Well known, so never a secret: used only with SEKLIK_ENV=development, where every store is
# still encrypted (the code path is the one production runs) but with a key anyone can read here.
DEV_CIPHER_KEY = base64.b64encode(hashlib.sha256(b"seklik development cipher key").digest()
                                  ).decode()

# The variables SEKLIK itself reads. eventsourcing reads a few more of its own (CIPHER_KEY ...).
VARIABLES = {
    "AMQP_URI": "RabbitMQ URI shared by every service",
    "SEKLIK_DATA_DIR": "folder of the embedded SQLite stores (one file per service)",
    "SEKLIK_TOKEN_PRIVATE_KEY": "Ed25519 key (base64 of 32 bytes) that signs people's tokens; "
                                "only where tokens are issued (`seklik token`), never a service",
    "SEKLIK_TOKEN_PUBLIC_KEY": "its public key: every service verifies people's tokens with it",
    "SEKLIK_SERVICE_KEY": "this service's own Ed25519 key: signs its short service-to-service "
                          "tokens",
    "SEKLIK_SERVICE_PUBLIC_KEYS": "every service's public key, `partners=<b64>,assessment=...`",
    "SEKLIK_REGENCY": "name of the regency this deployment serves",
    "SEKLIK_REGENCY_CODE": "kode wilayah of the regency (e.g. 16.02): every envelope carries it",
    "SEKLIK_TIMEZONE": "the regency's time zone (default Asia/Jakarta, WIB; Asia/Makassar for "
                       "WITA, Asia/Jayapura for WIT): today, deadlines, as_of and fiscal years "
                       "are its dates; event instants stay UTC",
    "SEKLIK_ENV": "'development' allows well-known development keys; anything else requires "
                  "every secret",
    "SEKLIK_RELAY": "'on' (default) or 'off': publish the service's events from this process",
    "SEKLIK_RELAY_INTERVAL": "seconds between two polls of the outbox when idle (default 0.5)",
    "SEKLIK_CHECKPOINT_EVERY": "sign a checkpoint of the log after this many new events "
                               "(default 100), or",
    "SEKLIK_CHECKPOINT_SECONDS": "after this many seconds with new events (default 10), "
                                 "whichever comes first",
    "SEKLIK_CATCHUP_INTERVAL": "seconds between two catch-up reads of a consumer's sources",
    "SEKLIK_QUEUE_TYPE": "'quorum' declares the durable feed queues as RabbitMQ quorum queues "
                         "(replicated, for a cluster), 'classic' as classic ones; unset, the "
                         "vhost's default. RPC queues are never typed: keep the vhost's "
                         "default classic, so RPC messages stay off the broker's disk",
    "SEKLIK_EXPIRY_INTERVAL": "seconds between two scheduled checks for overdue proofs",
    "SEKLIK_HTTP_PORT": "the HTTP gateway's port (default 8000; config.yaml maps it into nameko's "
                        "WEB_SERVER_ADDRESS)",
    "SEKLIK_TOKEN": "the token the seklik command line sends (else it mints a local one)",
    "SEKLIK_FILES_DIR": "folder of the file store (uploaded documents and proofs, sealed; "
                        "default <SEKLIK_DATA_DIR>/files)",
    "SEKLIK_FILE_LIMIT_MB": "largest file an upload may be, in MB (default 10)",
    "SEKLIK_SQLITE_CACHE_MB": "page cache of each connection to a SQLite store, in MB "
                              "(default 64; SQLite's own is 2)",
    "SEKLIK_S3_ENDPOINT": "an S3-compatible file store (MinIO) instead of the folder: "
                          "http(s)://host:port",
    "SEKLIK_S3_BUCKET": "its bucket (default seklik-files)",
    "SEKLIK_S3_ACCESS_KEY": "its access key",
    "SEKLIK_S3_SECRET_KEY": "its secret key",
    "CIPHER_KEY": "AES key (base64, `seklik keygen`): personal data encrypted at rest",
    "CIPHER_TOPIC": "the cipher (default shared.cipher:AESCipher: AES-GCM as eventsourcing's "
                    "AESCipher writes it; that one reads the same stores)",
    "POSTGRES_HOST": "PostgreSQL host; setting it switches every store to PostgreSQL",
    "POSTGRES_PORT": "PostgreSQL port (default 5432)",
    "POSTGRES_DBNAME": "PostgreSQL database (default seklik)",
    "POSTGRES_USER": "PostgreSQL user (default postgres)",
    "POSTGRES_PASSWORD": "PostgreSQL password (default empty)",
    "POSTGRES_SCHEMA_PREFIX": "prefix of each service's schema (default seklik_)",
}


CIPHER_TOPIC = "shared.cipher:AESCipher"
# How long a write to a SQLite store waits for another process's transaction on the same file
# (SQLite's busy timeout; eventsourcing's default is 5 s): a service starting beside a
# projector that commits a large page of a catch-up waits for it rather than failing.
SQLITE_LOCK_SECONDS = 30
# Outside SEKLIK_ENV=development a service refuses to start without each of these.
REQUIRED_OUTSIDE_DEVELOPMENT = ("SEKLIK_TOKEN_PUBLIC_KEY", "SEKLIK_SERVICE_KEY",
                                "SEKLIK_SERVICE_PUBLIC_KEYS", "CIPHER_KEY", "SEKLIK_REGENCY_CODE")


# WIB; the regencies of Kalimantan Timur and Selatan, Sulawesi, Bali and NTB/NTT run on WITA
# (Asia/Makassar), Maluku and Papua on WIT (Asia/Jayapura).
DEFAULT_TIMEZONE = "Asia/Jakarta"


class ConfigurationError(RuntimeError):
    """The deployment lacks a setting it must have: the message names the variable(s)."""


def regency_zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`, or ConfigurationError saying what would be right: a service
    must not start on a zone it cannot read (every date a clerk sees would silently be UTC)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigurationError(
            f"SEKLIK_TIMEZONE is {name!r}, which is not a known IANA time zone: set it to "
            "Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT); if it is one of "
            "these, the system's time zone data is missing (install the tzdata package)"
        ) from None


# Queue types a feed queue may be declared as. A stream is not one: nameko consumes with
# acknowledgements and no offset, which a stream does not serve.
QUEUE_TYPES = ("classic", "quorum")


def queue_type(text: str | None) -> str | None:
    """SEKLIK_QUEUE_TYPE checked: None when unset (the vhost's default type applies)."""
    if not text:
        return None
    if text not in QUEUE_TYPES:
        raise ConfigurationError(f"SEKLIK_QUEUE_TYPE is {text!r}: set it to 'quorum' (a "
                                 "RabbitMQ cluster) or 'classic', or leave it unset")
    return text


def megabytes(name: str, text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 1024:  # NaN fails too
        raise ConfigurationError(f"{name} is {text!r}: give a number of MB from 0.1 to 1024")
    return int(value * 1024 * 1024)


@dataclass(frozen=True)
class Settings:
    amqp_uri: str
    data_dir: Path
    token_private_key: str | None  # base64 of raw Ed25519 keys; shared/auth.py loads them
    token_public_key: str | None
    service_key: str | None
    service_public_keys: str | None
    regency: str
    regency_code: str
    env: str
    relay_enabled: bool
    relay_interval: float
    catchup_interval: float
    expiry_interval: float
    postgres: dict | None
    schema_prefix: str
    cipher: dict | None
    unset: tuple[str, ...] = ()  # of REQUIRED_OUTSIDE_DEVELOPMENT
    checkpoint_every: int = 100       # signed checkpoints: every N events or T seconds
    checkpoint_seconds: float = 10.0
    timezone: str = DEFAULT_TIMEZONE  # validated by from_env; `zone` is its ZoneInfo
    files_dir: Path | None = None     # the file store's folder (shared/files.py), or
    s3: dict | None = None            # its S3-compatible bucket
    file_limit: int = 10 * 1024 * 1024
    queue_type: str | None = None     # of the durable feed queues; None: the vhost's default
    sqlite_cache: int = 64 * 1024 * 1024  # bytes of page cache per SQLite connection

    @classmethod
    def from_env(cls, environ: os._Environ | dict | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        postgres = None
        if env.get("POSTGRES_HOST") or env.get("POSTGRES_DBNAME"):
            postgres = {
                "POSTGRES_HOST": env.get("POSTGRES_HOST", "127.0.0.1"),
                "POSTGRES_PORT": env.get("POSTGRES_PORT", "5432"),
                "POSTGRES_DBNAME": env.get("POSTGRES_DBNAME", "seklik"),
                "POSTGRES_USER": env.get("POSTGRES_USER", "postgres"),
                "POSTGRES_PASSWORD": env.get("POSTGRES_PASSWORD", ""),
            }
        return cls(
            amqp_uri=env.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
            data_dir=Path(env.get("SEKLIK_DATA_DIR", "var/data")),
            token_private_key=env.get("SEKLIK_TOKEN_PRIVATE_KEY") or None,
            token_public_key=env.get("SEKLIK_TOKEN_PUBLIC_KEY") or None,
            service_key=env.get("SEKLIK_SERVICE_KEY") or None,
            service_public_keys=env.get("SEKLIK_SERVICE_PUBLIC_KEYS") or None,
            regency=env.get("SEKLIK_REGENCY", "Kabupaten Ogan Komering Ilir"),
            regency_code=env.get("SEKLIK_REGENCY_CODE", "16.02"),
            env=env.get("SEKLIK_ENV", "production"),
            relay_enabled=env.get("SEKLIK_RELAY", "on").lower() not in ("off", "0", "no"),
            relay_interval=float(env.get("SEKLIK_RELAY_INTERVAL", "0.5")),
            catchup_interval=float(env.get("SEKLIK_CATCHUP_INTERVAL", "5")),
            expiry_interval=float(env.get("SEKLIK_EXPIRY_INTERVAL", "3600")),
            postgres=postgres,
            schema_prefix=env.get("POSTGRES_SCHEMA_PREFIX", "seklik_"),
            cipher={"CIPHER_KEY": env["CIPHER_KEY"],
                    "CIPHER_TOPIC": env.get("CIPHER_TOPIC", CIPHER_TOPIC)}
            if env.get("CIPHER_KEY") else (
                {"CIPHER_KEY": DEV_CIPHER_KEY,
                 "CIPHER_TOPIC": CIPHER_TOPIC}
                if env.get("SEKLIK_ENV") == "development" else None),
            unset=tuple(name for name in REQUIRED_OUTSIDE_DEVELOPMENT if not env.get(name)),
            checkpoint_every=max(1, int(env.get("SEKLIK_CHECKPOINT_EVERY", "100"))),
            checkpoint_seconds=float(env.get("SEKLIK_CHECKPOINT_SECONDS", "10")),
            timezone=regency_zone(env.get("SEKLIK_TIMEZONE") or DEFAULT_TIMEZONE).key,
            files_dir=Path(env.get("SEKLIK_FILES_DIR")
                           or Path(env.get("SEKLIK_DATA_DIR", "var/data")) / "files"),
            s3={"endpoint": env["SEKLIK_S3_ENDPOINT"],
                "bucket": env.get("SEKLIK_S3_BUCKET", "seklik-files"),
                "access_key": env.get("SEKLIK_S3_ACCESS_KEY", ""),
                "secret_key": env.get("SEKLIK_S3_SECRET_KEY", "")}
            if env.get("SEKLIK_S3_ENDPOINT") else None,
            file_limit=megabytes("SEKLIK_FILE_LIMIT_MB", env.get("SEKLIK_FILE_LIMIT_MB", "10")),
            queue_type=queue_type(env.get("SEKLIK_QUEUE_TYPE")),
            sqlite_cache=megabytes("SEKLIK_SQLITE_CACHE_MB",
                                   env.get("SEKLIK_SQLITE_CACHE_MB", "64")),
        )

    @property
    def zone(self) -> ZoneInfo:
        """The regency's time zone: the one that turns an instant into a clerk's date."""
        return regency_zone(self.timezone)

    def local_date(self, instant: dt.datetime) -> dt.date:
        """The regency's date of a (UTC) instant: 2026-12-31T18:00Z is 1 January 2027 in WIB."""
        if instant.tzinfo is None:
            raise ValueError(f"naive datetime {instant!r}: SEKLIK instants are UTC")
        return instant.astimezone(self.zone).date()

    def today(self) -> dt.date:
        """The regency's date now (for clients: the demo, the command line, tests); a service
        asks its application's `today()`, which a test may give a clock."""
        return self.local_date(dt.datetime.now(dt.timezone.utc))

    def day_end(self, day: dt.date) -> dt.datetime:
        """The first instant (UTC) after the regency's day `day`: what stood at its end is
        everything recorded before it."""
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=self.zone)
        return midnight.astimezone(dt.timezone.utc)

    def queue_arguments(self) -> dict:
        """The arguments of a durable feed queue's declaration. Every declaration of a queue
        must carry the same type as the queue has (RabbitMQ refuses the channel otherwise,
        PRECONDITION_FAILED), so every process of a deployment sets SEKLIK_QUEUE_TYPE alike."""
        return {"x-queue-type": self.queue_type} if self.queue_type else {}

    @property
    def development(self) -> bool:
        return self.env == "development"

    def require_secrets(self) -> None:
        """Refuse to run a service on well-known development keys or without a cipher unless
        SEKLIK_ENV=development says so: a missing variable is named, never silently replaced."""
        if self.development or not self.unset:
            return
        raise ConfigurationError(
            f"SEKLIK_ENV is {self.env!r} and {', '.join(self.unset)} "
            f"{'is' if len(self.unset) == 1 else 'are'} not set: set "
            f"{'it' if len(self.unset) == 1 else 'them'} (`seklik keygen` prints the keys for "
            ".env), or set SEKLIK_ENV=development to run with the well-known development keys")

    @cached_property  # asked for every envelope sealed: derived once, not per event
    def digest_key(self) -> bytes:
        """The key of SEKLIK's keyed digests (claim ids, commitments to personal numbers):
        derived from CIPHER_KEY, so the one secret kept for ten years keeps them stable."""
        key = (self.cipher or {}).get("CIPHER_KEY") or DEV_CIPHER_KEY
        return hmac.new(base64.b64decode(key), b"seklik keyed digests v1",
                        hashlib.sha256).digest()

    def store_env(self, service: str) -> dict[str, str]:
        """The eventsourcing settings of one service's own store (encrypted with CIPHER_KEY)."""
        # Set explicitly, so that a CIPHER_KEY in the process environment without our
        # Settings (a test, a script) never half-applies.
        cipher = self.cipher or {"CIPHER_KEY": "", "CIPHER_TOPIC": ""}
        if self.postgres:
            schema = f"{self.schema_prefix}{service}"  # created by store_setup()
            return {"PERSISTENCE_MODULE": "eventsourcing.postgres",
                    "POSTGRES_SCHEMA": schema, **self.postgres, **cipher}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.data_dir / f"{service}.sqlite"),
                "SQLITE_LOCK_TIMEOUT": str(SQLITE_LOCK_SECONDS), **cipher}


@contextmanager
def store_setup(settings: Settings, service: str):
    """Hold the set-up of `service`'s store for this process alone (PostgreSQL).

    Services start all at once (docker compose up), and some share a schema (the projector and
    reporting; replicas): two `CREATE ... IF NOT EXISTS` of one table at the same moment make
    one of them fail on PostgreSQL's catalog (`pg_type_typname_nsp_index`). So the schema and
    eventsourcing's tables are created under a session advisory lock keyed by the schema, on a
    connection of its own held throughout; SqlStore takes the same key for each transaction
    that creates a table or index afterwards (shared/storage.py).
    """
    if not settings.postgres:
        yield
        return
    import psycopg

    schema = f"{settings.schema_prefix}{service}"
    with psycopg.connect(conninfo(settings.postgres), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (schema_lock_key(schema),))
        try:
            # eventsourcing creates its tables but not the schema that holds them.
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (schema_lock_key(schema),))


def schema_lock_key(schema: str) -> int:
    """The advisory lock (a signed 64-bit key) under which `schema`'s tables are created."""
    digest = hashlib.sha256(f"seklik store set-up {schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def conninfo(postgres: dict) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(
        host=postgres["POSTGRES_HOST"], port=postgres["POSTGRES_PORT"],
        dbname=postgres["POSTGRES_DBNAME"], user=postgres["POSTGRES_USER"],
        **({"password": postgres["POSTGRES_PASSWORD"]} if postgres["POSTGRES_PASSWORD"] else {}))
