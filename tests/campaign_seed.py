"""Seed data for campaign tests: plan, account, agents, a campaign and its contacts."""

from __future__ import annotations

from dialer.db.models import (Account, Agent, AgentGroup, AgentGroupMember, CallerIdNumber,
                              Campaign, CampaignCallingPolicy, CampaignContact, Contact,
                              ContactPhone, Rule, ServicePlan, User)


def seed_campaign(numbers: list[str], *, agents: list[str], plan: dict | None = None,
                  campaign: dict | None = None, rules: list[dict] = (),
                  purpose: str = "informational") -> dict:
    """The campaign is informational unless told otherwise: no state's calling-hours rule
    (telemarketing only: dialer/compliance/jurisdictions.py) holds its contacts back, so
    what a test dials does not depend on the hour it runs at."""
    plan_row = ServicePlan.create(name=f"plan-{ServicePlan.select().count()}",
                                  **({"all_day": True, "international_allowed": True} | (plan or {})))
    account = Account.create(name="Acme", company_number="+12125550100", plan=plan_row)
    group = AgentGroup.create(account=account, name="sales")
    agent_ids = []
    for i, endpoint in enumerate(agents, 1):
        user = User.create(account=account, username=f"agent{i}-{account.id}",
                           password_hash="x", full_name=f"Agent {i}")
        agent = Agent.create(user=user, endpoint=endpoint)
        AgentGroupMember.create(group=group, agent=agent)
        agent_ids.append(agent.id)
    camp = Campaign.create(account=account, agent_group=group,
                           **({"name": "Spring", "mode": "progressive", "amd_enabled": True,
                               "max_attempts": 1, "ring_timeout_seconds": 15} | (campaign or {})))
    CampaignCallingPolicy.create(campaign=camp, purpose=purpose)
    CallerIdNumber.create(campaign=camp, number="+12125550100")
    for position, rule in enumerate(rules):
        Rule.create(campaign=camp, position=position, **rule)
    contact_ids = []
    for i, number in enumerate(numbers):
        contact = Contact.create(account=account, name=f"Contact {i}", client_id=f"c{i}")
        ContactPhone.create(contact=contact, number=number)
        CampaignContact.create(campaign=camp, contact=contact)
        contact_ids.append(contact.id)
    return {"campaign_id": camp.id, "agent_ids": agent_ids, "contact_ids": contact_ids,
            "group_id": group.id, "account_id": account.id}
