"""Suppression (do-not-call) lists: CRUD, entries, links, and `is_suppressed`.

A list holds devices (E.164 numbers) or client ids. It applies where it is linked: to
campaigns (eligibility reads them through `dialing.campaign_settings`) and to the account's
on-demand strategy, which services followups and manual dials. One transaction per
function; plain dicts out.
"""

from __future__ import annotations

from typing import Any, Iterable

import peewee as pw

from .audit import audited
from ..followups.decisions import suppression_reason
from ..core.phones import PhoneError, normalise, region_of
from .models import (Account, Campaign, CampaignSuppression, OnDemandStrategy,
                     StrategySuppression, SuppressionEntry, SuppressionList)
from .rows import tuples
from .validation import ConflictError, FieldError, region, reject_unknown, text, transaction

KINDS = ("device", "client_id")
MAX_VALUES = 10_000  # per request: bigger lists go in several calls


def on_demand_strategy(account_id: int) -> OnDemandStrategy:
    """The account's strategy row, created (first pass preview) on first use."""
    strategy, _ = OnDemandStrategy.get_or_create(account=account_id,
                                                 defaults={"passes": ["preview"]})
    return strategy


def list_dict(sl: SuppressionList) -> dict:
    return list_dicts([sl])[0]


def list_dicts(lists: list[SuppressionList]) -> list[dict]:
    """The lists with their entry counts, campaigns and on-demand use: three queries
    whatever their number."""
    ids = [sl.id for sl in lists]
    entries: dict[int, int] = dict(tuples(SuppressionEntry.select(
        SuppressionEntry.suppression_list, pw.fn.COUNT(pw.SQL("*")))
        .where(SuppressionEntry.suppression_list.in_(ids)).group_by(SuppressionEntry.suppression_list)))
    campaigns: dict[int, list[int]] = {i: [] for i in ids}
    for list_id, campaign_id in tuples(CampaignSuppression.select(
            CampaignSuppression.suppression_list, CampaignSuppression.campaign)
            .where(CampaignSuppression.suppression_list.in_(ids))
            .order_by(CampaignSuppression.campaign)):
        campaigns[list_id].append(campaign_id)
    on_demand = {i for (i,) in tuples(StrategySuppression.select(StrategySuppression.suppression_list)
                 .where(StrategySuppression.suppression_list.in_(ids)))}
    return [{"id": sl.id, "account_id": sl.account_id, "name": sl.name, "kind": sl.kind,
             "entries": entries.get(sl.id, 0), "campaign_ids": campaigns[sl.id],
             "on_demand": sl.id in on_demand} for sl in lists]


def _name_free(account_id: int, name: str, list_id: int | None = None) -> None:
    query = SuppressionList.select().where((SuppressionList.account == account_id)
                                           & (SuppressionList.name == name))
    if list_id is not None:
        query = query.where(SuppressionList.id != list_id)
    if query.exists():
        raise ConflictError("name", f"a suppression list named {name!r} exists")


