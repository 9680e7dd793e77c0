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


from ..db.models import CampaignContact, Contact, ContactPhone, database_proxy
from .decisions import Hit, ListAge, hit_reason, stale_reason
from ..db.rows import tuples
from ..db.models.dnc import DEFAULT_MAX_AGE_DAYS, DncCampaignSetting, DncPrevented
from .parsers import digits_e164, e164_digits


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


def why_not_dialling(campaign_id: int, today: dt.date) -> str | None:
    """Why the campaign may not dial at all today (a stale registry list), or None."""
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


def listed(campaign_id: int | None, phones: Iterable[str], client_ids: Iterable[str] = (),
           account_id: int | None = None) -> dict[str, Hit]:
    """The numbers (E.164) and client ids on a list applying to the campaign (None: to
    the account's, less campaign lists). The lists are read first (a few rows), so that
    the numbers are seeks on the (list, number) and (list, value) indexes: a join lets
    SQLite scan the numbers instead."""
    campaign_id = campaign_id or 0
    if account_id is None:
        account_id = _account_of(campaign_id)
    phones = sorted({p for p in phones if p and p.startswith("+") and p[1:].isdigit()})
    clients = sorted({c for c in client_ids if c})
    hits: dict[str, Hit] = {}
    if not phones and not clients:
        return hits
    dnc_lists = {i: (name, as_of) for i, name, as_of, _ in _applying(campaign_id, account_id)
                 } if phones else {}
    if dnc_lists:
        ids, numbers = sorted(dnc_lists), [e164_digits(p) for p in phones]
        for list_id, number in _rows(
                f"SELECT list_id, number FROM dnc_number WHERE list_id IN ({_marks(ids)}) "
                f"AND number IN ({_marks(numbers)}) ORDER BY list_id", ids + numbers):
            hits.setdefault(digits_e164(number), Hit(digits_e164(number), *dnc_lists[list_id]))
    by_kind = {"device": phones, "client_id": clients}
    for list_id, name, kind in _rows(
            "SELECT s.id, s.name, s.kind FROM suppression_list s JOIN campaign_suppression c "
            "ON c.list_id = s.id WHERE c.campaign_id = ? ORDER BY s.name", [campaign_id]):
        values = by_kind[kind]
        for (value,) in _rows(f"SELECT value FROM suppression_entry WHERE list_id = ? "
                              f"AND value IN ({_marks(values)})", [list_id, *values]
                              ) if values else []:
            hits.setdefault(value, Hit(value, name, None, client_id=kind == "client_id"))
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
    stale = why_not_dialling(campaign_id, today)
    if stale:
        reasons.append(("dnc_registry_stale", stale))
    phone = first_phones([contact_id]).get(contact_id)
    client_id = Contact.select(Contact.client_id).where(Contact.id == contact_id).scalar()
    for hit in listed(campaign_id, [phone] if phone else [],
                      [client_id] if client_id else []).values():
        code = "suppressed_client_id" if hit.client_id else "suppressed_device"
        reasons.append((code, hit_reason(hit)))
    return reasons


def listed_reason(account_id: int, campaign_id: int | None, phones: Iterable[str],
                  client_id: str | None = None) -> str | None:
    """Why a number (or client id) may not be dialled by hand or in a followup, naming the
    do-not-call list that holds it (the lists of the account, and of the campaign if any),
    or None."""
    hits = listed(campaign_id, phones, [client_id] if client_id else [], account_id=account_id)
    return hit_reason(min(hits.values(), key=lambda h: h.value)) if hits else None
