"""Who rings, in what order, for a call to the company number: a list of steps, each a set
of targets rung together for at most `seconds`. Targets are desk-phone endpoints
("PJSIP/alice") or E.164 numbers (dialled like campaign calls: core.asterisk_input).

- default: the account's phone, or, with "route to assigned user", the known caller's
  assigned user (when that user has a phone);
- ordered: each active user in turn, for the ring time, then the next;
- simultaneous: every active user at once, the first to accept wins;
- forward number: that number, whatever the strategy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class RingStep:
    targets: tuple[str, ...]
    seconds: int


STATUS_PROMPT = "pls-hold-while-try"  # the shipped status message


@dataclass(frozen=True)
class RingPlan:
    """What to do with a call to the company number (an action-plan call rings the same
    way, `caller` then being the contact to reach)."""

    account_id: int
    company_number: str | None
    caller: str
    contact_id: int | None
    contact_name: str | None
    caller_id_mode: str          # "caller" or "company": the number rung users see
    pass_through: bool           # connect at answer, no accept prompt
    forwarded: bool              # ringing the group's forward number
    status_message: bool         # the caller hears a status message before the music
    steps: tuple[RingStep, ...]
    training: bool               # numbers are simulated in [dialer-training]
    agents: tuple[tuple[str, int], ...] = ()  # target -> agent id, for users who are agents
    # the status message, and what a rung user hears before who calls (ARI media the store
    # resolved from the ring group's prompt references, dialer.prompts.model.media)
    status_media: str = "sound:" + STATUS_PROMPT
    whisper_media: str | None = None

    @property
    def shown_number(self) -> str | None:
        return self.caller if self.caller_id_mode == "caller" else self.company_number

    def agent_of(self, target: str) -> int | None:
        """The agent whose dialer session rings for `target`, if that user is an agent."""
        return dict(self.agents).get(target)


@dataclass(frozen=True)
class ActionPlan:
    """A due action-plan call: ring the users as `ring` says, then call `ring.caller`."""

    action_call_id: int
    ring: RingPlan


def ring_steps(*, strategy: str, ring_seconds: int, users: list[str],
               default_target: str | None = None, assigned_target: str | None = None,
               forward_number: str | None = None) -> tuple[RingStep, ...]:
    """`users`: the active users' phones in the configured order. Empty: voicemail at once."""
    if forward_number:
        return (RingStep((forward_number,), ring_seconds),)
    if strategy == "ordered":
        return tuple(RingStep((user,), ring_seconds) for user in users)
    if strategy == "simultaneous":
        return (RingStep(tuple(users), ring_seconds),) if users else ()
    target = assigned_target or default_target
    return (RingStep((target,), ring_seconds),) if target else ()


def business_due(due: dt.datetime, zone: str, start: dt.time | None,
                 stop: dt.time | None) -> dt.datetime:
    """`due` (aware), or the next business time after it: Monday to Friday between `start`
    and `stop` in `zone`. Without business hours, `due` as is."""
    if start is None or stop is None:
        return due
    tz = ZoneInfo(zone)
    local = due.astimezone(tz)
    for days in range(8):
        day = local.date() + dt.timedelta(days=days)
        if day.weekday() >= 5:
            continue
        opens = dt.datetime.combine(day, start, tz)
        closes = dt.datetime.combine(day, stop, tz)
        if local < closes:
            return max(local, opens).astimezone(due.tzinfo)
    raise ValueError("no business time within a week")  # unreachable with start < stop
