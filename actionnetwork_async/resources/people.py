"""``an.people``: list, get, update and sign up people; their per-person collections.

There is no delete: the API does not allow deleting a person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal, overload

from ..errors import ConfigurationError
from ..filters import F, Filter
from ..hal import Resource
from ..models import Attendance, Person, Tagging
from ..pagination import Stream
from .base import Facade, fields_to_json, helper_body, set_statuses

__all__ = ["People"]

PersonRef = Person | str


class People(Facade):
    """The people of the API key's group."""

    REL = "osdi:people"

    def list(self, filter: Filter | str | None = None) -> Stream[Person]:
        """Stream every person (matching the OData ``filter``), page by page."""
        return self._stream(filter)

    def _stream(self, filter: Filter | str | None) -> Stream[Person]:
        return self.stream_collection(filter=filter).map(Person.from_resource)

    def modified_since(self, when: datetime) -> Stream[Person]:
        """People changed after ``when``: the reference's recommended incremental sync."""
        return self._stream(F.modified_date > when)

    async def get(self, person_id: str) -> Person:
        """One person by id."""
        return Person.from_resource(await self.hal.get(await self.item_url(person_id)))

    async def find_by_email(self, email: str) -> Person | None:
        """The person with this email address, or None."""
        return await self._first(F.email_address == email)

    async def find_by_phone(self, number: str) -> Person | None:
        """The person with this phone number, or None."""
        return await self._first(F.phone_number == number)

    async def _first(self, filter: Filter) -> Person | None:
        async with self._stream(filter) as people:
            async for person in people:
                return person
        return None

    @overload
    async def update(
        self,
        person: PersonRef,
        changes: Person | None = None,
        *,
        email_status: str | None = None,
        phone_status: str | None = None,
        background: Literal[False] = False,
        extra: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Person: ...

    @overload
    async def update(
        self,
        person: PersonRef,
        changes: Person | None = None,
        *,
        email_status: str | None = None,
        phone_status: str | None = None,
        background: Literal[True],
        extra: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> None: ...

    @overload
    async def update(
        self,
        person: PersonRef,
        changes: Person | None = None,
        *,
        email_status: str | None = None,
        phone_status: str | None = None,
        background: bool,
        extra: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Person | None: ...

    async def update(
        self,
        person: PersonRef,
        changes: Person | None = None,
        *,
        email_status: str | None = None,
        phone_status: str | None = None,
        background: bool = False,
        extra: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Person | None:
        """PUT (a merge) on a person: a whole ``Person`` (unknown fields sent back unchanged),
        some fields by name, or only a status. ``background=True`` asks the API to apply it
        later and returns None at once.

        ``email_status`` and ``phone_status`` (``"subscribed"`` or ``"unsubscribed"``) change
        the email and the SMS subscription separately; each is left alone unless given. A
        model's read statuses (``bouncing`` ...), system dates and ``action_network:``
        identifiers are never sent.
        """
        if changes is not None and not isinstance(changes, Person):
            raise ConfigurationError(f"changes must be a Person, got a {type(changes).__name__}")
        if changes is not None:
            body = {**changes.to_json(), **fields_to_json(Person, fields, extra=extra)}
        elif fields or extra:
            body = fields_to_json(Person, fields, extra=extra)
        elif isinstance(person, Person) and email_status is None and phone_status is None:
            body = person.to_json()
        else:
            body = {}  # a status change alone sends nothing else
        set_statuses(body, email_status=email_status, phone_status=phone_status)
        if not body:
            raise ConfigurationError("nothing to update: pass a Person, some fields or a status")
        params = {"background_request": "true"} if background else None
        result = await self.hal.put(
            await self.url_of(person),
            body,
            params=params,
            expect=None if background else "resource",
        )
        if background or result is None:
            return None
        return Person.from_resource(result)

    @overload
    async def signup(
        self,
        *,
        email: str | None = None,
        phone: str | None = None,
        given_name: str | None = None,
        family_name: str | None = None,
        postal_code: str | None = None,
        country: str | None = None,
        person: Person | None = None,
        custom_fields: Mapping[str, str] | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        email_status: str | None = None,
        phone_status: str | None = None,
        background: Literal[False] = False,
    ) -> Person: ...

    @overload
    async def signup(
        self,
        *,
        email: str | None = None,
        phone: str | None = None,
        given_name: str | None = None,
        family_name: str | None = None,
        postal_code: str | None = None,
        country: str | None = None,
        person: Person | None = None,
        custom_fields: Mapping[str, str] | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        email_status: str | None = None,
        phone_status: str | None = None,
        background: Literal[True],
    ) -> None: ...

    @overload
    async def signup(
        self,
        *,
        email: str | None = None,
        phone: str | None = None,
        given_name: str | None = None,
        family_name: str | None = None,
        postal_code: str | None = None,
        country: str | None = None,
        person: Person | None = None,
        custom_fields: Mapping[str, str] | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        email_status: str | None = None,
        phone_status: str | None = None,
        background: bool,
    ) -> Person | None: ...

    async def signup(
        self,
        *,
        email: str | None = None,
        phone: str | None = None,
        given_name: str | None = None,
        family_name: str | None = None,
        postal_code: str | None = None,
        country: str | None = None,
        person: Person | None = None,
        custom_fields: Mapping[str, str] | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        email_status: str | None = None,
        phone_status: str | None = None,
        background: bool = False,
    ) -> Person | None:
        """The person signup helper: create the person, or update the one with that email
        (then phone). An email address or a phone number is required.

        ``email_status`` and ``phone_status`` (``"subscribed"`` or ``"unsubscribed"``) are
        separate consents, each sent only when given: subscribing the email never opts the
        phone number in to text messages (a ``person`` model's own statuses go as they are,
        read-only ones such as ``bouncing`` left out). Without a status the API applies its
        own rule (a new person's email is subscribed, an existing one's is left unchanged).

        Returns the person; a ``200 {}`` answer (the API accepted nothing) raises
        ``NothingAcceptedError``. ``background=True`` returns None at once.
        """
        body = helper_body(
            add_tags=add_tags,
            remove_tags=remove_tags,
            person=person,
            email=email,
            phone=phone,
            given_name=given_name,
            family_name=family_name,
            postal_code=postal_code,
            country=country,
            custom_fields=custom_fields,
            email_status=email_status,
            phone_status=phone_status,
        )
        url = await self.entry_link("osdi:person_signup_helper")
        params = {"background_request": "true"} if background else None
        # The helper deduplicates on email, then phone: sending it twice updates the same
        # person, so a retry after a timeout is safe.
        result = await self.hal.post(
            url,
            body,
            params=params,
            idempotent=True,
            expect=None if background else "resource",
        )
        if background or result is None:
            return None
        return Person.from_resource(result)

    # -- per-person collections, through the person's links ------------------------------------
    def attendances(self, person: PersonRef) -> Stream[Attendance]:
        """The person's RSVPs."""
        return self.related(person, "osdi:attendances").map(Attendance.from_resource)

    def taggings(self, person: PersonRef) -> Stream[Tagging]:
        """The tags on the person (each tagging links to its ``osdi:tag``)."""
        return self.related(person, "osdi:taggings").map(Tagging.from_resource)

    def signatures(self, person: PersonRef) -> Stream[Resource]:
        """The person's petition signatures, as HAL resources."""
        return self.related(person, "osdi:signatures")

    def submissions(self, person: PersonRef) -> Stream[Resource]:
        """The person's form submissions, as HAL resources."""
        return self.related(person, "osdi:submissions")

    def donations(self, person: PersonRef) -> Stream[Resource]:
        """The person's donations, as HAL resources."""
        return self.related(person, "osdi:donations")

    def outreaches(self, person: PersonRef) -> Stream[Resource]:
        """The person's advocacy outreaches, as HAL resources."""
        return self.related(person, "osdi:outreaches")

    def related(self, person: PersonRef, rel: str) -> Stream[Resource]:
        """Any collection a person links to, by rel (a ``Person`` needs no extra request)."""
        return self.stream_related(person, rel)
