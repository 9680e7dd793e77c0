"""Do-not-call at claim time: one indexed query for a batch of numbers, nothing in memory.

The lists that apply to a campaign: every system list, its account's lists, its own lists
(`DncList`), and the suppression lists attached to it (dialer.db.suppression). Each claim
looks up only the numbers it claimed, on the (list, number) and (list, value) indexes, so
a list of 20 million numbers costs a claim as much as a list of ten, and a number added to
a list (a "do not call" disposition) is seen by every node at its next claim.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable, Iterable


from ..db.models import (AccountCallingPolicy, AccountClosedDay, Attempt, AttemptCompliance,
                         Campaign, CampaignCallingPolicy, CampaignContact, Contact, ContactPhone,
                         database_proxy)
from .calling import CallingPolicy, PastCall
from .evidence import ListChecked, differences, evidence
from ..db.validation import FieldError, integer, iso_date
from ..outbound.eligibility import ContactState, check
from ..outbound.windows import utc
from .jurisdictions import WEEK, Purpose
from .decisions import Hit, ListAge, hit_reason, stale_reason
from .limits import LimitSettings, blocked_reason
from ..db.database import is_postgres
from ..db.rows import tuples
from ..db.models.dnc import DEFAULT_MAX_AGE_DAYS, DncCampaignSetting, DncPrevented
from .parsers import digits_e164, e164_digits

HISTORY = WEEK  # the longest cap's period: the calls to a number a claim reads


def _applying(campaign_id: int, account_id: int) -> list[tuple[int, str, dt.date | None, bool]]:
    """(id, name, as_of, registry) of the lists that apply to the campaign: every system
    list, the account's, the campaign's own."""
    return [(i, name, _date(as_of), bool(registry)) for i, name, as_of, registry in _rows(
        "SELECT id, name, as_of, registry FROM dnc_list WHERE scope = 'system' OR (scope = "
        "'account' AND account_id = ?) OR (scope = 'campaign' AND campaign_id = ?) ORDER BY id",
        [account_id, campaign_id])]


def _account_of(campaign_id: int) -> int:
    found = _rows("SELECT account_id FROM campaign WHERE id = ?", [campaign_id])
    return found[0][0] if found else 0


def max_age_days(campaign_id: int) -> int:
    days = (DncCampaignSetting.select(DncCampaignSetting.max_age_days)
            .where(DncCampaignSetting.campaign == campaign_id).scalar())
    return DEFAULT_MAX_AGE_DAYS if days is None else days


def limits_reason(campaign_id: int) -> str | None:
    """Why the campaign may not dial: its stored settings break a legal limit (a campaign
    from before the limits were enforced), or None."""
    c = Campaign.get_or_none(Campaign.id == campaign_id)
    if c is None:
        return None
    return blocked_reason(LimitSettings(c.regulated, c.mode, c.abandon_target_percent,
                                        c.ring_timeout_seconds, c.safe_harbour_message,
                                        caller_ids=0))


def why_not_dialling(campaign_id: int, today: dt.date) -> str | None:
    """Why the campaign may not dial at all today (settings beyond a legal limit, a stale
    registry list), or None."""
    return limits_reason(campaign_id) or _stale(campaign_id, today)


def _stale(campaign_id: int, today: dt.date) -> str | None:
    ages = tuple(ListAge(i, name, as_of) for i, name, as_of, registry
                 in _applying(campaign_id, _account_of(campaign_id)) if registry)
    return stale_reason(ages, max_age_days(campaign_id), today)


def _rows(sql: str, params: list) -> list[tuple]:
    """Plain SQL ("?" placeholders): the claim path's lookups are a few index seeks, and
    peewee's query building would cost ten times their run time."""
    return database_proxy.execute_sql(sql.replace("?", database_proxy.param), params).fetchall()


def _marks(values: list) -> str:
    return ",".join("?" * len(values))


def _date(value: object) -> dt.date | None:  # SQLite gives text, PostgreSQL a date
    return None if value is None else dt.date.fromisoformat(str(value))


