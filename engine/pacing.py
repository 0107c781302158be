"""Training speed: how many steps a second a running runner takes ("max": as many as it can).

Deadline-based: after a (re)start at time t0, step i is due at t0 + i / rate. The
runner asks `delay()` after each step and, when the next step is not yet due,
waits that long on its command condition, so a pause or stop arriving meanwhile
is handled at once. A wait that overslept is made up by the next steps running
back to back, so the rate holds on average even where the operating system's
sleeps are coarse (10,000 steps/s is a step every 100 microseconds). A run that
cannot keep up (a big network at a high rate) does not bank the lost time: the
deadlines restart when it falls more than `SLACK` seconds behind.

At `EVERY_STEP_RATE` steps/s or slower the runner publishes a snapshot after
every step, so the GUI draws each one.
"""

from __future__ import annotations

import math
import numbers
import time
from typing import Any

from engine.errors import SpecError

MAX_RATE = 1_000_000.0  # steps/s a speed may ask for (None: no limit)
EVERY_STEP_RATE = 30.0  # at or below: a snapshot after every step
SLACK = 0.25  # seconds behind schedule before the deadlines restart
PRESETS = (1, 3, 10, 30, 100, 1000, 3000, None)  # the GUI's speeds; None is "max"


def checked_speed(speed: Any) -> float | None:
    """Steps per second in (0, MAX_RATE], or None for as fast as possible."""
    if speed is None:
        return None
    if (
        isinstance(speed, bool)
        or not isinstance(speed, numbers.Real)
        or not 0 < speed <= MAX_RATE
        or math.isnan(speed)
    ):
        raise SpecError(
            "Received an invalid value for `speed`, expected None (as fast as possible) or "
            f"steps per second > 0 and <= {MAX_RATE:g}. Received: speed={speed!r}"
        )
    return float(speed)


def speed_label(speed: float | None) -> str:
    """'max', '1 step/s', '1,000 steps/s'."""
    if speed is None:
        return "max"
    unit = "step/s" if speed == 1 else "steps/s"
    return f"{speed:,.0f} {unit}" if speed >= 1 else f"{speed:g} {unit}"


class Pacer:
    """The due time of each step of a running runner at a given rate (None: unpaced)."""

    def __init__(self, speed: float | None = None, clock=time.perf_counter):
        self._clock = clock
        self.speed = checked_speed(speed)
        self.restart()

    @property
    def limited(self) -> bool:
        return self.speed is not None

    @property
    def every_step(self) -> bool:
        """Whether each step is slow enough to be drawn (a snapshot after every step)."""
        return self.speed is not None and self.speed <= EVERY_STEP_RATE

    def set_speed(self, speed: float | None) -> None:
        """A new rate, counted from now (the steps already taken keep their times)."""
        self.speed = checked_speed(speed)
        self.restart()

    def restart(self) -> None:
        """Count from now: the next step is due at once (start, resume, a new speed)."""
        self._t0 = self._clock()
        self._done = 0

    def stepped(self) -> None:
        self._done += 1

    def delay(self) -> float:
        """Seconds until the next step is due (0: now, or unpaced)."""
        if self.speed is None:
            return 0.0
        due = self._t0 + self._done / self.speed
        now = self._clock()
        if now - due > SLACK:
            self.restart()
            return 0.0
        return max(0.0, due - now)
