"""The targets of issue 18 beside their baselines, from the figures `python -m bench` just took.

Each row: the target, where it was measured, the figure and its baseline (both per second, or
the latency for propagation), the ratio, the goal and whether it holds in this run.
"""
from __future__ import annotations

from seklik.tables import render

START = "<!-- make bench writes the targets from here -->"
END = "<!-- the targets end here -->"
FLAT = 0.8  # the largest history's rebuild ratio, at least this share of the 10,000 events'


def table(*, relay: list[dict], commands: dict[str, list[dict]], propagation: list[dict],
          history: dict[str, list[dict]], export: list[dict]) -> list[dict]:
    """The targets' rows from each benchmark's rows (a benchmark that failed gives none)."""
    rows = []

    def ratio_row(target, where, figure, baseline, goal):
        ratio = figure / baseline if baseline else 0.0
        rows.append({"target": target, "on": where, "figure": round(figure),
                     "baseline": round(baseline), "ratio": f"{ratio:.2f}",
                     "goal": f">= {goal:g}", "holds": "yes" if ratio >= goal else "NO"})

    for store, kind in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
        sized = [row for row in history.get(store, []) if "rebuild ratio" in row]
        for row in sized:
            ratio_row("1 rebuild / read", f"{kind} {row['events']:,}", row["rebuild/s"],
                      row["read/s"], 0.5)
        if len(sized) > 1:
            first, last = (float(sized[i]["rebuild ratio"]) for i in (0, -1))
            flat = last / first if first else 0.0
            rows.append({"target": "1 rebuild flat", "on": f"{kind} {sized[0]['events']:,}"
                         f" to {sized[-1]['events']:,}", "figure": sized[-1]["rebuild ratio"],
                         "baseline": sized[0]["rebuild ratio"], "ratio": f"{flat:.2f}",
                         "goal": f">= {FLAT:g}", "holds": "yes" if flat >= FLAT else "NO"})
    for row in relay:
        if row["outbox"] == "PostgreSQL" and row["figure"].startswith("outbox relay"):
            baseline = next(r for r in relay if r["outbox"] == "PostgreSQL"
                            and r["figure"].startswith("one confirm"))
            ratio_row("3 relay / one confirm", "PostgreSQL", row["events/s"],
                      baseline["events/s"], 5)
    for row in commands.get("postgres", []):
        if row.get("replicas") == 1 and row.get("callers") in (1, 8) and "save() loop/s" in row:
            ratio_row(f"4 {row['command']} / save()", f"PostgreSQL, {row['callers']} caller"
                      f"{'s' if row['callers'] > 1 else ''}", row["per s"],
                      row["save() loop/s"], 0.5)
    for row in propagation:
        rows.append({"target": "5 propagation p99", "on": f"PostgreSQL, {row['rate asked']}/s "
                     f"(achieved {row['rate achieved']:g})", "figure": f"{row['p99 ms']} ms",
                     "baseline": f"echo {row['echo ms']} ms", "ratio": "",
                     "goal": "< 100 ms at 50/s" if row["rate asked"] == 50 else "",
                     "holds": ("yes" if row["p99 ms"] < 100 else "NO")
                     if row["rate asked"] == 50 else ""})
    for store, kind in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
        for row in history.get(store, []):
            if "verify ratio" in row:
                ratio_row("6 verify / read", f"{kind} {row['events']:,}", row["verify/s"],
                          row["read/s"], 0.5)
    for row in export:
        for name, label in (("export", "6 export / read"),
                            ("verify_export", "6 verifier / read")):
            ratio_row(label, f"{row['store']} {row['events']:,}", row[f"{name}/s"],
                      row["read/s"], 0.5)
    return rows


def report(rows: list[dict]) -> str:
    held = sum(row["holds"] == "yes" for row in rows)
    judged = sum(row["holds"] in ("yes", "NO") for row in rows)
    return (f"Issue 18's targets beside their baselines, from this run: {held} of {judged} "
            f"hold\n" + render(rows, ["target", "on", "figure", "baseline", "ratio", "goal",
                                      "holds"]))
