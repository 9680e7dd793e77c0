"""Pure decisions of an outbound attempt: what a hang-up cause means, what to do with an
AMD verdict (which agent takes a call and how many lines to open: outbound.sharing).

The runtime feeds these with ARI events and the agent registry and executes the answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Q.850 causes seen when a call never reached Stasis.
_CAUSE_OUTCOMES = {
    17: "busy",             # user busy
    18: "no_answer",        # no user responding
    19: "no_answer",        # no answer from user (alerted)
    21: "failed",           # call rejected
    34: "congestion",       # no circuit available
    38: "congestion",       # network out of order
    41: "congestion",       # temporary failure
    42: "congestion",       # switching equipment congestion
    1: "failed",            # unallocated number
    3: "failed",            # no route to destination
    28: "failed",           # invalid number format
}

# Outcomes after which the contact was reached by a person who got an agent.
CONNECTED_OUTCOMES = frozenset({"human"})
# Every outcome an attempt can end with (the database column is open-ended, this is the set).
OUTCOMES = frozenset({"human", "machine", "busy", "no_answer", "congestion", "failed",
                      "abandoned", "hangup_during_amd", "lost"})

SAFE_HARBOUR_SECONDS = 2.0  # a human must reach an agent within 2 s, else: message, abandon


def outcome_for_unanswered(cause: int | None, *, rang_full_timeout: bool) -> str:
    """Outcome of a call destroyed before it was answered.

    Our own originate timeout cancels the call with cause 16 or 0; that is a no-answer.
    """
    if rang_full_timeout and cause in (0, 16, 19, None):
        return "no_answer"
    return _CAUSE_OUTCOMES.get(cause or 0, "failed")


@dataclass(frozen=True)
class AmdAction:
    action: str          # "connect" (to an agent), "hangup", "message" (play, then hang up)
    outcome: str | None  # the attempt's outcome when the action ends the call


def on_amd_verdict(status: str, *, amd_enabled: bool, machine_action: str) -> AmdAction:
    """What to do with a call that entered Stasis from the AMD context.

    NOTSURE counts as a human: a person wrongly sent to voicemail handling is a lost call
    (and under the 2-second rule, an abandon), a machine sent to an agent is a short waste.
    """
    status = status.upper()
    if status == "HANGUP":
        return AmdAction("hangup", "hangup_during_amd")
    if not amd_enabled or status in ("HUMAN", "NOTSURE", "SKIPPED"):
        return AmdAction("connect", None)
    if machine_action == "pass_through":
        return AmdAction("connect", None)
    if machine_action == "message":
        return AmdAction("message", "machine")
    return AmdAction("hangup", "machine")


@dataclass(frozen=True)
class AgentView:
    agent_id: int
    state: str                   # available, on_call, wrap_up, not_ready, logged_out
    state_since: dt.datetime
    groups: frozenset[int]
    reserved: bool = False       # a call is already on its way to this agent
