"""Fast readers of models: one generated function per model, built on first use.

A reader takes the fast road through a well-formed document: each field whose JSON value has
exactly the type the model declares (a string for ``str | None``, a list of strings for
``list[str]``, an object for a nested model) is taken as it is, without a call; any other
value goes through the very hook the cattrs converter would use. Whatever a reader cannot
read raises, and the caller then reads the document the slow way (cattrs, with its detailed
errors), so the two roads never disagree: the fast one only skips work.

Nothing happens at import: a model's reader is generated the first time the model is read.
"""

from __future__ import annotations

import threading
import typing
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import attrs

if TYPE_CHECKING:
    from . import base

__all__ = ["reader"]

#: A reader: the document (and the HAL resource it came from, for a resource model).
Reader = Callable[..., "base.Record"]

_readers: dict[type[Any], Reader | None] = {}
_generating: set[type[Any]] = set()  # the models whose readers are being generated
_lock = threading.RLock()
_PRIMITIVES = (str, bool, int, float)


def reader(cls: type[base.Record]) -> Reader | None:
    """The reader of ``cls``, generated on its first use; None when the converter reads
    ``cls`` with a hook registered for it (that hook is then the only way)."""
    try:
        return _readers[cls]
    except KeyError:
        pass
    # Generated under a lock: the blocking client makes models in its callers' threads, and
    # two of them may read a model for the first time at once. Re-entrant: a model's nested
    # models are generated inside its own generation.
    with _lock:
        if cls in _readers:
            return _readers[cls]
        if not _default_hook(cls):
            _readers[cls] = None
            return None
        _generating.add(cls)
        try:
            found = _readers[cls] = _generate(cls)
        finally:
            _generating.discard(cls)
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


def _value(source: _Source, kind: Any, v: str, hook_name: str, type_name: str) -> str:
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
        read = source.name("r", _nested(inner))
        return f"{read}({v}) if type({v}) is dict else {slow}"
    origin, args = typing.get_origin(inner), typing.get_args(inner)
    if origin is list and args:
        (item,) = args
        # map() and set() of types: no comprehension, whose frame costs more than its work
        if item in _PRIMITIVES:
            only = source.name("s", frozenset({item}))
            return f"{v}.copy() if type({v}) is list and {{*map(type, {v})}} <= {only} else {slow}"
        if base._is_record(item) and _default_hook(item):
            read = source.name("r", _nested(item))
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


def _nested(cls: type[base.Record]) -> Callable[[Any], base.Record]:
    """A nested model's reader: generated now, or when first called if it is being generated
    already (a model that holds itself, directly or not)."""
    if cls in _generating:
        return _lazy_reader(cls)
    return cast(Reader, reader(cls))  # a default hook: it has a reader


def _lazy_reader(cls: type[base.Record]) -> Callable[[Any], base.Record]:
    """A nested model's reader, generated when first called."""
    found: list[Reader] = []

    def read(document: Any) -> base.Record:
        if not found:
            found.append(cast(Reader, reader(cls)))  # a default hook: it has a reader
        return found[0](document)

    return read


def _generate(cls: type[base.Record]) -> Reader:
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
            expression = _value(source, kind, "v", source.name("h", hook), source.name("k", kind))
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
