"""Service plans: create, update, list, enable/disable. One transaction per function.

A plan in use by an account cannot be disabled (`PlanInUseError`, HTTP 409): move the
accounts to another plan first. NULL limits are unlimited.
"""

from __future__ import annotations

from typing import Any

import peewee as pw

from .audit import audited
from .models import Account, ServicePlan
from .rows import tuples
from .validation import (ConflictError, FieldError, boolean, fmt_time, hhmm, integer,
                         reject_unknown, text, transaction)

LIMITS = ("max_attempts_per_hour", "max_unarchived_campaigns", "max_agent_groups",
          "max_schedule_groups", "max_live_agents_per_group")
FLAGS = ("enabled", "all_day", "international_allowed", "enhanced_agent_groups", "training")
WINDOW = ("window_start", "window_stop")
FIELDS = ("name", *WINDOW, *FLAGS, *LIMITS)


class PlanInUseError(ConflictError):
    """Disabling a plan some account still uses."""


def plan_dict(plan: ServicePlan) -> dict:
    body = {"id": plan.id, "name": plan.name}
    for name in FIELDS[1:]:
        value = getattr(plan, name)
        body[name] = fmt_time(value) if name in WINDOW else value
    return body


def _clean(values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    reject_unknown(values, FIELDS)
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name == "name":
            clean[name] = text(name, value, max_length=255)
        elif name in WINDOW:
            clean[name] = hhmm(name, value)
        elif name in FLAGS:
            clean[name] = boolean(name, value)
        else:
            clean[name] = integer(name, value, minimum=0, nullable=True)
    if creating and "name" not in clean:
        raise FieldError("name", "required")
    return clean


def _check_window(plan: ServicePlan) -> None:
    if (plan.window_start is None) != (plan.window_stop is None):
        missing = "window_stop" if plan.window_stop is None else "window_start"
        raise FieldError(missing, "window_start and window_stop are set together (or neither)")


def _check_name_free(name: str, plan_id: int | None = None) -> None:
    query = ServicePlan.select().where(ServicePlan.name == name)
    if plan_id is not None:
        query = query.where(ServicePlan.id != plan_id)
    if query.exists():
        raise ConflictError("name", f"a plan named {name!r} exists")


def _accounts_using(plan_id: int) -> int:
    return Account.select().where(Account.plan == plan_id).count()


def _refuse_disable(plan: ServicePlan) -> None:
    used = _accounts_using(plan.id)
    if used:
        raise PlanInUseError("enabled", f"plan {plan.name!r} is used by {used} account"
                                        f"{'s' if used != 1 else ''}: move "
                                        f"{'them' if used != 1 else 'it'} to another plan first")


@transaction
@audited("plan", target=None)
def create_plan(**values: Any) -> dict:
    clean = _clean(values, creating=True)
    _check_name_free(clean["name"])
    plan = ServicePlan(**clean)
    _check_window(plan)
    plan.save()
    return plan_dict(plan)


@transaction
@audited("plan")
def update_plan(plan_id: int, /, **values: Any) -> dict:
    """Change some fields; `enabled: false` is refused like `set_plan_enabled`."""
    plan = ServicePlan.get_by_id(plan_id)
    clean = _clean(values, creating=False)
    if "name" in clean:
        _check_name_free(clean["name"], plan.id)
    if clean.get("enabled") is False and plan.enabled:
        _refuse_disable(plan)
    for name, value in clean.items():
        setattr(plan, name, value)
    _check_window(plan)
    plan.save()
    return plan_dict(plan)


@transaction
@audited("plan")
def set_plan_enabled(plan_id: int, enabled: bool) -> dict:
    plan = ServicePlan.get_by_id(plan_id)
    if not boolean("enabled", enabled) and plan.enabled:
        _refuse_disable(plan)
    plan.enabled = enabled
    plan.save()
    return plan_dict(plan)


@transaction
def list_plans(include_disabled: bool = False) -> list[dict]:
    query = ServicePlan.select().order_by(ServicePlan.name)
    if not include_disabled:
        query = query.where(ServicePlan.enabled == True)  # noqa: E712  SQL, not Python
    usage: dict[int, int] = dict(tuples(
        Account.select(Account.plan, pw.fn.COUNT(Account.id)).where(Account.plan.is_null(False))
        .group_by(Account.plan)))
    return [plan_dict(p) | {"accounts": usage.get(p.id, 0)} for p in query]
