"""Thin typed facades over the HAL walker, one per collection of the API (``an.people``,
``an.petitions`` ...), each declared from the generic blocks of ``resources.base``."""

from .actions import (
    AdvocacyCampaigns,
    Campaigns,
    Donations,
    EventCampaigns,
    Forms,
    FundraisingPages,
    Petitions,
    Surveys,
)
from .base import (
    ActionHelperOptions,
    Actions,
    Collection,
    Extra,
    Facade,
    HelperOptions,
    RecordKind,
    Ref,
    Searchable,
    Status,
    Writable,
)
from .events import Events
from .lists import Lists, Metadata
from .messages import Messages, Queries, Wrappers
from .people import People
from .tags import Tags
from .unique_id_lists import DEFAULT_CHUNK_SIZE, UniqueIdLists

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "ActionHelperOptions",
    "Actions",
    "AdvocacyCampaigns",
    "Campaigns",
    "Collection",
    "Donations",
    "EventCampaigns",
    "Events",
    "Extra",
    "Facade",
    "Forms",
    "FundraisingPages",
    "HelperOptions",
    "Lists",
    "Messages",
    "Metadata",
    "People",
    "Petitions",
    "Queries",
    "RecordKind",
    "Ref",
    "Searchable",
    "Status",
    "Surveys",
    "Tags",
    "UniqueIdLists",
    "Wrappers",
    "Writable",
]
