"""What the campaign runner reads and writes. Each function is one transaction through
`Store.run` and returns plain values.

Crash safety: the Attempt row (with our ARI channel id) is written before the originate,
so no call ever exists without its record; a contact is `in_progress` from its claim to
its attempt's end, so it cannot be dialled twice for one attempt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import peewee as pw

from .eligibility import CampaignRules, ContactState, PlanRules
from ..compliance.consent import DEFAULT_PROMPT, ConsentAnnouncement
from ..prompts import files as prompt_files, model as prompts
from .machine import MACHINE_MESSAGE, SAFE_HARBOUR_MESSAGE
from ..core.phones import region_of
from .model import (AmdDetector, CampaignSettings, Claim, OpenAttempt, RulesCheck,
                    ScreeningAction)
from .rules import Decision, RuleSpec
from ..db.models import (Account, ActionCall, Attempt, Campaign, CampaignContact, CallerIdNumber,
                         Contact, ContactPhone, Rule, ServicePlan)
from ..db.database import is_postgres
from ..db.rows import dicts, tuples
from ..db.models import database_proxy
from ..db.campaign_admin import amd_overrides
from .amd import amd_arguments
from .pacing import ServiceLevelTarget
from .records import CallEnd, Recovery, recovered_outcome
from ..db.queries import claim_contacts
from ..compliance.evidence import evidence
from ..compliance.store import (calling_policy, checked_lists, keep_verdict, number_history,
                                screen_claim)
from ..compliance.lists import list_contact
from ..webhooks import outbox as webhooks

CC_STATES = ("waiting", "in_progress", "completed", "failed", "rescheduled", "deleted")


class ClaimLost(Exception):
    """The contact is no longer claimed by this node (its lease ran out and it went back
    to waiting, perhaps to another node): it must not be dialled on this claim."""


def _plan_rules(plan: ServicePlan | None) -> PlanRules:
    if plan is None:
        return PlanRules()
    return PlanRules(window_start=plan.window_start, window_stop=plan.window_stop,
                     all_day=plan.all_day, max_attempts_per_hour=plan.max_attempts_per_hour,
                     international_allowed=plan.international_allowed, training=plan.training)


def campaign_settings(campaign_id: int) -> CampaignSettings:
    """Everything the runner needs about one campaign."""
    c = Campaign.get_by_id(campaign_id)
    account = c.account
    home = region_of(account.company_number) if account.company_number else "US"

    def play(value: str | None, default: str) -> str:
        return prompts.media(value, default, account_id=account.id, files=prompt_files.location())
    return CampaignSettings(
        id=c.id, name=c.name, status=c.status, mode=c.mode,
        account_id=account.id, agent_group_id=c.agent_group_id,
        bcw_seconds=c.bcw_seconds, record=c.record, inbound_priority=c.inbound_priority,
        amd_enabled=c.amd_enabled, machine_action=c.machine_action,
        machine_message=play(c.machine_message, MACHINE_MESSAGE),
        safe_harbour_message=play(c.safe_harbour_message, SAFE_HARBOUR_MESSAGE),
        consent_announcement=ConsentAnnouncement(c.consent_announcement),
        consent_prompt=play(c.consent_prompt, DEFAULT_PROMPT),
        amd_arguments=amd_arguments(amd_overrides(c)),
        amd_detector=AmdDetector(c.amd_detector), amd_machine_threshold=c.amd_machine_threshold,
        amd_words=c.amd_words, amd_person_after_silence=c.amd_person_after_silence,
        screening_action=ScreeningAction(c.screening_action),
        # a hand-edited unsafe name: the shipped safe-harbour sound (it names the caller too)
        screening_message=c.screening_message and play(c.screening_message, SAFE_HARBOUR_MESSAGE),
        ring_timeout_seconds=c.ring_timeout_seconds, max_attempts=c.max_attempts,
        caller_ids=tuple(n.number for n in c.caller_ids.order_by(CallerIdNumber.id)),
        rules=tuple(RuleSpec(r.position, r.condition, r.action, r.params)
                    for r in c.rules.order_by(Rule.position, Rule.id)),
        plan=_plan_rules(account.plan),
        schedule=CampaignRules(start_date=c.start_date, end_date=c.end_date,
                               daily_start=c.daily_start, daily_stop=c.daily_stop,
                               timezone=c.timezone, max_attempts=c.max_attempts,
                               home_region=home),
        abandon_target=c.abandon_target_percent / 100,
        abandon_window=(dt.timedelta(hours=24) if c.abandon_window == "24h"
                        else dt.timedelta(days=30)),
        max_lines_per_agent=c.max_lines_per_agent,
        inbound_target=ServiceLevelTarget(c.inbound_service_percent / 100,
                                          c.inbound_service_seconds),
        policy=calling_policy(account.id, c.id, live_operator=c.mode == "preview"),
    )


def running_campaign_ids() -> list[int]:
    return [cid for (cid,) in tuples(Campaign.select(Campaign.id)
            .where(Campaign.status == "running").order_by(Campaign.id))]


def attempts_since(campaign_id: int, since: dt.datetime) -> int:
    return Attempt.select().where((Attempt.campaign == campaign_id)
                                  & (Attempt.started_at >= since)).count()


def recent_attempts(campaign_id: int, limit: int = 300) -> list[dict]:
    """The campaign's last finished attempts, oldest first (to seed pacing statistics)."""
    rows = dicts(Attempt.select(Attempt.outcome, Attempt.started_at, Attempt.answered_at,
                                Attempt.ended_at)
                 .where((Attempt.campaign == campaign_id) & Attempt.ended_at.is_null(False))
                 .order_by(Attempt.ended_at.desc(), Attempt.id.desc()).limit(limit))
    return list(reversed(list(rows)))


