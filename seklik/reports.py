"""`seklik report NAME`: the reporting views for people, as a table, CSV or JSON, with column
headers in English or Indonesian."""
from __future__ import annotations

import csv
import io
import json

from seklik.tables import render

# report name -> (RPC method, the arguments it takes from the command line, columns)
REPORTS = {
    "registry": ("partner_registry", ("fiscal_year", "as_of"), [
        "legal_name", "brand_name", "media_type", "status", "press_council", "tier",
        "documents_valid", "documents_invalid"]),
    "budget": ("budget_realization", ("fiscal_year", "as_of"), [
        "activity_code", "name", "pagu", "committed", "paid", "remaining", "realisation_pct"]),
    "spending": ("spending", ("fiscal_year", "by", "as_of"), [
        "{by}", "partners", "orders", "committed", "paid", "share"]),
    "payments": ("payment_ledger", ("fiscal_year", "as_of"), [
        "paid_on", "sp2d_number", "partner", "title", "gross", "ppn", "pph23", "net"]),
    "taxes": ("tax_summary", ("fiscal_year", "as_of"), [
        "partner", "payments", "gross", "ppn", "pph23", "net"]),
    # the monthly tax registers: rows, then totals, deposits (NTPN) and the difference
    "pph23": ("pph23_register", ("fiscal_year", "month", "as_of"), [
        "paid_on", "bukti_potong", "sp2d_number", "partner", "npwp", "dpp", "rate", "pph23"]),
    "ppn": ("ppn_register", ("fiscal_year", "month", "as_of"), [
        "paid_on", "sp2d_number", "partner", "npwp", "dpp", "dpp_factor", "rate",
        "ppn_collected"]),
    "outstanding": ("outstanding_invoices", ("as_of", "fiscal_year"), [
        "partner", "title", "gross", "accepted_on", "age_days"]),
    "late-proofs": ("late_proofs", ("fiscal_year", "as_of"), [
        "partner", "media_type", "title", "publish_by", "proof_due", "days_late", "status"]),
    "outputs": ("outputs", ("fiscal_year", "as_of"), [
        "partner", "media_type", "orders", "published_on_time", "late", "reach",
        "gross_published", "rupiah_per_reach"]),
    "outcomes": ("outcomes", ("fiscal_year", "as_of"), [
        "partner", "media_type", "orders", "paid_orders", "on_time", "late", "missing",
        "releases", "pickups", "pickup_rate", "mean_days_to_publication", "reach", "cost",
        "paid", "rupiah_per_1000_reach"]),
    "releases": ("release_summary", ("fiscal_year", "as_of"), [
        "release_date", "title", "embargo_until", "recipients", "filed", "accepted",
        "rejected", "pickup_rate", "first_published_on", "mean_days_to_publication"]),
    "tiers": ("tier_history", ("partner_id", "as_of"), [
        "at", "kind", "fiscal_year", "criterion", "old", "new", "actor", "why"]),
    "trail": ("audit_trail", ("entity_id",), [
        "timestamp", "source", "notification_id", "version", "type", "actor", "hash"]),
    "status": ("projection_status", (), ["source", "last_applied", "latest", "lag"]),
}

