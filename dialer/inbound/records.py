"""What the inbound call's machine (machine.py) takes and gives about its record and its
transfers: the record (dialer/db/models/inbound.py InboundCall) opened by the shell when the
call arrives, written when someone takes the call and closed once when the caller is gone;
a transfer (dialer/transfers) telling it who holds the caller now."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Moved:
    """An event: a transfer gave the caller to `agent_id` (None: an external number); the
    agent who let them go was freed by the transfer."""
    agent_id: int | None


@dataclass(frozen=True)
class ConnectedRecord:
    """An effect: the record taken (by `agent_id`; None: a user's phone)."""
    record_id: int
    agent_id: int | None


@dataclass(frozen=True)
class CloseRecord:
    """An effect: the record closed (the caller's channel is gone)."""
    record_id: int


@dataclass(frozen=True)
class EndHolderCall:
    """An effect: the call of the agent with the caller ends, if the caller is still
    theirs (a transfer may have ended it already: then nothing; never a release, since a
    reservation the agent holds now is another call's)."""
    agent_id: int
