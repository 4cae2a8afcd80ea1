"""What the facades share: finding collections through the entry point, and checking input.

Facades describe resources and call the HAL walker; they never build an HTTP request.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import attrs

from ..bulk import CheckpointStore, Outcome, Records, WriteResult, check_arguments, deferred
from ..errors import AuthenticationError, ConfigurationError
from ..filters import Filter, render_filter
from ..hal import Resource
from ..models import RENAMES, EmailAddress, Person, PhoneNumber, Record, converter
from ..models.base import WRITABLE_STATUSES, to_api
from ..pagination import Stream
from ..walker import HalWalker

__all__ = [
    "SIGNUP_FIELDS",
    "Facade",
    "check_id",
    "check_status",
    "fields_to_json",
    "helper_body",
    "helper_body_of",
    "helper_many",
    "set_statuses",
    "tag_list",
]


class Facade:
    """Base of ``an.people``, ``an.events`` and ``an.unique_id_lists``."""

    #: The entry point's rel for this facade's collection.
    REL: str = ""

    def __init__(self, hal: HalWalker) -> None:
        self.hal = hal

    def stream(self, first_page: Callable[[], Awaitable[Resource]]) -> Stream[Resource]:
        """Items of a collection whose first page ``first_page()`` fetches on first use; the
        walker pages on from there (prefetch and the shared limiter included)."""

        async def batches() -> AsyncGenerator[Sequence[Resource], None]:
            async with self.hal.iterate(await first_page()) as stream:
                async for batch in stream.batches():
                    yield batch

        return Stream(batches())

    def stream_collection(
        self,
        url: Callable[[], Awaitable[str]] | None = None,
        *,
        filter: Filter | str | None = None,
    ) -> Stream[Resource]:
        """The items of a collection (this facade's, or the one ``url()`` names), filtered."""
        params = {"filter": text} if (text := render_filter(filter)) else None
        locate = url or self.collection_url

        async def first_page() -> Resource:
            return await self.hal.get(await locate(), params=params)

        return self.stream(first_page)

    def stream_related(self, target: Any, rel: str) -> Stream[Resource]:
        """The items of the collection ``target`` links to by ``rel`` (a model needs no GET)."""

        async def first_page() -> Resource:
            return await self.hal.follow(await self.resource_of(target), rel)

        return self.stream(first_page)

    async def collection_url(self, rel: str | None = None) -> str:
        """The URL of a collection, read from the entry point's links."""
        return await self.entry_link(rel or self.REL)

    async def entry_link(self, rel: str) -> str:
        """The href of the entry point's link ``rel`` (a collection or a helper).

        Action Network answers a wrong or missing key at the entry point with 200 and no
        collection links, not 403: a missing link there is reported as the authentication
        failure it almost certainly is.
        """
        aep = await self.hal.entry_point()
        if not aep.has_link(rel):
            present = ", ".join(sorted(aep.links)) or "none"
            raise AuthenticationError(
                200,
                f"the API entry point has no {rel!r} link (links present: {present}). Action "
                "Network answers a wrong or missing API key this way, so the key is probably "
                "wrong or revoked",
                url=aep.url or self.hal.base_url,
            )
        return aep.link(rel, index=0).href

    async def item_url(self, item_id: str, rel: str | None = None) -> str:
        """The URL of one item: the collection URL and the id, as the reference documents."""
        return f"{(await self.collection_url(rel)).rstrip('/')}/{check_id(item_id)}"

    async def resource_of(self, target: Any, rel: str | None = None) -> Resource:
        """The HAL resource of a model (no request) or of an id (one GET)."""
        resource = getattr(target, "resource", None)
        if isinstance(resource, Resource):
            return resource
        if isinstance(target, Resource):
            return target
        return await self.hal.get(await self.item_url(_id_of(target), rel))

    async def url_of(self, target: Any, rel: str | None = None) -> str:
        """The URL of a model (its self link) or of an id (built, no request)."""
        url = getattr(target, "url", None) if not isinstance(target, str) else None
        if isinstance(url, str):
            return url
        return await self.item_url(_id_of(target), rel)


def _id_of(target: Any) -> str:
    """The id a target names: the string itself, or a model's ``id``."""
    return target if isinstance(target, str) else (getattr(target, "id", None) or "")


def check_id(item_id: str) -> str:
    """An Action Network id, checked to be usable in a URL."""
    if not isinstance(item_id, str) or not item_id.strip() or "/" in item_id:
        raise ConfigurationError(f"not an Action Network id: {item_id!r}")
    return quote(item_id.strip())


def fields_to_json(
    model: type[Record], fields: Mapping[str, Any], *, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A request body from Python field names, refusing what the API would not take.

    Read-only fields, values the API will not take (``action_network:`` identifiers) and
    unknown names raise ``ConfigurationError`` before any request; fields this library does not
    know yet can be sent through ``extra`` (API names, sent as they are).
    """
    names = {f.name for f in attrs.fields(model)} - {"extra", "resource"}
    unknown = sorted(set(fields) - names)
    if unknown:
        raise ConfigurationError(
            f"{model.__name__} has no field(s) {', '.join(unknown)}; pass fields the library "
            f"does not know through extra={{...}}"
        )
    # the one converter turns models, datetimes, lists and dicts into JSON
    body = {RENAMES.get(name, name): to_api(model, name, v) for name, v in fields.items()}
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


def check_status(status: str | None, what: str) -> str | None:
    """A subscription status a write may set, checked (None: leave the status as it is)."""
    if status is not None and status not in WRITABLE_STATUSES:
        raise ConfigurationError(f"{what} must be 'subscribed' or 'unsubscribed', got {status!r}")
    return status


def set_statuses(
    person: dict[str, Any], *, email_status: str | None, phone_status: str | None
) -> dict[str, Any]:
    """Put the email and the phone (SMS) subscription statuses into a person's JSON.

    They are separate consents: each is set only when given. With a status but no address (or
    number) in the body, a status-only entry is sent, which the API applies to the person's
    primary one.
    """
    for key, status in (
        ("email_addresses", check_status(email_status, "email_status")),
        ("phone_numbers", check_status(phone_status, "phone_status")),
    ):
        if status is not None:
            entries = person.get(key) or [{}]
            person[key] = [{**entries[0], "status": status}, *entries[1:]]
    return person


def helper_body(
    *,
    add_tags: Iterable[str] = (),
    remove_tags: Iterable[str] = (),
    person: Person | None = None,
    email: str | None = None,
    phone: str | None = None,
    given_name: str | None = None,
    family_name: str | None = None,
    postal_code: str | None = None,
    country: str | None = None,
    custom_fields: Mapping[str, str] | None = None,
    email_status: str | None = None,
    phone_status: str | None = None,
) -> dict[str, Any]:
    """The body of a helper POST (signup, record attendance): the person hash and tag changes.

    An email address or a phone number is required; the caller's ``person`` is not changed.
    The email and phone statuses are set only when given, each on its own.
    """
    # a copy through JSON: the caller's Person is never mutated, read-only fields are dropped
    base = Person.from_json(person.to_json()) if person is not None else Person()
    if email is not None:
        base.email_addresses = [EmailAddress(address=email, primary=True)]
    if phone is not None:
        base.phone_numbers = [PhoneNumber(number=phone, primary=True)]
    if given_name is not None:
        base.given_name = given_name
    if family_name is not None:
        base.family_name = family_name
    if custom_fields:
        base.custom_fields = {**base.custom_fields, **custom_fields}
    body = set_statuses(base.to_json(), email_status=email_status, phone_status=phone_status)
    if postal_code is not None or country is not None:
        address = {k: v for k, v in (("postal_code", postal_code), ("country", country)) if v}
        body["postal_addresses"] = [{**(body.get("postal_addresses") or [{}])[0], **address}]
    if not base.email and not base.phone:
        raise ConfigurationError("an email address or a phone number is required")
    helper: dict[str, Any] = {"person": body}
    if add := tag_list(add_tags, "add_tags"):
        helper["add_tags"] = add
    if remove := tag_list(remove_tags, "remove_tags"):
        helper["remove_tags"] = remove
    return helper


def tag_list(tags: Iterable[str], what: str) -> list[str]:
    """Tag names, checked."""
    names = [tags] if isinstance(tags, str) else list(tags)
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise ConfigurationError(f"{what} must be tag names, got {name!r}")
    return names


#: The keywords a record of ``People.upsert_many`` may hold: those of ``People.signup``.
SIGNUP_FIELDS = frozenset(
    {
        "person",
        "email",
        "phone",
        "given_name",
        "family_name",
        "postal_code",
        "country",
        "custom_fields",
        "email_status",
        "phone_status",
        "add_tags",
        "remove_tags",
    }
)
_TEXT_FIELDS = SIGNUP_FIELDS - {"person", "custom_fields", "add_tags", "remove_tags"}


def helper_body_of(
    record: Any,
    *,
    fields: frozenset[str] = SIGNUP_FIELDS,
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
        for name in _TEXT_FIELDS & kwargs.keys():
            if kwargs[name] is not None and not isinstance(kwargs[name], str):
                raise ConfigurationError(f"{name} must be a string, got {kwargs[name]!r}")
        person = kwargs.get("person")
        if isinstance(person, Mapping):
            kwargs["person"] = Person.from_json(person)
        elif person is not None and not isinstance(person, Person):
            raise ConfigurationError(f"person must be a Person or its JSON, got {person!r}")
        custom = kwargs.get("custom_fields")
        if custom is not None and not isinstance(custom, Mapping):
            raise ConfigurationError(f"custom_fields must be a mapping, got {custom!r}")
    else:
        raise ConfigurationError(
            f"a record must be a Person or a mapping of {', '.join(sorted(fields))}; "
            f"got {type(record).__name__}"
        )
    for name, job in (("add_tags", add_tags), ("remove_tags", remove_tags)):
        kwargs[name] = [*tag_list(kwargs.get(name) or (), name), *job]
    return helper_body(**kwargs)


def helper_many(
    hal: HalWalker,
    helper_url: Callable[[], Awaitable[str]],
    records: Records[Any],
    *,
    fields: frozenset[str],
    add_tags: Iterable[str],
    remove_tags: Iterable[str],
    concurrency: int,
    checkpoint: CheckpointStore | str | os.PathLike[str] | None,
    report: str | os.PathLike[str] | None,
    key: Callable[[Any], str] | None,
) -> Stream[WriteResult]:
    """A helper POST per record (signup, record attendance), pipelined by ``hal.post_many``.

    Arguments are checked at once; ``helper_url()`` runs when the stream is first read. The
    helpers match the person by email, then phone, and answer with the resource whether it was
    new or not: a second send is harmless (idempotent) and a success is ``UPSERTED``.
    """
    check_arguments(records, concurrency)
    job_add, job_remove = tag_list(add_tags, "add_tags"), tag_list(remove_tags, "remove_tags")

    def body(record: Any) -> dict[str, Any]:
        return helper_body_of(record, fields=fields, add_tags=job_add, remove_tags=job_remove)

    async def start() -> Stream[WriteResult]:
        return hal.post_many(
            await helper_url(),
            records,
            body=body,
            idempotent=True,
            outcome=Outcome.UPSERTED,
            concurrency=concurrency,
            checkpoint=checkpoint,
            report=report,
            key=key,
        )

    return deferred(start)
