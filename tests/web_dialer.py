"""What the web app needs of a Dialer when a test runs no call runtime: the store, the
clock, the PBX's desk phones (stubbed), and optionally agents and an ARI client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from dialer.core.tz import utc_now
from tests.pbx_stub import StubEndpoints


class FakeDialer:
    def __init__(self, store, clock: Callable[[], dt.datetime] = utc_now, agents=None,
                 ari=None):
        self.store, self.clock, self.agents, self.ari = store, clock, agents, ari
        self.endpoints = StubEndpoints()

    def now(self) -> dt.datetime:
        return self.clock()
