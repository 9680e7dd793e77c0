"""Whose is an object named in a URL: its account, its campaigns (profiles limit those: a
suppression list is as far as the campaigns it is attached to), and the agent it belongs
to (agents act on their own things only)."""

from __future__ import annotations

from dataclasses import dataclass

from .models.dnc import DncList
from .models import (Account, ActionCall, CallerIdPool, Agent, AgentGroup, Attempt, Campaign,
                     CampaignSuppression, Contact, Filter, Followup, PauseReason, Profile, Prompt,
                     Role, Script, SuppressionList, TransferLeg, User, WebhookEndpoint)
from .rows import tuples


@dataclass(frozen=True)
class Owner:
    account_id: int
    campaign_ids: frozenset[int] = frozenset()
    agent_id: int | None = None


def _campaign(campaign_id: int | None) -> frozenset[int]:
    return frozenset() if campaign_id is None else frozenset({campaign_id})


def _agent(a: Agent) -> Owner:
    return Owner(a.user.account_id, agent_id=a.id)


def _attempt(a: Attempt) -> Owner:
    return Owner(a.contact.account_id, _campaign(a.campaign_id), a.agent_id)


def _followup(f: Followup) -> Owner:
    return Owner(f.account_id, _campaign(f.campaign_id), f.agent_id)


def _suppression_list(s: SuppressionList) -> Owner:
    return Owner(s.account_id, frozenset(c for (c,) in tuples(CampaignSuppression.select(
        CampaignSuppression.campaign).where(CampaignSuppression.suppression_list == s.id))))


_BY_KIND = {
    "accounts": (None, lambda account_id: Owner(account_id)),
    "campaigns": (Campaign, lambda c: Owner(c.account_id, _campaign(c.id))),
    "agents": (Agent, _agent),
    "agent-groups": (AgentGroup, lambda g: Owner(g.account_id)),
    "attempts": (Attempt, _attempt),
    "contacts": (Contact, lambda c: Owner(c.account_id)),
    "filters": (Filter, lambda f: Owner(f.account_id)),
    "followups": (Followup, _followup),
    "scripts": (Script, lambda s: Owner(s.account_id)),
    "suppression-lists": (SuppressionList, _suppression_list),
    "action-calls": (ActionCall, lambda a: Owner(a.account_id)),
    "users": (User, lambda u: Owner(u.account_id)),
    "profiles": (Profile, lambda p: Owner(p.account_id)),
    "pause-reasons": (PauseReason, lambda r: Owner(r.account_id)),
    # a system list has no account: 0 is nobody's, so only manage_system reaches it
    "dnc-lists": (DncList, lambda d: Owner(d.account_id or 0, _campaign(d.campaign_id))),
    "webhooks": (WebhookEndpoint, lambda e: Owner(e.account_id)),
    # a built-in role has no account: 0 is nobody's (its changes are refused anyway)
    "roles": (Role, lambda r: Owner(r.account_id or 0)),
    "prompts": (Prompt, lambda p: Owner(p.account_id)),
    "caller-id-pools": (CallerIdPool, lambda p: Owner(p.account_id, _campaign(p.campaign_id))),
}
KINDS = frozenset(_BY_KIND)


def owner_of(kind: str, object_id: int) -> Owner | None:
    """None when there is no such object."""
    model, owner = _BY_KIND[kind]
    if model is None:
        return owner(object_id) if Account.get_or_none(Account.id == object_id) else None
    row = model.get_or_none(model.id == object_id)
    return owner(row) if row is not None else None


def agent_had_contact(agent_id: int, contact_id: int) -> bool:
    """Was the contact on one of the agent's calls (transferred to them too), or is it in
    one of their followups?"""
    transferred = TransferLeg.select(TransferLeg.attempt).where(  # an attempt's legs
        (TransferLeg.to_agent == agent_id) & TransferLeg.attempt.is_null(False))
    return (Attempt.select().where(((Attempt.agent == agent_id) | Attempt.id.in_(transferred))
                                   & (Attempt.contact == contact_id)).exists()
            or Followup.select().where((Followup.agent == agent_id)
                                       & (Followup.contact == contact_id)).exists())


def transferred_to(agent_id: int, attempt_id: int) -> bool:
    """Was the attempt's call transferred (or offered in a warm transfer) to the agent?"""
    return TransferLeg.select().where((TransferLeg.attempt == attempt_id)
                                      & (TransferLeg.to_agent == agent_id)).exists()
