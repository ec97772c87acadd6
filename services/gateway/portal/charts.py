"""Charts drawn on the server as SVG: no JavaScript, and readable when printed.

A chart in a regency office ends up on paper in a report to the Bupati or the Inspektorat, often
in black and white, so every bar carries its value as text and the series differ by hatching,
not colour alone. The drawing has a fixed coordinate system (`viewBox`) and no width, so it
shrinks to a phone's screen; `role="img"` with a `<title>` and a `<desc>` listing every value
gives a screen reader the same figures. Every label is escaped: a brand name is the company's
own text.
"""
from __future__ import annotations

import hashlib
import textwrap
from xml.sax.saxutils import escape

from services.gateway.portal.text import MONTHS, number, percent, rupiah, t

WIDTH = 360  # at 13px, about 12px on a 360px phone
PAD = 8
FONT = 13
LABEL_CHARS = 46  # what fits on one line of WIDTH at FONT
LEGEND_CHARS = 42  # the same, after a legend's swatch
VALUE_ROOM = 140  # the right part of a bar row kept for its value ("Rp2.020.000.000")
# Hatching per series, told apart without colour: (path within an 8x8 tile, stroke width).
HATCHES = (("M0,8 L8,0 M-2,2 L2,-2 M6,10 L10,6", 2.2), ("M0,0 L8,8 M-2,6 L2,10 M6,-2 L10,2", 1.4),
           ("M4,0 L4,8", 2.0), ("M0,4 L8,4", 1.6), ("M0,0 L8,8 M8,0 L0,8", 1.0))


def _e(value) -> str:
    return escape(str(value), {'"': "&quot;"})


def _id(*parts) -> str:
    """An id for this drawing's patterns: two charts on one page must not share one (the second
    would paint with the first's, or with none once the first is hidden)."""
    return "c" + hashlib.sha256(repr(parts).encode()).hexdigest()[:10]


def _patterns(uid: str, count: int) -> str:
    defs = []
    for n, (path, stroke) in enumerate(HATCHES[:count]):
        defs.append(f'<pattern id="{uid}-p{n}" width="8" height="8" '
                    f'patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#fff"/>'
                    f'<path d="{path}" stroke="#1f3a5f" stroke-width="{stroke}"/></pattern>')
    return f"<defs>{''.join(defs)}</defs>"


def _svg(uid: str, height: int, title: str, desc: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{uid}-t {uid}-d" '
            f'font-family="sans-serif" font-size="{FONT}">'
            f'<title id="{uid}-t">{_e(title)}</title><desc id="{uid}-d">{_e(desc)}</desc>'
            + "".join(body) + "</svg>")


def _heading(title: str) -> str:
    return f'<text x="{PAD}" y="{PAD + FONT + 2}" font-weight="bold" fill="#000">{_e(title)}</text>'


def _lines(label: str, chars: int = LABEL_CHARS) -> list[str]:
    """At most three lines; a longer label is cut with "…" (the `<desc>` keeps it whole)."""
    lines = textwrap.wrap(str(label), chars) or [""]
    if len(lines) > 3:
        lines = lines[:2] + [lines[2][:chars - 1] + "…"]
    return lines


def _legend(uid: str, names, y: float) -> tuple[list[str], float]:
    """Each series' hatching and its name (wrapped: an activity's name is long), from `y`
    down; and the `y` below the legend."""
    body = []
    for n, name in enumerate(names):
        lines = _lines(name, LEGEND_CHARS)
        body.append(f'<rect x="{PAD}" y="{y:.1f}" width="22" height="14" '
                    f'fill="url(#{uid}-p{n})" stroke="#000"/>')
        body.extend(_text(PAD + 28, y + 12 + (FONT + 3) * k, line)
                    for k, line in enumerate(lines))
        y += max(20, (FONT + 3) * len(lines) + 4)
    return body, y


def _text(x: float, y: float, content: str, **attrs) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{_e(v)}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" fill="#000"{extra}>{_e(content)}</text>'


def _formatter(unit: str):
    if unit == "rupiah":
        return rupiah
    if unit == "count":
        return number
    raise ValueError(f"unit must be rupiah or count, not {unit!r}")


