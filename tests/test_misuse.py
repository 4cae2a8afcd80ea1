"""Misuse: bad arguments fail at once with ConfigurationError; odd values read sensibly.

Items 14 to 18 of issue 9: an unusable base URL, timeouts and limits that silently meant
something else, plain TypeError/ValueError/AttributeError from bad arguments, path-changing ids,
and values that were read wrongly (``"primary": "false"``, an ``identifiers`` string).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

import pytest

from actionnetwork_async import (
    ActionNetwork,
    ActionNetworkError,
    ConfigurationError,
    ModelError,
    Stream,
    webhooks,
)
from actionnetwork_async.hal import parse_resource
from actionnetwork_async.limits import RetryPolicy, SlidingWindowLimiter
from actionnetwork_async.models import EmailAddress, Person, UniqueIdList
from actionnetwork_async.resources.records import nested
from actionnetwork_async.testing import Emulator
from actionnetwork_async.types import BoundWrite

from .conftest import ClientFactory


# -- 14 and 15: the client's settings ----------------------------------------------------------
@pytest.mark.parametrize(
    "base_url",
    ["", "ftp://example.org/api/v2/", "example.org/api/v2/", "localhost:8080/api/v2", "http://"],
)
def test_an_unusable_base_url_fails_at_once(base_url: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        ActionNetwork("key", base_url=base_url)


@pytest.mark.parametrize(
    "options",
    [
        {"timeout": 0},
        {"timeout": -1},
        {"timeout": float("nan")},
        {"timeout": "30"},
        {"max_connections": 0},
        {"max_connections": -1},
        {"max_connections": 2.5},
        {"rate_limit": True},
        {"rate_limit": float("inf")},
        {"rate_limit": object()},
        {"prefetch": 0},
        {"prefetch": "5"},
        {"rate_limit": 0},
        {"rate_limit": "4"},
        {"list_chunk_size": 0},
        {"rate_limit": "fast"},
        {"retry": "never"},
        {"session": "shared"},
        {"user_agent": ""},
        {"api_key": 12345},
        {"base_url": 80},
    ],
)
def test_a_setting_that_would_silently_misbehave_is_refused(options: dict[str, Any]) -> None:
    options = {"api_key": "key", **options}
    with pytest.raises(ConfigurationError):
        ActionNetwork(options.pop("api_key"), **options)


def test_policy_and_limiter_arguments_are_checked_too() -> None:
    with pytest.raises(ConfigurationError, match="max_tries"):
        RetryPolicy(max_tries=0)
    with pytest.raises(ConfigurationError, match="max_time"):
        RetryPolicy(max_time=-1)
    with pytest.raises(ConfigurationError, match="rate"):
        SlidingWindowLimiter("4")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="margin"):
        SlidingWindowLimiter(4, margin="x")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="max_wait"):
        SlidingWindowLimiter(4, max_wait=-1)
    for wrong in ({"factor": "x"}, {"base": 0}, {"max_delay": None}, {"max_retry_after": -1}):
        with pytest.raises(ConfigurationError, match=next(iter(wrong))):
            RetryPolicy(**wrong)
    for statuses in (None, "503", [503, "x"], [True], [700]):
        with pytest.raises(ConfigurationError, match="retry_statuses"):
            RetryPolicy(retry_statuses=statuses)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="jitter"):
        RetryPolicy(jitter=0.5)  # type: ignore[arg-type]
    assert RetryPolicy(retry_statuses=[429]).retry_statuses == frozenset({429})


# -- 16: bad arguments to calls ----------------------------------------------------------------
Call = Callable[[ActionNetwork, Emulator], Awaitable[object]]
PERSON = "d91b4b2e-ae0e-4cd3-9ed7-d0ec501b0bc3"
BAD_CALLS: dict[str, Call] = {
    "hal.get(123)": lambda an, emu: an.hal.get(123),  # type: ignore[arg-type]
    "hal.get(params=str)": lambda an, emu: an.hal.get("people", params="page=2"),  # type: ignore[arg-type]
    "hal.get(params=None value)": lambda an, emu: an.hal.get("people", params={"x": None}),  # type: ignore[dict-item]
    "hal.follow(rel=123)": lambda an, emu: an.hal.follow(parse_resource({}), 123),  # type: ignore[arg-type]
    "hal.follow(index=str)": lambda an, emu: an.hal.follow(
        parse_resource({"_links": {"x": {"href": "/y"}}}),
        "x",
        index="0",  # type: ignore[arg-type]
    ),
    "hal.post(object body)": lambda an, emu: an.hal.post("people", {"x": object()}),
    "hal.post(NaN body)": lambda an, emu: an.hal.post("people", {"x": float("nan")}),
    "hal.iterate(prefetch=0)": lambda an, emu: anext(an.hal.iterate("people", prefetch=0)),
    "signup(remove_tags=5)": lambda an, emu: an.people.signup(email="a@b.org", remove_tags=5),  # type: ignore[arg-type]
    "signup(person=str)": lambda an, emu: an.people.signup(email="a@b.org", person="Ann"),  # type: ignore[arg-type]
    "signup(custom_fields=str)": lambda an, emu: an.people.signup(
        email="a@b.org",
        custom_fields="vip",  # type: ignore[arg-type]
    ),
    "signup(email=int)": lambda an, emu: an.people.signup(email=5),  # type: ignore[arg-type]
    "update(changes=dict)": lambda an, emu: an.people.update(PERSON, {"given_name": "A"}),  # type: ignore[arg-type]
    "update(given_name=object)": lambda an, emu: an.people.update(PERSON, given_name=object()),
    "update(identifiers=int)": lambda an, emu: an.people.update(PERSON, identifiers=5),  # type: ignore[arg-type]
    "update(identifiers=[None])": lambda an, emu: an.people.update(PERSON, identifiers=[None]),  # type: ignore[list-item]
    "update(custom_fields=int)": lambda an, emu: an.people.update(PERSON, custom_fields=5),  # type: ignore[arg-type]
    "petitions.create(target=str)": lambda an, emu: an.petitions.create(
        title="t",
        origin_system="o",
        target="Mayor Doe",  # type: ignore[typeddict-item]
    ),
    "people.get(None)": lambda an, emu: an.people.get(None),  # type: ignore[arg-type]
    "events.create(identifier=int)": lambda an, emu: an.events.create(
        title="t",
        origin_system="o",
        identifier=123,  # type: ignore[arg-type]
    ),
    "messages.create(identifier=action_network:)": lambda an, emu: an.messages.create(
        subject="s",
        body="b",
        from_="f",
        reply_to="r@example.org",
        identifier="action_network:1234",
    ),
    "upsert_many(concurrancy=)": lambda an, emu: an.people.upsert_many([], concurrancy=2),  # type: ignore[call-arg]
    "hal.post_many(chekpoint=)": lambda an, emu: an.hal.post_many("people", [], chekpoint="x"),  # type: ignore[call-arg]
    "lists.create(ids=None)": lambda an, emu: an.unique_id_lists.create("x", None),  # type: ignore[arg-type]
    "lists.create(ids=int)": lambda an, emu: an.unique_id_lists.create("x", 5),  # type: ignore[arg-type]
    "lists.append(None, ids)": lambda an, emu: an.unique_id_lists.append(None, [PERSON]),  # type: ignore[arg-type]
    "lists.delete(42)": lambda an, emu: an.unique_id_lists.delete(42),  # type: ignore[arg-type]
    "lists.get(UniqueIdList without id)": lambda an, emu: an.unique_id_lists.replace(
        UniqueIdList(name="new"), [PERSON]
    ),
}


@pytest.mark.parametrize("call", BAD_CALLS.values(), ids=BAD_CALLS.keys())
@pytest.mark.asyncio
async def test_a_bad_argument_is_a_configuration_error_before_any_request(
    emu: Emulator, make_client: ClientFactory, call: Call
) -> None:
    an = make_client(emu)
    with pytest.raises(ConfigurationError):
        await call(an, emu)
    assert emu.log == [] or [r.path for r in emu.log] == ["/api/v2/"]  # at most the entry point


@pytest.mark.asyncio
async def test_a_number_among_identifiers_does_not_crash_a_write(
    emu: Emulator, make_client: ClientFactory
) -> None:
    """The check that keeps action_network: identifiers out of writes crashed on a non-string
    (AttributeError). A number is text to the models, so it is sent, and read back as text."""
    an = make_client(emu)
    person = await an.people.update(emu.ids("people")[0], identifiers=[12])  # type: ignore[list-item]
    assert "12" in person.identifiers


@pytest.mark.asyncio
async def test_a_refused_argument_that_may_be_personal_data_is_not_quoted(
    emu: Emulator, make_client: ClientFactory
) -> None:
    """Error messages end up in logs and on stderr: a person's data passed where an id or a
    mapping belongs is named by its type (and position), never shown."""
    an = make_client(emu)
    email = "bob@example.org"
    with pytest.raises(ConfigurationError, match=r"unique_ids\[1\]") as caught:
        await an.unique_id_lists.create("Bad", [emu.ids("people")[0], email])
    assert email not in str(caught.value)
    with pytest.raises(ConfigurationError, match="dict") as caught:
        await an.people.get({"email": email})  # type: ignore[arg-type]
    assert email not in str(caught.value)
    with pytest.raises(ConfigurationError, match="extra") as caught:
        await an.people.update(emu.ids("people")[0], extra=[("email", email)])  # type: ignore[arg-type]
    assert email not in str(caught.value)
    assert emu.log == []


@pytest.mark.parametrize(
    "options",
    [
        {"secret": 1234567890123456789},
        {"path": None},
        {"max_body": 0},
        {"handler_timeout": 0},
        {"store": object()},
    ],
)
def test_bad_receiver_options_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        webhooks.receiver(**options)


@pytest.mark.parametrize("max_bytes", ["1024", None, 0, -1, 1.5, True])
def test_parse_refuses_a_max_bytes_that_is_no_size(max_bytes: Any) -> None:
    with pytest.raises(ConfigurationError, match="max_bytes"):
        webhooks.parse(b"[]", max_bytes=max_bytes)


# -- 17: ids that would change the path --------------------------------------------------------
@pytest.mark.parametrize("bad", ["..", ".", " .. ", "../events", "a/b", "a\\b", "", "  "])
@pytest.mark.asyncio
async def test_an_id_that_would_change_the_path_is_refused(
    emu: Emulator, make_client: ClientFactory, bad: str
) -> None:
    an = make_client(emu)
    with pytest.raises(ConfigurationError, match="not an Action Network id"):
        await an.people.get(bad)
    with pytest.raises(ConfigurationError, match="not an Action Network id"):
        await an.people.update(bad, given_name="X")
    with pytest.raises(ConfigurationError, match="not an Action Network id"):
        await an.events.get(bad)
    with pytest.raises(ConfigurationError, match="not an Action Network id"):
        await an.unique_id_lists.append(bad, [PERSON])
    assert all(r.method == "GET" for r in emu.log)  # nothing was written anywhere


@pytest.mark.asyncio
async def test_an_id_with_url_characters_stays_one_path_segment(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    assert await an.people._url_of("a?b#c%2F..") == emu.base_url + "people/a%3Fb%23c%252F.."
    assert await an.people._url_of(" ...") == emu.base_url + "people/..."


# -- 18: values read sensibly ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "read"), [("false", False), ("FALSE", False), ("true", True), (" True ", True)]
)
def test_boolean_strings_are_read_as_what_they_say(raw: str, read: bool) -> None:
    person = Person.from_json({"email_addresses": [{"address": "a@b.org", "primary": raw}]})
    assert person.email_addresses[0].primary is read


@pytest.mark.parametrize("raw", ["no", "0", 1, 0, [], {}, "falsey"])
def test_anything_else_for_a_boolean_is_a_model_error(raw: Any) -> None:
    with pytest.raises(ModelError, match=r"expected true or false.*email_addresses\[0\]\.primary"):
        Person.from_json({"email_addresses": [{"primary": raw}]})
    with pytest.raises(ModelError, match="expected true or false"):
        EmailAddress.from_json({"primary": raw})


def test_a_string_where_the_api_documents_an_array_is_an_array_of_one() -> None:
    person = Person.from_json(
        {
            "identifiers": "action_network:abc",
            "languages_spoken": "en",
            "email_addresses": {"address": "a@b.org", "primary": True},
            "postal_addresses": [{"address_lines": "1 Main St"}],
        }
    )
    assert person.identifiers == ["action_network:abc"]
    assert person.id == "abc"
    assert person.languages_spoken == ["en"]
    assert person.email == "a@b.org"
    assert person.postal_addresses[0].address_lines == ["1 Main St"]


# -- every public call, one bad argument at a time ----------------------------------------------
WRONG = [None, 123, -1, 1.5, True, float("nan"), "", "x", [], [1], {}, {"a": 1}, object()]


@pytest.mark.asyncio
async def test_no_public_call_raises_anything_but_library_errors_on_a_wrong_argument(
    emu: Emulator, make_client: ClientFactory
) -> None:
    """Each public method of the facades and the walker, called with valid arguments except
    one, replaced by each value of WRONG: it returns or raises an ActionNetworkError."""
    an = make_client(emu, max_tries=1)
    person, event, target = (
        emu.ids("people")[0],
        emu.ids("events")[0],
        emu.ids("unique_id_lists")[0],
    )
    valid: dict[str, Any] = {
        "person": person,
        "person_id": person,
        "event": event,
        "event_id": event,
        "unique_list": target,
        "list_id": target,
        "campaign_id": "c",
        "target": "people",
        "resource": await an.hal.get("people"),
        "rel": "osdi:people",
        "method": "GET",
        "url": "people",
        "email": "a@b.org",
        "number": "15551234567",
        "title": "t",
        "origin_system": "o",
        "name": "n",
        "unique_ids": [PERSON],
        "when": datetime(2024, 1, 1, tzinfo=timezone.utc),
    }
    escaped: list[str] = []
    facades: list[Any] = [getattr(an, name) for name in an.declared()]
    assert len(facades) > 10  # every facade the client has, those added later included
    facades += [  # and the records below each
        getattr(facade, name)
        for facade in list(facades)
        for name, value in vars(type(facade)).items()
        if isinstance(value, nested)
    ]
    for facade in (*facades, an.hal):
        # the methods, and the writes (a BoundWrite: called like a method)
        members = inspect.getmembers(
            facade, lambda m: inspect.ismethod(m) or isinstance(m, BoundWrite)
        )
        if facade is an.people:
            assert {"signup", "update"} <= dict(members).keys()
        for name, method in members:
            if name.startswith("_") or name in ("lock", "entry_point"):
                continue
            parameters = [
                p
                for p in inspect.signature(method).parameters.values()
                if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
            ]
            for wrong_one in parameters:
                for value in WRONG:
                    arguments = {
                        p.name: value if p is wrong_one else valid.get(p.name)
                        for p in parameters
                        if p is wrong_one or p.default is inspect.Parameter.empty
                    }
                    try:
                        result = method(**arguments)
                        if inspect.isawaitable(result):
                            result = await result
                        if isinstance(result, Stream):
                            async with result as stream:
                                await anext(stream, None)
                    except ActionNetworkError:
                        pass
                    except Exception as exc:
                        escaped.append(f"{name}({wrong_one.name}={value!r}): {exc!r}")
    assert escaped == [], "\n".join(escaped)
