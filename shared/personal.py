"""Personal data (UU 27/2022): NPWP, NIK and bank account numbers.

At rest they are encrypted with the stores (CIPHER_KEY); in answers they are masked for the
roles that do not need them. A masked number keeps its last four digits, enough for a clerk to
tell two apart and nothing more.
"""
from __future__ import annotations

import hashlib
import hmac

PERSONAL_KEYS = ("npwp", "nik")
# The roles that need the numbers themselves: registration, verification, payment, audit.
NEEDS_PERSONAL_DATA = ("admin", "verifier", "finance", "auditor")


def mask(number: str | None) -> str | None:
    if not number:
        return number
    return "•" * max(len(number) - 4, 0) + number[-4:]


def masked(value):
    """`value` with every NPWP, NIK and bank account number in it masked."""
    if isinstance(value, list):
        return [masked(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in PERSONAL_KEYS and isinstance(item, str):
            out[key] = mask(item)
        elif key == "bank_account" and isinstance(item, dict):
            out[key] = {**item, "number": mask(item.get("number"))}
        else:
            out[key] = masked(item)
    return out


def keyed_digest(key: bytes, text: str) -> str:
    """HMAC-SHA256 of `text` under `key` (Settings.digest_key), hex: a number's stand-in that
    cannot be brute-forced from a dump without the key (a plain hash of a 16-digit NIK can)."""
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
