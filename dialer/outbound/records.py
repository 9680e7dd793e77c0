"""Pure decisions that keep attempt records true when the dialer was not listening: how a
call that ended while it was down is recorded, and how long a claim may wait for its dial.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# A claimed contact not dialled within this time goes back to waiting (any node sweeps).
CLAIM_LEASE = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class CallEnd:
    """How a call ended, as the PBX left it on the agent's leg (DIALER_LAST_CALL, set by
    the [dialer-ended] hangup handler of asterisk-conf/extensions_dialer.conf)."""

    channel_id: str
    ended_at: dt.datetime
    hangup_cause: int | None


def parse_last_call(value: str) -> CallEnd | None:
    """`<channel id> <UTC epoch seconds> <hangup cause>`; None if empty or malformed."""
    parts = value.split()
    if len(parts) != 3:
        return None
    channel_id, epoch, cause = parts
    try:
        ended_at = dt.datetime.fromtimestamp(float(epoch), dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return CallEnd(channel_id, ended_at, int(cause) if cause.isdigit() else None)


@dataclass(frozen=True)
class Recovered:
    """How an attempt the dialer lost track of is closed."""

    outcome: str
    ended_at: dt.datetime
    hangup_cause: int | None
    connected: bool  # the contact spoke to an agent (the rules treat it as reached)


def recovered_outcome(*, bridged_at: dt.datetime | None, end: CallEnd | None,
                      now: dt.datetime) -> Recovered:
    """A call that was with an agent stays a human call (its end from the PBX when known,
    else now: it is still up and hung up now, or ended unseen); only a call that never
    reached an agent is lost."""
    if bridged_at is None:
        return Recovered("lost", now, None, False)
    if end is None:
        return Recovered("human", now, None, True)
    return Recovered("human", end.ended_at, end.hangup_cause, True)


@dataclass(frozen=True)
class Recovery:
    """What a resync's recovery (outbound.store.recover) closed and gave back."""

    lost: tuple[int, ...]       # attempts that never reached an agent, closed as lost
    recovered: tuple[int, ...]  # attempts with an agent that ended unseen, closed as human
    released: int               # claimed contacts and ringing action calls given back
    hang_up: tuple[str, ...]    # closed attempts' channels still up: nobody handles them