def _contact_state(cc: CampaignContact) -> ContactState:
    phone = (ContactPhone.select(ContactPhone.number)
             .where(ContactPhone.contact == cc.contact_id)
             .order_by(ContactPhone.position, ContactPhone.id).scalar())
    return ContactState(phone=phone or "", explicit_zone=cc.contact.timezone,
                        client_id=cc.contact.client_id, attempts=cc.attempts,
                        next_attempt_at=cc.next_attempt_at, state=cc.state)


def claim_due(campaign_id: int, node: str, limit: int, now: dt.datetime) -> list[Claim]:
    """Claim due contacts for dialling; each with what eligibility needs."""
    ids = screen_claim(campaign_id, now, lambda: claim_contacts(campaign_id, node, limit, now))
    rows = (CampaignContact.select(CampaignContact, Contact).join(Contact)
            .where(CampaignContact.id.in_(ids)))
    by_id = {cc.id: cc for cc in rows}
    states = {i: _contact_state(by_id[i]) for i in ids}
    history = number_history(Campaign.get_by_id(campaign_id).account_id,
                             [s.phone for s in states.values()], now) if ids else {}
    return [Claim(i, by_id[i].contact_id, by_id[i].dial_prefix, states[i],
                  history.get(states[i].phone, ())) for i in ids]


def release(cc_id: int, *, next_attempt_at: dt.datetime | None, reason: str,
            give_up: bool = False) -> None:
    """Hand back a claimed contact that may not be dialled now, saying why."""
    cc = CampaignContact.get_by_id(cc_id)
    cc.state = "failed" if give_up else ("rescheduled" if cc.attempts else "waiting")
    cc.next_attempt_at = next_attempt_at
    cc.last_reason = reason
    cc.claimed_by = cc.claimed_at = None
    cc.save()


