"""Lists of people: unique ID lists (ID targets), tags and taggings, lists (reports and email
recipients) and their items, saved queries, email wrappers, and custom field names."""

from __future__ import annotations

from datetime import datetime

import attrs

from .base import Record, ResourceModel

__all__ = [
    "CustomField",
    "ListItem",
    "PeopleList",
    "Query",
    "Tag",
    "Tagging",
    "UniqueIdList",
    "Wrapper",
]


@attrs.define(kw_only=True)
class UniqueIdList(ResourceModel):
    """A list of people unique ids for targeting; the API never shows the ids themselves."""

    READ_ONLY = ResourceModel.READ_ONLY | {"origin_system", "count"}

    origin_system: str | None = None
    name: str | None = None
    count: int | None = None


@attrs.define(kw_only=True)
class Tag(ResourceModel):
    """A tag that people can carry (https://actionnetwork.org/docs/v2/tags)."""

    name: str | None = None


@attrs.define(kw_only=True)
class Tagging(ResourceModel):
    """A tag on a person (https://actionnetwork.org/docs/v2/taggings). It has no tag name:
    its ``osdi:tag`` and ``osdi:person`` links say which; ``tag_id`` and ``person_id`` read
    them without a request."""

    READ_ONLY = ResourceModel.READ_ONLY | {"item_type"}

    item_type: str | None = None

    @property
    def tag_id(self) -> str | None:
        """The id of the tag (from the ``osdi:tag`` link)."""
        return self.linked_id("osdi:tag")

    @property
    def person_id(self) -> str | None:
        """The id of the tagged person (from the ``osdi:person`` link)."""
        return self.linked_id("osdi:person")


@attrs.define(kw_only=True)
class PeopleList(ResourceModel):
    """A list of people: a report, or the recipients of an email (``description`` says
    which); read only (https://actionnetwork.org/docs/v2/lists)."""

    origin_system: str | None = None
    name: str | None = None
    title: str | None = None
    description: str | None = None
    browser_url: str | None = None


@attrs.define(kw_only=True)
class ListItem(ResourceModel):
    """A person on a list (https://actionnetwork.org/docs/v2/items)."""

    item_type: str | None = None
    person_id: str | None = None
    list_id: str | None = None


@attrs.define(kw_only=True)
class Query(ResourceModel):
    """A saved query, to target messages with; read only
    (https://actionnetwork.org/docs/v2/queries)."""

    origin_system: str | None = None
    name: str | None = None
    description: str | None = None
    browser_url: str | None = None


@attrs.define(kw_only=True)
class Wrapper(ResourceModel):
    """An email wrapper (the header and footer around a message's body); read only
    (https://actionnetwork.org/docs/v2/wrappers)."""

    origin_system: str | None = None
    name: str | None = None
    header: str | None = None
    footer: str | None = None
    wrapper_type: str | None = None


@attrs.define(kw_only=True)
class CustomField(Record):
    """A custom field name in use in the group; read only
    (https://actionnetwork.org/docs/v2/custom_fields)."""

    name: str | None = None
    notes: str | None = None
    numeric_id: int | None = None
    created_date: datetime | None = None
    modified_date: datetime | None = None
