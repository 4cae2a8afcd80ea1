"""griffe extension: the blocking twins' docstrings, read from their async classes.

The generated module (``actionnetwork_async/sync/_generated.py``) holds no docstring: each twin
class names its async class (``class People(Searchable[Person], aio=AsyncPeople)``) and takes
its docstrings from it when it is made. griffe reads source, not objects, so this extension
does the same for the reference: every twin class and method without a docstring gets its
async twin's.
"""

from __future__ import annotations

from typing import Any

import griffe

GENERATED = "actionnetwork_async.sync._generated"


class TwinDocstrings(griffe.Extension):
    """Copy docstrings from ``Async<Name>`` to the twin ``<Name>`` in the generated module."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **_: Any) -> None:
        if pkg.path != "actionnetwork_async":
            return
        module = loader.modules_collection[GENERATED]
        for name, twin in module.classes.items():
            alias = module.members.get(f"Async{name}")
            if alias is None or not alias.is_alias:
                continue
            source = loader.modules_collection[alias.target_path]
            if twin.docstring is None and source.docstring is not None:
                twin.docstring = griffe.Docstring(source.docstring.value, parent=twin)
            for member_name, member in twin.members.items():
                original = source.members.get(member_name)
                if member.docstring is None and original is not None and original.docstring:
                    member.docstring = griffe.Docstring(original.docstring.value, parent=member)