def start_attempt(*, cc_id: int, phone: str, caller_id: str | None, channel_id: str,
                  node: str, now: dt.datetime, hourly_cap: int | None = None,
                  rules: RulesCheck | None = None) -> int | None:
    """The attempt row, written before the call exists, with the verdict it is dialled
    under; None if the campaign has reached the plan's hourly cap, or `rules` checked again
    refuse the number (a per-number cap, a list). Both are counted here, under locks on the
    account's and the campaign's rows, so nodes sharing the database never exceed them
    together. Raises ClaimLost if the contact is no longer this node's claim."""
    cc = CampaignContact.get_by_id(cc_id)
    if cc.state != "in_progress" or cc.claimed_by != node:
        raise ClaimLost(f"contact {cc.contact_id} of campaign {cc.campaign_id} is no longer "
                        f"claimed by {node} ({cc.state}, {cc.claimed_by})")
    account_id = cc.contact.account_id
    _lock(Account, account_id)  # the account's calls to one number, across its campaigns
    _lock(Campaign, cc.campaign_id)
    last_hour = attempts_since(cc.campaign_id, now - dt.timedelta(hours=1))
    if hourly_cap is not None and last_hour >= hourly_cap:
        return None
    verdict = None
    if rules is not None:
        verdict = _verdict(rules, cc.campaign_id, account_id, phone, now, (last_hour, hourly_cap))
        if verdict is None:
            return None
    CampaignContact.update(attempts=CampaignContact.attempts + 1, last_reason=None).where(
        CampaignContact.id == cc_id).execute()
    attempt_id = Attempt.insert(campaign=cc.campaign_id, contact=cc.contact_id, phone=phone,
                                caller_id=caller_id, channel_id=channel_id, started_at=now,
                                node=node).execute()
    if verdict is not None:
        keep_verdict(attempt_id, verdict)
    return attempt_id


def _verdict(rules: RulesCheck, campaign_id: int, account_id: int, phone: str,
             now: dt.datetime, hourly: tuple[int, int | None]) -> dict | None:
    """The verdict document to keep with the attempt; None if the number may not be
    dialled after all (another node called it meanwhile, it was listed since the claim)."""
    calls = number_history(account_id, {phone, rules.state.phone}, now)
    history = tuple(c for number_calls in calls.values() for c in number_calls)
    verdict = rules.verdict(history, now)
    lists = checked_lists(campaign_id, account_id, rules.state.phone)
    if not verdict.eligible or any(x.listed for x in lists):
        return None
    return evidence(verdict, phone=rules.state.phone, purpose=rules.policy.purpose, at=now,
                    lists=lists, hourly=hourly)


def _lock(model, row_id: int) -> None:
    """Hold the row until the transaction ends (PostgreSQL; SQLite writes one at a time)."""
    if is_postgres(database_proxy):
        model.select(model.id).where(model.id == row_id).for_update().execute()


def update_attempt(attempt_id: int, **values) -> None:
    Attempt.update(**values).where(Attempt.id == attempt_id).execute()


def finish_attempt(attempt_id: int, *, outcome: str, ended_at: dt.datetime,
                   connected: bool, rules: Sequence[RuleSpec], max_attempts: int,
                   **values) -> Decision:
    """Close the attempt and move its contact on by the campaign's rules."""
    attempt = Attempt.get_by_id(attempt_id)
    if attempt.ended_at is not None:  # already closed (a resync and an event may race)
        return Decision("completed")
    Attempt.update(outcome=outcome, ended_at=ended_at, **values).where(
        Attempt.id == attempt_id).execute()
    webhooks.attempt_finished(attempt_id, ended_at)
    cc = CampaignContact.get((CampaignContact.campaign == attempt.campaign_id)
                             & (CampaignContact.contact == attempt.contact_id))
    if values.get("end_reason"):  # never dialled: say why ("why not" shows it)
        cc.last_reason = values["end_reason"]
    decision = _move_on(cc, rules, outcome=outcome, connected=connected,
                        disposition=values.get("disposition") or attempt.disposition,
                        max_attempts=max_attempts, now=ended_at)
    if attempt.campaign_id is not None and decision.state not in webhooks.OPEN_CONTACT_STATES:
        webhooks.campaign_finished_if_done(attempt.campaign_id, ended_at)
    return decision


