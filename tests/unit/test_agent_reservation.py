"""An agent being connected to a customer stays reserved until it is on the call: a second
answered call must not take it meanwhile (else two customers share the agent's bridge, and
when one hangs up the agent is free again with the other still in it: the soak found that,
a caller left alone after logout and an attempt never closed)."""

from __future__ import annotations

import asyncio

from dialer.core.tz import utc_now
from dialer.agents.shell import AgentSessions, Session


class SlowAri:
    def __init__(self):
        self.bridged: list[tuple[str, list[str]]] = []

    async def add_to_bridge(self, bridge_id, channels):
        await asyncio.sleep(0.05)  # an ARI round trip
        self.bridged.append((bridge_id, list(channels)))


class NoStore:
    async def run(self, fn, *args, **kwargs):
        return None


async def test_an_agent_being_connected_is_not_taken_by_another_call():
    ari = SlowAri()
    agents = AgentSessions(ari, NoStore(), "dialer")
    agents.sessions[1] = Session(1, "PJSIP/agent1", frozenset({7}), "agent-1-x",
                                 "dialer-agent-1", since=utc_now(), state="available")
    loop = asyncio.get_running_loop()
    assert await agents.take(7, loop.time() + 1) == 1
    connecting = asyncio.create_task(agents.connect(1, "customer-a", 10))
    second = asyncio.create_task(agents.take(7, loop.time() + 0.3))
    await asyncio.sleep(0.01)
    async with agents.changed:  # another agent's state changed while customer-a is bridged
        agents.changed.notify_all()
    assert await connecting
    assert await second is None
    session = agents.sessions[1]
    assert (session.state, session.customer, session.reserved) == ("on_call", "customer-a", False)
    assert ari.bridged == [("dialer-agent-1", ["customer-a"])]


async def test_an_agent_owed_to_a_progressive_call_waits_for_it():
    """A predictive human waits (and is abandoned at its deadline) rather than take the
    agent a progressive call in flight was placed for; that call's human gets it, and once
    it is gone the predictive one may have the next free agent."""
    agents = AgentSessions(SlowAri(), NoStore(), "dialer")
    agents.sessions[1] = Session(1, "PJSIP/agent1", frozenset({7}), "agent-1-x",
                                 "dialer-agent-1", since=utc_now(), state="available")
    owed = [7]
    agents.promised = lambda: list(owed)
    loop = asyncio.get_running_loop()
    assert await agents.take(7, loop.time() + 0.1) is None
    predictive = asyncio.create_task(agents.take(7, loop.time() + 1))
    assert await agents.take(7, loop.time() + 0.1, promised_to_it=True) == 1
    await asyncio.sleep(0.05)
    assert not predictive.done()
    owed.clear()  # the progressive call got its agent; another agent comes free
    agents.sessions[2] = Session(2, "PJSIP/agent2", frozenset({7}), "agent-2-x",
                                 "dialer-agent-2", since=utc_now(), state="available")
    await agents.wake()
    assert await predictive == 2


async def test_an_inbound_caller_is_an_arrival_for_its_agents_groups():
    """The predictive pacing learns the rate of inbound callers sharing a group's agents
    (issue 22's blended floors) from each caller who begins waiting for agents."""
    agents = AgentSessions(SlowAri(), NoStore(), "dialer")
    for agent_id, groups in ((1, {7}), (2, {7, 8})):
        agents.sessions[agent_id] = Session(agent_id, f"PJSIP/agent{agent_id}", frozenset(groups),
                                            f"agent-{agent_id}-x", f"dialer-agent-{agent_id}",
                                            since=utc_now(), state="on_call")
    arrivals: list[frozenset[int]] = []
    agents.inbound_arrived = arrivals.append
    loop = asyncio.get_running_loop()
    assert await agents.take_for_inbound([1, 2, 3], loop.time() + 0.05) is None  # all busy
    assert await agents.take_for_inbound([1], loop.time() + 0.05) is None
    assert arrivals == [frozenset({7, 8}), frozenset({7})]  # agent 3 is not logged in


async def test_an_inbound_callers_wait_is_reported_with_its_agents_groups():
    """The pacing keeps a blended group's inbound service level (issue 22): each wait for
    agents ends taken after so many seconds, or not taken (None)."""
    agents = AgentSessions(SlowAri(), NoStore(), "dialer")
    agents.sessions[1] = Session(1, "PJSIP/agent1", frozenset({7}), "agent-1-x",
                                 "dialer-agent-1", since=utc_now(), state="on_call")
    waits: list[tuple[frozenset[int], float | None]] = []
    agents.inbound_waited = lambda groups, waited: waits.append((groups, waited))
    loop = asyncio.get_running_loop()
    assert await agents.take_for_inbound([1], loop.time() + 0.05) is None
    waiting = asyncio.create_task(agents.take_for_inbound([1, 2], loop.time() + 1))
    await asyncio.sleep(0.1)
    agents.sessions[2] = Session(2, "PJSIP/agent2", frozenset({7}), "agent-2-x",
                                 "dialer-agent-2", since=utc_now(), state="available")
    await agents.wake()
    assert await waiting == 2
    (groups, none), (same, waited) = waits
    assert groups == same == frozenset({7}) and none is None
    assert waited is not None and 0.09 <= waited < 0.5
