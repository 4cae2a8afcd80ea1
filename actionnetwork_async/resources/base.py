"""The building blocks every facade is declared from, and the checks of what a write sends.

A facade is a short declaration: the entry point's rel of its collection (``REL``), its model
(``MODEL``), and the blocks it is made of:

- ``Collection[M]``: ``list()`` and ``get()``; ``Searchable[M]`` lets ``list`` take an OData
  filter (only the collections the API lets you filter, https://actionnetwork.org/docs/v2/,
  "Searching and filtering");
- ``Writable[M]``: the generic create and update (``_create``, ``_update``), which a facade
  exposes as ``create``/``update`` methods typed with its ``TypedDict`` of writable fields
  (``**fields: Unpack[PetitionFields]``: Python cannot unpack a type parameter, so that
  signature is written per facade and is one line of code);
- ``Actions[M]``: action pages (events, petitions, forms ...): create with ``title`` and
  ``origin_system``, ``embed()``, and the records people leave on them, declared with a
  ``RecordKind`` (``SIGNATURES = RecordKind("osdi:signatures", Signature, ...)``) that the
  generic ``_create_record``/``_update_record``/``_record`` (the helper) read.

Every facade reads the records below a parent (a petition's signatures, a person's RSVPs, a
tag's taggings, a list's items) with the generic ``_records``/``_get_record`` and a
``RecordKind``.

Every method takes its target as a ``Ref``: a model, a HAL ``Resource`` or an id. Facades
describe resources and call the HAL walker; they never build an HTTP request.
"""

from __future__ import annotations

import os
import re
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from datetime import timedelta
from typing import Any, ClassVar, Generic, Literal, Protocol, TypeVar, Union, cast
from urllib.parse import quote

import attrs
from typing_extensions import TypedDict

from ..bulk import (
    CheckpointStore,
    Outcome,
    Records,
    WriteResult,
    _records,
    check_arguments,
    deferred,
)
from ..errors import (
    AuthenticationError,
    CollectionUnavailableError,
    ConfigurationError,
    ModelError,
    NotAppliedError,
    OutcomeUnknownError,
)
from ..filters import Filter, render_filter
from ..hal import Resource
from ..models import RENAMES, EmailAddress, Embed, Person, PhoneNumber, Record, converter
from ..models.base import WRITABLE_STATUSES, ResourceModel, last_segment, to_api
from ..pagination import MAX_PER_PAGE, Page, Stream
from ..walker import HalWalker
from ..watermark import Watermark, pull_changes

__all__ = [
    "ActionHelperOptions",
    "Actions",
    "Collection",
    "Extra",
    "Facade",
    "HelperOptions",
    "RecordKind",
    "Ref",
    "Searchable",
    "Status",
    "TagMaker",
    "Writable",
    "background_params",
    "check_applied",
    "check_id",
    "check_identifier",
    "check_status",
    "ensure_tags_of",
    "fields_to_json",
    "helper_body",
    "helper_body_of",
    "helper_many",
    "set_statuses",
    "tag_list",
    "unapplied",
]


