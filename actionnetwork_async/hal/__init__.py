"""Pure HAL parsing: resources, links, curies and templates. No I/O happens in this package."""

from .links import Link, Links, expand_rel, resolve_rel
from .resource import Embedded, Resource, parse_resource

__all__ = ["Embedded", "Link", "Links", "Resource", "expand_rel", "parse_resource", "resolve_rel"]
