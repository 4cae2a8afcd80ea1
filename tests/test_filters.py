"""The typed OData filter builder renders the API's syntax."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from actionnetwork_async import F, Filter
from actionnetwork_async.errors import ConfigurationError
from actionnetwork_async.filters import render_filter
from actionnetwork_async.testing import compile_filter


def test_comparisons() -> None:
    when = datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert str(F.modified_date > when) == "modified_date gt '2024-01-01T00:00:00Z'"
    assert str(F.modified_date >= date(2024, 1, 1)) == "modified_date ge '2024-01-01'"
    assert str(F.created_date < when) == "created_date lt '2024-01-01T00:00:00Z'"
    assert str(F.created_date <= when) == "created_date le '2024-01-01T00:00:00Z'"
    assert str(F.email_address == "a@x.org") == "email_address eq 'a@x.org'"
    assert str(F.phone_number != "1202") == "phone_number ne '1202'"
    assert str(F["start_date"] > "2024-05-01") == "start_date gt '2024-05-01'"


def test_datetimes_are_rendered_in_utc_but_event_times_as_wall_time() -> None:
    eastern = timezone(timedelta(hours=-5))
    evening = datetime(2024, 1, 1, 19, 0, tzinfo=eastern)
    assert str(F.modified_date > evening) == "modified_date gt '2024-01-02T00:00:00Z'"
    # start_date and end_date are local to the event: the wall time goes out unconverted
    assert str(F.start_date > evening) == "start_date gt '2024-01-01T19:00:00Z'"
    assert str(F["end_date"] < evening.replace(tzinfo=None)) == "end_date lt '2024-01-01T19:00:00Z'"


def test_quotes_inside_values_are_doubled() -> None:
    assert str(F.email_address == "o'brien@x.org") == "email_address eq 'o''brien@x.org'"
    assert str(F.email_address == "''") == "email_address eq ''''''"


def test_and_binds_tighter_than_or_and_parentheses_are_added() -> None:
    a, b, c = (F.email_address == "a"), (F.email_address == "b"), (F.modified_date > "2024-01-01")
    assert (
        str(a | b & c)
        == "email_address eq 'a' or email_address eq 'b' and modified_date gt '2024-01-01'"
    )
    assert (
        str((a | b) & c)
        == "(email_address eq 'a' or email_address eq 'b') and modified_date gt '2024-01-01'"
    )
    assert str(c & "email_address eq 'x' or email_address eq 'y'") == (
        "modified_date gt '2024-01-01' and (email_address eq 'x' or email_address eq 'y')"
    )


def test_rendered_filters_mean_the_same_to_the_emulator() -> None:
    expression = (F.email_address == "o'brien@x.org") | (F.email_address == "b@x.org")

    def values(record: dict[str, str], field: str) -> list[str]:
        return [record[field]]

    predicate = compile_filter(str(expression), ["email_address"], values)
    assert predicate({"email_address": "O'Brien@x.org"})
    assert not predicate({"email_address": "c@x.org"})


def test_plain_strings_and_misuse() -> None:
    assert render_filter("modified_date gt '2024-01-01'") == "modified_date gt '2024-01-01'"
    assert render_filter(None) is None
    with pytest.raises(TypeError, match="&"):
        bool(F.email_address == "a")
    with pytest.raises(ConfigurationError):
        render_filter("  ")
    with pytest.raises(ConfigurationError):
        F.modified_date > object()  # noqa: B015
    assert isinstance(F.email_address == "a", Filter)