INDONESIAN = {
    "legal_name": "nama_badan_hukum", "brand_name": "nama_media", "media_type": "jenis_media",
    "status": "status", "press_council": "dewan_pers", "tier": "tier",
    "documents_valid": "dokumen_sah", "documents_invalid": "dokumen_tidak_sah",
    "activity_code": "kode_kegiatan", "name": "nama_kegiatan", "pagu": "pagu",
    "committed": "terikat", "paid": "dibayar", "remaining": "sisa_pagu",
    "realisation_pct": "realisasi_persen", "partner": "mitra", "partners": "jumlah_mitra",
    "orders": "jumlah_pesanan", "share": "porsi", "paid_on": "tanggal_bayar",
    "sp2d_number": "nomor_sp2d", "title": "judul", "gross": "bruto", "ppn": "ppn",
    "pph23": "pph23", "net": "neto", "payments": "jumlah_pembayaran",
    "accepted_on": "tanggal_bast", "age_days": "umur_hari", "publish_by": "batas_tayang",
    "proof_due": "batas_bukti", "days_late": "hari_terlambat",
    "published_on_time": "tayang_tepat_waktu", "late": "terlambat", "reach": "jangkauan",
    "gross_published": "bruto_tayang", "rupiah_per_reach": "rupiah_per_jangkauan",
    "at": "waktu", "kind": "jenis", "fiscal_year": "tahun_anggaran", "criterion": "kriteria",
    "old": "lama", "new": "baru", "actor": "pelaku", "why": "alasan", "timestamp": "waktu",
    "source": "sumber", "notification_id": "nomor_notifikasi", "version": "versi",
    "type": "peristiwa", "hash": "hash", "last_applied": "terakhir_diterapkan",
    "latest": "terbaru", "lag": "tertinggal", "media_type_": "jenis_media",
    "bukti_potong": "nomor_bukti_potong", "npwp": "npwp", "dpp": "dpp", "rate": "tarif",
    "dpp_factor": "faktor_dpp", "ppn_collected": "ppn_dipungut",
    "paid_orders": "pesanan_dibayar", "cost": "biaya_tayang", "on_time": "tepat_waktu", "missing": "tanpa_bukti",
    "releases": "siaran_pers_diterima", "pickups": "siaran_dimuat",
    "pickup_rate": "rasio_pemuatan", "mean_days_to_publication": "rata_hari_ke_tayang",
    "rupiah_per_1000_reach": "rupiah_per_1000_jangkauan", "release_date": "tanggal_siaran",
    "embargo_until": "embargo_sampai", "recipients": "jumlah_penerima",
    "filed": "dilaporkan", "accepted": "diterima", "rejected": "ditolak", "first_published_on": "tayang_pertama",
}
TAX_REGISTERS = ("pph23", "ppn")


def columns_for(report: str, by: str) -> list[str]:
    return [c.format(by=by) for c in REPORTS[report][2]]


def flatten(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        if isinstance(value, dict) and "sub" in value:
            value = value["sub"]  # an actor
        elif isinstance(value, (list, dict)):
            value = ", ".join(map(str, value)) if isinstance(value, list) else json.dumps(value)
        out[key] = value
    return out


def format_rows(rows: list[dict], columns: list[str], fmt: str, lang: str) -> str:
    headers = {c: INDONESIAN.get(c, c) for c in columns} if lang == "id" else {}
    rows = [flatten(r) for r in rows]
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([headers.get(c, c) for c in columns])
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
        return out.getvalue()
    return render(rows, columns, headers)


def run(rpc, report: str, args, fmt: str = "table", lang: str = "en") -> str:
    method, takes, _ = REPORTS[report]
    kwargs = {name: getattr(args, name) for name in takes if getattr(args, name, None)
              is not None}
    result = getattr(rpc.reporting, method)(**kwargs)
    by = getattr(args, "by", None) or "partner"
    if report == "spending":
        if fmt == "json":
            return json.dumps(result, indent=2, ensure_ascii=False)
        table = format_rows(result["rows"], columns_for(report, by), fmt, lang)
        if fmt == "csv":
            return table
        label = "ketimpangan" if lang == "id" else "fairness"
        return (f"{table}\n\n{label}: {result['partners']} partners, total "
                f"{result['total']:,}, top 10% share {result['top10_share']:.1%}, "
                f"Gini {result['gini']:.3f}")
    if report in TAX_REGISTERS:
        return tax_register(result, report, fmt, lang)
    if fmt == "json":
        return json.dumps(result, indent=2, ensure_ascii=False)
    return format_rows(result, columns_for(report, by), fmt, lang)


def tax_register(result: dict, report: str, fmt: str, lang: str) -> str:
    """A monthly tax register: its rows, then what a treasurer checks against the bank: the
    totals, each deposit with its NTPN, and the difference (deposited − due)."""
    if fmt == "json":
        return json.dumps(result, indent=2, ensure_ascii=False)
    table = format_rows(result["rows"], columns_for(report, "partner"), fmt, lang)
    if fmt == "csv":
        return table
    due = result["totals"]["pph23" if report == "pph23" else "ppn_collected"]
    what = "PPh 23 withheld" if report == "pph23" else "PPN collected"
    lines = [table, "", f"{result['period']}: {result['totals']['payments']} payments, "
             f"DPP {result['totals']['dpp']:,}, {what} {due:,}"]
    lines += [f"deposit NTPN {d['ntpn']} on {d['paid_on']}: {d['amount']:,}"
              for d in result["deposits"]] or ["no deposit recorded"]
    lines.append(f"deposited {result['deposited']:,}, difference {result['difference']:,}")
    if report == "ppn" and result["not_collected"]:
        lines.append(f"not collected (at or below the threshold, remitted by the partner): "
                     f"{len(result['not_collected'])} payments, PPN "
                     f"{sum(r['ppn'] for r in result['not_collected']):,}")
    return "\n".join(lines)
