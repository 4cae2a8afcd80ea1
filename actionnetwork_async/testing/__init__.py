"""A stand-in for the Action Network API that tests, benchmarks and the demo run against."""

from .emulator import DEFAULT_API_KEY, Emulator, Fault, RequestRecord
from .seed import seed_events, seed_people, seed_unique_id_lists

__all__ = [
    "DEFAULT_API_KEY",
    "Emulator",
    "Fault",
    "RequestRecord",
    "seed_events",
    "seed_people",
    "seed_unique_id_lists",
]