# The lists that apply (a few rows) drive seeks on the (list, number) and (list, value)
# indexes, all in one statement (one round trip). CROSS JOIN: SQLite always loops over its
# left side first (a plain join lets it scan the numbers instead); PostgreSQL plans it as
# any inner join.
_DNC_HITS = (
    "SELECT 0, l.id, l.name, l.as_of, n.number, NULL, NULL FROM dnc_list l CROSS JOIN dnc_number n "
    "WHERE n.list_id = l.id AND n.number {} AND (l.scope = 'system' OR (l.scope = "
    "'account' AND l.account_id = COALESCE(?, (SELECT account_id FROM campaign WHERE id = ?))) "
    "OR (l.scope = 'campaign' AND l.campaign_id = ?))")
_SUPPRESSION_HITS = (
    "SELECT 1, 0, s.name, NULL, NULL, s.kind, e.value FROM campaign_suppression c JOIN "
    "suppression_list s ON s.id = c.list_id CROSS JOIN suppression_entry e WHERE "
    "c.campaign_id = ? AND s.kind = ? AND e.list_id = s.id AND e.value {}")


def _among(values: list) -> tuple[str, list]:
    """`IN (?, ...)`; on PostgreSQL `= ANY(?)`, one array parameter: the statement's text
    is the same whatever the batch (psycopg prepares it once) and binding it is cheaper
    (p50 0.39 against 0.62 ms for 50 numbers, bench/README.md)."""
    if is_postgres(database_proxy):
        return "= ANY(?)", [values]
    return f"IN ({_marks(values)})", values


def listed(campaign_id: int | None, phones: Iterable[str], client_ids: Iterable[str] = (),
           account_id: int | None = None) -> dict[str, Hit]:
    """The numbers (E.164) and client ids on a list applying to the campaign (None: to
    the account's, less campaign lists): its do-not-call lists first (by id), then the
    suppression lists attached to it (by name). One query."""
    campaign_id = campaign_id or 0
    phones = sorted({p for p in phones if p and p.startswith("+") and p[1:].isdigit()})
    clients = sorted({c for c in client_ids if c})
    parts: list[str] = []
    params: list = []
    if phones:
        among, numbers = _among([e164_digits(p) for p in phones])
        parts.append(_DNC_HITS.format(among))
        params += [*numbers, account_id, campaign_id, campaign_id]
    for kind, values in (("device", phones), ("client_id", clients)):
        if values:
            among, bound = _among(values)
            parts.append(_SUPPRESSION_HITS.format(among))
            params += [campaign_id, kind, *bound]
    hits: dict[str, Hit] = {}
    if not parts:
        return hits
    for _, _, name, as_of, number, kind, value in _rows(
            " UNION ALL ".join(parts) + " ORDER BY 1, 2, 3", params):
        found = value if number is None else digits_e164(number)
        hits.setdefault(found, Hit(found, name, _date(as_of), client_id=kind == "client_id"))
    return hits


def first_phones(contact_ids: list[int]) -> dict[int, str]:
    """Each contact's dialled number: its first phone (as outbound.store reads it)."""
    first: dict[int, str] = {}
    for contact_id, number in tuples(ContactPhone.select(ContactPhone.contact, ContactPhone.number)
                                     .where(ContactPhone.contact.in_(contact_ids))
                                     .order_by(ContactPhone.position, ContactPhone.id)):
        first.setdefault(contact_id, number)
    return first


def screen_claim(campaign_id: int, now: dt.datetime, claim: Callable[[], list[int]]
                 ) -> list[int]:
    """`claim()`'s campaign contacts less those whose number or client id is listed, which
    are handed back as failed with the list named, each recorded (`DncPrevented`: the
    compliance report counts them). Nothing is claimed while the campaign relies on a
    stale registry list. Runs inside the claim's transaction."""
    if why_not_dialling(campaign_id, now.date()) is not None:
        return []
    ids = claim()
    if not ids:
        return ids
    contacts: dict[int, int] = dict(tuples(
        CampaignContact.select(CampaignContact.id, CampaignContact.contact)
        .where(CampaignContact.id.in_(ids))))
    client_ids: dict[int, str | None] = dict(tuples(
        Contact.select(Contact.id, Contact.client_id).where(Contact.id.in_(list(contacts.values())))))
    phones = first_phones(list(contacts.values()))
    hits = listed(campaign_id, phones.values(), [c for c in client_ids.values() if c])
    kept, prevented = [], []
    for cc_id in ids:
        contact_id = contacts[cc_id]
        hit = hits.get(phones.get(contact_id, "")) or hits.get(client_ids.get(contact_id) or "")
        if hit is None:
            kept.append(cc_id)
            continue
        (CampaignContact.update(state="failed", next_attempt_at=None, last_reason=hit_reason(hit),
                                claimed_by=None, claimed_at=None)
         .where(CampaignContact.id == cc_id).execute())
        prevented.append({"campaign": campaign_id, "list_name": hit.list_name,
                          "value": hit.value, "at": now})
    if prevented:
        DncPrevented.insert_many(prevented).execute()
    return kept