def _count(value: Any) -> int | None:
    """A count the API sent (``total_pages`` ...), None when absent or not a whole number."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


#: Rels of the entry point's collections and helpers (not ``self``, ``curies`` or ``docs``).
_COLLECTION_PREFIXES = ("osdi:", "action_network:")
M = TypeVar("M", bound=ResourceModel)
R = TypeVar("R", bound=ResourceModel)

# Union rather than |: Python 3.10 cannot subscript a ``types.UnionType`` (``Ref[Person]``).
#: What a method takes to name a resource: its model, its HAL ``Resource``, or its id.
Ref = Union[M, Resource, str]  # noqa: UP007
#: Fields this library does not know yet, by their API names, sent as they are.
Extra = Union[Mapping[str, Any], None]  # noqa: UP007
#: The subscription statuses a write may set (the others are read-only).
Status = Literal["subscribed", "unsubscribed"]


class HelperOptions(TypedDict, total=False):
    """The person a helper creates or updates (matched on email, then phone), and what it does
    to them: shared by the person signup helper and every record helper.

    ``email_status`` and ``phone_status`` are separate consents, each sent only when given:
    nothing is opted in that was not asked for. ``person`` is a whole ``Person`` to send
    (copied, never changed); the other keys set its fields.
    """

    email: str
    phone: str
    given_name: str
    family_name: str
    postal_code: str
    country: str
    person: Person
    custom_fields: Mapping[str, str]
    add_tags: Iterable[str]
    remove_tags: Iterable[str]
    email_status: Status
    phone_status: Status


class ActionHelperOptions(HelperOptions, total=False):
    """The options of the helpers that record an action (a signature, an RSVP ...).

    On these helpers ``subscribed`` is the only status the API takes ("No other status fields
    are valid", https://actionnetwork.org/docs/v2/record_signature_helper). ``autoresponse``
    asks the API to send the page's thank-you email (pages made in the user interface only).
    """

    autoresponse: bool


#: The keywords of the person signup helper (``People.signup``, a record of ``upsert_many``).
SIGNUP_FIELDS: frozenset[str] = HelperOptions.__optional_keys__
#: The keywords of a record helper (``record_signature`` ..., ``record_attendance_many``).
ACTION_HELPER_FIELDS: frozenset[str] = ActionHelperOptions.__optional_keys__
#: The only status a record helper takes.
ACTION_HELPER_STATUSES = frozenset({"subscribed"})


class TagMaker(Protocol):
    """What makes sure tags exist before a helper names them in ``add_tags`` (``an.tags``)."""

    async def ensure(self, names: Iterable[str]) -> object:
        """Create the tags of ``names`` the group lacks."""


@attrs.frozen
class RecordKind(Generic[R]):
    """A kind of record listed below a parent (an action's signatures, a person's RSVPs, a
    tag's taggings): the rel of their collection under it (``osdi:signatures``) and their
    model; for the records people leave on an action, also the action's helper that records
    one with the person (``osdi:record_signature_helper``), and whether the API keeps one per
    person and action (then a re-sent write cannot make a second one)."""

    rel: str
    model: type[R]
    helper: str | None = None
    one_per_person: bool = False

    @property
    def segment(self) -> str:
        """The collection's path segment under its action (``signatures``), as the API's URL
        structures document it."""
        return self.rel.partition(":")[2] or self.rel


class Facade:
    """The plumbing every facade shares: finding URLs through the entry point and links, and
    streaming collections through the walker."""

    #: The entry point's rel for this facade's collection.
    REL: ClassVar[str] = ""

    def __init__(self, hal: HalWalker) -> None:
        self.hal = hal

    def _stream(self, first_page: Callable[[], Awaitable[Resource]]) -> Stream[Resource]:
        """Items of a collection whose first page ``first_page()`` fetches on first use; the
        walker pages on from there (prefetch and the shared limiter included)."""

        async def batches() -> AsyncGenerator[Sequence[Resource], None]:
            async with self.hal.iterate(await first_page()) as stream:
                async for batch in stream.batches():
                    yield batch

        return Stream(batches())

    def _stream_collection(
        self,
        url: Callable[[], Awaitable[str]] | None = None,
        *,
        filter: Filter | str | None = None,
    ) -> Stream[Resource]:
        """The items of a collection (this facade's, or the one ``url()`` names), filtered."""
        params = {"filter": text} if (text := render_filter(filter)) else None
        locate = url or self._collection_url

        async def first_page() -> Resource:
            return await self.hal.get(await locate(), params=params)

        return self._stream(first_page)

    def _stream_related(self, target: Ref[Any], rel: str) -> Stream[Resource]:
        """The items of the collection ``target`` links to by ``rel`` (a model needs no GET)."""
        _check_ref(target)

        async def first_page() -> Resource:
            return await self.hal.follow(await self._resource_of(target), rel)

        return self._stream(first_page)

    async def _collection_url(self, rel: str | None = None) -> str:
        """The URL of a collection, read from the entry point's links."""
        return await self._entry_link(rel or self.REL)

    async def _entry_link(self, rel: str) -> str:
        """The href of the entry point's link ``rel`` (a collection or a helper).

        Action Network answers a wrong or missing key at the entry point with 200 and no
        collection links, not 403: an entry point without any collection is reported as the
        authentication failure it almost certainly is. One that lists other collections but
        not this one answers a key that works but cannot reach it (tags exist only for group
        keys): ``CollectionUnavailableError`` names it.
        """
        aep = await self.hal.entry_point()
        if not aep.has_link(rel):
            reachable = sorted(r for r in aep.links if r.startswith(_COLLECTION_PREFIXES))
            if reachable:
                raise CollectionUnavailableError(
                    rel, url=aep.url or self.hal.base_url, available=reachable
                )
            present = ", ".join(sorted(aep.links)) or "none"
            raise AuthenticationError(
                200,
                f"the API entry point has no {rel!r} link (links present: {present}). Action "
                "Network answers a wrong or missing API key this way, so the key is probably "
                "wrong or revoked",
                url=aep.url or self.hal.base_url,
            )
        return aep.link(rel, index=0).href

    async def _item_url(self, item_id: str, rel: str | None = None) -> str:
        """The URL of one item: the collection URL and the id, as the reference documents."""
        return f"{(await self._collection_url(rel)).rstrip('/')}/{check_id(item_id)}"

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
        """The URL of a model or Resource (its self link) or of an id (built, no request)."""
        if isinstance(target, Resource) and (target.self_href or target.url):
            return str(target.self_href or target.url)
        if isinstance(target, ResourceModel) and target.url:
            return target.url
        return await self._item_url(_id_of(target), rel)

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

    # -- records below a parent ---------------------------------------------------------------
    def _records(
        self, parent: Ref[Any], kind: RecordKind[R], filter: Filter | str | None = None
    ) -> Stream[R]:
        """The records of one parent, through its link (no GET for a model) or its URL."""
        _check_ref(parent)

        async def url() -> str:
            return await self._linked_url(parent, kind.rel, kind.segment)

        return self._stream_collection(url, filter=filter).map(kind.model.from_resource)

    async def _get_record(self, parent: Ref[Any], record: Ref[R], kind: RecordKind[R]) -> R:
        """One record of a parent: a model's or Resource's own URL, else its id below the
        parent's collection."""
        url = await self._child_url(parent, record, kind.rel, kind.segment)
        return kind.model.from_resource(await self._get_one(url))


class Collection(Facade, Generic[M]):
    """A collection of ``MODEL``: list it, get one."""

    #: The model of this collection's items.
    MODEL: type[M]

    def list(self) -> Stream[M]:
        """Stream every item, a page at a time."""
        return self._models(self._stream_collection())

    async def get(self, target: Ref[M]) -> M:
        """One item, fresh from the API: by id, or the model or ``Resource`` of it."""
        return self.MODEL.from_resource(await self._get_one(await self._url_of(target)))

    async def page(self, number: int, *, per_page: int = MAX_PER_PAGE) -> Page[M]:
        """One page of the collection by the API's own page numbers (``page=``, ``per_page=``,
        https://actionnetwork.org/docs/v2/#pagination): ``an.people.page(3, per_page=25)``.
        ``.items`` are its models and ``.has_next`` whether a page follows. A page past the
        end has no items. Where the API sends no ``total_pages`` (people) and links every page
        to a next one, a page shorter than ``per_page`` is the last; a full last page says
        ``has_next`` and the page after it is empty. ``list()`` streams every page instead."""
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ConfigurationError(f"number must be a page number from 1, got {number!r}")
        if isinstance(per_page, bool) or not isinstance(per_page, int):
            raise ConfigurationError(f"per_page must be an int, got {per_page!r}")
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ConfigurationError(f"per_page must be 1 to {MAX_PER_PAGE}, got {per_page}")
        answer = await self.hal.get(
            await self._collection_url(), params={"page": str(number), "per_page": str(per_page)}
        )
        items = tuple(self.MODEL.from_resource(item) for item in answer.items())
        total_pages = _count(answer.get("total_pages"))
        has_next = bool(items) and answer.has_link("next")
        if total_pages is not None:
            has_next = has_next and number < total_pages
        else:  # people's last page links a next one too: a short page is the last
            has_next = has_next and len(items) >= per_page
        return Page(
            items=items,
            number=number,
            per_page=per_page,
            has_next=has_next,
            total_pages=total_pages,
            total_records=_count(answer.get("total_records")),
        )

    def _models(self, stream: Stream[Resource]) -> Stream[M]:
        return stream.map(self.MODEL.from_resource)


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
                collection=self.REL,
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
        return self.MODEL.from_resource(created)

    async def _update(
        self,
        target: Ref[M],
        changes: M | None,
        fields: Mapping[str, Any],
        extra: Extra,
    ) -> M:
        """PUT (a merge) some fields, a whole model of changes, or the model ``target`` itself
        (unknown fields sent back unchanged, read-only ones never)."""
        body = _update_body(self.MODEL, target, changes, fields, extra)
        if not body:
            raise ConfigurationError(
                f"nothing to update: pass a {self.MODEL.__name__} of changes or some fields"
            )
        result = await self.hal.put(await self._url_of(target), body, expect="resource")
        return self.MODEL.from_resource(result)


class Actions(Writable[M], Searchable[M]):
    """Action pages (events, petitions, forms ...): made with a title and an origin system,
    with embed codes and the records people leave on them."""

    def __init__(self, hal: HalWalker, *, tags: TagMaker | None = None) -> None:
        super().__init__(hal)
        self._helpers: dict[tuple[str, str], str] = {}
        self._tag_maker = tags

    @property
    def _tags(self) -> TagMaker:
        """The tags facade that creates missing tags for ``add_tags`` (the client's own)."""
        if self._tag_maker is None:
            from .tags import Tags  # tags.py builds on this module

            self._tag_maker = Tags(self.hal)
        return self._tag_maker

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
        creator: Ref[Person] | None,
        extra: Extra,
        url: str | None = None,
        organizer: Ref[Person] | None = None,
    ) -> M:
        """POST a new action: ``title`` and ``origin_system`` are required and checked before
        any request. Only an ``identifier`` of the caller's system makes the POST safe to
        re-send: the API deduplicates on it (https://actionnetwork.org/docs/v2/petitions,
        "Petitions are not deduplicated except on identifiers")."""
        for name, value in (("title", title), ("origin_system", origin_system)):
            if not isinstance(value, str) or not value.strip():
                raise ConfigurationError(f"a new {self._noun()} needs a non-empty {name}")
        if "identifiers" in fields:
            raise ConfigurationError("pass identifier=, the client adds it to identifiers")
        check_identifier(identifier)
        body = fields_to_json(
            self.MODEL, {**fields, "title": title, "origin_system": origin_system}, extra=extra
        )
        if identifier is not None:
            body["identifiers"] = [identifier]
        await self._add_person_links(body, {"osdi:creator": creator, "osdi:organizer": organizer})
        try:
            return await self._create(body, url=url, retry_safe=identifier is not None)
        except OutcomeUnknownError as exc:
            raise OutcomeUnknownError(
                f"the {self._noun()} {title!r} may have been created: the connection failed "
                "after the POST was sent, and it was not re-sent so it cannot be created twice. "
                f"Check before creating it again: an.{self._attribute()}.list(F.title == "
                f"{title!r}); pass identifier= to make creates safe to retry",
                url=exc.url,
            ) from exc

    async def _add_person_links(
        self, body: dict[str, Any], people: Mapping[str, Ref[Person] | None]
    ) -> None:
        """Link the people given (``osdi:creator``, ``osdi:organizer``) beside the links of
        ``extra``: merged, never overwritten; a rel set both ways is refused."""
        ours = {
            rel: {"href": await self._person_url(person)}
            for rel, person in people.items()
            if person is not None
        }
        if not ours:
            return
        given = body.get("_links") or {}
        if not isinstance(given, Mapping):
            raise ConfigurationError("extra['_links'] must map rels to links")
        clash = sorted(set(given) & set(ours))
        if clash:
            raise ConfigurationError(
                f"{', '.join(clash)} is set both in extra['_links'] and by its keyword: "
                "give it once"
            )
        body["_links"] = {**given, **ours}

    # -- records of the action ----------------------------------------------------------------
    async def _create_record(
        self,
        action: Ref[M],
        person: Ref[Person],
        kind: RecordKind[R],
        fields: Mapping[str, Any],
        extra: Extra,
        *,
        background: bool = False,
    ) -> R | None:
        """POST a record for an existing person (linked by ``osdi:person``); ``background``
        has the API apply it later and returns None at once."""
        body = fields_to_json(kind.model, fields, extra=extra)
        body["_links"] = {"osdi:person": {"href": await self._person_url(person)}}
        url = await self._linked_url(action, kind.rel, kind.segment)
        created = await self.hal.post(
            url,
            body,
            params=background_params(background),
            idempotent=kind.one_per_person,
            expect=None if background else "resource",
        )
        return None if background or created is None else kind.model.from_resource(created)

    async def _update_record(
        self,
        action: Ref[M],
        record: Ref[R],
        kind: RecordKind[R],
        fields: Mapping[str, Any],
        extra: Extra,
        *,
        background: bool = False,
    ) -> R | None:
        """PUT (a merge) some fields of a record; ``background`` as ``_create_record``."""
        body = _update_body(kind.model, record, None, fields, extra)
        if not body:
            raise ConfigurationError("nothing to update: pass some fields")
        url = await self._child_url(action, record, kind.rel, kind.segment)
        result = await self.hal.put(
            url,
            body,
            params=background_params(background),
            expect=None if background else "resource",
        )
        return None if background or result is None else kind.model.from_resource(result)

    async def _record(
        self,
        action: Ref[M],
        kind: RecordKind[R],
        options: ActionHelperOptions,
        fields: Mapping[str, Any],
        *,
        ensure_tags: bool = True,
        background: bool = False,
    ) -> R | None:
        """POST to the action's record helper: the person (created or matched) and the record
        in one request. A ``200 {}`` answer (the API accepted nothing) raises
        ``NothingAcceptedError``. With ``ensure_tags`` the tags of ``add_tags`` the group lacks
        are created first (the helper ignores names of tags that do not exist); ``background``
        as ``_create_record``."""
        body = helper_body(options, statuses=ACTION_HELPER_STATUSES, accepted=ACTION_HELPER_FIELDS)
        body.update(fields_to_json(kind.model, {k: v for k, v in fields.items() if v is not None}))
        await ensure_tags_of(self._tags if ensure_tags else None, body)
        url = await self._helper_url(action, kind)
        result = await self.hal.post(
            url,
            body,
            params=background_params(background),
            idempotent=kind.one_per_person,
            expect=None if background else "resource",
        )
        return None if background or result is None else kind.model.from_resource(result)

    async def _helper_url(self, action: Ref[M], kind: RecordKind[R]) -> str:
        """The action's helper link: from a model or Resource, else one GET per action, kept
        (a helper's URL does not change), so recording many people costs one request each."""
        helper = kind.helper or kind.rel
        if isinstance(action, (Resource, ResourceModel)):
            return (await self._resource_of(action)).link(helper, index=0).href
        key = (helper, await self._url_of(action))
        if key not in self._helpers:
            resource = await self._get_one(key[1])
            self._helpers[key] = resource.link(helper, index=0).href
        return self._helpers[key]

    def _noun(self) -> str:
        """The model's name in words: ``EventCampaign`` -> ``event campaign``."""
        return re.sub(r"(?<!^)(?=[A-Z])", " ", self.MODEL.__name__).lower()

    def _attribute(self) -> str:
        return self.REL.partition(":")[2] or self.REL


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
        if target.id is None:
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


def _update_body(
    model: type[ResourceModel],
    target: Ref[Any],
    changes: ResourceModel | None,
    fields: Mapping[str, Any],
    extra: Extra,
) -> dict[str, Any]:
    """What an update sends: ``changes`` (a whole model), then the fields named, or else the
    ``target`` model itself when nothing else is given."""
    if changes is not None and not isinstance(changes, model):
        raise ConfigurationError(
            f"changes must be a {model.__name__}, got a {type(changes).__name__}"
        )
    named = fields_to_json(model, fields, extra=extra) if (fields or extra) else {}
    if changes is not None:
        return {**changes.to_json(), **named}
    if named:
        return named
    return target.to_json() if isinstance(target, model) else {}


def unapplied(sent: Mapping[str, Any], answered: Mapping[str, Any]) -> list[str]:
    """The contact fields of a person's JSON ``sent`` that the ``answered`` person does not
    hold: each address sent must be among the answer's (case aside), each number's digits at
    the end of one of the answer's (the API stores numbers in international format)."""
    missing = []
    for field, key, norm in (
        ("email_addresses", "address", _email_key),
        ("phone_numbers", "number", _digits),
    ):
        wanted = {norm(v) for v in _contact_values(sent, field, key)} - {""}
        held = {norm(v) for v in _contact_values(answered, field, key)} - {""}
        if any(not _held(value, held, exact=field == "email_addresses") for value in wanted):
            missing.append(field)
    return missing


def _contact_values(person: Mapping[str, Any], field: str, key: str) -> list[str]:
    entries = person.get(field)
    if not isinstance(entries, list):
        return []
    return [e[key] for e in entries if isinstance(e, Mapping) and isinstance(e.get(key), str)]


def _email_key(address: str) -> str:
    return address.strip().lower()


def _digits(number: str) -> str:
    return "".join(c for c in number if c.isdigit()).lstrip("0")


def _held(value: str, held: set[str], *, exact: bool) -> bool:
    if exact or value in held:
        return value in held
    return len(value) >= 7 and any(h.endswith(value) for h in held)


def check_applied(sent: Mapping[str, Any], result: Resource, model: ResourceModel) -> None:
    """Raise ``NotAppliedError`` when a person write answered with success did not take the
    email addresses or phone numbers it sent (https://actionnetwork.org/docs/v2/people: a
    change to an address another person has is "returned in the response without the change
    having been made")."""
    missing = unapplied(sent, result.data if isinstance(result.data, Mapping) else {})
    if missing:
        raise NotAppliedError(
            f"the API answered with success but did not apply {', '.join(missing)}: an "
            "email address may belong to another person (the API then leaves the person "
            "unchanged), or a number was refused",
            status=200,
            url=str(result.url or result.self_href or ""),
            fields=missing,
            result=model,
        )


def check_id(item_id: str) -> str:
    """An Action Network id, checked to name one item: stripped, and quoted for a URL path.

    Refused: what is not a non-empty string, and anything that would change the path instead
    of naming an item in it: a slash, and the dot segments ``.`` and ``..`` (``people/..`` is
    the entry point).
    """
    text = item_id.strip() if isinstance(item_id, str) else ""
    if not text or "/" in text or "\\" in text or text in (".", ".."):
        shown = repr(item_id) if isinstance(item_id, str) else f"a {type(item_id).__name__}"
        raise ConfigurationError(f"not an Action Network id: {shown}")
    return quote(text, safe="")


def check_identifier(identifier: str | None) -> str | None:
    """An identifier of the caller's own system for a new resource (``"my_crm:1234"``),
    checked: ``<system>:<id>``, never the API's own ``action_network:`` (None: no identifier).
    """
    if identifier is not None:
        system, _, key = identifier.partition(":") if isinstance(identifier, str) else ("",) * 3
        if not system or not key or system == "action_network":
            raise ConfigurationError(
                f"identifier must be '<your system>:<id>' (not action_network:), got {identifier!r}"
            )
    return identifier


def check_extra(extra: Any) -> Mapping[str, Any]:
    """``extra`` (fields by their API names, sent as they are) checked: a mapping of names, or
    None for none."""
    if extra is None:
        return {}
    if not (isinstance(extra, Mapping) and all(isinstance(k, str) for k in extra)):
        raise ConfigurationError(
            f"extra must map API field names to values, got a {type(extra).__name__}"
        )
    return extra


def fields_to_json(
    model: type[Record], fields: Mapping[str, Any], *, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A request body from Python field names, refusing what the API would not take.

    Read-only fields, values the API will not take (``action_network:`` identifiers), values
    the model itself would not read (``identifiers=5``, a string for a list of objects) and
    unknown names raise ``ConfigurationError`` before any request; fields this library does not
    know yet can be sent through ``extra`` (API names, sent as they are).
    """
    extra = check_extra(extra)
    names = {f.name for f in attrs.fields(model)} - {"extra", "resource"}
    unknown = sorted(set(fields) - names)
    if unknown:
        raise ConfigurationError(
            f"{model.__name__} has no field(s) {', '.join(unknown)}; pass fields the library "
            f"does not know through extra={{...}}"
        )
    # the one converter turns models, datetimes, lists and dicts into JSON
    body = {RENAMES.get(name, name): to_api(model, name, v) for name, v in fields.items()}
    try:  # what a read of this model would refuse, a write must not send
        model.from_json(body)
    except ModelError as exc:
        raise ConfigurationError(f"a value of the wrong type ({exc}); nothing was sent") from None
    refused = sorted(k for k in body if k in model.READ_ONLY)
    refused += sorted(k for k in (extra or {}) if k in model.READ_ONLY)
    refused += sorted(
        f"{k} {v!r}"
        for k, v in body.items()
        if k in model.WRITABLE and v is not None and model.WRITABLE[k](v) != v
    )
    if refused:
        raise ConfigurationError(
            f"not editable through the API: {', '.join(refused)} (system generated fields or "
            f"values of {model.__name__})"
        )
    body.update({k: converter.unstructure(v) for k, v in (extra or {}).items()})
    return body


def check_status(
    status: str | None, what: str, allowed: Iterable[str] = WRITABLE_STATUSES
) -> str | None:
    """A subscription status a write may set, checked (None: leave the status as it is)."""
    allowed = sorted(allowed)
    if status is not None and (not isinstance(status, str) or status not in allowed):
        names = " or ".join(repr(a) for a in allowed)
        raise ConfigurationError(f"{what} must be {names} here, got {status!r}")
    return status


def set_statuses(
    person: dict[str, Any],
    *,
    email_status: str | None,
    phone_status: str | None,
    allowed: Iterable[str] = WRITABLE_STATUSES,
) -> dict[str, Any]:
    """Put the email and the phone (SMS) subscription statuses into a person's JSON.

    They are separate consents: each is set only when given. With a status but no address (or
    number) in the body, a status-only entry is sent, which the API applies to the person's
    primary one.
    """
    for key, status in (
        ("email_addresses", check_status(email_status, "email_status", allowed)),
        ("phone_numbers", check_status(phone_status, "phone_status", allowed)),
    ):
        if status is not None:
            entries = person.get(key) or [{}]
            person[key] = [{**entries[0], "status": status}, *entries[1:]]
    return person


def helper_body(
    options: HelperOptions | ActionHelperOptions | Mapping[str, Any],
    *,
    statuses: Iterable[str] = WRITABLE_STATUSES,
    accepted: frozenset[str] = SIGNUP_FIELDS,
) -> dict[str, Any]:
    """The body of a helper POST (signup, record a signature ...): the person hash, the tag
    changes and the autoresponse trigger, from ``HelperOptions`` (``accepted`` names the
    options this helper takes, ``statuses`` the subscription statuses).

    An email address or a phone number is required; the caller's ``person`` is not changed.
    The email and phone statuses are set only when given, each on its own.
    """
    unknown = sorted(str(k) for k in set(options) - accepted)
    if unknown:
        raise ConfigurationError(
            f"unknown field(s) {', '.join(unknown)}; this helper takes "
            f"{', '.join(sorted(accepted))}"
        )
    for name in ("email", "phone", "given_name", "family_name", "postal_code", "country"):
        value = options.get(name)
        if value is not None and not isinstance(value, str):
            raise ConfigurationError(f"{name} must be a string, got a {type(value).__name__}")
    person: Person | None = options.get("person")
    if person is not None and not isinstance(person, Person):
        raise ConfigurationError(f"person must be a Person, got a {type(person).__name__}")
    custom = options.get("custom_fields")
    if custom is not None and not (
        isinstance(custom, Mapping)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in custom.items())
    ):
        raise ConfigurationError("custom_fields must map field names to strings")
    # a copy through JSON: the caller's Person is never mutated, read-only fields are dropped
    base = Person.from_json(person.to_json()) if person is not None else Person()
    if (email := options.get("email")) is not None:
        base.email_addresses = [EmailAddress(address=email, primary=True)]
    if (phone := options.get("phone")) is not None:
        base.phone_numbers = [PhoneNumber(number=phone, primary=True)]
    if (given_name := options.get("given_name")) is not None:
        base.given_name = given_name
    if (family_name := options.get("family_name")) is not None:
        base.family_name = family_name
    if custom_fields := options.get("custom_fields"):
        base.custom_fields = {**base.custom_fields, **custom_fields}
    body = set_statuses(
        base.to_json(),
        email_status=options.get("email_status"),
        phone_status=options.get("phone_status"),
        allowed=statuses,
    )
    postal_code, country = options.get("postal_code"), options.get("country")
    if postal_code is not None or country is not None:
        address = {k: v for k, v in (("postal_code", postal_code), ("country", country)) if v}
        body["postal_addresses"] = [{**(body.get("postal_addresses") or [{}])[0], **address}]
    if not base.email and not base.phone:
        raise ConfigurationError("an email address or a phone number is required")
    helper: dict[str, Any] = {"person": body}
    if add := tag_list(options.get("add_tags", ()), "add_tags"):
        helper["add_tags"] = add
    if remove := tag_list(options.get("remove_tags", ()), "remove_tags"):
        helper["remove_tags"] = remove
    if options.get("autoresponse"):
        helper["triggers"] = {"autoresponse": {"enabled": True}}
    return helper


def tag_list(tags: Iterable[str], what: str) -> list[str]:
    """Tag names, checked."""
    names = [tags] if isinstance(tags, str) else _listed(tags, what)
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise ConfigurationError(f"{what} must be tag names, got {name!r}")
    return names


def helper_body_of(
    record: Any,
    *,
    fields: frozenset[str] = SIGNUP_FIELDS,
    statuses: Iterable[str] = WRITABLE_STATUSES,
    add_tags: Sequence[str] = (),
    remove_tags: Sequence[str] = (),
) -> dict[str, Any]:
    """The helper body for one record of a bulk write, with the job's tags added to its own.

    A record is a ``Person``, or a mapping of the helper method's keywords (``fields``), whose
    ``person`` may be a person's JSON. Anything else raises ``ConfigurationError``, which the
    bulk write reports as that record's failure.
    """
    if isinstance(record, Person):
        kwargs: dict[str, Any] = {"person": record}
    elif isinstance(record, Mapping):
        unknown = sorted(str(k) for k in record if k not in fields)
        if unknown:
            raise ConfigurationError(
                f"unknown field(s) {', '.join(unknown)}; a record may hold "
                f"{', '.join(sorted(fields))}"
            )
        kwargs = dict(record)
        person = kwargs.get("person")
        if isinstance(person, Mapping):  # the person's JSON; helper_body checks the rest
            kwargs["person"] = Person.from_json(person)
    else:
        raise ConfigurationError(
            f"a record must be a Person or a mapping of {', '.join(sorted(fields))}; "
            f"got {type(record).__name__}"
        )
    for name, job in (("add_tags", add_tags), ("remove_tags", remove_tags)):
        kwargs[name] = [*tag_list(kwargs.get(name) or (), name), *job]
    return helper_body(kwargs, statuses=statuses, accepted=fields)


def helper_many(
    hal: HalWalker,
    helper_url: Callable[[], Awaitable[str]],
    records: Records[Any],
    *,
    fields: frozenset[str],
    statuses: Iterable[str] = WRITABLE_STATUSES,
    add_tags: Iterable[str],
    remove_tags: Iterable[str],
    concurrency: int,
    checkpoint: CheckpointStore | str | os.PathLike[str] | None,
    report: str | os.PathLike[str] | None,
    key: Callable[[Any], str] | None,
    tags: TagMaker | None = None,
) -> Stream[WriteResult]:
    """A helper POST per record (signup, record attendance), pipelined by ``hal.post_many``.

    Arguments are checked at once; ``helper_url()`` runs when the stream is first read. The
    helpers match the person by email, then phone, and answer with the resource whether it was
    new or not: a second send is harmless (idempotent) and a success is ``UPSERTED``. With
    ``tags``, the tags each record's ``add_tags`` (and the job's) names are made sure to exist
    before the record is sent (``TagMaker.ensure``: created once, then known).
    """
    check_arguments(records, concurrency)
    job_add, job_remove = tag_list(add_tags, "add_tags"), tag_list(remove_tags, "remove_tags")
    allowed = frozenset(statuses)

    def body(record: Any) -> dict[str, Any]:
        return helper_body_of(
            record, fields=fields, statuses=allowed, add_tags=job_add, remove_tags=job_remove
        )

    async def tagged(source: Records[Any], maker: TagMaker) -> AsyncIterator[Any]:
        known: set[str] = set()
        async for record in _records(source):
            names = [n for n in (*job_add, *_record_tags(record)) if n not in known]
            if names:
                await maker.ensure(names)
                known.update(names)
            yield record

    async def start() -> Stream[WriteResult]:
        return hal.post_many(
            await helper_url(),
            records if tags is None else tagged(records, tags),
            body=body,
            idempotent=True,
            outcome=Outcome.UPSERTED,
            concurrency=concurrency,
            checkpoint=checkpoint,
            report=report,
            key=key,
        )

    return deferred(start)


def background_params(background: bool) -> dict[str, str] | None:
    """The query of a write the API is asked to apply later (``background_request=true``,
    "Background Processing" at https://actionnetwork.org/docs/v2/), which then answers at once
    with nothing; None for a write applied now."""
    return {"background_request": "true"} if background else None


def _record_tags(record: Any) -> list[str]:
    """The ``add_tags`` of a bulk record; none when they are not tag names (the record's body
    then fails, and the failure is reported with it)."""
    if not isinstance(record, Mapping) or not record.get("add_tags"):
        return []
    try:
        return tag_list(record["add_tags"], "add_tags")
    except ConfigurationError:
        return []


async def ensure_tags_of(tags: TagMaker | None, body: Mapping[str, Any]) -> None:
    """Make sure the tags a helper body adds exist (nothing without ``tags``: the opt-out)."""
    if tags is not None and body.get("add_tags"):
        await tags.ensure(body["add_tags"])


def _listed(values: Iterable[Any], what: str) -> list[Any]:
    """``values`` as a list; what is not iterable (None ...) is a ``ConfigurationError``."""
    if values is None or isinstance(values, (bytes, Mapping)):
        raise ConfigurationError(f"{what} must be a list of strings, got {values!r}")
    try:
        return list(values)
    except TypeError:
        raise ConfigurationError(f"{what} must be a list of strings, got {values!r}") from None
