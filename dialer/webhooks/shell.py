"""The webhooks' runtime: a background sender that claims due deliveries from the outbox
and POSTs them (aiohttp), and a listener on the floor's hub that turns agents' state
changes into events. Neither is ever awaited by a call, an agent or an API request: the
changes only write outbox rows in their own transactions.

Connections go only where `policy` allows: the URL is checked again before each try (the
configuration may have changed), and host names are resolved through `GuardedResolver`,
which drops forbidden addresses, so DNS cannot send a delivery to a metadata service or,
without `allow_private`, to the dialer's own network. Redirects are not followed."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import logging
import random
import socket
import time
from typing import Callable

import aiohttp
from aiohttp.abc import ResolveResult
from aiohttp.resolver import ThreadedResolver

from .. import __version__
from ..config import WebhooksConfig
from ..core.tz import utc_now
from ..floor.events import AgentChanged, Ended, FloorEvent, Resync, Scope
from ..floor.hub import Hub
from . import events, outbox, policy

log = logging.getLogger(__name__)
LEASE_MARGIN = dt.timedelta(seconds=30)  # a claim outlives the request's timeout by this
# How long "does any endpoint want agents' states?" is believed: agents change state several
# times a call, and on SQLite each look would queue on the calls' writer thread.
SUBSCRIBED_TTL = 5.0
KEEP = dt.timedelta(days=30)  # delivered and given-up deliveries are deleted after this
PRUNE_EVERY = 3600.0          # seconds between two prunings


class GuardedResolver(ThreadedResolver):
    """The system resolver, minus the addresses `policy.address_refusal` refuses."""

    def __init__(self, allow_private: bool):
        super().__init__()
        self.allow_private = allow_private

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        found = await super().resolve(host, port, family)
        allowed = [r for r in found if policy.address_refusal(
            ipaddress.ip_address(r["host"]), self.allow_private) is None]
        if not allowed:
            raise OSError(f"{host} resolves to no address webhooks may reach")
        return allowed


class _AgentsOnly(Scope):
    """Every agent's change, of every account (the events carry the agent's account)."""

    def admit(self, event: FloorEvent) -> FloorEvent | None:
        return event if isinstance(event, AgentChanged) else None


class Webhooks:
    def __init__(self, store, settings: WebhooksConfig, *, node: str,
                 now: Callable[[], dt.datetime] = utc_now, hub: Hub | None = None,
                 poll_seconds: float = 1.0, concurrency: int = 8,
                 retry: policy.RetryPolicy | None = None):
        self.store, self.settings, self.node, self.now = store, settings, node, now
        self.hub, self.poll_seconds, self.concurrency = hub, poll_seconds, concurrency
        self.retry = retry or policy.RetryPolicy(max_attempts=settings.max_attempts)
        self.lease = dt.timedelta(seconds=settings.timeout_seconds) + LEASE_MARGIN
        self.in_flight: set[asyncio.Task] = set()
        self._tasks: list[asyncio.Task] = []
        self._wake = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self._agents_wanted: tuple[float, bool] = (-SUBSCRIBED_TTL, False)  # (when, answer)
        self._pruned_at = -PRUNE_EVERY

    async def start(self) -> None:
        await self.store.run(outbox.release_claims, self.node)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(resolver=GuardedResolver(self.settings.allow_private),
                                           limit=self.concurrency),
            timeout=aiohttp.ClientTimeout(total=self.settings.timeout_seconds),
            headers={"User-Agent": f"dialer-webhooks/{__version__}"})
        self._tasks.append(asyncio.create_task(self._run(), name="webhooks-sender"))
        if self.hub is not None:
            subscription = self.hub.subscribe(_AgentsOnly(frozenset(), frozenset()))
            self._tasks.append(asyncio.create_task(self._listen(subscription),
                                                   name="webhooks-agents"))

    async def stop(self) -> None:
        """Sends in flight are dropped: their claims are released at the next start (or
        expire, for another node), so they are sent again."""
        for task in [*self._tasks, *self.in_flight]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self.in_flight, return_exceptions=True)
        self._tasks.clear()
        if self._session is not None:
            await self._session.close()

    def endpoints_changed(self) -> None:
        """An endpoint was made, changed or deleted through this node: look again."""
        self._agents_wanted = (-SUBSCRIBED_TTL, False)

    def wake(self) -> None:
        """Look for due deliveries now (a replay was queued)."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                if time.monotonic() - self._pruned_at >= PRUNE_EVERY:
                    await self.store.run(outbox.prune, self.now() - KEEP)
                    self._pruned_at = time.monotonic()
                await self.send_due()
            except Exception:  # noqa: BLE001 - a database hiccup must not stop the sender
                log.exception("webhooks: sending failed")
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()

    async def send_due(self) -> int:
        """Claim as many due deliveries as there are free senders and start sending them;
        how many were started."""
        free = self.concurrency - len(self.in_flight)
        if free <= 0:
            return 0
        claimed = await self.store.run(outbox.claim_due, self.node, self.now(), free,
                                       self.lease)
        for outgoing in claimed:
            task = asyncio.create_task(self._deliver(outgoing))
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)
        return len(claimed)

    async def _deliver(self, outgoing: outbox.Outgoing) -> None:
        result = await self.post(outgoing)
        attempts = outgoing.attempts + 1
        after = policy.after_try(attempts, result, self.now(), self.retry, random.random())
        await self.store.run(outbox.finish_try, outgoing.delivery_id, self.node, result,
                             after, self.now())
        if after.status is not policy.Status.DELIVERED:
            log.info("webhook delivery %d (%s) try %d: %s -> %s", outgoing.delivery_id,
                     outgoing.kind, attempts, result.status_code or result.error,
                     after.status.value)

    async def post(self, outgoing: outbox.Outgoing) -> policy.TryResult:
        """One try: the signed POST, and what came of it."""
        assert self._session is not None, "start() first"
        started = time.monotonic()

        def result(status: int | None, error: str | None = None) -> policy.TryResult:
            elapsed = round((time.monotonic() - started) * 1000)
            return policy.TryResult(status, error[:255] if error else None, elapsed)
        try:
            policy.check_url(outgoing.url, self.settings.allow_private)
        except policy.UrlRefused as exc:
            return result(None, f"refused: {exc}")
        body = outgoing.body.encode()
        headers = {"Content-Type": "application/json",
                   policy.SIGNATURE_HEADER: policy.sign(outgoing.secret, int(time.time()), body),
                   policy.EVENT_HEADER: outgoing.kind, policy.EVENT_ID_HEADER: outgoing.event_id,
                   policy.DELIVERY_HEADER: str(outgoing.delivery_id)}
        try:
            async with self._session.post(outgoing.url, data=body, headers=headers,
                                          allow_redirects=False) as response:
                return result(response.status)
        except TimeoutError:
            return result(None, f"no answer within {self.settings.timeout_seconds} s")
        except (aiohttp.ClientError, OSError) as exc:
            return result(None, f"{type(exc).__name__}: {exc}")

    async def _agents_subscribed(self) -> bool:
        """Whether any enabled endpoint takes agent.state_changed (at most SUBSCRIBED_TTL
        seconds old: an endpoint made through another node may miss that long of agents'
        changes)."""
        at, wanted = self._agents_wanted
        if time.monotonic() - at >= SUBSCRIBED_TTL:
            wanted = await self.store.run(outbox.any_subscribed,
                                          events.AgentStateChanged.kind)
            self._agents_wanted = (time.monotonic(), wanted)
        return wanted

    async def _listen(self, subscription) -> None:
        """Agents' state changes (not every change of what is on their screen) as
        events, in the order the hub published them."""
        try:
            await self._follow_agents(subscription)
        finally:
            subscription.close()

    async def _follow_agents(self, subscription) -> None:
        states: dict[int, str] = {}
        while True:
            change = await subscription.next()
            if isinstance(change, Ended):
                return
            if isinstance(change, Resync):
                log.warning("webhooks: fell behind the floor's hub; agent changes lost")
                continue
            if not isinstance(change, AgentChanged) or states.get(change.agent_id) == change.state:
                continue
            event = events.AgentStateChanged(
                agent_id=change.agent_id, state=change.state,
                previous_state=states.get(change.agent_id), campaign_id=change.campaign_id,
                attempt_id=change.attempt_id, pause_reason=change.pause_reason)
            states[change.agent_id] = change.state
            try:
                if await self._agents_subscribed():
                    await self.store.run(outbox.agent_state_changed, event, self.now())
            except Exception:  # noqa: BLE001 - one lost event must not stop the listener
                log.exception("webhooks: agent %d's change not queued", change.agent_id)
