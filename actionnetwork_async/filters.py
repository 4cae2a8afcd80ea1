"""A typed builder for the API's OData ``filter`` parameter.

    F.modified_date > datetime(2024, 1, 1, tzinfo=timezone.utc)
    (F.email_address == "a@example.org") | (F.email_address == "o'brien@example.org")

renders ``modified_date gt '2024-01-01T00:00:00Z'`` and
``email_address eq 'a@example.org' or email_address eq 'o''brien@example.org'``. Values are
always quoted, with quotes doubled; ``&`` binds tighter than ``|``, as ``and`` does in OData,
and parentheses are added where a rendering needs them. Plain strings are accepted wherever a
filter is.

Datetimes are sent in UTC, except on an event's ``start_date`` and ``end_date``: those are the
event's local wall-clock time, so the wall time of the datetime given is sent, unconverted.

The API documents ``eq``, ``gt`` and ``lt`` (``==``, ``>``, ``<``) and, per collection, which
fields can be filtered (https://actionnetwork.org/docs/v2/): people by ``identifier``,
``created_date``, ``modified_date``, ``family_name``, ``given_name``, ``email_address``,
``phone_number``, ``region`` and ``postal_code``; events by ``identifier``, ``created_date``,
``modified_date``, ``origin_system``, ``title``, ``start_date`` and ``end_date``.
"""

from __future__ import annotations

import functools
import operator
import re
from datetime import date, datetime
from typing import Any

from .errors import ConfigurationError, ModelError
from .models.base import format_datetime, format_wall_clock

__all__ = [
    "WALL_CLOCK_FIELDS",
    "F",
    "Field",
    "Filter",
    "all_of",
    "as_filter",
    "parse_filter",
    "render_filter",
    "render_value",
]

#: Fields holding local wall-clock time (an event's dates): filtered without UTC conversion.
WALL_CLOCK_FIELDS = frozenset({"start_date", "end_date"})


def render_value(value: Any, *, wall_clock: bool = False) -> str:
    """A value as an OData literal: quoted, with single quotes doubled.

    A datetime is sent in UTC, or as its own wall time when ``wall_clock``.
    """
    if isinstance(value, datetime):
        try:
            text = format_wall_clock(value) if wall_clock else format_datetime(value)
        except ModelError as exc:  # a time whose UTC form is past year 9999 or before year 1
            raise ConfigurationError(f"cannot filter on that datetime: {exc}") from None
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (str, int, float)):
        text = str(value)
    else:
        raise ConfigurationError(f"cannot filter on a {type(value).__name__} value: {value!r}")
    return "'" + text.replace("'", "''") + "'"


class Filter:
    """A filter expression; combine with ``&`` (and) and ``|`` (or), render with ``str()``."""

    __slots__ = ("_op", "_parts", "_text")

    def __init__(self, text: str = "", *, op: str | None = None, parts: tuple[Filter, ...] = ()):
        self._text, self._op, self._parts = text, op, parts

    def __and__(self, other: Filter | str) -> Filter:
        return Filter(op="and", parts=(self, as_filter(other)))

    def __rand__(self, other: str) -> Filter:
        return Filter(op="and", parts=(as_filter(other), self))

    def __or__(self, other: Filter | str) -> Filter:
        return Filter(op="or", parts=(self, as_filter(other)))

    def __ror__(self, other: str) -> Filter:
        return Filter(op="or", parts=(as_filter(other), self))

    def __bool__(self) -> bool:
        raise TypeError("combine filters with & and |, not 'and'/'or'")

    def __str__(self) -> str:
        if self._op is None:
            return self._text
        rendered = []
        for part in self._parts:
            text = str(part)
            # an 'or' inside an 'and' needs parentheses; so does a raw string with either word
            if self._op == "and" and (part._op == "or" or (part._op is None and " or " in text)):
                text = f"({text})"
            rendered.append(text)
        return f" {self._op} ".join(rendered)

    def __repr__(self) -> str:
        return f"Filter({str(self)!r})"


def as_filter(value: Filter | str) -> Filter:
    """``value`` as a ``Filter`` (a non-blank string is taken as written); else
    ``ConfigurationError``."""
    if isinstance(value, Filter):
        return value
    if isinstance(value, str) and value.strip():
        return Filter(value.strip())
    raise ConfigurationError(f"not a filter: {value!r}")


def all_of(*parts: Filter | str | None) -> Filter | None:
    """The parts joined with ``and``, the None ones left out (None when every one is), for a
    filter built from optional conditions: ``all_of(None if since is None else
    F.modified_date > since, user_filter)``."""
    given = [as_filter(part) for part in parts if part is not None]
    return functools.reduce(operator.and_, given) if given else None


def render_filter(value: Filter | str | None) -> str | None:
    """The ``filter`` parameter for a Filter, a string, or None."""
    return None if value is None else str(as_filter(value))


