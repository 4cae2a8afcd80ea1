"""What a declaration of ``resources.catalog`` is, in a module that imports no model and no HTTP.

``ActionNetwork`` is a ``Catalog``, and the CLI lists the catalog's collections, so this module
and the catalog import nothing heavy: a declaration names its facade class and model as
``Later`` stand-ins, imported when a client first uses the collection (``resources.base``
re-exports these names with the blocks facades are made of).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Concatenate, Generic, TypeVar, cast, overload

from typing_extensions import ParamSpec

from .._validate import positive_int

if TYPE_CHECKING:
    from ..redis_lock import RedisLocks
    from ..walker import HalWalker
    from .tags import Tags

    C = ParamSpec("C")
    U = ParamSpec("U")

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "TAGS_REL",
    "BoundWrite",
    "Context",
    "Declared",
    "Later",
    "Made",
    "declare",
    "later",
    "write",
]

T = TypeVar("T")
FA = TypeVar("FA")
S = TypeVar("S")
W = ParamSpec("W")

#: The entry point's rel of the tags.
TAGS_REL = "osdi:tags"
#: Ids per request a unique ID list is written with: about 390 KB of JSON, well inside the
#: API's time to answer.
DEFAULT_CHUNK_SIZE = 10_000


class Later:
    """A name the catalog declares with, imported on first use: ``Later(module, "People")``;
    ``Later(module).Person`` (a module's attribute) is ``Later(module, "Person")``."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str = "") -> None:
        self.module = module
        self.name = name

    def __getattr__(self, name: str) -> Later:
        if self.name or name.startswith("__"):
            raise AttributeError(name)
        return Later(self.module, name)

    def __repr__(self) -> str:
        return f"Later({self.module!r}, {self.name!r})"

    def resolve(self) -> Any:
        """The module, or its attribute ``name``, imported now."""
        module = importlib.import_module(self.module)
        return getattr(module, self.name) if self.name else module


def later(package: str, imports: Mapping[str, Iterable[str]]) -> dict[str, Later]:
    """Stand-ins for the names of ``imports``, which reads as the import statements it
    replaces (relative to ``package``): ``".people": ("People",)`` is ``from .people import
    People``, and ``"..": ("models",)`` is ``from .. import models``."""
    found: dict[str, Later] = {}
    for module, names in imports.items():
        for name in names:
            if module.strip("."):
                found[name] = Later(importlib.util.resolve_name(module, package), name)
            else:
                found[name] = Later(importlib.util.resolve_name(module + name, package))
    return found


def _now(value: Any) -> Any:
    return value.resolve() if isinstance(value, Later) else value


class Context:
    """What the facades of one client share: the walker, the facades made so far (one per
    collection, so ``an.tags`` is the tags facade whose names every helper reuses), and the
    options of the unique ID lists."""

    def __init__(
        self,
        hal: HalWalker,
        *,
        list_chunk_size: int | None = None,
        shared_locks: RedisLocks | None = None,
    ) -> None:
        self.hal = hal
        self.list_chunk_size = (
            None if list_chunk_size is None else positive_int(list_chunk_size, "list_chunk_size")
        )
        self.shared_locks = shared_locks
        self._made: dict[str, Any] = {}

    def facade(self, rel: str, make: Callable[[], T]) -> T:
        """The facade of the collection ``rel``: made on first use, then the same one."""
        if rel not in self._made:
            self._made[rel] = make()
        return cast(T, self._made[rel])

    @property
    def tags(self) -> Tags:
        """The tags facade, which creates the tags a helper's ``add_tags`` names."""
        from ..models import Tag
        from .tags import Tags  # tags.py builds on this module

        return self.facade(TAGS_REL, lambda: Tags(self, TAGS_REL, Tag))


class Made(Generic[FA]):
    """A declaration read as an attribute: on the class it is itself, on an object the thing
    it declares, made for that object by ``make`` (``Declared``: a client's facade;
    ``records.nested``: a facade's records)."""

    name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, owner_object: None, owner: type) -> Made[FA]: ...

    @overload
    def __get__(self, owner_object: object, owner: type) -> FA: ...

    def __get__(self, owner_object: object, owner: type) -> FA | Made[FA]:
        return self if owner_object is None else self.make(owner_object)

    def make(self, owner_object: Any) -> FA:
        """What the declaration gives ``owner_object``."""
        raise NotImplementedError


