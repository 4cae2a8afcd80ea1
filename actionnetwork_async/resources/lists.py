"""``an.lists`` (reports and email recipient lists, and the people on them) and
``an.metadata`` (the custom field names in use). Both are read only over the API."""

from __future__ import annotations

from typing import Any

from ..models import CustomField, ListItem, PeopleList
from .base import Collection, Facade
from .records import RecordKind, records_of

__all__ = ["Lists", "Metadata"]

#: The people on a list (https://actionnetwork.org/docs/v2/items).
ITEMS = RecordKind("osdi:items", ListItem)


class Lists(Collection[PeopleList]):
    """Lists of people: reports, and the recipients of each email
    (https://actionnetwork.org/docs/v2/lists)."""

    #: The people on each list. Like the people collection, items have no totals: the walk
    #: stops at the first empty page.
    items = records_of(PeopleList, ITEMS)


class Metadata(Facade):
    """What the API says about the group's data (https://actionnetwork.org/docs/v2/metadata)."""

    async def custom_fields(self) -> list[CustomField]:
        """Every custom field name in use in the group, with its notes
        (https://actionnetwork.org/docs/v2/custom_fields): two requests, the metadata and its
        ``action_network:custom_fields`` link."""
        metadata = await self.hal.get(await self._collection_url())
        answer = await self.hal.follow(metadata, "action_network:custom_fields")
        items: list[Any] = list(answer.get("action_network:custom_fields") or ())
        items += [r.data for r in answer.items()] if answer.embedded else []
        return [CustomField.from_json(item) for item in items]
