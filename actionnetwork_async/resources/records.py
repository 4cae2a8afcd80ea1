"""The records below a parent, as collection objects: ``an.petitions.signatures``.

A kind of record is declared once (``RecordKind``, ``ActionRecordKind``) and put on the parent's
facade with ``nested(kind)``; every collection below a parent then reads the same way:
``an.petitions.signatures.list(petition)``, ``an.people.signatures.list(person)``. Writes are
typed from the kind's ``TypedDict``s through a ``ParamSpec`` (a ``TypedDict`` class is a
callable of its keys), so one generic class gives every kind its own checked keywords.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import attrs
from typing_extensions import ParamSpec, Unpack

from .._bodies import (
    ACTION_HELPER_FIELDS,
    ACTION_HELPER_STATUSES,
    Extra,
    background_params,
    fields_to_json,
    helper_body_of,
    no_positional,
    tag_list,
    update_body,
)
from .._writes import BulkOptions, Outcome, Records, WriteResult
from ..errors import ConfigurationError
from ..filters import Filter
from ..hal import Resource
from ..models import Person
from ..models.base import ResourceModel
from ..pagination import Stream
from .base import Actions, Facade, Made, Ref, _check_ref, write

__all__ = [
    "ActionRecordKind",
    "ActionRecords",
    "EditableRecords",
    "Nested",
    "RecordKind",
    "action_records",
    "added_records",
    "nested",
    "records_of",
]

P = TypeVar("P", bound=ResourceModel)
R = TypeVar("R", bound=ResourceModel)
#: The keywords a write of the record takes: the keys of its ``TypedDict`` of fields.
F = ParamSpec("F")
#: The keywords of the action's helper for the record: the helper options and its fields.
H = ParamSpec("H")
K = TypeVar("K")


@attrs.frozen
class RecordKind(Generic[R]):
    """A kind of record listed below a parent: the rel of its collection there
    (``osdi:signatures``) and its model."""

    rel: str
    model: type[R]

    @property
    def segment(self) -> str:
        """The collection's path segment under its parent (``signatures``), as the API's URL
        structures document it."""
        return self.rel.partition(":")[2] or self.rel


@attrs.frozen
class ActionRecordKind(RecordKind[R], Generic[R, F, H]):
    """A kind of record people leave on an action: also its writable fields (a ``TypedDict``),
    the action's helper that records one with the person (``osdi:record_signature_helper``)
    and that helper's options, and whether the API keeps one per person and action (then a
    re-sent write cannot make a second one)."""

    fields: Callable[F, object] = attrs.field(kw_only=True)
    helper: str = attrs.field(kw_only=True)
    options: Callable[H, object] = attrs.field(kw_only=True)
    one_per_person: bool = attrs.field(default=False, kw_only=True)


class Nested(Generic[P, R]):
    """The records of one kind below the parents of a facade: list them, get one."""

    def __init__(self, parents: Facade, kind: RecordKind[R]) -> None:
        self._parents = parents
        #: What these records are: their rel below a parent, and their model.
        self.kind = kind

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind.rel} below {self._parents.rel}>"

    def list(self, parent: Ref[P], filter: Filter | str | None = None) -> Stream[R]:
        """Stream the parent's records (through its link: no GET for a model), filtered by an
        OData ``filter`` where the API allows one."""
        _check_ref(parent)
        stream = self._parents._stream_collection(lambda: self._url(parent), filter=filter)
        return stream.map(self.kind.model.from_resource)

    async def get(self, parent: Ref[P], record: Ref[R]) -> R:
        """One record of the parent: a model's or Resource's own URL, else its id below the
        parent's collection."""
        return self.kind.model.from_resource(
            await self._parents._get_one(await self._record_url(parent, record))
        )

    async def _url(self, parent: Ref[P]) -> str:
        return await self._parents._linked_url(parent, self.kind.rel, self.kind.segment)

    async def _record_url(self, parent: Ref[P], record: Ref[R]) -> str:
        return await self._parents._child_url(parent, record, self.kind.rel, self.kind.segment)


