"""Rows as a table a person reads in a terminal."""
from __future__ import annotations


def render(rows: list[dict], columns: list[str], headers: dict | None = None) -> str:
    headers = headers or {}
    titles = [headers.get(c, c) for c in columns]
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(t)] + [len(r[i]) for r in cells]) for i, t in enumerate(titles)]
    numeric = [bool(rows) and all(isinstance(row.get(c), (int, float)) for row in rows)
               for c in columns]

    def line(values):
        return "  ".join(v.rjust(w) if numeric[i] else v.ljust(w)
                         for i, (v, w) in enumerate(zip(values, widths))).rstrip()

    out = [line(titles), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    return "\n".join(out)


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)
