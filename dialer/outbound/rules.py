"""What happens to a contact after an attempt: the campaign's rules, then the defaults.

Rules are data the campaign owner edits (stored as `Rule` rows), so `decide` never trusts
them: a malformed rule is skipped rather than half-applied (a typo in a condition must not
widen a `delete_contact` to every call). `rule_problems` says what is wrong, for the API.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Iterable, Mapping

DEFAULT_RETRY_MINUTES = 60  # not connected, no rule matched: try again in an hour
DEFAULT_PREFIX_RETRY_MINUTES = 0  # add_prefix: the number failed to route, retry at once
_PREFIX_RE = re.compile(r"^[0-9*#]{1,16}$")


class Outcome(StrEnum):
    """How an attempt ended. Open-ended: `decide` accepts any string."""

    HUMAN = "human"
    MACHINE = "machine"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
    CONGESTION = "congestion"
    ABANDONED = "abandoned"
    HANGUP_DURING_AMD = "hangup_during_amd"


class Action(StrEnum):
    CALL_AGAIN = "call_again"
    DELETE_CONTACT = "delete_contact"
    ADD_PREFIX = "add_prefix"
    COMPLETE = "complete"
    DO_NOT_CALL = "do_not_call"  # the number goes on the account's internal do-not-call list


_ACTIONS = frozenset(a.value for a in Action)


@dataclass(frozen=True)
class RuleSpec:
    """One `Rule` row. Condition keys (all optional, ANDed): connected, outcomes,
    agent_results, attempts_lt, attempts_gte. An empty condition matches every attempt."""

    position: int
    condition: Mapping[str, Any] = field(default_factory=dict)
    action: str = Action.COMPLETE
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """The contact's next state. `prefix` is dialled before the number on the next attempt."""

    state: str  # "rescheduled" | "completed" | "failed" | "deleted"
    next_attempt_at: dt.datetime | None = None
    prefix: str | None = None
    rule_position: int | None = None
    do_not_call: bool = False  # list the number on the account's internal list


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_str_list(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v)


_CONDITION_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "connected": (lambda v: isinstance(v, bool), "must be true or false"),
    "outcomes": (_is_str_list, "must be a list of outcomes"),
    "agent_results": (_is_str_list, "must be a list of dispositions"),
    "attempts_lt": (_is_int, "must be an integer"),
    "attempts_gte": (_is_int, "must be an integer"),
}


def _minutes_ok(params: Mapping[str, Any]) -> bool:
    v = params.get("after_minutes", 0)
    return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 525_600


def rule_problems(rule: RuleSpec) -> tuple[str, ...]:
    """Why a rule is unusable (empty if it is fine); `decide` skips such rules."""
    problems = []
    if not isinstance(rule.condition, Mapping):
        return ("condition must be an object",)
    for key, value in rule.condition.items():
        known = _CONDITION_CHECKS.get(key)
        if known is None:
            problems.append(f"unknown condition {key!r}")
        elif not known[0](value):
            problems.append(f"condition {key!r} {known[1]}")
    if rule.action not in _ACTIONS:
        problems.append(f"unknown action {rule.action!r}")
    params = rule.params if isinstance(rule.params, Mapping) else {}
    if rule.action in (Action.CALL_AGAIN, Action.ADD_PREFIX) and not _minutes_ok(params):
        problems.append("after_minutes must be a number of minutes from 0 to 525600")
    if rule.action == Action.ADD_PREFIX and not _PREFIX_RE.match(str(params.get("prefix", ""))):
        problems.append("prefix must be 1 to 16 digits, * or #")
    return tuple(problems)


def matches(condition: Mapping[str, Any], *, outcome: str, connected: bool,
            disposition: str | None, attempts: int) -> bool:
    c = condition
    return (("connected" not in c or c["connected"] == connected)
            and ("outcomes" not in c or str(outcome) in c["outcomes"])
            and ("agent_results" not in c or disposition in c["agent_results"])
            and ("attempts_lt" not in c or attempts < c["attempts_lt"])
            and ("attempts_gte" not in c or attempts >= c["attempts_gte"]))


def decide(rules: Iterable[RuleSpec], *, outcome: str, connected: bool,
           disposition: str | None, attempts: int, max_attempts: int,
           now: dt.datetime) -> Decision:
    """The contact's fate after an attempt; the first matching valid rule by position wins.

    `connected`: the callee reached an agent (a human bridged, or a machine passed through);
    `attempts` counts attempts made, this one included. Without a matching rule: connected
    -> completed; otherwise rescheduled in an hour until `max_attempts`, then failed.
    Retries (call_again, add_prefix) never go past `max_attempts`: they become failed.
    """
    for rule in sorted(rules, key=lambda r: r.position):  # stable: ties keep list order
        if rule_problems(rule) or not matches(rule.condition, outcome=outcome,
                                              connected=connected, disposition=disposition,
                                              attempts=attempts):
            continue
        return _apply(rule, attempts=attempts, max_attempts=max_attempts, now=now)
    if connected:
        return Decision("completed")
    return _retry(DEFAULT_RETRY_MINUTES, None, None, attempts, max_attempts, now)


def _apply(rule: RuleSpec, *, attempts: int, max_attempts: int, now: dt.datetime) -> Decision:
    if rule.action == Action.COMPLETE:
        return Decision("completed", rule_position=rule.position)
    if rule.action == Action.DELETE_CONTACT:
        return Decision("deleted", rule_position=rule.position)
    if rule.action == Action.DO_NOT_CALL:
        return Decision("failed", rule_position=rule.position, do_not_call=True)
    if rule.action == Action.ADD_PREFIX:
        minutes = rule.params.get("after_minutes", DEFAULT_PREFIX_RETRY_MINUTES)
        return _retry(minutes, str(rule.params["prefix"]), rule.position, attempts,
                      max_attempts, now)
    minutes = rule.params.get("after_minutes", DEFAULT_RETRY_MINUTES)
    return _retry(minutes, None, rule.position, attempts, max_attempts, now)


def _retry(minutes: float, prefix: str | None, position: int | None, attempts: int,
           max_attempts: int, now: dt.datetime) -> Decision:
    if attempts >= max_attempts:
        return Decision("failed", rule_position=position)
    return Decision("rescheduled", now + dt.timedelta(minutes=minutes), prefix, position)
