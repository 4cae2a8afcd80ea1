"""Thin typed facades over the HAL walker: ``an.people``, ``an.events``, ``an.unique_id_lists``."""

from .events import Events
from .people import People
from .unique_id_lists import DEFAULT_CHUNK_SIZE, UniqueIdLists

__all__ = ["DEFAULT_CHUNK_SIZE", "Events", "People", "UniqueIdLists"]
