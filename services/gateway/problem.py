"""Typed errors as HTTP problem details (RFC 9457): one table from error class to status."""
from __future__ import annotations

import json
import logging
import uuid

from nameko.exceptions import RemoteError, UnknownService
from werkzeug.wrappers import Response

from shared.errors import (Conflict, Forbidden, NotFound, RuleViolated, SeklikError,
                           Unauthenticated, ValidationFailed)
from shared.files import FileDamaged

log = logging.getLogger(__name__)

STATUS = {ValidationFailed: 400, Unauthenticated: 401, Forbidden: 403, NotFound: 404,
          Conflict: 409, RuleViolated: 422}
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          405: "Method Not Allowed", 409: "Conflict", 413: "Content Too Large",
          415: "Unsupported Media Type", 422: "Unprocessable Content",
          500: "Internal Server Error", 503: "Service Unavailable", 504: "Gateway Timeout"}
MEDIA_TYPE = "application/problem+json"


class HttpProblem(Exception):
    """A problem the gateway finds itself (a body too large, a path no route has)."""

    def __init__(self, status: int, code: str, detail: str, errors: dict | None = None,
                 headers: dict | None = None):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.errors, self.headers = errors, headers or {}


class ServiceTimeout(Exception):
    """The service did not answer in time."""


def invalid(errors: dict) -> HttpProblem:
    return HttpProblem(400, "validation_failed", "invalid request: " + "; ".join(
        f"{name}: {' '.join(map(str, msgs))}" for name, msgs in errors.items()), errors)


def problem_of(exc: Exception) -> HttpProblem:
    if isinstance(exc, HttpProblem):
        return exc
    if isinstance(exc, SeklikError):
        status = STATUS.get(type(exc), 400)
        errors = exc.details.get("fields") if isinstance(exc, ValidationFailed) else None
        headers = {"WWW-Authenticate": 'Bearer realm="seklik"'} if status == 401 else None
        problem = HttpProblem(status, exc.code, exc.message, errors, headers)
        problem.details = {k: v for k, v in exc.details.items() if k != "fields"}
        return problem
    if isinstance(exc, UnknownService):
        return HttpProblem(503, "service_unavailable",
                           f"service {exc.args[0]} is not running; try again later")
    if isinstance(exc, FileDamaged):  # the store logged it loudly (shared/files.py)
        return HttpProblem(500, "file_damaged", f"{exc}: it is refused; the operators are "
                                                "told to restore it from the file store's backup")
    if isinstance(exc, ServiceTimeout):
        return HttpProblem(504, "service_timeout", str(exc))
    request_id = uuid.uuid4().hex
    kind = exc.exc_type if isinstance(exc, RemoteError) else type(exc).__name__
    log.error("request %s failed: %s", request_id, kind, exc_info=exc)
    problem = HttpProblem(500, "internal_error", f"an unexpected error; quote request id "
                          f"{request_id} to the operators")
    problem.request_id = request_id
    return problem


def respond(problem: HttpProblem) -> Response:
    body = {"type": f"urn:seklik:problem:{problem.code}",
            "title": TITLES.get(problem.status, "Error"), "status": problem.status,
            "detail": problem.detail, "code": problem.code}
    if problem.errors:
        body["errors"] = problem.errors
    if getattr(problem, "details", None):
        body["details"] = problem.details
    if getattr(problem, "request_id", None):
        body["request_id"] = problem.request_id
    return Response(json.dumps(body), status=problem.status, headers=problem.headers,
                    content_type=MEDIA_TYPE)
