"""Messages: mass emails, created, targeted, scheduled and sent over the API, with statistics.

https://actionnetwork.org/docs/v2/messages: a new message (or one with new targets) is
``calculating`` while the API counts its targets, then a ``draft``; only a draft with people
targeted can be sent or scheduled. The sender is ``from`` in the API, ``from_`` here.
"""

from __future__ import annotations

from datetime import datetime

import attrs
from typing_extensions import TypedDict

from .base import Record, ResourceModel

__all__ = [
    "Message",
    "MessageContent",
    "MessageFields",
    "MessageStatistics",
    "MessageTarget",
]


@attrs.define(kw_only=True)
class MessageTarget(Record):
    """A saved query the message is sent to (a link to it)."""

    href: str | None = None


@attrs.define(kw_only=True)
class MessageStatistics(Record):
    """How a message did. Statistics the API adds later stay in ``extra``."""

    sent: int | None = None
    opened: int | None = None
    clicked: int | None = None
    actions: int | None = None
    unsubscribed: int | None = None
    bounced: int | None = None
    spam_reports: int | None = None
    donated: int | None = None
    amount_donated: str | None = None


@attrs.define(kw_only=True)
class Message(ResourceModel):
    """A mass email. ``status`` is ``calculating``, ``draft``, ``scheduled``, ``sending``,
    ``sent``, ``stopped`` or ``throttled``; it and the counts are set by the API."""

    READ_ONLY = ResourceModel.READ_ONLY | {
        "status",
        "type",
        "sent_start_date",
        "scheduled_start_date",
        "total_targeted",
        "statistics",
        "administrative_url",
        "tag_list",
    }

    origin_system: str | None = None
    name: str | None = None
    subject: str | None = None
    body: str | None = None
    from_: str | None = None
    reply_to: str | None = None
    targets: list[MessageTarget] = attrs.field(factory=list)
    status: str | None = None
    type: str | None = None
    sent_start_date: datetime | None = None
    scheduled_start_date: datetime | None = None
    total_targeted: int | None = None
    statistics: MessageStatistics | None = None
    administrative_url: str | None = None
    tag_list: list[str] = attrs.field(factory=list)


class MessageContent(TypedDict, total=False):
    """A message's writable fields but the four a create requires (``subject``, ``body``,
    ``from_``, ``reply_to``) and its targets and wrapper, which it takes by name."""

    name: str | None
    origin_system: str | None


class MessageFields(MessageContent, total=False):
    """Every writable field of a message (targets and wrapper are taken by name)."""

    subject: str | None
    body: str | None
    from_: str | None
    reply_to: str | None
