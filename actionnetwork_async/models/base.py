"""Model bases and the one cattrs converter: renames, datetimes, unknown fields, read-only fields.

Parsing keeps every field a model does not know in ``extra`` and never fails on one; writing a
model back omits what was not set, the fields the API says are not editable (``READ_ONLY``) and
the values it will not take (``WRITABLE``: the API's own ``action_network:`` identifiers, read
statuses such as ``bouncing``), and sends ``extra`` back unchanged. Renames such as
``action_network:sponsor`` -> ``sponsor`` are declared once, in ``RENAMES``.

Datetimes are UTC (aware) except the fields with ``metadata=WALL_CLOCK``: an event's ``start_date``
and ``end_date`` are local to the event's place, so they are read as naive wall time and written
with the wall time of the datetime given, never converted. A UTC datetime is converted when it
is read: one outside the years 1 to 9999 in UTC is a ``ModelError`` then, never an overflow later.

Known fields are read strictly but sensibly: a boolean is ``true``/``false`` or those words as a
string (``"false"`` is False; anything else is a ``ModelError``); a single string or object where
the API documents an array is an array of that one value (``"identifiers": "x:1"`` is
``["x:1"]``: the value is kept, and its meaning is plain); a text field takes a string or a
number. ``ModelError`` messages name the field's path and the type expected, never the value.
"""

from __future__ import annotations

import copy
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast, get_origin
from urllib.parse import unquote, urlsplit

import attrs

from ..errors import ModelError
from ..hal import Links, Resource
from ._reader import reader

if TYPE_CHECKING:
    import cattrs

__all__ = [
    "RENAMES",
    "WALL_CLOCK",
    "WRITABLE_STATUSES",
    "Record",
    "ResourceModel",
    "action_network_id",
    "converter",
    "format_datetime",
    "format_wall_clock",
    "last_segment",
    "parse_datetime",
    "parse_wall_clock",
    "to_api",
]

#: Python field name -> the API's field name. The only place a rename is written.
RENAMES: dict[str, str] = {
    "sponsor": "action_network:sponsor",
    "hidden": "action_network:hidden",
    "event_campaign_id": "action_network:event_campaign_id",
    "person_id": "action_network:person_id",
    "event_id": "action_network:event_id",
    "referrer_data": "action_network:referrer_data",
    "petition_id": "action_network:petition_id",
    "form_id": "action_network:form_id",
    "fundraising_page_id": "action_network:fundraising_page_id",
    "advocacy_campaign_id": "action_network:advocacy_campaign_id",
    "survey_id": "action_network:survey_id",
    "list_id": "action_network:list_id",
    "recurrence": "action_network:recurrence",
    "donated": "action_network:donated",
    "amount_donated": "action_network:total_amount",
    "from_": "from",
}
_NOT_DATA = frozenset({"extra", "resource"})
_HAL_KEYS = frozenset({"_links", "_embedded"})
_WALL_CLOCK = "actionnetwork_async.wall_clock"
#: ``metadata=`` of an attrs field holding local wall-clock time (read naive, written as is).
WALL_CLOCK: Mapping[str, bool] = {_WALL_CLOCK: True}
#: The only subscription statuses the API lets a write set (the others are read-only).
WRITABLE_STATUSES = frozenset({"subscribed", "unsubscribed"})

R = TypeVar("R", bound="Record")
M = TypeVar("M", bound="ResourceModel")


def parse_datetime(value: str | datetime) -> datetime:
    """An API timestamp (``2014-03-20T21:04:31Z``) as an aware datetime in UTC; naive means UTC.

    Raises ``ModelError`` for anything else, a time whose UTC form is outside the years 1 to
    9999 (``0001-01-01T00:00:00+14:00``) included, so an extreme date fails here and never
    later, in ``to_json()`` or a filter.
    """
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ModelError("not an ISO 8601 date and time") from None
    else:
        raise ModelError(f"a date and time must be a string, got {type(value).__name__}")
    if when.tzinfo is timezone.utc:  # the API's own "Z": nothing to convert
        return when
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else _utc(when)


def _utc(when: datetime) -> datetime:
    try:
        return when.astimezone(timezone.utc)
    except OverflowError:
        raise ModelError("date and time out of range once converted to UTC") from None


def format_datetime(value: datetime) -> str:
    """A datetime in the API's format, in UTC (naive means UTC); ``ModelError`` if the UTC
    time falls outside the years 1 to 9999."""
    when = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return _api_format(_utc(when))


