"""The generic HAL walker (``client.hal``): GET, follow any rel, stream any collection, write.

It knows no endpoint: every URL comes from the API entry point, a link, or the caller. All HTTP
goes through the client's one ``Transport`` (and so its one rate limiter), which refuses any URL
off the API's origin: a link or a caller's URL to another host never gets the key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, cast, overload
from urllib.parse import urljoin

from typing_extensions import Unpack

from ._entrycache import COLLECTION_RELS, EntryPoint
from ._validate import positive_int
from ._writes import BulkOptions, Outcome, R, Records, WriteResult
from .errors import (
    AuthenticationError,
    CollectionUnavailableError,
    ConfigurationError,
    NotFoundError,
)
from .hal import Link, Resource, parse_resource
from .pagination import Stream, each_alone, iter_batches, iter_pages, with_query
from .sansio import Expect
from .transport import Transport

if TYPE_CHECKING:
    from .bulk import Write

__all__ = ["DEFAULT_PREFETCH", "HalWalker", "Target", "collection_rels"]

#: Pages in flight at once: keeps 4 requests/s busy with up to ~1.75 s of latency per page
#: (deep pages of a large collection are that slow). Pages still queued at the limiter when a
#: stream ends are cancelled unsent, so a deeper pipeline costs little at low latency.
DEFAULT_PREFETCH = 8

#: Where a request goes: a URL (absolute, or relative to the base URL), a Link, or a Resource.
Target = str | Link | Resource
#: The query of a request: names to values (an int is sent as its digits).
Params = Mapping[str, str | int]


def collection_rels(entry: Resource, url: str, wanted: str = "") -> list[str]:
    """The collection and helper rels an entry point lists, sorted. Action Network answers a
    wrong or missing key with 200 and none of them, not 403: that raises
    ``AuthenticationError`` (naming the rel ``wanted``, if any)."""
    rels = sorted(r for r in entry.links if r.startswith(COLLECTION_RELS))
    if not rels:
        present = ", ".join(sorted(entry.links)) or "none"
        raise AuthenticationError(
            200,
            f"the API entry point lists no collection{f', no {wanted!r}' if wanted else ''} "
            f"(links present: {present}). Action Network answers a wrong or missing API key "
            "this way, so the key is probably wrong or revoked",
            url=url,
        )
    return rels


class HalWalker:
    """Walks the API by its links; available as ``ActionNetwork.hal``."""

    def __init__(
        self,
        transport: Transport,
        base_url: str,
        *,
        prefetch: int = DEFAULT_PREFETCH,
        entry: EntryPoint | None = None,
    ) -> None:
        self.transport = transport
        self.base_url = base_url
        self.prefetch = positive_int(prefetch, "prefetch")
        # the client's (shared with with_options' clients and maybe an EntryCache)
        self._entry = entry or EntryPoint(base_url, cache=None, digest="")

    async def entry_point(self) -> Resource:
        """The API entry point, read once per client (the facades find collections by it); a
        client with an ``entry_cache`` takes a fresh shared copy of its links instead."""
        return await self._entry.get(self.get)

    async def collection_url(self, rel: str) -> str:
        """The href of the entry point's link ``rel`` (a collection or a helper). A key that
        works but cannot reach it (tags exist only for group keys) raises
        ``CollectionUnavailableError`` naming what it can reach."""
        entry = await self.entry_point()
        if entry.has_link(rel):
            return entry.link(rel, index=0).href
        url = entry.url or self.base_url
        raise CollectionUnavailableError(rel, url=url, available=collection_rels(entry, url, rel))

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
        if target is None or target == "":
            return self.base_url
        if not isinstance(target, str):
            raise ConfigurationError(
                f"a target is a URL, a Link or a Resource, not a {type(target).__name__}"
            )
        if target.startswith(("https://", "http://")):
            return target  # absolute: the transport checks it is the API's origin
        try:
            return urljoin(self.base_url, target)
        except ValueError as exc:  # a malformed authority such as "http://[::1"
            raise ConfigurationError(f"not a usable URL: {exc}") from None

    async def request(
        self,
        method: str,
        target: Target | None,
        *,
        json: Any = None,
        params: Params | None = None,
        idempotent: bool | None = None,
        expect: Expect = None,
    ) -> Resource | None:
        """Send ``method`` to ``target`` and parse the answer (None for an empty body).

        ``params`` go into the URL, so the parsed resource knows the URL really asked for.
        ``expect`` says what the answer must hold (``sansio.Expect``).
        """
        url = self.url_for(target)
        if params:
            url = with_query(url, params)
        try:
            document = await self.transport.request(
                method, url, json=json, idempotent=idempotent, expect=expect
            )
        except NotFoundError:  # a link of a shared entry point may have gone stale
            relinked = await self._entry.relinked(url, self.get)
            if relinked is None:
                raise
            url = relinked
            document = await self.transport.request(
                method, url, json=json, idempotent=idempotent, expect=expect
            )
        return None if document is None else parse_resource(document, url=url)

    async def get(self, url: Target | None = None, *, params: Params | None = None) -> Resource:
        """GET one resource; ``None`` is the API entry point (the base URL).

        An answer that is not a JSON object raises ``UnexpectedResponseError``.
        """
        return cast(Resource, await self.request("GET", url, params=params, expect="document"))

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

        With ``use_embedded`` an embedded copy of that rel (at ``index``, default the first) is
        returned instead of a request when there is one; otherwise the link is followed.
        """
        if not isinstance(resource, Resource):
            raise ConfigurationError(f"follow needs a Resource, got a {type(resource).__name__}")
        if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
            raise ConfigurationError(f"index must be an integer, got {index!r}")
        if use_embedded and resource.resolve_embedded_rel(rel) is not None:
            copies = resource.embedded_for(rel)
            position = index or 0
            if -len(copies) <= position < len(copies):
                return copies[position]
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
        first = self._start(target, rel, params)
        pages = iter_pages(
            self.get,
            first,
            rel=rel,
            prefetch=self._prefetch(prefetch),
            redact=self.transport.redact,
        )
        return Stream(each_alone(pages))

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
        embedded rel, whatever its name. ``params`` (``filter``, ``per_page`` ...) go on the
        first request, and every later page carries them too: a ``next`` link that leaves one
        out gets it back. At most ``prefetch`` pages are held.
        """
        first = self._start(target, rel, params)
        batches = iter_batches(
            self.get,
            first,
            rel=rel,
            prefetch=self._prefetch(prefetch),
            redact=self.transport.redact,
        )
        return Stream(batches)

    def _prefetch(self, prefetch: int | None) -> int:
        return self.prefetch if prefetch is None else positive_int(prefetch, "prefetch")

    def _start(
        self, target: Target | None, rel: str | None, params: Params | None
    ) -> Resource | str:
        """The first page of a stream, or its URL with ``params`` in it."""
        first = self._first_page(target, rel)
        if params:
            if isinstance(first, Resource):
                raise ConfigurationError("params= cannot apply to a page already fetched")
            first = with_query(first, params)
        return first

    @overload
    async def post(
        self,
        target: Target | None,
        json: Any = None,
        *,
        rel: str | None = None,
        params: Params | None = None,
        idempotent: bool = False,
        expect: Literal["document", "answer", "resource"],
        **template_vars: Any,
    ) -> Resource: ...

    @overload
    async def post(
        self,
        target: Target | None,
        json: Any = None,
        *,
        rel: str | None = None,
        params: Params | None = None,
        idempotent: bool = False,
        expect: None = None,
        **template_vars: Any,
    ) -> Resource | None: ...

    @overload
    async def post(
        self,
        target: Target | None,
        json: Any = None,
        *,
        rel: str | None = None,
        params: Params | None = None,
        idempotent: bool = False,
        expect: Expect = None,
        **template_vars: Any,
    ) -> Resource | None: ...

    async def post(
        self,
        target: Target | None,
        json: Any = None,
        *,
        rel: str | None = None,
        params: Params | None = None,
        idempotent: bool = False,
        expect: Expect = None,
        **template_vars: Any,
    ) -> Resource | None:
        """POST ``json`` to a URL, Link, Resource, or a Resource's link of ``rel``.

        Not retried unless certainly unprocessed (one that may have run raises
        ``OutcomeUnknownError``); pass ``idempotent=True`` when the server deduplicates (for
        example on an identifier the caller chose). ``expect="resource"`` makes an answer
        without the created resource (``200 {}``) raise ``NothingAcceptedError``.
        """
        url = self.url_for(target, rel, **template_vars)
        return await self.request(
            "POST", url, json=json, params=params, idempotent=idempotent, expect=expect
        )

    @overload
    async def put(
        self,
        target: Target | None,
        json: Any = None,
        *,
        rel: str | None = None,
        params: Params | None = None,
        idempotent: bool = True,
        expect: Literal["document", "answer", "resource"],
        **template_vars: Any,
    ) -> Resource: ...

    @overload
    async def put(
        self,
        target: Target | None,
        json: Any = None,
        *,
        rel: str | None = None,
        params: Params | None = None,
        idempotent: bool = True,
        expect: None = None,
        **template_vars: Any,
    ) -> Resource | None: ...

    @overload
    async def put(
        self,
        target: Target | None,
        json: Any = None,
        *,
        rel: str | None = None,
        params: Params | None = None,
        idempotent: bool = True,
        expect: Expect = None,
        **template_vars: Any,
    ) -> Resource | None: ...

    async def put(
        self,
        target: Target | None,
        json: Any = None,
        *,
        rel: str | None = None,
        params: Params | None = None,
        idempotent: bool = True,
        expect: Expect = None,
        **template_vars: Any,
    ) -> Resource | None:
        """PUT ``json`` (a merge, on Action Network) to a target or a Resource's link of ``rel``.

        ``expect`` as for ``post``.
        """
        url = self.url_for(target, rel, **template_vars)
        return await self.request(
            "PUT", url, json=json, params=params, idempotent=idempotent, expect=expect
        )

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

    # -- bulk writes -------------------------------------------------------------------------
    def post_many(
        self,
        target: Target | Callable[[R], Target],
        records: Records[R],
        *,
        body: Callable[[R], Any] | None = None,
        idempotent: bool = False,
        expect: Expect = "resource",
        outcome: Outcome = Outcome.CREATED,
        **bulk: Unpack[BulkOptions[R]],
    ) -> Stream[WriteResult]:
        """POST every record, ``concurrency`` at a time under the shared limiter, and stream a
        ``WriteResult`` per record as each completes (docs/bulk.md).

        ``records`` is any iterable or async iterable, read as requests start. ``target`` is
        where each goes (or a function of the record); ``body`` makes the JSON from a record
        (default: the record is the JSON). A failed record is reported and the run goes on.

        ``idempotent``: whether the endpoint makes a second copy harmless (a helper that matches
        people, an identifier you chose). Only then is a record retried after a timeout and sent
        again after a crash; otherwise its outcome is ``UNKNOWN``. ``outcome`` is what a success
        is called: ``CREATED``, or ``UPSERTED`` where the API may match an existing resource
        without saying so. ``expect`` as for ``post``.

        ``concurrency``, ``checkpoint``, ``report`` and ``key``: ``BulkOptions``.
        """
        return self._write_many(
            "POST",
            target,
            records,
            body=body,
            idempotent=idempotent,
            expect=expect,
            outcome=outcome,
            bulk=bulk,
        )

    def put_many(
        self,
        target: Target | Callable[[R], Target],
        records: Records[R],
        *,
        body: Callable[[R], Any] | None = None,
        idempotent: bool = True,
        expect: Expect = "resource",
        outcome: Outcome = Outcome.UPDATED,
        **bulk: Unpack[BulkOptions[R]],
    ) -> Stream[WriteResult]:
        """PUT every record, as ``post_many`` POSTs them; usually ``target`` is a function of
        the record (``lambda row: f"people/{row['id']}"``). A PUT is idempotent unless told
        (``idempotent=False`` for a unique ID list ``append``, which would add the ids twice).
        """
        return self._write_many(
            "PUT",
            target,
            records,
            body=body,
            idempotent=idempotent,
            expect=expect,
            outcome=outcome,
            bulk=bulk,
        )

    def _write_many(
        self,
        method: str,
        target: Target | Callable[[R], Target],
        records: Records[R],
        *,
        body: Callable[[R], Any] | None,
        idempotent: bool,
        expect: Expect,
        outcome: Outcome,
        bulk: BulkOptions[R],
    ) -> Stream[WriteResult]:
        from .bulk import Write, write_many  # the engine: imported by the first bulk write

        where: Callable[[R], Target] | None = target if callable(target) else None
        fixed = self.url_for(cast(Target, target)) if where is None else ""

        def prepare(record: R) -> Write:
            url = fixed if where is None else self.url_for(where(record))
            return Write(method, url, record if body is None else body(record))

        async def send(write: Write) -> Resource | None:
            return await self.request(
                write.method, write.url, json=write.json, idempotent=idempotent, expect=expect
            )

        return write_many(
            records,
            prepare=prepare,
            send=send,
            idempotent=idempotent,
            outcome=outcome,
            redact=self.transport.redact,
            options=bulk,
        )
