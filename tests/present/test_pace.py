"""The play loop's pace: every week due since play began, at least one an update, at most
MAX_WEEKS, and never ahead of the chosen speed over a play."""

import pytest

from sim.present.app.pace import MAX_WEEKS, Pace


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def play(pace: Pace, clock: Clock, speed: int, update_s: float, seconds: float) -> int:
    """Weeks advanced in ``seconds`` of playing, each update taking ``update_s``, with the
    loop's wait between updates."""
    end, weeks = clock.now + seconds, 0
    while clock.now < end:
        weeks += pace.weeks(speed)
        clock.now += update_s
        clock.now += pace.wait()
    return weeks


@pytest.mark.parametrize("update_s", [0.01, 0.3, 0.7, 0.76, 1.3, 3.1])
def test_keeps_the_speed_however_long_an_update_takes(update_s):
    clock = Clock()
    weeks = play(Pace(clock), clock, speed=2, update_s=update_s, seconds=600)
    # the old loop (weeks = round(speed x time since the last update)) gave 1.43 a second
    # with 0.7 s updates and 2.63 with 0.76 s ones
    # never ahead; behind by at most the weeks due during the last update
    assert 2 * 600 - 2 * update_s - 1 <= weeks <= 2 * 600 + 1


def test_one_week_at_a_time_when_the_server_keeps_up():
    clock = Clock()
    pace = Pace(clock)
    steps = []
    for _ in range(10):
        steps.append(pace.weeks(5))
        clock.now += 0.02
        wait = pace.wait()
        assert 0 < wait <= 0.2
        clock.now += wait
    assert steps == [1] * 10


def test_a_long_stall_shows_at_most_max_weeks_and_no_burst_after():
    clock = Clock()
    pace = Pace(clock)
    assert pace.weeks(2) == 1
    clock.now += 60  # the server stalled for a minute: 120 weeks due
    assert pace.weeks(2) == MAX_WEEKS
    clock.now += pace.wait() + 0.01
    assert pace.weeks(2) == 1  # the arrears are forgotten


def test_speed_zero_and_a_new_speed():
    clock = Clock()
    pace = Pace(clock)
    assert pace.weeks(0) == 1 and pace.wait() == 0.0
    clock.now += 5
    assert pace.weeks(1) == 1  # a new speed starts its own schedule, no arrears from before
    assert pace.wait() == pytest.approx(1.0)
    clock.now += 1.0
    assert pace.weeks(1) == 1 and pace.wait() == pytest.approx(1.0)
    clock.now += 2.5
    assert pace.weeks(10) == 1  # the faster speed starts afresh too
    clock.now += 1.0
    assert pace.weeks(10) == 10