def _api_format(when: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` with four-digit years (strftime writes year 1 as ``1``)."""
    return when.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def parse_wall_clock(value: str | datetime) -> datetime:
    """An API wall-clock time (``2014-03-22T17:45:00Z``, whose ``Z`` is no UTC) as naive time;
    ``ModelError`` for anything else."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if not isinstance(value, str):
        raise ModelError(f"a date and time must be a string, got {type(value).__name__}")
    try:
        return datetime.fromisoformat(value.rstrip("Zz")).replace(tzinfo=None)
    except ValueError:
        raise ModelError("not an ISO 8601 date and time") from None


def format_wall_clock(value: datetime) -> str:
    """The wall time of ``value`` (aware or naive, never converted) in the API's format."""
    return _api_format(value)


def _own_identifiers_dropped(identifiers: list[Any]) -> list[Any]:
    return [i for i in identifiers if not (isinstance(i, str) and i.startswith("action_network:"))]


@attrs.define(kw_only=True)
class Record:
    """Base of every model: whatever the API sends that the model does not know is kept."""

    #: API field names never sent back (system generated, not editable).
    READ_ONLY: ClassVar[frozenset[str]] = frozenset()
    #: Other names a field arrives under (API name -> alternative); the alternative key stays
    #: in ``extra`` so it is sent back as it came.
    ALIASES: ClassVar[dict[str, str]] = {}
    #: API field name -> what of its value a write may send (None: nothing, the field is left out).
    WRITABLE: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}

    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @classmethod
    def from_json(cls: type[R], data: Mapping[str, Any]) -> R:
        """Parse a JSON object; raises ``ModelError`` if a known field has an impossible value."""
        read = reader(cls)
        if read is not None:
            try:
                return cast(R, read(data))
            except Exception:  # cattrs reads it again and says what is wrong
                pass
        import cattrs  # imported already: reader() made the converter

        try:
            return _converter().structure(data, cls)
        except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
            raise ModelError(f"cannot read a {cls.__name__}: {_describe(exc)}") from exc

    def to_json(self) -> dict[str, Any]:
        """The JSON to send: set fields only, no read-only field, unknown fields unchanged."""
        out: dict[str, Any] = _converter().unstructure(self)
        return out


@attrs.define(kw_only=True)
class ResourceModel(Record):
    """A model of a whole API resource: identifiers, dates, and the HAL resource it came from."""

    READ_ONLY = frozenset({"created_date", "modified_date"})
    #: The API assigns ``action_network:`` identifiers; a write never sends one back.
    WRITABLE: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "identifiers": _own_identifiers_dropped
    }

    identifiers: list[str] = attrs.field(factory=list)
    created_date: datetime | None = None
    modified_date: datetime | None = None
    resource: Resource | None = attrs.field(default=None, repr=False, eq=False)

    @property
    def id(self) -> str:
        """The Action Network id: the ``action_network:`` identifier without its prefix, else
        the last segment of the model's ``self`` link when it was read from the API; ``""``
        (falsy: ``if model.id:`` reads naturally) for a model that has neither, such as a
        new one not yet written."""
        found = action_network_id(self.identifiers)
        if found is None and self.resource is not None and self.resource.self_href:
            found = last_segment(self.resource.self_href)
        return found or ""

    @property
    def links(self) -> Mapping[str, Links]:
        """The links of the resource this model was read from (empty for a new model)."""
        return self.resource.links if self.resource is not None else {}

    @property
    def url(self) -> str | None:
        """The resource's own URL (its ``self`` link), if it came from the API."""
        return self.resource.self_href if self.resource is not None else None

    def linked_id(self, rel: str) -> str | None:
        """The id of the resource the link ``rel`` points to (the last segment of its URL),
        read without a request; None when the model has no such link."""
        if self.resource is None or not self.resource.has_link(rel):
            return None
        return last_segment(self.resource.link(rel, index=0).href)

    def to_dict(self) -> dict[str, Any]:
        """The read form, for tables and data frames (``pandas.DataFrame([p.to_dict() ...])``):
        every field the API sent, as JSON (identifiers, ``created_date`` and
        ``modified_date`` included; ``_links`` and ``_embedded`` left out), and ``id``, the
        Action Network id. A model not read from the API gives its own fields, dates and
        identifiers included. ``to_json()`` is the write form: no dates, no API identifier.

        A copy: changing it changes neither the model nor what a later call returns.
        """
        if self.resource is not None:
            out = copy.deepcopy({k: v for k, v in self.resource.data.items() if k not in _HAL_KEYS})
        else:
            out = self.to_json()
            out["identifiers"] = list(self.identifiers)
            for name in ("created_date", "modified_date"):
                when = getattr(self, name)
                if when is not None:
                    out[name] = format_datetime(when)
        out.setdefault("id", self.id)
        return out

    @classmethod
    def from_resource(cls: type[M], resource: Resource) -> M:
        """The model of a HAL resource, keeping the resource (and so its links). Its nested
        records (a person's email addresses ...) are read when their field is first read, and
        one that cannot be read raises ``ModelError`` there (``from_json`` reads all at once)."""
        read = reader(cls, lazy=True)
        if read is not None:
            try:  # from the document itself: its _links and _embedded are no field, no extra
                return cast(M, read(resource.document, resource))
            except Exception:  # from_json reads it again and says what is wrong
                pass
        model = cls.from_json(resource.data)
        model.resource = resource
        return model


def action_network_id(identifiers: Iterable[object]) -> str | None:
    """The Action Network id among ``identifiers``: the ``action_network:`` one without its
    prefix (None when there is none)."""
    for ident in identifiers:
        if isinstance(ident, str) and ident.startswith("action_network:"):
            return ident.removeprefix("action_network:")
    return None


def last_segment(url: str) -> str | None:
    """The last path segment of a URL (an id at the end of a resource's URL), or None."""
    segment = unquote(urlsplit(url).path.rstrip("/").rpartition("/")[2])
    return segment or None


def _describe(exc: BaseException) -> str:
    """Where a document failed and what was expected, never the value found: a document can
    hold personal data, and this message goes into logs and webhook answers."""
    import cattrs

    if not isinstance(exc, cattrs.BaseValidationError):
        return type(exc).__name__
    problems = cattrs.transform_error(exc, format_exception=_what_failed)
    shown = "; ".join(problems[:3])
    return shown + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")


def _what_failed(exc: BaseException, expected: type | None) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, ModelError):  # this module's own messages never hold the value
        return str(exc)
    name = getattr(expected, "__name__", None) or (repr(expected) if expected else None)
    return f"invalid value, expected {name}" if name else f"invalid value ({type(exc).__name__})"


def _unset(value: Any) -> bool:
    return value is None or (isinstance(value, (list, dict)) and not value)


def _unstructure_wall_clock(value: datetime | None) -> str | None:
    return None if value is None else format_wall_clock(value)


def _override(field: attrs.Attribute[Any]) -> Any:
    from cattrs.gen import override

    if field.name in _NOT_DATA:
        return override(omit=True)
    rename = RENAMES.get(field.name, field.name)
    if field.metadata.get(_WALL_CLOCK):
        return override(
            rename=rename,
            struct_hook=lambda value, _: parse_wall_clock(value),
            unstruct_hook=_unstructure_wall_clock,
        )
    return override(rename=rename)


def _overrides(cls: type[Record]) -> dict[str, Any]:
    """cattrs overrides for a model: API names from ``RENAMES``, wall-clock datetimes;
    ``extra``/``resource`` skipped."""
    return {f.name: _override(f) for f in attrs.fields(cls)}


def to_api(cls: type[Record], name: str, value: Any) -> Any:
    """The JSON a write sends for ``value`` of field ``name`` of ``cls`` (its own hooks applied)."""
    field = attrs.fields_dict(cls)[name]
    if field.metadata.get(_WALL_CLOCK) and isinstance(value, datetime):
        return format_wall_clock(value)
    return _converter().unstructure(value)


def _structure_factory(cls: type[Record]) -> Callable[[Any, Any], Record]:
    # keys that never go to ``extra``: the model's own (by API name) and HAL's
    not_extra = _HAL_KEYS | {
        RENAMES.get(f.name, f.name) for f in attrs.fields(cls) if f.name not in _NOT_DATA
    }
    from cattrs.gen import make_dict_structure_fn

    base = make_dict_structure_fn(
        cls, _converter(), _cattrs_forbid_extra_keys=False, **_overrides(cls)
    )

    aliases = cls.ALIASES

    def structure(data: Any, _: Any) -> Record:
        if type(data) is not dict and not isinstance(data, Mapping):  # dict: skip the ABC check
            raise TypeError(f"expected a JSON object, got {type(data).__name__}")
        values = data
        # This runs for every record of every page: copy only when a null or alias needs it.
        if aliases or None in data.values():
            values = {k: v for k, v in data.items() if v is not None}
            for name, alternative in aliases.items():
                if name not in values and values.get(alternative) is not None:
                    values[name] = values[alternative]
        record = base(values, cls)
        if data.keys() <= not_extra:  # the usual case, tested without building a set
            record.extra = {}
        else:
            record.extra = {k: v for k, v in data.items() if k not in not_extra}
        return record

    _DEFAULT_HOOKS.add(structure)
    return structure


#: The structure hooks ``_structure_factory`` made: a model read by one of them (not by a hook
#: registered for it elsewhere) can be read by its generated reader (``_reader``) instead.
_DEFAULT_HOOKS: set[Callable[[Any, Any], Record]] = set()


def _unstructure_factory(cls: type[Record]) -> Callable[[Record], dict[str, Any]]:
    from cattrs.gen import make_dict_unstructure_fn

    base = make_dict_unstructure_fn(cls, _converter(), **_overrides(cls))
    read_only = cls.READ_ONLY
    writable = cls.WRITABLE

    def unstructure(record: Record) -> dict[str, Any]:
        out = base(record)
        for key, keep in writable.items():
            if out.get(key) is not None:
                out[key] = keep(out[key])
        out = {k: v for k, v in out.items() if k not in read_only and not _unset(v)}
        for key, value in record.extra.items():
            out.setdefault(key, value)
        return out

    return unstructure


def _is_record(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, Record) and attrs.has(cls)


def _is_optional(kind: Any) -> bool:
    """Whether ``kind`` is ``X | None`` (``Optional[X]``) for one type X."""
    union = typing.get_origin(kind) in (typing.Union, types.UnionType)
    return union and len(typing.get_args(kind)) == 2 and type(None) in typing.get_args(kind)


def _optional_factory(kind: Any) -> Callable[[Any, Any], Any]:
    """``X | None``, as cattrs structures it, with X's hook looked up once instead of per value.

    Models are mostly optional fields, and streaming structures every one of every record.
    """
    (inner,) = (arg for arg in typing.get_args(kind) if arg is not type(None))
    hook = _converter().get_structure_hook(inner)
    if inner in (str, bool, int, float):  # the common case: already the right type

        def primitive(value: Any, _: Any) -> Any:
            return value if value is None or type(value) is inner else hook(value, inner)

        return primitive

    def optional(value: Any, _: Any) -> Any:
        return None if value is None else hook(value, inner)

    return optional


def _structure_bool(value: Any, _: Any) -> bool:
    """JSON true/false, or the strings ``"true"``/``"false"`` in any case; nothing else
    (``bool("false")`` would be True)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ModelError(f"expected true or false, got a {type(value).__name__}")


def _structure_str(value: Any, _: Any) -> str:
    """A JSON string, or a number as its text (a postal code sent as 12345); an object, an
    array, a boolean or null is no text."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ModelError(f"expected a string, got a {type(value).__name__}")


def _is_list(cls: Any) -> bool:
    return get_origin(cls) is list


def _list_factory(cls: Any, conv: cattrs.Converter) -> Callable[[Any, Any], list[Any]]:
    """Lists as cattrs reads them, except that one string or one object where the API
    documents an array is read as an array of that one value (``"identifiers": "x:1"`` is
    ``["x:1"]``, never a list of characters)."""
    from cattrs.cols import list_structure_factory

    base = list_structure_factory(cls, conv)

    def structure(value: Any, type_: Any) -> list[Any]:
        if isinstance(value, (str, Mapping)):
            value = [value]
        structured: list[Any] = base(value, type_)
        return structured

    return structure


#: The one cattrs converter of every model: renames, datetimes, unknown fields kept. Made on
#: first use (``_converter()``, or this attribute read from the module), so that importing the
#: models imports no cattrs.
converter: cattrs.Converter


def _converter() -> cattrs.Converter:
    """The converter of every model, made (and cattrs imported) on first use."""
    try:
        return converter
    except NameError:
        pass
    import cattrs

    made = cattrs.Converter()
    made.register_structure_hook(bool, _structure_bool)
    made.register_structure_hook(str, _structure_str)
    made.register_structure_hook_factory(_is_list, _list_factory)
    made.register_structure_hook_factory(_is_optional, _optional_factory)
    made.register_structure_hook(datetime, lambda value, _: parse_datetime(value))
    made.register_unstructure_hook(datetime, format_datetime)
    made.register_structure_hook_factory(_is_record, _structure_factory)
    made.register_unstructure_hook_factory(_is_record, _unstructure_factory)
    globals()["converter"] = made
    return made


def __getattr__(name: str) -> Any:
    """``converter``, made on its first read (``from actionnetwork_async.models.base import
    converter`` included)."""
    if name == "converter":
        return _converter()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