def redecide_with_disposition(attempt_id: int, now: dt.datetime) -> Decision | None:
    """An agent result given in wrap-up, after the contact was moved on without it: decide
    again with it, unless the contact has been claimed or dialled since."""
    attempt = Attempt.get_by_id(attempt_id)
    if attempt.campaign_id is None or attempt.ended_at is None:
        return None
    cc = CampaignContact.get_or_none((CampaignContact.campaign == attempt.campaign_id)
                                     & (CampaignContact.contact == attempt.contact_id))
    later = Attempt.select().where((Attempt.campaign == attempt.campaign_id)
                                   & (Attempt.contact == attempt.contact_id)
                                   & (Attempt.id > attempt.id)).exists()
    if cc is None or cc.state == "in_progress" or later:
        return None
    settings = campaign_settings(attempt.campaign_id)
    return _move_on(cc, settings.rules, outcome=attempt.outcome or "",
                    connected=attempt.outcome == "human", disposition=attempt.disposition,
                    max_attempts=settings.max_attempts, now=now)


def _move_on(cc: CampaignContact, rules: Sequence[RuleSpec], *, outcome: str, connected: bool,
             disposition: str | None, max_attempts: int, now: dt.datetime) -> Decision:
    from .rules import decide

    decision = decide(rules, outcome=outcome, connected=connected, disposition=disposition,
                      attempts=cc.attempts, max_attempts=max_attempts, now=now)
    cc.state = decision.state
    cc.next_attempt_at = decision.next_attempt_at
    if decision.prefix is not None:
        cc.dial_prefix = decision.prefix
    cc.claimed_by = cc.claimed_at = None
    cc.save()
    if decision.do_not_call:
        list_contact(cc.contact.account_id, cc.contact_id)
    return decision


def open_attempts(node: str) -> list[OpenAttempt]:
    """Attempts this node started and never closed (for the resync after a restart)."""
    return [OpenAttempt(*row) for row in tuples(
            Attempt.select(Attempt.id, Attempt.channel_id, Attempt.campaign,
                           Attempt.phone, Attempt.answered_at, Attempt.recording_name,
                           Attempt.bridged_at)
            .where((Attempt.node == node) & Attempt.ended_at.is_null()))]


def progress(campaign_id: int) -> dict:
    """Campaign progress, counted from the contact queue and the attempt records."""
    counts = dict.fromkeys(CC_STATES, 0)
    for state, n in tuples(CampaignContact.select(CampaignContact.state, pw.fn.COUNT(CampaignContact.id))
                     .where(CampaignContact.campaign == campaign_id)
                     .group_by(CampaignContact.state)):
        counts[state] = n
    outcomes: dict[str | None, int] = dict(tuples(
        Attempt.select(Attempt.outcome, pw.fn.COUNT(pw.SQL("*")))
        .where(Attempt.campaign == campaign_id).group_by(Attempt.outcome)))
    live = outcomes.get("human", 0) + outcomes.get("abandoned", 0)
    return {
        "total": sum(v for k, v in counts.items() if k != "deleted"),
        **counts,
        "attempts": sum(outcomes.values()),
        "outcomes": {k or "in_progress": v for k, v in outcomes.items()},
        "abandon_rate": round(outcomes.get("abandoned", 0) / live, 4) if live else 0.0,
    }


def progress_and_group(campaign_id: int) -> tuple[dict, int | None]:
    """`progress`, and the campaign's agent group (None: any agent takes its calls)."""
    return progress(campaign_id), Campaign.get_by_id(campaign_id).agent_group_id


def preview_details(cc_id: int) -> dict:
    """What an agent sees of a contact offered in preview."""
    cc = CampaignContact.get_by_id(cc_id)
    contact = cc.contact
    phones = [n for (n,) in tuples(ContactPhone.select(ContactPhone.number)
              .where(ContactPhone.contact == contact.id)
              .order_by(ContactPhone.position, ContactPhone.id))]
    return {"campaign_id": cc.campaign_id, "campaign": cc.campaign.name,
            "contact_id": contact.id, "name": contact.name, "phones": phones,
            "email": contact.email, "client_id": contact.client_id,
            "timezone": contact.timezone, "fields": contact.fields or {},
            "attempts": cc.attempts, "last_reason": cc.last_reason}


def close_attempt(attempt_id: int, *, outcome: str, ended_at: dt.datetime, **values) -> None:
    """End an attempt that moves no campaign contact on (a followup's call)."""
    if (Attempt.update(outcome=outcome, ended_at=ended_at, **values)
            .where((Attempt.id == attempt_id) & Attempt.ended_at.is_null()).execute()):
        webhooks.attempt_finished(attempt_id, ended_at)


