"""Campaign administration: create (within the plan's limit), change, clone, caller ids, rules.

One transaction per function; plain dicts out; `FieldError`/`ConflictError` name the field.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Callable

import peewee as pw

from ..callerids import store as callerids
from ..compliance.limits import LimitSettings, limit_problems
from ..outbound import amd
from ..core.phones import PhoneError, normalise, region_of
from ..outbound.rules import RuleSpec, rule_problems
from ..core.tz import canonical_zone
from . import asterisk_fields
from ..prompts.store import CAMPAIGN_FIELDS, check_references
from .audit import acts_as_system, audited
from .models import (Account, AgentGroup, CallerIdNumber, Campaign, CampaignContact,
                     CampaignSuppression, Rule, Script)
from .validation import (ConflictError, FieldError, ForbiddenError, boolean, fmt_time, hhmm,
                         integer, iso_date, reject_unknown, text, transaction)

log = logging.getLogger(__name__)
# The AMD classifier's machine threshold a campaign may set: below 0.5 another verdict could
# be more probable; above 0.99 it would almost never call a machine before its cap.
MACHINE_THRESHOLDS = (0.5, 0.99)
PERSON_AFTER_SILENCE = (1.0, 7.0)  # s: within the classifier's 8 s cap


def _amd(name: str, value: Any) -> int | None:
    """A campaign's AMD() setting: null (the shipped default) or a whole number in range."""
    try:
        return amd.check(name, value)
    except ValueError as exc:
        raise FieldError(f"amd_{name}", str(exc)) from None


# field -> checker(value) -> clean value
_CHECKS: dict[str, Callable[[Any], Any]] = {
    "name": lambda v: text("name", v),
    "mode": lambda v: _choice("mode", v, Campaign.mode.values),
    "agent_group_id": lambda v: integer("agent_group_id", v, minimum=1, nullable=True),
    "script_id": lambda v: integer("script_id", v, minimum=1, nullable=True),
    "bcw_seconds": lambda v: integer("bcw_seconds", v),
    "record": lambda v: boolean("record", v),
    "inbound_priority": lambda v: integer("inbound_priority", v),
    "start_date": lambda v: iso_date("start_date", v),
    "end_date": lambda v: iso_date("end_date", v),
    "daily_start": lambda v: hhmm("daily_start", v),
    "daily_stop": lambda v: hhmm("daily_stop", v),
    "timezone": lambda v: _zone("timezone", v),
    "amd_enabled": lambda v: boolean("amd_enabled", v),
    "machine_action": lambda v: _choice("machine_action", v, Campaign.machine_action.values),
    "machine_message": lambda v: asterisk_fields.prompt("machine_message", v, nullable=True),
    "safe_harbour_message": lambda v: asterisk_fields.prompt("safe_harbour_message", v),
    "consent_announcement": lambda v: _choice("consent_announcement", v,
                                              Campaign.consent_announcement.values),
    "consent_prompt": lambda v: asterisk_fields.prompt("consent_prompt", v, nullable=True),
    "amd_detector": lambda v: _choice("amd_detector", v, Campaign.amd_detector.values),
    "amd_machine_threshold": lambda v: None if v is None else _number(
        "amd_machine_threshold", v, *MACHINE_THRESHOLDS),
    "amd_words": lambda v: boolean("amd_words", v),
    "amd_person_after_silence": lambda v: None if v is None else _number(
        "amd_person_after_silence", v, *PERSON_AFTER_SILENCE),
    "screening_action": lambda v: _choice("screening_action", v,
                                          Campaign.screening_action.values),
    "screening_message": lambda v: asterisk_fields.prompt("screening_message", v, nullable=True),
    "max_attempts": lambda v: integer("max_attempts", v, minimum=1),
    "dial_first": lambda v: _choice("dial_first", v, Campaign.dial_first.values),
    "ring_timeout_seconds": lambda v: integer("ring_timeout_seconds", v, minimum=1),
    "abandon_target_percent": lambda v: _number("abandon_target_percent", v, 0, 100),
    "abandon_window": lambda v: _choice("abandon_window", v, Campaign.abandon_window.values),
    "max_lines_per_agent": lambda v: _lines_per_agent(v),
    "inbound_service_percent": lambda v: _number("inbound_service_percent", v, 0, 100),
    "inbound_service_seconds": lambda v: integer("inbound_service_seconds", v, minimum=1,
                                                 maximum=3600),
    "regulated": lambda v: boolean("regulated", v),
    "unregulated_reason": lambda v: text("unregulated_reason", v, nullable=True),
    **{f"amd_{name}": functools.partial(_amd, name) for name in amd.PARAMS},
}
# settings a clone copies (everything but identity, status and timestamps)
_COPIED = ("mode", "agent_group", "script", "bcw_seconds", "record", "inbound_priority",
           "start_date", "end_date", "daily_start", "daily_stop", "timezone", "amd_enabled",
           "machine_action", "machine_message", "safe_harbour_message",
           "consent_announcement", "consent_prompt", "amd_detector", "amd_machine_threshold",
           "amd_words", "amd_person_after_silence", "screening_action", "screening_message",
           "max_attempts", "dial_first",
           "ring_timeout_seconds", "abandon_target_percent", "abandon_window",
           "max_lines_per_agent", "inbound_service_percent", "inbound_service_seconds",
           *(f"amd_{name}" for name in amd.PARAMS))