def bars(items: list[tuple[str, int]], *, title: str, unit: str = "rupiah",
         lang: str = "id", series: tuple[str, ...] = ()) -> str:
    """One horizontal bar per (label, value), longest value full width, each with its label
    above it and its formatted value after it. With `series` (their names, shown in a legend)
    each value is a tuple of one value per series: the label's bars stand one under another,
    each series its own hatching."""
    fmt = _formatter(unit)
    rows = [(label, tuple(value) if series else (value,)) for label, value in items]
    for label, values in rows:
        if len(values) != max(len(series), 1):
            raise ValueError(f"{label!r} has {len(values)} values for {len(series)} series")
    uid = _id("bars", title, items, series)
    biggest = max((value for _, values in rows for value in values), default=0)
    room = WIDTH - 2 * PAD - VALUE_ROOM
    body, y = [_patterns(uid, max(len(series), 1)), _heading(title)], PAD + FONT + 14
    if series:
        legend, y = _legend(uid, series, y - 4)
        body += legend
    if not items:
        body.append(_text(PAD, y + FONT, t("chart.empty", lang)))
        y += FONT + 8
    for label, values in rows:
        for line in _lines(label):
            y += FONT + 3
            body.append(_text(PAD, y, line))
        y += 5
        for n, value in enumerate(values):
            length = room * max(value, 0) / biggest if biggest > 0 else 0
            body.append(f'<rect class="bar" x="{PAD}" y="{y}" width="{length:.1f}" height="16" '
                        f'fill="url(#{uid}-p{n})" stroke="#000" stroke-width="1"/>')
            body.append(_text(PAD + length + 6, y + 13, fmt(value), class_="value"))
            y += 16 + (4 if n < len(values) - 1 else 10)
    if series:
        desc = "; ".join(f"{label}: " + ", ".join(f"{name} {fmt(value)}"
                                                   for name, value in zip(series, values))
                         for label, values in rows)
    else:
        desc = "; ".join(f"{label}: {fmt(values[0])}" for label, values in rows)
    return _svg(uid, y + PAD, title, desc, body)


def realisation(activities: list[dict], lang: str = "id", *, title: str = "") -> str:
    """Per activity (name, ceiling, realised in rupiah): the realised amount against its
    ceiling (the outlined track, 100% at its end mark), with the amounts and the percentage.
    Spending past the ceiling runs beyond the mark, cross-hatched and said in words."""
    uid = _id("realisation", title, activities)
    room = WIDTH - 2 * PAD
    body, y = [_patterns(uid, 5)], PAD
    if title:
        body.append(_heading(title))
        y += FONT + 14
    if not activities:
        body.append(_text(PAD, y + FONT, t("chart.empty", lang)))
        y += FONT + 8
    summary = []
    for activity in activities:
        name, ceiling, realised = activity["name"], activity["ceiling"], activity["realised"]
        for line in _lines(name):
            y += FONT + 3
            body.append(_text(PAD, y, line))
        y += 5
        scale = max(ceiling, realised, 1)
        track, filled = room * ceiling / scale, room * min(realised, ceiling) / scale
        body.append(f'<rect class="ceiling" x="{PAD}" y="{y}" width="{track:.1f}" height="16" '
                    f'fill="#fff" stroke="#000" stroke-width="1"/>')
        body.append(f'<rect class="realised" x="{PAD}" y="{y}" width="{filled:.1f}" height="16" '
                    f'fill="url(#{uid}-p0)" stroke="#000" stroke-width="1"/>')
        over = realised > ceiling
        if over:
            body.append(f'<rect class="over" x="{PAD + track:.1f}" y="{y}" '
                        f'width="{room - track:.1f}" height="16" fill="url(#{uid}-p4)" '
                        f'stroke="#000" stroke-width="2"/>')
        body.append(f'<path d="M{PAD + track:.1f},{y - 3} v22" stroke="#000" stroke-width="2"/>')
        y += 16 + FONT + 4
        amounts = t("chart.of", lang, realised=rupiah(realised), ceiling=rupiah(ceiling))
        share = f"({percent(realised / ceiling)})" if ceiling > 0 else f"({t('chart.no_ceiling', lang)})"
        body.append(_text(PAD, y, f"{amounts} {share}", class_="value"))
        if over:  # on a line of its own, in bold: it must not be missed on paper
            y += FONT + 4
            body.append(_text(PAD, y, t("chart.over_ceiling", lang), class_="value",
                              font_weight="bold"))
        summary.append(f"{name}: {amounts} {share}"
                       + (f" {t('chart.over_ceiling', lang)}" if over else ""))
        y += 12
    return _svg(uid, y + PAD, title or t("chart.realisation", lang), "; ".join(summary), body)


