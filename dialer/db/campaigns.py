"""Campaign life cycle and the "why not" question, as plain-value transactions."""

from __future__ import annotations

import datetime as dt

from ..callerids import store as callerids
from ..compliance.limits import limit_problems
from ..compliance.store import contact_reasons, number_history
from ..outbound.eligibility import check, with_campaign_status
from ..core.phones import PhoneError, normalise, region_of
from ..outbound.store import attempts_since, campaign_settings, _contact_state
from .audit import audited
from .campaign_admin import limit_settings, numbers_presented
from ..webhooks import events as webhook_events, outbox as webhooks
from .fields import utcnow
from .models import Campaign, CampaignContact, ContactPhone
from .validation import FieldError

# status -> statuses it may move to
TRANSITIONS = {
    "draft": {"running", "terminated"},
    "running": {"suspended", "terminated"},
    "suspended": {"running", "terminated"},
    "terminated": {"archived"},
    "archived": set(),
}


class CampaignStateError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@audited("campaign")
def set_status(campaign_id: int, status: str) -> dict:
    campaign = Campaign.get_by_id(campaign_id)
    if status not in TRANSITIONS.get(campaign.status, set()):
        raise CampaignStateError("status", f"a {campaign.status} campaign cannot become {status}")
    if status == "running":  # dialler's legal limits, caller id included (400 naming it)
        settings = limit_settings({f: getattr(campaign, f) for f in (
            "regulated", "mode", "abandon_target_percent", "ring_timeout_seconds",
            "safe_harbour_message")},
            numbers_presented(campaign))
        problems = limit_problems(settings, starting=True)
        if problems:
            raise FieldError(problems[0].field, problems[0].message)
    campaign.status = status
    campaign.save()
    if status == "terminated":  # nothing more will be dialled
        (CampaignContact.update(state="failed", last_reason="campaign terminated")
         .where((CampaignContact.campaign == campaign_id)
                & CampaignContact.state.in_(("waiting", "rescheduled"))).execute())
        webhooks.record(campaign.account_id, webhook_events.CampaignFinished(
            campaign.id, campaign.name, "terminated"), utcnow())
    return {"id": campaign.id, "status": campaign.status}


def why_not(campaign_id: int, contact_id: int, now: dt.datetime) -> dict:
    """Whether the contact may be dialled now in this campaign, and every reason if not."""
    settings = campaign_settings(campaign_id)
    cc = CampaignContact.get((CampaignContact.campaign == campaign_id)
                             & (CampaignContact.contact == contact_id))
    last_hour = attempts_since(campaign_id, now - dt.timedelta(hours=1))
    state = _contact_state(cc)
    history = number_history(settings.account_id, [state.phone], now).get(state.phone, ())
    verdict = with_campaign_status(check(
        state, settings.schedule, settings.plan, now=now, attempts_last_hour=last_hour,
        policy=settings.policy, history=history), settings.status)
    reasons = [{"code": r.code, "message": r.message} for r in verdict.reasons]
    reasons += [{"code": code, "message": message}
                for code, message in contact_reasons(campaign_id, contact_id, now.date())]
    no_caller_id = callerids.exhausted(campaign_id, settings.account_id, now)
    if no_caller_id is not None:
        reasons.append({"code": no_caller_id.code, "message": no_caller_id.reason})
    return {"campaign_id": campaign_id, "contact_id": contact_id, "state": cc.state,
            "attempts": cc.attempts, "eligible": not reasons, "reasons": reasons,
            "last_reason": cc.last_reason,
            "next_possible_at": verdict.next_possible_at.isoformat()
            if verdict.next_possible_at else None}


def find_contact(campaign_id: int, key: str) -> int:
    """The campaign's contact named by `key`: its id, or one of its phone numbers (as
    typed by a person: national or E.164)."""
    in_campaign = (CampaignContact.select(CampaignContact.contact)
                   .where(CampaignContact.campaign == campaign_id))
    if key.isdigit() and in_campaign.where(CampaignContact.contact == int(key)).exists():
        return int(key)
    campaign = Campaign.get_by_id(campaign_id)
    home = campaign.account.company_number
    try:
        number = normalise(key, region_of(home) if home else "US")
    except PhoneError as exc:
        raise FieldError("contact", f"{key!r} is neither a contact id nor a number: "
                                    f"{exc.reason}") from None
    found = (in_campaign.join(ContactPhone, on=(ContactPhone.contact == CampaignContact.contact))
             .where(ContactPhone.number == number).first())
    if found is None:
        raise FieldError("contact", f"no contact {key!r} in campaign {campaign_id}")
    return found.contact_id
