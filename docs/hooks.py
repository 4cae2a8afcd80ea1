"""MkDocs hook: the parts of the reference written from the code at build time (the table of
collections from the catalog, the blocking twins from ``actionnetwork_async.sync``), so that a
collection declared in ``resources/catalog.py`` is on the pages without an edit."""

from __future__ import annotations

from typing import Any

MARKER = "<!-- catalog -->"
TWINS = "<!-- twins -->"


def catalog_table() -> str:
    """A Markdown table of every collection the client declares."""
    from actionnetwork_async.resources.catalog import Catalog
    from actionnetwork_async.resources.records import nested

    rows = [
        "| attribute | rel | model | records below it | what it is |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, declared in Catalog.declared().items():
        below = [
            f"`{attribute}`"
            for attribute, value in vars(declared.kind).items()
            if isinstance(value, nested)
        ]
        rows.append(
            f"| `an.{name}` | `{declared.rel}` | `{declared.model.__name__}` "
            f"| {', '.join(below) or '-'} | {declared.__doc__} |"
        )
    return "\n".join(rows)


def twins() -> str:
    """A reference block for every blocking twin but the client and its stream."""
    import actionnetwork_async.sync as sync

    shown = ("ActionNetwork", "Stream", "QUEUE_PAGES")
    names = sorted(n for n in sync.__all__ if n not in shown)
    return "\n\n".join(f"::: actionnetwork_async.sync.{name}" for name in names)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Put the generated parts where the page has their markers."""
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, catalog_table())
    if TWINS in markdown:
        markdown = markdown.replace(TWINS, twins())
    return markdown
