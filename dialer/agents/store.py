"""Agents as the runtime needs them: typed records, one transaction per function."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..db.models import Agent, AgentGroupMember, User
from ..db.rows import tuples


@dataclass(frozen=True)
class AgentInfo:
    """What logging an agent in (or taking their leg back) needs."""

    id: int
    endpoint: str
    state: str                                # as stored: what others saw last
    groups: frozenset[int]
    name: str
    max_live_agents_per_group: int | None     # the account's plan (None: no limit)


def agent_info(agent_id: int) -> AgentInfo:
    agent = Agent.get_by_id(agent_id)
    groups = frozenset(g for (g,) in tuples(AgentGroupMember.select(AgentGroupMember.group)
                                            .where(AgentGroupMember.agent == agent_id)))
    plan = agent.user.account.plan
    return AgentInfo(agent.id, agent.endpoint, agent.state, groups,
                     agent.user.full_name or agent.user.username,
                     plan.max_live_agents_per_group if plan else None)


def set_agent_state(agent_id: int, state: str, since: dt.datetime) -> None:
    Agent.update(state=state, state_since=since).where(Agent.id == agent_id).execute()


def account_agents(account_id: int) -> set[int]:
    """The ids of the account's agents."""
    return {a for (a,) in tuples(Agent.select(Agent.id).join(User).where(User.account == account_id))}
