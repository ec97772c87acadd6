"""python -m bench [--events N] [--sizes 10000,100000,1000000] [--pg-sizes 10000,100000]
                  [--skip-commands] [--skip-gateway]

Runs every benchmark, prints each figure beside its baseline from the same run (as a ratio),
and writes the same tables to docs/benchmarks.md (the gateway's and the uploads' to sections of
their own, which `python -m bench.gateway` and `python -m bench.uploads` rewrite alone too).
"""
import argparse
import contextlib
import datetime as dt
import io
import platform
import sys
from pathlib import Path

from bench import (broker, commands, export, gateway, history_bench, propagation, relay,
                   targets, uploads)


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
    parser.add_argument("--skip-gateway", action="store_true")
    args = parser.parse_args()
    out = Tee()
    with broker.own_vhost(), contextlib.redirect_stdout(out):
        print(f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} "
              f"UTC on {platform.machine()}, Python {platform.python_version()}, "
              "2 cores; every figure beside a baseline measured in the same run.\n\n```")
        with broker.own_vhost("relay"):
            figures = {"relay": relay.main(args.events), "commands": {}, "propagation": [],
                       "history": {}}
        print()
        if not args.skip_commands:
            for store in ("sqlite", "postgres"):
                with broker.own_vhost(f"commands-{store}"):  # callers need eventlet
                    figures["commands"][store] = commands.run_apart(store)
                print()
            with broker.own_vhost("propagation"):  # answer to view, loaded
                figures["propagation"] = propagation.run_apart("postgres")
            print()
        with broker.own_vhost("history-sqlite"):
            figures["history"]["sqlite"] = history_bench.main(sizes(args.sizes), "sqlite")
        print()
        with broker.own_vhost("history-postgres"):
            figures["history"]["postgres"] = history_bench.main(sizes(args.pg_sizes),
                                                                "postgres")
        print("```")
        write(DOC, out.getvalue())
        if not args.skip_gateway:
            with broker.own_vhost("gateway"):
                gateway.write_section()
            with broker.own_vhost("uploads"):
                uploads.write_section(mb=5, uploads=8)
        figures["export"] = export.write_section(100_000)
    summary = targets.report(targets.table(**figures))
    print(summary)
    write(DOC, f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC: `make bench`\n\n"
               f"```\n{summary}\n```\n", targets.START, targets.END)


START, END = "<!-- make bench writes from here -->", "<!-- to here -->"
DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write(path: Path, figures: str, start: str = START, end: str = END) -> None:
    """Replace the figures between the markers (the soak has its own); the reading of them
    around stays."""
    text = path.read_text() if path.exists() else f"{start}\n{end}\n"
    if start not in text or end not in text:
        text = f"{start}\n{end}\n\n{text}"
    head, rest = text.split(start, 1)
    path.write_text(f"{head}{start}\n{figures}{end}{rest.split(end, 1)[1]}")


if __name__ == "__main__":
    main()
