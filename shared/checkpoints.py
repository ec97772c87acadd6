"""Signed checkpoints: a service's word, under its own Ed25519 key, that its log up to a position
has a given root.

The journal (shared/application.py) keeps a root for every notification, computed from the
log's own hashes: anyone with write access to the database can recompute it after deleting an
event. A signed checkpoint cannot be recomputed without the service's private key
(SEKLIK_SERVICE_KEY, never in the database). Each service signs one every
SEKLIK_CHECKPOINT_EVERY events or SEKLIK_CHECKPOINT_SECONDS seconds (whichever comes first, on
its own schedule, whatever the broker does), and one at the log's end for every `digest`.

What is signed: the canonical JSON (shared.domain.canonical) of
{regency, service, notification_id, root_hash, recorded_at, key_id}; the signature and the
public key travel beside it (base64). `key_id` is the first 16 hex digits of SHA-256 over the
raw public key. A verifier never trusts the public key an entry carries: it trusts the keys it
was given (`TrustedKeys`) and checks that the entry's key is one of them, for that service.
"""
from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                               Ed25519PublicKey)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from shared.domain import canonical

SIGNED_FIELDS = ("regency", "service", "notification_id", "root_hash", "recorded_at", "key_id")


def key_id(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


def signed_body(entry: dict) -> bytes:
    """The bytes a checkpoint's signature covers. A digest entry names its position
    `last_notification_id`; a checkpoint row `notification_id`: the same field when signed."""
    position = entry.get("notification_id", entry.get("last_notification_id"))
    return canonical({**{f: entry.get(f) for f in SIGNED_FIELDS}, "notification_id": position})


def sign(private_key: Ed25519PrivateKey, *, regency: str, service: str, notification_id: int,
         root_hash: str, recorded_at: str) -> dict:
    """A signed checkpoint: the signed fields, `public_key` and `signature` (base64)."""
    public = private_key.public_key()
    entry = {"regency": regency, "service": service, "notification_id": int(notification_id),
             "root_hash": root_hash, "recorded_at": recorded_at, "key_id": key_id(public)}
    entry["public_key"] = base64.b64encode(
        public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    entry["signature"] = base64.b64encode(private_key.sign(signed_body(entry))).decode()
    return entry


class TrustedKeys:
    """The public keys a verifier trusts, per service, each with where it came from (a kept
    digest, SEKLIK_SERVICE_PUBLIC_KEYS, a --keys file, the development keys)."""

    def __init__(self):
        self._keys: dict[tuple[str, str], tuple[Ed25519PublicKey, str]] = {}

    def add(self, service: str, public_key: Ed25519PublicKey, origin: str) -> None:
        self._keys.setdefault((service, key_id(public_key)), (public_key, origin))

    def add_encoded(self, service: str, text: str, origin: str) -> None:
        try:
            raw = base64.b64decode(text, validate=True)
            self.add(service, Ed25519PublicKey.from_public_bytes(raw), origin)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise ValueError(f"{origin}: the public key of {service} is not base64 of 32 "
                             f"bytes ({exc})") from None

    def for_service(self, service: str) -> list[tuple[str, str]]:
        """(key id, origin) of every key trusted for `service`."""
        return [(kid, origin) for (s, kid), (_, origin) in sorted(self._keys.items())
                if s == service]

    def check(self, entry: dict, service: str) -> str | None:
        """None when `entry` is signed for `service` by a key trusted for it; else the problem."""
        kid = entry.get("key_id")
        if entry.get("service") != service:
            return f"it names service {entry.get('service')!r}, not {service}"
        trusted = self._keys.get((service, kid))
        if trusted is None:
            known = ", ".join(k for k, _ in self.for_service(service)) or "none"
            return (f"it is signed by key {kid}, which is not trusted for {service} (trusted: "
                    f"{known}): re-signed by someone without the service's key")
        try:
            signature = base64.b64decode(entry.get("signature") or "", validate=True)
            trusted[0].verify(signature, signed_body(entry))
        except (InvalidSignature, binascii.Error, ValueError):
            return (f"its signature does not verify with key {kid}: the checkpoint was "
                    "changed after it was signed")
        return None
