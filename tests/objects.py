"""One object of every kind an API URL can name, in one account (sync: the database's
thread). Keys: the URL's kinds ("campaigns", "agents"...) and child parameters
("rule_id", "caller_id_id", "voicemail_id", "inbound_call_id")."""

from __future__ import annotations

import datetime as dt

from dialer.db.models.dnc import DncList
from dialer.db import contacts, roles, scripts, suppression
from dialer.db.models import (Account, ActionCall, Agent, AgentGroup, Attempt, CallerIdNumber, CallerIdPool,
                              Campaign, Contact, ContactPhone, Followup, InboundCall, PauseReason, Prompt,
                              PoolNumber, Rule, Trunk, TrunkAccount, User, Voicemail,
                              WebhookDelivery, WebhookEndpoint)


def one_of_each(account: Account, t0: dt.datetime) -> dict:
    """One object of every kind a URL can name, in `account`."""
    campaign = Campaign.create(account=account, name="spring")
    user = User.create(account=account, username=f"agent-{account.name}", password_hash="!")
    agent = Agent.create(user=user, endpoint=f"PJSIP/{account.name}")
    group = AgentGroup.create(account=account, name="sales")
    contact = Contact.create(account=account, name="Ann")
    ContactPhone.create(contact=contact, number="+12125550100")
    attempt = Attempt.create(campaign=campaign, contact=contact, phone="+12125550100",
                             channel_id=f"c-{account.name}", agent=agent, started_at=t0)
    followup = Followup.create(account=account, agent=agent, contact=contact,
                               scheduled_at=t0, timezone="UTC")
    action = ActionCall.create(account=account, contact=contact, due_at=t0)
    voicemail = Voicemail.create(account=account, caller="+12125550100",
                                 recording_name=f"vm-{account.name}")
    inbound = InboundCall.create(account=account, channel_id=f"in-{account.name}",
                                 caller="+12125550100", started_at=t0)
    rule = Rule.create(campaign=campaign, action="complete")
    caller_id = CallerIdNumber.create(campaign=campaign, number="+12125550101")
    profile = roles.create_profile(account.id, "p", True, [])
    role = roles.create_role(account.id, f"caller-{account.name}", ["take_calls"])
    flt = contacts.create_filter(account.id, "f", {"all": []})
    script = scripts.create_script(account.id, name="s", definition=[])
    slist = suppression.create_list(account.id, name="dnc", kind="device")
    dnc = DncList.create(name="registry", source="FTC", format="e164", scope="account",
                         account=account)
    reason = PauseReason.create(account=account, name="lunch")
    hook = WebhookEndpoint.create(account=account, url="https://hooks.example.com/in",
                                  secret=f"whsec_{account.name}", events=["attempt.finished"])
    delivery = WebhookDelivery.create(endpoint=hook, event_id=f"evt_{account.name}",
                                      kind="attempt.finished", body="{}")
    prompt = Prompt.create(account=account, name="hello", source="upload")
    trunk = Trunk.create(name=f"carrier-{account.name}", target=f"carrier-{account.name}")
    TrunkAccount.create(trunk=trunk, account=account)  # open to this account only
    pool = CallerIdPool.create(account=account, name="local")
    pool_number = PoolNumber.create(pool=pool, number="+12125550150")
    return {"accounts": account.id, "campaigns": campaign.id, "agents": agent.id,
            "agent-groups": group.id, "contacts": contact.id, "attempts": attempt.id,
            "followups": followup.id, "action-calls": action.id, "users": user.id,
            "profiles": profile["id"], "filters": flt["id"], "scripts": script["id"],
            "suppression-lists": slist["id"], "dnc-lists": dnc.id, "rule_id": rule.id,
            "caller_id_id": caller_id.id,
            "voicemail_id": voicemail.id, "pause-reasons": reason.id, "webhooks": hook.id,
            "delivery_id": delivery.id, "inbound_call_id": inbound.id, "roles": role["id"],
            "prompts": prompt.id, "trunks": trunk.id, "caller-id-pools": pool.id,
            "number_id": pool_number.id}
