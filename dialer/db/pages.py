"""What the console's server-rendered pages read (dialer/web/console.py). One transaction
per function; plain values out."""

from __future__ import annotations

from ..inbound.store import ring_group_dict
from .models import AgentGroup, Campaign, CampaignContact, Contact, ContactPhone, RingGroup, Script
from .rows import tuples


def campaign_summary(campaign_id: int) -> dict | None:
    """A campaign page's heading (None: no such campaign)."""
    c = Campaign.get_or_none(Campaign.id == campaign_id)
    return None if c is None else {"id": c.id, "name": c.name, "account_id": c.account_id,
                                   "mode": c.mode, "status": c.status}


def campaign_choices(account_id: int) -> tuple[list[dict], list[dict]]:
    """The agent groups and scripts a new campaign of the account may use."""
    groups = [{"id": g.id, "name": g.name} for g in
              AgentGroup.select().where(AgentGroup.account == account_id)]
    scripts = [{"id": s.id, "name": s.name} for s in
               Script.select().where(Script.account == account_id)]
    return groups, scripts


def campaign_contacts(campaign_id: int, limit: int = 500) -> list[dict]:
    """The campaign's first contacts, each with its first phone number."""
    links = list(CampaignContact.select(CampaignContact, Contact).join(Contact)
                 .where(CampaignContact.campaign == campaign_id)
                 .order_by(CampaignContact.id).limit(limit))
    phones: dict[int, str] = {}
    for contact_id, number in tuples(ContactPhone.select(ContactPhone.contact, ContactPhone.number)
                               .where(ContactPhone.contact.in_([c.contact_id for c in links]))
                               .order_by(ContactPhone.position, ContactPhone.id)):
        phones.setdefault(contact_id, number)
    return [{"id": c.contact_id, "name": c.contact.name, "state": c.state,
             "attempts": c.attempts, "phone": phones.get(c.contact_id)} for c in links]


def account_ring_group(account_id: int) -> dict:
    """The account's ring group ({} if it has none yet)."""
    group = RingGroup.select().where(RingGroup.account == account_id).first()
    return ring_group_dict(group) if group else {}
