"""Do-not-call lists as the API and the CLI see them: create, read, delete, check a number,
the account's internal list, a campaign's freshness limit. One transaction per function
(run them through `Store.run`); typed records out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..db.audit import audited
from ..core.phones import PhoneError, normalise, region_of
from ..db.models import Account, Campaign
from ..db.validation import FieldError, boolean, integer, iso_date, region, text
from .decisions import hit_reason, is_do_not_call
from ..db.models.dnc import FORMATS, SCOPES, DncCampaignSetting, DncList, DncNumber
from .parsers import e164_digits
from .store import first_phones, listed, max_age_days

INTERNAL = "internal"  # the account's own list: dispositions and rule actions add to it


@dataclass(frozen=True)
class ListInfo:
    id: int
    name: str
    source: str
    format: str
    scope: str
    account_id: int | None
    campaign_id: int | None
    registry: bool
    default_region: str
    as_of: str | None
    count: int
    status: str
    lines_read: int
    bad_lines: int
    errors: tuple[dict, ...]


def info(d: DncList) -> ListInfo:
    return ListInfo(d.id, d.name, d.source, d.format, d.scope, d.account_id, d.campaign_id,
                    d.registry, d.default_region, d.as_of.isoformat() if d.as_of else None,
                    d.count, d.status, d.lines_read, d.bad_lines, tuple(d.errors))


def _choice(field: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise FieldError(field, f"must be one of {', '.join(choices)}")
    return value


@audited("dnc_list", target=None)
def create_list(*, name: Any = None, scope: Any = None, format: Any = None, source: Any = None,
                account_id: Any = None, campaign_id: Any = None, as_of: Any = None,
                default_region: Any = None, registry: Any = None) -> ListInfo:
    """A new empty list. The caller has checked it may create one of this scope there.
    `registry` (default: for the us and uk formats) lists go stale (freshness limit)."""
    scope = _choice("scope", scope, SCOPES)
    fmt = _choice("format", format, tuple(f for f in FORMATS if f != INTERNAL))
    account = campaign = None
    if scope == "campaign":
        campaign = Campaign.get_or_none(Campaign.id == campaign_id)
        if campaign is None:
            raise FieldError("campaign_id", "no such campaign")
        account = campaign.account
    elif scope == "account":
        account = Account.get_or_none(Account.id == account_id)
        if account is None:
            raise FieldError("account_id", "no such account")
    home = region_of(account.company_number) if account and account.company_number else "US"
    return info(DncList.create(
        name=text("name", name), source=text("source", source or name), format=fmt,
        scope=scope, account=account, campaign=campaign, as_of=iso_date("as_of", as_of),
        registry=fmt in ("us", "uk") if registry is None else boolean("registry", registry),
        default_region={"uk": "GB", "us": "US"}.get(fmt) or region(
            "default_region", default_region, nullable=True) or home))


def visible_lists(account_id: int, system: bool) -> list[ListInfo]:
    """The lists a caller sees: their account's (and its campaigns'); system callers all."""
    query = DncList.select().order_by(DncList.id)
    if not system:
        query = query.where(DncList.account == account_id)
    return [info(d) for d in query]


def get_list(list_id: int) -> ListInfo:
    return info(DncList.get_by_id(list_id))


@audited("dnc_list")
def delete_list(list_id: int) -> dict:
    DncNumber.delete().where(DncNumber.dnc_list == list_id).execute()
    DncList.delete_by_id(list_id)
    return {"id": list_id, "deleted": True}


@dataclass(frozen=True)
class Check:
    phone: str
    campaign_id: int | None
    listed: bool
    reason: str | None


def check_number(account_id: int, phone: Any, campaign_id: int | None = None) -> Check:
    """Is the number on a list applying to the campaign (else to any of the account's
    campaigns: its own and the system lists)? National numbers are read in its region."""
    account = Account.get_by_id(account_id)
    home = region_of(account.company_number) if account.company_number else "US"
    try:
        e164 = normalise(text("phone", phone, max_length=64), home)
    except PhoneError as exc:
        raise FieldError("phone", exc.reason) from None
    hit = listed(campaign_id, [e164], account_id=account_id).get(e164)
    return Check(e164, campaign_id, hit is not None, hit_reason(hit) if hit else None)


def add_to_internal(account_id: int, phone: str) -> bool:
    """Put an E.164 number on the account's internal list (made on first use) at once: in
    the database, so every node sees it at its next claim. True if it was not there."""
    dnc, _ = DncList.get_or_create(
        account=account_id, scope="account", format=INTERNAL,
        defaults={"name": "internal do-not-call", "source": "dispositions and rules",
                  "registry": False, "status": "ready"})
    number = e164_digits(phone)
    if DncNumber.select().where((DncNumber.dnc_list == dnc.id)
                                & (DncNumber.number == number)).exists():
        return False
    DncNumber.insert(dnc_list=dnc.id, number=number).on_conflict_ignore().execute()
    DncList.update(count=DncList.count + 1).where(DncList.id == dnc.id).execute()
    return True


@audited("campaign")
def set_max_age(campaign_id: int, days: Any) -> dict:
    days = integer("max_age_days", days, minimum=1, maximum=3650)
    DncCampaignSetting.insert(campaign=campaign_id, max_age_days=days).on_conflict(
        conflict_target=[DncCampaignSetting.campaign],
        update={DncCampaignSetting.max_age_days: days}).execute()
    return {"campaign_id": campaign_id, "max_age_days": max_age_days(campaign_id)}


def on_disposition(account_id: int, contact_id: int, disposition: str | None, *,
                   means_do_not_call: bool = False) -> bool:
    """A "do not call" disposition (so named, or so meant by its script) lists the contact's
    number at once; True if it did."""
    return ((means_do_not_call or is_do_not_call(disposition))
            and list_contact(account_id, contact_id))


def list_contact(account_id: int, contact_id: int) -> bool:
    """The contact's dialled number on the account's internal list (a disposition, a
    rule's do_not_call action); True if it was not there."""
    phone = first_phones([contact_id]).get(contact_id)
    return phone is not None and add_to_internal(account_id, phone)
