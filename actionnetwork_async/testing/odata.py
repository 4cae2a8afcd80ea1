"""The OData ``filter`` subset Action Network accepts, parsed and evaluated without I/O.

Grammar: ``comparison (("and" | "or") comparison)*`` with ``and`` binding tighter than ``or``
and parentheses for grouping; a comparison is ``field op 'value'`` with ``op`` one of the
operators allowed (``DOCUMENTED_OPERATORS``, ``eq gt lt``, are the ones the API documents at
https://actionnetwork.org/docs/v2/; ``OPS`` adds ``ne ge le``). Inside a quoted value a
doubled quote ``''`` stands for one quote. The reference shows single comparisons only; how
the API treats ``and``/``or`` it does not say, and the emulator accepts them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

import attrs

__all__ = ["DOCUMENTED_OPERATORS", "OPS", "FilterError", "compile_filter"]

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}
DOCUMENTED_OPERATORS = frozenset({"eq", "gt", "lt"})
DATE_FIELDS = frozenset({"modified_date", "created_date", "start_date", "end_date"})
_TOKEN = re.compile(r"\s*(?:(\()|(\))|'((?:[^']|'')*)'|([A-Za-z_][A-Za-z0-9_]*))")


class FilterError(ValueError):
    """A filter the API would answer with 400."""


@attrs.frozen
class _Cmp:
    field: str
    op: str
    value: str


@attrs.frozen
class _Bool:
    op: str
    left: Any
    right: Any


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None:
            raise FilterError(f"cannot parse filter at {text[pos : pos + 20]!r}")
        if m.group(1):
            out.append(("(", "("))
        elif m.group(2):
            out.append((")", ")"))
        elif m.group(3) is not None:
            out.append(("str", m.group(3).replace("''", "'")))
        else:
            out.append(("word", m.group(4)))
        pos = m.end()
    return out


class _Parser:
    def __init__(
        self,
        tokens: list[tuple[str, str]],
        fields: frozenset[str] | None,
        operators: frozenset[str],
    ) -> None:
        self.tokens, self.pos, self.fields, self.operators = tokens, 0, fields, operators

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FilterError("filter ends too early")
        self.pos += 1
        return token

    def expr(self, level: int = 0) -> Any:
        ops = ("or", "and")
        if level == len(ops):
            return self.atom()
        node = self.expr(level + 1)
        while (token := self.peek()) and token == ("word", ops[level]):
            self.pos += 1
            node = _Bool(ops[level], node, self.expr(level + 1))
        return node

    def atom(self) -> Any:
        kind, value = self.take()
        if kind == "(":
            node = self.expr()
            if self.take()[0] != ")":
                raise FilterError("missing ')' in filter")
            return node
        if kind != "word" or (self.fields is not None and value not in self.fields):
            fields = ", ".join(sorted(self.fields or ())) or "none"
            raise FilterError(f"cannot filter on {value!r}; filterable fields: {fields}")
        op_kind, op = self.take()
        if op_kind != "word" or op not in self.operators:
            allowed = ", ".join(o for o in OPS if o in self.operators)
            raise FilterError(f"unknown operator {op!r}; use one of {allowed}")
        value_kind, literal = self.take()
        if value_kind != "str":
            raise FilterError(f"the value for {value} must be in single quotes")
        if value in DATE_FIELDS:
            _parse_date(literal)  # fail early on a bad date
        return _Cmp(value, op, literal)


def _parse_date(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(f"not a date: {text!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def compile_filter(
    text: str,
    fields: Iterable[str] | None,
    getter: Callable[[dict[str, Any], str], list[Any]],
    *,
    operators: Iterable[str] = OPS,
) -> Callable[[dict[str, Any]], bool]:
    """Parse ``text`` into a predicate over records; ``getter`` returns a field's values.

    Only ``fields`` (None: any name) and ``operators`` may appear. A multi-valued field (every
    email address of a person) matches when any value does.
    """
    parser = _Parser(
        _tokens(text), None if fields is None else frozenset(fields), frozenset(operators)
    )
    try:
        tree = parser.expr()
    except RecursionError:  # thousands of nested parentheses: a bad filter, not a crash
        raise FilterError("filter nested too deeply") from None
    if parser.peek() is not None:
        raise FilterError(f"unexpected {parser.peek()[1]!r} in filter")  # type: ignore[index]

    def evaluate(node: Any, record: dict[str, Any]) -> bool:
        if isinstance(node, _Bool):
            left = evaluate(node.left, record)
            if node.op == "and":
                return left and evaluate(node.right, record)
            return left or evaluate(node.right, record)
        compare = OPS[node.op]
        values = getter(record, node.field)
        if node.field in DATE_FIELDS:
            wanted = _parse_date(node.value)
            return any(compare(_parse_date(v), wanted) for v in values if v)
        return any(compare(str(v).lower(), node.value.lower()) for v in values)

    return lambda record: evaluate(tree, record)
