"""What the portal says, in Bahasa Indonesia first and English on request.

The people SEKLIK serves read Indonesian: money is `Rp2.450.000`, dates `26 November 2026`,
times in the regency's own zone (`10.04 WIB`). Every word a page shows comes from `CATALOG`
through `t`, so the English switch cannot miss a sentence, and the services' validation
messages (English, written for programmers) are translated by `field_message` when they are
shown beside a field.
"""
from __future__ import annotations

import datetime as dt
import re
from numbers import Real
from zoneinfo import ZoneInfo

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}
# Indonesia's three legal time zones (UU 1987/Keppres 41/1987); Pontianak keeps WIB too.
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
              "Asia/Jayapura": "WIT"}


def _check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return lang


# Numbers and money ---------------------------------------------------------------------------

def number(n, digits: int = 0) -> str:
    """`1234567` as `1.234.567`; with `digits`, decimals after a comma (`82,5`)."""
    if isinstance(n, bool) or not isinstance(n, Real):
        raise TypeError(f"number() takes a number, not {type(n).__name__}")
    value = n if isinstance(n, int) and digits == 0 else float(n)
    english = f"{value:,.{digits}f}" if digits else f"{round(value):,}"
    return english.translate(str.maketrans(",.", ".,"))


def rupiah(amount: int) -> str:
    """Whole rupiah as Indonesians write them: `Rp2.450.000`, `-Rp2.450.000`, `Rp0`.

    Money is an int everywhere in SEKLIK; a float here means a sum went wrong upstream, so it is
    refused rather than rounded out of sight."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"rupiah() takes whole rupiah as an int, not {type(amount).__name__}")
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{number(abs(amount))}"


def percent(x, digits: int = 1) -> str:
    """A fraction as a percentage: `0.125` -> `12,5%` (reporting's `share` is a fraction; its
    `realisation_pct` is already ×100: pass it divided by 100)."""
    return f"{number(x * 100, digits)}%"


# Dates and times -----------------------------------------------------------------------------

def tanggal(value, lang: str = DEFAULT_LANGUAGE) -> str:
    """A date (or an ISO date string) as `26 November 2026`, in either language."""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(day, dt.date):
        raise TypeError(f"tanggal() takes a date or an ISO date string, not "
                        f"{type(value).__name__}")
    return f"{day.day} {MONTHS[_check_language(lang)][day.month - 1]} {day.year}"


def waktu(value, lang: str = DEFAULT_LANGUAGE, tz: str = "Asia/Jakarta") -> str:
    """An instant (aware datetime or ISO string with an offset or `Z`) in the regency's time:
    `26 November 2026 10.04 WIB` (Indonesian writes the hour with a dot) or `10:04 WIB`."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"waktu() takes a datetime or an ISO instant, not "
                        f"{type(value).__name__}")
    if moment.tzinfo is None:
        raise ValueError(f"{value} has no UTC offset: an instant must say which zone it is in")
    local = moment.astimezone(ZoneInfo(tz))
    separator = "." if _check_language(lang) == "id" else ":"
    zone = ZONE_NAMES.get(tz) or local.tzname()
    return f"{tanggal(local.date(), lang)} {local:%H}{separator}{local:%M} {zone}"


# The catalog ---------------------------------------------------------------------------------
# Keys are `area.name`; each entry has both languages (tests/unit/test_portal_text.py).

