"""ServerClock: Redis's clock placed on this loop's by the round trips seen (pure, no Redis)."""

from __future__ import annotations

import pytest

from actionnetwork_async.redis import MAX_DRIFT, ServerClock

OFFSET = 1_700_000_000.0  # Redis's clock reads this much more than the loop's
US = 1e-6  # Redis counts microseconds (and a double near OFFSET holds a quarter of one)


def trip(clock: ServerClock, sent: float, there: float, back: float) -> None:
    """A call sent at loop time ``sent``, run by Redis ``there`` seconds later, its answer read
    ``back`` seconds after that."""
    clock.observe(sent + there + OFFSET, sent, sent + there + back)


def test_one_round_trip_places_the_slot_at_the_latest_it_can_be() -> None:
    clock = ServerClock()
    trip(clock, 10.0, 0.001, 0.002)
    due, uncertain = clock.local(OFFSET + 11.0, now=10.003)
    assert due == pytest.approx(
        11.002, abs=US
    )  # never early: as if the answer had come back at once
    assert uncertain == pytest.approx(0.003, abs=US)


def test_a_held_back_answer_is_placed_by_the_quick_ones_before_it() -> None:
    clock = ServerClock()
    trip(clock, 10.0, 0.0002, 0.0002)
    trip(clock, 11.0, 0.0002, 0.012)  # read 12 ms late: a busy machine
    due, uncertain = clock.local(OFFSET + 11.05, now=11.0122)
    # Timed from this answer alone, the slot would be 11.8 ms later than it is.
    assert due == pytest.approx(11.0502, abs=MAX_DRIFT * 1.1)
    assert uncertain < 0.0004 + 2 * MAX_DRIFT


def test_old_round_trips_count_for_less_as_the_clocks_may_drift_apart() -> None:
    clock = ServerClock()
    trip(clock, 0.0, 0.0, 0.0)
    due, uncertain = clock.local(OFFSET + 100.0, now=100.0)
    assert due == pytest.approx(100.0 + 100 * MAX_DRIFT, abs=US)  # 50 ms later, to err late
    assert uncertain == pytest.approx(2 * 100 * MAX_DRIFT, abs=US)


def test_a_round_trip_that_contradicts_the_others_replaces_them() -> None:
    clock = ServerClock()
    trip(clock, 10.0, 0.0001, 0.0001)
    clock.observe(OFFSET - 5.0 + 10.5, 10.5, 10.5002)  # Redis's clock was set back 5 s
    due, uncertain = clock.local(OFFSET - 5.0 + 11.0, now=10.5002)
    assert due == pytest.approx(11.0002, abs=US)
    assert uncertain == pytest.approx(0.0002, abs=US)
