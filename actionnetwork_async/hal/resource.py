"""HAL resources: properties, links, embedded resources and curies, parsed without I/O."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from ..errors import HALError, LinkNotFoundError
from .links import Link, Links, parse_link, parse_links, resolve_rel, warn_if_deprecated

__all__ = ["Embedded", "LazyLinks", "Resource", "parse_resource"]


@attrs.frozen
class Embedded:
    """The embedded resources of one rel, remembering single object versus array."""

    items: tuple[Resource, ...]
    is_array: bool

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Resource:
        return self.items[index]


class LazyLinks(Mapping[str, Links]):
    """The ``_links`` of a document, each rel parsed on first use (then kept).

    A page of 25 people carries about 200 links and a stream reads one or two of them, so
    parsing is deferred: a malformed link raises ``HALError`` when its rel is used.
    """

    __slots__ = ("_base_url", "_parsed", "_raw")

    def __init__(self, raw: Mapping[str, Any], base_url: str | None) -> None:
        self._raw = raw
        self._base_url = base_url
        self._parsed: dict[str, Links] = {}

    def __getitem__(self, rel: str) -> Links:
        parsed = self._parsed.get(rel)
        if parsed is None:
            if rel == "curies" or rel not in self._raw:
                raise KeyError(rel)
            parsed = self._parsed[rel] = parse_links(
                self._raw[rel], rel=rel, base_url=self._base_url
            )
        return parsed

    def __contains__(self, rel: object) -> bool:
        return rel != "curies" and rel in self._raw

    def __iter__(self) -> Iterator[str]:
        return (rel for rel in self._raw if rel != "curies")

    def __len__(self) -> int:
        return len(self._raw) - ("curies" in self._raw)

    def __repr__(self) -> str:
        return f"<links {sorted(self)}>"


class Resource:
    """A parsed HAL resource.

    ``data`` holds its properties (everything but ``_links`` and ``_embedded``); ``url`` is the
    URL of the document it came from, against which relative hrefs are resolved. Read-only.
    Properties, links and embedded resources are unpacked on first use: streaming a collection
    then costs little more than decoding its JSON.
    """

    __slots__ = ("_data", "_document", "_embedded", "_links", "curies", "url")

    def __init__(
        self, document: Mapping[str, Any], *, url: str | None, curies: Mapping[str, Link]
    ) -> None:
        self._document = document
        self.url = url
        self.curies = curies
        self._data: dict[str, Any] | None = None
        self._links: LazyLinks | None = None
        self._embedded: dict[str, Embedded] | None = None

    @property
    def data(self) -> Mapping[str, Any]:
        """The properties: the document without ``_links`` and ``_embedded``."""
        if self._data is None:
            data = dict(self._document)
            data.pop("_links", None)
            data.pop("_embedded", None)
            self._data = data
        return self._data

    @property
    def document(self) -> Mapping[str, Any]:
        """The document as decoded, ``_links`` and ``_embedded`` included (not a copy: read it,
        never change it). Models are read from it, so streaming copies no record."""
        return self._document

    @property
    def links(self) -> Mapping[str, Links]:
        """The links by rel, as written (compact rels stay compact); ``curies`` excluded."""
        if self._links is None:
            self._links = LazyLinks(self._document.get("_links") or {}, self.url)
        return self._links

    @property
    def embedded(self) -> Mapping[str, Embedded]:
        """The embedded resources by rel; they inherit this resource's curies."""
        if self._embedded is None:
            raw = self._document.get("_embedded") or {}
            self._embedded = {
                rel: _parse_embedded(value, url=self.url, curies=self.curies)
                for rel, value in raw.items()
            }
        return self._embedded

    def __repr__(self) -> str:
        return f"<Resource {self.self_href or self.url or '(no url)'}>"

    # Read-only, so a copy may share it (a deep copy of a model read from the API works), and
    # it pickles as what it is made of.
    def __copy__(self) -> Resource:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Resource:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        curies = None if self.curies is _NO_CURIES else dict(self.curies)
        return (_rebuilt, (dict(self._document), self.url, curies))

    # -- properties -------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __contains__(self, key: object) -> bool:
        return key in self.data

    def get(self, key: str, default: Any = None) -> Any:
        """A property, or ``default`` when absent."""
        return self.data.get(key, default)

    @property
    def self_href(self) -> str | None:
        """The resolved href of the ``self`` link, if the resource has one."""
        group = self.links.get("self")
        return group[0].href if group else None

    def identifier(self, system: str = "action_network") -> str | None:
        """The id this resource has in ``system`` (``identifiers`` entry without its prefix)."""
        prefix = system + ":"
        identifiers = self._document.get("identifiers")  # as in data, without copying it
        if isinstance(identifiers, str):  # one identifier where the API documents an array
            identifiers = [identifiers]
        for ident in identifiers if isinstance(identifiers, list) else ():
            if isinstance(ident, str) and ident.startswith(prefix):
                return ident[len(prefix) :]
        return None

    # -- links ------------------------------------------------------------------------------
    def resolve_link_rel(self, rel: str) -> str | None:
        """The rel present in ``_links`` that answers ``rel`` (compact or expanded), or None."""
        return resolve_rel(rel, self.links, self.curies)

    def has_link(self, rel: str) -> bool:
        """Whether ``rel`` (compact or expanded) is among the links."""
        return self.resolve_link_rel(rel) is not None

    def links_for(self, rel: str) -> Links:
        """All links of ``rel``; raises ``LinkNotFoundError`` naming the rels that exist."""
        found = self.resolve_link_rel(rel)
        if found is None:
            raise LinkNotFoundError(rel, sorted(self.links), where="_links")
        group = self.links[found]
        for link in group:
            warn_if_deprecated(found, link)
        return group

    def link(self, rel: str, *, index: int | None = None, name: str | None = None) -> Link:
        """The one link of ``rel``; pick by ``index`` or ``name`` when the rel is an array."""
        group = self.links_for(rel)
        if name is not None:
            for candidate in group:
                if candidate.name == name:
                    return candidate
            raise HALError(f"rel {rel!r} has no link named {name!r}")
        if index is not None:
            try:
                return group[index]
            except (IndexError, TypeError):
                raise HALError(f"rel {rel!r} has {len(group)} link(s); no index {index}") from None
        if len(group) != 1:
            raise HALError(f"rel {rel!r} has {len(group)} links; pass index= or name= to pick one")
        return group[0]

    # -- embedded ---------------------------------------------------------------------------
    def resolve_embedded_rel(self, rel: str) -> str | None:
        """The rel present in ``_embedded`` that answers ``rel``, or None."""
        return resolve_rel(rel, self.embedded, self.curies)

    def embedded_for(self, rel: str) -> Embedded:
        """The embedded resources of ``rel``; raises ``LinkNotFoundError`` if there are none."""
        found = self.resolve_embedded_rel(rel)
        if found is None:
            raise LinkNotFoundError(rel, sorted(self.embedded), where="_embedded")
        return self.embedded[found]

    def items(self, rel: str | None = None) -> tuple[Resource, ...]:
        """The items of a collection page: the resources embedded under ``rel``.

        With ``rel`` None the page must embed exactly one rel (``osdi:people``,
        ``action_network:unique_id_lists`` ...). A page that embeds nothing has no items.
        """
        if rel is not None:
            found = self.resolve_embedded_rel(rel)
            return self.embedded[found].items if found is not None else ()
        if not self.embedded:
            return ()
        if len(self.embedded) > 1:
            raise HALError(
                f"page embeds several rels ({', '.join(sorted(self.embedded))}); name one as rel="
            )
        return next(iter(self.embedded.values())).items

    def to_dict(self) -> dict[str, Any]:
        """The properties as a plain dict (a copy), without ``_links`` and ``_embedded``."""
        return dict(self.data)


