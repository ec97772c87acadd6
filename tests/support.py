"""Helpers the tests import: tokens, actors and realistic registration payloads."""
from __future__ import annotations

import datetime as dt
import os
import uuid

from shared.auth import TokenKeys, development_key, mint_token
from shared.config import Settings

# Each test session runs on a RabbitMQ vhost of its own (tests/conftest.py `rabbit` creates it
# and deletes it at the end): two suites on one machine (CI beside a developer's run, the
# service tests beside the fault tests) would otherwise answer each other's RPC calls from
# another database and feed each other's consumers, and an acknowledged command would go
# missing from the books. AMQP_URI in the environment names a broker and vhost to use instead.
OWN_VHOST = None if os.environ.get("AMQP_URI") else f"seklik-test-{uuid.uuid4().hex[:8]}"
AMQP_URI = os.environ.get("AMQP_URI") or f"amqp://guest:guest@127.0.0.1:5672/{OWN_VHOST}"
PG_HOST = os.environ.get("POSTGRES_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("POSTGRES_PORT", "5432"))
REGENCY_CODE = "16.02"  # Settings' default: the regency the suite's services run as
# The suite signs as the development issuer, which every service of the suite (SEKLIK_ENV=
# development, no keys set) verifies with; KEYS is what those services verify with.
ISSUER_KEY = development_key()
KEYS = TokenKeys.development(REGENCY_CODE)
# The company a media user's token speaks for when a test does not name one.
SOME_COMPANY = "5e6b1f0c-0000-4000-8000-000000000001"


def token(*roles: str, sub: str = "tester", **claims) -> str:
    """A person's token as `seklik token` mints it (15 minutes unless `ttl_seconds`)."""
    if "media" in roles:
        claims.setdefault("partner_id", SOME_COMPANY)
    return mint_token(ISSUER_KEY, sub, roles, regency=REGENCY_CODE, **claims)


def free_port() -> int:
    """A TCP port nobody listens on now (for the gateway of a test: others run tests here)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def actor(*roles: str, sub: str = "tester") -> dict:
    return {"sub": sub, "roles": sorted(roles)}


def company(n: int = 1, **overrides) -> dict:
    """A valid registration payload; `n` varies the identity so registrations do not clash."""
    name = f"Sriwijaya Media Utama {n}"
    payload = {
        "legal_name": name, "brand_name": f"SumselNews{n}", "legal_form": "PT",
        "media_type": "online", "npwp": f"{n:015d}", "nib": f"{n:013d}", "pkp": True,
        "address": "Jl. Letnan Mukhtar Saleh 12, Kayuagung", "founded_on": "2015-03-01",
        "contact": {"email": f"redaksi{n}@sumselnews.id", "phone": "+62 712 321000"},
        "bank_account": {"bank": "Bank Sumsel Babel", "number": f"{1000000 + n}",
                         "holder": f"PT {name}"},
    }
    payload.update(overrides)
    return payload


def loaded(payload: dict) -> dict:
    """The same payload as the schema hands it to the application (dates as dates)."""
    return {**payload, "founded_on": dt.date.fromisoformat(payload["founded_on"])}


def sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


POLICY_2026 = {
    "required_documents": {
        "online": ["deed", "nib", "npwp", "tax_return", "domicile"],
        "print_daily": ["deed", "nib", "npwp", "tax_return", "circulation_statement"],
        "print_weekly": ["deed", "nib", "npwp", "tax_return", "circulation_statement"],
        "print_monthly": ["deed", "nib", "npwp", "tax_return", "circulation_statement"],
        "tv": ["deed", "nib", "npwp", "tax_return", "broadcast_licence"],
        "radio": ["deed", "nib", "npwp", "tax_return", "broadcast_licence"],
    },
    "min_company_age_years": 2,
    "min_press_council": "administrative",
    "chief_editor_min_ukw": "madya",
}


def document(kind: str, issued_on: str = "2025-01-15", valid_until=None, number=None) -> dict:
    return {"kind": kind, "number": number or f"{kind.upper()}-001", "issued_on": issued_on,
            "valid_until": valid_until, "sha256": sha(f"{kind}{issued_on}{number}")}


def next_year_end() -> str:
    return f"{Settings.from_env().today().year + 1}-12-31"  # the regency's year, not UTC's


def documents_for(media_type: str, policy: dict = POLICY_2026) -> list[dict]:
    """Valid documents for every kind the policy asks of this media type."""
    return [document(kind, valid_until=next_year_end() if kind in (
        "tax_return", "tax_clearance", "domicile", "bpjs", "broadcast_licence") else None)
        for kind in policy["required_documents"][media_type]]


def chief_editor(n: int = 1, ukw_level: str = "utama") -> dict:
    return {"nik": f"1601{n:012d}", "name": f"Pemimpin Redaksi {n}", "role": "chief_editor",
            "ukw_level": ukw_level, "certificate_no": f"UKW-{n:05d}" if ukw_level != "none"
            else None}


RUBRIC_2026 = {
    "criteria": [
        {"code": "press_council", "name": "Dewan Pers verification", "weight": 30,
         "max_score": 10, "source": "press_council"},
        {"code": "chief_editor", "name": "Chief editor's UKW level", "weight": 20,
         "max_score": 10, "source": "chief_editor_ukw"},
        {"code": "certified", "name": "Share of certified journalists", "weight": 10,
         "max_score": 10, "source": "certified_share"},
        {"code": "age", "name": "Age of the company", "weight": 10, "max_score": 10,
         "source": "company_age"},
        {"code": "regularity", "name": "Publishing regularity", "weight": 15,
         "max_score": 100, "source": "manual"},
        {"code": "traffic", "name": "Traffic or circulation", "weight": 15, "max_score": 100,
         "source": "manual"},
    ],
    "tiers": [{"tier": "A", "min_total": 80}, {"tier": "B", "min_total": 60},
              {"tier": "C", "min_total": 40}],
}
