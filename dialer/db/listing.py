"""Read side of the REST API: lists and single objects as plain dicts.

Big tables (contacts, campaign contacts, attempts) are paged in SQL: one LIMIT/OFFSET
query and one COUNT, never the whole table in Python. Every list returns
{"items", "total", "limit", "offset"}. `visible` arguments are the caller's campaigns
(None: all of them); lists that span campaigns leave the others out.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable, Iterable

import peewee as pw

from .audit import audited
from .audit import AuditFilters
from .contacts import filter_dict
from .fields import to_naive_utc
from .models import (Account, AuditEntry, Agent, AgentGroup, AgentGroupMember, Attempt,
                     CallerIdNumber, Campaign, CampaignContact, CampaignSuppression, Contact,
                     ContactList, ContactPhone, Filter, Rule,
                     ServicePlan, SuppressionList, User)
from .suppression import list_dicts
from .plans import plan_dict
from .queries import Visible, campaign_scope
from .validation import ConflictError, FieldError, fmt_time


def iso(value: dt.datetime | None) -> str | None:
    """Naive UTC -> ISO 8601 with +00:00."""
    return value.replace(tzinfo=dt.UTC).isoformat() if value is not None else None


def paged(query: pw.Select, limit: int, offset: int,
          row: Callable[[Any], dict] | None = None,
          rows: Callable[[list], list[dict]] | None = None,
          counted: pw.Select | None = None) -> dict:
    """One page of `query` (already ordered) in SQL, and the total count (of `counted`
    when given: the same rows without the joins the page needs)."""
    total = (counted if counted is not None else query).order_by().count()
    page = list(query.limit(limit).offset(offset))
    if rows is not None:
        items = rows(page)
    else:
        assert row is not None, "give row or rows"
        items = [row(r) for r in page]
    return {"items": items, "total": total, "limit": limit, "offset": offset}


# ---- accounts and plans ---------------------------------------------------------------
def account_dict(a: Account) -> dict:
    return {"id": a.id, "name": a.name, "company_number": a.company_number,
            "phone": a.phone, "plan_id": a.plan_id, "timezone": a.timezone,
            "voicemail_enabled": a.voicemail_enabled,
            "business_start": fmt_time(a.business_start),
            "business_stop": fmt_time(a.business_stop), "created_at": iso(a.created_at)}


def get_account(account_id: int) -> dict:
    return account_dict(Account.get_by_id(account_id))


def get_plan(plan_id: int) -> dict:
    plan = ServicePlan.get_by_id(plan_id)
    return plan_dict(plan) | {
        "accounts": Account.select().where(Account.plan == plan.id).count()}


# ---- contacts -------------------------------------------------------------------------
def _phones(contact_ids: Iterable[int]) -> dict[int, list[dict]]:
    ids = list(contact_ids)
    out: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return out
    for p in (ContactPhone.select().where(ContactPhone.contact.in_(ids))
              .order_by(ContactPhone.position, ContactPhone.id)):
        out[p.contact_id].append({"number": p.number, "kind": p.kind, "position": p.position})
    return out


def contact_dict(c: Contact, phones: list[dict]) -> dict:
    return {"id": c.id, "account_id": c.account_id, "list_id": c.list_id,
            "name": c.name, "email": c.email, "timezone": c.timezone,
            "client_id": c.client_id, "fields": c.fields or {},
            "assigned_user_id": c.assigned_user_id, "created_at": iso(c.created_at),
            "phones": phones}


def _contacts(page: list[Contact]) -> list[dict]:
    phones = _phones(c.id for c in page)
    return [contact_dict(c, phones[c.id]) for c in page]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "").replace("%", "").replace("_", "") + "%"


def list_contacts(account_id: int, limit: int, offset: int, q: str | None = None,
                  list_id: int | None = None) -> dict:
    """The account's contacts by id; `q` matches name, email, client id (any case) or a
    phone number containing its digits."""
    Account.get_by_id(account_id)
    query = Contact.select().where(Contact.account == account_id)
    if list_id is not None:
        query = query.where(Contact.contact_list == list_id)
    q = (q or "").strip()
    if q:
        match = ((Contact.name ** _like(q)) | (Contact.email ** _like(q))
                 | (Contact.client_id ** _like(q)))
        digits = re.sub(r"\D", "", q)
        if digits:
            match |= Contact.id.in_(ContactPhone.select(ContactPhone.contact)
                                    .where(ContactPhone.number.contains(digits)))
        query = query.where(match)
    return paged(query.order_by(Contact.id), limit, offset, rows=_contacts)


def get_contact(contact_id: int, visible: Visible = None) -> dict:
    """A contact, its phones, and its state in each campaign the caller sees."""
    c = Contact.get_by_id(contact_id)
    body = contact_dict(c, _phones([c.id])[c.id])
    links = campaign_scope(CampaignContact.select().where(CampaignContact.contact == c.id),
                            CampaignContact.campaign, visible)
    body["campaigns"] = [
        {"campaign_id": cc.campaign_id, "status": cc.state, "attempts": cc.attempts,
         "next_attempt_at": iso(cc.next_attempt_at)}
        for cc in links.order_by(CampaignContact.campaign)]
    return body


def list_contact_lists(account_id: int, limit: int, offset: int) -> dict:
    Account.get_by_id(account_id)
    counts = (Contact.select(pw.fn.COUNT(Contact.id)).where(Contact.contact_list == ContactList.id))
    query = (ContactList.select(ContactList, counts.alias("contact_count"))
             .where(ContactList.account == account_id).order_by(ContactList.id))
    return paged(query, limit, offset, lambda cl: {
        "id": cl.id, "account_id": cl.account_id, "name": cl.name,
        "created_at": iso(cl.created_at), "contacts": cl.contact_count})


# ---- campaigns: their contacts, rules, caller ids -----------------------------------------
def operator_dict(agent: Agent | None) -> dict | None:
    if agent is None:
        return None
    return {"agent_id": agent.id, "user_id": agent.user_id, "username": agent.user.username,
            "full_name": agent.user.full_name}


def _last_attempts(campaign_id: int, contact_ids: list[int]) -> dict[int, Attempt]:
    if not contact_ids:
        return {}
    last = (Attempt.select(pw.fn.MAX(Attempt.id))
            .where((Attempt.campaign == campaign_id) & Attempt.contact.in_(contact_ids))
            .group_by(Attempt.contact))
    rows = (Attempt.select(Attempt, Agent, User)
            .join(Agent, pw.JOIN.LEFT_OUTER).join(User, pw.JOIN.LEFT_OUTER)
            .where(Attempt.id.in_(last)))
    return {a.contact_id: a for a in rows}


def list_campaign_contacts(campaign_id: int, limit: int, offset: int,
                           status: str | None = None, q: str | None = None) -> dict:
    """Each contact's state in the campaign: status, attempts, next attempt, the last
    attempt's result and its operator (the agent on it)."""
    Campaign.get_by_id(campaign_id)
    counted = CampaignContact.select().where(CampaignContact.campaign == campaign_id)
    if status:
        if status not in CampaignContact.state.values:
            raise FieldError("status", f"one of {', '.join(CampaignContact.state.values)}")
        counted = counted.where(CampaignContact.state == status)
    query = counted.select(CampaignContact, Contact).join(Contact)
    q = (q or "").strip()
    if q:
        match = Contact.name ** _like(q)
        digits = re.sub(r"\D", "", q)
        if digits:
            match |= Contact.id.in_(ContactPhone.select(ContactPhone.contact)
                                    .where(ContactPhone.number.contains(digits)))
        counted = query = query.where(match)

    def rows(page: list[CampaignContact]) -> list[dict]:
        last = _last_attempts(campaign_id, [cc.contact_id for cc in page])
        phones = _phones(cc.contact_id for cc in page)
        out = []
        for cc in page:
            a = last.get(cc.contact_id)
            out.append({
                "contact_id": cc.contact_id, "name": cc.contact.name,
                "client_id": cc.contact.client_id, "phones": phones[cc.contact_id],
                "status": cc.state, "attempts": cc.attempts,
                "next_attempt_at": iso(cc.next_attempt_at), "reason": cc.last_reason,
                "dial_prefix": cc.dial_prefix,
                "last_attempt": None if a is None else {
                    "id": a.id, "started_at": iso(a.started_at), "outcome": a.outcome,
                    "disposition": a.disposition},
                "operator": operator_dict(a.agent if a is not None and a.agent_id else None)})
        return out
    return paged(query.order_by(CampaignContact.id), limit, offset, rows=rows,
                 counted=counted)


