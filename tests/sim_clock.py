"""A wall clock for the dialer under test: it runs at real speed and can jump forward, so a
campaign crosses time zones' calling windows and hourly caps in seconds of real time."""

from __future__ import annotations

import datetime as dt
import time


class SimClock:
    def __init__(self, start: dt.datetime):
        self._start, self._t0 = start, time.monotonic()
        self._offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return self._start + self._offset + dt.timedelta(seconds=time.monotonic() - self._t0)

    def advance(self, delta: dt.timedelta) -> None:
        self._offset += delta
