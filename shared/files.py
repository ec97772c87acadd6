"""The file store: scans of deeds and tax returns, clippings of what was published.

Content-addressed: a file is kept once under its SHA-256 (`objects/<2 hex>/<sha256>`), however
many documents name it. Every file is sealed at rest with the deployment's cipher (AES-GCM under
CIPHER_KEY, the key of the event stores): identity documents must be, and a store that kept some
files in clear would invite the mistake of putting one there. A file whose bytes no longer open
under the key, or no longer hash to their name, is refused (`FileDamaged`), never served.

An upload is two steps, so that nobody can attach a file by naming its hash:
1. `stage(data)`: where the bytes arrive (the HTTP gateway), they are checked (size, and the
   type sniffed from the bytes: PDF, JPEG or PNG, whatever the name says), sealed and written
   under `incoming/<upload_id>`, a random id only the uploader learns;
2. `opened(upload_id)` and `keep(upload)`: the owning service, inside the command that records
   the document or proof, opens the staged bytes, checks them again (it does not trust the
   gateway), and once the domain has accepted the command, keeps them at their content address
   (unless those bytes are stored already). The event records what it measured: sha256, size
   and media type. The gateway then discards the staged copy, whatever the answer.

Where the bytes live is a backend: a folder (SEKLIK_FILES_DIR, a volume in compose) by default,
an S3-compatible bucket (MinIO) when SEKLIK_S3_ENDPOINT is set (shared/s3.py).
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Protocol

from shared.errors import NotFound, ValidationFailed

log = logging.getLogger(__name__)

# What a file may be: its first bytes say so (the name and the declared type do not count).
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
MEDIA_TYPES = tuple(SIGNATURES.values())
DEFAULT_LIMIT = 10 * 1024 * 1024  # bytes of one file (SEKLIK_FILE_LIMIT_MB)
SHA256 = re.compile(r"[0-9a-f]{64}")


class FileDamaged(Exception):
    """A stored file no longer opens under the key or no longer hashes to its address."""

    def __init__(self, sha256: str, why: str):
        super().__init__(f"stored file {sha256} is damaged: {why}")
        self.sha256, self.why = sha256, why


def sniff(data: bytes) -> str | None:
    """The media type the bytes are, by their signature; None when none of ours."""
    for signature, media_type in SIGNATURES.items():
        if data.startswith(signature):
            return media_type
    return None


def refuse_unless_acceptable(data: bytes, limit: int) -> str:
    """The sniffed media type of `data`, or ValidationFailed naming `file` and what is right."""
    if len(data) > limit:
        raise ValidationFailed(f"the file is {len(data):,} bytes; at most {limit:,}",
                               details={"fields": {"file": [f"at most {limit:,} bytes"]}})
    if not data:
        raise ValidationFailed("the file is empty",
                               details={"fields": {"file": ["the file is empty"]}})
    media_type = sniff(data)
    if media_type is None:
        raise ValidationFailed(
            "the file is not a PDF, JPEG or PNG (judged by its bytes, not its name)",
            code="unsupported_file_type",
            details={"fields": {"file": ["must be a PDF, JPEG or PNG file; its bytes are "
                                         "neither, whatever its name says"]}})
    return media_type


@dataclass(frozen=True)
class Upload:
    upload_id: str
    sha256: str
    size: int
    media_type: str
    sealed: bytes = field(repr=False)
    name: str = ""

    def record(self) -> dict:
        """What the event records of the file besides its sha256."""
        return {"size": self.size, "media_type": self.media_type, "name": self.name}


class Backend(Protocol):
    """Where sealed bytes live, by key (`incoming/<id>`, `objects/ab/<sha256>`)."""

    def write(self, key: str, data: bytes) -> None: ...
    def read(self, key: str) -> bytes: ...  # FileNotFoundError when absent
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...  # absent is fine
    def keys(self, prefix: str) -> Iterator[str]: ...


class FolderBackend:
    """A folder on a disk (a docker volume): each key a file, written whole or not at all."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key

    def write(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
        with open(partial, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)  # readers see the whole file or none

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self, prefix: str) -> Iterator[str]:
        base = self.path(prefix)
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    yield path.relative_to(self.root).as_posix()


def settings_cipher(settings):
    """The deployment's cipher (CIPHER_TOPIC under CIPHER_KEY), for a process with no store."""
    if not settings.cipher:
        return None
    from eventsourcing.utils import Environment, resolve_topic
    return resolve_topic(settings.cipher["CIPHER_TOPIC"])(Environment(env=settings.cipher))


