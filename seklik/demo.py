"""A registration round a newcomer can watch: thirty media companies of every type apply for
the current year under the year's requirement policy; most are activated, some fail it for
different reasons.

Everything goes through RPC, as Kominfo staff, the verification team and the companies would.
Every command carries a command_id, so running the demo twice on one day records nothing twice.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from shared.config import Settings

# The round, prices and contracts of this year (the regency's): orders are today's.
YEAR = Settings.from_env().today().year
POLICY = {
    "required_documents": {
        "online": ["deed", "deed_approval", "nib", "npwp", "tax_return", "domicile"],
        "print_daily": ["deed", "deed_approval", "nib", "npwp", "tax_return",
                        "circulation_statement"],
        "print_weekly": ["deed", "deed_approval", "nib", "npwp", "tax_return",
                         "circulation_statement"],
        "print_monthly": ["deed", "deed_approval", "nib", "npwp", "tax_return",
                          "circulation_statement"],
        "tv": ["deed", "deed_approval", "nib", "npwp", "tax_return", "broadcast_licence"],
        "radio": ["deed", "deed_approval", "nib", "npwp", "tax_return", "broadcast_licence"],
    },
    "min_company_age_years": 2,
    "min_press_council": "administrative",
    "chief_editor_min_ukw": "madya",
}
EXPIRING = ("tax_return", "domicile", "broadcast_licence")
RUBRIC = {
    "criteria": [
        {"code": "press_council", "name": "Dewan Pers verification", "weight": 25,
         "max_score": 10, "source": "press_council"},
        {"code": "chief_editor", "name": "Chief editor's UKW level", "weight": 15,
         "max_score": 10, "source": "chief_editor_ukw"},
        {"code": "certified", "name": "Share of certified journalists", "weight": 10,
         "max_score": 10, "source": "certified_share"},
        {"code": "age", "name": "Age of the company", "weight": 10, "max_score": 10,
         "source": "company_age"},
        {"code": "regularity", "name": "Publishing regularity", "weight": 15,
         "max_score": 100, "source": "manual"},
        {"code": "reach", "name": "Traffic, circulation or audience", "weight": 15,
         "max_score": 100, "source": "manual"},
        {"code": "local_office", "name": "Office and journalist in the regency", "weight": 10,
         "max_score": 100, "source": "manual"},
    ],
    "tiers": [{"tier": "A", "min_total": 80}, {"tier": "B", "min_total": 60},
              {"tier": "C", "min_total": 40}],
}

# legal form, legal name, brand, media type, founded, PKP, press council, chief editor's UKW,
# and what goes wrong (None: nothing).
COMPANIES = [
    ("PT", "Sriwijaya Media Utama", "SumselNews", "online", "2015-03-01", True, "factual",
     "utama", None),
    ("PT", "Kayuagung Pos Digital", "KayuagungPos", "online", "2019-08-17", False,
     "administrative", "madya", None),
    ("PT", "Bende Seguguk Multimedia", "BendeNews", "online", "2021-02-10", False,
     "administrative", "madya", None),
    ("PT", "Pena Komering Nusantara", "PenaKomering", "online", "2017-11-05", True, "factual",
     "utama", None),
    ("PT", "Lintas Ogan Media", "LintasOgan", "online", "2018-04-21", False, "administrative",
     "utama", None),
    ("PT", "Suara Pedamaran Online", "SuaraPedamaran", "online", "2020-01-06", False,
     "administrative", "madya", "tax_return_expired"),
    ("PT", "Warta Mesuji Raya", "WartaMesuji", "online", "2016-07-14", True, "factual", "utama",
     None),
    ("PT", "Kabar Tulung Selapan", "KabarSelapan", "online", f"{YEAR - 1}-09-01", False, "none",
     "muda", "too_young"),
    ("PT", "Detik Sumsel Informasi", "DetikSumselInfo", "online", "2014-05-30", True, "factual",
     "utama", None),
    ("PT", "Jejak Lempuing Media", "JejakLempuing", "online", "2019-10-10", False, "none",
     "madya", "no_press_council"),
    ("PT", "Gema Cengal Digital", "GemaCengal", "online", "2018-12-12", False, "administrative",
     "muda", "ukw_too_low"),
    ("PT", "Serambi Air Sugihan", "SerambiSugihan", "online", "2017-03-03", False,
     "administrative", "madya", "document_rejected"),
    ("PT", "Harian Ogan Ilir Raya", "Harian OIR", "print_daily", "2008-05-20", True, "factual",
     "utama", None),
    ("PT", "Sumatera Ekspres Kayuagung", "Sumeks Kayuagung", "print_daily", "2004-01-12", True,
     "factual", "utama", None),
    ("PT", "Berita Pagi Komering", "Berita Pagi", "print_daily", "2010-08-08", True, "factual",
     "utama", None),
    ("PT", "Palembang Pos Kabupaten", "PalPos Kab", "print_daily", "2009-02-17", True,
     "factual", "utama", "no_circulation"),
    ("PT", "Mingguan Lebak Lebung", "Lebak Lebung", "print_weekly", "2012-09-01", False,
     "administrative", "madya", None),
    ("koperasi", "Koperasi Pers Pedamaran", "Warta Pedamaran", "print_weekly", "2016-06-30",
     False, "administrative", "madya", None),
    ("PT", "Tabloid Sepucuk Jurai", "Sepucuk Jurai", "print_weekly", "2013-11-11", False,
     "administrative", "utama", "tax_return_expired"),
    ("PT", "Buletin Kayuagung Sejahtera", "Buletin KS", "print_weekly", "2015-04-04", False,
     "administrative", "madya", None),
    ("PT", "Televisi Ogan Komering Ilir", "OKI TV", "tv", "2010-10-10", True, "factual",
     "utama", None),
    ("PT", "Palembang Televisi Kabupaten", "PalTV Kabupaten", "tv", "2006-04-04", True,
     "factual", "utama", None),
    ("PT", "Sriwijaya Televisi Nusantara", "STV", "tv", "2012-06-06", True, "factual", "utama",
     "no_broadcast_licence"),
    ("PT", "Komering Vision Media", "KomVision", "tv", "2019-03-19", True, "administrative",
     "madya", None),
    ("PT", "Radio Suara Kayuagung", "SKA FM", "radio", "1999-12-01", False, "administrative",
     "madya", None),
    ("yayasan", "Yayasan Radio Komunitas Tulung Selapan", "Selapan FM", "radio", "2013-03-15",
     False, "administrative", "madya", None),
    ("PT", "Radio Dangdut Pampangan", "Pampangan FM", "radio", "2008-08-18", False,
     "administrative", "madya", None),
    ("PT", "Radio Swara Lempuing", "Swara Lempuing", "radio", "2011-01-25", False,
     "administrative", "muda", "ukw_too_low"),
    ("PT", "Radio Bahana Sirah Pulau Padang", "Bahana FM", "radio", "2005-05-05", False,
     "factual", "utama", "no_broadcast_licence"),
    ("koperasi", "Koperasi Media Pangkalan Lampam", "Lampam Pos", "online", "2017-09-09",
     False, "administrative", "madya", None),
]


def payload(n: int, form, name, brand, media_type, founded, pkp) -> dict:
    slug = "".join(c for c in brand.lower() if c.isalnum())
    return {
        "legal_name": name, "brand_name": brand, "legal_form": form, "media_type": media_type,
        "npwp": f"0{n:02d}{734561200000 + n:012d}", "nib": f"{8120000000000 + n}",
        "pkp": pkp, "address": f"Jl. Letnan Mukhtar Saleh No. {n}, Kayuagung, Ogan Komering Ilir",
        "founded_on": founded,
        "contact": {"email": f"redaksi@{slug}.co.id", "phone": f"+62 712 32{n:04d}"},
        "bank_account": {"bank": "Bank Sumsel Babel", "number": f"1500{n:06d}",
                         "holder": f"{form} {name}"},
    }


def documents(media_type: str, problem: str | None, today: dt.date) -> list[dict]:
    docs = []
    for kind in POLICY["required_documents"][media_type]:
        if (problem, kind) in (("no_broadcast_licence", "broadcast_licence"),
                               ("no_circulation", "circulation_statement")):
            continue
        valid_until = None
        if kind in EXPIRING:
            valid_until = (dt.date(today.year - 1, 3, 31) if problem == "tax_return_expired"
                           and kind == "tax_return" else dt.date(today.year + 1, 12, 31))
        issued_on = dt.date(today.year - 1, 1, 15)
        docs.append({"kind": kind, "number": f"{kind.upper()}/{issued_on.year}/001",
                     "issued_on": issued_on.isoformat(),
                     "valid_until": valid_until.isoformat() if valid_until else None,
                     "sha256": hashlib.sha256(f"{media_type}{kind}".encode()).hexdigest()})
    return docs


def run(admin, verifier, say=print) -> list[dict]:
    """Run the round; one row per company: brand, media type, status, and why it failed."""
    today = Settings.from_env().today()  # the regency's date, as the services judge
    admin.partners.set_requirement_policy(YEAR, POLICY, command_id=f"demo-policy-{YEAR}")
    say(f"  requirement policy {YEAR} set")
    rows = []
    for n, (form, name, brand, media_type, founded, pkp, council, ukw, problem) in enumerate(
            COMPANIES, start=1):
        key = f"demo-{n:02d}"
        pid = admin.partners.register_partner(payload(n, form, name, brand, media_type,
                                                      founded, pkp),
                                              command_id=f"{key}-register")["partner_id"]
        for doc in documents(media_type, problem, today):
            did = admin.partners.submit_document(pid, doc, command_id=f"{key}-{doc['kind']}")[
                "document_id"]
            rejected = problem == "document_rejected" and doc["kind"] == "npwp"
            verifier.partners.review_document(
                pid, did, "rejected" if rejected else "accepted",
                "NPWP card does not match the deed" if rejected else "matches the original",
                command_id=f"{key}-review-{doc['kind']}")
        if council != "none":
            verifier.partners.record_press_council_status(
                pid, council, f"DP/{n:03d}/2025", "2025-06-01", command_id=f"{key}-council")
        admin.partners.add_journalist(pid, {
            "nik": f"1602{n:012d}", "name": f"Pemimpin Redaksi {brand}", "role": "chief_editor",
            "ukw_level": ukw, "certificate_no": f"UKW/{n:04d}"}, command_id=f"{key}-chief")
        check = admin.partners.check_requirements(pid, YEAR)
        if check["met"]:
            admin.partners.activate_partner(pid, YEAR, command_id=f"{key}-activate")
        status = admin.partners.get_partner(pid)["status"]
        rows.append({"partner_id": pid, "brand": brand, "media_type": media_type,
                     "status": status,
                     "unmet": "; ".join(u["detail"] for u in check["unmet"]) or "-"})
    return rows


def assess(admin, assessor, rows, say=print, timeout: float = 30) -> list[dict]:
    """Score the activated partners of the round and finalise their tiers."""
    import time

    admin.assessment.set_rubric(YEAR, RUBRIC, command_id=f"demo-rubric-{YEAR}")
    say(f"  rubric {YEAR} set")
    for n, row in enumerate(rows, start=1):
        if row["status"] != "active":
            continue
        deadline = time.monotonic() + timeout
        while True:  # assessment learns the partner from partners' events
            try:
                assessor.assessment.get_assessment(YEAR, row["partner_id"])
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        for code, base in (("regularity", 55), ("reach", 40), ("local_office", 60)):
            value = min(100, base + (n * 37 + len(code) * 11) % 45)
            assessor.assessment.score(YEAR, row["partner_id"], code, value,
                                      f"{code} checked by the assessment team",
                                      command_id=f"demo-{n:02d}-score-{code}")
        result = assessor.assessment.finalize_assessment(YEAR, row["partner_id"],
                                                         command_id=f"demo-{n:02d}-finalize")
        row.update(total=result["total"], tier=result["tier"] or "-")
    return rows


PRICE_TABLE = [  # Rp per item, within the real ranges of DOMAIN.md §3
    ("online", {"A": 2_500_000, "B": 2_000_000, "C": 1_500_000}),
    ("print_daily", {"A": 9_900_000, "B": 6_500_000, "C": 3_500_000}),
    ("print_weekly", {"A": 8_200_000, "B": 4_500_000, "C": 1_500_000}),
    ("print_monthly", {"A": 7_500_000, "B": 4_000_000, "C": 1_500_000}),
    ("tv", {"A": 12_000_000, "B": 8_000_000, "C": 5_000_000}),
    ("radio", {"A": 3_000_000, "B": 2_000_000, "C": 1_000_000}),
]
# A news item costs less than an advertorial: two of them make a DPP of at most Rp2,000,000,
# the payment whose PPN the treasurer leaves to the partner.
NEWS_PRICES = {"A": 1_000_000, "B": 800_000, "C": 600_000}
BUDGETS = [("2.16.01.2.06.0001", "Publikasi dan diseminasi informasi pemerintah daerah",
            1_250_000_000),
           ("2.16.01.2.06.0002", "Penyebarluasan informasi melalui media penyiaran",
            770_000_000)]
CEILINGS = {"A": 60_000_000, "B": 40_000_000, "C": 20_000_000}  # with PPN, as paid out
# PMK 131/2024: from 2025 PPN is 12% on a DPP of 11/12 of the price (11% effective); PPh 23 2%;
# the treasurer collects PPN on a payment above Rp2,000,000 not counting PPN.
TAX_RULES = {"ppn_rate": "12/100", "dpp_factor": "11/12", "pph23_rate": "2/100",
             "collection_threshold": 2_000_000}


def trade(finance, rows, say=print) -> list[dict]:
    """Prices, budgets and ceilings; a contract for each tiered partner; a season of orders,
    proofs (some still missing) and payments. One row per order."""
    today = Settings.from_env().today()  # the regency's date, as the services judge
    items = [{"media_type": media_type, "tier": tier, "product": "advertorial", "unit": "item",
              "unit_price": price}
             for media_type, prices in PRICE_TABLE for tier, price in prices.items()]
    items += [{"media_type": "online", "tier": tier, "product": "news", "unit": "item",
               "unit_price": price} for tier, price in NEWS_PRICES.items()]
    finance.contracts.publish_price_standard(YEAR, f"{YEAR}-01-01", items,
                                             command_id=f"demo-prices-{YEAR}")
    for code, name, pagu in BUDGETS:
        finance.contracts.set_budget(YEAR, code, name, pagu, command_id=f"demo-budget-{code}")
    for tier, ceiling in CEILINGS.items():
        finance.contracts.set_tier_ceiling(YEAR, tier, ceiling, command_id=f"demo-ceiling-{tier}")
    finance.contracts.set_tax_rules(f"{YEAR}-01-01", TAX_RULES, command_id=f"demo-tax-{YEAR}")
    say(f"  price standard {YEAR}, 2 budgets (Rp2.02 billion), tier ceilings and tax rules "
        "(PPN 12% of 11/12 of the DPP, PPh 23 2%, PPN collected above Rp2,000,000) set")

    orders = []
    tiered = [r for r in rows if r.get("tier") not in (None, "-")]
    for n, row in enumerate(tiered, start=1):
        code = BUDGETS[1][0] if row["media_type"] in ("tv", "radio") else BUDGETS[0][0]
        contract = {"number": f"{n:03d}/SPK/DISKOMINFO/{YEAR}", "fiscal_year": YEAR,
                    "partner_id": row["partner_id"], "activity_code": code,
                    "ceiling": CEILINGS[row["tier"]] * 3 // 4, "starts_on": f"{YEAR}-01-01",
                    "ends_on": f"{YEAR}-12-31"}
        cid = eventually(lambda: finance.contracts.sign_contract(
            contract, command_id=f"demo-{n:02d}-contract"))["contract_id"]
        for k, title in enumerate(("Sosialisasi vaksinasi HPV", "Hari Jadi Kabupaten OKI",
                                   "Festival Bidar Kayuagung")):
            key = f"demo-{n:02d}-order-{k}"
            placed = finance.contracts.place_order(cid, {
                "product": "advertorial", "quantity": 1, "title": title,
                "publish_by": (today + dt.timedelta(days=k)).isoformat()}, command_id=key)
            status, payment = "placed, proof due", None
            if (n + k) % 5:  # most outlets file their proof; some have not yet
                finance.contracts.submit_proof(placed["order_id"], {
                    "kind": "broadcast_log" if row["media_type"] in ("tv", "radio") else "link",
                    "reference": f"https://{row['brand'].lower().replace(' ', '')}.id/{k}",
                    "published_on": today.isoformat(),
                    "sha256": hashlib.sha256(key.encode()).hexdigest(),
                    "reach": {"page_views": 3_000 + 1_700 * ((n * 7 + k) % 9)}},
                    command_id=f"{key}-proof")
                finance.contracts.review_proof(placed["order_id"], "accepted",
                                               "BAST signed", command_id=f"{key}-bast")
                status = "proof accepted, unpaid"
                if (n + k) % 3:
                    paid = finance.contracts.record_payment(placed["order_id"], {
                        "sp2d_number": f"{n:02d}{k}/SP2D-LS/{YEAR}",
                        "paid_on": today.isoformat()}, command_id=f"{key}-pay")
                    status = "paid Rp" + f"{paid['paid_to_partner']:,}".replace(",", ".")
                    payment = {"brand": row["brand"], "kind": payment_kind(paid),
                               "sp2d_number": f"{n:02d}{k}/SP2D-LS/{YEAR}", **paid}
            orders.append({"brand": row["brand"], "tier": row["tier"], "title": title,
                           "gross": placed["gross"], "ppn": placed["ppn"], "status": status,
                           "payment": payment})
        pkp = any(o["brand"] == row["brand"] and o["ppn"] for o in orders)
        small_paid = any(o["payment"] and o["payment"]["kind"] == "PKP, <= Rp2.000.000"
                         for o in orders)
        if row["media_type"] == "online" and pkp and not small_paid:
            orders.append(small_payment(finance, cid, row, n, today))
    return orders


RELEASES = [
    ("Bupati OKI resmikan Pasar Rakyat Kayuagung",
     "Kayuagung - Bupati Ogan Komering Ilir meresmikan Pasar Rakyat Kayuagung yang dibangun "
     "dengan dana alokasi khusus. Pasar menampung 412 pedagang.", {}),
    ("Jadwal vaksinasi HPV untuk pelajar SMP se-Kabupaten OKI",
     "Dinas Kesehatan OKI membuka vaksinasi HPV gratis bagi pelajar perempuan kelas 5 SD dan "
     "kelas 1 SMP di 32 puskesmas, mulai pekan depan.", {"media_types": ["online"]}),
]


def releases(humas, rows, say=print) -> list[dict]:
    """Two press releases of the desk: one to every active partner, one to the online ones;
    the desk logs the pickups its media monitoring finds (most accepted, one carrying another
    story rejected). One row per release."""
    today = Settings.from_env().today()
    partners = {r["partner_id"]: r for r in rows}
    sent = []
    for k, (title, body, audience) in enumerate(RELEASES):
        answer = humas.contracts.publish_release({
            "title": title, "body": body, "release_date": today.isoformat(),
            "audience": audience}, command_id=f"demo-release-{k}")
        release_id = answer["release_id"]
        recipients = humas.contracts.get_release(release_id)["sent_to"]
        for n, partner_id in enumerate(recipients):
            if (n + k) % 3 == 2:
                continue  # not every outlet carries every release
            row = partners.get(partner_id, {})
            key = f"demo-release-{k}-{n:02d}"
            filed = humas.contracts.file_pickup(release_id, {
                "partner_id": partner_id,
                "kind": "broadcast_log" if row.get("media_type") in ("tv", "radio")
                else "link",
                "reference": f"https://{row.get('brand', 'media').lower().replace(' ', '')}"
                             f".id/siaran-{k}",
                "published_on": today.isoformat(),
                "sha256": hashlib.sha256(key.encode()).hexdigest(),
                "reach": {"page_views": 1_000 + 900 * ((n * 5 + k) % 7)}}, command_id=key)
            decision, note = ("rejected", "Tautan memuat berita lain, bukan siaran ini") \
                if (n + k) % 7 == 6 else ("accepted", "Dimuat utuh")
            humas.contracts.review_pickup(release_id, filed["pickup_id"], decision, note,
                                          command_id=f"{key}-review")
        whole = humas.contracts.get_release(release_id)
        sent.append({"title": title, "recipients": answer["recipients"],
                     "pickups": len(whole["pickups"]), "accepted": whole["accepted"]})
    say(f"  {len(sent)} press releases sent, their pickups logged and reviewed")
    return sent


def small_payment(finance, cid, row, n, today) -> dict:
    """Two news items for a PKP outlet: a DPP of at most Rp2,000,000, so the treasurer does
    not collect the PPN (the partner receives it and remits it itself)."""
    key = f"demo-{n:02d}-news"
    title = "Berita pelayanan publik (2 item)"
    placed = finance.contracts.place_order(cid, {
        "product": "news", "quantity": 2, "title": title, "publish_by": today.isoformat()},
        command_id=key)
    finance.contracts.submit_proof(placed["order_id"], {
        "kind": "link", "reference": f"https://{row['brand'].lower()}.id/layanan",
        "published_on": today.isoformat(), "sha256": hashlib.sha256(key.encode()).hexdigest(),
        "reach": {"page_views": 2_500}}, command_id=f"{key}-proof")
    finance.contracts.review_proof(placed["order_id"], "accepted", "BAST signed",
                                   command_id=f"{key}-bast")
    sp2d = f"{n:02d}9/SP2D-LS/{YEAR}"
    paid = finance.contracts.record_payment(placed["order_id"], {
        "sp2d_number": sp2d, "paid_on": today.isoformat()}, command_id=f"{key}-pay")
    return {"brand": row["brand"], "tier": row["tier"], "title": title,
            "gross": placed["gross"], "ppn": placed["ppn"],
            "status": "paid Rp" + f"{paid['paid_to_partner']:,}".replace(",", "."),
            "payment": {"brand": row["brand"], "kind": payment_kind(paid), "sp2d_number": sp2d,
                        **paid}}


def payment_kind(paid: dict) -> str:
    if not paid["ppn"]:
        return "not PKP"
    return "PKP, PPN collected" if paid["ppn_collected"] else "PKP, <= Rp2.000.000"


def treasurer_rows(orders: list[dict]) -> list[dict]:
    """The first payment of each kind, as a treasurer checks it, and each kind's totals."""
    payments = [o["payment"] for o in orders if o["payment"]]
    rows = []
    for kind in ("PKP, PPN collected", "PKP, <= Rp2.000.000", "not PKP"):
        of_kind = [p for p in payments if p["kind"] == kind]
        if not of_kind:
            continue
        rows.append({**of_kind[0], "payments": 1,
                     "to_account": account_label(of_kind[0].get("paid_to_account"))})
        rows.append({"brand": f"all {len(of_kind)}", "kind": kind, "sp2d_number": "",
                     "to_account": "",
                     "payments": len(of_kind), "tax_rules_version": "",
                     **{k: sum(p[k] for p in of_kind) for k in AMOUNTS}})
    return rows


