"""``an.events``: list, get, create (safe to retry), update events; campaigns and attendances.

There is no delete: the API does not allow deleting an event.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ..errors import ConfigurationError
from ..filters import F, Filter, as_filter
from ..models import Attendance, Event, Person
from ..pagination import Stream
from .base import Facade, check_id, fields_to_json, helper_body

__all__ = ["Events"]

EventRef = Event | str
CAMPAIGNS_REL = "action_network:event_campaigns"


def default_identifier(origin_system: str) -> str:
    """``<origin>:<uuid>``: an identifier this client makes so a retried POST is recognised."""
    origin = re.sub(r"[^a-z0-9]+", "_", origin_system.lower()).strip("_") or "client"
    return f"{origin}:{uuid.uuid4()}"


class Events(Facade):
    """The events of the API key's group."""

    REL = "osdi:events"

    def list(
        self,
        filter: Filter | str | None = None,
        *,
        starts_after: datetime | None = None,
        starts_before: datetime | None = None,
    ) -> Stream[Event]:
        """Stream every event (matching ``filter`` and the start date bounds)."""
        parts: list[Filter | str] = []
        if starts_after is not None:
            parts.append(F.start_date > starts_after)
        if starts_before is not None:
            parts.append(F.start_date < starts_before)
        if filter is not None:
            parts.append(filter)
        combined: Filter | None = None
        for part in parts:
            combined = as_filter(part) if combined is None else combined & part
        return self.stream_collection(filter=combined).map(Event.from_resource)

    async def get(self, event_id: str) -> Event:
        """One event by id."""
        return Event.from_resource(await self.hal.get(await self.item_url(event_id)))

    async def create(
        self,
        *,
        title: str,
        origin_system: str,
        identifier: str | None = None,
        creator: Person | str | None = None,
        extra: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Event:
        """POST a new event (``title`` and ``origin_system`` are required).

        It carries an identifier made here (``<origin>:<uuid>``, or ``identifier``); the API
        keeps identifiers unique, so a POST retried after a timeout returns the same event
        instead of creating a second one. ``creator`` is a Person or a person's id or URL.
        """
        body = self._new_event_body(title, origin_system, identifier, extra, fields)
        return await self._create(await self.collection_url(), body, creator=creator)

    async def create_in_campaign(
        self,
        campaign_id: str,
        *,
        title: str,
        origin_system: str,
        identifier: str | None = None,
        creator: Person | str | None = None,
        extra: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Event:
        """POST a new event into an event campaign (``event_campaigns/{id}/events``)."""
        body = self._new_event_body(title, origin_system, identifier, extra, fields)
        check_id(campaign_id)
        url = await self._campaign_events_url(campaign_id)
        return await self._create(url, body, creator=creator)

    @staticmethod
    def _new_event_body(
        title: str,
        origin_system: str,
        identifier: str | None,
        extra: Mapping[str, Any] | None,
        fields: dict[str, Any],
    ) -> dict[str, Any]:
        """Check a new event before any request, and build its body with its identifier."""
        for name, value in (("title", title), ("origin_system", origin_system)):
            if not isinstance(value, str) or not value.strip():
                raise ConfigurationError(f"an event needs a non-empty {name}")
        if "identifiers" in fields:
            raise ConfigurationError("pass identifier=, the client adds it to identifiers")
        body = fields_to_json(
            Event, {**fields, "title": title, "origin_system": origin_system}, extra=extra
        )
        body["identifiers"] = [identifier or default_identifier(origin_system)]
        return body

    async def _create(
        self, url: str, body: dict[str, Any], *, creator: Person | str | None
    ) -> Event:
        if creator is not None:
            href = creator if isinstance(creator, str) and "/" in creator else None
            href = href or await self.url_of(creator, rel="osdi:people")
            body["_links"] = {"osdi:creator": {"href": href}}
        created = await self.hal.post(url, body, idempotent=True)
        if created is None:
            raise ConfigurationError("the API answered an event POST with an empty body")
        return Event.from_resource(created)

    async def update(
        self, event: EventRef, *, extra: Mapping[str, Any] | None = None, **fields: Any
    ) -> Event:
        """PUT some fields of an event. System fields (``total_accepted``, ``status``,
        ``sponsor`` ...) are refused here with a clear error, before any request.
        """
        if not fields and not extra:
            raise ConfigurationError("nothing to update: pass some fields")
        body = fields_to_json(Event, fields, extra=extra)
        result = await self.hal.put(await self.url_of(event), body)
        if result is None:
            raise ConfigurationError("the API answered an event PUT with an empty body")
        return Event.from_resource(result)

    # -- campaigns and attendances ------------------------------------------------------------
    async def _campaign_events_url(self, campaign_id: str) -> str:
        return f"{await self.item_url(campaign_id, rel=CAMPAIGNS_REL)}/events"

    def in_campaign(self, campaign_id: str) -> Stream[Event]:
        """Stream the events of an event campaign."""
        check_id(campaign_id)
        url = lambda: self._campaign_events_url(campaign_id)  # noqa: E731
        return self.stream_collection(url).map(Event.from_resource)

    def attendances(self, event: EventRef) -> Stream[Attendance]:
        """Stream an event's RSVPs, through its ``osdi:attendances`` link."""
        return self.stream_related(event, "osdi:attendances").map(Attendance.from_resource)

    async def record_attendance(
        self,
        event: EventRef,
        *,
        email: str | None = None,
        phone: str | None = None,
        person: Person | None = None,
        given_name: str | None = None,
        family_name: str | None = None,
        postal_code: str | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
    ) -> Attendance:
        """RSVP a person (created or matched by email, then phone) through the event's
        ``osdi:record_attendance_helper`` link.
        """
        body = helper_body(
            add_tags=add_tags,
            remove_tags=remove_tags,
            person=person,
            email=email,
            phone=phone,
            given_name=given_name,
            family_name=family_name,
            postal_code=postal_code,
        )
        resource = await self.resource_of(event)
        result = await self.hal.post(resource, body, rel="osdi:record_attendance_helper")
        if result is None:
            raise ConfigurationError("the API answered an attendance POST with an empty body")
        return Attendance.from_resource(result)
