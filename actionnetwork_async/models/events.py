"""Events, their locations and reminders, and attendances (RSVPs)."""

from __future__ import annotations

from datetime import datetime

import attrs
from typing_extensions import TypedDict

from ..hal import Resource
from .actions import Action, ActionContent, ActionFields
from .base import WALL_CLOCK, Record, ResourceModel
from .people import Address, Person

__all__ = [
    "Attendance",
    "AttendanceFields",
    "Event",
    "EventContent",
    "EventFields",
    "EventLocation",
    "Reminder",
]


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
class Event(Action):
    """An event. System fields are read but never sent back (``Event.READ_ONLY``).

    ``start_date`` and ``end_date`` are wall-clock times local to the event's place, as the
    API defines them: read as naive datetimes; written with the wall time of the datetime
    given (aware or naive), never converted to UTC. ``created_date`` and ``modified_date``
    are UTC, like every other date.
    """

    READ_ONLY = Action.READ_ONLY | {
        "total_accepted",
        "action_network:event_campaign_id",
        "status",
        "transparence",
        "visibility",
        "guests_can_invite_others",
        "capacity",
        "reminders",
    }

    instructions: str | None = None
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
    reminders: list[Reminder] = attrs.field(factory=list)


class EventContent(ActionContent, total=False):
    """An event's writable fields but ``title`` and ``origin_system``
    (https://actionnetwork.org/docs/v2/events)."""

    instructions: str | None
    start_date: datetime | None
    end_date: datetime | None
    location: EventLocation | None
    organizer: Person | Resource | str | None  # the osdi:organizer link, as ``creator``


class EventFields(EventContent, ActionFields, total=False):
    """Every writable field of an event."""


@attrs.define(kw_only=True)
class Attendance(ResourceModel):
    """An RSVP of a person to an event (https://actionnetwork.org/docs/v2/attendances)."""

    READ_ONLY = ResourceModel.READ_ONLY | {"action_network:person_id", "action_network:event_id"}

    status: str | None = None
    person_id: str | None = None
    event_id: str | None = None


class AttendanceFields(TypedDict, total=False):
    """The fields a write may set on an attendance."""

    status: str | None
