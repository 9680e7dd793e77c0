"""Agents as the runtime needs them: plain values, one transaction per function."""

from __future__ import annotations

import datetime as dt

from ..db.models import Agent, AgentGroupMember, User


def agent_info(agent_id: int) -> dict:
    agent = Agent.get_by_id(agent_id)
    groups = [g for (g,) in AgentGroupMember.select(AgentGroupMember.group)
              .where(AgentGroupMember.agent == agent_id).tuples()]
    plan = agent.user.account.plan
    return {"id": agent.id, "endpoint": agent.endpoint, "state": agent.state,
            "groups": groups, "name": agent.user.full_name or agent.user.username,
            "max_live_agents_per_group": plan.max_live_agents_per_group if plan else None}


def set_agent_state(agent_id: int, state: str, since: dt.datetime) -> None:
    Agent.update(state=state, state_since=since).where(Agent.id == agent_id).execute()


def agents_not_logged_out() -> list[int]:
    return [a for (a,) in Agent.select(Agent.id).where(Agent.state != "logged_out").tuples()]


def agents_of_account(account_id: int) -> list[int]:
    """The ids of the account's agents."""
    return [a for (a,) in Agent.select(Agent.id).join(User)
            .where(User.account == account_id).tuples()]
