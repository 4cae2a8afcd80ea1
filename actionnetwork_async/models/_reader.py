"""Fast readers of models: one generated function per model, built on first use.

A reader takes the fast road through a well-formed document: each field whose JSON value has
exactly the type the model declares (a string for ``str | None``, a list of strings for
``list[str]``, an object for a nested model) is taken as it is, without a call; any other
value goes through the very hook the cattrs converter would use. Whatever a reader cannot
read raises, and the caller then reads the document the slow way (cattrs, with its detailed
errors), so the two roads never disagree: the fast one only skips work.

Nested records (a person's email addresses, phone numbers and postal addresses, an address's
location) are read when their field is first read: their JSON, checked to be an object or an
array of objects, waits in the field as an ``Unread``, and the field's attribute (a ``LazyField``
around attrs' slot) reads it on first access and keeps the models. Most programs that stream
records never look at most of them, and they are about half of what reading a person costs. A
nested record that cannot be read raises ``ModelError`` at that first access, naming the field.

Nothing happens at import: a model's reader is generated the first time the model is read.
"""

from __future__ import annotations

import threading
import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import attrs

if TYPE_CHECKING:
    from . import base

__all__ = ["LazyField", "Unread", "reader"]

#: A reader: the document (and the HAL resource it came from, for a resource model).
Reader = Callable[..., "base.Record"]

_readers: dict[tuple[type[Any], bool], Reader | None] = {}
_generating: set[tuple[type[Any], bool]] = set()  # the readers being generated
_lock = threading.RLock()
_PRIMITIVES = (str, bool, int, float)


def reader(cls: type[base.Record], lazy: bool = False) -> Reader | None:
    """The reader of ``cls``, generated on its first use; None when the converter reads
    ``cls`` with a hook registered for it (that hook is then the only way). A ``lazy`` one
    leaves nested records unread until their field is read (``from_resource``: a record of
    the API); the other reads everything at once (``from_json``: what is checked now, such
    as a webhook delivery or a body to send)."""
    key = (cls, lazy)
    try:
        return _readers[key]
    except KeyError:
        pass
    # Generated under a lock: the blocking client makes models in its callers' threads, and
    # two of them may read a model for the first time at once. Re-entrant: a model's nested
    # models are generated inside its own generation.
    with _lock:
        if key in _readers:
            return _readers[key]
        if not _default_hook(cls):
            _readers[key] = None
            return None
        _generating.add(key)
        try:
            found = _readers[key] = _generate(cls, lazy)
        finally:
            _generating.discard(key)
        return found


def _default_hook(cls: type[base.Record]) -> bool:
    """Whether the converter reads ``cls`` with the hook the models' factory made."""
    from . import base

    return base.converter.get_structure_hook(cls) in base._DEFAULT_HOOKS


def _inner(kind: Any) -> Any:
    """``X`` for ``X | None``; ``kind`` itself otherwise."""
    from . import base

    if base._is_optional(kind):
        (inner,) = (arg for arg in typing.get_args(kind) if arg is not type(None))
        return inner
    return kind