def account_label(account: dict | None) -> str:
    """The account a payment went to as a treasurer matches it with the SP2D: the bank and
    the last four digits (the number itself stays in partners)."""
    if not account:
        return ""
    return f"{account['bank']} ••••{account['ending'] or '????'}"


AMOUNTS = ("dpp", "ppn", "ppn_collected", "pph23", "paid_to_partner", "realised")


def eventually(call, timeout: float = 30):
    import time

    deadline = time.monotonic() + timeout
    while True:  # contracts learns tiers from assessment's events
        try:
            return call()
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


# The portal's demo accounts: one per role, and a media company that registered itself ----------

# Development only (`make run`): a password anyone can read opens nothing anywhere else.
DEMO_PASSWORD = "seklik-demo-2026"
STAFF = (("admin", "kominfo@demo.seklik.id", "Ani (Admin Kominfo)"),
         ("verifier", "verifikator@demo.seklik.id", "Budi (Verifikator)"),
         ("assessor", "penilai@demo.seklik.id", "Citra (Penilai)"),
         ("finance", "ppk@demo.seklik.id", "Dedi (PPK)"),
         ("auditor", "inspektorat@demo.seklik.id", "Eka (Inspektorat)"),
         ("humas", "humas@demo.seklik.id", "Fitri (Humas, siaran pers)"))
