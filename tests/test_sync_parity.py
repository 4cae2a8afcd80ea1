"""The blocking surface cannot drift from the async one.

The async side is read by introspection, independently of the code generator: every attribute
of an async client, and every attribute of those (the record collections below a facade), that
has public coroutine methods or methods returning a ``Stream`` must have a blocking twin on the
blocking client, method for method, with the same parameters and types. A facade added to the
async client later is covered without touching this file.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import typing
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

import pytest
import typing_extensions

from actionnetwork_async import ActionNetwork as AsyncActionNetwork
from actionnetwork_async import Stream as AsyncStream
from actionnetwork_async import _sync_codegen as codegen
from actionnetwork_async.sync import ActionNetwork, BlockingWrite, Stream
from actionnetwork_async.types import BoundWrite

#: Async client attributes with async methods that deliberately have no blocking twin.
NOT_MIRRORED = {
    "transport": "the I/O layer stays on the loop; blocking users read an.stats",
    "limiter": "the limiter belongs to the client's loop",
}
#: The async client's own methods and their blocking names.
CLIENT_METHODS = {
    "aclose": "close",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "ping": "ping",
    "with_options": "with_options",
}


def is_async_surface(function: Callable[..., Any]) -> bool:
    """A coroutine method, or a method whose return annotation is a ``Stream``."""
    if inspect.iscoroutinefunction(function):
        return True
    returns = typing.get_type_hints(function).get("return")
    return returns is AsyncStream or typing.get_origin(returns) is AsyncStream


def public_methods(cls: type) -> Iterator[tuple[str, Callable[..., Any]]]:
    for name, member in inspect.getmembers(cls, inspect.isfunction):
        if not name.startswith("_") and is_async_surface(member):
            yield name, member


def async_surface() -> list[tuple[str, str, Callable[..., Any]]]:
    """Every public coroutine and stream method, by the attribute path that has it; a write
    (``BoundWrite``) is a method too, its path's last part its name."""
    an = AsyncActionNetwork("parity-key", base_url="http://127.0.0.1:9/api/v2/")
    found = []
    for attribute in dir(an):
        if attribute.startswith("_") or attribute in NOT_MIRRORED:
            continue
        value = getattr(an, attribute)
        methods = list(public_methods(type(value)))
        if not methods:
            continue
        found += [(attribute, name, method) for name, method in methods]
        found += writes_of(attribute, value)
        for below in dir(value):  # the record collections of a facade
            child = getattr(value, below, None)
            if below.startswith("_") or below in ("hal", *NOT_MIRRORED) or inspect.ismethod(child):
                continue
            if isinstance(child, BoundWrite):
                continue
            path = f"{attribute}.{below}"
            found += [(path, name, method) for name, method in public_methods(type(child))]
            found += writes_of(path, child)
    return found


def writes_of(path: str, facade: object) -> list[tuple[str, str, Any]]:
    """The writes of a facade (``BoundWrite``: called, or ``.background(...)``)."""
    return [
        (path, name, write)
        for name in dir(facade)
        if not name.startswith("_") and isinstance(write := getattr(facade, name), BoundWrite)
    ]


SURFACE = async_surface()


@pytest.fixture(scope="module")
def blocking() -> Iterator[ActionNetwork]:
    """A blocking client to find the twins on (closed after: its loop thread must not outlive
    this module, other tests count threads)."""
    with ActionNetwork("parity-key", base_url="http://127.0.0.1:9/api/v2/") as an:
        yield an


def test_the_surface_is_found() -> None:
    """Control: introspection sees the facades and walker, and enough of them."""
    attributes = {attribute for attribute, _, _ in SURFACE}
    assert {"hal", "people", "events", "petitions.signatures", "tags.taggings"} <= attributes
    assert len(SURFACE) > 80
    writes = {f"{a}.{n}" for a, n, m in SURFACE if isinstance(m, BoundWrite)}
    assert {"people.signup", "people.update", "petitions.signatures.record"} <= writes


