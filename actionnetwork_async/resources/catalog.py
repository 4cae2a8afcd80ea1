"""Every collection of the API, declared once: one line each.

``ActionNetwork`` is a ``Catalog``: each line below is an attribute of the client (made on
first use, one per client), and the blocking twin, the CLI's ``get``/``export`` kinds and the
reference page list the same lines. A read-only resource needs its model and one line here
(docs/architecture.md walks through adding one). Facades and models are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._declare import TAGS_REL, Context, Declared, declare, later

if TYPE_CHECKING:
    from .. import models
    from .actions import AdvocacyCampaigns, Forms, FundraisingPages, Petitions, Surveys
    from .base import Actions, Collection, Searchable
    from .events import Events
    from .lists import Lists, Metadata
    from .messages import Messages
    from .people import People
    from .tags import Tags
    from .unique_id_lists import UniqueIdLists
else:
    # The same names as stand-ins, imported when a client first uses the collection: importing
    # the client (or the CLI) imports no model, converter or facade (tests/test_catalog.py
    # checks that both lists agree).
    globals().update(
        later(
            __package__,
            {
                "..": ("models",),
                ".actions": (
                    "AdvocacyCampaigns",
                    "Forms",
                    "FundraisingPages",
                    "Petitions",
                    "Surveys",
                ),
                ".base": ("Actions", "Collection", "Searchable"),
                ".events": ("Events",),
                ".lists": ("Lists", "Metadata"),
                ".messages": ("Messages",),
                ".people": ("People",),
                ".tags": ("Tags",),
                ".unique_id_lists": ("UniqueIdLists",),
            },
        )
    )

__all__ = ["Catalog"]


class Catalog:
    """The collections of the API, as attributes: ``an.people``, ``an.petitions`` ..."""

    _context: Context

    people = declare(
        People, "osdi:people", models.Person, "People: list, get, update, sign up; their records."
    )
    tags = declare(Tags, TAGS_REL, models.Tag, "Tags and their taggings (group keys only).")
    events = declare(
        Events,
        "osdi:events",
        models.Event,
        "Events and their RSVPs.",
        models.EventContent,
        models.EventFields,
    )
    event_campaigns = declare(
        Actions,
        "action_network:event_campaigns",
        models.EventCampaign,
        "Event campaigns (their events: events.in_campaign).",
        models.EventCampaignContent,
        models.EventCampaignFields,
    )
    petitions = declare(
        Petitions,
        "osdi:petitions",
        models.Petition,
        "Petitions and their signatures.",
        models.PetitionContent,
        models.PetitionFields,
    )
    forms = declare(
        Forms,
        "osdi:forms",
        models.Form,
        "Forms and their submissions.",
        models.FormContent,
        models.FormFields,
    )
    fundraising_pages = declare(
        FundraisingPages,
        "osdi:fundraising_pages",
        models.FundraisingPage,
        "Fundraising pages and their donations.",
        models.FundraisingPageContent,
        models.FundraisingPageFields,
    )
    advocacy_campaigns = declare(
        AdvocacyCampaigns,
        "osdi:advocacy_campaigns",
        models.AdvocacyCampaign,
        "Advocacy campaigns and their outreaches.",
        models.AdvocacyCampaignContent,
        models.AdvocacyCampaignFields,
    )
    surveys = declare(
        Surveys,
        "action_network:surveys",
        models.Survey,
        "Surveys and their responses.",
        models.ActionContent,
        models.ActionFields,
    )
    donations = declare(
        Searchable,
        "osdi:donations",
        models.Donation,
        "Every donation of the group, on any page (read only).",
    )
    campaigns = declare(
        Searchable,
        "action_network:campaigns",
        models.Campaign,
        "Campaigns: several actions on one page (read only).",
    )
    messages = declare(
        Messages,
        "osdi:messages",
        models.Message,
        "Mass emails: create, send, schedule, statistics.",
    )
    queries = declare(
        Collection, "osdi:queries", models.Query, "Saved queries, to target messages (read only)."
    )
    wrappers = declare(Collection, "osdi:wrappers", models.Wrapper, "Email wrappers (read only).")
    lists = declare(
        Lists, "osdi:lists", models.PeopleList, "Reports and email recipient lists (read only)."
    )
    metadata = declare(
        Metadata, "action_network:metadata", models.CustomField, "Custom field names (read only)."
    )
    unique_id_lists = declare(
        UniqueIdLists,
        "action_network:unique_id_lists",
        models.UniqueIdList,
        "Unique ID lists (ID targets), written in chunks, one change at a time.",
    )

    @classmethod
    def declared(cls) -> dict[str, Declared[object]]:
        """Every declaration, by attribute name, in the order above."""
        return {
            name: value
            for klass in reversed(cls.__mro__)
            for name, value in vars(klass).items()
            if isinstance(value, Declared)
        }
