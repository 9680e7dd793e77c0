"""Agents as the runtime needs them: typed records, one transaction per function; the
account's not-ready reasons (break, lunch, training, after-call work...): an agent going
not ready names one of them (or none), the session keeps it while not ready."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import peewee as pw

from ..db.models import (Account, Agent, AgentGroupMember, AgentSessionEntry, Attempt,
                         PauseReason, User)
from ..db.rows import tuples
from ..db.validation import ConflictError, FieldError, reject_unknown, text, transaction
from .events import Persist
from .machine import AgentState
from .session_log import Entry


@dataclass(frozen=True)
class AgentInfo:
    """What logging an agent in (or taking their leg back) needs."""

    id: int
    endpoint: str
    state: str                                # as stored: what others saw last
    pause_reason: int | None                  # stored with not_ready
    groups: frozenset[int]
    name: str
    max_live_agents_per_group: int | None     # the account's plan (None: no limit)


def agent_info(agent_id: int) -> AgentInfo:
    agent = Agent.get_by_id(agent_id)
    groups = frozenset(g for (g,) in tuples(AgentGroupMember.select(AgentGroupMember.group)
                                            .where(AgentGroupMember.agent == agent_id)))
    plan = agent.user.account.plan
    return AgentInfo(agent.id, agent.endpoint, agent.state, agent.pause_reason_id, groups,
                     agent.user.full_name or agent.user.username,
                     plan.max_live_agents_per_group if plan else None)


def set_agent_state(agent_id: int, saved: Persist) -> None:
    """The state on the agent's row, and a line of the session log."""
    state = str(saved.state)
    Agent.update(state=state, state_since=saved.since, pause_reason=saved.pause_reason).where(
        Agent.id == agent_id).execute()
    reason = (PauseReason.select(PauseReason.name).where(PauseReason.id == saved.pause_reason)
              .scalar() if saved.pause_reason is not None else None)
    AgentSessionEntry.create(agent=agent_id, state=state, at=saved.since, pause_reason=reason,
                             attempt_id=saved.attempt_id)


def account_agents(account_id: int) -> set[int]:
    """The ids of the account's agents."""
    return {a for (a,) in tuples(Agent.select(Agent.id).join(User).where(User.account == account_id))}


# ---- not-ready reasons ---------------------------------------------------------------------

@dataclass(frozen=True)
class Reason:
    id: int
    account_id: int
    name: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "account_id": self.account_id, "name": self.name}


def _reason(row: PauseReason) -> Reason:
    return Reason(row.id, row.account_id, row.name)


def _name(account_id: int, values: dict[str, Any], reason_id: int | None = None) -> str:
    reject_unknown(values, ("name",))
    name = text("name", values.get("name"), max_length=100)
    if not name.strip():
        raise FieldError("name", "must not be blank")
    taken = PauseReason.select().where((PauseReason.account == account_id)
                                       & (PauseReason.name == name))
    if reason_id is not None:
        taken = taken.where(PauseReason.id != reason_id)
    if taken.exists():
        raise ConflictError("name", f"a pause reason named {name!r} exists")
    return name


@transaction
def list_reasons(account_id: int) -> list[Reason]:
    Account.get_by_id(account_id)
    return [_reason(r) for r in PauseReason.select().where(PauseReason.account == account_id)
            .order_by(PauseReason.name)]


@transaction
def create_reason(account_id: int, /, **values: Any) -> Reason:
    Account.get_by_id(account_id)
    return _reason(PauseReason.create(account=account_id, name=_name(account_id, values)))


@transaction
def get_reason(reason_id: int) -> Reason:
    return _reason(PauseReason.get_by_id(reason_id))


@transaction
def rename_reason(reason_id: int, /, **values: Any) -> Reason:
    row = PauseReason.get_by_id(reason_id)
    row.name = _name(row.account_id, values, reason_id)
    row.save()
    return _reason(row)


@transaction
def delete_reason(reason_id: int) -> Reason:
    """Agents paused for it stay not ready, with no reason."""
    row = PauseReason.get_by_id(reason_id)
    Agent.update(pause_reason=None).where(Agent.pause_reason == reason_id).execute()
    row.delete_instance()
    return _reason(row)


def agents_reason(agent_id: int, reason_id: Any) -> int | None:
    """`reason_id` if it names a pause reason of the agent's account (None: none given)."""
    if reason_id is None:
        return None
    if not isinstance(reason_id, int) or isinstance(reason_id, bool) or reason_id < 1:
        raise FieldError("reason_id", "not an id")
    account_id = User.select(User.account).join(Agent).where(Agent.id == agent_id).scalar()
    if not PauseReason.select().where((PauseReason.id == reason_id)
                                      & (PauseReason.account == account_id)).exists():
        raise FieldError("reason_id", "no such pause reason in the agent's account")
    return reason_id


# ---- the session log -----------------------------------------------------------------------
def session_entries(agent_id: int, since: dt.datetime, until: dt.datetime) -> list[Entry]:
    """The states the agent's session entered in [since, until), after the one it was in
    at `since`; each call with its campaign."""
    E = AgentSessionEntry
    Agent.get_by_id(agent_id)
    before = (E.select(E.id).where((E.agent == agent_id) & (E.at <= since))
              .order_by(E.at.desc(), E.id.desc()).limit(1))
    rows = (E.select(E.state, E.at, E.pause_reason, E.attempt_id,
                     Attempt.campaign)
            .join(Attempt, pw.JOIN.LEFT_OUTER, on=(Attempt.id == E.attempt_id))
            .where((E.agent == agent_id) & (((E.at > since) & (E.at < until))
                                            | (E.id.in_(before))))
            .order_by(E.at, E.id))
    return [Entry(AgentState(state), at.replace(tzinfo=dt.timezone.utc), reason, attempt, campaign)
            for state, at, reason, attempt, campaign in tuples(rows)]
