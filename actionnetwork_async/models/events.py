"""Events, their locations, reminders and sponsors, and attendances (RSVPs)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import attrs

from .base import WALL_CLOCK, Record, ResourceModel
from .people import Address

__all__ = ["Attendance", "Event", "EventLocation", "Reminder", "Sponsor"]


@attrs.define(kw_only=True)
class EventLocation(Address):
    """Where an event happens."""

    venue: str | None = None


@attrs.define(kw_only=True)
class Reminder(Record):
    """An automatic reminder; system generated."""

    method: str | None = None
    minutes: int | None = None


@attrs.define(kw_only=True)
class Sponsor(Record):
    """The sponsoring group. Webhooks send ``url`` where the API says ``browser_url``."""

    ALIASES: ClassVar[dict[str, str]] = {"browser_url": "url"}

    title: str | None = None
    browser_url: str | None = None


@attrs.define(kw_only=True)
class Event(ResourceModel):
    """An event. System fields are read but never sent back (``Event.READ_ONLY``).

    ``start_date`` and ``end_date`` are wall-clock times local to the event's place, as the
    API defines them: read as naive datetimes; written with the wall time of the datetime
    given (aware or naive), never converted to UTC. ``created_date`` and ``modified_date``
    are UTC, like every other date.
    """

    READ_ONLY = ResourceModel.READ_ONLY | {
        "total_accepted",
        "action_network:event_campaign_id",
        "status",
        "transparence",
        "visibility",
        "guests_can_invite_others",
        "capacity",
        "action_network:hidden",
        "reminders",
        "action_network:sponsor",
        "featured_image_url",
    }

    origin_system: str | None = None
    name: str | None = None
    title: str | None = None
    description: str | None = None
    instructions: str | None = None
    browser_url: str | None = None
    featured_image_url: str | None = None
    start_date: datetime | None = attrs.field(default=None, metadata=WALL_CLOCK)
    end_date: datetime | None = attrs.field(default=None, metadata=WALL_CLOCK)
    location: EventLocation | None = None
    total_accepted: int | None = None
    event_campaign_id: str | None = None
    status: str | None = None
    transparence: str | None = None
    visibility: str | None = None
    guests_can_invite_others: bool | None = None
    capacity: int | None = None
    hidden: bool | None = None
    reminders: list[Reminder] = attrs.field(factory=list)
    sponsor: Sponsor | None = None


@attrs.define(kw_only=True)
class Attendance(ResourceModel):
    """An RSVP of a person to an event."""

    READ_ONLY = ResourceModel.READ_ONLY | {"action_network:person_id", "action_network:event_id"}

    status: str | None = None
    person_id: str | None = None
    event_id: str | None = None
