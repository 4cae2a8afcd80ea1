"""Run the emulator standalone: ``python -m actionnetwork_async.testing --port 8080``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Sequence
from typing import Any

from .emulator import DEFAULT_API_KEY, Emulator
from .registry import KINDS
from .seed import SEEDED

#: How many of each resource the command seeds unless told. Records of actions taken (``home``
#: kinds) are capped at one per person and action where the API allows only one.
DEFAULT_COUNTS = {
    "people": 1000,
    "events": 100,
    "unique_id_lists": 5,
    "tags": 7,
    "event_campaigns": 2,
    "petitions": 5,
    "forms": 5,
    "fundraising_pages": 3,
    "advocacy_campaigns": 3,
    "surveys": 3,
    "campaigns": 2,
    "queries": 3,
    "wrappers": 2,
    "lists": 4,
    "messages": 4,
    "attendances": 300,
    "signatures": 500,
    "submissions": 200,
    "donations": 200,
    "outreaches": 100,
    "responses": 100,
    "taggings": 1000,
    "items": 500,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Serve a seeded emulator until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m actionnetwork_async.testing",
        description="An Action Network API v2 emulator on loopback.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    seeds = parser.add_argument_group("seed data (how many of each resource)")
    for kind in SEEDED:
        seeds.add_argument(
            f"--{kind.replace('_', '-')}",
            type=int,
            default=None,
            metavar="N",
            help=f"default {DEFAULT_COUNTS[kind]}",
        )
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument(
        "--rate-limit", type=float, default=4.0, help="requests per second; 0 turns it off"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--page-latency", type=float, default=0.0, help="extra seconds per page")
    parser.add_argument(
        "--arrival-jitter", type=float, default=0.0, help="count each request up to this late"
    )
    parser.add_argument("--webhook-url", default=None, help="POST webhooks here")
    parser.add_argument(
        "--webhook-delay", type=float, default=0.0, help="seconds before a webhook goes out"
    )
    quirks = parser.add_argument_group("real-API behaviours (docs/emulator.md)")
    quirks.add_argument(
        "--lenient-filters", action="store_true", help="any field, ne/ge/le too (not documented)"
    )
    quirks.add_argument(
        "--next-drops-filter", action="store_true", help="page links leave the filter out"
    )
    quirks.add_argument(
        "--next-link-loops",
        action="store_true",
        help="past page 1, next links serve the same page again (an ignored parameter changes)",
    )
    quirks.add_argument(
        "--empty-helper-answers", action="store_true", help="helpers answer 200 {}, store nothing"
    )
    quirks.add_argument(
        "--lenient-entry-point",
        action="store_true",
        help="a bad key gets 200 without links at the entry point",
    )
    quirks.add_argument(
        "--personal-key",
        action="store_true",
        help="the key is a personal list's, not a group's: no tags collection",
    )
    quirks.add_argument(
        "--date-skew",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="answers' Date header runs this far ahead of the server's clock (negative: behind)",
    )
    args = parser.parse_args(argv)
    counts: dict[str, Any] = _counts({kind: getattr(args, kind) for kind in SEEDED})
    if min(counts.values()) < 0:
        parser.error("counts must not be negative")

    async def serve() -> None:
        emulator = Emulator(
            **counts,
            api_key=args.api_key,
            rate_limit=args.rate_limit or None,
            latency=args.latency,
            page_latency=args.page_latency,
            arrival_jitter=args.arrival_jitter,
            webhook_url=args.webhook_url,
            webhook_delay=args.webhook_delay,
            host=args.host,
            port=args.port,
            strict_filters=not args.lenient_filters,
            next_drops_filter=args.next_drops_filter,
            next_link_loops=args.next_link_loops,
            empty_helper_answers=args.empty_helper_answers,
            lenient_entry_point=args.lenient_entry_point,
            date_skew=args.date_skew,
            group_key=not args.personal_key,
        )
        async with emulator:
            print(f"Action Network emulator at {emulator.base_url}", flush=True)
            print(f"API key: {emulator.api_key}  (send it as OSDI-API-Token)", flush=True)
            print("Ctrl-C to stop.", flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
    return 0


def _counts(given: dict[str, int | None]) -> dict[str, int]:
    """The counts asked for, defaults for the others. A default count of records of actions
    taken never asks for more than the seeded people and actions allow (none without them,
    at most one per person and action where the API deduplicates)."""
    counts = {kind: DEFAULT_COUNTS[kind] if n is None else n for kind, n in given.items()}
    for kind, n in given.items():
        home = KINDS[kind].home
        if n is None and home is not None:
            room = counts[home] * counts["people"]
            if KINDS[kind].dedupe_person or room == 0:
                counts[kind] = min(counts[kind], room)
    return counts


if __name__ == "__main__":
    sys.exit(main())