def contact_reasons(campaign_id: int, contact_id: int, today: dt.date) -> list[tuple[str, str]]:
    """(code, message) of each do-not-call reason the contact may not be dialled in the
    campaign: the "why not" question's share of this module."""
    reasons = []
    beyond_limits = limits_reason(campaign_id)
    if beyond_limits:
        reasons.append(("legal_limits", beyond_limits))
    stale = _stale(campaign_id, today)
    if stale:
        reasons.append(("dnc_registry_stale", stale))
    phone = first_phones([contact_id]).get(contact_id)
    client_id = Contact.select(Contact.client_id).where(Contact.id == contact_id).scalar()
    for hit in listed(campaign_id, [phone] if phone else [],
                      [client_id] if client_id else []).values():
        code = "suppressed_client_id" if hit.client_id else "suppressed_device"
        reasons.append((code, hit_reason(hit)))
    return reasons


# --- calling rules: the account's and campaign's own, a number's calls, the verdict kept --

def calling_policy(account_id: int, campaign_id: int | None, *, live_operator: bool
                   ) -> CallingPolicy:
    caps = (AccountCallingPolicy.select(AccountCallingPolicy.max_per_number_day,
                                        AccountCallingPolicy.max_per_number_week)
            .where(AccountCallingPolicy.account == account_id).tuples().first()) or (None, None)
    purpose = (CampaignCallingPolicy.select(CampaignCallingPolicy.purpose)
               .where(CampaignCallingPolicy.campaign == campaign_id).scalar())
    closed = frozenset(d for (d,) in tuples(AccountClosedDay.select(AccountClosedDay.day)
                                            .where(AccountClosedDay.account == account_id)))
    return CallingPolicy(purpose=Purpose(purpose or Purpose.TELEMARKETING),
                         live_operator=live_operator, closed_dates=closed,
                         max_per_number_day=caps[0], max_per_number_week=caps[1])


def number_history(account_id: int, phones: Iterable[str], now: dt.datetime,
                   before_attempt: int | None = None) -> dict[str, tuple[PastCall, ...]]:
    """The account's calls (any campaign, agent calls too) to each number in the 7 days
    up to `now` (only those written before attempt `before_attempt`), by number."""
    query = (Attempt.select(Attempt.phone, Attempt.started_at, Attempt.outcome)
             .join(Contact, on=(Attempt.contact == Contact.id))
             .where((Contact.account == account_id) & Attempt.phone.in_(sorted(set(phones)))
                    & (Attempt.started_at > now - HISTORY) & (Attempt.started_at <= now)))
    if before_attempt is not None:
        query = query.where(Attempt.id < before_attempt)
    found: dict[str, list[PastCall]] = {}
    for phone, started_at, outcome in tuples(query):
        found.setdefault(phone, []).append(PastCall(utc(started_at), outcome))  # naive: UTC
    return {phone: tuple(calls) for phone, calls in found.items()}


def checked_lists(campaign_id: int, account_id: int, phone: str) -> tuple[ListChecked, ...]:
    """The lists the number is looked up in for the campaign, and whether it is on each."""
    hit = listed(campaign_id, [phone], account_id=account_id).get(phone)
    return tuple(ListChecked(name, as_of, registry, hit is not None and hit.list_name == name)
                 for _, name, as_of, registry in _applying(campaign_id, account_id))


def keep_verdict(attempt_id: int, verdict: dict) -> None:
    AttemptCompliance.insert(attempt=attempt_id, verdict=verdict).execute()


