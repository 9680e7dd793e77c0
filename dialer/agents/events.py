"""The agent session machine's events (what the shell turns ARI events, API calls and
timers into) and effects (what it carries out, in order). See machine.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Union

from .previews import Offer, Preview


# ---- events --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Login:
    channel_id: str


@dataclass(frozen=True)
class RingFailed:
    """ARI refused to ring the desk phone."""


@dataclass(frozen=True)
class PhoneAnswered:
    channel_id: str


@dataclass(frozen=True)
class PbxStopping:
    """Asterisk hangs the leg up as it shuts down: not the agent leaving."""


@dataclass(frozen=True)
class LegGone:
    """The desk-phone leg was destroyed (hung up, or never answered)."""


@dataclass(frozen=True)
class RingAgain:
    """After a reconnect the leg is gone: ring the phone again on a new leg."""

    channel_id: str


@dataclass(frozen=True)
class TakeBack:
    """A leg of this agent's left up by an earlier run of the dialer."""

    channel_id: str
    in_bridge: bool           # the leg is still in the agent's bridge
    customer: str | None      # a caller in that bridge
    not_ready: bool           # the agent's stored state
    pause_reason: int | None = None   # and the reason stored with not_ready


@dataclass(frozen=True)
class Ready:
    ready: bool
    pause_reason: int | None = None   # why not ready (the account's PauseReason id)


@dataclass(frozen=True)
class Reserve:
    """An answered call (outbound or inbound) picked this agent."""


@dataclass(frozen=True)
class Release:
    """A reserved agent whose call never arrived."""


@dataclass(frozen=True)
class Connect:
    customer: str
    attempt_id: int | None = None
    campaign_id: int | None = None
    shown: Preview | None = None   # what the agent sees of the caller (None: keep)


@dataclass(frozen=True)
class Bridged:
    customer: str


@dataclass(frozen=True)
class BridgeRefused:
    customer: str


@dataclass(frozen=True)
class AttemptKnown:
    """The attempt of a call taken back after a restart."""

    attempt_id: int


@dataclass(frozen=True)
class CallEnded:
    wrap_seconds: int


@dataclass(frozen=True)
class TakeOver:
    """A call transferred to this (reserved) agent: the customer is now theirs (an
    attempt's, or an inbound caller, `shown`)."""
    customer: str
    attempt_id: int | None
    campaign_id: int | None
    shown: Preview | None = None


@dataclass(frozen=True)
class WrapOver:
    wrap_no: int


@dataclass(frozen=True)
class OfferPreview:
    preview: Offer
    campaign_id: int | None


@dataclass(frozen=True)
class TakePreview:
    """The agent pressed dial."""


@dataclass(frozen=True)
class SkipPreview:
    """The agent chose not to call the contact."""


@dataclass(frozen=True)
class PreviewDone:
    """A preview or manual call that never reached the agent."""


@dataclass(frozen=True)
class PreviewExpired:
    followup_id: int


@dataclass(frozen=True)
class ManualDialled:
    number: str


@dataclass(frozen=True)
class Logout:
    """The agent (or an admin) logged out."""


Event = Union[Login, RingFailed, PhoneAnswered, PbxStopping, LegGone, RingAgain, TakeBack,
              Ready, Reserve, Release, Connect, Bridged, BridgeRefused, AttemptKnown,
              CallEnded, TakeOver, WrapOver, OfferPreview, TakePreview, SkipPreview, PreviewDone,
              PreviewExpired, ManualDialled, Logout]


# ---- effects -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RingPhone:
    channel_id: str


@dataclass(frozen=True)
class JoinBridge:
    """Create the agent's bridge (kept if it exists) and add the leg."""

    channel_id: str


@dataclass(frozen=True)
class BridgeCustomer:
    customer: str


@dataclass(frozen=True)
class HangUp:
    channel_id: str


@dataclass(frozen=True)
class DestroyBridge:
    pass


@dataclass(frozen=True)
class Persist:
    state: str   # machine.AgentState
    since: dt.datetime
    pause_reason: int | None = None   # set in not_ready only
    attempt_id: int | None = None     # on_call and wrap_up: the call (the session log's)


@dataclass(frozen=True)
class Wake:
    pass


@dataclass(frozen=True)
class HandBack:
    """Give an offered contact back: a campaign contact to its campaign (after `delay`);
    a followup withdrawn to be offered again (`withdraw`) or cancelled (the agent chose
    not to call). `reason` names the agent as `{agent}`."""

    preview: Offer
    reason: str
    delay: dt.timedelta = dt.timedelta(0)
    withdraw: bool = False


@dataclass(frozen=True)
class StartWrapTimer:
    seconds: int
    wrap_no: int


@dataclass(frozen=True)
class CancelWrapTimer:
    pass


@dataclass(frozen=True)
class Refused:
    """The state does not allow the request; `message` names the agent as `{agent}`."""

    message: str


Effect = Union[RingPhone, JoinBridge, BridgeCustomer, HangUp, DestroyBridge, Persist, Wake,
               HandBack, StartWrapTimer, CancelWrapTimer, Refused]
