"""Command line: ``python -m actionnetwork_async demo`` runs the main job on the emulator."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog="python -m actionnetwork_async")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="stream people and events from the built-in emulator")
    demo.add_argument("--people", type=int, default=1000, help="people to seed (default 1000)")
    demo.add_argument("--events", type=int, default=100, help="events to seed (default 100)")
    demo.add_argument("--latency", type=float, default=0.2, help="server seconds per request")
    demo.add_argument("--prefetch", type=int, default=None, help="pages in flight per stream")
    demo.add_argument("--no-faults", action="store_true", help="inject no failures")
    demo.add_argument("-v", "--verbose", action="store_true", help="log retries as they happen")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.WARNING if args.verbose else logging.ERROR,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command == "demo":
        from .demo import run_demo

        if args.people < 0 or args.events < 0 or args.latency < 0:
            parser.error("--people, --events and --latency must not be negative")
        asyncio.run(
            run_demo(
                people=args.people,
                events=args.events,
                latency=args.latency,
                faults=not args.no_faults,
                prefetch=args.prefetch,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
