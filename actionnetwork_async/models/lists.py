"""Unique ID lists (ID targets), tags and taggings."""

from __future__ import annotations

import attrs

from .base import ResourceModel

__all__ = ["Tag", "Tagging", "UniqueIdList"]


@attrs.define(kw_only=True)
class UniqueIdList(ResourceModel):
    """A list of people unique ids for targeting; the API never shows the ids themselves."""

    READ_ONLY = ResourceModel.READ_ONLY | {"origin_system", "count"}

    origin_system: str | None = None
    name: str | None = None
    count: int | None = None


@attrs.define(kw_only=True)
class Tag(ResourceModel):
    """A tag that people can carry."""

    name: str | None = None


@attrs.define(kw_only=True)
class Tagging(ResourceModel):
    """A tag on a person: its ``osdi:tag`` and ``osdi:person`` links say which."""
