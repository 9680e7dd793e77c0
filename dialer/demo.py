"""`dialer serve --demo`: a sample account, three agents on the lab's desk phones and a
progressive campaign over the lab simulator's numbers, so a fresh install shows calls.

Idempotent: a second run finds the demo data by name and reuses it.
"""

from __future__ import annotations

from .db import auth
from .db.models import (Account, Agent, AgentGroup, AgentGroupMember, CallerIdNumber,
                        Campaign, CampaignContact, Contact, ContactPhone, Rule, ServicePlan,
                        User, database_proxy)

NAME = "Demo"
# Lab-only sign-in for the console (the demo's web server listens on 127.0.0.1).
ADMIN, AGENT_PREFIX, PASSWORD = "demo-admin", "demo-agent", "demo-password"
AGENT_PHONES = ("PJSIP/agent1", "PJSIP/agent2", "PJSIP/agent3")
# The lab simulator's numbers (see README): humans who talk 5-9 s, machines, busy, no answer.
NUMBERS = ([f"+1212555{1000 + s}" for s in (5, 6, 7, 8, 9)]
           + [f"+1312555{1100 + s}" for s in (5, 6, 7, 8, 9)]
           + ["+14155552001", "+14155552002", "+16175553001", "+16175553002",
              "+12065554001", "+13055557001"])


def seed_demo() -> dict:
    """Create (once) and return the demo's campaign and agent ids."""
    with database_proxy.atomic():
        account = Account.get_or_none(Account.name == NAME)
        if account is None:
            account = _create()
        campaign = Campaign.get((Campaign.account == account) & (Campaign.name == NAME))
        agents = [a.id for a in Agent.select().join(User).where(User.account == account)
                  .order_by(Agent.id)]
        return {"campaign_id": campaign.id, "agent_ids": agents, "status": campaign.status}


def _create() -> Account:
    plan = ServicePlan.create(name=f"{NAME} 24 h", all_day=True, international_allowed=True,
                              max_attempts_per_hour=600)
    account = Account.create(name=NAME, company_number="+12125550100", plan=plan)
    group = AgentGroup.create(account=account, name="Demo agents")
    auth.create_user(account.id, username=ADMIN, password=PASSWORD, role="admin",
                     full_name="Demo admin")
    for i, endpoint in enumerate(AGENT_PHONES, 1):
        user = auth.create_user(account.id, username=f"{AGENT_PREFIX}{i}", password=PASSWORD,
                                role="agent", full_name=f"Demo agent {i}")
        AgentGroupMember.create(group=group,
                                agent=Agent.create(user=user["id"], endpoint=endpoint))
    campaign = Campaign.create(account=account, name=NAME, mode="progressive",
                               agent_group=group, amd_enabled=True, machine_action="message",
                               machine_message="vm-goodbye", bcw_seconds=3,
                               max_attempts=3, ring_timeout_seconds=20)
    CallerIdNumber.create(campaign=campaign, number="+12125550100")
    Rule.create(campaign=campaign, position=0, action="call_again",
                condition={"outcomes": ["busy", "no_answer"]}, params={"after_minutes": 2})
    for i, number in enumerate(NUMBERS):
        contact = Contact.create(account=account, name=f"Demo contact {i + 1}")
        ContactPhone.create(contact=contact, number=number)
        CampaignContact.create(campaign=campaign, contact=contact)
    return account