CATALOG: dict[str, dict[str, str]] = {
    # The application and its frame
    "app.name": {"id": "SEKLIK", "en": "SEKLIK"},
    "app.full_name": {"id": "Sistem Integrasi Kemitraan Komunikasi Publik",
                      "en": "Integrated System for Public-Communication Partnerships"},
    "app.footer": {"id": "Dinas Komunikasi dan Informatika", "en": "Communications Office"},
    "nav.label": {"id": "Menu utama", "en": "Main menu"},
    "nav.skip": {"id": "Langsung ke isi", "en": "Skip to content"},
    "nav.home": {"id": "Beranda", "en": "Home"},
    "language.label": {"id": "Bahasa", "en": "Language"},
    # The button shows the other language, named in itself.
    "language.switch": {"id": "English", "en": "Bahasa Indonesia"},

    # Accounts and sessions
    "account.login": {"id": "Masuk", "en": "Log in"},
    "account.logout": {"id": "Keluar", "en": "Log out"},
    "account.signup": {"id": "Daftar akun", "en": "Sign up"},
    "account.email": {"id": "E-mail", "en": "E-mail"},
    "account.password": {"id": "Kata sandi", "en": "Password"},
    "account.password_again": {"id": "Ulangi kata sandi", "en": "Repeat the password"},
    "account.logged_in_as": {"id": "Masuk sebagai {email}", "en": "Logged in as {email}"},

    # Actions
    "action.save": {"id": "Simpan", "en": "Save"},
    "action.submit": {"id": "Kirim", "en": "Submit"},
    "action.cancel": {"id": "Batal", "en": "Cancel"},
    "action.back": {"id": "Kembali", "en": "Back"},
    "action.download_csv": {"id": "Unduh CSV", "en": "Download CSV"},

    # Forms
    "form.required": {"id": "wajib diisi", "en": "required"},
    "form.error_marker": {"id": "Kesalahan:", "en": "Error:"},
    "form.has_errors": {"id": "Periksa isian yang ditandai di bawah.",
                        "en": "Check the fields marked below."},

    # Roles (shared/auth.py ROLES)
    "role.admin": {"id": "Admin Kominfo", "en": "Kominfo administrator"},
    "role.verifier": {"id": "Verifikator", "en": "Verifier"},
    "role.assessor": {"id": "Penilai", "en": "Assessor"},
    "role.finance": {"id": "Keuangan (PPK/Bendahara)", "en": "Finance (PPK/treasurer)"},
    "role.media": {"id": "Perusahaan Media", "en": "Media company"},
    "role.auditor": {"id": "Auditor (Inspektorat/BPK)", "en": "Auditor (Inspektorat/BPK)"},
    "role.humas": {"id": "Humas Kominfo (siaran pers)", "en": "Kominfo press office"},
    "role.applicant": {"id": "Pemohon (perusahaan belum terdaftar)",
                       "en": "Applicant (company not yet registered)"},

    # Partners: status (services/partners/domain.py STATUSES)
    "partner.status.registered": {"id": "Terdaftar", "en": "Registered"},
    "partner.status.active": {"id": "Aktif", "en": "Active"},
    "partner.status.suspended": {"id": "Ditangguhkan", "en": "Suspended"},
    "partner.status.rejected": {"id": "Ditolak", "en": "Rejected"},
    "partner.status.deregistered": {"id": "Dicabut pendaftarannya", "en": "Deregistered"},

    # Partners: media types (shared/published.py MEDIA_TYPES) and legal forms
    "media_type.online": {"id": "Media daring (online)", "en": "Online"},
    "media_type.print_daily": {"id": "Surat kabar harian", "en": "Daily newspaper"},
    "media_type.print_weekly": {"id": "Surat kabar mingguan", "en": "Weekly newspaper"},
    "media_type.print_monthly": {"id": "Majalah/terbitan bulanan", "en": "Monthly print"},
    "media_type.tv": {"id": "Televisi", "en": "Television"},
    "media_type.radio": {"id": "Radio", "en": "Radio"},
    "legal_form.PT": {"id": "Perseroan Terbatas (PT)", "en": "Limited company (PT)"},
    "legal_form.yayasan": {"id": "Yayasan", "en": "Foundation (yayasan)"},
    "legal_form.koperasi": {"id": "Koperasi", "en": "Cooperative (koperasi)"},

    # Partners: documents (DOCUMENT_KINDS) and the verifier's decisions on them
    "document.kind.deed": {"id": "Akta pendirian", "en": "Deed of establishment"},
    "document.kind.deed_approval": {"id": "SK Kemenkumham atas akta",
                                    "en": "Kemenkumham approval of the deed"},
    "document.kind.nib": {"id": "NIB (Nomor Induk Berusaha)", "en": "NIB (business id)"},
    "document.kind.npwp": {"id": "NPWP", "en": "NPWP (tax id)"},
    "document.kind.tax_return": {"id": "SPT Tahunan", "en": "Annual tax return (SPT)"},
    "document.kind.tax_clearance": {"id": "Surat keterangan fiskal",
                                    "en": "Tax clearance"},
    "document.kind.domicile": {"id": "Surat keterangan domisili", "en": "Domicile letter"},
    "document.kind.bpjs": {"id": "Kepesertaan BPJS Ketenagakerjaan",
                           "en": "BPJS employment membership"},
    "document.kind.company_profile": {"id": "Profil perusahaan", "en": "Company profile"},
    "document.kind.bank_reference": {"id": "Referensi bank", "en": "Bank reference"},
    "document.kind.press_council_certificate": {"id": "Sertifikat Dewan Pers",
                                                "en": "Press-council certificate"},
    "document.kind.ukw_certificate": {"id": "Sertifikat UKW pemimpin redaksi",
                                      "en": "Chief editor's UKW certificate"},
    "document.kind.circulation_statement": {"id": "Pernyataan oplah",
                                            "en": "Circulation statement"},
    "document.kind.broadcast_licence": {"id": "Izin Penyelenggaraan Penyiaran (IPP)",
                                        "en": "Broadcasting licence (IPP)"},
    "document.review.pending": {"id": "Menunggu verifikasi", "en": "Awaiting review"},
    "document.review.accepted": {"id": "Diterima", "en": "Accepted"},
    "document.review.rejected": {"id": "Ditolak", "en": "Rejected"},

    # Partners: press council, journalists, objections
    "press_council.none": {"id": "Belum terverifikasi", "en": "Not verified"},
    "press_council.administrative": {"id": "Terverifikasi administratif",
                                     "en": "Administratively verified"},
    "press_council.factual": {"id": "Terverifikasi faktual", "en": "Factually verified"},
    "ukw.none": {"id": "Belum UKW", "en": "No UKW"},
    "ukw.muda": {"id": "Wartawan Muda", "en": "Junior (muda)"},
    "ukw.madya": {"id": "Wartawan Madya", "en": "Intermediate (madya)"},
    "ukw.utama": {"id": "Wartawan Utama", "en": "Senior (utama)"},
    "journalist.role.chief_editor": {"id": "Pemimpin redaksi", "en": "Chief editor"},
    "journalist.role.editor": {"id": "Redaktur", "en": "Editor"},
    "journalist.role.reporter": {"id": "Wartawan", "en": "Reporter"},
    "objection.upheld": {"id": "Sanggahan diterima", "en": "Objection upheld"},
    "objection.dismissed": {"id": "Sanggahan ditolak", "en": "Objection dismissed"},

    # Requirements: one per code of services/partners/requirements.py `unmet_requirements`
    "requirement.met": {"id": "Terpenuhi", "en": "Met"},
    "requirement.unmet": {"id": "Belum terpenuhi", "en": "Not met"},
    "requirement.media_type_not_in_policy": {
        "id": "Jenis media belum diatur dalam kebijakan persyaratan tahun ini",
        "en": "This year's requirement policy does not cover the media type"},
    "requirement.document_missing": {"id": "Dokumen belum diserahkan",
                                     "en": "Document not submitted"},
    "requirement.document_rejected": {"id": "Dokumen ditolak verifikator",
                                      "en": "Document rejected by the verifier"},
    "requirement.document_not_reviewed": {"id": "Dokumen belum diverifikasi",
                                          "en": "Document not yet reviewed"},
    "requirement.document_expired": {"id": "Dokumen sudah kedaluwarsa",
                                     "en": "Document expired"},
    "requirement.company_too_young": {"id": "Umur perusahaan belum mencukupi",
                                      "en": "Company not old enough"},
    "requirement.press_council_below": {"id": "Status Dewan Pers di bawah syarat",
                                        "en": "Press-council status below the requirement"},
    "requirement.chief_editor_missing": {"id": "Pemimpin redaksi belum dicantumkan",
                                         "en": "No chief editor listed"},
    "requirement.chief_editor_ukw_below": {"id": "Jenjang UKW pemimpin redaksi di bawah syarat",
                                           "en": "Chief editor's UKW level below the "
                                                 "requirement"},

    # Contracts: products (services/contracts/domain.py PRODUCTS)
    "product.advertorial": {"id": "Advertorial", "en": "Advertorial"},
    "product.news": {"id": "Berita", "en": "News item"},
    "product.photo_gallery": {"id": "Galeri foto", "en": "Photo gallery"},
    "product.banner": {"id": "Banner", "en": "Banner"},
    "product.public_service_ad": {"id": "Iklan layanan masyarakat",
                                  "en": "Public-service ad"},
    "product.tv_spot": {"id": "Spot TV", "en": "TV spot"},
    "product.radio_spot": {"id": "Spot radio", "en": "Radio spot"},
    "product.live": {"id": "Siaran langsung", "en": "Live broadcast"},

    # Charts (services/gateway/portal/charts.py)
    "chart.realisation": {"id": "Realisasi anggaran per kegiatan",
                          "en": "Budget realisation per activity"},
    "chart.of": {"id": "{realised} dari {ceiling}", "en": "{realised} of {ceiling}"},
    "chart.over_ceiling": {"id": "MELEBIHI PAGU", "en": "OVER CEILING"},
    "chart.no_ceiling": {"id": "tanpa pagu", "en": "no ceiling"},
    "chart.empty": {"id": "Belum ada data", "en": "No data yet"},

    # Pages: navigation (services/gateway/portal/pages.py)
    "nav.account": {"id": "Akun saya", "en": "My account"},
    "nav.my_company": {"id": "Perusahaan saya", "en": "My company"},
    "nav.register_company": {"id": "Daftarkan perusahaan", "en": "Register the company"},
    "nav.verification": {"id": "Verifikasi", "en": "Verification"},
    "nav.assessment": {"id": "Penilaian", "en": "Assessment"},

    # Pages: logging in, signing up, the account
    "account.roles": {"id": "Peran", "en": "Roles"},
    "login.title": {"id": "Masuk ke SEKLIK", "en": "Log in to SEKLIK"},
    "login.wrong": {"id": "E-mail atau kata sandi salah.", "en": "Wrong e-mail or password."},
    "login.locked": {"id": "Terlalu banyak percobaan yang gagal: akun dikunci sampai {until}. "
                           "Admin Kominfo dapat mengatur ulang kata sandi Anda.",
                     "en": "Too many failed attempts: the account is locked until {until}. "
                           "The Kominfo admin can reset your password."},
    "login.disabled": {"id": "Akun ini dinonaktifkan. Hubungi Admin Kominfo.",
                       "en": "This account is disabled. Contact the Kominfo admin."},
    "login.expired": {"id": "Sesi Anda sudah berakhir. Silakan masuk kembali.",
                      "en": "Your session has ended. Please log in again."},
    "login.no_account": {"id": "Perusahaan media yang belum punya akun:",
                         "en": "A media company without an account:"},
    "logout.done": {"id": "Anda sudah keluar.", "en": "You have logged out."},
    "signup.title": {"id": "Daftar akun perusahaan media", "en": "Sign up a media company"},
    "signup.intro": {"id": "Buat akun dengan e-mail kantor Anda. Setelah masuk, daftarkan "
                           "perusahaan Anda dan unggah dokumen persyaratan.",
                     "en": "Open an account with your work e-mail. Once logged in, register "
                           "your company and upload the required documents."},
    "signup.name": {"id": "Nama Anda", "en": "Your name"},
    "signup.passwords_differ": {"id": "kedua kata sandi tidak sama",
                                "en": "the two passwords differ"},
    "signup.done": {"id": "Akun dibuat. Silakan masuk.", "en": "Account opened. Please log in."},
    "signup.have_account": {"id": "Sudah punya akun? Masuk", "en": "Have an account? Log in"},
    "password.title": {"id": "Ganti kata sandi", "en": "Change the password"},
    "password.old": {"id": "Kata sandi lama", "en": "Current password"},
    "password.new": {"id": "Kata sandi baru", "en": "New password"},
    "password.rule": {"id": "10 sampai 128 karakter, bukan alamat e-mail Anda",
                      "en": "10 to 128 characters, not your e-mail address"},
    "password.changed": {"id": "Kata sandi sudah diganti.", "en": "The password is changed."},

    # Pages: the media company
    "company.new.title": {"id": "Daftarkan perusahaan", "en": "Register the company"},
    "company.new.intro": {"id": "Isi sesuai akta dan NPWP perusahaan. Rekening harus atas nama "
                                "perusahaan.",
                          "en": "Fill in as in the company's deed and NPWP. The bank account "
                                "must be in the company's name."},
    "company.new.identity": {"id": "Identitas perusahaan", "en": "The company"},
    "company.new.contact": {"id": "Kontak redaksi", "en": "Newsroom contact"},
    "company.new.bank": {"id": "Rekening perusahaan", "en": "The company's bank account"},
    "company.new.submit": {"id": "Daftarkan", "en": "Register"},
    "company.registered": {"id": "Perusahaan terdaftar. Unggah dokumen persyaratannya.",
                           "en": "The company is registered. Upload its documents."},
    "company.waiting.title": {"id": "Pendaftaran diterima", "en": "Registration received"},
    "company.waiting.body": {"id": "Perusahaan Anda sudah terdaftar. Akun Anda sedang "
                                   "dihubungkan dengannya; halaman ini berpindah sendiri.",
                             "en": "Your company is registered. Your account is being linked "
                                   "to it; this page moves on by itself."},
    "company.waiting.later": {"id": "Akun Anda belum terhubung. Coba lagi sebentar lagi.",
                              "en": "Your account is not linked yet. Try again shortly."},
    "company.waiting.again": {"id": "Periksa lagi", "en": "Check again"},
    "company.status": {"id": "Status", "en": "Status"},
    "company.checklist": {"id": "Persyaratan tahun {year}", "en": "Requirements for {year}"},
    "company.all_met": {"id": "Semua persyaratan tahun {year} terpenuhi.",
                        "en": "Every requirement for {year} is met."},
    "company.documents": {"id": "Dokumen", "en": "Documents"},
    "company.no_documents": {"id": "Belum ada dokumen.", "en": "No documents yet."},
    "company.upload": {"id": "Unggah dokumen", "en": "Upload a document"},
    "partner.field.legal_name": {"id": "Nama badan hukum", "en": "Legal name"},
    "partner.field.brand_name": {"id": "Nama media", "en": "Media name"},
    "partner.field.legal_form": {"id": "Bentuk badan hukum", "en": "Legal form"},
    "partner.field.media_type": {"id": "Jenis media", "en": "Media type"},
    "partner.field.npwp": {"id": "NPWP perusahaan", "en": "Company NPWP"},
    "partner.field.nib": {"id": "NIB", "en": "NIB"},
    "partner.field.pkp": {"id": "Pengusaha Kena Pajak (PKP)", "en": "VAT-registered (PKP)"},
    "partner.field.founded_on": {"id": "Tanggal pendirian", "en": "Founded on"},
    "partner.field.address": {"id": "Alamat", "en": "Address"},
    "partner.field.contact_email": {"id": "E-mail redaksi", "en": "Newsroom e-mail"},
    "partner.field.contact_phone": {"id": "Telepon", "en": "Phone"},
    "partner.field.bank": {"id": "Bank", "en": "Bank"},
    "partner.field.bank_number": {"id": "Nomor rekening", "en": "Account number"},
    "partner.field.bank_holder": {"id": "Nama pemilik rekening", "en": "Account holder"},
    "partner.hint.legal_name": {"id": "contoh: PT Sriwijaya Media Utama",
                                "en": "e.g. PT Sriwijaya Media Utama"},
    "partner.hint.npwp": {"id": "15 atau 16 angka, tanpa titik dan tanda hubung",
                          "en": "15 or 16 digits, without dots or dashes"},
    "partner.hint.nib": {"id": "13 angka", "en": "13 digits"},
    "partner.hint.phone": {"id": "contoh: +62 711 123456", "en": "e.g. +62 711 123456"},
    "partner.hint.bank_holder": {"id": "atas nama perusahaan, bukan perorangan",
                                 "en": "the company's name, not a person's"},
    "press_council.title": {"id": "Dewan Pers", "en": "Press council"},
    "word.yes": {"id": "Ya", "en": "Yes"},
    "word.no": {"id": "Tidak", "en": "No"},
    "document.field.kind": {"id": "Jenis dokumen", "en": "Document"},
    "document.field.number": {"id": "Nomor dokumen", "en": "Number"},
    "document.field.issued_on": {"id": "Tanggal terbit", "en": "Issued on"},
    "document.field.valid_until": {"id": "Berlaku sampai", "en": "Valid until"},
    "document.field.review": {"id": "Verifikasi", "en": "Review"},
    "document.field.file": {"id": "Berkas (PDF, JPEG atau PNG, paling besar 10 MB)",
                            "en": "File (PDF, JPEG or PNG, at most 10 MB)"},
    "document.hint.valid_until": {"id": "kosongkan bila dokumen tidak kedaluwarsa",
                                  "en": "leave empty when the document does not lapse"},
    "document.submit": {"id": "Unggah", "en": "Upload"},
    "document.uploaded": {"id": "Dokumen {kind} diterima dan menunggu verifikasi.",
                          "en": "{kind} received; it awaits review."},
    "document.view": {"id": "Lihat berkas", "en": "View the file"},
    "document.note": {"id": "Catatan verifikator", "en": "Verifier's note"},
    "document.expired_on": {"id": "kedaluwarsa {date}", "en": "expired on {date}"},
    "rejection.title": {"id": "Pendaftaran ditolak", "en": "Registration rejected"},
    "objection.until": {"id": "Sanggahan dapat diajukan sampai {date}.",
                        "en": "An objection may be filed until {date}."},
    "objection.statement": {"id": "Isi sanggahan", "en": "Your objection"},
    "objection.submit": {"id": "Ajukan sanggahan", "en": "File the objection"},
    "objection.filed": {"id": "Sanggahan sudah diajukan.", "en": "The objection is filed."},

    # Pages: the verification team
    "verify.title": {"id": "Verifikasi dokumen", "en": "Document verification"},
    "verify.queue_empty": {"id": "Tidak ada dokumen yang menunggu verifikasi.",
                           "en": "No document awaits review."},
    "verify.col.partner": {"id": "Perusahaan", "en": "Company"},
    "verify.col.pending": {"id": "Menunggu verifikasi", "en": "Awaiting review"},
    "verify.open": {"id": "Periksa", "en": "Review"},
    "review.note": {"id": "Catatan", "en": "Note"},
    "review.accept": {"id": "Terima", "en": "Accept"},
    "review.reject": {"id": "Tolak", "en": "Reject"},
    "review.done": {"id": "Dokumen dicatat: {decision}.", "en": "Document recorded: {decision}."},
    "activate.title": {"id": "Aktivasi tahun {year}", "en": "Activation for {year}"},
    "activate.button": {"id": "Aktifkan untuk tahun {year}", "en": "Activate for {year}"},
    "activate.done": {"id": "Perusahaan aktif untuk tahun {year}.",
                      "en": "The company is active for {year}."},
    "activate.refused": {"id": "Belum dapat diaktifkan:", "en": "Cannot be activated yet:"},

    # Pages: errors
    "error.csrf_title": {"id": "Formulir ditolak", "en": "Form refused"},
    "error.too_large_title": {"id": "Kiriman terlalu besar", "en": "Too large"},
    "error.too_large": {"id": "Berkas paling besar {megabytes} MB; kecilkan atau pindai ulang "
                              "dengan resolusi lebih rendah.",
                        "en": "A file may be at most {megabytes} MB; shrink it or scan it "
                              "again at a lower resolution."},
    "form.csrf": {"id": "Formulir ini kedaluwarsa atau tidak dikirim dari halaman SEKLIK. "
                        "Muat ulang halaman lalu coba lagi.",
                  "en": "This form has expired or was not sent from a SEKLIK page. Reload the "
                        "page and try again."},
    "error.reference": {"id": "Sebutkan nomor rujukan {request_id} kepada operator.",
                        "en": "Quote reference {request_id} to the operators."},

    # Pages: reports, trail, digests (services/gateway/portal/auditor.py)
    "nav.reports": {"id": "Laporan", "en": "Reports"},
    "nav.trail": {"id": "Jejak audit", "en": "Audit trail"},
    "nav.digests": {"id": "Digest", "en": "Digests"},
    "report.title": {"id": "Laporan tahun anggaran", "en": "Reports of the fiscal year"},
    "report.year": {"id": "Tahun anggaran", "en": "Fiscal year"},
    "report.show": {"id": "Tampilkan", "en": "Show"},
    "report.empty": {"id": "Belum ada baris untuk tahun ini.", "en": "No rows for this year yet."},
    "report.fairness": {"id": "Pemerataan: {partners} mitra, total {total}, porsi 10% teratas "
                              "{top10}, Gini {gini}",
                        "en": "Fairness: {partners} partners, total {total}, top 10% share "
                              "{top10}, Gini {gini}"},
    "report.name.registry": {"id": "Daftar mitra", "en": "Partner registry"},
    "report.name.budget": {"id": "Realisasi anggaran", "en": "Budget realisation"},
    "report.name.spending": {"id": "Belanja per tingkat", "en": "Spending per tier"},
    "report.name.payments": {"id": "Buku pembayaran", "en": "Payment ledger"},
    "report.name.taxes": {"id": "Ringkasan pajak", "en": "Tax summary"},
    "report.name.outstanding": {"id": "Tagihan belum dibayar", "en": "Outstanding invoices"},
    "report.name.late-proofs": {"id": "Bukti tayang terlambat", "en": "Late proofs"},
    "report.name.outputs": {"id": "Keluaran per mitra", "en": "Outputs per partner"},
    "report.name.outcomes": {"id": "Hasil kemitraan per mitra", "en": "Outcomes per partner"},
    "report.name.releases": {"id": "Siaran pers dan pemuatannya",
                             "en": "Press releases and their pickups"},
    "report.name.status": {"id": "Status proyeksi", "en": "Projection status"},
    "trail.title": {"id": "Jejak audit", "en": "Audit trail"},
    "trail.intro": {"id": "Semua peristiwa satu entitas (mitra, kontrak, pesanan, anggaran), "
                          "masing-masing dengan pelaku dan hash-nya.",
                    "en": "Every event of one entity (partner, contract, order, budget), each "
                          "with its actor and hash."},
    "trail.id": {"id": "ID entitas (UUID)", "en": "Entity id (UUID)"},
    "trail.none": {"id": "Tidak ada peristiwa untuk ID ini.", "en": "No events for this id."},
    "digest.title": {"id": "Digest bertanda tangan", "en": "Signed digests"},
    "digest.intro": {"id": "Kepala log setiap layanan, ditandatangani. Simpan di luar SEKLIK: "
                           "audit berikutnya membuktikan tidak ada yang berubah sampai titik ini.",
                     "en": "Each service's head of log, signed. Keep it outside SEKLIK: a "
                           "later audit proves nothing up to it changed."},
    "digest.service": {"id": "Layanan", "en": "Service"},
    "digest.position": {"id": "Notifikasi terakhir", "en": "Last notification"},
    "digest.root": {"id": "Root hash", "en": "Root hash"},
    "digest.signed": {"id": "Kunci · waktu", "en": "Key · time"},
    "digest.verify": {"id": "Periksa dengan: seklik audit verify --digest <berkas>",
                      "en": "Check with: seklik audit verify --digest <file>"},

    # Pages: charts (services/gateway/portal/graphs.py)
    "nav.charts": {"id": "Grafik", "en": "Charts"},
    "graphs.title": {"id": "Grafik tahun anggaran", "en": "Charts of the fiscal year"},
    "graphs.intro": {"id": "Anggaran, belanja, dan mitra tahun ini dalam gambar. Setiap angka "
                           "juga tertulis pada grafiknya, sehingga tetap terbaca bila dicetak "
                           "hitam putih.",
                     "en": "The year's budget, spending and partners in pictures. Every figure "
                           "is also written on its chart, so it still reads when printed in "
                           "black and white."},
    "graphs.nothing": {"id": "Belum ada yang dapat digambarkan untuk tahun {year}: belum ada "
                             "pagu anggaran, pembayaran, pesanan, maupun mitra aktif.",
                       "en": "Nothing to draw for {year} yet: no budget ceiling, payment, order "
                             "or active partner."},
    "graphs.budget": {"id": "Anggaran", "en": "Budget"},
    "graphs.realisation": {"id": "Realisasi anggaran per kegiatan {year}",
                           "en": "Budget realisation per activity {year}"},
    "graphs.no_budget": {"id": "Belum ada pagu anggaran untuk tahun ini.",
                         "en": "No budget ceiling set for this year yet."},
    "graphs.months": {"id": "Realisasi per bulan {year}", "en": "Realisation per month {year}"},
    "graphs.months_note": {"id": "Yang dibayarkan (DPP + PPN) pada bulan pembayarannya; SP2D "
                                 "yang dikembalikan atau dibatalkan dikurangkan pada bulan "
                                 "pembatalannya.",
                           "en": "What was paid out (DPP + PPN) in the month of its payment; an "
                                 "SP2D returned or cancelled is taken back out in the month it "
                                 "was reversed."},
    "graphs.no_payments": {"id": "Belum ada pembayaran pada tahun ini.",
                           "en": "No payment this year yet."},
    "graphs.outside_year": {"id": "{amount} tercatat di luar bulan-bulan tahun {year} (misalnya "
                                  "pembatalan pada tahun berikutnya) dan tidak digambarkan.",
                            "en": "{amount} dated outside the months of {year} (such as a "
                                  "reversal the following year) is not drawn."},
    "graphs.other_activities": {"id": "Kegiatan lainnya", "en": "Other activities"},
    "graphs.spending": {"id": "Belanja dan pemerataan", "en": "Spending and fairness"},
    "graphs.per_tier": {"id": "Belanja per tingkat {year}", "en": "Spending per tier {year}"},
    "graphs.per_media": {"id": "Belanja per jenis media {year}",
                         "en": "Spending per media type {year}"},
    "graphs.ordered": {"id": "Nilai pesanan", "en": "Ordered"},
    "graphs.paid": {"id": "Dibayar (DPP)", "en": "Paid (DPP)"},
    "graphs.no_spending": {"id": "Belum ada mitra aktif maupun pesanan pada tahun ini.",
                           "en": "No active partner or order this year yet."},
    "graphs.partners": {"id": "Mitra aktif", "en": "Active partners"},
    "graphs.top10": {"id": "Porsi 10% mitra teratas", "en": "Share of the top 10% of partners"},
    "graphs.gini": {"id": "Koefisien Gini", "en": "Gini coefficient"},
    "graphs.fairness_note": {"id": "Dihitung dari nilai pesanan setiap mitra aktif tahun ini. "
                                   "Gini 0 berarti belanja terbagi rata; makin dekat ke 1, makin "
                                   "terpusat pada sedikit mitra.",
                             "en": "Computed from each active partner's ordered value this "
                                   "year. A Gini of 0 means spending is spread evenly; the "
                                   "nearer 1, the more it goes to a few partners."},
    "graphs.partners_heading": {"id": "Mitra", "en": "Partners"},
    "graphs.tiers": {"id": "Mitra aktif per tingkat {year}",
                     "en": "Active partners per tier {year}"},
    "graphs.no_partners": {"id": "Belum ada mitra yang aktif pada tahun ini.",
                           "en": "No partner active this year yet."},
    "graphs.tier": {"id": "Tingkat {tier}", "en": "Tier {tier}"},
    "graphs.no_tier": {"id": "Tanpa tingkat", "en": "No tier"},
    "graphs.unknown_media": {"id": "Jenis media tidak diketahui", "en": "Unknown media type"},

    # Pages: the admin's accounts (services/gateway/portal/admin.py)
    "nav.accounts": {"id": "Akun staf", "en": "Staff accounts"},
    "accounts.title": {"id": "Akun", "en": "Accounts"},
    "accounts.actions": {"id": "Tindakan", "en": "Actions"},
    "accounts.name": {"id": "Nama", "en": "Name"},
    "accounts.open": {"id": "Buka akun staf", "en": "Open a staff account"},
    "accounts.opened": {"id": "Akun {email} dibuka.", "en": "Account {email} opened."},
    "accounts.reset": {"id": "Atur ulang kata sandi", "en": "Reset the password"},
    "accounts.reset_done": {"id": "Kata sandi diatur ulang; sampaikan kepada pemiliknya "
                                  "secara langsung.",
                            "en": "Password reset; tell its holder in person."},
    "accounts.disable": {"id": "Nonaktifkan", "en": "Disable"},
    "accounts.enable": {"id": "Aktifkan kembali", "en": "Enable"},
    "accounts.reason": {"id": "Alasan", "en": "Reason"},
    "accounts.disabled": {"id": "Akun dinonaktifkan.", "en": "Account disabled."},
    "accounts.enabled": {"id": "Akun diaktifkan kembali.", "en": "Account enabled."},
    "accounts.state.active": {"id": "Aktif", "en": "Active"},
    "accounts.state.disabled": {"id": "Nonaktif", "en": "Disabled"},
    "accounts.state.locked": {"id": "Terkunci sampai {until}", "en": "Locked until {until}"},

    # Pages: the assessor's (services/gateway/portal/assessor.py)
    "assess.title": {"id": "Penilaian mitra tahun {year}", "en": "Partner assessment {year}"},
    "assess.no_rubric": {"id": "Rubrik penilaian tahun {year} belum ditetapkan. Admin Kominfo "
                               "perlu menetapkannya sebelum mitra dapat dinilai.",
                         "en": "No assessment rubric is set for {year}. The Kominfo admin "
                               "must set one before partners can be scored."},
    "assess.rubric": {"id": "Rubrik tahun {year} (versi {version})",
                      "en": "Rubric for {year} (version {version})"},
    "assess.col.criterion": {"id": "Kriteria", "en": "Criterion"},
    "assess.col.weight": {"id": "Bobot", "en": "Weight"},
    "assess.col.max_score": {"id": "Nilai maksimal", "en": "Maximum score"},
    "assess.col.source": {"id": "Sumber nilai", "en": "Scored by"},
    "assess.col.score": {"id": "Nilai", "en": "Score"},
    "assess.col.reason": {"id": "Alasan", "en": "Reason"},
    "assess.col.set_by": {"id": "Oleh", "en": "By"},
    "assess.col.cause": {"id": "Penyebab", "en": "Cause"},
    "assess.col.total": {"id": "Nilai total", "en": "Total"},
    "assess.col.tier": {"id": "Tingkat (tier)", "en": "Tier"},
    "assess.col.when": {"id": "Waktu", "en": "When"},
    "assess.col.change": {"id": "Perubahan", "en": "Change"},
    "assess.col.old": {"id": "Semula", "en": "Was"},
    "assess.col.new": {"id": "Menjadi", "en": "Now"},
    "assess.source.manual": {"id": "Diisi penilai", "en": "Scored by an assessor"},
    "assess.source.press_council": {"id": "Dihitung dari status Dewan Pers",
                                    "en": "Computed from the press-council status"},
    "assess.source.chief_editor_ukw": {"id": "Dihitung dari jenjang UKW pemimpin redaksi",
                                       "en": "Computed from the chief editor's UKW level"},
    "assess.source.certified_share": {"id": "Dihitung dari porsi wartawan bersertifikat UKW",
                                      "en": "Computed from the share of UKW-certified "
                                            "journalists"},
    "assess.source.company_age": {"id": "Dihitung dari umur perusahaan",
                                  "en": "Computed from the company's age"},
    "assess.source.pickup_rate": {"id": "Dihitung dari siaran pers yang dimuat tahun lalu",
                                  "en": "Computed from last year's press releases carried"},
    "assess.source.on_time_rate": {"id": "Dihitung dari pesanan tahun lalu yang tayang tepat "
                                         "waktu",
                                   "en": "Computed from last year's orders proven on time"},
    "assess.source.reach_per_rupiah": {"id": "Dihitung dari jangkauan per rupiah tahun lalu",
                                       "en": "Computed from last year's reach per rupiah"},
    "assess.tiers": {"id": "Ambang tingkat:", "en": "Tier thresholds:"},
    "assess.tier_from": {"id": "{tier} mulai nilai total {min}",
                         "en": "{tier} from a total of {min}"},
    "assess.partners": {"id": "Mitra aktif", "en": "Active partners"},
    "assess.no_partners": {"id": "Belum ada mitra aktif untuk dinilai.",
                           "en": "No active partner to assess yet."},
    "assess.open": {"id": "Nilai", "en": "Score"},
    "assess.no_tier": {"id": "tanpa tingkat", "en": "no tier"},
    "assess.state.not_assessed": {"id": "Belum dinilai", "en": "Not assessed yet"},
    "assess.state.open": {"id": "Sedang dinilai", "en": "Being assessed"},
    "assess.state.final": {"id": "Final", "en": "Final"},
    "assess.provisional": {"id": "Nilai total dan tingkat di atas masih sementara sampai "
                                 "penilaian difinalisasi.",
                           "en": "The total and tier above are provisional until the "
                                 "assessment is finalised."},
    "assess.criteria": {"id": "Kriteria penilaian", "en": "Criteria"},
    "assess.by_system": {"id": "SEKLIK (otomatis dari data mitra)",
                         "en": "SEKLIK (automatically, from the partner's records)"},
    "assess.cause": {"id": "peristiwa {type} di layanan {source}, notifikasi {n}",
                     "en": "event {type} in the {source} service, notification {n}"},
    "assess.scoring": {"id": "Isi nilai", "en": "Scoring"},
    "assess.field.score": {"id": "Nilai (0 sampai {max})", "en": "Score (0 to {max})"},
    "assess.field.reason": {"id": "Alasan", "en": "Reason"},
    "assess.save_score": {"id": "Simpan nilai", "en": "Save the score"},
    "assess.scored": {"id": "Nilai kriteria {criterion} disimpan.",
                      "en": "The {criterion} score is saved."},
    "assess.finalize": {"id": "Finalisasi penilaian", "en": "Finalise the assessment"},
    "assess.finalize_hint": {"id": "Semua kriteria yang diisi penilai harus sudah bernilai. "
                                   "Setelah finalisasi, tingkat mitra berlaku untuk kontrak; "
                                   "perubahan nilai sesudahnya tercatat sebagai perubahan "
                                   "tingkat.",
                             "en": "Every criterion scored by an assessor must have a score. "
                                   "Once finalised, the tier applies to contracts; a later "
                                   "change of score is recorded as a change of tier."},
    "assess.finalized": {"id": "Penilaian difinalisasi: nilai total {total}, tingkat {tier}.",
                         "en": "Assessment finalised: total {total}, tier {tier}."},
    "assess.history": {"id": "Riwayat nilai dan tingkat", "en": "Score and tier history"},
    "assess.history_empty": {"id": "Belum ada riwayat tercatat di laporan (laporan dapat "
                                   "tertinggal beberapa detik).",
                             "en": "No history in the reports yet (they may lag a few "
                                   "seconds)."},
    "assess.history_unavailable": {"id": "Riwayat tidak dapat dimuat: layanan laporan tidak "
                                         "menjawab. Coba lagi nanti.",
                                   "en": "The history could not be loaded: the reporting "
                                         "service did not answer. Try again later."},
    "assess.change.score": {"id": "Nilai {criterion} ({year})",
                            "en": "Score {criterion} ({year})"},
    "assess.change.tier": {"id": "Tingkat ({year})", "en": "Tier ({year})"},

    # Pages: finance (services/gateway/portal/finance.py)
    "nav.finance_work": {"id": "Bukti & pembayaran", "en": "Proofs & payments"},
    "nav.contracts": {"id": "Kontrak", "en": "Contracts"},
    "nav.budgets": {"id": "Anggaran", "en": "Budgets"},
    "nav.prices": {"id": "Harga standar", "en": "Standard prices"},
    "nav.tax_rules": {"id": "Aturan pajak", "en": "Tax rules"},
    "finance.budgets.title": {"id": "Anggaran", "en": "Budgets"},
    "finance.budgets.none": {"id": "Belum ada anggaran untuk tahun ini.",
                             "en": "No budget is set for this year yet."},
    "finance.pagu": {"id": "Pagu", "en": "Ceiling (pagu)"},
    "finance.committed": {"id": "Terikat kontrak", "en": "Committed"},
    "finance.paid": {"id": "Realisasi", "en": "Realised"},
    "finance.remaining": {"id": "Sisa", "en": "Remaining"},
    "finance.reserved": {"id": "Terpakai pesanan", "en": "Held by orders"},
    "finance.activity": {"id": "Kegiatan", "en": "Activity"},
    "finance.activity_code": {"id": "Kode kegiatan", "en": "Activity code"},
    "finance.activity_name": {"id": "Nama kegiatan", "en": "Activity name"},
    "finance.budget.set": {"id": "Tetapkan atau ubah pagu", "en": "Set or revise a ceiling"},
    "finance.budget.hint": {"id": "Pagu tidak dapat diturunkan di bawah nilai yang sudah "
                                  "terikat kontrak.",
                            "en": "A ceiling is never lowered below what contracts commit."},
    "finance.budget.save": {"id": "Simpan pagu", "en": "Save the ceiling"},
    "finance.budget_set": {"id": "Pagu kegiatan {activity} disimpan.",
                           "en": "The ceiling of activity {activity} is saved."},
    "finance.pagu_rp": {"id": "Pagu (rupiah)", "en": "Ceiling (rupiah)"},
    "finance.rupiah_hint": {"id": "Rupiah utuh, misalnya 2.500.000",
                            "en": "Whole rupiah, e.g. 2.500.000"},
    "finance.ceilings.title": {"id": "Plafon per tier", "en": "Ceiling per tier"},
    "finance.ceilings.none": {"id": "Belum ada plafon tier.", "en": "No tier ceiling yet."},
    "finance.ceiling.set": {"id": "Tetapkan plafon tier", "en": "Set a tier ceiling"},
    "finance.ceiling.save": {"id": "Simpan plafon", "en": "Save the ceiling"},
    "finance.ceiling_set": {"id": "Plafon tier {tier} disimpan.",
                            "en": "The ceiling of tier {tier} is saved."},
    "finance.tier": {"id": "Tier", "en": "Tier"},
    "finance.ceiling": {"id": "Plafon", "en": "Ceiling"},
    "finance.ceiling_rp": {"id": "Plafon per mitra setahun (rupiah)",
                           "en": "Most per partner a year (rupiah)"},
    "finance.prices.title": {"id": "Harga standar", "en": "Standard prices"},
    "finance.prices.none": {"id": "Belum ada harga standar untuk {year}.",
                            "en": "No standard prices are published for {year} yet."},
    "finance.prices.version": {"id": "Versi {version}, berlaku {date}",
                               "en": "Version {version}, in force from {date}"},
    "finance.in_force": {"id": "berlaku hari ini", "en": "in force today"},
    "finance.media_type": {"id": "Jenis media", "en": "Media type"},
    "finance.product": {"id": "Produk", "en": "Product"},
    "finance.unit": {"id": "Satuan", "en": "Unit"},
    "finance.unit.item": {"id": "per tayang", "en": "per item"},
    "finance.unit.second": {"id": "per detik", "en": "per second"},
    "finance.unit.month": {"id": "per bulan", "en": "per month"},
    "finance.unit_price": {"id": "Harga satuan", "en": "Unit price"},
    "finance.prices.publish": {"id": "Terbitkan versi baru", "en": "Publish a new version"},
    "finance.prices.hint": {"id": "Versi yang terbit tidak pernah diubah: revisi adalah versi "
                                  "baru, berlaku sejak tanggalnya. Baris kosong diabaikan.",
                            "en": "A published version never changes: a revision is a new "
                                  "version, in force from its date. Empty rows are left out."},
    "finance.prices.publish_button": {"id": "Terbitkan harga", "en": "Publish the prices"},
    "finance.prices_published": {"id": "Harga standar versi {version} terbit.",
                                 "en": "Standard prices version {version} are published."},
    "finance.effective_from": {"id": "Berlaku sejak", "en": "In force from"},
    "finance.taxes.title": {"id": "Aturan pajak", "en": "Tax rules"},
    "finance.taxes.in_force": {"id": "Hari ini berlaku versi {version}.",
                               "en": "Version {version} is in force today."},
    "finance.taxes.builtin": {"id": "bawaan", "en": "built in"},
    "finance.taxes.set": {"id": "Tetapkan versi baru", "en": "Set a new version"},
    "finance.taxes.hint": {"id": "Tarif ditulis sebagai pecahan, misalnya 12/100. Pembayaran "
                                 "memakai versi yang berlaku pada tanggal SP2D-nya.",
                           "en": "Rates are fractions, e.g. 12/100. A payment uses the version "
                                 "in force on its SP2D date."},
    "finance.taxes.save": {"id": "Simpan aturan", "en": "Save the rules"},
    "finance.rules_set": {"id": "Aturan pajak versi {version} disimpan.",
                          "en": "Tax rules version {version} are saved."},
    "finance.version": {"id": "Versi", "en": "Version"},
    "finance.ppn_rate": {"id": "Tarif PPN", "en": "PPN rate"},
    "finance.dpp_factor": {"id": "Faktor DPP", "en": "DPP factor"},
    "finance.pph23_rate": {"id": "Tarif PPh 23", "en": "PPh 23 rate"},
    "finance.collection_threshold": {"id": "Batas pemungutan PPN",
                                     "en": "PPN collection threshold"},
    "finance.collection_threshold_rp": {"id": "Batas pemungutan PPN (rupiah)",
                                        "en": "PPN collection threshold (rupiah)"},
    "finance.contracts.title": {"id": "Kontrak (SPK)", "en": "Contracts (SPK)"},
    "finance.contracts.none": {"id": "Belum ada kontrak tahun ini.",
                               "en": "No contract is signed this year yet."},
    "finance.number": {"id": "Nomor", "en": "Number"},
    "finance.partner": {"id": "Mitra", "en": "Partner"},
    "finance.period": {"id": "Masa kontrak", "en": "Period"},
    "finance.status": {"id": "Status", "en": "Status"},
    "finance.contract_status.signed": {"id": "Berjalan", "en": "Running"},
    "finance.contract_status.terminated": {"id": "Diputus", "en": "Terminated"},
    "finance.contract.sign": {"id": "Tanda tangani kontrak", "en": "Sign a contract"},
    "finance.contract.hint": {"id": "Hanya untuk mitra aktif yang sudah ber-tier; nilai kontrak "
                                    "diikat pada pagu kegiatan saat ditandatangani.",
                              "en": "Only for an active partner with a tier; the ceiling is "
                                    "committed against the activity's budget at signing."},
    "finance.contract_number": {"id": "Nomor SPK", "en": "SPK number"},
    "finance.contract_ceiling_rp": {"id": "Nilai kontrak (rupiah, DPP + PPN)",
                                    "en": "Contract ceiling (rupiah, DPP + PPN)"},
    "finance.contract_ceiling_hint": {"id": "Paling banyak plafon tier mitra",
                                      "en": "At most the partner's tier ceiling"},
    "finance.starts_on": {"id": "Mulai", "en": "Starts on"},
    "finance.ends_on": {"id": "Berakhir", "en": "Ends on"},
    "finance.contract.sign_button": {"id": "Tanda tangani", "en": "Sign"},
    "finance.contract_signed": {"id": "Kontrak {number} ditandatangani (tier {tier}).",
                                "en": "Contract {number} is signed (tier {tier})."},
    "finance.contract.title": {"id": "Kontrak {number}", "en": "Contract {number}"},
    "finance.addendum": {"id": "Adendum {n}", "en": "Addendum {n}"},
    "finance.orders.title": {"id": "Pesanan kontrak ini", "en": "This contract's orders"},
    "finance.title": {"id": "Judul", "en": "Title"},
    "finance.total": {"id": "Nilai (DPP + PPN)", "en": "Amount (DPP + PPN)"},
    "finance.quantity": {"id": "Jumlah", "en": "Quantity"},
    "finance.order.place": {"id": "Buat pesanan", "en": "Place an order"},
    "finance.order.hint": {"id": "Harga diambil dari harga standar yang berlaku hari ini "
                                 "untuk jenis media dan tier mitra.",
                           "en": "Priced from the standard in force today for the partner's "
                                 "media type and tier."},
    "finance.order.place_button": {"id": "Pesan", "en": "Place the order"},
    "finance.order_placed": {"id": "Pesanan \"{title}\" dibuat: {total}.",
                             "en": "Order \"{title}\" is placed: {total}."},
    "finance.work.title": {"id": "Bukti tayang dan pembayaran",
                           "en": "Proofs and payments"},
    "finance.review.title": {"id": "Bukti menunggu pemeriksaan", "en": "Proofs to review"},
    "finance.review.none": {"id": "Tidak ada bukti yang menunggu.",
                            "en": "No proof is waiting."},
    "finance.review.note": {"id": "Catatan (BAST atau alasan penolakan)",
                            "en": "Note (the handover, or why it is rejected)"},
    "finance.review.accept": {"id": "Terima (BAST)", "en": "Accept (handover)"},
    "finance.review.reject": {"id": "Tolak", "en": "Reject"},
    "finance.decision.accepted": {"id": "diterima", "en": "accepted"},
    "finance.decision.rejected": {"id": "ditolak", "en": "rejected"},
    "finance.proof_reviewed": {"id": "Bukti tayang {decision}.",
                               "en": "The proof is {decision}."},
    "finance.proof_file": {"id": "Berkas bukti", "en": "Proof file"},
    "finance.open_file": {"id": "Buka berkas", "en": "Open the file"},
    "finance.reach.page_views": {"id": "pembaca", "en": "page views"},
    "finance.reach.circulation": {"id": "oplah", "en": "circulation"},
    "finance.reach.audience": {"id": "penonton/pendengar", "en": "audience"},
    "finance.pay.title": {"id": "Menunggu pembayaran (SP2D)", "en": "Waiting for an SP2D"},
    "finance.pay.none": {"id": "Tidak ada pesanan yang menunggu pembayaran.",
                         "en": "No order is waiting for payment."},
    "finance.pay.check": {"id": "Periksa pajak", "en": "Check the taxes"},
    "finance.reversed": {"id": "SP2D dibatalkan", "en": "SP2D reversed"},
    "finance.sp2d_number": {"id": "Nomor SP2D", "en": "SP2D number"},
    "finance.paid_on": {"id": "Tanggal SP2D", "en": "SP2D date"},
    "finance.outstanding.title": {"id": "Tagihan belum dibayar menurut umur",
                                  "en": "Unpaid invoices by age"},
    "finance.outstanding.hint": {"id": "Umur dihitung sejak bukti diterima (BAST).",
                                 "en": "The age counts from the proof's acceptance."},
    "finance.age": {"id": "Umur", "en": "Age"},
    "finance.age_days": {"id": "{days} hari", "en": "{days} days"},
    "finance.days": {"id": "{days} hari", "en": "{days} days"},
    "finance.invoices": {"id": "Tagihan", "en": "Invoices"},
    "finance.accepted_on": {"id": "Tanggal BAST", "en": "Accepted on"},
    "finance.confirm.title": {"id": "Periksa sebelum membayar", "en": "Check before paying"},
    "finance.confirm.lead": {"id": "SP2D {sp2d} tanggal {date} akan dicatat dengan angka "
                                   "berikut.",
                             "en": "SP2D {sp2d} of {date} will be recorded with these "
                                   "figures."},
    "finance.account": {"id": "Rekening tujuan", "en": "Paid to the account"},
    "finance.rules_version": {"id": "aturan pajak versi {version}",
                              "en": "tax rules version {version}"},
    "finance.realised": {"id": "Realisasi anggaran (DPP + PPN)",
                         "en": "Realised against the budget (DPP + PPN)"},
    "finance.confirm.button": {"id": "Catat pembayaran", "en": "Record the payment"},
    "finance.confirm.back": {"id": "Kembali", "en": "Back"},
    "finance.payment_recorded": {
        "id": "Pembayaran SP2D {sp2d} dicatat: {amount} diterima mitra.",
        "en": "Payment SP2D {sp2d} is recorded: {amount} to the partner."},

    # Pages: press releases (services/gateway/portal/releases.py)
    "nav.releases": {"id": "Siaran pers", "en": "Press releases"},
    "releases.title": {"id": "Siaran pers {year}", "en": "Press releases {year}"},
    "releases.year": {"id": "Tahun {year}", "en": "Year {year}"},
    "releases.none": {"id": "Belum ada siaran pers pada tahun {year}.",
                      "en": "No press release in {year} yet."},
    "releases.write": {"id": "Tulis siaran pers", "en": "Write a press release"},
    "releases.send": {"id": "Kirim siaran pers", "en": "Send the press release"},
    "releases.published": {"id": "Siaran pers terkirim kepada {recipients} mitra.",
                           "en": "The press release is sent to {recipients} partners."},
    "releases.release_date": {"id": "Tanggal siaran", "en": "Release date"},
    "releases.embargo": {"id": "Embargo", "en": "Embargo"},
    "releases.embargo_until": {"id": "sampai {when}", "en": "until {when}"},
    "releases.no_embargo": {"id": "tanpa embargo", "en": "none"},
    "releases.recipients": {"id": "Penerima", "en": "Recipients"},
    "releases.partners_count": {"id": "{count} mitra", "en": "{count} partners"},
    "releases.pickups": {"id": "Pemuatan", "en": "Pickups"},
    "releases.pickups_count": {"id": "{filed} dikirim, {accepted} diterima",
                               "en": "{filed} filed, {accepted} accepted"},
    "releases.your_pickup": {"id": "Pemuatan Anda", "en": "Your pickup"},
    "releases.your_pickups": {"id": "Pemuatan oleh media Anda", "en": "Your company's pickups"},
    "releases.not_filed": {"id": "belum dikirim", "en": "not filed yet"},
    "releases.review": {"id": "Hasil pemeriksaan", "en": "Review"},
    "releases.review.pending": {"id": "Menunggu pemeriksaan", "en": "Awaiting review"},
    "releases.review.accepted": {"id": "Diterima", "en": "Accepted"},
    "releases.review.rejected": {"id": "Ditolak", "en": "Rejected"},
    "releases.field.title": {"id": "Judul", "en": "Title"},
    "releases.field.body": {"id": "Isi siaran pers", "en": "The release's text"},
    "releases.field.embargo_date": {"id": "Tanggal berakhir", "en": "Ends on"},
    "releases.field.embargo_time": {"id": "Jam ({zone})", "en": "Time ({zone})"},
    "releases.field.media_types": {"id": "Jenis media", "en": "Media types"},
    "releases.field.tiers": {"id": "Tingkat mitra", "en": "Partner tiers"},
    "releases.field.partner_ids": {"id": "Mitra tertentu", "en": "Particular partners"},
    "releases.field.files": {"id": "Lampiran", "en": "Attachments"},
    "releases.field.clipping": {"id": "Kliping atau tangkapan layar",
                                "en": "Clipping or screenshot"},
    "releases.hint.embargo": {
        "id": "Kosongkan bila siaran boleh dimuat segera. Selama embargo, media belum dapat "
              "melihat siaran ini. Jam menurut {zone}.",
        "en": "Leave empty when the release may be carried at once. Under embargo, the media "
              "cannot see it yet. The time is {zone}."},
    "releases.hint.audience": {
        "id": "Kosongkan semuanya untuk mengirim ke semua mitra aktif tahun ini; setiap isian "
              "mempersempit penerima.",
        "en": "Leave all empty to send to every partner active this year; each entry narrows "
              "the recipients."},
    "releases.hint.tiers": {"id": "Pisahkan dengan koma, misalnya A, B",
                            "en": "Separated by commas, e.g. A, B"},
    "releases.hint.partner_ids": {
        "id": "Boleh kosong. Pilih lebih dari satu dengan Ctrl (atau ⌘) di komputer.",
        "en": "May be empty. Choose several with Ctrl (or ⌘) on a computer."},
    "releases.hint.files": {
        "id": "PDF, JPEG, atau PNG; paling banyak {most} berkas, masing-masing paling besar "
              "{megabytes} MB. Boleh kosong.",
        "en": "PDF, JPEG or PNG; at most {most} files, each at most {megabytes} MB. May be "
              "empty."},
    "releases.audience": {"id": "Sasaran", "en": "Audience"},
    "releases.audience_all": {"id": "semua mitra aktif", "en": "every active partner"},
    "releases.audience_tiers": {"id": "tingkat {tiers}", "en": "tier {tiers}"},
    "releases.embargo_incomplete": {
        "id": "Isi tanggal dan jam berakhirnya embargo, atau kosongkan keduanya.",
        "en": "Give both the date and the time the embargo ends, or neither."},
    "releases.embargo_unreadable": {
        "id": "Tanggal atau jam embargo tidak terbaca; gunakan pemilih tanggal dan jam.",
        "en": "The embargo's date or time cannot be read; use the date and time pickers."},
    "releases.too_many_files": {"id": "Paling banyak {most} lampiran sekali kirim.",
                                "en": "At most {most} attachments at once."},
    "releases.file_too_large": {"id": "{name}: berkas paling besar {megabytes} MB.",
                                "en": "{name}: a file may be at most {megabytes} MB."},
    "releases.file_not_accepted": {
        "id": "{name}: bukan berkas PDF, JPEG, atau PNG (dinilai dari isinya, bukan namanya).",
        "en": "{name}: not a PDF, JPEG or PNG file (judged by its bytes, not its name)."},
    "releases.attachments": {"id": "Lampiran", "en": "Attachments"},
    "releases.no_attachments": {"id": "Tanpa lampiran.", "en": "No attachments."},
    "releases.kept_elsewhere": {"id": "Berkas disimpan di sistem lain, SHA-256",
                                "en": "A file kept in another system, SHA-256"},
    "releases.reach": {"id": "Jangkauan", "en": "Reach"},
    "releases.reach.page_views": {"id": "pembaca", "en": "page views"},
    "releases.reach.circulation": {"id": "oplah", "en": "circulation"},
    "releases.reach.audience": {"id": "penonton/pendengar", "en": "audience"},
    "releases.clipping": {"id": "Bukti pemuatan", "en": "Evidence"},
    "releases.note": {"id": "Catatan Humas", "en": "Press office's note"},
    "releases.accept": {"id": "Terima pemuatan", "en": "Accept the pickup"},
    "releases.reject": {"id": "Tolak pemuatan", "en": "Reject the pickup"},
    "releases.reviewed.accepted": {"id": "Pemuatan diterima.", "en": "Pickup accepted."},
    "releases.reviewed.rejected": {"id": "Pemuatan ditolak.", "en": "Pickup rejected."},
    "releases.no_pickups": {"id": "Belum ada pemuatan.", "en": "No pickup yet."},
    "releases.file_pickup": {"id": "Laporkan pemuatan", "en": "Report the pickup"},
    "releases.hint.reference": {"id": "Tautan berita, atau halaman dan edisi koran",
                                "en": "The article's link, or the paper's page and edition"},
    "releases.hint.clipping": {"id": "PDF, JPEG, atau PNG", "en": "PDF, JPEG or PNG"},
    "releases.submit_pickup": {"id": "Kirim laporan pemuatan", "en": "File the pickup"},
    "releases.pickup_filed": {"id": "Laporan pemuatan terkirim dan menunggu pemeriksaan Humas.",
                              "en": "The pickup is filed and awaits the press office's review."},
    "releases.sent_to": {"id": "Dikirim kepada", "en": "Sent to"},
    "releases.not_picked": {"id": "Belum memuat", "en": "Not picked up"},
    "releases.refused.embargo_in_past": {
        "id": "Akhir embargo sudah lewat; kosongkan bila siaran boleh dimuat segera.",
        "en": "The embargo's end has passed; leave it empty to release now."},
    "releases.refused.no_recipients": {
        "id": "Tidak ada mitra aktif tahun ini yang sesuai sasaran ini; perluas sasarannya.",
        "en": "No partner active this year matches this audience; widen it."},
    "releases.refused.partner_not_active": {
        "id": "Siaran hanya untuk mitra yang aktif pada tahun siaran.",
        "en": "A release goes only to partners active in its year."},
    "releases.refused.published_in_future": {
        "id": "Tanggal tayang tidak boleh setelah hari ini.",
        "en": "The publication date cannot be after today."},
    "releases.refused.published_before_release": {
        "id": "Tanggal tayang sebelum siaran boleh dimuat; paling awal {earliest}.",
        "en": "Published before the release could be carried; {earliest} at the earliest."},
    "releases.refused.pickup_already_filed": {
        "id": "Pemuatan media Anda untuk siaran ini sudah dilaporkan; laporan baru hanya "
              "setelah yang lama ditolak.",
        "en": "Your pickup of this release is filed already; another only after a rejection."},
    "releases.refused.pickup_already_reviewed": {
        "id": "Pemuatan ini sudah diperiksa.", "en": "This pickup was reviewed already."},
    "releases.refused.not_a_recipient": {
        "id": "Siaran ini tidak dikirim kepada media Anda.",
        "en": "This release was not sent to your company."},

    # Pages: a media company's orders (services/gateway/portal/orders.py)
    "nav.orders": {"id": "Pesanan", "en": "Orders"},
    "orders.title": {"id": "Pesanan dan pembayaran", "en": "Orders and payments"},
    "orders.none": {"id": "Belum ada pesanan.", "en": "No orders yet."},
    "orders.product": {"id": "Produk", "en": "Product"},
    "orders.publish_by": {"id": "Tayang paling lambat", "en": "Publish by"},
    "orders.status": {"id": "Status", "en": "Status"},
    "orders.status.placed": {"id": "Menunggu bukti tayang", "en": "Awaiting the proof"},
    "orders.status.proof_submitted": {"id": "Bukti dikirim, menunggu pemeriksaan",
                                      "en": "Proof filed, awaiting review"},
    "orders.status.proof_accepted": {"id": "Bukti diterima, menunggu pembayaran",
                                     "en": "Proof accepted, awaiting payment"},
    "orders.status.paid": {"id": "Dibayar", "en": "Paid"},
    "orders.status.expired": {"id": "Kedaluwarsa", "en": "Expired"},
    "orders.status.cancelled": {"id": "Dibatalkan", "en": "Cancelled"},
    "orders.price": {"id": "Harga", "en": "Price"},
    "orders.proof_due": {"id": "Batas bukti tayang", "en": "Proof due"},
    "orders.days_left": {"id": "{days} hari lagi", "en": "{days} days left"},
    "orders.due_today": {"id": "hari ini batasnya", "en": "due today"},
    "orders.overdue": {"id": "terlambat {days} hari", "en": "{days} days late"},
    "orders.proof": {"id": "Bukti tayang", "en": "Proof"},
    "orders.kind.link": {"id": "Tautan berita", "en": "Link"},
    "orders.kind.clipping": {"id": "Kliping cetak", "en": "Print clipping"},
    "orders.kind.broadcast_log": {"id": "Log siaran", "en": "Broadcast log"},
    "orders.payment": {"id": "Pembayaran", "en": "Payment"},
    "orders.dpp": {"id": "DPP (harga pesanan)", "en": "DPP (the order's price)"},
    "orders.ppn_collected": {"id": "PPN dipungut bendahara",
                             "en": "PPN collected by the treasurer"},
    "orders.pph23": {"id": "PPh 23 dipotong", "en": "PPh 23 withheld"},
    "orders.paid_to_partner": {"id": "Diterima perusahaan", "en": "Paid to the company"},
    "orders.file_proof": {"id": "Kirim bukti tayang", "en": "File the proof"},
    "orders.proof_kind": {"id": "Jenis bukti", "en": "Kind of proof"},
    "orders.reference": {"id": "Tautan atau keterangan", "en": "Link or reference"},
    "orders.published_on": {"id": "Tanggal tayang", "en": "Published on"},
    "orders.page_views": {"id": "Jumlah pembaca/penonton (boleh kosong)",
                          "en": "Page views or audience (optional)"},
    "orders.submit_proof": {"id": "Kirim bukti", "en": "File the proof"},
    "orders.proof_filed": {"id": "Bukti tayang terkirim dan menunggu pemeriksaan.",
                           "en": "The proof is filed and awaits review."},

    # Pages: journalists and the press council (pages.py)
    "journalist.title": {"id": "Wartawan", "en": "Journalists"},
    "journalist.none": {"id": "Belum ada wartawan yang dicantumkan; mulailah dengan pemimpin "
                              "redaksi.",
                        "en": "No journalist listed yet; start with the chief editor."},
    "journalist.nik": {"id": "NIK", "en": "NIK"},
    "journalist.hint.nik": {"id": "16 angka sesuai KTP", "en": "16 digits, as on the KTP"},
    "journalist.name": {"id": "Nama wartawan", "en": "Journalist's name"},
    "journalist.role": {"id": "Jabatan", "en": "Role"},
    "journalist.ukw": {"id": "Jenjang UKW", "en": "UKW level"},
    "journalist.certificate": {"id": "Nomor sertifikat UKW", "en": "UKW certificate number"},
    "journalist.add": {"id": "Cantumkan wartawan", "en": "List the journalist"},
    "journalist.added": {"id": "Wartawan dicantumkan.", "en": "Journalist listed."},
    "journalist.remove": {"id": "Hapus dari daftar", "en": "Remove from the list"},
    "journalist.remove_reason": {"id": "Alasan penghapusan", "en": "Reason for removal"},
    "journalist.remove_confirm": {"id": "Hapus {name}", "en": "Remove {name}"},
    "journalist.removed": {"id": "Wartawan dihapus dari daftar.",
                           "en": "Journalist removed from the list."},
    "press_council.status": {"id": "Status verifikasi Dewan Pers", "en": "Press-council status"},
    "press_council.certificate": {"id": "Nomor sertifikat", "en": "Certificate number"},
    "press_council.recorded_on": {"id": "Tanggal pemeriksaan", "en": "Checked on"},
    "press_council.record": {"id": "Catat status Dewan Pers", "en": "Record the status"},
    "press_council.recorded": {"id": "Status Dewan Pers dicatat.",
                               "en": "Press-council status recorded."},

    # Pages: identity changes, asked by the company and decided by a verifier (pages.py)
    "identity.in_queue": {"id": "Perubahan identitas ({count})",
                          "en": "Identity changes ({count})"},
    "identity.title": {"id": "Perubahan identitas", "en": "Identity changes"},
    "identity.none": {"id": "Belum ada perubahan identitas yang diajukan.",
                      "en": "No identity change asked for yet."},
    "identity.request_title": {"id": "Ajukan perubahan identitas",
                               "en": "Ask to change the identity"},
    "identity.intro": {"id": "Isi hanya yang berubah; setiap isian menggantikan yang lama "
                             "seluruhnya. Perubahan berlaku setelah disetujui verifikator.",
                       "en": "Fill in only what changes; each entry replaces the old one "
                             "whole. A change holds once a verifier approves it."},
    "identity.hint.contact": {"id": "Kontak baru: isi e-mail dan telepon.",
                              "en": "A new contact: give both the e-mail and the phone."},
    "identity.hint.bank": {"id": "Rekening baru: isi bank, nomor, dan nama pemilik; rekening "
                                 "harus atas nama perusahaan.",
                           "en": "A new account: give the bank, the number and the holder; "
                                 "the account must be in the company's name."},
    "identity.now": {"id": "sekarang: {value}", "en": "now: {value}"},
    "identity.reason": {"id": "Alasan perubahan", "en": "Reason for the change"},
    "identity.submit": {"id": "Ajukan perubahan", "en": "Ask for the change"},
    "identity.requested": {"id": "Perubahan identitas diajukan dan menunggu verifikasi.",
                           "en": "Identity change asked for; it awaits a verifier."},
    "identity.decision.pending": {"id": "Menunggu verifikasi", "en": "Awaiting a verifier"},
    "identity.decision.approved": {"id": "Disetujui", "en": "Approved"},
    "identity.decision.rejected": {"id": "Ditolak", "en": "Rejected"},
    "identity.requested_on": {"id": "diajukan {date}", "en": "asked for on {date}"},
    "identity.decided_on": {"id": "diputuskan {date}", "en": "decided on {date}"},
    "identity.note": {"id": "Catatan verifikator", "en": "Verifier's note"},
    "identity.pending_title": {"id": "Perubahan identitas yang menunggu keputusan",
                               "en": "Identity changes awaiting a decision"},
    "identity.unchanged": {"id": "tidak berubah", "en": "unchanged"},
    "identity.approve": {"id": "Setujui", "en": "Approve"},
    "identity.reject": {"id": "Tolak perubahan", "en": "Reject the change"},
    "identity.done.approved": {"id": "Perubahan identitas disetujui dan berlaku sejak hari ini.",
                               "en": "Identity change approved; it holds from today."},
    "identity.done.rejected": {"id": "Perubahan identitas ditolak.",
                               "en": "Identity change rejected."},

    # Errors: a title per typed error of shared/errors.py
    "error.ValidationFailed": {"id": "Isian belum benar", "en": "Some entries are not valid"},
    "error.Unauthenticated": {"id": "Silakan masuk terlebih dahulu", "en": "Please log in"},
    "error.Forbidden": {"id": "Anda tidak berwenang membuka halaman ini",
                        "en": "You may not open this page"},
    "error.NotFound": {"id": "Tidak ditemukan", "en": "Not found"},
    "error.Conflict": {"id": "Bertentangan dengan data yang sudah ada",
                       "en": "Conflicts with what is already recorded"},
    "error.RuleViolated": {"id": "Tidak diizinkan oleh aturan", "en": "Not allowed by the rules"},
    "error.unexpected": {"id": "Terjadi kesalahan tak terduga",
                         "en": "An unexpected error occurred"},
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """The catalog's sentence `key` in `lang`, with `values` filled in (str.format).

    A missing key raises KeyError: a page naming a key nobody wrote fails its test rather than
    showing the key to a clerk."""
    return CATALOG[key][_check_language(lang)].format(**values)


# Validation messages beside a field ----------------------------------------------------------

# Words inside the services' messages that have their own Indonesian.
_WORDS = {
    "partner": "mitra", "contract": "kontrak", "order": "pesanan", "release": "siaran pers",
    "budget": "anggaran", "account": "akun", "rubric": "rubrik",
    "tier ceilings": "plafon tier",
    "account number": "nomor rekening", "criterion": "kriteria", "tier": "tingkat",
    "price": "harga", "greater than": "lebih dari", "less than": "kurang dari",
    "greater than or equal to": "sedikitnya", "less than or equal to": "paling banyak",
    "an empty string": "teks kosong", "other characters": "karakter lain",
    "datetime": "tanggal dan waktu", "time": "jam", "date": "tanggal",
    "aware": "berzona waktu", "naive": "tanpa zona waktu", "or": "atau", "to": "sampai",
    "; line breaks and tabs only in free text": "; baris baru dan tab hanya boleh di teks bebas",
}
_NUMBER = r"-?[0-9][0-9,]*(?:\.[0-9]+)?"
_ENGLISH_NUMBER = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")

# (pattern, Indonesian): each pattern must match a whole message; its named groups are the
# values (a field name, a bound, the choices), carried over as they are. English thousands
# commas in numbers become Indonesian dots.
_RULES: list[tuple[str, str]] = [
    # marshmallow's own messages
    (r"Missing data for required field\.", "Wajib diisi."),
    (r"Field may not be null\.", "Tidak boleh kosong."),
    (r"Unknown field\.", "Isian ini tidak dikenal."),
    (r"Invalid input type\.", "Jenis masukan tidak sah."),
    (r"Invalid type\.", "Jenis tidak sah."),
    (r"Invalid value\.", "Nilai tidak sah."),
    (r"Invalid input\.", "Masukan tidak sah."),
    (r"Not a valid integer\.", "Bukan bilangan bulat yang sah."),
    (r"Not a valid number\.", "Bukan angka yang sah."),
    (r"Not a valid string\.", "Bukan teks yang sah."),
    (r"Not a valid utf-8 string\.", "Bukan teks UTF-8 yang sah."),
    (r"Not a valid boolean\.", "Bukan nilai ya/tidak yang sah."),
    (r"Not a valid date\.", "Bukan tanggal yang sah."),
    (r"Not a valid UUID\.", "Bukan UUID yang sah."),
    (r"Not a valid email address\.", "Bukan alamat e-mail yang sah."),
    (r"Not a valid URL\.", "Bukan URL yang sah."),
    (r"Not a valid list\.", "Bukan daftar yang sah."),
    (r"Not a valid tuple\.", "Bukan tupel yang sah."),
    (r"Not a valid mapping type\.", "Bukan objek yang sah."),
    (r"Not a valid period of time\.", "Bukan jangka waktu yang sah."),
    (r"Not a valid (?P<what>aware|naive) (?P<kind>datetime|time|date)\.",
     "Bukan {kind} {what} yang sah."),
    (r"Not a valid (?P<kind>datetime|time|date)\.", "Bukan {kind} yang sah."),
    (r'"(?P<input>.*)" cannot be formatted as a (?P<kind>datetime|time|date)\.',
     '"{input}" tidak dapat dibaca sebagai {kind}.'),
    (r"Number too large\.", "Angka terlalu besar."),
    (r"Special numeric values \(nan or infinity\) are not permitted\.",
     "Nilai khusus (NaN atau tak hingga) tidak diizinkan."),
    (r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.",
     "Panjang harus antara {min} dan {max}."),
    (r"Length must be (?P<equal>\d+)\.", "Panjang harus {equal}."),
    (r"Longer than maximum length (?P<max>\d+)\.", "Lebih panjang dari batas {max}."),
    (r"Shorter than minimum length (?P<min>\d+)\.", "Lebih pendek dari batas {min}."),
    (rf"Must be (?P<low>greater than(?: or equal to)?) (?P<min>{_NUMBER}) and "
     rf"(?P<high>less than(?: or equal to)?) (?P<max>{_NUMBER})\.",
     "Harus {low} {min} dan {high} {max}."),
    (rf"Must be (?P<op>(?:greater|less) than(?: or equal to)?) (?P<bound>{_NUMBER})\.",
     "Harus {op} {bound}."),
    (r"Must be one of: (?P<choices>.*)\.", "Harus salah satu dari: {choices}."),
    (r"Must be equal to (?P<other>.*)\.", "Harus sama dengan {other}."),
    (r"String does not match expected pattern\.", "Teks tidak sesuai pola yang diharapkan."),
    (r"One or more of the choices you made was not in: (?P<choices>.*)\.",
     "Satu atau lebih pilihan tidak ada di: {choices}."),

    # shared/schemas.py
    (r"must be a string", "harus berupa teks"),
    (r"must be (?P<min>\d+) to (?P<max>\d+) characters \(got (?P<got>\d+)\)",
     "harus {min} sampai {max} karakter (terisi {got})"),
    (r"must not contain control or invisible formatting characters \(found "
     r"(?P<code>U\+[0-9A-F]{4,6}) at character (?P<position>\d+)\)"
     r"(?P<lines>; line breaks and tabs only in free text)?",
     "tidak boleh memuat karakter kendali atau format tak terlihat (ada {code} pada "
     "karakter ke-{position}){lines}"),
    (r"must match (?P<pattern>.+)", "harus sesuai pola {pattern}"),
    (r"(?P<name>NPWP|NIB|NIK|account number) must be (?P<low>\d+) (?P<joint>or|to) "
     r"(?P<high>\d+) digits 0-9, without dots, dashes or spaces",
     "{name} harus {low} {joint} {high} angka 0-9, tanpa titik, tanda hubung, atau spasi"),
    (r"(?P<name>NPWP|NIB|NIK|account number) must be (?P<count>\d+) digits 0-9, without "
     r"dots, dashes or spaces",
     "{name} harus {count} angka 0-9, tanpa titik, tanda hubung, atau spasi"),
    (r"must be an e-mail address", "harus berupa alamat e-mail"),
    (r"must be a UUID such as (?P<example>\S+)", "harus berupa UUID, misalnya {example}"),
    (r"must be a date as YYYY-MM-DD", "harus berupa tanggal dengan format YYYY-MM-DD"),
    (r"must be a date and time with its offset, as YYYY-MM-DDTHH:MM:SS\+07:00",
     "harus berupa tanggal dan jam beserta zona waktunya, misalnya 2026-12-05T09:00:00+07:00"),
    (r"must carry its offset \(\+07:00 for WIB, \+08:00 WITA, \+09:00 WIT, Z for UTC\)",
     "harus menyebut zona waktunya (+07:00 untuk WIB, +08:00 WITA, +09:00 WIT, Z untuk UTC)"),
    (r"must be in the years (?P<min>\d+) to (?P<max>\d+)",
     "harus pada tahun {min} sampai {max}"),
    (r"must be a date in the years (?P<min>\d+) to (?P<max>\d+)",
     "harus berupa tanggal pada tahun {min} sampai {max}"),
    (r"must be a whole number", "harus berupa bilangan bulat"),
    (rf"(?:(?P<subject>\w+) )?must be a whole number from (?P<min>{_NUMBER}) to "
     rf"(?P<max>{_NUMBER})", "{subject}harus berupa bilangan bulat dari {min} sampai {max}"),
    (r"must be whole rupiah as an integer \(no decimals\)",
     "harus berupa rupiah utuh (tanpa desimal)"),
    (rf"must be whole rupiah from (?P<min>{_NUMBER}) to (?P<max>{_NUMBER}) \(Rp10\^15\)",
     "harus berupa rupiah utuh dari {min} sampai {max} (Rp10^15)"),
    (r"must be a number", "harus berupa angka"),
    (r"must be a finite number \(not NaN or infinity\)",
     "harus berupa angka terhingga (bukan NaN atau tak hingga)"),
    (rf"(?:(?P<subject>\w+) )?must be from (?P<min>{_NUMBER}) to (?P<max>{_NUMBER})",
     "{subject}harus dari {min} sampai {max}"),
    (r"must be true or false", "harus true (ya) atau false (tidak)"),
    (rf"must hold (?P<min>{_NUMBER}) to (?P<max>{_NUMBER}) items",
     "harus berisi {min} sampai {max} butir"),
    (rf"must hold at most (?P<max>{_NUMBER}) entries", "harus berisi paling banyak {max} entri"),
    (r"(?P<name>[\w ]+) must be one of: (?P<choices>.+)",
     "{name} harus salah satu dari: {choices}"),
    (r"(?P<name>\w+) must be a year such as (?P<example>\d{4})",
     "{name} harus berupa tahun, misalnya {example}"),
    (r"sha256 must be the file's SHA-256 as 64 lowercase hex digits",
     "sha256 harus berupa SHA-256 berkas: 64 digit heksadesimal huruf kecil"),
    (r"name must be a file's name, without a folder \(no / or \\\)",
     "name harus berupa nama berkas, tanpa folder (tanpa / atau \\)"),
    (r"give either sha256 \(the SHA-256 of a file kept elsewhere\) or the file itself "
     r"\(multipart/form-data, part `file`\), not both and not neither",
     "isi salah satu: sha256 (SHA-256 berkas yang disimpan di tempat lain) atau berkas itu "
     "sendiri (multipart/form-data, bagian `file`), tidak keduanya dan tidak kosong keduanya"),
    (r"expected an object, got (?P<type>\w+)", "harus berupa objek, bukan {type}"),
    (r"command_id must be a string of 1 to 100 characters from A-Z a-z 0-9 \. _ : - "
     r"\(got (?P<got>.+)\)",
     "command_id harus berupa teks 1 sampai 100 karakter dari A-Z a-z 0-9 . _ : - "
     "(terisi {got})"),

    # services/partners/schemas.py
    (r"phone must be digits, e\.g\. (?P<example>.+)",
     "phone harus berupa angka, misalnya {example}"),
    (r"name at least one of (?P<fields>.+)", "sebutkan sedikitnya satu dari {fields}"),
    # services/partners/domain.py: refusals a company's own forms meet
    (r"bank account holder '(?P<holder>.*)' is not the company '(?P<company>.*)'; the "
     r"account must be in the company's own name",
     "pemilik rekening '{holder}' bukan perusahaan '{company}'; rekening harus atas nama "
     "perusahaan sendiri"),
    (r"no journalist with that NIK is listed with this company",
     "tidak ada wartawan dengan NIK itu dalam daftar perusahaan ini"),

    # services/assessment/schemas.py
    (r"code must be lowercase letters, digits and _",
     "code harus berupa huruf kecil, angka, dan _"),
    (rf"at least one (?P<what>criterion|tier|price), at most (?P<max>{_NUMBER})",
     "sedikitnya satu {what}, paling banyak {max}"),
    (rf"score must be from 0 to the criterion's max_score \(at most (?P<max>{_NUMBER})\)",
     "score harus dari 0 sampai max_score kriterianya (paling tinggi {max})"),
    (r"a score needs a reason \(at least (?P<min>\d+) characters, at most (?P<max>\d+); "
     r"got (?P<got>\d+)\)",
     "nilai memerlukan alasan (sedikitnya {min} karakter, paling banyak {max}; terisi {got})"),

    # services/contracts/schemas.py
    (r"tier must be a tier name such as A, B or C",
     "tier harus berupa nama tingkat, misalnya A, B, atau C"),
    (r"activity_code must be the DPA activity code, e\.g\. (?P<example>\S+)",
     "activity_code harus berupa kode kegiatan DPA, misalnya {example}"),
    (r'(?P<name>\w+) must be an exact fraction "num/den" of whole numbers, '
     r'e\.g\. "12/100" or "11/12"',
     '{name} harus berupa pecahan tepat "pembilang/penyebut" dari bilangan bulat, '
     'misalnya "12/100" atau "11/12"'),
    (r"number must be the SPK number, e\.g\. (?P<example>\S+)",
     "number harus berupa nomor SPK, misalnya {example}"),
    (r"sp2d_number must be the SP2D number", "sp2d_number harus berupa nomor SP2D"),
    (r"period must be the tax month as YYYY-MM, e\.g\. (?P<example>\S+)",
     "period harus berupa masa pajak dengan format YYYY-MM, misalnya {example}"),
    (r"ntpn must be the 16 letters and digits of the NTPN on the deposit slip",
     "ntpn harus berupa 16 huruf dan angka NTPN pada bukti setor"),
    (r"an addendum gives a new ceiling, ends_on or agreed_prices",
     "adendum harus memuat ceiling baru, ends_on, atau agreed_prices"),

    # services/reporting/schemas.py, services/gateway/schemas.py, shared/service.py
    (r"entity_id must be the UUID of a partner, contract or order",
     "entity_id harus berupa UUID mitra, kontrak, atau pesanan"),
    (r"must be a service name", "harus berupa nama layanan"),
    (r"not a cursor this API gave", "bukan kursor yang diberikan API ini"),
    (r"must be a positive integer notification id",
     "harus berupa nomor notifikasi berupa bilangan bulat positif"),
    (r"must be an integer position from 0 to 2\^63 - 1",
     "harus berupa posisi bilangan bulat dari 0 sampai 2^63 - 1"),
    (rf"must be an integer from (?P<min>{_NUMBER}) to (?P<max>{_NUMBER})",
     "harus berupa bilangan bulat dari {min} sampai {max}"),

    # services/gateway/files.py: a file sent with a form
    (r"send the file in this part \(PDF, JPEG or PNG\)",
     "kirim berkasnya di bagian ini (PDF, JPEG, atau PNG)"),
    (r"give the file's name \(filename= in the part's header\)",
     "sebutkan nama berkasnya (filename= pada header bagian)"),
    (rf"a file may be at most (?P<size>{_NUMBER}) bytes",
     "berkas paling besar {size} bita"),
    # shared/files.py: the store refuses what it stages
    (r"must be a PDF, JPEG or PNG file; its bytes are neither, whatever its name says",
     "harus berkas PDF, JPEG, atau PNG; isinya bukan salah satunya, apa pun namanya"),
    (r"the file is empty", "berkasnya kosong"),
    (rf"at most (?P<size>{_NUMBER}) bytes", "paling besar {size} bita"),

    # services/accounts
    (r"is not the account's current password", "bukan kata sandi akun saat ini"),

    # NotFound: shared/application.py `load` ("no <label> <id>") and the portal's own pages
    (r"no page (?P<path>\S+) for (?P<method>[A-Z]+)", "halaman {path} tidak ada untuk {method}"),
    (r"no page (?P<path>\S+)", "halaman {path} tidak ada"),
    (r"no (?P<thing>partner|contract|order|release|budget|account|rubric|tier ceilings) "
     r"(?P<id>\S+)", "{thing} {id} tidak ada"),
]
_COMPILED = [(re.compile(pattern, re.DOTALL), indonesian) for pattern, indonesian in _RULES]


def _value(name: str, value: str | None) -> str:
    if value is None:
        return ""
    if name == "subject":  # an optional field name before the sentence keeps its space
        return f"{value} "
    value = _WORDS.get(value, value)
    if name == "got":  # command_id's "(got 101 characters)", "(got a int)"
        value = re.sub(r"^(\d+) characters$", r"\1 karakter", value)
        value = re.sub(r"^an? (\w+)$", r"nilai \1", value)
    return _ENGLISH_NUMBER.sub(lambda found: found.group().replace(",", "."), value)


def field_message(message: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A validation message of the services (English) in `lang`, its values kept.

    A message no rule knows comes back unchanged: an English sentence beside a field is
    better than an empty space where the reason should be."""
    if _check_language(lang) == "en":
        return message
    for pattern, indonesian in _COMPILED:
        found = pattern.fullmatch(message)
        if found:
            return indonesian.format(**{k: _value(k, v) for k, v in found.groupdict().items()})
    return message