#: The comparison operators ``parse_filter`` reads (the API documents eq, gt and lt).
_OPERATORS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
#: OData's tokens: any whitespace, parentheses, a quoted value ('' is a quote), or a word.
_TOKENS = re.compile(r"\s+|(?P<paren>[()])|(?P<quoted>'(?:[^']|'')*')|(?P<word>[^\s()']+)")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def parse_filter(text: str) -> Filter:
    """An OData filter as written (``field op 'value'`` joined by ``and``/``or``, in
    parentheses or not, any whitespace between) as a ``Filter``, rendered again with single
    spaces, quotes doubled and the parentheses its ``and``/``or`` need, so joining it with
    another condition keeps its meaning. What it cannot read (an unknown operator, an
    unclosed quote or parenthesis, ``not``, a function) is a ``ConfigurationError``."""
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _TOKENS.match(text, position)
        if match is None:  # only an unclosed quote is left
            raise ConfigurationError(f"cannot read the filter: unclosed quote at {position + 1}")
        kind = match.lastgroup
        if kind is not None:
            tokens.append((kind, match.group()))
        position = match.end()
    parsed, rest = _or(tokens, 0)
    if rest != len(tokens):
        raise ConfigurationError(f"cannot read the filter: unexpected {tokens[rest][1]!r}")
    return parsed


def _keyword(tokens: list[tuple[str, str]], at: int, word: str) -> bool:
    return at < len(tokens) and tokens[at][0] == "word" and tokens[at][1].lower() == word


def _or(tokens: list[tuple[str, str]], at: int) -> tuple[Filter, int]:
    result, at = _and(tokens, at)
    while _keyword(tokens, at, "or"):
        right, at = _and(tokens, at + 1)
        result = result | right
    return result, at


def _and(tokens: list[tuple[str, str]], at: int) -> tuple[Filter, int]:
    result, at = _term(tokens, at)
    while _keyword(tokens, at, "and"):
        right, at = _term(tokens, at + 1)
        result = result & right
    return result, at


def _term(tokens: list[tuple[str, str]], at: int) -> tuple[Filter, int]:
    if at >= len(tokens):
        raise ConfigurationError("cannot read the filter: it ends where a condition should be")
    if tokens[at] == ("paren", "("):
        inner, at = _or(tokens, at + 1)
        if at >= len(tokens) or tokens[at] != ("paren", ")"):
            raise ConfigurationError("cannot read the filter: a parenthesis is not closed")
        return inner, at + 1  # an 'or' in it gets its parentheses back where an 'and' joins it
    if at + 3 > len(tokens):
        raise ConfigurationError(
            f"cannot read the filter near {tokens[at][1]!r}: a condition is field op 'value'"
        )
    (field_kind, field), (op_kind, op), (value_kind, value) = tokens[at : at + 3]
    if field_kind != "word" or not _NAME.fullmatch(field) or field.lower() in ("and", "or"):
        raise ConfigurationError(f"cannot read the filter: {field!r} is not a field name")
    if op_kind != "word" or op.lower() not in _OPERATORS:
        raise ConfigurationError(
            f"cannot read the filter: {op!r} is not an operator ({', '.join(sorted(_OPERATORS))})"
        )
    if value_kind == "quoted":
        literal = render_value(value[1:-1].replace("''", "'"))
    elif value_kind == "word" and (_NUMBER.fullmatch(value) or value in ("true", "false")):
        literal = value
    else:
        raise ConfigurationError(f"cannot read the filter: {value!r} is not a value ('quoted')")
    return Filter(f"{field} {op.lower()} {literal}"), at + 3


class Field:
    """A filterable field; comparing it with a value makes a ``Filter``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def _cmp(self, op: str, value: Any) -> Filter:
        literal = render_value(value, wall_clock=self.name in WALL_CLOCK_FIELDS)
        return Filter(f"{self.name} {op} {literal}")

    def __eq__(self, value: Any) -> Filter:  # type: ignore[override]
        return self._cmp("eq", value)

    def __ne__(self, value: Any) -> Filter:  # type: ignore[override]
        return self._cmp("ne", value)

    def __gt__(self, value: Any) -> Filter:
        return self._cmp("gt", value)

    def __ge__(self, value: Any) -> Filter:
        return self._cmp("ge", value)

    def __lt__(self, value: Any) -> Filter:
        return self._cmp("lt", value)

    def __le__(self, value: Any) -> Filter:
        return self._cmp("le", value)

    __hash__ = None  # type: ignore[assignment]


class _Fields:
    """``F.modified_date``, ``F.email_address`` ...: any attribute is a field."""

    modified_date = Field("modified_date")
    created_date = Field("created_date")
    email_address = Field("email_address")
    phone_number = Field("phone_number")
    start_date = Field("start_date")
    end_date = Field("end_date")

    def __getattr__(self, name: str) -> Field:
        if name.startswith("_"):
            raise AttributeError(name)
        return Field(name)

    def __getitem__(self, name: str) -> Field:
        return Field(name)


#: The fields of an OData filter: ``F.modified_date > when``, ``F.email_address == "a@b.org"``,
#: combined with ``&`` and ``|``; any attribute (or ``F["name"]``) is a field.
F = _Fields()
