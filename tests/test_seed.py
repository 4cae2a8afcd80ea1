"""Seed data for the emulator."""

from __future__ import annotations

import pytest

from actionnetwork_async.testing import Emulator, Seed, State, seed_people
from actionnetwork_async.testing.seed import seed_records, seed_state

from .test_emulator_resources import SEEDS


def test_seed_data_is_deterministic() -> None:
    first = list(seed_people(50, seed=7))
    assert first == list(seed_people(50, seed=7))
    assert first != list(seed_people(50, seed=8))
    emails = {p["email_addresses"][0]["address"] for p in first}
    assert len(emails) == 50


@pytest.mark.slow
def test_a_hundred_thousand_people_seed_with_distinct_ids_and_emails() -> None:
    # How fast they seed is benchmarks/memory.py's to report, not a timed unit test's.
    state = State()
    state.load("people", seed_people(100_000))
    people = state["people"].values()
    assert len(people) == 100_000
    assert len({p["identifiers"][0] for p in people}) == 100_000
    assert len({p["email_addresses"][0]["address"] for p in people}) == 100_000


def test_every_resource_seeds_deterministically() -> None:
    first, second = State(), State()
    seed_state(first, SEEDS, seed=3)
    seed_state(second, SEEDS, seed=3)
    for name in SEEDS:
        assert len(first[name]) == SEEDS[name], name
        assert first[name].values() == second[name].values(), name
    petition = first["petitions"].values()[0]
    assert petition["total_signatures"] == len(
        first.owned("signatures", "petitions", petition["identifiers"][0].split(":")[1])
    )


def test_seeding_more_records_than_people_and_actions_allow_is_refused() -> None:
    with pytest.raises(ValueError, match="one per person"):
        list(seed_records("signatures", 7, ["p1", "p2"], ["a", "b", "c"]))
    with pytest.raises(ValueError, match="needs at least one"):
        Emulator(seed=Seed(signatures=1))
    assert len(list(seed_records("donations", 7, ["f1"], ["a"]))) == 7  # donations repeat
