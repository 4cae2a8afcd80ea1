"""Defaults and the environment variables the client reads, in a module that imports nothing: the
command line's help shows them without importing the client."""

from __future__ import annotations

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "DEFAULT_CONCURRENCY",
    "REDIS_URL_ENV",
]

#: The real API's entry point; ``base_url`` and ``ACTION_NETWORK_BASE_URL`` override it.
DEFAULT_BASE_URL = "https://actionnetwork.org/api/v2/"
#: Where the key is read from when ``api_key`` is not passed (the client's and the CLI's).
API_KEY_ENV = "ACTION_NETWORK_API_KEY"
#: Read like the key when ``base_url`` is not passed: point a whole program at the emulator.
BASE_URL_ENV = "ACTION_NETWORK_BASE_URL"
#: Read when ``rate_limit`` is a number: every client of the key shares its limit through Redis.
REDIS_URL_ENV = "ACTION_NETWORK_REDIS_URL"
#: Requests in flight at once: keeps 4 requests/s busy with up to 2 s of latency per request.
DEFAULT_CONCURRENCY = 8
