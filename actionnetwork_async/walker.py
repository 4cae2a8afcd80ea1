"""The generic HAL walker (``client.hal``): GET, follow any rel, stream any collection, write.

It knows no endpoint: every URL comes from the API entry point, a link, or the caller. All HTTP
goes through the client's one ``Transport`` (and so its one rate limiter).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from .errors import ConfigurationError
from .hal import Link, Resource, parse_resource
from .pagination import Fetch, Stream, iter_items, iter_pages
from .transport import Transport

__all__ = ["HalWalker", "Target"]

#: Where a request goes: a URL (absolute, or relative to the base URL), a Link, or a Resource.
Target = str | Link | Resource
Params = Mapping[str, str | int]


class HalWalker:
    """Walks the API by its links; available as ``ActionNetwork.hal``."""

    def __init__(self, transport: Transport, base_url: str, *, prefetch: int = 5) -> None:
        if prefetch < 1:
            raise ConfigurationError(f"prefetch must be >= 1, got {prefetch!r}")
        self.transport = transport
        self.base_url = base_url
        self.prefetch = prefetch
        self._entry_point: Resource | None = None
        self._entry_point_lock = asyncio.Lock()

    async def entry_point(self) -> Resource:
        """The API entry point, fetched once per client (the facades find collections by it)."""
        if self._entry_point is None:
            async with self._entry_point_lock:
                if self._entry_point is None:
                    self._entry_point = await self.get()
        return self._entry_point

    def url_for(self, target: Target | None, rel: str | None = None, **template_vars: Any) -> str:
        """The absolute URL a target names; with ``rel``, the URL of that link of a Resource."""
        if rel is not None:
            if not isinstance(target, Resource):
                raise ConfigurationError("rel= needs a Resource to take the link from")
            return target.link(rel).expand(**template_vars)
        if isinstance(target, Link):
            return target.expand(**template_vars)
        if template_vars:
            raise ConfigurationError("template variables need a templated link (pass rel=)")
        if isinstance(target, Resource):
            href = target.self_href or target.url
            if href is None:
                raise ConfigurationError(f"{target!r} has no self link or URL")
            return href
        if not target:
            return self.base_url
        return (
            target if target.startswith(("https://", "http://")) else urljoin(self.base_url, target)
        )

    async def request(
        self,
        method: str,
        target: Target | None,
        *,
        json: Any = None,
        params: Params | None = None,
        idempotent: bool | None = None,
    ) -> Resource | None:
        """Send ``method`` to ``target`` and parse the answer (None for an empty body)."""
        url = self.url_for(target)
        document = await self.transport.request(
            method, url, json=json, params=params, idempotent=idempotent
        )
        return None if document is None else parse_resource(document, url=url)

    async def get(self, url: Target | None = None, *, params: Params | None = None) -> Resource:
        """GET one resource; ``None`` is the API entry point (the base URL)."""
        resource = await self.request("GET", url, params=params)
        if resource is None:
            raise ConfigurationError(f"GET {self.url_for(url)} answered with an empty body")
        return resource

    async def follow(
        self,
        resource: Resource,
        rel: str,
        *,
        index: int | None = None,
        name: str | None = None,
        use_embedded: bool = False,
        params: Params | None = None,
        **template_vars: Any,
    ) -> Resource:
        """GET the resource a link of ``rel`` points to (compact or expanded rel).

        With ``use_embedded`` an embedded copy of that rel is returned instead of a request.
        """
        if use_embedded and resource.resolve_embedded_rel(rel) is not None:
            return resource.embedded_for(rel)[index or 0]
        link = resource.link(rel, index=index, name=name)
        return await self.get(link.expand(**template_vars), params=params)

    def _first_page(self, target: Target | None, rel: str | None) -> Resource | str:
        """Where a collection starts: the page given, the link of ``rel``, or a URL."""
        if isinstance(target, Resource):
            if rel is None or target.resolve_embedded_rel(rel) is not None:
                return target
            if target.has_link(rel):
                return target.link(rel, index=0).expand()
            if target.get("page") is not None or "next" in target.links:
                return target  # an empty page of the collection: yields nothing
            target.links_for(rel)  # raises LinkNotFoundError naming the rels present
        return self.url_for(target)

    def pages(
        self,
        target: Target | None,
        rel: str | None = None,
        *,
        params: Params | None = None,
        prefetch: int | None = None,
    ) -> Stream[Resource]:
        """Stream every non-empty page of a collection (see ``iterate`` for the arguments)."""
        fetch, first = self._start(target, rel, params)
        return Stream(iter_pages(fetch, first, rel=rel, prefetch=prefetch or self.prefetch))

    def iterate(
        self,
        target: Target | None,
        rel: str | None = None,
        *,
        params: Params | None = None,
        prefetch: int | None = None,
    ) -> Stream[Resource]:
        """Stream every embedded item of a paginated collection, across all its pages.

        ``target`` is a collection URL, a page Resource, or a Resource with a link of ``rel``
        (``an.hal.iterate(entry_point, "osdi:people")``). ``rel`` None takes the page's single
        embedded rel, whatever its name. ``params`` (``filter``, ``per_page`` ...) apply to the
        first request; ``next`` links carry them on. At most ``prefetch`` pages are held.
        """
        fetch, first = self._start(target, rel, params)
        return Stream(iter_items(fetch, first, rel=rel, prefetch=prefetch or self.prefetch))

    def _start(
        self, target: Target | None, rel: str | None, params: Params | None
    ) -> tuple[Fetch, Resource | str]:
        """The GET used for pages (``params`` go on the first request only) and the first page."""
        first = self._first_page(target, rel)
        if params and isinstance(first, Resource):
            raise ConfigurationError("params= cannot apply to a page already fetched")
        first_params = dict(params or {})

        async def fetch(url: str) -> Resource:
            nonlocal first_params
            used, first_params = first_params, {}
            return await self.get(url, params=used or None)

        return fetch, first

    async def post(
        self,
        target: Target | None,
        json: Any = None,
        *,
        rel: str | None = None,
        params: Params | None = None,
        idempotent: bool = False,
        **template_vars: Any,
    ) -> Resource | None:
        """POST ``json`` to a URL, Link, Resource, or a Resource's link of ``rel``.

        Not retried unless certainly unprocessed; pass ``idempotent=True`` when the server
        deduplicates (for example on an identifier the client generated).
        """
        url = self.url_for(target, rel, **template_vars)
        return await self.request("POST", url, json=json, params=params, idempotent=idempotent)

    async def put(
        self,
        target: Target | None,
        json: Any = None,
        *,
        rel: str | None = None,
        params: Params | None = None,
        idempotent: bool = True,
        **template_vars: Any,
    ) -> Resource | None:
        """PUT ``json`` (a merge, on Action Network) to a target or a Resource's link of ``rel``."""
        url = self.url_for(target, rel, **template_vars)
        return await self.request("PUT", url, json=json, params=params, idempotent=idempotent)

    async def delete(
        self,
        target: Target | None,
        *,
        rel: str | None = None,
        params: Params | None = None,
        **template_vars: Any,
    ) -> Resource | None:
        """DELETE a target or a Resource's link of ``rel``."""
        url = self.url_for(target, rel, **template_vars)
        return await self.request("DELETE", url, params=params)
