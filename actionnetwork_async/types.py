"""The types of the public signatures, to annotate your own code with.

``Ref[Person]`` is what a method takes to name a resource (a model, a HAL ``Resource`` or an
id); ``HelperOptions`` and its kin are the keywords of the helpers; the facade classes are the
types of ``an.people``, ``an.petitions.signatures`` ... Models are in
``actionnetwork_async.models``.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._bodies import (
        ActionHelperOptions,
        DonationOptions,
        Extra,
        HelperOptions,
        OutreachOptions,
        SignatureOptions,
        Status,
    )
    from ._writes import BulkOptions, CheckpointState, CheckpointStore, Records
    from .client import Ping
    from .filters import Field
    from .hal import Embedded, Link, Links
    from .pagination import Page
    from .resources.actions import AdvocacyCampaigns, Forms, FundraisingPages, Petitions, Surveys
    from .resources.base import (
        Actions,
        BoundWrite,
        Collection,
        Facade,
        Ref,
        Searchable,
        Writable,
    )
    from .resources.events import Events
    from .resources.lists import Lists, Metadata
    from .resources.messages import Messages
    from .resources.people import People, PersonRecord
    from .resources.records import ActionRecords, EditableRecords, Nested
    from .resources.tags import Taggings, Tags
    from .resources.unique_id_lists import UniqueIdLists
    from .sansio import Expect
    from .transport import TransportStats
    from .walker import HalWalker, Params, Target
else:
    from ._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(
        globals(),
        {
            "._bodies": (
                "ActionHelperOptions",
                "DonationOptions",
                "Extra",
                "HelperOptions",
                "OutreachOptions",
                "SignatureOptions",
                "Status",
            ),
            "._writes": ("BulkOptions", "CheckpointState", "CheckpointStore", "Records"),
            ".client": ("Ping",),
            ".filters": ("Field",),
            ".hal": ("Embedded", "Link", "Links"),
            ".pagination": ("Page",),
            ".resources.actions": (
                "AdvocacyCampaigns",
                "Forms",
                "FundraisingPages",
                "Petitions",
                "Surveys",
            ),
            ".resources.base": (
                "Actions",
                "BoundWrite",
                "Collection",
                "Facade",
                "Ref",
                "Searchable",
                "Writable",
            ),
            ".resources.events": ("Events",),
            ".resources.lists": ("Lists", "Metadata"),
            ".resources.messages": ("Messages",),
            ".resources.people": ("People", "PersonRecord"),
            ".resources.records": ("ActionRecords", "EditableRecords", "Nested"),
            ".resources.tags": ("Taggings", "Tags"),
            ".resources.unique_id_lists": ("UniqueIdLists",),
            ".sansio": ("Expect",),
            ".transport": ("TransportStats",),
            ".walker": ("HalWalker", "Params", "Target"),
        },
    )

__all__ = [
    "ActionHelperOptions",
    "ActionRecords",
    "Actions",
    "AdvocacyCampaigns",
    "BoundWrite",
    "BulkOptions",
    "CheckpointState",
    "CheckpointStore",
    "Collection",
    "DonationOptions",
    "EditableRecords",
    "Embedded",
    "Events",
    "Expect",
    "Extra",
    "Facade",
    "Field",
    "Forms",
    "FundraisingPages",
    "HalWalker",
    "HelperOptions",
    "Link",
    "Links",
    "Lists",
    "Messages",
    "Metadata",
    "Nested",
    "OutreachOptions",
    "Page",
    "Params",
    "People",
    "PersonRecord",
    "Petitions",
    "Ping",
    "Records",
    "Ref",
    "Searchable",
    "SignatureOptions",
    "Status",
    "Surveys",
    "Taggings",
    "Tags",
    "Target",
    "TransportStats",
    "UniqueIdLists",
    "Writable",
]
