"""The trunks at run time: each leg's routing choice (over every node's legs, in the
database), each trunk's circuit breaker fed by its legs' ends and by Asterisk's endpoint
states, and the trunks' health for the API and the wallboard.

Endpoint states are read (GET /endpoints/PJSIP/<name>: "offline" once a qualifying AOR
stops answering OPTIONS), at each (re)connect and as defined trunks are read again, not
subscribed to: an app with an endpoint subscription stays registered in Asterisk after
its websocket is gone, and the next connection as that app would race it."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from dataclasses import dataclass
from typing import Callable

from ..ari import AriClient, AriError
from ..core.tz import utc_now
from ..features import Feature, PbxSnapshot, ResyncHandover, ResyncPhase, ResyncStep
from . import breaker as b, store
from ..core.asterisk_input import UnsafeValue
from .model import DEFAULT_TRUNK_ID, Trunk, default_trunk, split_dialled
from .routing import (DEFAULT_POLICY, CallToRoute, DialLeg, NoRoute, Route, Wait,
                      channel_capacity, choose)

log = logging.getLogger("dialer.trunks")
RELOAD_SECONDS = 5.0  # trunks changed in the API reach the routing within this


@dataclass(frozen=True)
class TrunkHealth:
    """A trunk as the API and the wallboard show its health."""

    trunk_id: int
    name: str
    endpoint: str
    state: b.BreakerState
    failures: int
    offline: bool

    @property
    def healthy(self) -> bool:
        return self.state is b.BreakerState.CLOSED and not self.offline

    def as_json(self) -> dict:
        return {"trunk_id": self.trunk_id, "name": self.name, "endpoint": self.endpoint,
                "state": self.state.value, "failures": self.failures, "offline": self.offline,
                "healthy": self.healthy}


class Trunks:
    def __init__(self, store_, *, default_endpoint: str, node: str, ari: AriClient | None = None,
                 now: Callable[[], dt.datetime] = utc_now, policy: b.BreakerPolicy = DEFAULT_POLICY,
                 draw: Callable[[], float] = random.random):
        self.store, self.node, self.now, self.policy, self.draw = store_, node, now, policy, draw
        self.ari = ari
        self.default = default_trunk(default_endpoint)
        self.breakers: dict[int, b.Breaker] = {}
        self._defined: tuple[Trunk, ...] = ()
        self._read_at: float | None = None
        # one routing choice at a time on this node: each sees the breakers as the last
        # left them (a cooled-down trunk gets one probe, not one per concurrent call)
        self._choosing = asyncio.Lock()

    def feature(self) -> Feature:
        return Feature("trunks", resync=ResyncStep(ResyncPhase.CALLS, self._resync_step))

    async def reload(self) -> tuple[Trunk, ...]:
        """Trunks were defined or changed here: read them now (other nodes read them
        again within RELOAD_SECONDS of their next call)."""
        self._read_at = None
        return await self.trunks()

    async def trunks(self) -> tuple[Trunk, ...]:
        """The trunks defined (read again every RELOAD_SECONDS), or the config's default."""
        clock = asyncio.get_running_loop().time()
        if self._read_at is None or clock - self._read_at >= RELOAD_SECONDS:
            self._defined, self._read_at = await self.store.read(store.routable_trunks), clock
            if self._defined and self.ari is not None:
                await self.read_endpoint_states(self.ari)
        return self._defined or (self.default,)

    async def route(self, account_id: int, e164: str, tried: frozenset[int], *,
                    channel_id: str, attempt_id: int | None) -> Route | NoRoute:
        """The trunk for this leg, its channel counted; waits while every trunk that may
        carry it is full or out of service."""
        call = CallToRoute(account_id, e164, tried)
        while True:
            trunks = await self.trunks()
            async with self._choosing:
                decision = await self._choose(call, trunks, channel_id, attempt_id)
            if not isinstance(decision, Wait):
                return decision
            await asyncio.sleep(max(0.02, (decision.until - self.now()).total_seconds()))

    async def dial_string(self, account_id: int, phone: str, tried: frozenset[int], *,
                          channel_id: str, attempt_id: int) -> DialLeg | NoRoute:
        """An attempt's phone as dialled ("9+12125550100"): its leg's trunk and dial string
        (`route`), or why it may not be dialled."""
        try:
            rule_prefix, e164 = split_dialled(phone)
        except UnsafeValue as exc:  # stored before the checks: never dialled
            return NoRoute(exc.reason)
        route = await self.route(account_id, e164, tried, channel_id=channel_id,
                                 attempt_id=attempt_id)
        if isinstance(route, NoRoute):
            return route
        return DialLeg(route.trunk.id, route.trunk.target.dial_string(e164, rule_prefix))

    async def _choose(self, call: CallToRoute, trunks: tuple[Trunk, ...], channel_id: str,
                      attempt_id: int | None) -> Route | Wait | NoRoute:
        if trunks == (self.default,):  # nothing to count across nodes
            decision = choose(call, trunks, self.breakers, {}, self.now(), self.draw(),
                              self.policy)
        else:
            decision = await self.store.run(
                store.open_leg, call, trunks, dict(self.breakers), self.policy, self.now(),
                self.draw(), node=self.node, channel_id=channel_id, attempt_id=attempt_id)
        if isinstance(decision, Route) and decision.probe:
            log.info("trunk %s: probing it with a call", decision.trunk.name)
            self.breakers[decision.trunk.id] = b.probe_sent(
                self.breakers.get(decision.trunk.id, b.Breaker()), self.now())
        return decision

    async def leg_ended(self, trunk_id: int, channel_id: str, healthy: bool) -> None:
        """A leg's channel is gone (or was never made): its trunk's breaker learns."""
        before = self.breakers.get(trunk_id, b.Breaker())
        after = b.succeeded(before) if healthy else b.failed(before, self.now(), self.policy)
        self.breakers[trunk_id] = after
        if after.state is not before.state:
            log.warning("trunk %s: %s -> %s (%d consecutive failures)",
                        self.health_of(trunk_id).name, before.state.value, after.state.value,
                        after.failures)
        if trunk_id != DEFAULT_TRUNK_ID:
            await self.store.run(store.close_leg, channel_id, healthy, self.now())

    async def read_endpoint_states(self, ari: AriClient) -> None:
        """Asterisk's state of each trunk's endpoint: offline takes it out, online back in."""
        for endpoint in sorted({t.target.endpoint for t in self._defined or (self.default,)}):
            try:
                state = await ari.request("GET", f"/endpoints/PJSIP/{endpoint}")
            except AriError as exc:  # not on the PBX (yet): routing finds out by failing
                log.warning("trunk endpoint %s: %s", endpoint, exc)
                continue
            if state and state.get("state") in ("online", "offline"):
                self._endpoint_state(endpoint, state["state"] == "online")

    def _endpoint_state(self, resource: str, online: bool) -> None:
        for trunk in (*self._defined, self.default):
            if trunk.target.endpoint == resource:
                before = self.breakers.get(trunk.id, b.Breaker())
                self.breakers[trunk.id] = b.endpoint_state(before, online)
                if before.offline == online:
                    log.warning("trunk %s: endpoint %s is %s", trunk.name, resource,
                                "online" if online else "offline")

    async def _resync_step(self, ari: AriClient, pbx: PbxSnapshot,
                           handover: ResyncHandover) -> ResyncHandover:
        """This node's legs whose channel is gone are closed; the trunks are read again,
        with their endpoints' states."""
        await self.store.run(store.close_lost_legs, self.node, pbx.live, self.now())
        await self.reload()
        await self.read_endpoint_states(ari)
        return handover

    def health(self, account_id: int | None = None) -> list[TrunkHealth]:
        """The trunks in use now (the default when none is defined), best first; those
        open to `account_id` if given."""
        trunks = [t for t in self._defined or (self.default,) if account_id is None
                  or t.account_ids is None or account_id in t.account_ids]
        return [self._health(t) for t in sorted(trunks, key=lambda t: (t.priority, t.name))]

    def channel_capacity(self, account_id: int) -> int | None:
        """The channels the account's trunks could carry now (routing.channel_capacity)."""
        trunks = [t for t in self._defined or (self.default,) if t.enabled
                  and (t.account_ids is None or account_id in t.account_ids)]
        return channel_capacity(trunks, self.breakers, self.now(), self.policy)

    def health_of(self, trunk_id: int) -> TrunkHealth:
        """A trunk's health on this node (one defined since the last read: as new)."""
        known = {t.id: t for t in (*self._defined, self.default)}
        trunk = known.get(trunk_id)
        if trunk is None:
            return TrunkHealth(trunk_id, "", "", b.BreakerState.CLOSED, 0, False)
        return self._health(trunk)

    def _health(self, t: Trunk) -> TrunkHealth:
        br = self.breakers.get(t.id, b.Breaker())
        return TrunkHealth(t.id, t.name, t.target.endpoint, br.state, br.failures, br.offline)
