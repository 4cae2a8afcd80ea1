"""Seed data for the emulator."""

from __future__ import annotations

import time

from actionnetwork_async.testing import State, seed_people


def test_seed_data_is_deterministic() -> None:
    first = list(seed_people(50, seed=7))
    assert first == list(seed_people(50, seed=7))
    assert first != list(seed_people(50, seed=8))
    emails = {p["email_addresses"][0]["address"] for p in first}
    assert len(emails) == 50


def test_a_hundred_thousand_people_seed_in_seconds() -> None:
    started = time.perf_counter()
    state = State()
    state.load("people", seed_people(100_000))
    assert len(state["people"]) == 100_000
    assert time.perf_counter() - started < 15  # about 3 s here; generous for slow CI machines
