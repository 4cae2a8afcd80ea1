"""``an.messages`` (mass emails: create, target, schedule, send, statistics), and what they are
built from: ``an.queries`` (saved queries, their targets) and ``an.wrappers`` (email wrappers).

https://actionnetwork.org/docs/v2/messages: a new message (or new targets) is ``calculating``
for a while, then a ``draft``; only a draft with people targeted can be sent
(https://actionnetwork.org/docs/v2/send_helper) or scheduled
(https://actionnetwork.org/docs/v2/schedule_helper). There is no delete.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from typing_extensions import Unpack

from .._bodies import Extra, check_extra, check_identifier, fields_to_json, listed, require_text
from ..errors import ConfigurationError
from ..models import (
    Message,
    MessageContent,
    MessageFields,
    MessageStatistics,
    Notice,
    Query,
    Wrapper,
)
from ..models.base import format_datetime
from .base import Ref, Writable

__all__ = ["Messages"]

QUERIES_REL = "osdi:queries"
WRAPPERS_REL = "osdi:wrappers"


class Messages(Writable[Message]):
    """Mass emails of the API key's group."""

    async def create(
        self,
        *,
        subject: str,
        body: str,
        from_: str,
        reply_to: str,
        targets: Iterable[Ref[Query]] = (),
        wrapper: Ref[Wrapper] | None = None,
        identifier: str | None = None,
        extra: Extra = None,
        **fields: Unpack[MessageContent],
    ) -> Message:
        """POST a new message (a draft once its targets are counted). ``targets`` are saved
        queries (models, Resources or ids): none targets everyone subscribed. ``wrapper`` is
        the email wrapper. Only an ``identifier`` of yours makes it safe to re-send.
        """
        required = {"subject": subject, "body": body, "from_": from_, "reply_to": reply_to}
        require_text("message", **required)
        check_identifier(identifier)
        document = fields_to_json(Message, {**fields, **required}, extra=extra)
        if identifier is not None:
            document["identifiers"] = [identifier]
        await self._set_links(document, targets, wrapper)
        return await self._create(document, retry_safe=identifier is not None)

    async def update(
        self,
        message: Ref[Message],
        changes: Message | None = None,
        *,
        targets: Iterable[Ref[Query]] | None = None,
        wrapper: Ref[Wrapper] | None = None,
        extra: Extra = None,
        **fields: Unpack[MessageFields],
    ) -> Message:
        """PUT some fields of a message (a draft, or one still calculating its targets); new
        ``targets`` (saved queries) or a new ``wrapper`` are counted again by the API."""
        links: dict[str, Any] = {}
        await self._set_links(links, targets or (), wrapper)
        if targets is not None:
            links["targets"] = links.get("targets", [])
        return await self._update(message, changes, fields, {**check_extra(extra), **links})

    async def send(self, message: Ref[Message]) -> Notice:
        """Send a draft with people targeted now, through its send helper; returns the API's
        message. A ``200 {}`` answer (nothing sent) raises ``NothingAcceptedError``."""
        return await self._helper(message, "osdi:send_helper", "send", {})

    async def stop(self, message: Ref[Message]) -> Notice:
        """Stop a message that is sending (DELETE on its send helper)."""
        return await self._helper(message, "osdi:send_helper", "send", None)

    async def schedule(self, message: Ref[Message], when: datetime) -> Notice:
        """Schedule a draft with people targeted for ``when`` (in the future; naive means
        UTC), through its schedule helper."""
        if not isinstance(when, datetime):
            raise ConfigurationError(f"when must be a datetime, got {type(when).__name__}")
        start = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
        if start <= datetime.now(timezone.utc):
            raise ConfigurationError(f"a message can only be scheduled in the future: {when}")
        body = {"scheduled_start_date": format_datetime(start)}
        return await self._helper(message, "osdi:schedule_helper", "schedule", body)

    async def unschedule(self, message: Ref[Message]) -> Notice:
        """Cancel a message's scheduling (DELETE on its schedule helper)."""
        return await self._helper(message, "osdi:schedule_helper", "schedule", None)

    async def statistics(self, message: Ref[Message]) -> MessageStatistics:
        """How a message did (sent, opened, clicked ...), read fresh from the API."""
        return (await self.get(message)).statistics or MessageStatistics()

    async def _helper(
        self, message: Ref[Message], rel: str, segment: str, body: dict[str, Any] | None
    ) -> Notice:
        """POST ``body`` to a helper of the message (DELETE when it is None)."""
        url = await self._linked_url(message, rel, segment)
        if body is None:
            answer = await self.hal.delete(url)
        else:
            answer = await self.hal.post(url, body, expect="answer")
        return Notice.of(answer)

    async def _set_links(
        self,
        document: dict[str, Any],
        targets: Iterable[Ref[Query]],
        wrapper: Ref[Wrapper] | None,
    ) -> None:
        """Targets and the wrapper as the API takes them: links to queries and to a wrapper."""
        queries = listed(targets, "targets")
        hrefs = [{"href": await self._url_of(query, QUERIES_REL)} for query in queries]
        if hrefs:
            document["targets"] = hrefs
        if wrapper is not None:
            href = await self._url_of(wrapper, WRAPPERS_REL)
            document["_links"] = {"osdi:wrapper": {"href": href}}