@transaction
@audited("suppression_list", target=None)
def create_list(account_id: int, /, *, name: Any, kind: Any) -> dict:
    account = Account.get_by_id(account_id)
    name = text("name", name)
    if kind not in KINDS:
        raise FieldError("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    _name_free(account.id, name)
    return list_dict(SuppressionList.create(account=account, name=name, kind=kind))


@transaction
def list_lists(account_id: int, visible: frozenset[int] | None = None) -> list[dict]:
    """The account's lists; with `visible`, not those attached to another campaign."""
    Account.get_by_id(account_id)
    query = SuppressionList.select().where(SuppressionList.account == account_id)
    if visible is not None:
        hidden = CampaignSuppression.select(CampaignSuppression.suppression_list).where(
            CampaignSuppression.campaign.not_in(sorted(visible) or [0]))
        query = query.where(SuppressionList.id.not_in(hidden))
    return list_dicts(list(query.order_by(SuppressionList.name)))


@transaction
def get_list(list_id: int) -> dict:
    return list_dict(SuppressionList.get_by_id(list_id))


@transaction
@audited("suppression_list")
def rename_list(list_id: int, /, **values: Any) -> dict:
    """Only the name changes: a list's kind decides how its entries were normalised."""
    reject_unknown(values, ("name",))
    sl = SuppressionList.get_by_id(list_id)
    name = text("name", values.get("name"))
    _name_free(sl.account_id, name, sl.id)
    sl.name = name
    sl.save()
    return list_dict(sl)


@transaction
@audited("suppression_list")
def delete_list(list_id: int) -> dict:
    """Refused while linked: silently un-suppressing a running campaign must be explicit."""
    sl = SuppressionList.get_by_id(list_id)
    info = list_dict(sl)
    if info["campaign_ids"] or info["on_demand"]:
        raise ConflictError("id", "the list is linked to campaigns or the on-demand strategy: "
                                  "detach it first")
    SuppressionEntry.delete().where(SuppressionEntry.suppression_list == list_id).execute()
    sl.delete_instance()
    return {"id": list_id, "deleted": True}


def _region(sl: SuppressionList, default_region: Any) -> str:
    given = region("default_region", default_region, nullable=True)
    if given:
        return given
    number = sl.account.company_number
    return region_of(number) if number else "US"


def _values(values: Any) -> list:
    if not isinstance(values, list) or not values:
        raise FieldError("values", "must be a non-empty list")
    if len(values) > MAX_VALUES:
        raise FieldError("values", f"at most {MAX_VALUES} values per request")
    return values


def _clean_value(sl: SuppressionList, raw: Any, region: str) -> str:
    """The value as stored (E.164 for devices); PhoneError/FieldError if unusable."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 255:
        raise FieldError("values", "not a non-empty string of at most 255 characters")
    return normalise(raw, region) if sl.kind == "device" else raw.strip()


@transaction
@audited("suppression_list")
def add_entries(list_id: int, values: Any, default_region: str | None = None) -> dict:
    """Add numbers (national ones read in `default_region`, else the account's) or client
    ids. Bad values are reported by position and the good ones kept; repeats are counted."""
    sl = SuppressionList.get_by_id(list_id)
    region = _region(sl, default_region)
    added = already = 0
    errors = []
    for i, raw in enumerate(_values(values)):
        try:
            value = _clean_value(sl, raw, region)
        except PhoneError as exc:
            errors.append({"index": i, "value": raw, "reason": exc.reason})
            continue
        except FieldError as exc:
            errors.append({"index": i, "value": raw, "reason": str(exc)})
            continue
        _, created = SuppressionEntry.get_or_create(suppression_list=sl, value=value)
        added, already = added + created, already + (not created)
    return {"list_id": sl.id, "added": added, "already_listed": already, "errors": errors}


@transaction
@audited("suppression_list")
def remove_entries(list_id: int, values: Any, default_region: str | None = None) -> dict:
    sl = SuppressionList.get_by_id(list_id)
    region = _region(sl, default_region)
    clean = set()
    for raw in _values(values):
        try:
            clean.add(_clean_value(sl, raw, region))
        except (PhoneError, FieldError):
            continue  # cannot be on the list
    removed = (SuppressionEntry.delete()
               .where((SuppressionEntry.suppression_list == sl.id)
                      & SuppressionEntry.value.in_(sorted(clean))).execute()) if clean else 0
    return {"list_id": sl.id, "removed": removed}


@transaction
def list_entries(list_id: int, *, limit: int = 1000, offset: int = 0) -> dict:
    sl = SuppressionList.get_by_id(list_id)
    query = (SuppressionEntry.select(SuppressionEntry.value)
             .where(SuppressionEntry.suppression_list == sl.id).order_by(SuppressionEntry.value))
    return {"list_id": sl.id, "total": query.count(),
            "values": [v for (v,) in tuples(query.limit(limit).offset(offset))]}


def _same_account(sl: SuppressionList, account_id: int, what: str) -> None:
    if sl.account_id != account_id:
        raise FieldError("list_id", f"the list belongs to another account than the {what}")


@transaction
@audited("campaign", target=lambda args, kwargs: args[1])
def attach_to_campaign(list_id: int, campaign_id: int) -> dict:
    sl, campaign = SuppressionList.get_by_id(list_id), Campaign.get_by_id(campaign_id)
    _same_account(sl, campaign.account_id, "campaign")
    CampaignSuppression.get_or_create(campaign=campaign, suppression_list=sl)
    return list_dict(sl)


@transaction
@audited("campaign", target=lambda args, kwargs: args[1])
def detach_from_campaign(list_id: int, campaign_id: int) -> dict:
    sl = SuppressionList.get_by_id(list_id)
    CampaignSuppression.delete().where((CampaignSuppression.campaign == campaign_id)
                                       & (CampaignSuppression.suppression_list == sl.id)
                                       ).execute()
    return list_dict(sl)


@transaction
def attach_to_strategy(list_id: int, account_id: int | None = None) -> dict:
    """Apply the list to its account's on-demand strategy (followups, manual dials);
    `account_id`, when given, must be the list's."""
    sl = SuppressionList.get_by_id(list_id)
    if account_id is not None:
        _same_account(sl, account_id, "strategy")
    StrategySuppression.get_or_create(strategy=on_demand_strategy(sl.account_id),
                                      suppression_list=sl)
    return list_dict(sl)


@transaction
def detach_from_strategy(list_id: int, account_id: int | None = None) -> dict:
    sl = SuppressionList.get_by_id(list_id)
    if account_id is not None:
        _same_account(sl, account_id, "strategy")
    StrategySuppression.delete().where(StrategySuppression.suppression_list == sl.id).execute()
    return list_dict(sl)


def _hits(links, kind: str, values: Iterable[str]) -> dict[str, str]:
    """value -> list name, for the entries among `values` on lists selected by `links`."""
    values = [v for v in values if v]
    if not values:
        return {}
    query = (SuppressionEntry.select(SuppressionEntry.value, SuppressionList.name)
             .join(SuppressionList)
             .where(SuppressionList.id.in_(links) & (SuppressionList.kind == kind)
                    & SuppressionEntry.value.in_(values))
             .order_by(SuppressionList.name))
    hits: dict[str, str] = {}
    for value, name in tuples(query):
        hits.setdefault(value, name)
    return hits


@transaction
def is_suppressed(*, phones: Iterable[str] = (), client_id: str | None = None,
                  campaign_id: int | None = None, account_id: int | None = None) -> str | None:
    """Why these numbers / this client id may not be called, or None.

    Lists applied to campaign `campaign_id`, or (with `account_id`) to that account's
    on-demand strategy: followups and manual dials. Exactly one of the two.
    """
    if (campaign_id is None) == (account_id is None):
        raise TypeError("give exactly one of campaign_id and account_id")
    links: pw.ModelSelect[Any]
    if campaign_id is not None:
        links = (CampaignSuppression.select(CampaignSuppression.suppression_list)
                 .where(CampaignSuppression.campaign == campaign_id))
    else:
        links = (StrategySuppression.select(StrategySuppression.suppression_list)
                 .join(OnDemandStrategy).where(OnDemandStrategy.account == account_id))
    phones = list(phones)
    return suppression_reason(phones=phones, client_id=client_id,
                              devices=_hits(links, "device", phones),
                              client_ids=_hits(links, "client_id", [client_id or ""]))


@transaction
def check_suppression(account_id: int, *, phone: Any = None, client_id: Any = None,
                      campaign_id: int | None = None) -> dict:
    """For people: is this number (national ones read in the account's region) or client
    id suppressed, in campaign `campaign_id` or else for followups and manual dials?"""
    account = Account.get_by_id(account_id)
    if phone is None and client_id is None:
        raise FieldError("phone", "give phone or client_id")
    phones = []
    if phone is not None:
        region = region_of(account.company_number) if account.company_number else "US"
        try:
            phones = [normalise(text("phone", phone, max_length=64), region)]
        except PhoneError as exc:
            raise FieldError("phone", exc.reason) from None
    if campaign_id is not None:
        Campaign.get((Campaign.id == campaign_id) & (Campaign.account == account.id))
    reason = is_suppressed(phones=phones, client_id=client_id,
                           **({"campaign_id": campaign_id} if campaign_id is not None
                              else {"account_id": account.id}))
    return {"phone": phones[0] if phones else None, "client_id": client_id,
            "campaign_id": campaign_id, "suppressed": reason is not None, "reason": reason}
