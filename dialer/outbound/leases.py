"""Claims that do not outlive their use: a contact claimed for dialling and not dialled
within the lease (the node died, a write failed, the dial was refused) goes back to
waiting, swept by every node; claims still in use on this node (a contact on an agent's
preview screen) are renewed first."""

from __future__ import annotations

import datetime as dt
import logging

from .records import CLAIM_LEASE
from . import store as dialing
from ..agents.shell import AgentSessions

log = logging.getLogger("dialer.leases")
SWEEP_EVERY = dt.timedelta(seconds=10)


class ClaimLeases:
    def __init__(self, store, agents: AgentSessions, *, node: str,
                 lease: dt.timedelta = CLAIM_LEASE, every: dt.timedelta = SWEEP_EVERY):
        self.store, self.agents, self.node = store, agents, node
        self.lease, self.every = lease, every
        self._next_sweep: dt.datetime | None = None

    async def tick(self, now: dt.datetime) -> None:
        if self._next_sweep is not None and now < self._next_sweep:
            return
        self._next_sweep = now + self.every
        on_screen = [s.preview["claim"].cc_id for s in self.agents.sessions.values()
                     if s.preview and "claim" in s.preview]
        await self.store.run(dialing.renew_claims, on_screen, self.node, now)
        released = await self.store.run(dialing.release_expired_claims, now, self.lease)
        if released:
            log.warning("%d claimed contact(s) not dialled within %s went back to waiting",
                        released, self.lease)