def parse_resource(
    document: Any, *, url: str | None = None, curies: Mapping[str, Link] | None = None
) -> Resource:
    """Parse a HAL JSON document (already decoded) into a ``Resource``.

    Relative hrefs resolve against ``url``; ``curies`` are inherited from an enclosing document
    and replaced by the resource's own when it declares any. Links and embedded resources are
    read when first used, one level at a time, so no depth of embedding recurses. Anything that
    is not a HAL document raises ``HALError``.
    """
    if type(document) is not dict and not isinstance(document, Mapping):  # dict: no ABC check
        raise HALError(f"a HAL resource must be a JSON object, got {type(document).__name__}")
    raw_links = document.get("_links")
    if raw_links:
        if type(raw_links) is not dict and not isinstance(raw_links, Mapping):
            raise HALError("_links must be a JSON object")
        own_curies = raw_links.get("curies")
        if own_curies is not None:
            curie_list = own_curies if isinstance(own_curies, list) else [own_curies]
            parsed = [parse_link(c, rel="curies", base_url=url) for c in curie_list]
            curies = {c.name: c for c in parsed if c.name}
    raw_embedded = document.get("_embedded")
    if raw_embedded and type(raw_embedded) is not dict and not isinstance(raw_embedded, Mapping):
        raise HALError("_embedded must be a JSON object")
    # one curies mapping is shared by a page and all its items: nobody mutates it
    return Resource(document, url=url, curies=curies if curies is not None else _NO_CURIES)


_NO_CURIES: Mapping[str, Link] = MappingProxyType({})


def _rebuilt(document: dict[str, Any], url: str | None, curies: dict[str, Link] | None) -> Resource:
    """A pickled ``Resource`` again."""
    return Resource(document, url=url, curies=_NO_CURIES if curies is None else curies)


def _parse_embedded(value: Any, *, url: str | None, curies: Mapping[str, Link]) -> Embedded:
    if isinstance(value, list):
        return Embedded(tuple([_parse_item(v, url, curies) for v in value]), True)
    return Embedded((parse_resource(value, url=url, curies=curies),), False)


def _parse_item(document: Any, url: str | None, curies: Mapping[str, Link]) -> Resource:
    """``parse_resource`` of one item of a page, checking the usual item (an object whose
    links declare no curies) in fewer steps."""
    if type(document) is dict:
        links = document.get("_links")
        embedded = document.get("_embedded")
        if (links is None or (type(links) is dict and "curies" not in links)) and (
            embedded is None or type(embedded) is dict
        ):
            return Resource(document, url=url, curies=curies)
    return parse_resource(document, url=url, curies=curies)
