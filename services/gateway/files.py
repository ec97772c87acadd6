"""Files over HTTP: an upload staged in the file store for the owning service to keep, and a
kept file served with its hash checked.

Upload (`POST /v1/partners/{id}/documents`, `POST /v1/orders/{id}/proof` as
multipart/form-data): a part named after the route's body (`document`, `proof`) holds the
JSON fields, a part `file` the file. The gateway reads both within the limits (413 past them),
asks the owning service with the caller's token whether the caller may touch that partner or
order (its read route), then stages the bytes (shared/files.py: the type is sniffed from the
bytes, everything is sealed), and calls the command with `file: {upload_id, name}`. The service
opens the staged bytes itself and keeps them; the gateway discards the staged copy whatever the
answer, so a refused command leaves nothing behind.

Download (`GET .../documents/{id}/file`, `GET /v1/orders/{id}/proof/file`): the service answers
the file's record (and refuses whom the record's rules refuse); the gateway reads the bytes,
which the store checks against their SHA-256 (a changed file is refused, and logged).
"""
from __future__ import annotations

import base64
import json
from pathlib import PurePosixPath
from urllib.parse import quote

from nameko.extensions import DependencyProvider
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response

from services.gateway.calls import arguments_of_path, refuse_constant
from services.gateway.problem import HttpProblem, invalid
from services.gateway.routes import Route
from shared.config import ConfigurationError, Settings
from shared.files import FileStore

FORM_OVERHEAD = 64 * 1024  # bytes of a multipart body besides the file: boundaries, the JSON


class Files(DependencyProvider):
    """The deployment's file store, sealed with CIPHER_KEY (required outside development)."""

    def setup(self):
        settings = Settings.from_env()
        if not settings.cipher:
            raise ConfigurationError(
                "the gateway seals uploaded files with CIPHER_KEY: set it (`seklik keygen`), "
                "or SEKLIK_ENV=development for the well-known development key")
        self.store = FileStore.from_settings(settings)

    def get_dependency(self, worker_ctx):
        return self.store


def upload(route: Route, values: dict, request, calls, store: FileStore):
    """The command of `route` with the request's file staged for it."""
    body, name, data = read_form(route, request, store.limit)
    authorization = request.headers.get("Authorization")
    kwargs = arguments_of_path(route, values)
    calls.call(authorization, route.service, route.guard, dict(kwargs))  # 401/403/404 first
    if route.command and request.headers.get("Idempotency-Key") is not None:
        kwargs["command_id"] = request.headers["Idempotency-Key"]

    def command(file: dict):
        return calls.call(authorization, route.service, route.method,
                          {**kwargs, route.body: {**body, route.upload: file}})

    return staged(store, data, name, command)


def staged(store: FileStore, data: bytes, name: str, command):
    """`command(file)` with `data` staged for the service to keep: `file` is what the
    command's payload names it by ({upload_id, sha256, name})."""
    return staged_all(store, [(name, data)], lambda kept: command(kept[0]))


def staged_all(store: FileStore, uploads: list[tuple[str, bytes]], command):
    """`command(kept)` with every (name, data) staged for the service to keep, `kept` their
    records in order. Each staged copy is discarded whatever the answer, and when the store
    refuses one, those staged before it go too: a refused command leaves nothing behind."""
    kept: list[dict] = []
    try:
        for name, data in uploads:
            stage = store.stage(data)
            kept.append({"upload_id": stage["upload_id"], "sha256": stage["sha256"],
                         "name": name})
        return command(kept)
    finally:
        for file in kept:
            store.discard(file["upload_id"])


def file_name(filename: str | None) -> str:
    """The name a sender gave a file, without any folder (a browser on Windows sends one)."""
    return PurePosixPath((filename or "").replace("\\", "/")).name


def read_form(route: Route, request, limit: int) -> tuple[dict, str, bytes]:
    """(the JSON part as a dict, the file's name, its bytes) of a multipart upload."""
    request.max_content_length = limit + FORM_OVERHEAD
    request.max_form_memory_size = route.max_body
    request.max_form_parts = 8
    if request.content_length is not None and request.content_length > limit + FORM_OVERHEAD:
        raise too_large(limit)
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge:
        raise too_large(limit)
    except HTTPException as exc:
        raise HttpProblem(400, "malformed_form", f"the multipart body cannot be read: "
                                                 f"{exc.description}")
    unknown = sorted((set(form) | set(files)) - {route.body, "file"})
    if unknown:
        raise invalid({part: [f"unknown part; send `{route.body}` (JSON) and `file`"]
                       for part in unknown})
    if route.body not in form:
        raise invalid({route.body: [f"send the {route.body}'s fields as JSON in this part"]})
    try:
        body = json.loads(form[route.body], parse_constant=refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise invalid({route.body: [f"not JSON: {exc}"]})
    if not isinstance(body, dict):
        raise invalid({route.body: [f"expected an object, got {type(body).__name__}"]})
    part = files.get("file")
    if part is None:
        raise invalid({"file": ["send the file in this part (PDF, JPEG or PNG)"]})
    data = part.stream.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    name = file_name(part.filename)
    if not name:
        raise invalid({"file": ["give the file's name (filename= in the part's header)"]})
    return body, name, data


def too_large(limit: int) -> HttpProblem:
    return HttpProblem(413, "file_too_large", f"a file may be at most {limit:,} bytes "
                                              f"({limit / 1024 / 1024:g} MB)")


def download(route: Route, kwargs: dict, request, calls, store: FileStore) -> Response:
    """The kept file's bytes, checked against its SHA-256, for whom the service allows."""
    record = calls.call(request.headers.get("Authorization"), route.service, route.method,
                        kwargs)
    return file_response(record, store.read(record["sha256"]))


def file_response(record: dict, data: bytes, inline: bool = False) -> Response:
    """A kept file's bytes (read and checked by the store) with its record's name and hash.
    `inline`: shown in the portal's page (a verifier reads the scan), else saved."""
    digest = base64.b64encode(bytes.fromhex(record["sha256"])).decode()
    fallback = record["name"].encode("ascii", "replace").decode().replace('"', "'")
    return Response(data, content_type=record["media_type"], headers={
        "Content-Disposition": f"{'inline' if inline else 'attachment'}; "
                               f"filename=\"{fallback}\"; "
                               f"filename*=UTF-8''{quote(record['name'])}",
        "ETag": f'"{record["sha256"]}"',
        "Repr-Digest": f"sha-256=:{digest}:",
        # A scan shows personal numbers: no cache keeps it; a browser never runs it.
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
    })