def compact(amount: int, lang: str = "id") -> str:
    """An axis label short enough to sit under a column: `1,5 M`, `250 jt`, `1.5B`, `250M`."""
    steps = {"id": ((10**12, "T"), (10**9, "M"), (10**6, "jt"), (10**3, "rb")),
             "en": ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K"))}[lang]
    for size, suffix in steps:
        if abs(amount) >= size:
            shown = f"{amount / size:.1f}".rstrip("0").rstrip(".")
            shown = shown.replace(".", ",") if lang == "id" else shown
            return f"{shown} {suffix}" if lang == "id" else f"{shown}{suffix}"
    return str(amount)


def months(series: dict[str, list[int]], title: str, lang: str = "id", *,
           unit: str = "rupiah") -> str:
    """Twelve columns, January to December, one per series side by side, each series its own
    hatching named in a legend; the axis and every column's tooltip give the amounts. A month
    below zero (a payment reversed in a later month than it was made) hangs under the zero
    line, which is drawn bold."""
    for name, values in series.items():
        if len(values) != 12:
            raise ValueError(f"series {name!r} has {len(values)} values, not one per month (12)")
    fmt = _formatter(unit)
    short = compact if unit == "rupiah" else (lambda n, _lang: number(n))
    uid = _id("months", title, series)
    legend, legend_end = _legend(uid, series, PAD + FONT + 10)
    left, top, plot_height = 58, legend_end + 4, 160
    step = (WIDTH - left - PAD) / 12
    gap = 3
    width = (step - gap) / max(len(series), 1)
    every = [v for values in series.values() for v in values]
    biggest, lowest = max(every + [0]), min(every + [0])
    span = biggest - lowest
    body = [_patterns(uid, len(series)), _heading(title), *legend]
    base = top + plot_height
    zero = base - plot_height * -lowest / span if span > 0 else base
    for tick in range(5):  # horizontal grid with the amounts
        value = lowest + span * tick / 4
        y = base - plot_height * tick / 4
        body.append(f'<path d="M{left},{y:.1f} H{WIDTH - PAD}" stroke="#999" '
                    f'stroke-width="0.5"/>')
        body.append(_text(left - 4, y + 4, short(round(value), lang), text_anchor="end",
                          font_size=11))
    body.append(f'<path class="zero" d="M{left},{zero:.1f} H{WIDTH - PAD}" stroke="#000" '
                f'stroke-width="1"/>')
    for month in range(12):
        x0 = left + step * month + gap / 2
        for n, (name, values) in enumerate(series.items()):
            value = values[month]
            height = plot_height * abs(value) / span if span > 0 else 0
            body.append(f'<rect class="column" x="{x0 + width * n:.1f}" '
                        f'y="{zero - height if value > 0 else zero:.1f}" '
                        f'width="{width:.1f}" height="{height:.1f}" fill="url(#{uid}-p{n})" '
                        f'stroke="#000" stroke-width="0.8"><title>{_e(name)}, '
                        f'{_e(MONTHS[lang][month])}: {_e(fmt(value))}</title></rect>')
        body.append(_text(x0 + (step - gap) / 2, base + 15, MONTHS[lang][month][:3],
                          text_anchor="middle", font_size=11))
    desc = "; ".join(f"{name}: " + ", ".join(f"{MONTHS[lang][m]} {fmt(v)}"
                                             for m, v in enumerate(values))
                     for name, values in series.items())
    return _svg(uid, base + 15 + PAD + 4, title, desc, body)
