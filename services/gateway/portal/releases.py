"""Press releases (siaran pers, issue 16) in the portal. Kominfo's press desk (`humas`, or the
admin) writes a release for the year's active partners, chosen by media type, tier or name,
with its attachments and, if it says so, an embargo; each media company it was sent to reads it
once the embargo has ended and files its pickup (the publication that carried it, with the
clipping); the desk accepts or rejects each pickup with a note, and the release's own page says
who received it, who picked it up and when.

One set of pages for both: contracts decides what each person sees (a media company only the
releases sent to it, after their embargo, with its own pickups; staff every pickup and the
recipients), and a page shows the desk's forms to the desk alone.
"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from services.gateway import files
from services.gateway.portal import text
from services.gateway.portal.orders import whole_number
from services.gateway.portal.pages import (STATUS, Page, errors_of, reason_of, refusal_shown,
                                           require_login)
from shared.errors import Conflict, NotFound, RuleViolated, ValidationFailed
from shared.files import sniff

DESK = {"humas", "admin"}
MOST_ATTACHMENTS = 5  # files one form carries (the service keeps up to 10 a release)
SHA256 = re.compile(r"[0-9a-f]{64}")
STANDING = ("pending", "accepted")  # a pickup that stands: another only after a rejection
# Where the service's refusal of a form belongs: beside this field, not above the form.
REFUSED_AT = {"embargo_in_past": "embargo_until", "no_recipients": "audience",
              "partner_not_active": "partner_ids", "published_in_future": "published_on",
              "published_before_release": "published_on"}


# The year's releases, and the desk's form ----------------------------------------------------

def releases(page: Page, values: dict | None = None, errors: dict | None = None,
             status: int = 200, alert: str | None = None):
    require_login(page)
    raw = page.request.args.get("tahun", "")
    # a year that is no year goes to contracts as it is, which refuses it in words
    year = int(raw) if raw.isdigit() and len(raw) <= 4 else raw or page.year
    rows = page.call("contracts", "list_releases", fiscal_year=year)
    desk = is_desk(page)
    partners = page.call("partners", "list_partners", status="active") if desk else []
    return page.render(
        "releases.html", status, releases=rows, year=year, desk=desk,
        partners=sorted(partners, key=lambda p: p["brand_name"].lower()),
        values=values or {"release_date": page.today.isoformat()}, errors=errors or {},
        zone=text.ZONE_NAMES.get(page.settings.timezone, page.settings.timezone),
        most_files=MOST_ATTACHMENTS, megabytes=page.store.limit // 2**20,
        notice=page.notice, alert=alert)


def publish_release(page: Page):
    """The desk sends a release: its attachments staged together for the one command, the
    embargo's local date and time made an instant in the regency's zone."""
    require_login(page)
    form = page.request.form
    shown = {name: form.get(name, "") for name in (
        "title", "body", "release_date", "embargo_date", "embargo_time", "tiers")}
    shown.update(media_types=form.getlist("media_types"), partner_ids=form.getlist("partner_ids"))
    release = {"title": shown["title"].strip(), "body": shown["body"].strip(),
               "release_date": shown["release_date"],
               "audience": {"media_types": shown["media_types"],
                            "tiers": tiers(shown["tiers"]),
                            "partner_ids": shown["partner_ids"]}}
    try:
        release["embargo_until"] = embargo_instant(page, shown["embargo_date"],
                                                   shown["embargo_time"])
        uploads = attachments(page)
        sent = files.staged_all(page.store, uploads, lambda kept: page.call(
            "contracts", "publish_release", release={**release, "files": kept}))
    except (ValidationFailed, RuleViolated, Conflict) as refused:
        errors = form_errors(page, refused)
        alert = page.t("form.has_errors") if errors else refusal(page, refused)
        return releases(page, values=shown, errors=errors, status=STATUS[type(refused)],
                        alert=alert)
    return page.back_to(f"/portal/siaran/{sent['release_id']}",
                        page.t("releases.published", recipients=sent["recipients"]))


publish_release.most_files = MOST_ATTACHMENTS  # serve() lets the form carry them


def tiers(raw: str) -> list[str]:
    """"A, b" -> ["A", "B"]: tiers are written as the regency names them (A, B, C)."""
    return [tier.strip().upper() for tier in raw.split(",") if tier.strip()]


def embargo_instant(page: Page, day: str, time: str) -> str | None:
    """The embargo's end as typed (the regency's date and time) as an instant with the
    regency's offset (`2026-12-06T09:00:00+07:00`); both left empty is no embargo."""
    day, time = day.strip(), time.strip()
    if not day and not time:
        return None
    if not day or not time:
        raise ValidationFailed.from_messages({"embargo_until": [
            page.t("releases.embargo_incomplete")]})
    try:
        local = dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time),
                                    ZoneInfo(page.settings.timezone))
    except ValueError:
        raise ValidationFailed.from_messages({"embargo_until": [
            page.t("releases.embargo_unreadable")]})
    return local.isoformat(timespec="seconds")