MEDIA_EMAIL = "redaksi@demo.seklik.id"


def portal_accounts(admin, as_holder, say=print) -> list[dict]:
    """Open a staff account per role, and a media company's account that signs up and
    registers its own company (31, not yet with documents) as a newcomer would in the portal.
    `as_holder(token)` gives an RPC proxy carrying that token (None: no token)."""
    accounts = []
    for role, email, name in STAFF:
        admin.accounts.open_account(email=email, password=DEMO_PASSWORD, name=name,
                                    roles=[role], command_id=f"demo-account-{role}")
        accounts.append({"role": role, "email": email, "password": DEMO_PASSWORD})
    with as_holder(None) as anyone:
        anyone.accounts.sign_up(email=MEDIA_EMAIL, password=DEMO_PASSWORD,
                                name="Rina (Redaksi Demo Media)", command_id="demo-signup")
        token = anyone.accounts.log_in(email=MEDIA_EMAIL, password=DEMO_PASSWORD)["token"]
    with as_holder(token) as applicant:
        account = applicant.accounts.my_account()
        if account["partner_id"] is None and "applicant" in account["roles"]:
            applicant.partners.register_partner(
                payload(31, "PT", "Demo Media Kayuagung", "DemoMedia", "online", "2018-02-01",
                        False), command_id="demo-31-register")
    accounts.append({"role": "media", "email": MEDIA_EMAIL, "password": DEMO_PASSWORD})
    say(f"  {len(accounts)} portal accounts opened")
    return accounts
