"""Property-based tests of every parser the outside world feeds (hypothesis).

HAL documents, models, webhook bodies, filters (the builder and the emulator's OData parser),
page URLs and dates. The rule they all share: a public parser returns, or raises an
``ActionNetworkError`` subclass; nothing else escapes. Where a round trip exists it is checked.

CI runs the ``ci`` profile (fixed seed, bounded examples, see ``tests/conftest.py``); a long
run is ``HYPOTHESIS_PROFILE=long pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import contextlib
import json
import types
import typing
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from actionnetwork_async import (
    ActionNetworkError,
    ConfigurationError,
    F,
    Filter,
    Resource,
    webhooks,
)
from actionnetwork_async.errors import HALError
from actionnetwork_async.filters import render_value
from actionnetwork_async.hal import parse_resource
from actionnetwork_async.models import (
    Address,
    Attendance,
    EmailAddress,
    Event,
    EventLocation,
    Location,
    Person,
    PhoneNumber,
    PostalAddress,
    Record,
    Reminder,
    Sponsor,
    Tag,
    Tagging,
    UniqueIdList,
)
from actionnetwork_async.models.base import (
    RENAMES,
    WALL_CLOCK,
    format_datetime,
    format_wall_clock,
    parse_datetime,
    parse_wall_clock,
)
from actionnetwork_async.pagination import (
    _parse_page,
    _split_page,
    page_number,
    restore_query,
    successor_page,
    with_page,
    with_query,
)
from actionnetwork_async.sansio import decode_response, parse_retry_after
from actionnetwork_async.testing import FilterError, compile_filter
from actionnetwork_async.testing.odata import DATE_FIELDS as ODATA_DATE_FIELDS
from actionnetwork_async.testing.odata import OPS
from actionnetwork_async.webhooks.payloads import PAYLOAD_TYPES

T = TypeVar("T")
UTC = timezone.utc


def only_typed_errors(call: Callable[[], T]) -> T | None:
    """Run ``call``: its result, or None when it raised an ActionNetworkError; anything else
    fails the test."""
    try:
        return call()
    except ActionNetworkError:
        return None


# -- JSON -------------------------------------------------------------------------------------
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=15,
)


# -- HAL documents ----------------------------------------------------------------------------
odd_urls = st.sampled_from(
    [
        "http://[::1",
        "http://[::1]:80/x",
        "http://a:99999/",
        "http://a:port/",
        "//host/x",
        "../../x",
        "?page=2",
        "#frag",
        "mailto:a@b.org",
        "http://h/{?page,per_page}",
        "http://h/{",
        "http://h/{+path}/x{#f}",
        "http://h/{a}{b}",
        "",
        "\x00",
        "http://h/%zz",
    ]
)
hrefs = odd_urls | st.text(max_size=30) | st.text(max_size=20).map(lambda p: "http://api.test/" + p)
rels = st.sampled_from(
    ["self", "next", "osdi:people", "action_network:lists", "curies", "http://x/rel", "x:"]
) | st.text(max_size=12)
link_objects = st.fixed_dictionaries(
    {"href": hrefs},
    optional={
        "templated": st.booleans() | scalars,
        "name": st.text(max_size=8) | scalars,
        "title": scalars,
        "deprecation": st.text(max_size=8),
        "type": scalars,
    },
)
link_values = link_objects | st.lists(link_objects, max_size=3) | json_values
curies = st.lists(
    st.fixed_dictionaries(
        {"name": st.sampled_from(["osdi", "action_network", "x"]) | st.text(max_size=5)},
        optional={"href": hrefs, "templated": st.booleans()},
    ),
    max_size=3,
)


def hal_documents(depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    links = st.dictionaries(rels, link_values, max_size=4) | st.builds(
        lambda c, rest: {"curies": c, **rest},
        curies,
        st.dictionaries(rels, link_objects, max_size=3),
    )
    base: dict[str, st.SearchStrategy[Any]] = {"_links": links | json_values}
    if depth:
        embedded = st.dictionaries(
            rels,
            hal_documents(depth - 1) | st.lists(hal_documents(depth - 1), max_size=3) | json_values,
            max_size=2,
        )
        base["_embedded"] = embedded | json_values
    return st.fixed_dictionaries(
        {}, optional={**base, "identifiers": json_values, "page": json_values, "x": json_values}
    )


def exercise(resource: Resource) -> None:
    """Every read a caller can make of a parsed resource, each allowed only typed errors."""
    only_typed_errors(lambda: resource.items())
    only_typed_errors(lambda: resource.identifier())
    # links and embedded resources are parsed when first read: reading them may raise too
    present = only_typed_errors(lambda: [*resource.links, *resource.embedded]) or []
    for rel in [*present, "osdi:people", "self"]:
        only_typed_errors(lambda rel=rel: resource.has_link(rel))
        only_typed_errors(lambda rel=rel: resource.items(rel))
        only_typed_errors(lambda rel=rel: resource.embedded_for(rel))
        group = only_typed_errors(lambda rel=rel: resource.links_for(rel))
        for index in (0, -1, 5):
            only_typed_errors(lambda rel=rel, index=index: resource.link(rel, index=index))
        for link in group or ():
            variables = only_typed_errors(lambda link=link: link.variables) or frozenset()
            values = dict.fromkeys(variables, "v a/l")
            only_typed_errors(lambda link=link, values=values: link.expand(**values))
            only_typed_errors(lambda link=link: link.expand())
    for group in only_typed_errors(lambda: list(resource.embedded.values())) or []:
        for item in group:
            exercise(item)


@given(document=hal_documents(), url=st.none() | hrefs)
def test_hal_documents_parse_or_raise_hal_errors(document: dict[str, Any], url: str | None) -> None:
    resource = only_typed_errors(lambda: parse_resource(document, url=url))
    if resource is not None:
        exercise(resource)


@given(document=json_values)
def test_any_json_is_a_resource_or_a_hal_error(document: Any) -> None:
    try:
        parse_resource(document)
    except HALError:
        assert not isinstance(document, dict) or "_links" in document or "_embedded" in document


@given(
    status=st.integers(min_value=100, max_value=599),
    headers=st.fixed_dictionaries(
        {}, optional={"Retry-After": st.text(max_size=40), "Location": hrefs}
    ),
    body=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()),
    expect=st.sampled_from([None, "document", "answer", "resource", "item"]),
)
def test_any_http_answer_decodes_or_raises_a_typed_error(
    status: int, headers: dict[str, str], body: bytes, expect: Any
) -> None:
    only_typed_errors(
        lambda: decode_response(status, headers, body, url="http://h/", secret="k", expect=expect)
    )


# -- models -----------------------------------------------------------------------------------
MODELS: list[type[Record]] = [
    Person,
    EmailAddress,
    PhoneNumber,
    PostalAddress,
    Address,
    Location,
    Event,
    EventLocation,
    Reminder,
    Sponsor,
    Attendance,
    UniqueIdList,
    Tag,
    Tagging,
    *PAYLOAD_TYPES.values(),
]
HAL_KEYS = {"_links", "_embedded"}


def api_names(model: type[Record]) -> dict[str, attrs.Attribute[Any]]:
    return {
        RENAMES.get(f.name, f.name): f
        for f in attrs.fields(model)
        if f.name not in ("extra", "resource")
    }


timezones = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
sane_datetimes = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=st.none() | timezones
)


def valid_value(hint: Any, *, wall_clock: bool = False, depth: int = 2) -> st.SearchStrategy[Any]:
    """JSON the API could send for a field of this Python type."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([valid_value(a, depth=depth) for a in args if a is not type(None)])
    if hint is str:
        return st.text(max_size=12)
    if hint is bool:
        return st.booleans() | st.sampled_from(["true", "false", "TRUE"])
    if hint is int:
        return st.integers(min_value=-(2**53), max_value=2**53)
    if hint is float:
        return st.floats(allow_nan=False, allow_infinity=False)
    if hint is datetime:
        if wall_clock:
            return sane_datetimes.map(lambda d: d.replace(microsecond=0).isoformat() + "Z")
        return sane_datetimes.map(lambda d: d.isoformat().replace("+00:00", "Z"))
    if origin is list:
        return st.lists(valid_value(args[0], depth=depth), max_size=3)
    if origin is dict:
        return st.dictionaries(st.text(max_size=6), valid_value(args[1], depth=depth), max_size=3)
    if hint is Any:
        return json_values
    if attrs.has(hint) and depth:
        return valid_document(hint, depth=depth - 1)
    return st.just({})


