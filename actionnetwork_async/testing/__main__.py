"""Run the emulator standalone: ``python -m actionnetwork_async.testing --port 8080``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Sequence

from .emulator import DEFAULT_API_KEY, Emulator


def main(argv: Sequence[str] | None = None) -> int:
    """Serve a seeded emulator until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m actionnetwork_async.testing",
        description="An Action Network API v2 emulator on loopback.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--unique-id-lists", type=int, default=5)
    parser.add_argument("--tags", type=int, default=7)
    parser.add_argument("--event-campaigns", type=int, default=2)
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
    args = parser.parse_args(argv)
    if min(args.people, args.events, args.unique_id_lists, args.tags, args.event_campaigns) < 0:
        parser.error("counts must not be negative")

    async def serve() -> None:
        emulator = Emulator(
            people=args.people,
            events=args.events,
            unique_id_lists=args.unique_id_lists,
            tags=args.tags,
            event_campaigns=args.event_campaigns,
            api_key=args.api_key,
            rate_limit=args.rate_limit or None,
            latency=args.latency,
            page_latency=args.page_latency,
            arrival_jitter=args.arrival_jitter,
            webhook_url=args.webhook_url,
            host=args.host,
            port=args.port,
        )
        async with emulator:
            print(f"Action Network emulator at {emulator.base_url}", flush=True)
            print(f"API key: {emulator.api_key}  (send it as OSDI-API-Token)", flush=True)
            print("Ctrl-C to stop.", flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