def object_key(sha256: str) -> str:
    return f"objects/{sha256[:2]}/{sha256}"


def incoming_key(upload_id: str) -> str:
    return f"incoming/{upload_id}"


class FileStore:
    def __init__(self, backend: Backend, cipher, limit: int = DEFAULT_LIMIT):
        if cipher is None:
            raise ValueError("the file store seals every file: it needs the cipher")
        self.backend, self.cipher, self.limit = backend, cipher, limit

    @classmethod
    def from_settings(cls, settings, cipher=None) -> "FileStore":
        """The deployment's store; `cipher` the application's (else built from CIPHER_KEY)."""
        cipher = cipher or settings_cipher(settings)
        if settings.s3:
            from shared.s3 import S3Backend
            backend = S3Backend(**settings.s3)
        else:
            backend = FolderBackend(settings.files_dir)
        return cls(backend, cipher, settings.file_limit)

    # Where the bytes arrive --------------------------------------------------------------

    def stage(self, data: bytes) -> dict:
        """Check and seal an upload; {upload_id, sha256, size, media_type}."""
        media_type = refuse_unless_acceptable(data, self.limit)
        upload_id = str(uuid.uuid4())
        self.backend.write(incoming_key(upload_id), self.cipher.encrypt(data))
        return {"upload_id": upload_id, "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data), "media_type": media_type}

    def discard(self, upload_id: str) -> None:
        """An upload whose command failed: nothing of it is kept."""
        self.backend.delete(incoming_key(str(upload_id)))

    # In the owning service ---------------------------------------------------------------

    def opened(self, file: dict) -> "Upload":
        """The staged upload `file` ({upload_id, sha256, name}) opened and checked again (the
        service trusts no caller with what a file is): ValidationFailed `no_such_upload`
        naming `file` when there is none, or none that hashes to its sha256."""
        upload_id = file["upload_id"]
        key = incoming_key(str(upload_id))
        try:
            sealed = self.backend.read(key)
            data = self.cipher.decrypt(sealed)
        except (FileNotFoundError, ValueError):
            raise ValidationFailed(
                f"no upload {upload_id} is waiting", code="no_such_upload",
                details={"fields": {"file": ["no such upload: send the file itself with the "
                                             "request (multipart/form-data, part `file`)"]}})
        media_type = refuse_unless_acceptable(data, self.limit)
        sha256 = hashlib.sha256(data).hexdigest()
        if sha256 != file["sha256"]:
            raise ValidationFailed(
                f"upload {upload_id} does not hash to {file['sha256']}", code="no_such_upload",
                details={"fields": {"file": [f"the upload hashes to {sha256}, not the sha256 "
                                             "given with it"]}})
        return Upload(str(upload_id), sha256, len(data), media_type, sealed, file["name"])

    def keep(self, upload: "Upload") -> None:
        """Store the upload at its content address, once: the same bytes uploaded twice are
        kept once. Called by the command that records the file, after the domain accepted it;
        the staged copy is the gateway's to discard."""
        if not self.backend.exists(object_key(upload.sha256)):
            self.backend.write(object_key(upload.sha256), upload.sealed)

    # Where the bytes leave ---------------------------------------------------------------

    def read(self, sha256: str) -> bytes:
        """The file's bytes, checked: NotFound when it is not stored, FileDamaged when the
        sealed bytes were changed or the file no longer hashes to `sha256`."""
        if not SHA256.fullmatch(sha256 or ""):
            raise NotFound(f"no stored file {sha256!r}", code="file_not_stored")
        try:
            sealed = self.backend.read(object_key(sha256))
        except FileNotFoundError:
            raise NotFound(f"the file {sha256} is not in the file store",
                           code="file_not_stored", details={"sha256": sha256})
        try:
            data = self.cipher.decrypt(sealed)
        except ValueError:
            raise self.damaged(sha256, "its sealed bytes do not open under the key (changed "
                                       "at rest)")
        if hashlib.sha256(data).hexdigest() != sha256:
            raise self.damaged(sha256, "its bytes no longer hash to its SHA-256")
        return data

    def damaged(self, sha256: str, why: str) -> FileDamaged:
        log.error("FILE DAMAGED: %s: %s; refused. Restore it from the backup of the file "
                  "store.", sha256, why)
        return FileDamaged(sha256, why)

    def stored(self) -> Iterator[str]:
        """The SHA-256 of every stored file (for a check of the whole store)."""
        for key in self.backend.keys("objects"):
            yield key.rsplit("/", 1)[-1]
