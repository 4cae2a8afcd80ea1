"""One facade surface, checked by introspection and by mypy: plumbing private, every ``get``
taking a model, a Resource or an id, every ``update`` the same options, every helper the same
``ActionHelperOptions``, and writable fields typed so that a misspelt one is a type error."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing
from pathlib import Path

import attrs
import pytest

import actionnetwork_async as package
import actionnetwork_async.models as models
from actionnetwork_async import ActionNetwork, Resource
from actionnetwork_async.models.base import RENAMES
from actionnetwork_async.resources.records import ActionRecords, Nested, nested
from actionnetwork_async.types import ActionHelperOptions

ROOT = Path(__file__).parent.parent
CLIENT = ActionNetwork("surface-key", base_url="http://127.0.0.1:9/")
FACADES = list(ActionNetwork.declared())
PLUMBING = (
    "stream",
    "stream_collection",
    "stream_related",
    "collection_url",
    "item_url",
    "resource_of",
    "url_of",
)


def test_every_facade_has_the_same_surface() -> None:
    assert {"people", "events", "petitions", "tags", "campaigns"} <= set(FACADES)
    for name in FACADES:
        facade = getattr(CLIENT, name)
        assert not [p for p in PLUMBING if hasattr(facade, p)], f"{name} shows its plumbing"
        if hasattr(facade, "get"):
            hints = typing.get_type_hints(facade.get)
            target = next(iter(inspect.signature(facade.get).parameters))
            assert Resource in typing.get_args(hints[target]), f"{name}.get takes no Resource"
            assert str in typing.get_args(hints[target])
        if hasattr(facade, "update"):
            parameters = inspect.signature(facade.update).parameters
            assert {"changes", "extra", "fields"} <= set(parameters), name
            assert parameters["fields"].kind is inspect.Parameter.VAR_KEYWORD
        for attribute, declared in vars(type(facade)).items():
            if isinstance(declared, nested):  # the records below it read the same everywhere
                records = getattr(facade, attribute)
                assert isinstance(records, Nested), f"{name}.{attribute}"
                assert {"list", "get"} <= set(dir(records))
                if isinstance(records, ActionRecords):
                    options = typing.get_type_hints(records.kind.options)
                    assert set(typing.get_type_hints(ActionHelperOptions)) <= set(options)
                    assert {"create", "record", "record_many"} <= set(dir(records))


def test_typed_fields_are_writable_fields_of_their_model() -> None:
    pairs = [
        (getattr(models, name), getattr(models, name.removesuffix(suffix)))
        for name in models.__all__
        for suffix in ("Fields", "Content")
        if name.endswith(suffix) and hasattr(models, name.removesuffix(suffix))
    ]
    assert len(pairs) >= 14
    for fields, model in pairs:
        names = {f.name for f in attrs.fields(model)}
        for key in typing.get_type_hints(fields):
            if key in ("creator", "organizer"):  # sent as links, not fields
                continue
            assert key in names, f"{fields.__name__}.{key} is no field of {model.__name__}"
            assert RENAMES.get(key, key) not in model.READ_ONLY, f"{key} is read-only"


def test_every_public_name_is_exported_with_a_docstring() -> None:
    for name in package.__all__:
        value = getattr(package, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert (value.__doc__ or "").strip(), f"{name} has no docstring"


SNIPPET = """
from actionnetwork_async import ActionNetwork
from actionnetwork_async.models import Recipient
from actionnetwork_async.sync import ActionNetwork as Blocking


async def use(an: ActionNetwork) -> None:
    reveal_type(await an.petitions.get("p1"))
    reveal_type(await an.fundraising_pages.donations.record(
        "f1", email="a@example.org", recipients=[Recipient(amount="3.00")]
    ))
    await an.petitions.update("p1", titel="typo")
    await an.events.create(title="T", origin_system="o", start_dat="typo")
    await an.petitions.signatures.record("p1", email="a@example.org", email_status="subscrbed")
    await an.events.update("e1", total_accepted=3)
    await an.forms.update("f1", call_to_action=3)
    await an.petitions.signatures.record.background("p1", email="a@example.org")


def block(an: Blocking) -> None:
    reveal_type(an.petitions.get("p1"))
    an.people.signup.background(email="a@example.org", add_tags=["later"])
    for signature in an.petitions.signatures.list("p1"):
        reveal_type(signature)
"""


@pytest.mark.slow  # mypy --strict in a subprocess
def test_types_catch_a_misspelt_field_and_keep_the_model(tmp_path: Path) -> None:
    """mypy on a user's code: the concrete model comes back, async and blocking alike, and a
    misspelt or mistyped field is a type error before anything runs."""
    source = tmp_path / "use_facades.py"
    source.write_text(SNIPPET)
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(source)],
        cwd=ROOT,  # the project's mypy cache keeps this quick
        capture_output=True,
        text=True,
        check=False,
    )
    lines = checked.stdout.splitlines()
    reveals = [
        line.split('Revealed type is "')[1].rstrip('"') for line in lines if "Revealed" in line
    ]
    assert reveals == [
        "actionnetwork_async.models.actions.Petition",
        "actionnetwork_async.models.records.Donation",
        "actionnetwork_async.models.actions.Petition",
        "actionnetwork_async.models.records.Signature",
    ], checked.stdout
    errors = "\n".join(line for line in lines if ": error:" in line)
    assert '"titel"' in errors
    assert '"start_dat"' in errors
    assert '"email_status" to "__call__" of "BoundWrite"' in errors  # the misspelt status
    assert '"total_accepted"' in errors  # read-only: not a field a write takes
    assert '"call_to_action"' in errors  # a str, not an int
    assert len([line for line in lines if ": error:" in line]) == 5, checked.stdout