def attempt_compliance(attempt_id: int) -> dict:
    """"Why was this number dialled": the verdict kept with the attempt, and the same
    verdict recomputed now from the database (the rules as shipped and set now, the
    account's calls to the number written before it) with the keys on which they differ."""
    from ..outbound.store import campaign_settings  # it imports this module

    attempt = Attempt.get_by_id(attempt_id)
    kept = AttemptCompliance.get_or_none(AttemptCompliance.attempt == attempt_id)
    if kept is None or attempt.campaign_id is None:
        return {"attempt_id": attempt_id, "verdict": None, "recomputed": None,
                "matches": None, "differences": [],
                "message": "no verdict kept: an agent's own call, or dialled before verdicts "
                           "were kept"}
    stored, at = kept.verdict, utc(attempt.started_at)  # naive: UTC
    settings = campaign_settings(attempt.campaign_id)
    contact = attempt.contact
    calls = number_history(contact.account_id, {attempt.phone, stored["phone"]},
                           at, before_attempt=attempt.id)
    verdict = check(ContactState(phone=stored["phone"], explicit_zone=contact.timezone),
                    settings.schedule, settings.plan, now=at,
                    attempts_last_hour=0, policy=settings.policy,
                    history=tuple(c for found in calls.values() for c in found))
    recomputed = evidence(
        verdict, phone=stored["phone"], purpose=settings.policy.purpose, at=at,
        lists=checked_lists(attempt.campaign_id, contact.account_id, stored["phone"]),
        hourly=(stored["hourly_cap"]["count"], settings.plan.max_attempts_per_hour))
    diffs = differences(stored, recomputed)
    return {"attempt_id": attempt_id, "verdict": stored, "recomputed": recomputed,
            "matches": not diffs, "differences": diffs}


def account_calling_rules(account_id: int) -> dict:
    policy = calling_policy(account_id, None, live_operator=False)
    return {"account_id": account_id, "max_per_number_day": policy.max_per_number_day,
            "max_per_number_week": policy.max_per_number_week,
            "closed_days": [d.isoformat() for d in sorted(policy.closed_dates)]}


def set_account_calling_rules(account_id: int, body: dict) -> dict:
    """Replace the account's per-number caps and calendar (closed dates, ISO)."""
    caps = {key: integer(key, body.get(key), minimum=1, maximum=1000, nullable=True)
            for key in ("max_per_number_day", "max_per_number_week")}
    days = body.get("closed_days", [])
    if not isinstance(days, list) or len(days) > 1000:
        raise FieldError("closed_days", "must be a list of at most 1000 ISO dates")
    if None in days:
        raise FieldError("closed_days", "must be a list of ISO dates")
    closed = sorted({d for d in (iso_date("closed_days", d) for d in days) if d is not None})
    AccountCallingPolicy.insert(account=account_id, **caps).on_conflict(
        conflict_target=[AccountCallingPolicy.account], update=caps).execute()
    AccountClosedDay.delete().where(AccountClosedDay.account == account_id).execute()
    if closed:
        AccountClosedDay.insert_many([{"account": account_id, "day": d}
                                      for d in closed]).execute()
    return account_calling_rules(account_id)


def set_campaign_purpose(campaign_id: int, purpose: object) -> dict:
    if purpose not in set(Purpose):
        raise FieldError("purpose", f"must be one of {', '.join(Purpose)}")
    CampaignCallingPolicy.insert(campaign=campaign_id, purpose=purpose).on_conflict(
        conflict_target=[CampaignCallingPolicy.campaign],
        update={CampaignCallingPolicy.purpose: purpose}).execute()
    return {"campaign_id": campaign_id, "purpose": purpose}


def listed_reason(account_id: int, campaign_id: int | None, phones: Iterable[str],
                  client_id: str | None = None) -> str | None:
    """Why a number (or client id) may not be dialled by hand or in a followup, naming the
    do-not-call list that holds it (the lists of the account, and of the campaign if any),
    or None."""
    hits = listed(campaign_id, phones, [client_id] if client_id else [], account_id=account_id)
    return hit_reason(min(hits.values(), key=lambda h: h.value)) if hits else None
