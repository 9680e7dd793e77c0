"""The caller ID a call shows: its campaign's pool number for the callee (store.pick), or
without a pool the plain caller ids in turn."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Callable

from ..outbound.model import CampaignSettings, DialingSettings
from . import store
from .choice import Exhausted


class CallerIds:
    def __init__(self, db_store, now: Callable[[], dt.datetime]):
        self.store, self.now = db_store, now
        self._turns = itertools.count(1)

    def next_plain(self, settings: DialingSettings) -> str | None:
        """The settings' caller ids in turn (an agent's own call: the company's number)."""
        numbers = settings.caller_ids
        return numbers[next(self._turns) % len(numbers)] if numbers else None

    async def for_call(self, settings: DialingSettings, callee: str) -> str | Exhausted | None:
        """A campaign call's number, counted against its pool's daily cap; Exhausted: no
        number may be shown now, so the call is not placed."""
        if not isinstance(settings, CampaignSettings):
            return self.next_plain(settings)
        chosen = await self.store.run(store.pick, settings.id, settings.account_id, callee,
                                      self.now())
        if chosen is None:
            return self.next_plain(settings)
        return chosen if isinstance(chosen, Exhausted) else chosen.number.number
