"""The blocks every facade is declared from (``Collection``, ``Searchable``, ``Writable``,
``Actions``), as a line of ``resources.catalog`` names them: ``declare(Searchable, rel, model,
doc)``. The records below a parent are in ``resources.records``.

Every method takes its target as a ``Ref``: a model, a HAL ``Resource`` or an id. Facades
describe resources and call the HAL walker; they never build an HTTP request.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, Generic, TypeVar, Union, cast

from typing_extensions import ParamSpec

from .._bodies import (
    Extra,
    check_extra,
    check_id,
    check_identifier,
    fields_to_json,
    no_positional,
    require_text,
    update_body,
)
from .._validate import positive_int
from ..errors import ConfigurationError, OutcomeUnknownError
from ..filters import Filter, render_filter
from ..hal import Resource
from ..models import Embed, Person
from ..models.base import ResourceModel, last_segment
from ..pagination import MAX_PER_PAGE, Page, Stream
from ..watermark import Watermark, pull_changes
from ._declare import BoundWrite, Context, Declared, Made, declare, write

__all__ = [
    "Actions",
    "BoundWrite",
    "Collection",
    "Context",
    "Declared",
    "Facade",
    "Made",
    "Ref",
    "Searchable",
    "Writable",
    "declare",
    "write",
]


M = TypeVar("M", bound=ResourceModel)
#: The keywords of an action's create and update: the keys of its model's ``TypedDict``s.
C = ParamSpec("C")
U = ParamSpec("U")
#: The people an action links to, given as keywords (``creator=``, an event's ``organizer=``).
_PERSON_LINKS = ("creator", "organizer")

# Union rather than |: Python 3.10 cannot subscript a ``types.UnionType`` (``Ref[Person]``).
#: What a method takes to name a resource: its model, its HAL ``Resource``, or its id.
Ref = Union[M, Resource, str]  # noqa: UP007


class Facade:
    """The plumbing every facade shares: finding URLs through the entry point and links, and
    streaming collections through the walker."""

    def __init__(self, context: Context, rel: str, model: type[Any]) -> None:
        self.context = context
        #: The walker every request of the facade goes through.
        self.hal = context.hal
        #: The entry point's rel of this facade's collection.
        self.rel = rel

    def _stream(
        self,
        start: Callable[[], Awaitable[Resource | str]],
        rel: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Stream[Resource]:
        """The walker's stream of a collection (prefetch and the shared limiter included),
        from where ``start()`` says on first use: a URL, or a Resource and its link ``rel``."""

        async def batches() -> AsyncGenerator[Sequence[Resource], None]:
            async with self.hal.iterate(await start(), rel, params=params) as stream:
                async for batch in stream.batches():
                    yield batch

        return Stream(batches())

    def _stream_collection(
        self, url: Callable[[], Awaitable[str]] | None = None, *, filter: Filter | str | None = None
    ) -> Stream[Resource]:
        """The items of a collection (this facade's, or the one ``url()`` names), filtered."""
        params = {"filter": text} if (text := render_filter(filter)) else None
        return self._stream(url or self._collection_url, params=params)

    def _stream_related(self, target: Ref[Any], rel: str) -> Stream[Resource]:
        """The items of the collection ``target`` links to by ``rel`` (a model needs no GET)."""
        _check_ref(target)
        return self._stream(lambda: self._resource_of(target), rel)

    async def _collection_url(self, rel: str | None = None) -> str:
        """The URL of a collection, read from the entry point's links."""
        return await self.hal.collection_url(rel or self.rel)

    async def _resource_of(self, target: Ref[Any], rel: str | None = None) -> Resource:
        """The HAL resource of a model or Resource (no request) or of an id (one GET)."""
        if isinstance(target, Resource):
            return target
        if isinstance(target, ResourceModel) and target.resource is not None:
            return target.resource
        return await self._get_one(await self._url_of(target, rel))

    async def _get_one(self, url: str) -> Resource:
        """GET one resource. An answer without the resource's own ``action_network:``
        identifier (``200 {}``, ``200 {"error": ...}``) raises an ``UnexpectedResponseError``
        (``ErrorAnswerError`` for the second): it is not the resource, so it is no model."""
        return cast(Resource, await self.hal.request("GET", url, expect="item"))

    async def _url_of(self, target: Ref[Any], rel: str | None = None) -> str:
        """The URL of a model or Resource (its self link) or of an id: the collection's URL and
        the id, as the reference documents (no request)."""
        if isinstance(target, Resource) and (target.self_href or target.url):
            return str(target.self_href or target.url)
        if isinstance(target, ResourceModel) and target.url:
            return target.url
        item = check_id(_id_of(target))  # refused before any request
        return f"{(await self._collection_url(rel)).rstrip('/')}/{item}"

    async def _linked_url(
        self, target: Ref[Any], rel: str, segment: str, parent_rel: str | None = None
    ) -> str:
        """The URL ``target`` links to by ``rel`` (read from a model or Resource, no request),
        else the documented URL below it (``petitions/{id}/signatures``)."""
        resource = target if isinstance(target, Resource) else getattr(target, "resource", None)
        if isinstance(resource, Resource) and resource.has_link(rel):
            return resource.link(rel, index=0).href
        return f"{(await self._url_of(target, parent_rel)).rstrip('/')}/{segment}"

    async def _child_url(self, parent: Ref[Any], child: Ref[Any], rel: str, segment: str) -> str:
        """The URL of an item of a collection below ``parent``: a model's or Resource's own,
        or built from the id."""
        if isinstance(child, (Resource, ResourceModel)):
            return await self._url_of(child)
        base = await self._linked_url(parent, rel, segment)
        return f"{base.rstrip('/')}/{check_id(child)}"

    async def _person_url(self, person: Ref[Person]) -> str:
        """A person's URL: a model's or Resource's own, a URL as given, else built from the id."""
        if isinstance(person, str) and "/" in person:
            return person
        return await self._url_of(person, rel="osdi:people")


class Collection(Facade, Generic[M]):
    """A collection of ``model``: list it, get one."""

    def __init__(self, context: Context, rel: str, model: type[M]) -> None:
        super().__init__(context, rel, model)
        #: The model of this collection's items.
        self.model: type[M] = model

    def list(self) -> Stream[M]:
        """Stream every item, a page at a time."""
        return self._models(self._stream_collection())

    async def get(self, target: Ref[M]) -> M:
        """One item, fresh from the API: by id, or the model or ``Resource`` of it."""
        return self.model.from_resource(await self._get_one(await self._url_of(target)))

    async def page(self, number: int, *, per_page: int = MAX_PER_PAGE) -> Page[M]:
        """One page of the collection by the API's own page numbers (``page=``, ``per_page=``,
        https://actionnetwork.org/docs/v2/#pagination): ``an.people.page(3, per_page=25)``.
        ``.items`` are its models and ``.has_next`` whether a page follows
        (``Page.read`` has the rule). ``list()`` streams every page instead."""
        positive_int(number, "number")
        if positive_int(per_page, "per_page") > MAX_PER_PAGE:
            raise ConfigurationError(f"per_page must be 1 to {MAX_PER_PAGE}, got {per_page}")
        answer = await self.hal.get(
            await self._collection_url(), params={"page": str(number), "per_page": str(per_page)}
        )
        return Page.read(answer, number, per_page, self.model.from_resource)

    def _models(self, stream: Stream[Resource]) -> Stream[M]:
        return stream.map(self.model.from_resource)


class Searchable(Collection[M]):
    """A collection the API lets you filter (OData: ``F.modified_date > when``)."""

    def list(self, filter: Filter | str | None = None) -> Stream[M]:
        """Stream every item matching the OData ``filter`` (all without one), page by page."""
        return self._models(self._stream_collection(filter=filter))

    def _changes(self, since: Watermark, overlap: timedelta) -> Stream[M]:
        """What changed since the watermark, each change once across runs (``changes()`` of
        people and events; ``actionnetwork_async.watermark`` has the rule)."""
        return self._models(
            pull_changes(
                lambda query: self._stream_collection(filter=query),
                since,
                clock=self.hal.transport.server_clock,
                collection=self.rel,
                overlap=overlap,
            )
        )


class Writable(Collection[M]):
    """A collection whose items can be created or changed: the generic writes."""

    async def _create(
        self, body: dict[str, Any], *, url: str | None = None, retry_safe: bool = False
    ) -> M:
        """POST a new item. Not re-sent after a lost answer unless ``retry_safe`` (the API
        deduplicates on something the body carries)."""
        target = url or await self._collection_url()
        created = await self.hal.post(target, body, idempotent=retry_safe, expect="resource")
        return self.model.from_resource(created)

    async def _update(
        self,
        target: Ref[M],
        changes: M | None,
        fields: Mapping[str, Any],
        extra: Extra,
    ) -> M:
        """PUT (a merge) some fields, a whole model of changes, or the model ``target`` itself
        (unknown fields sent back unchanged, read-only ones never)."""
        body = update_body(self.model, target, changes, fields, extra)
        if not body:
            raise ConfigurationError(
                f"nothing to update: pass a {self.model.__name__} of changes or some fields"
            )
        result = await self.hal.put(await self._url_of(target), body, expect="resource")
        return self.model.from_resource(result)


class Actions(Writable[M], Searchable[M], Generic[M, C, U]):
    """Action pages (events, petitions, forms ...): made with a title and an origin system,
    with embed codes and the records people leave on them. ``content`` and ``fields`` are the
    model's ``TypedDict``s of what a create and an update take (``PetitionContent``,
    ``PetitionFields``): the keywords of ``create`` and ``update`` are typed from them."""

    def __init__(
        self,
        context: Context,
        rel: str,
        model: type[M],
        content: Callable[C, object],
        fields: Callable[U, object],
    ) -> None:
        super().__init__(context, rel, model)
        self._helpers: dict[tuple[str, str], str] = {}

    async def create(
        self,
        title: str,
        origin_system: str,
        identifier: str | None = None,
        extra: Extra = None,
        *_: C.args,
        **fields: C.kwargs,
    ) -> M:
        """POST a new action (``title`` and ``origin_system`` are required).

        No identifier is added unless you pass ``identifier`` (``"my_crm:1234"``): the API
        keeps one forever and deduplicates on it, so only pass one that is globally unique.
        With one, a POST whose answer was lost is retried (the API returns the same action);
        without one it is not re-sent, and ``OutcomeUnknownError`` says how to check whether
        it was created ("not deduplicated except on identifiers",
        https://actionnetwork.org/docs/v2/petitions). ``creator`` (and an event's
        ``organizer``) is a ``Person`` or a person's id or URL, linked as ``osdi:creator``;
        other links in ``extra["_links"]`` are kept beside it.
        """
        no_positional(_)
        return await self._create_action(
            fields, title=title, origin_system=origin_system, identifier=identifier, extra=extra
        )

    async def update(
        self,
        action: Ref[M],
        changes: M | None = None,
        extra: Extra = None,
        *_: U.args,
        **fields: U.kwargs,
    ) -> M:
        """PUT (a merge) some fields of an action, or a whole model of ``changes``. System
        fields (totals, ``status`` ...) are refused with a clear error, before any request."""
        no_positional(_)
        links = await self._person_links(fields, extra)
        return await self._update(action, changes, fields, links)

    async def embed(self, action: Ref[M]) -> Embed:
        """The action's embed codes (``action_network:embed``). Only actions made in the user
        interface have them (https://actionnetwork.org/docs/v2/embed)."""
        url = await self._linked_url(action, "action_network:embed", "embed")
        return Embed.from_json((await self.hal.get(url)).data)

    async def _create_action(
        self,
        fields: Mapping[str, Any],
        *,
        title: str,
        origin_system: str,
        identifier: str | None,
        extra: Extra,
        url: str | None = None,
    ) -> M:
        """POST a new action: ``title`` and ``origin_system`` are checked before any request.
        Only an ``identifier`` of the caller's system makes the POST safe to re-send."""
        require_text(self._noun(), title=title, origin_system=origin_system)
        if "identifiers" in fields:
            raise ConfigurationError("pass identifier=, the client adds it to identifiers")
        check_identifier(identifier)
        fields = dict(fields)
        extra = await self._person_links(fields, extra)
        body = fields_to_json(
            self.model, {**fields, "title": title, "origin_system": origin_system}, extra=extra
        )
        if identifier is not None:
            body["identifiers"] = [identifier]
        try:
            return await self._create(body, url=url, retry_safe=identifier is not None)
        except OutcomeUnknownError as exc:
            raise OutcomeUnknownError(
                f"the {self._noun()} {title!r} may have been created: the connection failed "
                "after the POST was sent, and it was not re-sent so it cannot be created twice. "
                f"Check before creating it again: an.{self.rel.partition(':')[2]}.list(F.title == "
                f"{title!r}); pass identifier= to make creates safe to retry",
                url=exc.url,
            ) from exc

    async def _person_links(self, fields: dict[str, Any], extra: Extra) -> Extra:
        """Take the people of ``fields`` (``creator``, ``organizer``: links, not fields) out of
        them, and link them (``osdi:creator`` ...) beside the links of ``extra``: merged, never
        overwritten; a rel set both ways is refused."""
        people = {f"osdi:{name}": fields.pop(name, None) for name in _PERSON_LINKS}
        ours = {r: {"href": await self._person_url(p)} for r, p in people.items() if p is not None}
        if not ours:
            return extra
        body = dict(check_extra(extra))
        given = body.get("_links") or {}
        if not isinstance(given, Mapping):
            raise ConfigurationError("extra['_links'] must map rels to links")
        if clash := sorted(set(given) & set(ours)):
            raise ConfigurationError(
                f"{', '.join(clash)} is set both in extra['_links'] and by its keyword: "
                "give it once"
            )
        body["_links"] = {**given, **ours}
        return body

    async def _helper_url(self, action: Ref[Any], helper: str) -> str:
        """The action's helper link: from a model or Resource, else one GET per action, kept
        (a helper's URL does not change), so recording many people costs one request each."""
        if isinstance(action, (Resource, ResourceModel)):
            return (await self._resource_of(action)).link(helper, index=0).href
        key = (helper, await self._url_of(action))
        if key not in self._helpers:
            resource = await self._get_one(key[1])
            self._helpers[key] = resource.link(helper, index=0).href
        return self._helpers[key]

    def _noun(self) -> str:
        """The model's name in words: ``EventCampaign`` -> ``event campaign``."""
        return re.sub(r"(?<!^)(?=[A-Z])", " ", self.model.__name__).lower()


def _check_ref(target: Ref[Any]) -> None:
    """Refuse a target that names no resource, when the call is made (a stream's requests
    only start when it is read)."""
    if isinstance(target, str):
        check_id(target)
    elif not (isinstance(target, ResourceModel) and target.url):
        _id_of(target)


def _id_of(target: Ref[Any]) -> str:
    """The id a target names: the string itself, a model's ``id``, a Resource's identifier."""
    if isinstance(target, str):
        return target
    if isinstance(target, ResourceModel):
        if not target.id:
            raise ConfigurationError(
                f"this {type(target).__name__} has no Action Network id: it was not read "
                "from the API, so it names no resource"
            )
        return target.id
    if isinstance(target, Resource):
        found = target.identifier() or last_segment(target.self_href or target.url or "")
        if found:
            return found
        raise ConfigurationError("this Resource has no identifier and no URL: it names nothing")
    # the type only: a mapping passed here is often a person's data
    raise ConfigurationError(f"not a model, a Resource or an id: a {type(target).__name__}")
