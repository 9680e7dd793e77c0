"""What the web app needs of a Dialer when a test runs no call runtime: the store, the
clock, the PBX's desk phones (stubbed), and optionally agents and an ARI client."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

from dialer.core.tz import utc_now
from dialer.agents.previews import InboundCaller
from dialer.agents.shell import AgentSessions, Session
from dialer.monitor.shell import Monitors
from dialer.transfers.shell import TransferShell
from dialer.config import WebhooksConfig
from dialer.prompts.shell import PromptRecorder
from dialer.trunks.shell import Trunks
from dialer.webhooks.shell import Webhooks
from tests.pbx_stub import StubEndpoints


class FakeDialer:
    def __init__(self, store, clock: Callable[[], dt.datetime] = utc_now, agents=None,
                 ari=None):
        self.store, self.clock, self.agents, self.ari = store, clock, agents, ari
        self.transfers = TransferShell(ari, store, agents, self.now)
        self.endpoints = StubEndpoints()
        self.calls = NoCalls()
        self.monitors = Monitors(ari, store, agents, "dialer")
        self.webhooks = Webhooks(store, WebhooksConfig(allow_private=True), node="test")
        self.prompt_recorder = PromptRecorder(ari, store, "dialer")
        self.trunks = Trunks(store, default_endpoint="carrier", node="test", now=self.now)

    def now(self) -> dt.datetime:
        return self.clock()


class NoCalls:
    """The call runtime's reads when no call runs."""

    def __init__(self):
        self.calls: dict = {}

    def in_flight(self, campaign_id: int) -> int:
        return 0


class BridgingAri:
    """Enough of ARI for AgentSessions.connect: every bridge request succeeds."""

    async def add_to_bridge(self, bridge_id: str, channels: list[str]) -> None:
        return None


def live_agents(store, agent_ids) -> AgentSessions:
    """The runtime's real agent sessions, each agent logged in and available; put them on
    calls with `put_on_call`, on previews with AgentSessions.offer_preview."""
    agents = AgentSessions(BridgingAri(), store, "dialer")
    for agent_id in agent_ids:
        agents.sessions[agent_id] = Session(agent_id, f"PJSIP/agent{agent_id}", frozenset(),
                                            f"agent-{agent_id}", f"dialer-agent-{agent_id}",
                                            since=utc_now(), state="available")
    return agents


async def put_on_call(agents: AgentSessions, agent_id: int, customer: str,
                      attempt_id: int | None = None, *, campaign_id: int | None = None,
                      details: InboundCaller | None = None) -> None:
    """As an answered call does: reserve the agent, then connect the customer."""
    loop = asyncio.get_running_loop()
    assert await agents.take_for_inbound([agent_id], loop.time() + 1) == agent_id
    assert await agents.connect(agent_id, customer, attempt_id, details=details,
                                campaign_id=campaign_id)
