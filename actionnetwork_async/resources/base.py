"""What the facades share: finding collections through the entry point, and checking input.

Facades describe resources and call the HAL walker; they never build an HTTP request.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote

import attrs

from ..errors import AuthenticationError, ConfigurationError
from ..filters import Filter, render_filter
from ..hal import Resource
from ..models import RENAMES, EmailAddress, Person, PhoneNumber, Record, converter
from ..models.base import WRITABLE_STATUSES, to_api
from ..pagination import Stream
from ..walker import HalWalker

__all__ = [
    "Facade",
    "check_id",
    "check_status",
    "fields_to_json",
    "helper_body",
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
        if not callable(first_page):
            raise ConfigurationError(f"first_page must be an async callable, got {first_page!r}")

        async def items() -> AsyncGenerator[Resource, None]:
            async with self.hal.iterate(await first_page()) as stream:
                async for item in stream:
                    yield item

        return Stream(items())

    def stream_collection(
        self,
        url: Callable[[], Awaitable[str]] | None = None,
        *,
        filter: Filter | str | None = None,
    ) -> Stream[Resource]:
        """The items of a collection (this facade's, or the one ``url()`` names), filtered."""
        params = {"filter": text} if (text := render_filter(filter)) else None
        if url is not None and not callable(url):
            raise ConfigurationError(f"url must be an async callable, got {url!r}")
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


def fields_to_json(
    model: type[Record], fields: Mapping[str, Any], *, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A request body from Python field names, refusing what the API would not take.

    Read-only fields, values the API will not take (``action_network:`` identifiers) and
    unknown names raise ``ConfigurationError`` before any request; fields this library does not
    know yet can be sent through ``extra`` (API names, sent as they are).
    """
    if extra is not None and not (
        isinstance(extra, Mapping) and all(isinstance(k, str) for k in extra)
    ):
        raise ConfigurationError(f"extra must map API field names to values, got {extra!r}")
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
    if status is not None and (not isinstance(status, str) or status not in WRITABLE_STATUSES):
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
    texts = {
        "email": email,
        "phone": phone,
        "given_name": given_name,
        "family_name": family_name,
        "postal_code": postal_code,
        "country": country,
    }
    for name, value in texts.items():
        if value is not None and not isinstance(value, str):
            raise ConfigurationError(f"{name} must be a string, got a {type(value).__name__}")
    if person is not None and not isinstance(person, Person):
        raise ConfigurationError(f"person must be a Person, got a {type(person).__name__}")
    if custom_fields is not None and not (
        isinstance(custom_fields, Mapping)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in custom_fields.items())
    ):
        raise ConfigurationError("custom_fields must map field names to strings")
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
    names = [tags] if isinstance(tags, str) else _listed(tags, what)
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise ConfigurationError(f"{what} must be tag names, got {name!r}")
    return names


def _listed(values: Iterable[Any], what: str) -> list[Any]:
    """``values`` as a list; what is not iterable (None ...) is a ``ConfigurationError``."""
    if values is None or isinstance(values, (bytes, Mapping)):
        raise ConfigurationError(f"{what} must be a list of strings, got {values!r}")
    try:
        return list(values)
    except TypeError:
        raise ConfigurationError(f"{what} must be a list of strings, got {values!r}") from None
