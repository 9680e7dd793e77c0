"""Accounts, their agent groups and agents, under their service plan's limits.

One transaction per function; plain dicts out. An agent's user has the "agent" role, and
no password (no sign-in) until one is given.
"""

from __future__ import annotations

from typing import Any

from .audit import audited
from ..core.phones import PhoneError, normalise
from . import asterisk_fields, auth
from .models import Account, Agent, AgentGroup, AgentGroupMember, ServicePlan, User
from .validation import (ConflictError, FieldError, boolean, integer, reject_unknown, text,
                         transaction)


def _plan(plan_id: Any) -> ServicePlan:
    plan = ServicePlan.get_or_none(ServicePlan.id == integer("plan_id", plan_id, minimum=1))
    if plan is None:
        raise FieldError("plan_id", "no such plan")
    if not plan.enabled:
        raise ConflictError("plan_id", f"plan {plan.name!r} is disabled")
    return plan


@transaction
@audited("account", target=None)
def create_account(*, name: Any, plan_id: Any, company_number: Any = None,
                   timezone: Any = "UTC") -> dict:
    number = None
    if company_number is not None:
        try:
            number = normalise(text("company_number", company_number), "US")
        except PhoneError as exc:
            raise FieldError("company_number", exc.reason) from None
    account = Account.create(name=text("name", name), plan=_plan(plan_id),
                             company_number=number, timezone=text("timezone", timezone))
    return {"id": account.id, "name": account.name, "plan_id": account.plan_id,
            "company_number": account.company_number}


@transaction
def create_agent_group(account_id: int, /, **values: Any) -> dict:
    """Refused beyond the plan's max_agent_groups."""
    reject_unknown(values, ("name", "manual_dial_allowed", "followups_allowed",
                            "wrap_up_seconds"))
    account = Account.get_by_id(account_id)
    plan = account.plan
    limit = plan.max_agent_groups if plan else None
    used = AgentGroup.select().where(AgentGroup.account == account.id).count()
    if plan is not None and limit is not None and used >= limit:
        raise ConflictError("max_agent_groups", f"plan {plan.name!r} allows {limit} "
                                                f"agent group(s) and the account has {used}")
    name = text("name", values.get("name"))
    if AgentGroup.select().where((AgentGroup.account == account.id)
                                 & (AgentGroup.name == name)).exists():
        raise ConflictError("name", f"a group named {name!r} exists")
    group = AgentGroup.create(
        account=account, name=name,
        manual_dial_allowed=boolean("manual_dial_allowed",
                                    values.get("manual_dial_allowed", False)),
        followups_allowed=boolean("followups_allowed", values.get("followups_allowed", True)),
        wrap_up_seconds=integer("wrap_up_seconds", values.get("wrap_up_seconds", 0)))
    return {"id": group.id, "account_id": account.id, "name": group.name,
            "manual_dial_allowed": group.manual_dial_allowed,
            "followups_allowed": group.followups_allowed,
            "wrap_up_seconds": group.wrap_up_seconds}


@transaction
def create_agent(account_id: int, by: auth.Identity | None = None, /, *, username: Any,
                 endpoint: Any, full_name: Any = "", group_ids: Any = (),
                 password: Any = None, profile_id: Any = None) -> dict:
    """An agent (and its user, role "agent", `profile_id` if given) whose desk phone is
    `endpoint`, e.g. "PJSIP/alice". Without a password the user cannot sign in until one
    is set. `by` may only create it if they hold take_calls and see the profile's campaigns
    (see auth.create_user)."""
    account = Account.get_by_id(account_id)
    username = text("username", username)
    endpoint = asterisk_fields.endpoint("endpoint", endpoint)
    if User.select().where(User.username == username).exists():
        raise ConflictError("username", f"{username!r} is taken")
    if not isinstance(group_ids, (list, tuple)):
        raise FieldError("group_ids", "must be a list of agent group ids")
    user = auth.create_user(account.id, by, username=username, role="agent", password=password,
                            full_name=text("full_name", full_name or username),
                            profile_id=profile_id)
    agent = Agent.create(user=user["id"], endpoint=endpoint)
    for group_id in group_ids:
        _add_member(account.id, group_id, agent.id)
    return {"id": agent.id, "user_id": user["id"], "username": username, "endpoint": endpoint,
            "group_ids": list(group_ids)}


def _add_member(account_id: int, group_id: Any, agent_id: int) -> None:
    group = AgentGroup.get_or_none((AgentGroup.id == integer("group_ids", group_id, minimum=1))
                                   & (AgentGroup.account == account_id))
    if group is None:
        raise FieldError("group_ids", f"no agent group {group_id} in this account")
    AgentGroupMember.get_or_create(group=group, agent=agent_id)


@transaction
def add_agent_to_group(group_id: int, agent_id: int) -> dict:
    group = AgentGroup.get_by_id(group_id)
    agent = Agent.get_by_id(agent_id)
    if agent.user.account_id != group.account_id:
        raise FieldError("agent_id", "the agent is in another account")
    _add_member(group.account_id, group_id, agent_id)
    return {"group_id": group_id, "agent_id": agent_id}


def list_accounts(only: int | None = None) -> list[dict]:
    """Every account, or only the one `only` names."""
    query = Account.select().order_by(Account.id)
    if only is not None:
        query = query.where(Account.id == only)
    return [{"id": a.id, "name": a.name, "company_number": a.company_number,
             "plan_id": a.plan_id, "timezone": a.timezone} for a in query]
