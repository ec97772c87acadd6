"""A registration round a newcomer can watch: real-looking media companies of every type.

Every command carries a command_id, so running the demo twice registers nothing twice.
"""
from __future__ import annotations

COMPANIES = [
    # legal_name, brand, form, media_type, founded, pkp
    ("Sriwijaya Media Utama", "SumselNews.id", "PT", "online", "2015-03-01", True),
    ("Kayuagung Pos Digital", "KayuagungPos.com", "PT", "online", "2019-08-17", False),
    ("Bende Seguguk Multimedia", "BendeNews", "PT", "online", "2021-02-10", False),
    ("Pena Komering Nusantara", "PenaKomering.co.id", "PT", "online", "2017-11-05", True),
    ("Harian Ogan Ilir Raya", "Harian OIR", "PT", "print_daily", "2008-05-20", True),
    ("Sumatera Ekspres Kayuagung", "Sumeks Kayuagung", "PT", "print_daily", "2004-01-12", True),
    ("Mingguan Lebak Lebung", "Lebak Lebung", "PT", "print_weekly", "2012-09-01", False),
    ("Koperasi Pers Pedamaran", "Warta Pedamaran", "koperasi", "print_weekly", "2016-06-30",
     False),
    ("Televisi Ogan Komering Ilir", "OKI TV", "PT", "tv", "2010-10-10", True),
    ("Palembang Televisi Kabupaten", "PalTV Kabupaten", "PT", "tv", "2006-04-04", True),
    ("Radio Suara Kayuagung", "SKA FM", "PT", "radio", "1999-12-01", False),
    ("Yayasan Radio Komunitas Tulung Selapan", "Selapan FM", "yayasan", "radio", "2013-03-15",
     False),
]


def payloads() -> list[dict]:
    out = []
    for n, (name, brand, form, media_type, founded, pkp) in enumerate(COMPANIES, start=1):
        out.append({
            "legal_name": name, "brand_name": brand, "legal_form": form,
            "media_type": media_type, "npwp": f"0{n:02d}{734561200000 + n:012d}",
            "nib": f"{8120000000000 + n}", "pkp": pkp,
            "address": f"Jl. Letnan Mukhtar Saleh No. {n}, Kayuagung, Ogan Komering Ilir",
            "founded_on": founded,
            "contact": {"email": f"redaksi@{_slug(brand)}.co.id",
                        "phone": f"+62 712 32{n:04d}"},
            "bank_account": {"bank": "Bank Sumsel Babel", "number": f"1500{n:06d}",
                             "holder": f"{form} {name}"},
        })
    return out


def run(rpc, say=print) -> list[dict]:
    """Register the demo companies through RPC; the partners' summaries."""
    answers = []
    for payload in payloads():
        answer = rpc.partners.register_partner(payload,
                                               command_id=f"demo-register-{payload['npwp']}")
        answers.append(answer)
        say(f"  registered {payload['legal_form']} {payload['legal_name']}"
            f" ({payload['media_type']})")
    return answers


def _slug(text: str) -> str:
    return "".join(c for c in text.lower().split(".")[0] if c.isalnum())
