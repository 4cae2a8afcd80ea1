"""Lazy exports for a package's ``__init__`` (PEP 562): each public name is imported on first use.

The pytest plugin is imported by every pytest run of every project that installs the library, so
``import actionnetwork_async`` and ``import actionnetwork_async.testing`` import none of aiohttp,
cattrs or the emulator until a name is used. Type checkers and griffe read the same names from
``if TYPE_CHECKING:`` imports; tests/test_plugin_import.py checks that both lists agree.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    namespace: dict[str, Any], exports: Mapping[str, tuple[str, ...]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for the package whose globals are ``namespace``.

    ``exports`` reads as the import statements it replaces: ``".bulk": ("Outcome",)`` is
    ``from .bulk import Outcome``, and ``".": ("webhooks",)`` is ``from . import webhooks``.
    A name, once imported, is stored in ``namespace``, so later lookups do not come back here.
    """
    package = namespace["__name__"]
    anchor = namespace.get("__package__") or package  # what relative names are relative to
    source = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = source.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        if module == ".":
            value = importlib.import_module(f".{name}", anchor)
        else:
            value = getattr(importlib.import_module(module, anchor), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *source})

    return __getattr__, __dir__