class ActionRecords(Nested[P, R], Generic[P, R, F, H]):
    """The records people leave on an action (signatures, RSVPs, donations ...): list, get,
    create for an existing person, and the action's record helper, for one person
    (``record``) or many (``record_many``). Each write also has ``.background(...)``: the API
    applies it later (https://actionnetwork.org/docs/v2/, "Background Processing")."""

    kind: ActionRecordKind[R, F, H]
    _parents: Actions[Any, ..., ...]

    @write
    async def create(
        self,
        background: bool,
        /,
        action: Ref[P],
        person: Ref[Person],
        extra: Extra = None,
        *_: F.args,
        **fields: F.kwargs,
    ) -> R | None:
        """POST a record for an existing person (a model, an id or a URL; linked by
        ``osdi:person``). No autoresponse is sent. Records the API does not keep one per
        person (donations, outreaches) are never re-sent after a lost answer."""
        no_positional(_)
        body = fields_to_json(self.kind.model, fields, extra=extra)
        body["_links"] = {"osdi:person": {"href": await self._parents._person_url(person)}}
        created = await self._parents.hal.post(
            await self._url(action),
            body,
            params=background_params(background),
            idempotent=self.kind.one_per_person,
            expect=None if background else "resource",
        )
        return self._model_of(created, background)

    @write
    async def record(
        self,
        background: bool,
        /,
        action: Ref[P],
        ensure_tags: bool = True,
        *_: H.args,
        **options: H.kwargs,
    ) -> R | None:
        """The action's record helper: the person (created or matched by email, then phone)
        and the record in one request (``HelperOptions``: ``email``, ``given_name``,
        ``add_tags`` ..., and the record's own fields). A ``200 {}`` answer (the API accepted
        nothing) raises ``NothingAcceptedError``. The tags ``add_tags`` names are created
        first when missing (the helper ignores unknown names), unless ``ensure_tags=False``.
        """
        no_positional(_)
        body = self._helper_body(options)
        if ensure_tags and body.get("add_tags"):
            await self._parents.context.tags.ensure(body["add_tags"])
        result = await self._parents.hal.post(
            await self._parents._helper_url(action, self.kind.helper),
            body,
            params=background_params(background),
            idempotent=self.kind.one_per_person,
            expect=None if background else "resource",
        )
        return self._model_of(result, background)

    def record_many(
        self,
        action: Ref[P],
        records: Records[Person | Mapping[str, Any]],
        *,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        ensure_tags: bool = True,
        **bulk: Unpack[BulkOptions[Person | Mapping[str, Any]]],
    ) -> Stream[WriteResult]:
        """Record many people on ``action`` through its helper, pipelined at the rate limit;
        stream a ``WriteResult`` per record as each completes (docs/bulk.md).

        A record is a ``Person`` or a mapping of ``record``'s keywords; the other arguments
        are ``People.upsert_many``'s. A success is ``UPSERTED`` where the API keeps one record
        per person (signatures, submissions, RSVPs: a second send is harmless), ``CREATED``
        otherwise (never re-sent after a lost answer). The action is read once (no request
        for a model), before the first record.
        """
        _check_ref(action)
        one = self.kind.one_per_person
        return helper_many(
            self._parents,
            lambda: self._parents._helper_url(action, self.kind.helper),
            records,
            body=self._helper_body,
            idempotent=one,
            outcome=Outcome.UPSERTED if one else Outcome.CREATED,
            tags=(add_tags, remove_tags),
            ensure_tags=ensure_tags,
            bulk=bulk,
        )

    def _helper_body(
        self, options: Any, job: tuple[Sequence[str], Sequence[str]] = ((), ())
    ) -> dict[str, Any]:
        """The helper's body: the person and the helper options (with the job's tags), and
        the record's fields."""
        person, record = options, {}
        if isinstance(options, Mapping):  # the record's own fields go beside the person
            own = _field_names(self.kind.model) - ACTION_HELPER_FIELDS
            person = {k: v for k, v in options.items() if k not in own}
            record = {k: v for k, v in options.items() if k in own}
        fields, statuses = ACTION_HELPER_FIELDS, ACTION_HELPER_STATUSES
        body = helper_body_of(person, job, fields=fields, statuses=statuses)
        body.update(fields_to_json(self.kind.model, record))
        return body

    def _model_of(self, answer: Resource | None, background: bool) -> R | None:
        return None if background or answer is None else self.kind.model.from_resource(answer)


