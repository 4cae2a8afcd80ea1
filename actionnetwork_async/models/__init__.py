"""attrs models of the API's resources, read and written by one cattrs converter."""

from .base import RENAMES, Record, ResourceModel, converter, format_datetime, parse_datetime
from .events import Attendance, Event, EventLocation, Reminder, Sponsor
from .lists import Tag, Tagging, UniqueIdList
from .people import Address, EmailAddress, Location, Person, PhoneNumber, PostalAddress

__all__ = [
    "RENAMES",
    "Address",
    "Attendance",
    "EmailAddress",
    "Event",
    "EventLocation",
    "Location",
    "Person",
    "PhoneNumber",
    "PostalAddress",
    "Record",
    "Reminder",
    "ResourceModel",
    "Sponsor",
    "Tag",
    "Tagging",
    "UniqueIdList",
    "converter",
    "format_datetime",
    "parse_datetime",
]