def attachments(page: Page) -> list[tuple[str, bytes]]:
    """(name, bytes) of each file the form's `files` carries (a browser sends one empty part
    when none is chosen), each within the file store's limit and a PDF, JPEG or PNG by its
    bytes; else the problems beside the field, naming each file."""
    chosen = [part for part in page.request.files.getlist("files") if part.filename]
    if len(chosen) > MOST_ATTACHMENTS:
        raise ValidationFailed.from_messages({"files": [
            page.t("releases.too_many_files", most=MOST_ATTACHMENTS)]})
    limit, found, problems = page.store.limit, [], []
    for part in chosen:
        name, data = files.file_name(part.filename), part.stream.read(limit + 1)
        if len(data) > limit:
            problems.append(page.t("releases.file_too_large", name=name,
                                   megabytes=limit // 2**20))
        elif not data or sniff(data) is None:
            problems.append(page.t("releases.file_not_accepted", name=name))
        found.append((name, data))
    if problems:
        raise ValidationFailed.from_messages({"files": problems})
    return found


def form_errors(page: Page, refused) -> dict:
    """A form's errors beside its fields: the schema's, at the field the form shows them by
    (an audience's part or a reach figure by its own name, any file's record at `files`), or
    a rule's refusal beside the field it is about; {} for a refusal of the whole."""
    if isinstance(refused, ValidationFailed) and refused.details.get("fields"):
        errors: dict = {}
        for key, messages in errors_of(page, refused).items():
            parts = key.split(".")
            at = parts[1] if parts[0] in ("audience", "reach") and len(parts) > 1 \
                else parts[0]
            errors.setdefault(at, []).extend(messages)
        return errors
    if refused.code in REFUSED_AT:
        return {REFUSED_AT[refused.code]: [refusal(page, refused)]}
    return {}


# A release's own page ------------------------------------------------------------------------

def release(page: Page, release_id: str):
    require_login(page)
    return release_page(page, release_id)


def release_page(page: Page, release_id: str, status: int = 200, **context):
    """The release with its body and attachments; to staff every pickup and who received it
    (the services answer `sent_to` to them alone), to a media company its own pickups and,
    while none stands, the form to file one."""
    shown = page.call("contracts", "get_release", release_id=release_id)
    staff = "sent_to" in shown
    partners = {p["partner_id"]: p for p in page.call("partners", "list_partners")} \
        if staff else {}
    standing_of: dict = {}
    for pickup in shown["pickups"]:  # as filed: the last one of a partner is its standing
        pickup["brand_name"] = partners.get(pickup["partner_id"], {}).get("brand_name")
        standing_of[pickup["partner_id"]] = pickup
    recipients = [{"partner_id": pid, "partner": partners.get(pid, {}),
                   "pickup": standing_of.get(pid)} for pid in shown.get("sent_to", ())]
    recipients.sort(key=lambda r: (r["pickup"] is not None,
                                   (r["partner"].get("brand_name") or "").lower()))
    media = "media" in page.session.roles and not staff
    return page.render(
        "release.html", status, release=shown, staff=staff, desk=is_desk(page),
        media=media, recipients=recipients, audience=audience_said(page, shown, partners),
        may_file=media and not any(p["review"] in STANDING for p in shown["pickups"]),
        today=page.today.isoformat(), notice=page.notice,
        **{"pickup_values": {}, "pickup_errors": {}, "reviewed": {}, **context})


def audience_said(page: Page, shown: dict, partners: dict) -> list[str]:
    """The audience as the desk chose it, part by part ([] when it chose every partner)."""
    audience, said = shown.get("audience") or {}, []
    if audience.get("media_types"):
        said.append(", ".join(page.t(f"media_type.{m}") for m in audience["media_types"]))
    if audience.get("tiers"):
        said.append(page.t("releases.audience_tiers", tiers=", ".join(audience["tiers"])))
    if audience.get("partner_ids"):
        said.append(", ".join(partners.get(pid, {}).get("brand_name") or pid
                              for pid in audience["partner_ids"]))
    return said


def release_file(page: Page, release_id: str):
    """An attachment, or a pickup's clipping, checked against its SHA-256 and shown in the
    page, to whom contracts allows it. The hash comes as `?sha256=` (the path's values are
    ids): 64 lowercase hex digits, nothing else reaches the service."""
    require_login(page)
    sha256 = page.request.args.get("sha256", "")
    if not SHA256.fullmatch(sha256):
        raise NotFound(f"no file {sha256!r}", code="no_such_page")
    record = page.call("contracts", "release_file", release_id=release_id, sha256=sha256)
    return files.file_response(record, page.store.read(record["sha256"]), inline=True)


def file_pickup(page: Page, release_id: str):
    """A media company files its pickup of a release sent to it, the clipping (or a capture of
    the page or the broadcast log) with it."""
    require_login(page)
    form = page.request.form
    pickup = {"partner_id": page.session.partner_id, "kind": form.get("kind", ""),
              "reference": form.get("reference", "").strip(),
              "published_on": form.get("published_on", "")}
    try:
        if form.get("page_views", "").strip():
            pickup["reach"] = {"page_views": whole_number("page_views", form["page_views"])}
        name, data = page.file()
        page.call("contracts", "get_release", release_id=release_id)  # may they, before a byte
        files.staged(page.store, data, name, lambda file: page.call(
            "contracts", "file_pickup", release_id=release_id, pickup={**pickup, "file": file}))
    except (ValidationFailed, RuleViolated, Conflict) as refused:
        errors = form_errors(page, refused)
        alert = page.t("form.has_errors") if errors else refusal(page, refused)
        return release_page(page, release_id, STATUS[type(refused)], alert=alert,
                            pickup_values=form, pickup_errors=errors)
    return page.back_to(f"/portal/siaran/{release_id}", page.t("releases.pickup_filed"))


def review_pickup(page: Page, release_id: str, pickup_id: str):
    """The desk accepts or rejects a pickup, with a note the company reads."""
    require_login(page)
    form = page.request.form
    decision, note = form.get("decision", ""), form.get("note", "").strip()
    try:
        page.call("contracts", "review_pickup", release_id=release_id, pickup_id=pickup_id,
                  decision=decision, note=note)
    except (ValidationFailed, RuleViolated, Conflict) as refused:
        alert, errors = refusal_shown(page, refused)
        return release_page(page, release_id, STATUS[type(refused)],
                            alert=alert if errors else refusal(page, refused),
                            reviewed={"pickup_id": pickup_id, "note": note, "errors": errors})
    return page.back_to(f"/portal/siaran/{release_id}",
                        page.t(f"releases.reviewed.{decision}"))


# Helpers -------------------------------------------------------------------------------------

def is_desk(page: Page) -> bool:
    return bool(page.session.roles & DESK)


def refusal(page: Page, refused) -> str:
    """A refusal of contracts' release rules in the page's language (the catalog says each
    the desk or a company can meet), else as pages.reason_of says any refusal."""
    key = f"releases.refused.{refused.code}"
    if key not in text.CATALOG:
        return reason_of(page, refused)
    earliest = (refused.details or {}).get("earliest")
    return page.t(key, earliest=text.tanggal(earliest, page.lang) if earliest else "")


PAGES = [
    ("/siaran", releases, ["GET"]),
    ("/siaran/baru", publish_release, ["POST"]),
    ("/siaran/<release_id>", release, ["GET"]),
    ("/siaran/<release_id>/berkas", release_file, ["GET"]),
    ("/siaran/<release_id>/pemuatan", file_pickup, ["POST"]),
    ("/siaran/<release_id>/pemuatan/<pickup_id>/periksa", review_pickup, ["POST"]),
]
