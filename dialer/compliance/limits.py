"""Legal limits a regulated campaign's settings must keep, pure.

The same check refuses a campaign's create or change (a 400 naming the field) and stops a
campaign whose stored settings break a limit (data from before the limits, or changed
outside the API) from dialling, with the reason. A campaign marked not regulated (internal
notification calls...) by a system administrator, with a reason, is exempt.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ABANDON_PERCENT = 3.0  # US TCPA safe harbour and the UK Ofcom limit
MIN_RING_SECONDS = 15      # US TCPA: ring at least 15 s before giving up
# modes where an answered callee may find no agent free (then the safe-harbour message plays)
_PACED_MODES = frozenset({"progressive", "predictive"})


@dataclass(frozen=True)
class LimitSettings:
    """What the limits look at in a campaign."""

    regulated: bool
    mode: str
    abandon_target_percent: float
    ring_timeout_seconds: int
    safe_harbour_message: str | None
    caller_ids: int  # how many caller ids the campaign presents


@dataclass(frozen=True)
class LimitProblem:
    field: str
    message: str


def limit_problems(s: LimitSettings, *, starting: bool) -> tuple[LimitProblem, ...]:
    """The limits `s` breaks, field by field. `starting`: the campaign is to dial (a draft
    may lack caller ids while it is set up; a campaign may not run without one)."""
    if not s.regulated:
        return ()
    problems = []
    if s.abandon_target_percent > MAX_ABANDON_PERCENT:
        problems.append(LimitProblem(
            "abandon_target_percent",
            f"{s.abandon_target_percent:g}% is above the legal limit of "
            f"{MAX_ABANDON_PERCENT:g}% of answered calls"))
    if s.ring_timeout_seconds < MIN_RING_SECONDS:
        problems.append(LimitProblem(
            "ring_timeout_seconds",
            f"{s.ring_timeout_seconds} s is under the legal minimum of {MIN_RING_SECONDS} s"))
    if s.mode in _PACED_MODES and not (s.safe_harbour_message or "").strip():
        problems.append(LimitProblem(
            "safe_harbour_message",
            f"a {s.mode} campaign plays it to a callee no agent can take: required"))
    if starting and s.caller_ids == 0:
        problems.append(LimitProblem("caller_ids", "a campaign dials with a caller id: add one"))
    return tuple(problems)


def blocked_reason(s: LimitSettings) -> str | None:
    """Why a campaign whose stored settings break a limit does not dial, or None. (A
    campaign that runs has had a caller id when it was started: see `limit_problems`.)"""
    problems = limit_problems(s, starting=False)
    if not problems:
        return None
    return "settings break legal limits (fix them to dial): " + "; ".join(
        f"{p.field}: {p.message}" for p in problems)
