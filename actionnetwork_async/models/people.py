"""People: the person resource and its email addresses, phone numbers and postal addresses."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import attrs
from typing_extensions import TypedDict

from .base import WRITABLE_STATUSES, Record, ResourceModel

__all__ = [
    "Address",
    "EmailAddress",
    "Location",
    "Person",
    "PersonFields",
    "PhoneNumber",
    "PostalAddress",
]


def _writable_status(status: str | None) -> str | None:
    """Read statuses (``bouncing``, ``spam complaint`` ...) cannot be set: writes leave them out."""
    return status if status in WRITABLE_STATUSES else None


@attrs.define(kw_only=True)
class EmailAddress(Record):
    """An email address; ``status`` is the email subscription status (subscribed, unsubscribed,
    bouncing ...). Only ``subscribed`` and ``unsubscribed`` are ever written back."""

    WRITABLE: ClassVar[Mapping[str, Callable[[Any], Any]]] = {"status": _writable_status}

    address: str | None = None
    primary: bool | None = None
    status: str | None = None


@attrs.define(kw_only=True)
class PhoneNumber(Record):
    """A mobile number, in international format without the plus sign. ``status`` is its SMS
    subscription status, separate from the email's; only ``subscribed`` and ``unsubscribed``
    are ever written back."""

    WRITABLE: ClassVar[Mapping[str, Callable[[Any], Any]]] = {"status": _writable_status}

    number: str | None = None
    primary: bool | None = None
    number_type: str | None = None
    status: str | None = None


@attrs.define(kw_only=True)
class Location(Record):
    """Geocoded coordinates; set by the API."""

    latitude: float | None = None
    longitude: float | None = None
    accuracy: str | None = None


@attrs.define(kw_only=True)
class Address(Record):
    """The address fields people and events share; the API geocodes ``location``."""

    address_lines: list[str] = attrs.field(factory=list)
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    language: str | None = None
    location: Location | None = None


@attrs.define(kw_only=True)
class PostalAddress(Address):
    """A person's postal address."""

    primary: bool | None = None


@attrs.define(kw_only=True)
class Person(ResourceModel):
    """A person (activist) on the list of the API key's group."""

    given_name: str | None = None
    family_name: str | None = None
    languages_spoken: list[str] = attrs.field(factory=list)
    email_addresses: list[EmailAddress] = attrs.field(factory=list)
    phone_numbers: list[PhoneNumber] = attrs.field(factory=list)
    postal_addresses: list[PostalAddress] = attrs.field(factory=list)
    custom_fields: dict[str, str] = attrs.field(factory=dict)

    @property
    def email(self) -> str | None:
        """The primary email address (or the first one)."""
        return _primary(self.email_addresses, "address")

    @property
    def phone(self) -> str | None:
        """The primary phone number (or the first one)."""
        return _primary(self.phone_numbers, "number")


class PersonFields(TypedDict, total=False):
    """The fields a write may set on a person (https://actionnetwork.org/docs/v2/people)."""

    identifiers: list[str] | None
    given_name: str | None
    family_name: str | None
    languages_spoken: list[str] | None
    email_addresses: list[EmailAddress] | None
    phone_numbers: list[PhoneNumber] | None
    postal_addresses: list[PostalAddress] | None
    custom_fields: dict[str, str] | None


def _primary(items: list[EmailAddress] | list[PhoneNumber], field: str) -> str | None:
    ordered = sorted(items, key=lambda item: not item.primary)
    for item in ordered:
        value = getattr(item, field)
        if value:
            return str(value)
    return None