class _Source:
    """The lines and the names (hooks, types, defaults) of one generated function."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {}

    def name(self, prefix: str, value: Any) -> str:
        key = f"{prefix}{len(self.names)}"
        self.names[key] = value
        return key


def _value(source: _Source, kind: Any, v: str, hook_name: str, type_name: str, lazy: bool) -> str:
    """An expression reading the non-null JSON value ``v`` as ``kind``."""
    from . import base

    inner = _inner(kind)
    slow = f"{hook_name}({v}, {type_name})"
    if inner in _PRIMITIVES:
        return f"{v} if type({v}) is {source.name('t', inner)} else {slow}"
    if inner is datetime:
        parse = source.name("p", base.parse_datetime)
        return f"{parse}({v}) if type({v}) is str else {slow}"
    if base._is_record(inner) and _default_hook(inner):
        read = source.name("r", _nested(inner, lazy))
        return f"{read}({v}) if type({v}) is dict else {slow}"
    origin, args = typing.get_origin(inner), typing.get_args(inner)
    if origin is list and args:
        (item,) = args
        # map() and set() of types: no comprehension, whose frame costs more than its work
        if item in _PRIMITIVES:
            only = source.name("s", frozenset({item}))
            return f"{v}.copy() if type({v}) is list and {{*map(type, {v})}} <= {only} else {slow}"
        if base._is_record(item) and _default_hook(item):
            read = source.name("r", _nested(item, lazy))
            return f"[*map({read}, {v})] if type({v}) is list else {slow}"
        if typing.get_origin(item) is dict and typing.get_args(item)[1:] == (Any,):
            dicts = source.name("s", frozenset({dict}))
            each = f"{{*map(type, {v})}} <= {dicts}"
            return f"[*map(dict, {v})] if type({v}) is list and {each} else {slow}"
    if origin is dict and args and args[0] is str:
        if args[1] is Any:  # a copy: keys are strings in JSON, values are kept as they are
            return f"dict({v}) if type({v}) is dict else {slow}"
        if args[1] is str:
            strings = source.name("s", frozenset({str}))
            check = f"{{*map(type, {v}), *map(type, {v}.values())}} <= {strings}"
            return f"dict({v}) if type({v}) is dict and {check} else {slow}"
    return slow


class _FieldReader:
    """How one lazy field of one model is read: fast (``read``), else by the converter's hook
    for the field's type (which also coerces what the API sends loosely), else ``ModelError``."""

    __slots__ = ("hook", "kind", "label", "read")

    def __init__(self, read: Callable[[Any], Any], hook: Any, kind: Any, label: str) -> None:
        self.read = read
        self.hook = hook
        self.kind = kind
        self.label = label


class Unread:
    """A nested record's JSON waiting in its model's field until the field is first read."""

    __slots__ = ("document", "field")

    def __init__(self, document: Any, field: _FieldReader) -> None:
        self.document = document
        self.field = field

    def model(self) -> Any:
        """The field's value: the model (or list of models) of ``document``."""
        field = self.field
        try:
            return field.read(self.document)
        except Exception:  # the converter reads it again and says what is wrong
            pass
        try:
            return field.hook(self.document, field.kind)
        except Exception as exc:
            from ..errors import ModelError
            from .base import _describe

            raise ModelError(f"cannot read the {field.label}: {_describe(exc)}") from exc


class LazyField:
    """The attribute of a model field that may hold an ``Unread``: attrs' slot, whose value is
    read into models on first access and kept."""

    __slots__ = ("slot",)

    def __init__(self, slot: Any) -> None:
        self.slot = slot

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = self.slot.__get__(instance, owner)
        if type(value) is Unread:
            value = value.model()
            self.slot.__set__(instance, value)
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        self.slot.__set__(instance, value)

    def __delete__(self, instance: Any) -> None:
        self.slot.__delete__(instance)


def _lazy_slot(cls: type[Any], name: str) -> bool:
    """Make the attribute ``name`` of ``cls`` (attrs' slot, wherever in the MRO it is) a
    ``LazyField``; False when it is no slot (a model made without ``slots=True``)."""
    for klass in cls.__mro__:
        attribute = vars(klass).get(name)
        if isinstance(attribute, LazyField):
            return True
        if isinstance(attribute, types.MemberDescriptorType):
            setattr(klass, name, LazyField(attribute))
            return True
        if attribute is not None:
            return False
    return False


def _lazy(
    source: _Source, cls: type[Any], name: str, kind: Any, hook: Any, v: str, slow: str
) -> str | None:
    """An expression that leaves the nested record(s) of ``v`` unread, or None when the field
    is read at once (not a nested record of the models' own kind, or not a slot). ``hook`` is
    the converter's for ``kind``."""
    from . import base

    inner = _inner(kind)
    read: Callable[[Any], Any]
    if base._is_record(inner) and _default_hook(inner):
        read, many = _nested(inner, True), False
    elif typing.get_origin(inner) is list and typing.get_args(inner):
        (item,) = typing.get_args(inner)
        if not (base._is_record(item) and _default_hook(item)):
            return None
        one = _nested(item, True)

        def read_all(document: Any) -> list[Any]:
            return [*map(one, document)]

        read, many = read_all, True
    else:
        return None
    if not _lazy_slot(cls, name):
        return None
    unread = source.name("u", Unread)
    field = source.name("l", _FieldReader(read, hook, kind, f"{name} of a {cls.__name__}"))
    if many:  # an array of objects; an empty one is an empty list at once
        dicts = source.name("s", frozenset({dict}))
        test = f"type({v}) is list and {{*map(type, {v})}} <= {dicts}"
        return f"({unread}({v}, {field}) if {v} else []) if {test} else {slow}"
    return f"{unread}({v}, {field}) if type({v}) is dict else {slow}"


