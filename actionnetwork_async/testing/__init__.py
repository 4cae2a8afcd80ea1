"""A stand-in for the Action Network API that tests, benchmarks, the demo and users run against.

``Emulator`` serves the documented API on loopback; ``python -m actionnetwork_async.testing``
runs it standalone; the pytest plugin gives the ``an_emulator`` and ``an_client`` fixtures;
``RedisServer`` runs a throwaway redis-server for the Redis features.
"""

from .emulator import DEFAULT_API_KEY, FAULT_MIX, Emulator, Fault, RequestRecord
from .odata import FilterError, compile_filter
from .redis_server import RedisServer
from .seed import seed_event_campaigns, seed_events, seed_people, seed_tags, seed_unique_id_lists
from .state import ApiError, State
from .threaded import serve_in_thread
from .webhook_sender import Delivery, WebhookSender

__all__ = [
    "DEFAULT_API_KEY",
    "FAULT_MIX",
    "ApiError",
    "Delivery",
    "Emulator",
    "Fault",
    "FilterError",
    "RedisServer",
    "RequestRecord",
    "State",
    "WebhookSender",
    "compile_filter",
    "seed_event_campaigns",
    "seed_events",
    "seed_people",
    "seed_tags",
    "seed_unique_id_lists",
    "serve_in_thread",
]
