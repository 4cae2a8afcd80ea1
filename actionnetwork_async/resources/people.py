"""``an.people``: list, get, update and sign up people; their tags and per-person collections.

There is no delete: the API does not allow deleting a person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from typing_extensions import Unpack

from .._bodies import (
    Extra,
    HelperOptions,
    Status,
    background_params,
    check_applied,
    helper_body,
    helper_body_of,
    set_statuses,
    tag_list,
    update_body,
)
from .._writes import BulkOptions, Outcome, Records, WriteResult
from ..errors import ConfigurationError
from ..filters import F, Filter
from ..hal import Resource
from ..models import Person, PersonFields, Tagging
from ..pagination import Stream
from ..watermark import DEFAULT_OVERLAP, Watermark
from .actions import DONATIONS, OUTREACHES, RESPONSES, SIGNATURES, SUBMISSIONS
from .base import Ref, Searchable, write
from .events import ATTENDANCES
from .records import helper_many, records_of
from .tags import TAGGINGS

__all__ = ["People"]

#: A record of ``upsert_many``: a ``Person``, or a mapping of ``signup``'s keywords.
PersonRecord = Person | Mapping[str, Any]


class People(Searchable[Person]):
    """The people of the API key's group, and the records each person has (the same records
    the actions list, read from the person's side: ``an.people.signatures.list(person)``)."""

    #: The person's RSVPs.
    attendances = records_of(Person, ATTENDANCES)
    #: The tags on the person (each tagging links to its ``osdi:tag``).
    taggings = records_of(Person, TAGGINGS)
    #: The person's petition signatures.
    signatures = records_of(Person, SIGNATURES)
    #: The person's form submissions.
    submissions = records_of(Person, SUBMISSIONS)
    #: The person's donations.
    donations = records_of(Person, DONATIONS)
    #: The person's advocacy outreaches (letters, calls).
    outreaches = records_of(Person, OUTREACHES)
    #: The person's survey responses.
    responses = records_of(Person, RESPONSES)

    def modified_since(self, when: datetime) -> Stream[Person]:
        """People changed after ``when``: the reference's recommended incremental sync."""
        return self.list(F.modified_date > when)

    def changes(self, since: Watermark, *, overlap: timedelta = DEFAULT_OVERLAP) -> Stream[Person]:
        """Stream the people changed since the last complete pull, each change exactly once
        across runs; then ``since`` is advanced. Save it after handling every person.

            watermark = Watermark.load("people.watermark")
            async for person in an.people.changes(since=watermark):
                ...
            watermark.save("people.watermark")

        Every page is read (people are not ordered by ``modified_date``); the next pull starts
        ``overlap`` before this one began, on the server's clock, and what that brings back
        again is dropped (``actionnetwork_async.watermark`` has the rule).
        """
        return self._changes(since, overlap)

    def upsert_many(
        self,
        records: Records[PersonRecord],
        *,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        ensure_tags: bool = True,
        **bulk: Unpack[BulkOptions[PersonRecord]],
    ) -> Stream[WriteResult]:
        """Sign up many people through the person signup helper, pipelined at the rate limit;
        stream a ``WriteResult`` per record as each completes (docs/bulk.md).

        A record is a ``Person`` or a mapping of ``signup``'s keywords (``HelperOptions``:
        ``{"email": ..., "given_name": ..., "add_tags": [...]}``); ``add_tags``/``remove_tags``
        are added to every record's own. Records are read lazily from any iterable or async
        iterable.

        Each success is ``UPSERTED``: the helper creates the person or updates the one with
        that email (then phone) and answers 200 with the person either way; nothing in the
        answer says which. That also makes a second send harmless, so a timed-out record is
        retried and one in flight when a run died is sent again. A record that fails (a 400,
        no email or phone) goes to ``report`` and the run goes on; ``checkpoint`` skips the
        records an earlier run confirmed (``BulkOptions``: ``concurrency``, ``checkpoint``,
        ``report``, ``key``).

        The tags the records and ``add_tags`` name are made sure to exist before each record is
        sent (created once when the group has none of that name: the helper ignores unknown
        names); ``ensure_tags=False`` sends the names as they are.
        """
        return helper_many(
            self,
            lambda: self.hal.collection_url("osdi:person_signup_helper"),
            records,
            body=helper_body_of,
            idempotent=True,
            outcome=Outcome.UPSERTED,
            tags=(add_tags, remove_tags),
            ensure_tags=ensure_tags,
            bulk=bulk,
        )

    async def find_by_email(self, email: str) -> Person | None:
        """The person with this email address, or None."""
        return await self._first(F.email_address == email)

    async def find_by_phone(self, number: str) -> Person | None:
        """The person with this phone number, or None."""
        return await self._first(F.phone_number == number)

    async def _first(self, filter: Filter) -> Person | None:
        async with self.list(filter) as people:
            async for person in people:
                return person
        return None

    @write
    async def update(
        self,
        background: bool,
        /,
        person: Ref[Person],
        changes: Person | None = None,
        *,
        email_status: Status | None = None,
        phone_status: Status | None = None,
        extra: Extra = None,
        **fields: Unpack[PersonFields],
    ) -> Person | None:
        """PUT (a merge) on a person: a whole ``Person`` (unknown fields sent back unchanged),
        some fields by name, or only a status. ``update.background(...)`` has the API apply it
        later (https://actionnetwork.org/docs/v2/people, "background processing is available
        on this operation").

        ``email_status`` and ``phone_status`` (``"subscribed"`` or ``"unsubscribed"``) change
        the email and the SMS subscription separately; each is left alone unless given. A
        model's read statuses (``bouncing`` ...), system dates and ``action_network:``
        identifiers are never sent.

        An answer that does not hold the email addresses or phone numbers sent raises
        ``NotAppliedError`` naming them (``.result`` is the person as answered): the API
        answers 200 and leaves the person unchanged when the address belongs to another person.
        """
        statuses_only = changes is None and not fields and not extra
        if statuses_only and (email_status is not None or phone_status is not None):
            body = {}  # a status change alone sends nothing else
        else:
            body = update_body(Person, person, changes, fields, extra)
        set_statuses(body, email_status=email_status, phone_status=phone_status)
        if not body:
            raise ConfigurationError("nothing to update: pass a Person, some fields or a status")
        result = await self.hal.put(
            await self._url_of(person),
            body,
            params=background_params(background),
            expect=None if background else "resource",
        )
        if background or result is None:
            return None
        updated = Person.from_resource(result)
        check_applied(body, result, updated)
        return updated

    @write
    async def signup(
        self,
        background: bool,
        /,
        *,
        ensure_tags: bool = True,
        **options: Unpack[HelperOptions],
    ) -> Person | None:
        """The person signup helper: create the person, or update the one with that email
        (then phone). An email address or a phone number is required (``HelperOptions``: its
        two statuses are separate consents, each sent only when given; without one the API
        applies its own rule, subscribing a new person's email and leaving an existing one's).

        The tags ``add_tags`` names are created first when the group has none of that name
        (the helper ignores such names, https://actionnetwork.org/docs/v2/
        person_signup_helper), unless ``ensure_tags=False``.

        Returns the person; a ``200 {}`` answer (the API accepted nothing) raises
        ``NothingAcceptedError``, and one without the email address or phone number sent
        raises ``NotAppliedError``. ``signup.background(...)`` returns None at once.
        """
        body = helper_body(options)
        if ensure_tags and body.get("add_tags"):
            await self.context.tags.ensure(body["add_tags"])
        url = await self.hal.collection_url("osdi:person_signup_helper")
        # The helper deduplicates on email, then phone: sending it twice updates the same
        # person, so a retry after a timeout is safe.
        result = await self.hal.post(
            url,
            body,
            params=background_params(background),
            idempotent=True,
            expect=None if background else "resource",
        )
        if background or result is None:
            return None
        person = Person.from_resource(result)
        check_applied(body["person"], result, person)
        return person

    # -- tags ----------------------------------------------------------------------------------
    async def tag_names(self, person: Ref[Person]) -> list[str]:
        """The names of the person's tags, sorted: their taggings (a ``Person`` needs no extra
        GET), named from the tags read once per client (``an.tags``)."""
        taggings = [t async for t in self.taggings.list(person)]
        return await self.context.tags.names_of(t.tag_id for t in taggings if t.tag_id)

    async def add_tags(self, person: Ref[Person], names: Iterable[str]) -> list[Tagging]:
        """Put tags on a person, by name: each tag is found (or created when the group has
        none of that name), then tagged. Returns the taggings (existing ones included: the API
        keeps one per person and tag)."""
        made = []
        for name in tag_list(names, "names"):
            tag = await self.context.tags.find_or_create(name)
            made.append(await self.context.tags.taggings.create(tag, person))
        return made

    async def remove_tags(self, person: Ref[Person], names: Iterable[str]) -> int:
        """Take tags off a person, by name, by deleting their taggings; names the person does
        not carry are ignored. Returns how many were removed."""
        wanted = set(tag_list(names, "names"))
        removed = 0
        for tagging in [t async for t in self.taggings.list(person)]:
            tag_id = tagging.tag_id
            if tag_id is not None and await self.context.tags.name_of(tag_id) in wanted:
                await self.context.tags.taggings.delete(tag_id, tagging)
                removed += 1
        return removed

    def related(self, person: Ref[Person], rel: str) -> Stream[Resource]:
        """Any collection a person links to, by rel (a ``Person`` needs no extra request; an
        id costs one GET of the person, to read the link)."""
        return self._stream_related(person, rel)