def rule_dict(r: Rule) -> dict:
    return {"id": r.id, "campaign_id": r.campaign_id, "position": r.position,
            "condition": r.condition, "action": r.action, "params": r.params}


def list_rules(campaign_id: int, limit: int, offset: int) -> dict:
    """In the order they are tried."""
    Campaign.get_by_id(campaign_id)
    query = Rule.select().where(Rule.campaign == campaign_id).order_by(Rule.position, Rule.id)
    return paged(query, limit, offset, rule_dict)


@audited("campaign")
def delete_rule(campaign_id: int, rule_id: int) -> dict | None:
    """None when the campaign has no such rule."""
    campaign = Campaign.get_by_id(campaign_id)
    rule = Rule.get_or_none((Rule.id == rule_id) & (Rule.campaign == campaign.id))
    if rule is None:
        return None
    if campaign.status == "archived":
        raise ConflictError("status", "an archived campaign cannot be changed")
    body = rule_dict(rule)
    rule.delete_instance()
    return {"deleted": True, "rule": body}


def list_caller_ids(campaign_id: int, limit: int, offset: int) -> dict:
    Campaign.get_by_id(campaign_id)
    query = (CallerIdNumber.select().where(CallerIdNumber.campaign == campaign_id)
             .order_by(CallerIdNumber.id))
    return paged(query, limit, offset, lambda c: {"id": c.id, "campaign_id": c.campaign_id,
                                                  "number": c.number})


