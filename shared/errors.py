"""Typed errors that cross the wire.

Each class is registered with nameko (`deserialize_to_instance`, nameko 2.x's name for remote
error registration), so a caller that imports this module gets the same class back from an RPC,
not a generic RemoteError. Every error carries a message a person can read, a machine-readable
`code` and `details`. Details travel as JSON text because nameko stringifies every non-string
argument of an exception, and a caller needs `remaining: 5000000` to stay a number.
"""
from __future__ import annotations

import json

from nameko.exceptions import deserialize_to_instance


class SeklikError(Exception):
    default_code = "error"

    def __init__(self, message: str, code: str | None = None, details=None):
        if isinstance(details, str):  # as it arrives from the wire
            details = json.loads(details) if details else {}
        self.message = message
        self.code = code or self.default_code
        self.details = details or {}
        super().__init__(message, self.code, json.dumps(self.details, sort_keys=True, default=str))

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def as_dict(self) -> dict:
        return {"error": type(self).__name__, "code": self.code, "message": self.message,
                "details": self.details}


@deserialize_to_instance
class ValidationFailed(SeklikError):
    """The payload does not fit its schema; details map each field to its messages."""
    default_code = "validation_failed"

    @classmethod
    def from_messages(cls, messages: dict) -> "ValidationFailed":
        fields = ", ".join(f"{name}: {'; '.join(_flat(msgs))}" for name, msgs in messages.items())
        return cls(f"invalid payload ({fields})", details={"fields": messages})


@deserialize_to_instance
class NotFound(SeklikError):
    default_code = "not_found"


@deserialize_to_instance
class Conflict(SeklikError):
    default_code = "conflict"


@deserialize_to_instance
class Forbidden(SeklikError):
    default_code = "forbidden"


@deserialize_to_instance
class Unauthenticated(SeklikError):
    default_code = "unauthenticated"


@deserialize_to_instance
class RuleViolated(SeklikError):
    """A rule of the domain refuses the command: `code` names the rule (`budget_exceeded`)."""
    default_code = "rule_violated"


def _flat(messages) -> list[str]:
    if isinstance(messages, dict):
        return [f"{k}: {'; '.join(_flat(v))}" for k, v in messages.items()]
    if isinstance(messages, (list, tuple)):
        return [m for item in messages for m in _flat(item)]
    return [str(messages)]