@pytest.mark.parametrize(
    ("attribute", "name", "method"), SURFACE, ids=[f"{a}.{n}" for a, n, _ in SURFACE]
)
def test_every_async_method_has_a_blocking_twin(
    attribute: str, name: str, method: Callable[..., Any], blocking: ActionNetwork
) -> None:
    target: Any = blocking
    for part in attribute.split("."):
        target = getattr(target, part)
    if isinstance(method, BoundWrite):
        write = getattr(target, name, None)
        assert isinstance(write, BlockingWrite), f"an.{attribute}.{name}: run the codegen"
        assert inspect.signature(write) == inspect.signature(method)
        assert "background" not in inspect.signature(method).parameters
        assert write.__doc__ == method.__doc__
        assert write.__doc__
        return
    twin = getattr(type(target), name, None)
    assert twin is not None, f"an.{attribute}.{name} has no blocking twin: run the codegen"
    assert not inspect.iscoroutinefunction(twin)
    expected = inspect.signature(method).parameters
    got = inspect.signature(twin).parameters
    assert [(p.name, p.kind, p.default) for p in got.values()] == [
        (p.name, p.kind, p.default) for p in expected.values()
    ]
    async_hints, hints = typing.get_type_hints(method), typing.get_type_hints(twin)
    async_return, blocking_return = async_hints.pop("return"), hints.pop("return")
    assert hints == async_hints
    if typing.get_origin(async_return) is AsyncStream:
        assert typing.get_origin(blocking_return) is Stream
        assert typing.get_args(blocking_return) == typing.get_args(async_return)
    else:
        assert blocking_return == async_return
    assert twin.__doc__ == method.__doc__


def test_a_blocking_write_is_called_as_its_async_write() -> None:
    for name in ("__call__", "background"):
        expected = inspect.signature(getattr(BoundWrite, name)).parameters
        got = inspect.signature(getattr(BlockingWrite, name)).parameters
        assert [(p.name, p.kind) for p in got.values()] == [
            (p.name, p.kind) for p in expected.values()
        ]


def test_the_client_takes_the_async_clients_arguments() -> None:
    expected = dict(inspect.signature(AsyncActionNetwork).parameters)
    del expected["session"]  # an aiohttp session belongs to another loop
    got = inspect.signature(ActionNetwork).parameters
    assert [(p.name, p.kind, p.default) for p in got.values()] == [
        (p.name, p.kind, p.default) for p in expected.values()
    ]
    for async_name, name in CLIENT_METHODS.items():
        assert callable(getattr(AsyncActionNetwork, async_name))
        assert callable(getattr(ActionNetwork, name))


def test_the_generated_module_is_up_to_date() -> None:
    assert codegen.render() == codegen.TARGET.read_text(), (
        "actionnetwork_async/sync/_generated.py is stale: run "
        "python -m actionnetwork_async._sync_codegen"
    )


#: What a generated module may import from a private module: type parameters and default values.
PARAMETERS_AND_DEFAULTS = (
    TypeVar,
    ParamSpec,
    typing_extensions.TypeVar,
    typing_extensions.ParamSpec,
    int,
    str,
    float,
    timedelta,
)


def test_every_type_of_a_public_signature_can_be_imported() -> None:
    """What the generated signatures name is exported by a public module (a type parameter
    or a default value aside), so a user can annotate with it too."""
    public = [
        importlib.import_module(f"actionnetwork_async{suffix}")
        for suffix in ("", ".models", ".types", ".limits", ".errors", ".webhooks")
    ]
    exported = {id(getattr(module, name)) for module in public for name in module.__all__}
    generated = importlib.import_module("actionnetwork_async.sync._generated")
    tree = ast.parse(inspect.getsource(generated))
    hidden = []
    for node in tree.body:
        if not (
            isinstance(node, ast.ImportFrom) and (node.module or "").startswith("actionnetwork")
        ):
            continue
        for alias in node.names:
            value = getattr(importlib.import_module(node.module or ""), alias.name)
            if isinstance(value, PARAMETERS_AND_DEFAULTS):
                continue  # a type parameter, or a default value
            if id(value) not in exported:
                hidden.append(f"{node.module}.{alias.name}")
    assert not hidden, f"used in public signatures but exported by no public module: {hidden}"
