"""Helpers the tests import: tokens, actors and realistic registration payloads."""
from __future__ import annotations

import datetime as dt
import os

from shared.auth import mint_token

AMQP_URI = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
PG_HOST = os.environ.get("POSTGRES_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("POSTGRES_PORT", "5432"))
SECRET = "test-secret-for-seklik-suite-0123456789"


def token(*roles: str, sub: str = "tester", **claims) -> str:
    return mint_token(SECRET, sub, roles, **claims)


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
