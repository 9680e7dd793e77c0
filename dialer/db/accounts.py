"""Accounts, their agent groups and agents, under their service plan's limits.

One transaction per function; plain dicts out. An agent's user has the "agent" role, and
no password (no sign-in) until one is given.
"""

from __future__ import annotations

from typing import Any

from .audit import audited
from ..core.phones import PhoneError, normalise
from . import asterisk_fields, auth, listing
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
@audited("agent_group", target=None)
def create_agent_group(account_id: int, /, **values: Any) -> dict:
    """Refused beyond the plan's max_agent_groups."""
    reject_unknown(values, GROUP_OPTIONS)
    account = Account.get_by_id(account_id)
    plan = account.plan
    limit = plan.max_agent_groups if plan else None
    used = AgentGroup.select().where(AgentGroup.account == account.id).count()
    if plan is not None and limit is not None and used >= limit:
        raise ConflictError("max_agent_groups", f"plan {plan.name!r} allows {limit} "
                                                f"agent group(s) and the account has {used}")
    group = AgentGroup(account=account, manual_dial_allowed=False, followups_allowed=True,
                       wrap_up_seconds=0)
    _set_group_options(group, {"name": values.get("name"), **values})  # a name is required
    group.save()
    return {"id": group.id, "account_id": account.id, "name": group.name,
            "manual_dial_allowed": group.manual_dial_allowed,
            "followups_allowed": group.followups_allowed,
            "wrap_up_seconds": group.wrap_up_seconds}


GROUP_OPTIONS = ("name", "manual_dial_allowed", "followups_allowed", "wrap_up_seconds")


def _set_group_options(group: AgentGroup, values: dict) -> None:
    """The group's options of `values` (checked; a name unique in the account)."""
    for name in ("manual_dial_allowed", "followups_allowed"):
        if name in values:
            setattr(group, name, boolean(name, values[name]))
    if "wrap_up_seconds" in values:
        group.wrap_up_seconds = integer("wrap_up_seconds", values["wrap_up_seconds"])
    if "name" in values:
        group.name = text("name", values["name"])
        if AgentGroup.select().where((AgentGroup.account == group.account_id)
                                     & (AgentGroup.name == group.name)
                                     & (AgentGroup.id != group.id)).exists():
            raise ConflictError("name", f"a group named {group.name!r} exists")


@transaction
@audited("agent", target=None)
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


@transaction
@audited("agent_group")
def update_agent_group(group_id: int, /, **values: Any) -> dict:
    """Change the group's options; `agent_ids` sets its members (agents of its account)."""
    reject_unknown(values, GROUP_OPTIONS + ("agent_ids",))
    group = AgentGroup.get_by_id(group_id)
    _set_group_options(group, values)
    group.save()
    if "agent_ids" in values:
        ids = values["agent_ids"]
        if not isinstance(ids, list):
            raise FieldError("agent_ids", "must be a list of agent ids")
        wanted = {integer("agent_ids", a, minimum=1) for a in ids}
        found = {a.id for a in Agent.select(Agent.id).join(User).where(
            Agent.id.in_(wanted) & (User.account == group.account_id))}
        if wanted - found:
            raise FieldError("agent_ids", f"no agent {min(wanted - found)} in this account")
        AgentGroupMember.delete().where((AgentGroupMember.group == group.id)
                                        & AgentGroupMember.agent.not_in(wanted)).execute()
        for agent_id in sorted(wanted):
            AgentGroupMember.get_or_create(group=group, agent=agent_id)
    return listing.get_agent_group(group.id)


def _refuse_if_used(row: Agent | AgentGroup, field: str, what: str, *, besides: tuple = ()) -> None:
    """409 naming `field` while another table's row (but those of `besides`) refers to
    `row`: history keeps its agents and groups."""
    for fk in type(row)._meta.backrefs:
        if fk.model not in besides and fk.model.select().where(fk == row.id).exists():
            raise ConflictError(field, f"{what} is still referred to by "
                                       f"{fk.model._meta.table_name.replace('_', ' ')} rows")


@transaction
@audited("agent_group")
def delete_agent_group(group_id: int) -> dict:
    """Delete a group no campaign, ring group or other record uses (its memberships go)."""
    group = AgentGroup.get_by_id(group_id)
    _refuse_if_used(group, "id", "the agent group", besides=(AgentGroupMember,))
    group.delete_instance(recursive=True)
    return {"id": group_id, "deleted": True}


@transaction
@audited("agent")
def update_agent(agent_id: int, /, **values: Any) -> dict:
    """Change the agent's desk phone (`endpoint`) or groups (`group_ids`: the account's)."""
    reject_unknown(values, ("endpoint", "group_ids"))
    agent = Agent.get_by_id(agent_id)
    account_id = agent.user.account_id
    if "endpoint" in values:
        if agent.state != "logged_out":
            raise ConflictError("endpoint", f"the agent is {agent.state}: log it out first")
        agent.endpoint = str(asterisk_fields.endpoint("endpoint", values["endpoint"]))
        agent.save()
    if "group_ids" in values:
        if not isinstance(values["group_ids"], list):
            raise FieldError("group_ids", "must be a list of agent group ids")
        AgentGroupMember.delete().where(AgentGroupMember.agent == agent.id).execute()
        for group_id in values["group_ids"]:
            _add_member(account_id, group_id, agent.id)
    return listing.get_agent(agent.id)


@transaction
@audited("agent")
def delete_agent(agent_id: int) -> dict:
    """Delete an agent that is logged out and has no calls, followups or other history
    (else 409: disable its user instead); its user stays."""
    agent = Agent.get_by_id(agent_id)
    if agent.state != "logged_out":
        raise ConflictError("state", f"the agent is {agent.state}: log it out first")
    _refuse_if_used(agent, "id", "the agent", besides=(AgentGroupMember,))
    agent.delete_instance(recursive=True)
    return {"id": agent_id, "deleted": True}


def list_accounts(only: int | None = None) -> list[dict]:
    """Every account, or only the one `only` names."""
    query = Account.select().order_by(Account.id)
    if only is not None:
        query = query.where(Account.id == only)
    return [{"id": a.id, "name": a.name, "company_number": a.company_number,
             "plan_id": a.plan_id, "timezone": a.timezone} for a in query]