def recover(node: str, tracked: set[str], live: set[str], now: dt.datetime, *,
            release_claims: bool, ends: dict[str, CallEnd] | None = None) -> Recovery:
    """After a restart or a lost connection: close this node's open attempts that nothing
    tracks any more: a call that had reached its agent as "human" (ended as `ends` says,
    from the PBX, else now), any other as "lost"; the campaign's rules move the contact
    on, so it is called again only if the rules say so, never twice at once. With
    `release_claims` (at start-up, before the runner claims anything), give back
    contacts this node claimed but never dialled. Returns the closed attempts' channels
    still up in Asterisk: hang them up, nobody is handling them."""
    ends = ends or {}
    orphans = [a for a in open_attempts(node) if a.channel_id not in tracked]
    lost = []
    for a in orphans:
        end = ends.get(a.channel_id) if a.channel_id not in live else None
        rec = recovered_outcome(bridged_at=a.bridged_at, end=end, now=now)
        if rec.outcome == "lost":
            lost.append(a.id)
        if a.campaign_id is None:
            close_attempt(a.id, outcome=rec.outcome, ended_at=rec.ended_at,
                          hangup_cause=rec.hangup_cause)
            continue
        settings = campaign_settings(a.campaign_id)
        finish_attempt(a.id, outcome=rec.outcome, ended_at=rec.ended_at,
                       connected=rec.connected, rules=settings.rules,
                       max_attempts=settings.max_attempts, hangup_cause=rec.hangup_cause)
    busy = {cc for (cc,) in tuples(CampaignContact.select(CampaignContact.id)
            .join(Attempt, on=((Attempt.campaign == CampaignContact.campaign)
                               & (Attempt.contact == CampaignContact.contact)))
            .where(Attempt.ended_at.is_null()))}
    stranded = (CampaignContact.select()
                .where((CampaignContact.state == "in_progress")
                       & (CampaignContact.claimed_by == node)))
    released = 0
    for cc in stranded if release_claims else ():
        if cc.id not in busy:
            release(cc.id, next_attempt_at=now, reason="claimed before a restart, not dialled")
            released += 1
    if release_claims:  # users were being rung, nobody called yet: ring them again
        released += (ActionCall.update(status="scheduled", node=None)
                     .where((ActionCall.status == "ringing") & (ActionCall.node == node))
                     .execute())
    return Recovery(lost=tuple(lost), recovered=tuple(a.id for a in orphans if a.id not in lost),
                    released=released,
                    hang_up=tuple(a.channel_id for a in orphans if a.channel_id in live))


def renew_claims(cc_ids: list[int], node: str, now: dt.datetime) -> None:
    """Keep this node's claims on contacts still in use (on an agent's preview screen)."""
    if cc_ids:
        (CampaignContact.update(claimed_at=now)
         .where(CampaignContact.id.in_(cc_ids) & (CampaignContact.claimed_by == node)
                & (CampaignContact.state == "in_progress")).execute())


def release_expired_claims(now: dt.datetime, lease: dt.timedelta) -> int:
    """Contacts claimed (by any node) longer than `lease` ago and never dialled go back to
    waiting. One statement, so nodes sweeping at once cannot release a row twice, and a
    contact whose attempt has started (its call is open) is never touched; the node that
    claimed it finds out when it dials (start_attempt raises ClaimLost)."""
    cc = CampaignContact
    dialled = (Attempt.select(Attempt.id)
               .where((Attempt.campaign == cc.campaign) & (Attempt.contact == cc.contact)
                      & Attempt.ended_at.is_null()))
    return (cc.update(state=pw.Case(None, [(cc.attempts > 0, "rescheduled")], "waiting"),
                      next_attempt_at=now, claimed_by=None, claimed_at=None,
                      last_reason="claimed but not dialled within the lease")
            .where((cc.state == "in_progress") & (cc.claimed_at < now - lease)
                   & ~pw.fn.EXISTS(dialled))
            .execute())
