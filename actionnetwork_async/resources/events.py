"""``an.events``: list, get, create, update events; their campaigns and attendances (RSVPs).

There is no delete: the API does not allow deleting an event.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .._bodies import ActionHelperOptions, Extra, no_positional
from ..filters import F, Filter, all_of
from ..models import Attendance, AttendanceFields, Event, EventCampaign
from ..pagination import Stream
from ..watermark import DEFAULT_OVERLAP, Watermark
from .base import Actions, C, Ref, U, _check_ref
from .records import ActionRecordKind, action_records

__all__ = ["ATTENDANCES", "Events"]

CAMPAIGNS_REL = "action_network:event_campaigns"
#: RSVPs: one per person and event (a repeat updates it).
ATTENDANCES = ActionRecordKind(
    "osdi:attendances",
    Attendance,
    fields=AttendanceFields,
    helper="osdi:record_attendance_helper",
    options=ActionHelperOptions,
    one_per_person=True,
)


class Events(Actions[Event, C, U]):
    """The events of the API key's group (https://actionnetwork.org/docs/v2/events).
    ``start_date``/``end_date`` are the event's local wall-clock time (see ``Event``)."""

    #: The events' RSVPs (https://actionnetwork.org/docs/v2/record_attendance_helper).
    attendances = action_records(Event, ATTENDANCES)

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

    async def create_in_campaign(
        self,
        campaign: Ref[EventCampaign],
        title: str,
        origin_system: str,
        identifier: str | None = None,
        extra: Extra = None,
        *_: C.args,
        **fields: C.kwargs,
    ) -> Event:
        """POST a new event into an event campaign (``event_campaigns/{id}/events``), as
        ``create`` does."""
        no_positional(_)
        return await self._create_action(
            fields,
            title=title,
            origin_system=origin_system,
            identifier=identifier,
            extra=extra,
            url=await self._campaign_events_url(campaign),
        )

    def in_campaign(self, campaign: Ref[EventCampaign]) -> Stream[Event]:
        """Stream the events of an event campaign."""
        _check_ref(campaign)
        return self._models(self._stream_collection(lambda: self._campaign_events_url(campaign)))

    async def _campaign_events_url(self, campaign: Ref[EventCampaign]) -> str:
        return await self._linked_url(campaign, "osdi:events", "events", CAMPAIGNS_REL)