class Declared(Made[FA]):
    """A collection of the API declared on the client (``declare``): reading the attribute
    gives the client's facade of it, made on first use. Its ``kind``, ``model`` and
    ``writes`` are imported when first read (``rel`` and the doc need no import)."""

    def __init__(
        self, kind: Callable[..., FA], rel: str, model: type[Any], doc: str, *writes: Any
    ) -> None:
        self._kind = kind
        self._model = model
        self._writes = writes
        self.rel = rel
        self.__doc__ = doc

    @property
    def kind(self) -> Callable[..., FA]:
        """The facade's class."""
        self._kind = _now(self._kind)
        return self._kind

    @property
    def model(self) -> type[Any]:
        """The model of the collection's items."""
        self._model = _now(self._model)
        return self._model

    @property
    def writes(self) -> tuple[Any, ...]:
        """What the facade is made with besides the model (an action's ``TypedDict``s)."""
        self._writes = tuple(_now(w) for w in self._writes)
        return self._writes

    def make(self, owner_object: Any) -> FA:
        """The client's facade of this collection (one per client)."""
        context: Context = owner_object._context
        return context.facade(
            self.rel, lambda: self.kind(context, self.rel, self.model, *self.writes)
        )


@overload
def declare(
    kind: Callable[[Context, str, type[T]], FA], rel: str, model: type[T], doc: str
) -> Declared[FA]: ...


@overload
def declare(
    kind: Callable[[Context, str, type[T], Callable[C, object], Callable[U, object]], FA],
    rel: str,
    model: type[T],
    doc: str,
    content: Callable[C, object],
    fields: Callable[U, object],
) -> Declared[FA]: ...


def declare(
    kind: Callable[..., FA],
    rel: str,
    model: type[Any],
    doc: str,
    content: Callable[..., object] | None = None,
    fields: Callable[..., object] | None = None,
) -> Declared[FA]:
    """Declare a collection of the API: the facade class (``Searchable``, or a resource's own
    such as ``People``), the entry point's rel of the collection, its model, one line of
    documentation (the client's attribute docstring, the CLI's help and the reference), and
    for an action the ``TypedDict``s of what its create and update take."""
    writes = () if content is None or fields is None else (content, fields)
    return Declared(kind, rel, model, doc, *writes)


class BoundWrite(Generic[W, T]):
    """A facade's write: ``await an.people.signup(...)`` answers the result;
    ``await an.people.signup.background(...)`` has the API apply the write later ("Background
    Processing", https://actionnetwork.org/docs/v2/) and answers None at once."""

    def __init__(
        self,
        send: Callable[Concatenate[bool, W], Awaitable[T | None]],
        doc: str | None,
        signature: inspect.Signature,
    ) -> None:
        self._send = send
        self.__doc__ = doc
        self.__signature__ = signature  # what help() and inspect show: the method's own

    async def __call__(self, *args: W.args, **kwargs: W.kwargs) -> T:
        """The write, applied now: its result."""
        return cast(T, await self._send(False, *args, **kwargs))

    async def background(self, *args: W.args, **kwargs: W.kwargs) -> None:
        """The write, queued by the API (``background_request=true``): None at once."""
        await self._send(True, *args, **kwargs)


class write(Generic[S, W, T]):
    """A write the API can also apply later, declared with ``@write`` on a facade method whose
    first argument after ``self`` is ``background`` (both positional only). Read on a facade
    it is a ``BoundWrite`` (made once per facade): called, or ``.background(...)``."""

    def __init__(self, method: Callable[Concatenate[S, bool, W], Awaitable[T | None]]) -> None:
        self.method = method
        self.__doc__ = method.__doc__
        self.__name__ = method.__name__
        signature = inspect.signature(method)
        self.__signature__ = signature.replace(parameters=list(signature.parameters.values())[2:])

    @overload
    def __get__(self, owner_object: None, owner: type) -> write[S, W, T]: ...

    @overload
    def __get__(self, owner_object: S, owner: type) -> BoundWrite[W, T]: ...

    def __get__(self, owner_object: S | None, owner: type) -> write[S, W, T] | BoundWrite[W, T]:
        if owner_object is None:
            return self
        method, facade = self.method, owner_object

        def send(background: bool, /, *args: W.args, **kwargs: W.kwargs) -> Awaitable[T | None]:
            return method(facade, background, *args, **kwargs)

        bound = owner_object.__dict__[self.__name__] = BoundWrite(
            send, self.__doc__, self.__signature__
        )
        return bound
