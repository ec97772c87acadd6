"""Personal data (UU 27/2022): NPWP, NIK, bank account and identity-document numbers.

Which values are personal is decided here, once (`each_personal`); everything else uses it:

- at rest in the owning service: the store is encrypted whole (CIPHER_KEY);
- on the way out (envelopes the relay publishes, `notifications` pages): each personal value is
  *sealed* (`sealed`): {"sealed": base64 of its AES-GCM ciphertext under the deployment's cipher,
  "digest": HMAC-SHA256 of "<field>:<number>" under the digest key}. Whoever holds CIPHER_KEY
  (the deployment's services) can unseal; anyone can compare digests, nobody can brute-force one;
- in the hash chain: each personal value counts as "hmac:" + its digest (`committed`), so an
  auditor verifies the chain from sealed envelopes without any key, and a number changed at rest
  still breaks it;
- in answers: the number itself for the roles that need it, masked for the others (`masked`):
  a masked number keeps its last four digits, enough for a clerk to tell two apart.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Callable

# A portal account's login e-mail and password hash (services/accounts) count as personal too:
# an Argon2 hash on the broker is an offline guessing target.
PERSONAL_KEYS = ("npwp", "nik", "login_email", "password_hash")
# The roles that need the numbers themselves: registration, verification, payment, audit.
NEEDS_PERSONAL_DATA = ("admin", "verifier", "finance", "auditor")
MASKED_UNKNOWN = "••••"  # a sealed number that cannot be opened here: nothing of it is shown

# The key of the commitments in the hash chain. The domain stays pure (no settings, no I/O):
# ServiceApplication sets it from Settings.digest_key when it is built; every service of a
# deployment derives it from the one CIPHER_KEY, so they all commit alike.
_commitment_key: bytes | None = None


class NoCommitmentKey(RuntimeError):
    """A plain personal number was to be committed before any application set the key."""


def use_commitment_key(key: bytes) -> None:
    global _commitment_key
    _commitment_key = key


def mask(number: str | None) -> str | None:
    if not number:
        return number
    return "•" * max(len(number) - 4, 0) + number[-4:]


def keyed_digest(key: bytes, text: str) -> str:
    """HMAC-SHA256 of `text` under `key` (Settings.digest_key), hex: a number's stand-in that
    cannot be brute-forced from a dump without the key (a plain hash of a 16-digit NIK can)."""
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def number_digest(key: bytes, field: str, number: str) -> str:
    """The digest of one personal number: `field` ("npwp", "nik", "bank_account", "document")
    keeps an NPWP and the same digits as an account number apart."""
    return keyed_digest(key, f"{field}:{number}")


def is_sealed(item) -> bool:
    return isinstance(item, dict) and "digest" in item and set(item) <= {"sealed", "digest"}


def _is_personal(item) -> bool:
    return (isinstance(item, str) and item != "") or is_sealed(item)


def each_personal(value, change: Callable[[str, object], object]):
    """`value` with every personal number in it replaced by `change(field, number)`.

    The one rule of what is personal: any `npwp`, `nik`, `login_email` or `password_hash`
    (at any depth), the `number` of a
    `bank_account`, the `number` of a document (a dict with a `kind` and a `number`: a
    DocumentSubmitted payload, a document in a partner's file), and the `name` of a kept `file`
    (people name their scans after the number on them: "KTP 3201....jpg"). `number` is a plain
    string or a sealed value."""
    if isinstance(value, (list, tuple)):
        return [each_personal(v, change) for v in value]
    if not isinstance(value, dict) or is_sealed(value):
        return value
    document = isinstance(value.get("kind"), str) and "number" in value
    out = {}
    for key, item in value.items():
        if key in PERSONAL_KEYS and _is_personal(item):
            out[key] = change(key, item)
        elif key == "bank_account" and isinstance(item, dict):
            account = each_personal(item, change)
            if _is_personal(item.get("number")):
                account["number"] = change("bank_account", item["number"])
            out[key] = account
        elif key == "number" and document and _is_personal(item):
            out[key] = change("document", item)
        elif key == "file" and isinstance(item, dict) and _is_personal(item.get("name")):
            out[key] = {**each_personal(item, change), "name": change("file_name", item["name"])}
        elif isinstance(item, (dict, list, tuple)):
            out[key] = each_personal(item, change)
        else:  # a plain value holds no number: not walked (most of them, on every envelope)
            out[key] = item
    return out


def sealed(value, cipher, key: bytes):
    """`value` (JSON-safe) with each personal number sealed: encrypted with `cipher` (the
    application's, `mapper.cipher`) and its digest under `key`. Without a cipher (a store run
    without CIPHER_KEY), only the digest travels: never the number."""
    def seal(field, number):
        if is_sealed(number):
            return number
        out = {"digest": number_digest(key, field, number)}
        if cipher is not None:
            out["sealed"] = base64.b64encode(cipher.encrypt(number.encode())).decode()
        return out

    return each_personal(value, seal)


def revealed(value, cipher):
    """`value` with each sealed number opened with `cipher`; one that cannot be opened here
    (no cipher, or none travelled) shows as MASKED_UNKNOWN."""
    def reveal(field, number):
        if not is_sealed(number):
            return number
        if cipher is None or "sealed" not in number:
            return MASKED_UNKNOWN
        return cipher.decrypt(base64.b64decode(number["sealed"])).decode()

    return each_personal(value, reveal)


def masked(value):
    """`value` with every personal number in it masked (last four digits)."""
    return each_personal(value, lambda field, number: MASKED_UNKNOWN if is_sealed(number)
                         else mask(number))


def identity(field: str, number) -> str:
    """The digest that stands for a number, plain or sealed: for a consumer that needs only to
    know which person or account it is (a journalist listed, then removed)."""
    if is_sealed(number):
        return number["digest"]
    if _commitment_key is None:
        raise NoCommitmentKey(f"a plain {field} number needs the digest key: build the "
                              "service's application (ServiceApplication) first")
    return number_digest(_commitment_key, field, number)


def committed(value):
    """`value` as the hash chain counts it: each personal number as "hmac:" + its digest (the
    digest a sealed number carries, or the one computed with the commitment key)."""
    def commit(field, number):
        if isinstance(number, str) and number.startswith("hmac:"):
            return number  # committed already (a trail row's `committed_payload`)
        return "hmac:" + identity(field, number)

    return each_personal(value, commit)