def _nested(cls: type[base.Record], lazy: bool) -> Callable[[Any], base.Record]:
    """A nested model's reader: generated now, or when first called if it is being generated
    already (a model that holds itself, directly or not)."""
    if (cls, lazy) in _generating:
        return _reader_later(cls, lazy)
    return cast(Reader, reader(cls, lazy))  # a default hook: it has a reader


def _reader_later(cls: type[base.Record], lazy: bool) -> Callable[[Any], base.Record]:
    """A nested model's reader, generated when first called."""
    found: list[Reader] = []

    def read(document: Any) -> base.Record:
        if not found:
            found.append(cast(Reader, reader(cls, lazy)))  # a default hook: it has a reader
        return found[0](document)

    return read


def _generate(cls: type[base.Record], lazy: bool) -> Reader:
    """The source of ``cls``'s reader, compiled."""
    from . import base

    hints = typing.get_type_hints(cls)
    source = _Source()
    fields = [f for f in attrs.fields(cls) if f.name not in base._NOT_DATA]
    aliases = cls.ALIASES
    not_extra = base._HAL_KEYS | {base.RENAMES.get(f.name, f.name) for f in fields}
    lines = source.lines
    lines.append("def read(o, resource=None):")
    lines.append("    if type(o) is not dict: raise TypeError")
    arguments = []
    for index, field in enumerate(fields):
        key = base.RENAMES.get(field.name, field.name)
        kind = hints[field.name]
        local = f"a{index}"
        lines.append(f"    v = o.get({key!r})")
        if key in aliases:  # null or missing: the alternative key's value
            lines.append(f"    if v is None: v = o.get({aliases[key]!r})")
        default = field.default
        if default is attrs.NOTHING or (
            isinstance(default, attrs.Factory) and default.takes_self  # type: ignore[arg-type]
        ):
            lines.append("    if v is None: raise TypeError")
            absent = ""
        elif isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            absent = f"{source.name('f', default.factory)}()"
        else:
            absent = source.name("d", default)
        if field.metadata.get(base._WALL_CLOCK):
            expression = f"{source.name('w', base.parse_wall_clock)}(v)"
        else:
            hook = base.converter.get_structure_hook(kind)
            hook_name, kind_name = source.name("h", hook), source.name("k", kind)
            slow = f"{hook_name}(v, {kind_name})"
            expression = (lazy and _lazy(source, cls, field.name, kind, hook, "v", slow)) or _value(
                source, kind, "v", hook_name, kind_name, lazy
            )
        if absent:
            lines.append(f"    {local} = {absent} if v is None else {expression}")
        else:
            lines.append(f"    {local} = {expression}")
        arguments.append(f"{field.alias}={local}")
    extra_keys = source.name("e", frozenset(not_extra))
    lines.append(
        f"    extra = {{}} if o.keys() <= {extra_keys} else "
        f"{{k: x for k, x in o.items() if k not in {extra_keys}}}"
    )
    arguments.append("extra=extra")
    if "resource" in attrs.fields_dict(cls):
        arguments.append("resource=resource")
    lines.append(f"    return {source.name('c', cls)}({', '.join(arguments)})")
    namespace: dict[str, Any] = dict(source.names)
    code = compile("\n".join(lines), f"<actionnetwork_async reader {cls.__qualname__}>", "exec")
    exec(code, namespace)  # the source is built above from the model's own fields
    read: Reader = namespace["read"]
    return read
