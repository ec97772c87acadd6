"""python -m bench [--events N] [--sizes 10000,100000,1000000] [--pg-sizes 10000,100000]
                  [--skip-commands]

Runs every benchmark, prints each figure beside its baseline from the same run (as a ratio),
and writes the same tables to docs/benchmarks.md.
"""
import argparse
import contextlib
import datetime as dt
import io
import platform
import sys
from pathlib import Path

from bench import commands, history_bench, relay


class Tee(io.StringIO):
    def write(self, text):
        sys.__stdout__.write(text)
        sys.__stdout__.flush()
        return super().write(text)


def sizes(text: str) -> tuple[int, ...]:
    return tuple(int(s) for s in text.split(","))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--events", type=int, default=10_000,
                        help="events in the outbox for the relay benchmark (default 10,000)")
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="history sizes for verify and rebuild (default up to 1,000,000)")
    parser.add_argument("--pg-sizes", default="10000,100000",
                        help="history sizes for verify, rebuild and scale on PostgreSQL")
    parser.add_argument("--skip-commands", action="store_true")
    args = parser.parse_args()
    out = Tee()
    with contextlib.redirect_stdout(out):
        print(f"# SEKLIK benchmarks\n\nRun {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} "
              f"UTC on {platform.machine()}, Python {platform.python_version()}, "
              "2 cores; every figure beside a baseline measured in the same run.\n\n```")
        relay.main(args.events)
        print()
        if not args.skip_commands:
            for store in ("sqlite", "postgres"):
                commands.main(store)
                print()
        history_bench.main(sizes(args.sizes), "sqlite")
        print()
        history_bench.main(sizes(args.pg_sizes), "postgres")
        print("```")
    Path(__file__).resolve().parents[1].joinpath("docs", "benchmarks.md").write_text(
        out.getvalue())


if __name__ == "__main__":
    main()
