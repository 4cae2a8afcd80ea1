"""The runnable examples in docs/ run."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / "docs" / "examples"


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_signup_bot_greets_every_new_person(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("signup_bot", EXAMPLES / "signup_bot.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    greeted = await module.main(signups=3)
    assert sorted(greeted) == ["new0@example.org", "new1@example.org", "new2@example.org"]
    assert "bot: welcome, New 1 <new1@example.org>!" in capsys.readouterr().out
