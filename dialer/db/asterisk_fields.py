"""Checks on the values users type that Asterisk will dial or play, as FieldErrors.

Endpoints are checked here for their form only: whether one exists on the PBX and is not a
trunk is asked of Asterisk by the web layer (`dialer.web.pbx_checks`) before storing.
Phone numbers get the checks of campaign calls: a training plan never reaches a trunk, the
plan's international rule, the account's on-demand suppression lists.
"""

from __future__ import annotations

from typing import Any

from ..core.asterisk_input import UnsafeValue, parse_endpoint, prompt_name
from ..prompts.model import uploaded_id
from ..core.phones import PhoneError, is_international, normalise, region_of
from .models import Account
from .suppression import is_suppressed
from .validation import ConflictError, FieldError, text


def prompt(field: str, value: Any, *, nullable: bool = False) -> str | None:
    """A message's form: "prompt:<id>", or a sound name (the legacy "sound:name" is stored as
    "name"). Whose prompt, and which sounds, is dialer.prompts.store.check_references'."""
    raw = text(field, value, nullable=nullable, max_length=200)
    if raw is None or uploaded_id(raw) is not None:
        return raw
    try:
        return prompt_name(raw)
    except UnsafeValue as exc:
        raise FieldError(field, exc.reason) from None


def endpoint(field: str, value: Any, *, nullable: bool = False) -> str | None:
    """A desk phone's endpoint, stored as "PJSIP/<name>"."""
    raw = text(field, value, nullable=nullable, max_length=200)
    if raw is None:
        return None
    try:
        return parse_endpoint(raw).dial_string
    except UnsafeValue as exc:
        raise FieldError(field, exc.reason) from None


def home_region(account: Account) -> str:
    return region_of(account.company_number) if account.company_number else "US"


def phone(field: str, value: Any, account: Account, *, nullable: bool = False) -> str | None:
    """A number the dialer will ring for `account`, as E.164, checked like a campaign call."""
    raw = text(field, value, nullable=nullable, max_length=64)
    if raw is None:
        return None
    region = home_region(account)
    try:
        number = normalise(raw, region)
    except PhoneError as exc:
        raise FieldError(field, exc.reason) from None
    plan = account.plan  # none: the defaults of campaign calls (no international)
    if plan is not None and plan.training:
        raise FieldError(field, "a training plan never calls out through the trunk: give a "
                                "desk phone endpoint")
    if not (plan and plan.international_allowed) and is_international(number, region):
        raise FieldError(field, f"{number} is outside {region} and the plan does not allow "
                                "international calls")
    reason = is_suppressed(phones=[number], account_id=account.id)
    if reason:
        raise ConflictError(field, reason)
    return number
