"""``an.events``: list, get, create, update events; their campaigns and attendances (RSVPs).

There is no delete: the API does not allow deleting an event.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal, overload

from typing_extensions import Unpack

from ..bulk import DEFAULT_CONCURRENCY, CheckpointStore, Records, WriteResult
from ..filters import F, Filter, all_of
from ..models import (
    Attendance,
    AttendanceFields,
    Event,
    EventCampaign,
    EventContent,
    EventFields,
    Person,
)
from ..pagination import Stream
from ..watermark import DEFAULT_OVERLAP, Watermark
from .base import (
    ACTION_HELPER_FIELDS,
    ACTION_HELPER_STATUSES,
    ActionHelperOptions,
    Actions,
    Extra,
    RecordKind,
    Ref,
    _check_ref,
    helper_many,
)

__all__ = ["Events"]

#: A record of ``record_attendance_many``: a ``Person``, or a mapping of ``record_attendance``'s
#: keywords (``ActionHelperOptions``).
AttendanceRecord = Person | Mapping[str, Any]
CAMPAIGNS_REL = "action_network:event_campaigns"
#: RSVPs: one per person and event (a repeat updates it).
ATTENDANCES = RecordKind(
    "osdi:attendances", Attendance, helper="osdi:record_attendance_helper", one_per_person=True
)


class Events(Actions[Event]):
    """The events of the API key's group (https://actionnetwork.org/docs/v2/events)."""

    REL = "osdi:events"
    MODEL = Event

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
        combined = all_of(
            None if starts_after is None else F.start_date > starts_after,
            None if starts_before is None else F.start_date < starts_before,
            filter,
        )
        return self._models(self._stream_collection(filter=combined))

    def changes(self, since: Watermark, *, overlap: timedelta = DEFAULT_OVERLAP) -> Stream[Event]:
        """Stream the events changed since the last complete pull, each change exactly once
        across runs; then ``since`` is advanced. Save it after handling every event (see
        ``People.changes``; ``actionnetwork_async.watermark`` has the rule).
        """
        return self._changes(since, overlap)

    async def create(
        self,
        *,
        title: str,
        origin_system: str,
        identifier: str | None = None,
        creator: Ref[Person] | None = None,
        organizer: Ref[Person] | None = None,
        extra: Extra = None,
        **fields: Unpack[EventContent],
    ) -> Event:
        """POST a new event (``title`` and ``origin_system`` are required).

        No identifier is added unless you pass ``identifier`` (``"my_crm:1234"``): the API
        keeps one forever and deduplicates on it across every group, so only pass one that is
        globally unique. With one, a POST whose answer was lost is retried (the API returns
        the same event); without one it is not re-sent, and ``OutcomeUnknownError`` says how
        to check whether the event was created. ``creator`` and ``organizer`` (the
        ``osdi:creator`` and ``osdi:organizer`` links, https://actionnetwork.org/docs/v2/events)
        are each a Person or a person's id or URL; other links in ``extra["_links"]`` are kept
        beside them. ``start_date``/``end_date`` are the event's local wall-clock time (see
        ``Event``).
        """
        return await self._create_action(
            fields,
            title=title,
            origin_system=origin_system,
            identifier=identifier,
            creator=creator,
            organizer=organizer,
            extra=extra,
        )

    async def create_in_campaign(
        self,
        campaign: Ref[EventCampaign],
        *,
        title: str,
        origin_system: str,
        identifier: str | None = None,
        creator: Ref[Person] | None = None,
        organizer: Ref[Person] | None = None,
        extra: Extra = None,
        **fields: Unpack[EventContent],
    ) -> Event:
        """POST a new event into an event campaign (``event_campaigns/{id}/events``)."""
        return await self._create_action(
            fields,
            title=title,
            origin_system=origin_system,
            identifier=identifier,
            creator=creator,
            organizer=organizer,
            extra=extra,
            url=await self._campaign_events_url(campaign),
        )

    async def update(
        self,
        event: Ref[Event],
        changes: Event | None = None,
        *,
        extra: Extra = None,
        **fields: Unpack[EventFields],
    ) -> Event:
        """PUT some fields of an event (or a whole ``Event`` of changes). System fields
        (``total_accepted``, ``status``, ``sponsor`` ...) are refused here with a clear error,
        before any request.
        """
        return await self._update(event, changes, fields, extra)

    # -- campaigns ------------------------------------------------------------------------------
    async def _campaign_events_url(self, campaign: Ref[EventCampaign]) -> str:
        return await self._linked_url(campaign, "osdi:events", "events", CAMPAIGNS_REL)

    def in_campaign(self, campaign: Ref[EventCampaign]) -> Stream[Event]:
        """Stream the events of an event campaign."""
        _check_ref(campaign)
        url = lambda: self._campaign_events_url(campaign)  # noqa: E731
        return self._models(self._stream_collection(url))

    # -- attendances ----------------------------------------------------------------------------
    def attendances(
        self, event: Ref[Event], filter: Filter | str | None = None
    ) -> Stream[Attendance]:
        """Stream an event's RSVPs, through its ``osdi:attendances`` link."""
        return self._records(event, ATTENDANCES, filter)

    async def get_attendance(self, event: Ref[Event], attendance: Ref[Attendance]) -> Attendance:
        """One RSVP of an event."""
        return await self._get_record(event, attendance, ATTENDANCES)

    @overload
    async def create_attendance(
        self,
        event: Ref[Event],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: Literal[False] = False,
        **fields: Unpack[AttendanceFields],
    ) -> Attendance: ...

    @overload
    async def create_attendance(
        self,
        event: Ref[Event],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: Literal[True],
        **fields: Unpack[AttendanceFields],
    ) -> None: ...

    @overload
    async def create_attendance(
        self,
        event: Ref[Event],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: bool,
        **fields: Unpack[AttendanceFields],
    ) -> Attendance | None: ...

    async def create_attendance(
        self,
        event: Ref[Event],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: bool = False,
        **fields: Unpack[AttendanceFields],
    ) -> Attendance | None:
        """RSVP an existing person (a ``Person``, or a person's id or URL).
        ``background=True`` has the API apply it later and returns None at once.
        """
        return await self._create_record(
            event, person, ATTENDANCES, fields, extra, background=background
        )

    @overload
    async def update_attendance(
        self,
        event: Ref[Event],
        attendance: Ref[Attendance],
        *,
        extra: Extra = None,
        background: Literal[False] = False,
        **fields: Unpack[AttendanceFields],
    ) -> Attendance: ...

    @overload
    async def update_attendance(
        self,
        event: Ref[Event],
        attendance: Ref[Attendance],
        *,
        extra: Extra = None,
        background: Literal[True],
        **fields: Unpack[AttendanceFields],
    ) -> None: ...

    @overload
    async def update_attendance(
        self,
        event: Ref[Event],
        attendance: Ref[Attendance],
        *,
        extra: Extra = None,
        background: bool,
        **fields: Unpack[AttendanceFields],
    ) -> Attendance | None: ...

    async def update_attendance(
        self,
        event: Ref[Event],
        attendance: Ref[Attendance],
        *,
        extra: Extra = None,
        background: bool = False,
        **fields: Unpack[AttendanceFields],
    ) -> Attendance | None:
        """PUT some fields of an RSVP (its ``status``).
        ``background=True`` has the API apply it later and returns None at once.
        """
        return await self._update_record(
            event, attendance, ATTENDANCES, fields, extra, background=background
        )

    @overload
    async def record_attendance(
        self,
        event: Ref[Event],
        *,
        ensure_tags: bool = True,
        background: Literal[False] = False,
        **options: Unpack[ActionHelperOptions],
    ) -> Attendance: ...

    @overload
    async def record_attendance(
        self,
        event: Ref[Event],
        *,
        ensure_tags: bool = True,
        background: Literal[True],
        **options: Unpack[ActionHelperOptions],
    ) -> None: ...

    @overload
    async def record_attendance(
        self,
        event: Ref[Event],
        *,
        ensure_tags: bool = True,
        background: bool,
        **options: Unpack[ActionHelperOptions],
    ) -> Attendance | None: ...

    async def record_attendance(
        self,
        event: Ref[Event],
        *,
        ensure_tags: bool = True,
        background: bool = False,
        **options: Unpack[ActionHelperOptions],
    ) -> Attendance | None:
        """RSVP a person (created or matched by email, then phone) through the event's
        ``osdi:record_attendance_helper`` (https://actionnetwork.org/docs/v2/
        record_attendance_helper). A ``200 {}`` answer (the API accepted nothing) raises
        ``NothingAcceptedError``.
        ``background=True`` has the API apply it later and returns None at once. The tags
        ``add_tags`` names are created first when missing, unless ``ensure_tags=False``.
        """
        return await self._record(
            event, ATTENDANCES, options, {}, ensure_tags=ensure_tags, background=background
        )

    def record_attendance_many(
        self,
        event: Ref[Event],
        records: Records[AttendanceRecord],
        *,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        concurrency: int = DEFAULT_CONCURRENCY,
        checkpoint: CheckpointStore | str | os.PathLike[str] | None = None,
        report: str | os.PathLike[str] | None = None,
        key: Callable[[AttendanceRecord], str] | None = None,
        ensure_tags: bool = True,
    ) -> Stream[WriteResult]:
        """RSVP many people to ``event`` through its record attendance helper, pipelined at the
        rate limit; stream a ``WriteResult`` per record as each completes (docs/bulk.md).

        A record is a ``Person`` or a mapping of ``record_attendance``'s keywords; the other
        arguments are ``People.upsert_many``'s. Each success is ``UPSERTED``: the API keeps one
        attendance per person and event, and answers with it whether it was new or not. The
        event is fetched once (no request for an ``Event`` model), before the first record.
        Missing tags are created first unless ``ensure_tags=False`` (see ``upsert_many``).
        """
        _check_ref(event)
        return helper_many(
            self.hal,
            lambda: self._helper_url(event, ATTENDANCES),
            records,
            fields=ACTION_HELPER_FIELDS,
            statuses=ACTION_HELPER_STATUSES,
            add_tags=add_tags,
            remove_tags=remove_tags,
            concurrency=concurrency,
            checkpoint=checkpoint,
            report=report,
            key=key,
            tags=self._tags if ensure_tags else None,
        )
