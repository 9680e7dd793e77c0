"""The transfer machine's records: the call's own record, its targets and legs, the events
it takes and the effects it returns (dialer.transfers.machine)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class CallKind(enum.Enum):
    ATTEMPT = "attempt"  # a campaign, preview, followup or manual call (dialer/outbound)
    INBOUND = "inbound"  # a call to the company number (dialer/inbound)


@dataclass(frozen=True)
class CallRecord:
    """The row that keeps the call and its legs: an attempt or an inbound call."""
    kind: CallKind
    id: int

    @property
    def tag(self) -> str:
        """In the external legs' channel ids: the attempt's id, "in" + the inbound call's."""
        return str(self.id) if self.kind is CallKind.ATTEMPT else f"in{self.id}"

    def __str__(self) -> str:
        return f"{self.kind.value} {self.id}"


class Mode(enum.Enum):
    BLIND = "blind"
    WARM = "warm"


@dataclass(frozen=True)
class ToAgent:
    """An agent reserved for this call by the shell (picked from `group_id` if a group)."""
    agent_id: int
    group_id: int | None = None


@dataclass(frozen=True)
class ToNumber:
    """An external number, already checked; dialled with the call's caller ID (the
    attempt's; an inbound call's as its ring group shows its own legs, the caller's or the
    company number: store.external_target; a training plan's in [dialer-training], never
    through the trunk)."""
    number: str
    caller_id: str | None
    training: bool = False


Target = ToAgent | ToNumber


@dataclass(frozen=True)
class Leg:
    no: int
    mode: Mode
    target: Target



# ---- events --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hold:
    by: int


@dataclass(frozen=True)
class Resume:
    by: int


@dataclass(frozen=True)
class Transfer:
    by: int
    mode: Mode
    target: Target


@dataclass(frozen=True)
class Complete:
    by: int


@dataclass(frozen=True)
class Cancel:
    by: int


@dataclass(frozen=True)
class Conference:
    by: int


@dataclass(frozen=True)
class Leave:
    by: int


Request = Hold | Resume | Transfer | Complete | Cancel | Conference | Leave


@dataclass(frozen=True)
class TargetAnswered:
    leg_no: int


@dataclass(frozen=True)
class TargetGone:
    """The target cannot be reached, or hung up (an agent target: its phone went)."""
    leg_no: int


@dataclass(frozen=True)
class CustomerGone:
    cause: int | None


@dataclass(frozen=True)
class AgentGone:
    agent_id: int


Event = Request | TargetAnswered | TargetGone | CustomerGone | AgentGone


# ---- effects -------------------------------------------------------------------------------
@dataclass(frozen=True)
class TakeCustomerOut:
    channel: str


@dataclass(frozen=True)
class StartMoh:
    channel: str


@dataclass(frozen=True)
class StopMoh:
    channel: str


@dataclass(frozen=True)
class PutCustomer:
    """Into an agent's bridge (`agent_id`) or the external leg's bridge (`leg_channel`)."""
    channel: str
    agent_id: int | None
    leg_channel: str | None


@dataclass(frozen=True)
class Reach:
    """An external target: originate `channel` (caller ID) into a bridge of its own, then
    TargetAnswered or TargetGone. An agent target: TargetAnswered at once (phone is up)."""
    record: CallRecord
    leg: Leg
    channel: str | None


@dataclass(frozen=True)
class Link:
    """The consultation: `agent_id`'s bridge joined to the target's place."""
    agent_id: int
    target: Target
    leg_channel: str | None


@dataclass(frozen=True)
class Unlink:
    """The target back to its own place (its agent's bridge, the external leg's)."""
    agent_id: int
    target: Target
    leg_channel: str | None


@dataclass(frozen=True)
class Hangup:
    channel: str


@dataclass(frozen=True)
class ReleaseTarget:
    """A reserved target agent never took the call: free again."""
    agent_id: int


@dataclass(frozen=True)
class TargetTakesCall:
    """The target agent now holds the customer: their page shows the contact and script
    (an attempt's), or the caller (an inbound call's)."""
    agent_id: int
    record: CallRecord


@dataclass(frozen=True)
class AgentDone:
    """The agent's part of the call is over (wrap-up; the first agent keeps disposing)."""
    agent_id: int


@dataclass(frozen=True)
class RecordLeg:
    record: CallRecord
    leg_no: int
    mode: Mode
    target: Target
    status: str
    by: int | None


@dataclass(frozen=True)
class CallOver:
    record: CallRecord
    cause: int | None


@dataclass(frozen=True)
class Refused:
    reason: str


Effect = (TakeCustomerOut | StartMoh | StopMoh | PutCustomer | Reach | Link | Unlink | Hangup
          | ReleaseTarget | TargetTakesCall | AgentDone | RecordLeg | CallOver | Refused)
