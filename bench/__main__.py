"""python -m bench [--events N]: run the benchmarks and print their table."""
import argparse

from bench import rebuild, relay


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--events", type=int, default=10_000,
                        help="events in the outbox for the relay benchmark (default 10,000)")
    args = parser.parse_args()
    relay.main(args.events)
    print()
    rebuild.main(args.events)


if __name__ == "__main__":
    main()
