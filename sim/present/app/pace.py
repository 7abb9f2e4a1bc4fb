"""How many weeks a playing session advances at each update, so that it keeps its speed.

At ``speed`` weeks a second the k-th week of a play is due ``(k - 1) / speed`` seconds after
play began. Each update advances every week due by then (at least one), and the page then
waits until the next is due. Counting from the start of the play, not from the last update,
keeps the speed over a whole lesson. Before, the page rounded the time since the last update
to weeks and forgot the remainder: at 2 weeks a second, updates that each took 0.76 s gave
two weeks each (2.6 a second), updates of 0.7 s one (1.4 a second). When the server
falls behind by more than :data:`MAX_WEEKS`, the session shows that many and forgets the rest,
so a busy moment is not followed by a burst. Called by :mod:`sim.present.app.page`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["MAX_WEEKS", "Pace"]

#: The most weeks one update advances (half a year).
MAX_WEEKS = 26


class Pace:
    """The schedule of one play (a new one at every press of play).

    Args:
        clock: seconds, never going back (``time.monotonic``; a test passes its own).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._speed = 0
        self._begun = 0.0  # when the schedule's first week was due
        self._done = 0  # weeks advanced since then

    def weeks(self, speed: int) -> int:
        """Weeks to advance now at ``speed`` weeks a second (0: as fast as the server can,
        one at a time); a new speed starts a new schedule."""
        now = self._clock()
        if speed != self._speed:
            self._speed, self._begun, self._done = speed, now, 0
        if not speed:
            return 1
        due = int(speed * (now - self._begun)) + 1 - self._done
        if due > MAX_WEEKS:  # fallen behind: the most, and the schedule starts again
            self._begun, self._done = now, 1
            return MAX_WEEKS
        weeks = max(1, due)
        self._done += weeks
        return weeks

    def wait(self) -> float:
        """Seconds until the next week is due (0 at speed 0 or when it is due already)."""
        if not self._speed:
            return 0.0
        return max(0.0, self._begun + self._done / self._speed - self._clock())