def _choice(field: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise FieldError(field, f"{value!r} is not one of {', '.join(allowed)}")
    return value


def _number(field: str, value: Any, minimum: float, maximum: float) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
        raise FieldError(field, "must be a number")
    if not minimum <= value <= maximum:
        raise FieldError(field, f"must be between {minimum:g} and {maximum:g}")
    return float(value)


def _lines_per_agent(value: Any) -> float:
    """An operator's cap on calls in flight per agent: 0 (none: the learned rates and the
    line limit decide), or 1 to 20."""
    if value == 0 and not isinstance(value, bool):
        return 0.0
    return _number("max_lines_per_agent", value, 1, 20)


def amd_overrides(c: Campaign) -> dict:
    """{param: value or None} of a campaign's own AMD settings."""
    return {name: getattr(c, f"amd_{name}") for name in amd.PARAMS}


def _zone(field: str, value: Any) -> str | None:
    if value is None:
        return None
    zone = canonical_zone(value) if isinstance(value, str) else None
    if zone is None:
        raise FieldError(field, f"{value!r} is not an IANA time zone (e.g. Europe/Paris)")
    return zone


def campaign_dict(c: Campaign) -> dict:
    return {
        "id": c.id, "account_id": c.account_id, "name": c.name, "mode": c.mode,
        "status": c.status, "agent_group_id": c.agent_group_id, "script_id": c.script_id,
        "bcw_seconds": c.bcw_seconds, "record": c.record,
        "inbound_priority": c.inbound_priority,
        "start_date": c.start_date.isoformat() if c.start_date else None,
        "end_date": c.end_date.isoformat() if c.end_date else None,
        "daily_start": fmt_time(c.daily_start), "daily_stop": fmt_time(c.daily_stop),
        "timezone": c.timezone, "amd_enabled": c.amd_enabled,
        "machine_action": c.machine_action, "machine_message": c.machine_message,
        "safe_harbour_message": c.safe_harbour_message,
        "consent_announcement": c.consent_announcement, "consent_prompt": c.consent_prompt,
        "amd_detector": c.amd_detector, "amd_machine_threshold": c.amd_machine_threshold,
        "amd_words": c.amd_words, "amd_person_after_silence": c.amd_person_after_silence,
        "screening_action": c.screening_action, "screening_message": c.screening_message,
        "max_attempts": c.max_attempts, "dial_first": c.dial_first,
        "ring_timeout_seconds": c.ring_timeout_seconds,
        "abandon_target_percent": c.abandon_target_percent,
        "abandon_window": c.abandon_window, "max_lines_per_agent": c.max_lines_per_agent,
        "inbound_service_percent": c.inbound_service_percent,
        "inbound_service_seconds": c.inbound_service_seconds,
        "regulated": c.regulated, "unregulated_reason": c.unregulated_reason,
        **{f"amd_{name}": value for name, value in amd_overrides(c).items()},
        # what AMD() runs with: the campaign's settings over the shipped defaults
        "amd_effective": amd.settings(amd_overrides(c)),
    }


def _check_limit(account: Account) -> None:
    """The plan's max_unarchived_campaigns: campaigns of the account not archived."""
    plan = account.plan
    limit = plan.max_unarchived_campaigns if plan is not None else None
    if plan is None or limit is None:
        return
    used = (Campaign.select().where((Campaign.account == account.id)
                                    & (Campaign.status != "archived")).count())
    if used >= limit:
        raise ConflictError("max_unarchived_campaigns",
                            f"plan {plan.name!r} allows {limit} unarchived campaign"
                            f"{'s' if limit != 1 else ''} and the account has {used}: "
                            "archive one first")


def limit_settings(c: dict, caller_ids: int = 0) -> LimitSettings:
    """What dialer.compliance.limits looks at, from a campaign's fields (its defaults for
    those not given)."""
    def value(name: str) -> Any:
        return c[name] if name in c else getattr(Campaign, name).default
    return LimitSettings(regulated=value("regulated"), mode=value("mode"),
                         abandon_target_percent=value("abandon_target_percent"),
                         ring_timeout_seconds=value("ring_timeout_seconds"),
                         safe_harbour_message=value("safe_harbour_message"),
                         caller_ids=caller_ids)


def _check_limits(c: dict, changed: dict, campaign_name: str) -> None:
    """The legal limits (400 naming the first field at fault), and the override: only a
    system administrator sets a campaign not regulated, and says why."""
    overriding = {"regulated", "unregulated_reason"} & changed.keys()
    if overriding and not acts_as_system():
        raise ForbiddenError(sorted(overriding)[0],
                             "only a system administrator (manage_system) exempts a campaign "
                             "from the legal limits")
    if not c.get("regulated", True):
        if not c.get("unregulated_reason"):
            raise FieldError("unregulated_reason", "required when regulated is false: say "
                             "why the legal limits do not apply (e.g. internal notifications)")
        if overriding:
            log.warning("campaign %r exempt from the legal limits: %s", campaign_name,
                        c["unregulated_reason"])
    problems = limit_problems(limit_settings(c), starting=False)
    if problems:
        raise FieldError(problems[0].field, problems[0].message)


def _check_consistency(account: Account, c: dict) -> None:
    if c.get("agent_group_id") is not None and not AgentGroup.select().where(
            (AgentGroup.id == c["agent_group_id"]) & (AgentGroup.account == account.id)).exists():
        raise FieldError("agent_group_id", "no such agent group in this account")
    if c.get("script_id") is not None and not Script.select().where(
            (Script.id == c["script_id"]) & (Script.account == account.id)).exists():
        raise FieldError("script_id", "no such script in this account")
    if c.get("machine_action") == "message" and not c.get("machine_message"):
        raise FieldError("machine_message", "required when machine_action is message")
    if c.get("screening_action") == "announce" and not c.get("screening_message"):
        raise FieldError("screening_message", "required when screening_action is announce: "
                         "the prompt that says who calls and why")
    if c.get("start_date") and c.get("end_date") and c["end_date"] < c["start_date"]:
        raise FieldError("end_date", "is before start_date")
    if (c.get("daily_start") is None) != (c.get("daily_stop") is None):
        missing = "daily_stop" if c.get("daily_stop") is None else "daily_start"
        raise FieldError(missing, "daily_start and daily_stop are set together (or neither)")


@transaction
@audited("campaign", target=None)
def create_campaign(account_id: int, /, **fields: Any) -> dict:
    """A draft campaign. Fields: see `_CHECKS` (dates YYYY-MM-DD, times HH:MM)."""
    account = Account.get_by_id(account_id)
    reject_unknown(fields, _CHECKS)
    if "name" not in fields:
        raise FieldError("name", "required")
    clean = {name: _CHECKS[name](value) for name, value in fields.items()}
    check_references(account.id, {f: clean[f] for f in CAMPAIGN_FIELDS if f in clean})
    _check_consistency(account, clean)
    _check_limits(clean, clean, clean["name"])
    _check_limit(account)
    clean["agent_group"] = clean.pop("agent_group_id", None)
    clean["script"] = clean.pop("script_id", None)
    campaign = Campaign.create(account=account, status="draft", **clean)
    return campaign_dict(campaign)


@transaction
@audited("campaign")
def update_campaign(campaign_id: int, /, **fields: Any) -> dict:
    """Change settings of a campaign that is not archived (a running one takes them at its
    next tick). Fields: see `_CHECKS`; the result must be as consistent as a new one."""
    campaign = _editable(campaign_id)
    reject_unknown(fields, _CHECKS)
    clean = {name: _CHECKS[name](value) for name, value in fields.items()}
    merged = {name: getattr(campaign, name) for name in _CHECKS} | clean
    # a message stored before migration 028 (any sound name) may be sent back unchanged
    check_references(campaign.account_id, {f: clean[f] for f in CAMPAIGN_FIELDS
                                           if f in clean and clean[f] != getattr(campaign, f)})
    _check_consistency(campaign.account, merged)
    _check_limits(merged, clean, campaign.name)
    for name, value in clean.items():
        setattr(campaign, name, value)
    campaign.save()
    return campaign_dict(campaign)


@transaction
@audited("campaign", target=None)
def clone_campaign(campaign_id: int, name: str) -> dict:
    """A draft copy: settings, caller ids, rules, suppression lists, and the contacts
    (all waiting, no attempts; contacts a rule deleted from the source are left out)."""
    source = Campaign.get_by_id(campaign_id)
    name = text("name", name)
    _check_limit(source.account)
    # an exemption from the legal limits is a system administrator's to copy
    exemption = ({"regulated": source.regulated, "unregulated_reason": source.unregulated_reason}
                 if acts_as_system() else {})
    _check_limits({f: getattr(source, f) for f in _COPIED} | {"regulated": True} | exemption,
                  {}, name)
    copy = Campaign.create(account=source.account_id, name=name, status="draft", **exemption,
                           **{f: getattr(source, f"{f}_id" if f in ("agent_group", "script")
                                         else f) for f in _COPIED})
    for number in source.caller_ids.order_by(CallerIdNumber.id):
        CallerIdNumber.create(campaign=copy, number=number.number)
    for rule in source.rules.order_by(Rule.position, Rule.id):
        Rule.create(campaign=copy, position=rule.position, condition=rule.condition,
                    action=rule.action, params=rule.params)
    for link in source.suppressions:
        CampaignSuppression.create(campaign=copy, suppression_list=link.list_id)  # column_name="list_id"
    # INSERT ... SELECT applies no Python defaults: give the fresh state explicitly.
    contacts = (CampaignContact.select(pw.Value(copy.id), CampaignContact.contact,
                                       pw.Value("waiting"), pw.Value(0), pw.Value(""))
                .where((CampaignContact.campaign == source.id)
                       & (CampaignContact.state != "deleted"))
                .order_by(CampaignContact.id))
    CampaignContact.insert_from(contacts, [
        CampaignContact.campaign, CampaignContact.contact, CampaignContact.state,
        CampaignContact.attempts, CampaignContact.dial_prefix]).execute()
    return campaign_dict(copy) | {
        "cloned_from": source.id,
        "caller_ids": copy.caller_ids.count(), "rules": copy.rules.count(),
        "suppression_lists": copy.suppressions.count(), "contacts": copy.contacts.count()}


def _editable(campaign_id: int) -> Campaign:
    campaign = Campaign.get_by_id(campaign_id)
    if campaign.status == "archived":
        raise ConflictError("status", "an archived campaign cannot be changed")
    return campaign


@transaction
@audited("campaign")
def add_caller_id(campaign_id: int, number: str) -> dict:
    """Add a caller id; national numbers are read in the account's own country."""
    campaign = _editable(campaign_id)
    company = campaign.account.company_number
    try:
        e164 = normalise(text("number", number, max_length=32),
                         region_of(company) if company else "US")
    except PhoneError as exc:
        raise FieldError("number", f"{number!r}: {exc.reason}") from None
    if CallerIdNumber.select().where((CallerIdNumber.campaign == campaign.id)
                                     & (CallerIdNumber.number == e164)).exists():
        raise ConflictError("number", f"{e164} is already a caller id of this campaign")
    row = CallerIdNumber.create(campaign=campaign, number=e164)
    return {"id": row.id, "campaign_id": campaign.id, "number": e164}


def numbers_presented(campaign: Campaign) -> int:
    """The caller ids a campaign may present: its own and its pools' (none: it may not run)."""
    return campaign.caller_ids.count() + callerids.pool_size(campaign.id, campaign.account_id)


@transaction
@audited("campaign")
def remove_caller_id(campaign_id: int, caller_id_id: int) -> dict | None:
    """Take a number off the campaign's caller ids (None: the campaign has no such one).
    A running campaign keeps at least one number to present, its own or its pools'."""
    campaign = _editable(campaign_id)
    row = CallerIdNumber.get_or_none((CallerIdNumber.id == caller_id_id)
                                     & (CallerIdNumber.campaign == campaign.id))
    if row is None:
        return None
    if campaign.status == "running" and numbers_presented(campaign) == 1:
        raise ConflictError("caller_id_id", f"{row.number} is the running campaign's only caller id: "
                            "add another first, or suspend the campaign")
    row.delete_instance()
    return {"deleted": True, "caller_id": {"id": row.id, "campaign_id": campaign.id, "number": row.number}}


def _problem_field(problem: str) -> str:
    for field in ("condition", "action"):
        if field in problem:
            return field
    return "params"


@transaction
@audited("campaign")
def add_rule(campaign_id: int, *, action: Any, condition: Any = None, params: Any = None,
             position: Any = None) -> dict:
    """Append a rule (or insert it at `position`); refused if `rule_problems` finds any."""
    campaign = _editable(campaign_id)
    condition = {} if condition is None else condition
    params = {} if params is None else params
    if not isinstance(action, str):
        raise FieldError("action", "must be a string")
    if not isinstance(params, dict):
        raise FieldError("params", "must be an object")
    problems = rule_problems(RuleSpec(0, condition, action, params))
    if problems:
        raise FieldError(_problem_field(problems[0]), "; ".join(problems))
    if position is None:
        last = Rule.select(pw.fn.MAX(Rule.position)).where(Rule.campaign == campaign.id).scalar()
        position = 0 if last is None else last + 1
    position = integer("position", position)
    row = Rule.create(campaign=campaign, position=position, condition=condition,
                      action=action, params=params)
    return {"id": row.id, "campaign_id": campaign.id, "position": position,
            "condition": condition, "action": action, "params": params}


def list_campaigns(account_id: int, status: str | None,
                   visible: Callable[[int], bool]) -> list[dict]:
    """The account's campaigns `visible` shows (a caller's profile), of `status` if given."""
    query = Campaign.select().where(Campaign.account == account_id).order_by(Campaign.id)
    if status:
        query = query.where(Campaign.status == status)
    return [campaign_dict(c) for c in query if visible(c.id)]


def get_campaign(campaign_id: int) -> dict:
    return campaign_dict(Campaign.get_by_id(campaign_id))
