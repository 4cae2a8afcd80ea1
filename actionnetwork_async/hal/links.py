"""HAL links, curies and rel matching: pure functions over parsed JSON, no I/O."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import attrs

from .._log import getLogger
from ..errors import AmbiguousRelError, ConfigurationError, HALError, TemplateError

if TYPE_CHECKING:
    import uritemplate

__all__ = ["Link", "Links", "expand_rel", "resolve_rel"]

log = getLogger("actionnetwork_async.hal")

#: Schemes of hrefs that need no resolving (urljoin would return them unchanged, slowly).
_ABSOLUTE = ("https://", "http://")
_KNOWN_ATTRS = ("name", "title", "type", "deprecation", "profile", "hreflang")
_warned_deprecations: set[tuple[str, str]] = set()


@attrs.frozen
class Link:
    """One HAL link object. ``href`` is absolute unless the link is templated."""

    href: str
    templated: bool = False
    base_url: str | None = None
    name: str | None = None
    title: str | None = None
    type: str | None = None
    deprecation: str | None = None
    profile: str | None = None
    hreflang: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def variables(self) -> frozenset[str]:
        """Names of the RFC 6570 variables of a templated link (empty otherwise)."""
        if not self.templated:
            return frozenset()
        return frozenset(self._template().variable_names)

    def expand(self, **variables: Any) -> str:
        """The absolute URL of this link, expanding its template with ``variables``."""
        if not self.templated:
            if variables:
                raise TemplateError(
                    f"link {self.href} is not templated; cannot expand {sorted(variables)}"
                )
            return self.href
        template = self._template()
        unknown = set(variables) - set(template.variable_names)
        if unknown:
            raise TemplateError(
                f"template {self.href} has no variable(s) {sorted(unknown)}; "
                f"it takes {sorted(template.variable_names)}"
            )
        try:
            expanded = template.expand(variables)
        except (TypeError, ValueError) as exc:  # a value it cannot take: a float for {x:2}
            raise TemplateError(f"cannot expand {self.href}: {exc}") from None
        return resolve_href(expanded, self.base_url) if self.base_url else expanded

    def _template(self) -> uritemplate.URITemplate:
        """The parsed template; a malformed one (``{x:abc}``) from a document is a
        ``TemplateError``, not uritemplate's plain ``ValueError``."""
        import uritemplate  # imported by the first templated link (start-up)

        try:
            return uritemplate.URITemplate(self.href)
        except ValueError as exc:
            raise TemplateError(f"link {self.href} is not a valid URI template: {exc}") from None


def resolve_href(href: str, base_url: str | None) -> str:
    """``href`` made absolute against ``base_url``; a malformed URL raises ``HALError``.

    The one place an href is resolved, so a document's broken URL (``http://[::1``) is a
    HAL error and not a plain ``ValueError``.
    """
    try:
        # Action Network's hrefs are absolute: urljoin (costly) only for a relative one
        resolved = href if not base_url or href.startswith(_ABSOLUTE) else urljoin(base_url, href)
        urlsplit(resolved).port  # noqa: B018 - reading the port checks the authority
    except ValueError as exc:
        raise HALError(f"malformed URL in a link: {exc}") from None
    return resolved


def parse_link(obj: Any, *, rel: str, base_url: str | None) -> Link:
    """Parse one JSON link object; a relative href resolves against ``base_url``."""
    if not isinstance(obj, Mapping) or not isinstance(obj.get("href"), str):
        got = (
            f"an object whose href is a {type(obj.get('href')).__name__}"
            if isinstance(obj, Mapping)
            else f"a {type(obj).__name__}"
        )
        raise HALError(f"link for rel {rel!r} is not an object with a string href (got {got})")
    templated = obj.get("templated") is True  # exactly true, as HAL says
    href: str = obj["href"]
    if not templated:
        href = resolve_href(href, base_url)
    known = {k: obj[k] for k in _KNOWN_ATTRS if isinstance(obj.get(k), str)}
    extra = {k: v for k, v in obj.items() if k not in known and k not in ("href", "templated")}
    return Link(href=href, templated=templated, base_url=base_url, extra=extra, **known)


@attrs.frozen
class Links:
    """The links of one rel, remembering whether the document wrote a single object or an array."""

    items: tuple[Link, ...]
    is_array: bool

    def __iter__(self) -> Iterator[Link]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Link:
        return self.items[index]


def parse_links(value: Any, *, rel: str, base_url: str | None) -> Links:
    """Parse the value of one rel in ``_links`` (an object or an array of objects)."""
    if isinstance(value, list):
        return Links(tuple(parse_link(v, rel=rel, base_url=base_url) for v in value), True)
    return Links((parse_link(value, rel=rel, base_url=base_url),), False)


def warn_if_deprecated(rel: str, link: Link) -> None:
    """Log a warning the first time a deprecated link is used."""
    if link.deprecation is None:
        return
    key = (rel, link.deprecation)
    if key not in _warned_deprecations:
        _warned_deprecations.add(key)
        log.warning("link rel %r is deprecated: %s", rel, link.deprecation)


def expand_rel(rel: str, curies: Mapping[str, Link]) -> str:
    """The expanded (URI) form of a compact rel such as ``osdi:people``; other rels unchanged."""
    prefix, sep, reference = rel.partition(":")
    curie = curies.get(prefix) if sep else None
    if curie is None or reference.startswith("//"):
        return rel
    if curie.templated:
        return curie.expand(rel=reference)
    return curie.href + reference


def resolve_rel(rel: str, present: Collection[str], curies: Mapping[str, Link]) -> str | None:
    """Find which rel of ``present`` answers ``rel``: the literal rel first, then by expansion.

    Raises ``AmbiguousRelError`` when the expansion matches two different compact rels, and
    ``ConfigurationError`` when ``rel`` is not a string.
    """
    if not isinstance(rel, str):
        raise ConfigurationError(f"a rel is a string, not a {type(rel).__name__}")
    if rel in present:  # the common case, without expanding anything
        return rel
    wanted = expand_rel(rel, curies)
    matches = [p for p in present if expand_rel(p, curies) == wanted]
    if len(matches) > 1:
        raise AmbiguousRelError(rel, matches)
    return matches[0] if matches else None
