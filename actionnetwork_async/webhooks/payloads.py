"""Webhook deliveries parsed into typed events, without I/O.

A delivery is a JSON array; each element holds one key naming its type (``action_network:action``,
``action_network:upload``, ``osdi:signature``, ``osdi:attendance`` ...) beside
``action_network:sponsor`` and ``idempotency_key``. Known types become typed payloads; an unknown
type becomes an ``UnknownPayload`` that keeps its data. A bad body raises a ``WebhookError``
subclass and nothing partial is returned.

A delivery is unauthenticated: anyone who learns the receiver's URL can post one. So a payload's
links are never followed with the API key; ``WebhookEvent.person_id`` gives the person's id, to
look up through the client (``an.people.get(event.person_id)``), whatever host the payload names.
Types and their triggers: https://actionnetwork.org/docs/webhooks
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

import attrs

from .._validate import positive_int
from ..errors import (
    HALError,
    ModelError,
    WebhookDecodeError,
    WebhookFormatError,
    WebhookTooLargeError,
)
from ..hal import Resource, parse_resource
from ..models import ActionTarget, Payment, Person, Recipient, Record, Recurrence, Sponsor
from ..models.base import action_network_id, last_segment
from ..sansio import check_json_depth, decode_json

__all__ = [
    "ENVELOPE_KEYS",
    "MAX_BODY",
    "ActionPayload",
    "AttendancePayload",
    "DonationPayload",
    "OutreachPayload",
    "Payload",
    "ResponsePayload",
    "SignaturePayload",
    "SubmissionPayload",
    "UnknownPayload",
    "UploadPayload",
    "WebhookEvent",
    "parse",
    "safe_name",
]

#: The largest delivery accepted by default, in bytes (1 MiB); larger ones are refused whole.
MAX_BODY = 1024 * 1024
#: Keys of an element that are not its type.
ENVELOPE_KEYS = frozenset({"action_network:sponsor", "idempotency_key"})


@attrs.define(kw_only=True)
class Payload(Record):
    """What every action-like payload carries: the person, tags and dates.

    ``ACTION_REL`` is the link to the action the record was left on (the petition of a
    signature ...), None for types that have none; ``WebhookEvent.action_id`` reads it.
    """

    ACTION_REL: ClassVar[str | None] = None

    identifiers: list[str] = attrs.field(factory=list)
    created_date: datetime | None = None
    modified_date: datetime | None = None
    person: Person | None = None
    add_tags: list[str] = attrs.field(factory=list)
    referrer_data: dict[str, Any] = attrs.field(factory=dict)

    @property
    def id(self) -> str | None:
        """The record's Action Network id (a signature's ...), when the payload has one."""
        return action_network_id(self.identifiers)


@attrs.define(kw_only=True)
class ActionPayload(Payload):
    """``action_network:action``: a catch-all action such as a manual addition in the user
    interface (https://actionnetwork.org/docs/webhooks/action)."""


@attrs.define(kw_only=True)
class UploadPayload(Payload):
    """``action_network:upload``: a person added by a file upload or POSTed to the person
    signup helper over the API (https://actionnetwork.org/docs/webhooks/upload)."""


@attrs.define(kw_only=True)
class ResponsePayload(Payload):
    """``action_network:response``: a survey response; the survey is its
    ``action_network:survey`` link (https://actionnetwork.org/docs/webhooks/response)."""

    ACTION_REL = "action_network:survey"


@attrs.define(kw_only=True)
class SignaturePayload(Payload):
    """``osdi:signature``: a petition signature, on its ``osdi:petition``
    (https://actionnetwork.org/docs/webhooks/signature)."""

    ACTION_REL = "osdi:petition"

    comments: str | None = None


@attrs.define(kw_only=True)
class AttendancePayload(Payload):
    """``osdi:attendance``: an RSVP to its ``osdi:event``
    (https://actionnetwork.org/docs/webhooks/attendance)."""

    ACTION_REL = "osdi:event"

    status: str | None = None


@attrs.define(kw_only=True)
class SubmissionPayload(Payload):
    """``osdi:submission``: a submission of its ``osdi:form``
    (https://actionnetwork.org/docs/webhooks/submission)."""

    ACTION_REL = "osdi:form"


@attrs.define(kw_only=True)
class DonationPayload(Payload):
    """``osdi:donation``: a donation on its ``osdi:fundraising_page``; ``amount`` is the
    total as the API sends it (https://actionnetwork.org/docs/webhooks/donation)."""

    ACTION_REL = "osdi:fundraising_page"

    amount: str | None = None
    currency: str | None = None
    recipients: list[Recipient] = attrs.field(factory=list)
    payment: Payment | None = None
    recurrence: Recurrence | None = None


@attrs.define(kw_only=True)
class OutreachPayload(Payload):
    """``osdi:outreach``: a letter or call of its ``osdi:advocacy_campaign``; one per target
    (https://actionnetwork.org/docs/webhooks/outreach)."""

    ACTION_REL = "osdi:advocacy_campaign"

    type: str | None = None
    subject: str | None = None
    message: str | None = None
    targets: list[ActionTarget] = attrs.field(factory=list)
    duration: int | None = None


@attrs.define(kw_only=True)
class UnknownPayload:
    """A type this library does not know: its data, untouched."""

    data: dict[str, Any]


PAYLOAD_TYPES: dict[str, type[Payload]] = {
    "action_network:action": ActionPayload,
    "action_network:upload": UploadPayload,
    "action_network:response": ResponsePayload,
    "osdi:signature": SignaturePayload,
    "osdi:attendance": AttendancePayload,
    "osdi:submission": SubmissionPayload,
    "osdi:donation": DonationPayload,
    "osdi:outreach": OutreachPayload,
}


@attrs.define(kw_only=True)
class WebhookEvent:
    """One element of a delivery."""

    type: str
    payload: Payload | UnknownPayload
    sponsor: Sponsor | None
    idempotency_key: str | None
    hal: Resource = attrs.field(repr=False)  # the payload's _links, for rel lookups
    raw: dict[str, Any] = attrs.field(repr=False)

    @property
    def person_url(self) -> str | None:
        """The ``osdi:person`` link as the payload wrote it. Anyone can post a payload, so do
        not fetch it (the client refuses another host); use ``person_id``."""
        if self.hal.has_link("osdi:person"):
            return self.hal.link("osdi:person", index=0).href
        return None

    @property
    def person_id(self) -> str | None:
        """The Action Network id of the payload's person, for ``an.people.get(event.person_id)``:
        the last segment of the ``osdi:person`` link, else the person's own identifier."""
        url = self.person_url
        if url is not None and (last := last_segment(url)):
            return last
        return (self.person.id or None) if self.person is not None else None

    @property
    def action_url(self) -> str | None:
        """The link to the action the record was left on (``osdi:petition`` of a signature,
        ``osdi:event`` of an RSVP ...) as the payload wrote it: never fetch it, use
        ``action_id``."""
        rel = self.payload.ACTION_REL if isinstance(self.payload, Payload) else None
        if rel is not None and self.hal.has_link(rel):
            return self.hal.link(rel, index=0).href
        return None

    @property
    def action_id(self) -> str | None:
        """The Action Network id of that action, for ``an.petitions.get(event.action_id)``
        and the like."""
        url = self.action_url
        return last_segment(url) if url is not None else None

    @property
    def person(self) -> Person | None:
        """The person the payload carries (core fields only, per the reference)."""
        return self.payload.person if isinstance(self.payload, Payload) else None


def parse(body: bytes | str | Any, *, max_bytes: int = MAX_BODY) -> list[WebhookEvent]:
    """Parse a delivery (bytes, str or decoded JSON) into events, all or nothing.

    A bad delivery raises only ``WebhookError`` subclasses, and their messages never quote the
    body: it holds personal data, and the messages go into logs and answers. JSON nested
    deeper than ``sansio.MAX_JSON_DEPTH`` is refused. A ``max_bytes`` that is not an int >= 1
    is a ``ConfigurationError``.
    """
    positive_int(max_bytes, "max_bytes")
    if isinstance(body, (bytes, bytearray, str)):
        size = len(body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body)
        if size > max_bytes:
            raise WebhookTooLargeError(f"webhook body of {size} bytes is over {max_bytes}")
        try:
            document = decode_json(body)
        except ValueError as exc:
            raise WebhookDecodeError(f"webhook body is not valid JSON: {exc}") from None
    else:
        document = body
        try:
            check_json_depth(document)
        except ValueError as exc:
            raise WebhookFormatError(f"webhook delivery: {exc}") from None
    if not isinstance(document, list):
        raise WebhookFormatError(
            f"a webhook delivery is a JSON array, got a {type(document).__name__}"
        )
    return [_event(element, n) for n, element in enumerate(document)]


_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def safe_name(name: object) -> str:
    """A type name or idempotency key as a log line or an error may show it: names such as
    ``osdi:signature`` and hex keys as they are, anything else (it could be personal data in
    a forged delivery) only by its length."""
    if isinstance(name, str) and _NAME.fullmatch(name):
        return name
    size = f"{len(name)} characters" if isinstance(name, str) else f"a {type(name).__name__}"
    return f"<hidden: {size}>"


def _event(element: Any, n: int) -> WebhookEvent:
    if not isinstance(element, Mapping):
        raise WebhookFormatError(f"element {n} is a {type(element).__name__}, not an object")
    types = [k for k in element if k not in ENVELOPE_KEYS]
    if len(types) != 1:
        found = ", ".join(safe_name(k) for k in types) if types else "none"
        raise WebhookFormatError(f"element {n} needs exactly one type key; found {found}")
    kind = types[0]
    if not isinstance(kind, str):  # decoded JSON given by the caller may have any key
        raise WebhookFormatError(f"element {n}: its type key is not a string")
    data = element[kind]
    if not isinstance(data, Mapping):
        raise WebhookFormatError(f"element {n}: {safe_name(kind)} is not an object")
    key = element.get("idempotency_key")
    if key is not None and not isinstance(key, str):
        raise WebhookFormatError(f"element {n}: idempotency_key is not a string")
    try:
        model = PAYLOAD_TYPES.get(kind)
        payload: Payload | UnknownPayload = (
            model.from_json(data) if model else UnknownPayload(data=dict(data))
        )
        sponsor_data = element.get("action_network:sponsor")
        sponsor = Sponsor.from_json(sponsor_data) if isinstance(sponsor_data, Mapping) else None
        hal = parse_resource({"_links": data.get("_links") or {}})
        tuple(hal.links.values())  # links parse lazily; a delivery is small: check them now
    except (ModelError, HALError) as exc:
        raise WebhookFormatError(f"element {n}: {safe_name(kind)} cannot be read: {exc}") from exc
    return WebhookEvent(
        type=kind,
        payload=payload,
        sponsor=sponsor,
        idempotency_key=key,
        hal=hal,
        raw=dict(element),
    )
