"""The types a user writes naturally type-check: a model's ``id`` is a ``str`` (sort it, key a
dict by it), and a write takes ``str | None`` (None: not given) where a value is optional."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

PROGRAM = """
from actionnetwork_async import ActionNetwork
from actionnetwork_async.models import EmailAddress, Person


async def sync_people(an: ActionNetwork, maybe_none: str | None) -> dict[str, Person]:
    signed = await an.people.signup(given_name=maybe_none, email="a@b.org")
    draft = Person(given_name=maybe_none, email_addresses=[EmailAddress(address=maybe_none)])
    await an.people.update(signed, given_name=maybe_none, family_name=None)
    await an.petitions.create(title="T", origin_system="o", petition_text=maybe_none)
    ids: list[str] = sorted([p.id async for p in an.people.list()])
    by_id: dict[str, Person] = {p.id: p async for p in an.people.list()}
    by_id[signed.id] = signed
    if not draft.id:  # not read from the API: no id yet
        by_id.setdefault(ids[0], draft)
    return by_id
"""


@pytest.mark.slow  # mypy --strict in a subprocess
def test_ids_are_str_and_optional_fields_take_none(tmp_path: Path) -> None:
    """mypy --strict on a small user program: clean, no cast and no ``or ""`` needed."""
    source = tmp_path / "user_program.py"
    source.write_text(PROGRAM)
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(source)],
        cwd=ROOT,  # the project's settings and mypy cache
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