class EditableRecords(ActionRecords[P, R, F, H]):
    """Records people leave on an action that the API also lets you change (all but
    donations)."""

    @write
    async def update(
        self,
        background: bool,
        /,
        action: Ref[P],
        record: Ref[R],
        extra: Extra = None,
        *_: F.args,
        **fields: F.kwargs,
    ) -> R | None:
        """PUT (a merge) some fields of a record."""
        no_positional(_)
        body = update_body(self.kind.model, record, None, fields, extra)
        if not body:
            raise ConfigurationError("nothing to update: pass some fields")
        result = await self._parents.hal.put(
            await self._record_url(action, record),
            body,
            params=background_params(background),
            expect=None if background else "resource",
        )
        return self._model_of(result, background)


def helper_many(
    facade: Facade,
    helper_url: Callable[[], Awaitable[str]],
    records: Records[Any],
    *,
    body: Callable[[Any, tuple[list[str], list[str]]], dict[str, Any]],
    idempotent: bool,
    outcome: Outcome,
    tags: tuple[Iterable[str], Iterable[str]],
    ensure_tags: bool,
    bulk: BulkOptions[Any],
) -> Stream[WriteResult]:
    """A helper POST per record (signup, record a signature ...), written by the bulk engine,
    which checks the arguments at once and reads the records as requests start.
    ``helper_url()`` is awaited when the stream is first read. The tags to add and to remove
    of every record (``tags``) join its own; the tags a body adds are made sure to exist
    before it is sent (``Tags.ensure``: created once, then known), unless ``ensure_tags=False``.
    """
    from ..bulk import Write, write_many  # the engine: imported by the first bulk write

    job = (tag_list(tags[0], "add_tags"), tag_list(tags[1], "remove_tags"))
    url: list[str] = []
    maker = facade.context.tags if ensure_tags else None

    async def setup() -> None:
        url.append(await helper_url())

    def prepare(record: Any) -> Write:
        return Write("POST", url[0], body(record, job))

    async def send(write: Write) -> Resource | None:
        if maker is not None and write.json.get("add_tags"):
            await maker.ensure(write.json["add_tags"])
        return await facade.hal.request(
            "POST", write.url, json=write.json, idempotent=idempotent, expect="resource"
        )

    return write_many(
        records,
        setup=setup,
        prepare=prepare,
        send=send,
        idempotent=idempotent,
        outcome=outcome,
        redact=facade.hal.transport.redact,
        options=bulk,
    )


class nested(Made[K]):
    """Declares a collection of records on a facade class (``signatures =
    action_records(Petition, SIGNATURES)``): reading it on a facade gives that facade's
    collection object, ``cls(facade, kind)``, made once."""

    def __init__(self, cls: Callable[[Any, Any], K], kind: RecordKind[Any]) -> None:
        #: The class of the collection object, and the kind of records it holds.
        self.cls = cls
        self.kind = kind

    def make(self, owner_object: Any) -> K:
        """The facade's collection object (then kept in its ``__dict__``: the same one)."""
        made = self.cls(owner_object, self.kind)
        owner_object.__dict__[self.name] = made
        return made


def records_of(parent: type[P], kind: RecordKind[R]) -> nested[Nested[P, R]]:
    """The records of ``kind`` below each ``parent`` (read only)."""
    return nested(Nested, kind)


def action_records(
    parent: type[P], kind: ActionRecordKind[R, F, H]
) -> nested[EditableRecords[P, R, F, H]]:
    """The records of ``kind`` people leave on each ``parent`` action."""
    return nested(EditableRecords, kind)


def added_records(
    parent: type[P], kind: ActionRecordKind[R, F, H]
) -> nested[ActionRecords[P, R, F, H]]:
    """The records of ``kind`` people leave on each ``parent`` action, which the API lets you
    add but not change (donations)."""
    return nested(ActionRecords, kind)


def _field_names(model: type[ResourceModel]) -> set[str]:
    return {f.name for f in attrs.fields(model)} - {"extra", "resource"}
