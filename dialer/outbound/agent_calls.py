"""The store side of calls an agent places outside the runner's pacing: a followup it
launched (inside a campaign or not) and a number it typed. Their attempts move no
campaign contact on."""

from __future__ import annotations

import datetime as dt

from ..db.models import Account, Agent, Attempt, Contact, ContactPhone, Followup
from .model import DialingSettings
from .store import _plan_rules, campaign_settings


def followup_settings(followup_id: int) -> DialingSettings:
    """Call settings for a followup: its campaign's, else the account's plain defaults."""
    f = Followup.get_by_id(followup_id)
    if f.campaign_id is not None:
        return campaign_settings(f.campaign_id)
    return account_call_settings(f.account_id)


def account_call_settings(account_id: int) -> DialingSettings:
    """Settings for an agent's call outside any campaign (a followup, a manual dial): no
    AMD (the agent hears who answers), no rules (the attempt itself is the record)."""
    account = Account.get_by_id(account_id)
    return DialingSettings(
        id=None, name="agent call", account_id=account.id, agent_group_id=None,
        bcw_seconds=0, record=False, amd_enabled=False,
        machine_action="hangup", machine_message=None,
        safe_harbour_message=None, ring_timeout_seconds=30,
        max_attempts=1, rules=(), plan=_plan_rules(account.plan),
        caller_ids=(account.company_number,) if account.company_number else ())


def start_followup_attempt(*, followup_id: int, phone: str, caller_id: str | None,
                           channel_id: str, node: str, now: dt.datetime) -> int:
    f = Followup.get_by_id(followup_id)
    attempt_id = Attempt.insert(campaign=f.campaign_id, contact=f.contact_id, phone=phone,
                                caller_id=caller_id, channel_id=channel_id, started_at=now,
                                node=node, agent=f.agent_id).execute()
    Followup.update(attempt=attempt_id).where(Followup.id == followup_id).execute()
    return attempt_id


def start_manual_attempt(*, agent_id: int, phone: str, caller_id: str | None,
                         channel_id: str, node: str, now: dt.datetime) -> int:
    """An agent dials `phone` by hand: the attempt belongs to the account's contact with
    that number, or to a new contact named after it."""
    agent = Agent.get_by_id(agent_id)
    account_id = agent.user.account_id
    contact = (Contact.select().join(ContactPhone)
               .where((Contact.account == account_id) & (ContactPhone.number == phone))
               .order_by(Contact.id).first())
    if contact is None:
        contact = Contact.create(account=account_id, name=phone)
        ContactPhone.create(contact=contact, number=phone)
    return Attempt.insert(contact=contact.id, phone=phone, caller_id=caller_id,
                          channel_id=channel_id, started_at=now, node=node,
                          agent=agent_id).execute()


def agent_account(agent_id: int) -> int:
    return Agent.get_by_id(agent_id).user.account_id
