"""The emulator's OData filter subset, without a network."""

from __future__ import annotations

from typing import Any

import pytest

from actionnetwork_async.testing import FilterError, compile_filter

FIELDS = ("modified_date", "created_date", "email_address", "phone_number")


def values(record: dict[str, Any], field: str) -> list[Any]:
    if field == "email_address":
        return [e["address"] for e in record.get("email_addresses", [])]
    return [record.get(field)]


A = {"modified_date": "2024-01-10T00:00:00Z", "email_addresses": [{"address": "O'Brien@x.org"}]}
B = {"modified_date": "2024-03-01T12:00:00Z", "email_addresses": [{"address": "b@x.org"}]}


def matches(text: str) -> list[str]:
    predicate = compile_filter(text, FIELDS, values)
    return [name for name, r in (("A", A), ("B", B)) if predicate(r)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("modified_date gt '2024-02-01'", ["B"]),
        ("modified_date ge '2024-01-10T00:00:00Z'", ["A", "B"]),
        ("modified_date lt '2024-01-10T00:00:01Z'", ["A"]),
        ("modified_date le '2024-01-01'", []),
        ("modified_date ne '2024-01-10T00:00:00Z'", ["B"]),
        ("email_address eq 'b@x.org'", ["B"]),
        ("email_address eq 'o''brien@x.org'", ["A"]),  # quotes doubled, case-insensitive
        ("email_address eq 'b@x.org' or email_address eq 'O''Brien@x.org'", ["A", "B"]),
        ("modified_date gt '2024-01-01' and email_address eq 'b@x.org'", ["B"]),
        (
            "(email_address eq 'nobody@x.org' or modified_date gt '2024-02-01') "
            "and modified_date lt '2025-01-01'",
            ["B"],
        ),
        # and binds tighter than or
        (
            "email_address eq 'b@x.org' or email_address eq 'z' and modified_date lt '2000-01-01'",
            ["B"],
        ),
    ],
)
def test_filters(text: str, expected: list[str]) -> None:
    assert matches(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "modified_date gt",
        "modified_date gt 2024-01-01",
        "modified_date between '2024-01-01'",
        "given_name eq 'x'",
        "modified_date gt 'yesterday'",
        "(email_address eq 'a'",
        "email_address eq 'a' email_address",
        "email_address eq 'unterminated",
    ],
)
def test_malformed_filters_are_rejected(text: str) -> None:
    with pytest.raises(FilterError):
        compile_filter(text, FIELDS, values)


def test_a_filter_nested_thousands_deep_is_a_filter_error() -> None:
    deep = "(" * 5000 + "a eq 'b'" + ")" * 5000
    with pytest.raises(FilterError, match="nested too deeply"):
        compile_filter(deep, None, lambda record, field: [])
