"""Actions people take part in: petitions, forms, fundraising pages, advocacy campaigns, surveys,
event campaigns and campaigns, with their targets and embed codes.

Each writable action has two ``TypedDict``s of the fields a write may set: ``...Content`` (all
but the ``title`` and ``origin_system`` a create requires, which the create takes by name) and
``...Fields`` (all of them, for updates), so a misspelt field is a type error. Every key also
takes None, meaning "not given": the key is not sent. Read-only fields (counts,
``action_network:hidden``, the featured image) are in each model's ``READ_ONLY``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs
from typing_extensions import TypedDict

from ..hal import Resource
from .base import Record, ResourceModel
from .people import Person

__all__ = [
    "Action",
    "ActionContent",
    "ActionFields",
    "ActionTarget",
    "AdvocacyCampaign",
    "AdvocacyCampaignContent",
    "AdvocacyCampaignFields",
    "Campaign",
    "Embed",
    "EventCampaign",
    "EventCampaignContent",
    "EventCampaignFields",
    "Form",
    "FormContent",
    "FormFields",
    "FundraisingPage",
    "FundraisingPageContent",
    "FundraisingPageFields",
    "Petition",
    "PetitionContent",
    "PetitionFields",
    "Sponsor",
    "Survey",
]


@attrs.define(kw_only=True)
class Sponsor(Record):
    """The sponsoring group. Webhooks send ``url`` where the API says ``browser_url``."""

    ALIASES: ClassVar[dict[str, str]] = {"browser_url": "url"}

    title: str | None = None
    browser_url: str | None = None


@attrs.define(kw_only=True)
class ActionTarget(Record):
    """Who an action or an outreach is directed at (a petition's ``target``, an outreach's
    ``targets``): https://actionnetwork.org/docs/v2/petitions, .../outreaches."""

    name: str | None = None
    title: str | None = None
    organization: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    ocdid: str | None = None


@attrs.define(kw_only=True)
class Action(ResourceModel):
    """What every action page shares (petitions, forms, events ...). The featured image, the
    administrative page, ``action_network:hidden``, the sponsor and ``tag_list`` (the tags
    the user interface attached) are set by Action Network
    (https://actionnetwork.org/docs/v2/petitions, "Field names and descriptions").
    """

    READ_ONLY = ResourceModel.READ_ONLY | {
        "featured_image_url",
        "administrative_url",
        "action_network:hidden",
        "action_network:sponsor",
        "tag_list",
    }

    origin_system: str | None = None
    name: str | None = None
    title: str | None = None
    description: str | None = None
    browser_url: str | None = None
    featured_image_url: str | None = None
    administrative_url: str | None = None
    hidden: bool | None = None
    sponsor: Sponsor | None = None
    tag_list: list[str] = attrs.field(factory=list)


class ActionContent(TypedDict, total=False):
    """The fields every action lets a write set, but ``title`` and ``origin_system``, and the
    person who made it, ``creator`` (a ``Person``, or a person's id or URL: sent as the
    ``osdi:creator`` link)."""

    name: str | None
    description: str | None
    browser_url: str | None
    creator: Person | Resource | str | None


class ActionFields(ActionContent, total=False):
    """Every field a write may set on an action (surveys have no others)."""

    title: str | None
    origin_system: str | None


@attrs.define(kw_only=True)
class Petition(Action):
    """A petition (https://actionnetwork.org/docs/v2/petitions)."""

    READ_ONLY = Action.READ_ONLY | {"total_signatures"}

    petition_text: str | None = None
    target: list[ActionTarget] = attrs.field(factory=list)
    total_signatures: int | None = None


class PetitionContent(ActionContent, total=False):
    """A petition's writable fields but ``title`` and ``origin_system``."""

    petition_text: str | None
    target: list[ActionTarget] | None


class PetitionFields(PetitionContent, ActionFields, total=False):
    """Every writable field of a petition."""


@attrs.define(kw_only=True)
class Form(Action):
    """A form (https://actionnetwork.org/docs/v2/forms)."""

    READ_ONLY = Action.READ_ONLY | {"total_submissions"}

    call_to_action: str | None = None
    total_submissions: int | None = None


class FormContent(ActionContent, total=False):
    """A form's writable fields but ``title`` and ``origin_system``."""

    call_to_action: str | None


class FormFields(FormContent, ActionFields, total=False):
    """Every writable field of a form."""


@attrs.define(kw_only=True)
class FundraisingPage(Action):
    """A fundraising page (https://actionnetwork.org/docs/v2/fundraising_pages). Only pages
    made over the API take donations over the API."""

    READ_ONLY = Action.READ_ONLY | {"total_donations", "total_amount"}

    currency: str | None = None
    total_donations: int | None = None
    total_amount: str | None = None


class FundraisingPageContent(ActionContent, total=False):
    """A fundraising page's writable fields but ``title`` and ``origin_system``."""

    currency: str | None


class FundraisingPageFields(FundraisingPageContent, ActionFields, total=False):
    """Every writable field of a fundraising page."""


@attrs.define(kw_only=True)
class AdvocacyCampaign(Action):
    """An advocacy campaign: a letter or call campaign
    (https://actionnetwork.org/docs/v2/advocacy_campaigns). Only campaigns made over the API
    take outreaches over the API."""

    READ_ONLY = Action.READ_ONLY | {"total_outreaches"}

    type: str | None = None
    targets: list[ActionTarget] = attrs.field(factory=list)
    total_outreaches: int | None = None


class AdvocacyCampaignContent(ActionContent, total=False):
    """An advocacy campaign's writable fields but ``title`` and ``origin_system``."""

    type: str | None
    targets: list[ActionTarget] | None


class AdvocacyCampaignFields(AdvocacyCampaignContent, ActionFields, total=False):
    """Every writable field of an advocacy campaign."""


@attrs.define(kw_only=True)
class Survey(Action):
    """A survey (https://actionnetwork.org/docs/v2/surveys); its fields are an action's."""

    READ_ONLY = Action.READ_ONLY | {"total_responses"}

    total_responses: int | None = None


@attrs.define(kw_only=True)
class EventCampaign(Action):
    """An event campaign: events hosted by many people under one banner
    (https://actionnetwork.org/docs/v2/event_campaigns)."""

    READ_ONLY = Action.READ_ONLY | {"total_events", "total_rsvps"}

    host_pitch: str | None = None
    host_instructions: str | None = None
    total_events: int | None = None
    total_rsvps: int | None = None


class EventCampaignContent(ActionContent, total=False):
    """An event campaign's writable fields but ``title`` and ``origin_system``."""

    host_pitch: str | None
    host_instructions: str | None


class EventCampaignFields(EventCampaignContent, ActionFields, total=False):
    """Every writable field of an event campaign."""


@attrs.define(kw_only=True)
class Campaign(Action):
    """A campaign: actions grouped on one page, read only over the API
    (https://actionnetwork.org/docs/v2/campaigns); ``actions`` lists them as the API sends
    them."""

    actions: list[dict[str, Any]] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class Embed(Record):
    """The embed codes of an action made in the user interface
    (https://actionnetwork.org/docs/v2/embed): a standard or full layout, each with default,
    layout-only or no styles."""

    embed_standard_default_styles: str | None = None
    embed_standard_layout_only_styles: str | None = None
    embed_standard_no_styles: str | None = None
    embed_full_default_styles: str | None = None
    embed_full_layout_only_styles: str | None = None
    embed_full_no_styles: str | None = None
