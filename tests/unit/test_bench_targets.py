"""`make bench` ends with issue 18's targets beside their baselines (bench/targets.py): each
target is judged from the figures the run took, and one that misses says NO."""
from bench import targets


def history(*ratios):
    sizes = (10_000, 100_000, 1_000_000)
    return [{"events": size, "read/s": 10_000, "rebuild/s": int(10_000 * r),
             "rebuild ratio": f"{r:.2f}", "verify/s": 9_000, "verify ratio": "0.90"}
            for size, r in zip(sizes, ratios)] + [{"events": 10_000, "relay/s": 1}]


def figures(**changes):
    base = {
        "relay": [{"outbox": "PostgreSQL", "figure": "one confirm per message (baseline)",
                   "events/s": 1_000}, {"outbox": "PostgreSQL",
                                        "figure": "outbox relay, batches of 500",
                                        "events/s": 6_000}],
        "commands": {"postgres": [
            {"command": "score", "replicas": 1, "callers": 1, "per s": 300,
             "save() loop/s": 500},
            {"command": "score", "replicas": 2, "callers": 1, "per s": 1, "save() loop/s": 500},
            {"command": "score", "replicas": 1, "callers": 32, "per s": 1,
             "save() loop/s": 500}]},
        "propagation": [{"rate asked": 25, "rate achieved": 25.0, "p99 ms": 60, "echo ms": 2.0},
                        {"rate asked": 50, "rate achieved": 49.8, "p99 ms": 90,
                         "echo ms": 2.0}],
        "history": {"sqlite": history(0.6, 0.58, 0.55)},
        "export": [{"store": "SQLite", "events": 100_000, "read/s": 10_000, "export/s": 8_000,
                    "verify_export/s": 20_000}],
    }
    return {**base, **changes}


def by_target(rows):
    return {(row["target"], row["on"]): row for row in rows}


def test_every_target_is_judged_against_its_goal():
    rows = by_target(targets.table(**figures()))
    assert rows[("1 rebuild / read", "SQLite 1,000,000")]["ratio"] == "0.55"
    assert rows[("1 rebuild flat", "SQLite 10,000 to 1,000,000")]["holds"] == "yes"
    assert rows[("3 relay / one confirm", "PostgreSQL")]["ratio"] == "6.00"
    assert rows[("4 score / save()", "PostgreSQL, 1 caller")]["ratio"] == "0.60"
    assert not any(key[0] == "4 score / save()" and "32" in key[1] for key in rows)
    assert rows[("5 propagation p99", "PostgreSQL, 50/s (achieved 49.8)")]["holds"] == "yes"
    assert rows[("5 propagation p99", "PostgreSQL, 25/s (achieved 25)")]["holds"] == ""
    assert rows[("6 verifier / read", "SQLite 100,000")]["ratio"] == "2.00"
    assert all(row["holds"] in ("yes", "") for row in rows.values())
    assert targets.report(list(rows.values())).startswith(
        "Issue 18's targets beside their baselines, from this run: 12 of 12 hold")


def test_a_missed_target_says_no():
    rows = by_target(targets.table(**figures(
        history={"sqlite": history(0.6, 0.5, 0.4)},
        propagation=[{"rate asked": 50, "rate achieved": 40.0, "p99 ms": 1500,
                      "echo ms": 2.0}])))
    assert rows[("1 rebuild / read", "SQLite 1,000,000")]["holds"] == "NO"
    assert rows[("1 rebuild flat", "SQLite 10,000 to 1,000,000")]["ratio"] == "0.67"
    assert rows[("1 rebuild flat", "SQLite 10,000 to 1,000,000")]["holds"] == "NO"
    assert rows[("5 propagation p99", "PostgreSQL, 50/s (achieved 40)")]["holds"] == "NO"


def test_a_benchmark_that_failed_gives_no_rows_and_the_rest_still_judge():
    rows = targets.table(**figures(commands={}, propagation=[], relay=[]))
    assert {row["target"][0] for row in rows} == {"1", "6"}