# ---- filters, agent groups, agents -----------------------------------------------------
def list_filters(account_id: int, limit: int, offset: int, q: str | None = None) -> dict:
    """`q`: a part of the name (any case)."""
    Account.get_by_id(account_id)
    query = Filter.select().where(Filter.account == account_id).order_by(Filter.id)
    q = (q or "").strip()
    if q:
        query = query.where(Filter.name ** _like(q))
    return paged(query, limit, offset, filter_dict)


def get_filter(filter_id: int) -> dict:
    return filter_dict(Filter.get_by_id(filter_id))


def _group_members(group_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {g: [] for g in group_ids}
    if group_ids:
        for m in (AgentGroupMember.select().where(AgentGroupMember.group.in_(group_ids))
                  .order_by(AgentGroupMember.agent)):
            out[m.group_id].append(m.agent_id)
    return out


def group_dict(g: AgentGroup, agent_ids: list[int]) -> dict:
    return {"id": g.id, "account_id": g.account_id, "name": g.name,
            "manual_dial_allowed": g.manual_dial_allowed,
            "followups_allowed": g.followups_allowed, "wrap_up_seconds": g.wrap_up_seconds,
            "agent_ids": agent_ids}


def list_agent_groups(account_id: int, limit: int, offset: int, q: str | None = None) -> dict:
    """`q`: a part of the name (any case)."""
    Account.get_by_id(account_id)
    query = AgentGroup.select().where(AgentGroup.account == account_id).order_by(AgentGroup.id)
    q = (q or "").strip()
    if q:
        query = query.where(AgentGroup.name ** _like(q))

    def rows(page):
        members = _group_members([g.id for g in page])
        return [group_dict(g, members[g.id]) for g in page]
    return paged(query, limit, offset, rows=rows)


def get_agent_group(group_id: int) -> dict:
    g = AgentGroup.get_by_id(group_id)
    return group_dict(g, _group_members([g.id])[g.id])


def _agent_groups(agent_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {a: [] for a in agent_ids}
    if agent_ids:
        for m in (AgentGroupMember.select().where(AgentGroupMember.agent.in_(agent_ids))
                  .order_by(AgentGroupMember.group)):
            out[m.agent_id].append(m.group_id)
    return out


def agent_dict(a: Agent, group_ids: list[int]) -> dict:
    return {"id": a.id, "user_id": a.user_id, "account_id": a.user.account_id,
            "username": a.user.username, "full_name": a.user.full_name,
            "endpoint": a.endpoint, "state": a.state, "state_since": iso(a.state_since),
            "group_ids": group_ids}


def list_agents(account_id: int, limit: int, offset: int,
                group_id: int | None = None, q: str | None = None) -> dict:
    """`q`: a part of the user name, full name or desk phone (any case)."""
    Account.get_by_id(account_id)
    query = (Agent.select(Agent, User).join(User).where(User.account == account_id)
             .order_by(Agent.id))
    q = (q or "").strip()
    if q:
        like = _like(q)
        query = query.where((User.username ** like) | (User.full_name ** like)
                            | (Agent.endpoint ** like))
    if group_id is not None:
        query = query.where(Agent.id.in_(AgentGroupMember.select(AgentGroupMember.agent)
                                         .where(AgentGroupMember.group == group_id)))

    def rows(page):
        groups = _agent_groups([a.id for a in page])
        return [agent_dict(a, groups[a.id]) for a in page]
    return paged(query, limit, offset, rows=rows)


def get_agent(agent_id: int) -> dict:
    a = Agent.select(Agent, User).join(User).where(Agent.id == agent_id).get()
    return agent_dict(a, _agent_groups([a.id])[a.id])


# ---- suppression --------------------------------------------------------
def list_campaign_suppression_lists(campaign_id: int, limit: int, offset: int) -> dict:
    """The suppression lists attached to the campaign."""
    Campaign.get_by_id(campaign_id)
    query = (SuppressionList.select().join(CampaignSuppression)
             .where(CampaignSuppression.campaign == campaign_id).order_by(SuppressionList.id))
    return paged(query, limit, offset, rows=list_dicts)


# ---- the audit log (dialer.db.audit writes it) --------------------------------------
def entry_dict(e: AuditEntry) -> dict:
    return {"id": e.id, "at": iso(e.at), "account_id": e.account_id,
            "actor": e.actor, "actor_user_id": e.actor_user_id,
            "actor_token_id": e.actor_token_id, "kind": e.kind, "object_id": e.object_id,
            "action": e.action, "before": e.before, "after": e.after}


def list_entries(account_id: int | None, limit: int, offset: int,
                 filters: AuditFilters | None = None) -> dict:
    """The audit log, newest first: of one account (None: every account and the system)."""
    filters = filters or AuditFilters()
    query = AuditEntry.select().order_by(AuditEntry.id.desc())
    if account_id is not None:
        query = query.where(AuditEntry.account_id == account_id)
    if filters.kind:
        query = query.where(AuditEntry.kind == filters.kind)
    if filters.object_id is not None:
        query = query.where(AuditEntry.object_id == filters.object_id)
    if filters.actor_user_id is not None:
        query = query.where(AuditEntry.actor_user_id == filters.actor_user_id)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= to_naive_utc(filters.since))
    if filters.until is not None:
        query = query.where(AuditEntry.at < to_naive_utc(filters.until))
    return paged(query, limit, offset, entry_dict)
