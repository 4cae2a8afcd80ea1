"""``an.events``: list, get, create, update events; campaigns and attendances.

There is no delete: the API does not allow deleting an event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ..errors import ConfigurationError, OutcomeUnknownError
from ..filters import F, Filter, as_filter
from ..models import Attendance, Event, Person
from ..pagination import Stream
from .base import Facade, check_id, fields_to_json, helper_body

__all__ = ["Events"]

EventRef = Event | str
CAMPAIGNS_REL = "action_network:event_campaigns"


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
        """Stream every event (matching ``filter`` and the start date bounds).

        The bounds are wall-clock times, like the events' own ``start_date``: the wall time of
        the datetime given is compared, never converted to UTC.
        """
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

        No identifier is added unless you pass ``identifier`` (``"my_crm:1234"``): the API
        keeps one forever and deduplicates on it across every group, so only pass one that is
        globally unique. With one, a POST whose answer was lost is retried (the API returns
        the same event); without one it is not re-sent, and ``OutcomeUnknownError`` says how
        to check whether the event was created. ``creator`` is a Person or a person's id or
        URL. ``start_date``/``end_date`` are the event's local wall-clock time (see ``Event``).
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
        """Check a new event before any request, and build its body (with ``identifier``)."""
        for name, value in (("title", title), ("origin_system", origin_system)):
            if not isinstance(value, str) or not value.strip():
                raise ConfigurationError(f"an event needs a non-empty {name}")
        if "identifiers" in fields:
            raise ConfigurationError("pass identifier=, the client adds it to identifiers")
        if identifier is not None:
            system, _, key = identifier.partition(":") if isinstance(identifier, str) else ("",) * 3
            if not system or not key or system == "action_network":
                raise ConfigurationError(
                    f"identifier must be '<your system>:<id>' (not action_network:), got "
                    f"{identifier!r}"
                )
        body = fields_to_json(
            Event, {**fields, "title": title, "origin_system": origin_system}, extra=extra
        )
        if identifier is not None:
            body["identifiers"] = [identifier]
        return body

    async def _create(
        self, url: str, body: dict[str, Any], *, creator: Person | str | None
    ) -> Event:
        if creator is not None:
            href = creator if isinstance(creator, str) and "/" in creator else None
            href = href or await self.url_of(creator, rel="osdi:people")
            body["_links"] = {"osdi:creator": {"href": href}}
        # Only an identifier makes a re-sent POST safe: the API deduplicates on it.
        retry_safe = bool(body.get("identifiers"))
        try:
            created = await self.hal.post(url, body, idempotent=retry_safe, expect="resource")
        except OutcomeUnknownError as exc:
            raise OutcomeUnknownError(
                f"the event {body['title']!r} may have been created: the connection failed "
                "after the POST was sent, and it was not re-sent so it cannot be created twice. "
                f"Check before creating it again: an.events.list(F.title == {body['title']!r}); "
                "pass identifier= to make creates safe to retry",
                url=exc.url,
            ) from exc
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
        result = await self.hal.put(await self.url_of(event), body, expect="resource")
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
        ``osdi:record_attendance_helper`` link. A ``200 {}`` answer (the API accepted nothing)
        raises ``NothingAcceptedError``.
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
        result = await self.hal.post(
            resource, body, rel="osdi:record_attendance_helper", expect="resource"
        )
        return Attendance.from_resource(result)
