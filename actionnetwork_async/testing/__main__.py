"""Run the emulator standalone: ``python -m actionnetwork_async.testing --port 8080``.

Its flags are built from the fields of the option classes (``config.py``): every field of
``Seed``, ``Quirks``, ``Timing``, ``Webhooks`` and ``RandomFaults`` is a flag named after it
(with the class's ``flag_prefix``: ``--webhook-url``, ``--fault-rate``), its help the field's
docstring, so a new option is a flag without further edits. The emulator (aiohttp) is imported
only to serve: ``--help`` stays quick.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import contextlib
import inspect
import itertools
import sys
import textwrap
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from .config import DEFAULT_API_KEY, GROUPS, Seed, count_fields


def build_parser() -> argparse.ArgumentParser:
    """The command's parser: the emulator's own scalars, then one flag per option field."""
    parser = argparse.ArgumentParser(
        prog="python -m actionnetwork_async.testing",
        description="An Action Network API v2 emulator on loopback.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument(
        "--rate-limit", type=float, default=4.0, help="requests per second; 0 turns it off"
    )
    for keyword, cls in GROUPS.items():
        doc = (cls.__doc__ or "").strip().split("\n\n")[0]
        group = parser.add_argument_group(f"{cls.__name__} ({keyword}=)", _escape(doc))
        docs = field_docs(cls)
        hints = typing.get_type_hints(cls)
        defaults = cls()
        for field in attrs.fields(cls):
            default = getattr(defaults, field.name)
            help_text = docs.get(field.name, "")
            _add_flag(group, cls, keyword, field, hints[field.name], default, help_text)
    return parser


def flag(cls: type, name: str) -> str:
    """The flag of field ``name`` of ``cls``: ``--webhook-url`` for ``Webhooks.url``."""
    prefix: str = getattr(cls, "flag_prefix", "")
    return f"--{prefix}{name.replace('_', '-')}"


def field_docs(cls: type) -> dict[str, str]:
    """The docstrings of ``cls``'s fields (the string after each), as one line each."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError):  # no source (a frozen build): flags without help
        return {}
    body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
    docs = {}
    for stmt, after in itertools.pairwise(body):
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[stmt.target.id] = " ".join(after.value.value.replace("``", "").split())
    return docs


def _escape(text: str) -> str:
    return text.replace("%", "%%")


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(x) for x in text.split(",") if x.strip())


def _names(text: str) -> frozenset[str]:
    return frozenset(x.strip() for x in text.split(",") if x.strip())


def _weights(text: str) -> dict[str, float]:
    pairs = (item.rsplit("=", 1) for item in text.split(",") if item.strip())
    try:
        return {kind.strip(): float(weight) for kind, weight in pairs}
    except ValueError:
        raise argparse.ArgumentTypeError(f"not KIND=WEIGHT,...: {text!r}") from None


#: How a flag's text becomes a field's value, by the field's type (None removed).
_PARSERS: dict[Any, tuple[Callable[[str], Any], str]] = {
    int: (int, "N"),
    float: (float, "X"),
    str: (str, "TEXT"),
    tuple[float, ...]: (_floats, "X,X,..."),
    frozenset[str]: (_names, "NAME,NAME,..."),
    dict[str, float]: (_weights, "KIND=WEIGHT,..."),
}


def _add_flag(
    group: Any,
    cls: type,
    keyword: str,
    field: attrs.Attribute[Any],
    hint: Any,
    default: Any,
    doc: str,
) -> None:
    """One flag for ``field``; its value lands at ``<keyword>.<field>`` (None: not given)."""
    dest = f"{keyword}.{field.name}"
    if cls is Seed and field.name in count_fields():
        shown = f"default {field.metadata['demo']} (Seed.demo())"
    else:
        shown = f"default {default!r}"
    help_text = _escape(f"{doc} [{shown}]" if doc else f"[{shown}]")
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    if hint is bool:
        group.add_argument(
            flag(cls, field.name), dest=dest, action=argparse.BooleanOptionalAction, help=help_text
        )
        off = field.metadata.get("off_flag")
        if off:  # an older name of --no-<flag>
            same = f"--no-{flag(cls, field.name)[2:]}"
            group.add_argument(off, dest=dest, action="store_false", help=f"same as {same}")
        return
    if hint not in _PARSERS:
        raise TypeError(f"{cls.__name__}.{field.name}: no flag for a field of type {hint!r}")
    parse, metavar = _PARSERS[hint]
    group.add_argument(
        flag(cls, field.name), dest=dest, type=parse, metavar=metavar, help=help_text
    )


def options(args: argparse.Namespace) -> dict[str, Any]:
    """``Emulator`` keywords from parsed flags: each option object holds the flags given and
    its class's defaults for the others (``Seed.demo()`` for the counts). Raises ValueError
    or TypeError for a value its class refuses."""
    given = {
        keyword: {
            field.name: value
            for field in attrs.fields(cls)
            if (value := getattr(args, f"{keyword}.{field.name}")) is not None
        }
        for keyword, cls in GROUPS.items()
    }
    built: dict[str, Any] = {
        keyword: cls(**given[keyword]) for keyword, cls in GROUPS.items() if keyword != "seed"
    }
    built["seed"] = Seed.demo(**given["seed"])
    if args.rate_limit < 0:
        raise ValueError("--rate-limit must not be negative (0 turns it off)")
    return {
        **built,
        "rate_limit": args.rate_limit or None,
        "api_key": args.api_key,
        "host": args.host,
        "port": args.port,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Serve a seeded emulator until interrupted."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        keywords = options(args)
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))

    async def serve() -> None:
        from .emulator import Emulator

        async with Emulator(**keywords) as emulator:
            print(f"Action Network emulator at {emulator.base_url}", flush=True)
            print(f"API key: {emulator.api_key}  (send it as OSDI-API-Token)", flush=True)
            print("Ctrl-C to stop.", flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