def valid_document(model: type[Record], depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    hints = typing.get_type_hints(model)
    known = {
        name: valid_value(
            hints[field.name], wall_clock=WALL_CLOCK.items() <= field.metadata.items(), depth=depth
        )
        for name, field in api_names(model).items()
    }
    unknown = st.dictionaries(
        st.text(max_size=10).filter(lambda k: k not in known and k not in HAL_KEYS),
        json_values,
        max_size=3,
    )
    return st.builds(lambda k, u: {**u, **k}, st.fixed_dictionaries({}, optional=known), unknown)


def hostile_document(model: type[Record]) -> st.SearchStrategy[dict[str, Any]]:
    """Known field names with any JSON at all, and unknown fields."""
    names = st.sampled_from(sorted(api_names(model))) | st.text(max_size=10)
    return st.dictionaries(names, json_values, max_size=6)


def extras_of(model: type[Record], document: dict[str, Any]) -> dict[str, Any]:
    known = set(api_names(model)) | HAL_KEYS
    return {k: v for k, v in document.items() if k not in known}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@given(data=st.data())
def test_any_document_is_a_model_or_a_model_error(model: type[Record], data: st.DataObject) -> None:
    document = data.draw(hostile_document(model))
    record = only_typed_errors(lambda: model.from_json(document))
    if record is None:
        return
    written = only_typed_errors(record.to_json)
    if written is None:
        return
    json.dumps(written, allow_nan=False)  # what a write would send is JSON
    for key, value in extras_of(model, document).items():  # unknown fields kept as they came
        assert written[key] == value


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@given(data=st.data())
def test_a_valid_document_round_trips(model: type[Record], data: st.DataObject) -> None:
    document = data.draw(valid_document(model))
    written = model.from_json(document).to_json()
    assert model.from_json(written).to_json() == written
    for key, value in extras_of(model, document).items():
        assert written[key] == value


# -- webhook bodies ---------------------------------------------------------------------------
def elements() -> st.SearchStrategy[dict[str, Any]]:
    typed = st.sampled_from(sorted(PAYLOAD_TYPES)).flatmap(
        lambda kind: st.tuples(
            st.just(kind),
            valid_document(PAYLOAD_TYPES[kind], depth=1) | hostile_document(PAYLOAD_TYPES[kind]),
        )
    )
    unknown = st.tuples(st.text(max_size=12), json_values)
    person_link = st.fixed_dictionaries({"osdi:person": link_objects})
    return st.builds(
        lambda pair, links, envelope: {pair[0]: _with_links(pair[1], links), **envelope},
        typed | unknown,
        st.none() | person_link,
        st.fixed_dictionaries(
            {},
            optional={
                "idempotency_key": st.text(max_size=40) | scalars,
                "action_network:sponsor": valid_document(Sponsor) | json_values,
            },
        ),
    )


def _with_links(payload: Any, links: dict[str, Any] | None) -> Any:
    return {**payload, "_links": links} if isinstance(payload, dict) and links else payload


def read_events(body: Any) -> None:
    events = only_typed_errors(lambda: webhooks.parse(body))
    for event in events or ():
        for attribute in ("person_id", "person_url", "person"):
            only_typed_errors(lambda event=event, name=attribute: getattr(event, name))
        webhooks.safe_name(event.type)


@given(body=st.lists(elements(), max_size=3))
def test_webhook_deliveries_parse_all_or_nothing(body: list[dict[str, Any]]) -> None:
    read_events(body)
    read_events(json.dumps(body))
    read_events(json.dumps(body).encode())


@given(body=st.binary(max_size=300) | st.text(max_size=300) | json_values)
def test_any_webhook_body_is_events_or_a_webhook_error(body: Any) -> None:
    with contextlib.suppress(webhooks.WebhookError):
        webhooks.parse(body, max_bytes=200)


# -- filters ----------------------------------------------------------------------------------
field_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
DATE_FIELDS = ("modified_date", "created_date")
NOT_TEXT = ("and", "or", *ODATA_DATE_FIELDS)
filter_values = (
    st.text(max_size=15)
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
    | st.dates()
)
Tree = tuple[Filter, Callable[[dict[str, str]], bool], list[tuple[str, str]]]


@st.composite
def filter_trees(draw: st.DrawFn, depth: int = 3) -> Tree:
    """A filter built with == & |, the truth it should have for a record (field -> text), and
    its (field, literal) pairs."""
    if depth == 0 or draw(st.booleans()):
        if draw(st.booleans()):
            name = draw(field_names.filter(lambda n: n.lower() not in NOT_TEXT))
            value: Any = draw(filter_values)
        else:
            name, value = draw(st.sampled_from(DATE_FIELDS)), draw(sane_datetimes)
        text = render_value(value)[1:-1].replace("''", "'")
        return F[name] == value, lambda record: record.get(name) == text, [(name, text)]
    left, left_truth, left_pairs = draw(filter_trees(depth - 1))
    right, right_truth, right_pairs = draw(filter_trees(depth - 1))
    pairs = left_pairs + right_pairs
    if draw(st.booleans()):
        return left & right, lambda r: left_truth(r) and right_truth(r), pairs
    return left | right, lambda r: left_truth(r) or right_truth(r), pairs


def odata_getter(record: dict[str, Any], field: str) -> list[Any]:
    return [record[field]] if field in record else []


@given(tree=filter_trees(), data=st.data())
def test_the_builder_renders_what_the_odata_parser_reads_back(
    tree: Tree, data: st.DataObject
) -> None:
    """Parsed by the emulator, a built filter selects exactly what the tree it was built from
    says (values quoted and unquoted, and/or precedence, parentheses)."""
    built, truth, pairs = tree
    record: dict[str, str] = {}
    for name in sorted({n for n, _ in pairs}):
        literals = [t for n, t in pairs if n == name]
        if data.draw(st.booleans()):
            record[name] = data.draw(st.sampled_from(literals))
        elif name in DATE_FIELDS:  # a date no literal of this field names
            record[name] = "1000-01-01T00:00:00Z"
            assume(all(parse_datetime(t) != parse_datetime(record[name]) for t in literals))
        else:  # a text no literal of this field matches, even ignoring case
            record[name] = max(literals, key=len) + "\x01x"
            assume(record[name].lower() not in {t.lower() for t in literals})
    predicate = compile_filter(str(built), None, odata_getter, operators=OPS)
    assert predicate(record) == truth(record)


@given(
    name=st.text(max_size=10),
    op=st.sampled_from(["__eq__", "__ne__", "__gt__", "__ge__", "__lt__", "__le__"]),
    value=filter_values | sane_datetimes | st.datetimes(timezones=timezones) | json_values,
)
def test_any_field_and_value_is_a_filter_or_a_configuration_error(
    name: str, op: str, value: Any
) -> None:
    try:
        built = getattr(F[name], op)(value)
    except ConfigurationError:
        return
    assert isinstance(str(built), str)


@given(text=st.text(max_size=60) | st.from_regex(r"[() a-z'=]{0,40}", fullmatch=True))
def test_the_emulators_odata_parser_accepts_or_refuses_any_text(text: str) -> None:
    with contextlib.suppress(FilterError):
        compile_filter(text, None, odata_getter)


# -- page URLs --------------------------------------------------------------------------------
query_pairs = st.lists(
    st.tuples(
        st.sampled_from(["page", "per_page", "filter", "x"]) | st.text(max_size=5),
        st.text(max_size=8),
    ),
    max_size=4,
)


@st.composite
def page_urls(draw: st.DrawFn) -> str:
    from urllib.parse import quote, urlencode

    path = "/".join(quote(p, safe="") for p in draw(st.lists(st.text(max_size=6), max_size=3)))
    query = urlencode(draw(query_pairs), quote_via=quote)
    return f"http://api.test/{path}" + (f"?{query}" if query else "")


@given(
    url=page_urls() | hrefs | st.text(max_size=40), page=st.integers(min_value=1, max_value=10**6)
)
def test_page_url_helpers_never_raise_untyped_errors(url: str, page: int) -> None:
    only_typed_errors(lambda: page_number(url))
    paged = only_typed_errors(lambda: with_page(url, page))
    only_typed_errors(lambda: with_query(url, {"filter": "a eq 'b'", "per_page": 25}))
    only_typed_errors(lambda: restore_query(url, [("filter", "x"), ("page", "3")]))
    only_typed_errors(lambda: successor_page(url, paged or url))


@given(url=page_urls(), page=st.integers(min_value=1, max_value=10**6))
def test_page_url_helpers_round_trip(url: str, page: int) -> None:
    paged = with_page(url, page)
    assert page_number(paged) == page
    assert successor_page(paged, with_page(url, page + 1)) == page + 1
    assert successor_page(paged, with_page(url, page + 2)) is None
    params = {"filter": "email eq 'a&b'", "per_page": 25}
    queried = with_query(paged, params)
    assert page_number(queried) == page
    restored = restore_query(with_page(url, page + 1), [("filter", "email eq 'a&b'")])
    assert restore_query(restored, [("filter", "other")]) == restored  # present ones are kept


@given(url=page_urls() | hrefs, pages=st.lists(st.integers(-5, 10**6), min_size=1, max_size=4))
def test_urls_built_from_built_urls_are_what_parsing_them_gives(url: str, pages: list[int]) -> None:
    # with_page answers from a template, and _split_page from what a URL was built from: both
    # must agree with parsing the URL, along a chain of URLs built from built URLs
    current = url
    for page in pages:
        try:
            expected = with_query(current, {"page": page})
        except ConfigurationError:
            return
        built = with_page(current, page)
        assert built == expected
        assert _split_page(built) == _parse_page(built)
        assert page_number(built) == page
        current = built


# -- dates ------------------------------------------------------------------------------------
def iso_texts() -> Iterator[st.SearchStrategy[str]]:
    yield st.text(max_size=30)
    yield st.datetimes(timezones=st.none() | timezones).map(datetime.isoformat)
    yield st.datetimes(timezones=timezones).map(lambda d: d.isoformat().replace("+00:00", "Z"))
    yield st.from_regex(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})",
        fullmatch=True,
    )


@given(text=st.one_of(list(iso_texts())))
def test_any_date_text_is_a_datetime_or_a_model_error(text: str) -> None:
    when = only_typed_errors(lambda: parse_datetime(text))
    if when is not None:
        assert when.tzinfo is UTC
        assert parse_datetime(format_datetime(when)) == when.replace(microsecond=0)
    wall = only_typed_errors(lambda: parse_wall_clock(text))
    if wall is not None:
        assert wall.tzinfo is None
        assert parse_wall_clock(format_wall_clock(wall)) == wall.replace(microsecond=0)


@given(when=st.datetimes(timezones=st.none() | timezones))
def test_any_datetime_is_written_or_refused_never_overflowing(when: datetime) -> None:
    text = only_typed_errors(lambda: format_datetime(when))
    if text is not None:
        assert parse_datetime(text) == parse_datetime(when).replace(microsecond=0)
    only_typed_errors(lambda: str(F.modified_date > when))
    assert format_wall_clock(when).startswith(f"{when.year:04d}-")


@given(
    value=st.text(max_size=40)
    | st.datetimes().map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT"))
)
def test_retry_after_is_a_wait_or_nothing(value: str) -> None:
    wait = parse_retry_after(value, now=0.0)
    assert wait is None or wait >= 0
