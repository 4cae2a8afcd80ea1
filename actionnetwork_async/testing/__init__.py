"""A stand-in for the Action Network API that tests, benchmarks, the demo and users run against.

``Emulator`` serves the documented API on loopback, configured by ``Seed``, ``Quirks``,
``Timing``, ``Webhooks`` and ``RandomFaults``; ``python -m actionnetwork_async.testing``
runs it standalone; the pytest plugin gives the ``an_emulator`` and ``an_client`` fixtures;
``RedisServer`` runs a throwaway redis-server for the Redis features.
"""

from typing import TYPE_CHECKING

# Type checkers and the API reference (griffe) read the names from these imports. At run time each
# name is imported on first use instead (PEP 562): the pytest plugin imports this package in every
# pytest run, and the emulator (aiohttp.web, the seed data ...) is for the tests that use it. The
# two lists must agree (tests/test_plugin_import.py).
if TYPE_CHECKING:
    from .config import (
        DEFAULT_API_KEY,
        FAULT_MIX,
        Quirks,
        RandomFaults,
        Seed,
        Timing,
        Webhooks,
    )
    from .emulator import Emulator, Fault, RequestRecord
    from .odata import FilterError, compile_filter
    from .process import EmulatorProcess, serve_in_process
    from .redis_server import RedisServer
    from .seed import (
        seed_event_campaigns,
        seed_events,
        seed_people,
        seed_tags,
        seed_unique_id_lists,
    )
    from .state import ApiError, State
    from .threaded import serve_in_thread
    from .webhook_sender import Delivery, WebhookSender
else:
    from .._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        globals(),
        {
            ".config": (
                "DEFAULT_API_KEY",
                "FAULT_MIX",
                "Quirks",
                "RandomFaults",
                "Seed",
                "Timing",
                "Webhooks",
            ),
            ".emulator": ("Emulator", "Fault", "RequestRecord"),
            ".odata": ("FilterError", "compile_filter"),
            ".process": ("EmulatorProcess", "serve_in_process"),
            ".redis_server": ("RedisServer",),
            ".seed": (
                "seed_event_campaigns",
                "seed_events",
                "seed_people",
                "seed_tags",
                "seed_unique_id_lists",
            ),
            ".state": ("ApiError", "State"),
            ".threaded": ("serve_in_thread",),
            ".webhook_sender": ("Delivery", "WebhookSender"),
        },
    )

__all__ = [
    "DEFAULT_API_KEY",
    "FAULT_MIX",
    "ApiError",
    "Delivery",
    "Emulator",
    "EmulatorProcess",
    "Fault",
    "FilterError",
    "Quirks",
    "RandomFaults",
    "RedisServer",
    "RequestRecord",
    "Seed",
    "State",
    "Timing",
    "WebhookSender",
    "Webhooks",
    "compile_filter",
    "seed_event_campaigns",
    "seed_events",
    "seed_people",
    "seed_tags",
    "seed_unique_id_lists",
    "serve_in_process",
    "serve_in_thread",
]
