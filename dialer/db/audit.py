"""The audit log: every change a store function makes to an audited object, with its state
before and after, the time, the actor and the account, written in the change's own
transaction.

Store functions are decorated with `audited(kind, ...)`, which runs the function and
writes the entry in one transaction (a savepoint inside the caller's), snapshotting the
object before and after the call with the kind's snapshot function (`SNAPSHOTS`). The actor is the
request's caller (`ACTOR`, set by the web app's access check and carried into the
database thread by `Store`); a change with no actor came from the command line. Secrets
(password and token hashes, CSRF tokens) never reach an entry: one that changed shows as
"(previous)" -> "(changed)".
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import peewee as pw
from playhouse.shortcuts import model_to_dict

from .models import (Account, Agent, AgentGroup, AgentGroupMember, AuditEntry, AuthToken, Campaign, CampaignSuppression,
                     ContactList, DncCampaignSetting, DncList, Filter, Profile, ProfileCampaign,
                     Prompt, Role, Rule, ServicePlan, SuppressionEntry, SuppressionList, Trunk,
                     TrunkAccount, User, Voicemail, WebhookEndpoint, database_proxy,
                     CallerIdPool, PoolNumber)
from .rows import tuples

T = TypeVar("T")
SECRETS = frozenset({"password_hash", "token_hash", "csrf", "password", "token", "secret"})


@dataclass(frozen=True)
class Actor:
    """Who makes the changes of the current request."""

    user_id: int
    username: str
    token_id: int | None  # the API token the request came with; None: a browser session
    system: bool          # holds manage_system

    @property
    def label(self) -> str:
        return self.username + (f" (API token {self.token_id})" if self.token_id else "")


ACTOR: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("audit_actor", default=None)


def acts_as_system() -> bool:
    """The change is a system administrator's: manage_system, or the command line (which
    holds the database itself)."""
    actor = ACTOR.get()
    return actor is None or actor.system


# ---- snapshots: (account id, state) of an object, or None if it does not exist ---------
Snapshot = tuple[int | None, dict]


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _row(model: type[pw.Model], object_id: int) -> dict | None:
    row = model.get_or_none(model._meta.primary_key == object_id)
    return None if row is None else _plain(model_to_dict(row, recurse=False))


def _owned(model: type[pw.Model], object_id: int) -> Snapshot | None:
    state = _row(model, object_id)
    return None if state is None else (state.get("account"), state)


def _campaign(campaign_id: int) -> Snapshot | None:
    """A campaign with what hangs on it: caller ids, rules, suppression lists, its
    do-not-call freshness limit (None: the default), its number of contacts."""
    campaign = Campaign.get_or_none(Campaign.id == campaign_id)
    if campaign is None:
        return None
    state = _plain(model_to_dict(campaign, recurse=False))
    state["caller_ids"] = sorted(n.number for n in campaign.caller_ids)
    state["rules"] = [_plain(model_to_dict(r, recurse=False, exclude=[Rule.campaign]))
                      for r in campaign.rules.order_by(Rule.position, Rule.id)]
    state["suppression_lists"] = sorted(
        link.list_id for link in CampaignSuppression.select().where(
            CampaignSuppression.campaign == campaign_id))
    state["dnc_max_age_days"] = (DncCampaignSetting.select(DncCampaignSetting.max_age_days)
                                 .where(DncCampaignSetting.campaign == campaign_id).scalar())
    state["contacts"] = campaign.contacts.count()  # attached by imports and filters
    return state["account"], state


def _user(user_id: int) -> Snapshot | None:
    return _owned(User, user_id)


def _profile(profile_id: int) -> Snapshot | None:
    found = _owned(Profile, profile_id)
    if found is not None:
        found[1]["campaigns"] = sorted(p.campaign_id for p in ProfileCampaign.select().where(
            ProfileCampaign.profile == profile_id))
    return found


def _api_token(token_id: int) -> Snapshot | None:
    row = AuthToken.get_or_none((AuthToken.id == token_id) & (AuthToken.kind == "api"))
    if row is None:
        return None
    state = _plain(model_to_dict(row, recurse=False, exclude=[AuthToken.last_used_at]))
    return row.user.account_id, state


def _suppression_list(list_id: int) -> Snapshot | None:
    found = _owned(SuppressionList, list_id)
    if found is not None:  # entries by count: a list may hold millions
        found[1]["entries"] = SuppressionEntry.select().where(
            SuppressionEntry.suppression_list == list_id).count()
    return found


def _agent(agent_id: int) -> Snapshot | None:
    """An agent (its account is its user's): desk phone and groups, not its live state."""
    agent = Agent.get_or_none(Agent.id == agent_id)
    if agent is None:
        return None
    return agent.user.account_id, {
        "id": agent.id, "user": agent.user_id, "endpoint": agent.endpoint,
        "groups": sorted(m.group_id for m in AgentGroupMember.select().where(
            AgentGroupMember.agent == agent_id))}


def _agent_group(group_id: int) -> Snapshot | None:
    found = _owned(AgentGroup, group_id)
    if found is not None:
        found[1]["agents"] = sorted(m.agent_id for m in AgentGroupMember.select().where(
            AgentGroupMember.group == group_id))
    return found


def _account(account_id: int) -> Snapshot | None:
    state = _row(Account, account_id)
    return None if state is None else (account_id, state)


def _plan(plan_id: int) -> Snapshot | None:
    state = _row(ServicePlan, plan_id)
    return None if state is None else (None, state)


def _trunk(trunk_id: int) -> Snapshot | None:
    """A system-wide trunk with the accounts it is open to."""
    state = _row(Trunk, trunk_id)
    if state is None:
        return None
    cost = state["cost_per_minute"]
    state["cost_per_minute"] = None if cost is None else str(cost)
    state["accounts"] = sorted(a for (a,) in tuples(TrunkAccount.select(TrunkAccount.account)
                                                    .where(TrunkAccount.trunk == trunk_id)))
    return None, state


def _caller_id_pool(pool_id: int) -> Snapshot | None:
    """A pool with its numbers and those rested (its figures are not its settings)."""
    found = _owned(CallerIdPool, pool_id)
    if found is not None:
        found[1].pop("checked_at")
        found[1]["numbers"] = sorted(n for (n,) in tuples(PoolNumber.select(
            PoolNumber.number).where(PoolNumber.pool == pool_id)))
        found[1]["rested"] = sorted(n for (n,) in tuples(PoolNumber.select(
            PoolNumber.number).where(PoolNumber.pool == pool_id,
                                     PoolNumber.rested_since.is_null(False))))
    return found


SNAPSHOTS: dict[str, Callable[[int], Snapshot | None]] = {
    "plan": _plan, "account": _account, "campaign": _campaign, "user": _user,
    "role": functools.partial(_owned, Role), "profile": _profile, "api_token": _api_token,
    "contact_list": functools.partial(_owned, ContactList),
    "filter": functools.partial(_owned, Filter),
    "suppression_list": _suppression_list, "dnc_list": functools.partial(_owned, DncList),
    "webhook_endpoint": functools.partial(_owned, WebhookEndpoint), "trunk": _trunk,
    "voicemail": functools.partial(_owned, Voicemail),
    "agent": _agent, "agent_group": _agent_group,
    "prompt": functools.partial(_owned, Prompt),
    "caller_id_pool": _caller_id_pool,
}
# Kinds written by `record` directly: events, not objects with a state to snapshot.
EVENT_KINDS = ("monitoring",)  # a supervisor listening to an agent's call (dialer.monitor)
KINDS = tuple(SNAPSHOTS) + EVENT_KINDS


def redacted(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """The states without their secrets: a secret that changed shows as "(previous)" ->
    "(changed)", one that did not is left out."""
    shown = [None if state is None else {k: v for k, v in state.items() if k not in SECRETS}
             for state in (before, after)]
    if before is not None and after is not None:
        for key in SECRETS & before.keys() & after.keys():
            if before[key] != after[key]:
                shown[0][key], shown[1][key] = "(previous)", "(changed)"  # type: ignore[index]
    return shown[0], shown[1]


def record(kind: str, object_id: int, before: Snapshot | None, after: Snapshot | None) -> None:
    """One entry, if the object changed; inside the caller's transaction."""
    if before == after or (before is None and after is None):
        return
    account_id = (after or before)[0]  # type: ignore[index]
    shown_before, shown_after = redacted(before[1] if before else None,
                                         after[1] if after else None)
    actor = ACTOR.get()
    AuditEntry.create(
        account_id=account_id, actor_user_id=actor.user_id if actor else None,
        actor_token_id=actor.token_id if actor else None,
        actor=actor.label if actor else "cli", kind=kind, object_id=object_id,
        action="create" if before is None else "delete" if after is None else "update",
        before=shown_before, after=shown_after)


def first_arg(args: tuple, kwargs: dict) -> int:
    return args[0]


def audited(kind: str, target: Callable[[tuple, dict], int] | None = first_arg,
            created: str = "id") -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Audit the `kind` object `target(args, kwargs)` names (None: the function creates it
    and returns it: a dict with its id under `created`, or a record with an `id`)."""
    snapshot = SNAPSHOTS[kind]

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def audited_call(*args: Any, **kwargs: Any) -> T:
            with database_proxy.atomic():  # the change and its entry: one transaction
                object_id = target(args, kwargs) if target is not None else None
                before = snapshot(object_id) if object_id is not None else None
                result: Any = fn(*args, **kwargs)
                if object_id is None:
                    object_id = (result[created] if isinstance(result, dict)
                                 else result.id)
                record(kind, object_id, before, snapshot(object_id))
                return result
        return audited_call
    return wrap


# ---- reading ------------------------------------------------------------------------------
@dataclass(frozen=True)
class AuditFilters:
    kind: str | None = None
    object_id: int | None = None
    actor_user_id: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
