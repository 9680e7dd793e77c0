"""The agent session's state machine: pure, total, effects as data (the shell carries
them out in order and turns ARI events, API calls and timers into the events below).

States (`AgentState`, the values stored on the agent's row):
  logging_in  the desk phone is rung        available   idle, may be reserved for a call
  not_ready   logged in, takes no calls     preview     a contact waits for dial or skip
  dialling    a preview/manual call is out  on_call     a customer is in the agent's bridge
  wrap_up     after a call, for its wrap seconds
  phone_lost  Asterisk is going down: rung again when it is back
  logged_out  no session (the end; every event is ignored there but Login and TakeBack)
`reserved` (a call is on its way) and `connecting` (its bridge request is out) are data of
the record: an agent holds one customer at most, counting the one being connected.

Transition table (from -> to: effects; "*" any state but logged_out; refused: the state
does not allow it, answered with a `Refused` effect and no change; any pair not listed is
ignored: no change, no effect):
  Login          logged_out -> logging_in: Persist, RingPhone
  RingFailed     logging_in -> logged_out: DestroyBridge, Persist
  PhoneAnswered  logging_in (its leg) -> available: JoinBridge, Persist; other legs: HangUp
  PbxStopping    * -> same (pbx_stopping set)
  LegGone        * with pbx_stopping -> phone_lost: [HandBack], Persist
  LegGone        * -> logged_out: [HandBack withdraw], [HangUp customer], DestroyBridge, Persist
  RingAgain      * but logging_in -> logging_in (new leg): [HandBack], Persist, RingPhone
  TakeBack       logged_out -> on_call | not_ready (its reason) | available: [JoinBridge], Persist
  Ready          available | not_ready | wrap_up -> available | not_ready (with the pause
                 reason given, if any): Persist
  Reserve        available, free -> available (reserved); else refused
  Release        reserved, not connecting -> same (not reserved): Wake
  Connect        reserved available | not_ready, or dialling; holding none -> same
                 (connecting): BridgeCustomer; else refused
  Bridged        connecting that customer -> on_call: Persist
  BridgeRefused  connecting that customer -> available: Persist
  AttemptKnown   on_call -> on_call (attempt_id set)
  CallEnded      on_call | dialling -> wrap_up: Persist, StartWrapTimer | available: Persist
  CallEnded      phone_lost -> phone_lost (customer and preview cleared)
  TakeOver       reserved available | not_ready, holding none -> on_call (a transferred
                 customer, its attempt or what it shows; not reserved): Persist; else refused
  WrapOver       wrap_up (that wrap) -> available: Persist
  OfferPreview   available, free -> preview: Persist; else HandBack withdraw (no change)
  TakePreview    preview -> dialling: Persist; else refused
  SkipPreview    preview -> available: HandBack (delayed), Persist; else refused
  PreviewDone    preview | dialling, not connecting -> available: Persist
  PreviewExpired preview of that followup -> available: Persist
  ManualDialled  available (free) | not_ready | wrap_up -> dialling: Persist; else refused
  Logout         * -> logged_out: HangUp leg, [HandBack withdraw], [HangUp customer],
                 DestroyBridge, Persist
Every Persist (with the pause reason, the call) is followed by Wake (calls waiting for
an agent look again); leaving wrap_up adds CancelWrapTimer, leaving not_ready its reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, Callable

from .events import (
    Login, RingFailed, PhoneAnswered, PbxStopping, LegGone, RingAgain, TakeBack, Ready,
    Reserve, Release, Connect, Bridged, BridgeRefused, AttemptKnown, CallEnded, TakeOver,
    WrapOver, OfferPreview, TakePreview, SkipPreview, PreviewDone, PreviewExpired,
    ManualDialled, Logout, RingPhone, JoinBridge, BridgeCustomer, HangUp, DestroyBridge,
    Persist, Wake, HandBack, StartWrapTimer, CancelWrapTimer, Refused, Effect, Event,
)
from .previews import CampaignPreview, FollowupPreview, ManualDial, Offer, Preview

SKIP_DELAY = dt.timedelta(minutes=5)  # a skipped contact is not offered again at once


class AgentState(str, Enum):
    LOGGING_IN = "logging_in"
    AVAILABLE = "available"
    NOT_READY = "not_ready"
    PREVIEW = "preview"
    DIALLING = "dialling"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PHONE_LOST = "phone_lost"
    LOGGED_OUT = "logged_out"

    def __str__(self) -> str:
        return self.value


S = AgentState
LIVE = frozenset(S) - {S.LOGGED_OUT}


@dataclass(frozen=True)
class AgentRecord:
    """One agent's session as the machine sees it."""

    state: AgentState
    since: dt.datetime
    channel_id: str                  # the desk-phone leg
    reserved: bool = False           # a call is on its way to this agent
    connecting: str | None = None    # the customer whose bridge request is out
    customer: str | None = None      # the customer in the agent's bridge
    preview: Preview | None = None   # what the agent's screen shows
    attempt_id: int | None = None    # the call in progress or in wrap-up
    campaign_id: int | None = None   # the campaign of that preview or call (None: none)
    wrap_no: int = 0                 # which wrap-up a WrapOver timer belongs to
    wrap_ends: dt.datetime | None = None  # when that wrap-up's timer fires (in wrap_up)
    pbx_stopping: bool = False       # its leg is being hung up by Asterisk shutting down
    pause_reason: int | None = None  # why not_ready (the account's reason; None elsewhere)

    @property
    def holds(self) -> int:
        """Customers this agent holds: in its bridge or being connected."""
        return (self.customer is not None) + (self.connecting is not None)


Result = tuple[AgentRecord, tuple[Effect, ...]]


def new_session(channel_id: str, now: dt.datetime) -> AgentRecord:
    """A session not yet logged in (Login or TakeBack starts it)."""
    return AgentRecord(S.LOGGED_OUT, now, channel_id)


def transition(rec: AgentRecord, event: Event, now: dt.datetime) -> Result:
    """The session's answer to `event` at `now` (see the module's table)."""
    if rec.state == S.LOGGED_OUT:
        return _from_logged_out(rec, event, now)
    handler = _HANDLERS.get(type(event))
    if handler is None:  # Login and TakeBack of a live session
        return rec, ()
    return handler(rec, event, now)


def _from_logged_out(rec: AgentRecord, event: Event, now: dt.datetime) -> Result:
    if isinstance(event, Login):
        fresh = AgentRecord(S.LOGGING_IN, now, event.channel_id)
        return fresh, (*_saved(fresh), RingPhone(event.channel_id))
    if isinstance(event, TakeBack):
        state = S.ON_CALL if event.customer else S.NOT_READY if event.not_ready else S.AVAILABLE
        back = AgentRecord(state, now, event.channel_id, customer=event.customer,
                           pause_reason=event.pause_reason if state == S.NOT_READY else None)
        join = () if event.in_bridge else (JoinBridge(event.channel_id),)
        return back, (*join, *_saved(back))
    if isinstance(event, PhoneAnswered):
        return rec, (HangUp(event.channel_id),)  # a stale leg from an earlier session
    if isinstance(event, OfferPreview):
        return rec, (_give_back(event.preview),)
    return rec, _refusal(rec, event)


# ---- helpers -------------------------------------------------------------------------------
def _to(rec: AgentRecord, state: AgentState, now: dt.datetime, **changes: object) -> Result:
    """A change of state, saved (a state entered again is saved again: `since` moves)."""
    changes.setdefault("pause_reason", None)  # a reason lasts only as long as not_ready
    new = replace(rec, state=state, since=now, **changes)  # type: ignore[arg-type]
    cancel = (CancelWrapTimer(),) if rec.state == S.WRAP_UP and state != S.WRAP_UP else ()
    return new, (*cancel, *_saved(new))


def _saved(rec: AgentRecord) -> tuple[Effect, ...]:
    call = rec.attempt_id if rec.state in (S.ON_CALL, S.WRAP_UP) else None
    return Persist(rec.state, rec.since, rec.pause_reason, call), Wake()


def _give_back(preview: Offer) -> HandBack:
    return HandBack(preview, "agent {agent} was no longer available for the preview",
                    withdraw=True)


def _refusal(rec: AgentRecord, event: Event) -> tuple[Effect, ...]:
    """What a request the state does not allow gets (late timers and ARI events: nothing)."""
    if isinstance(event, (TakePreview, SkipPreview)):
        return (Refused("agent {agent} has no contact in preview"),)
    if isinstance(event, ManualDialled):
        return (Refused(f"agent {{agent}} cannot dial now ({rec.state})"),)
    if isinstance(event, (Reserve, Connect, TakeOver)):
        return (Refused(f"agent {{agent}} cannot take a call now ({rec.state})"),)
    return ()


def _free(rec: AgentRecord) -> bool:
    return rec.state == S.AVAILABLE and not rec.reserved and rec.holds == 0


def _held_offer(rec: AgentRecord) -> Offer | None:
    """The contact on screen waiting for the agent (handed back if the agent goes)."""
    if rec.state == S.PREVIEW and isinstance(rec.preview, (CampaignPreview, FollowupPreview)):
        return rec.preview
    return None


def _leaving(rec: AgentRecord, withdraw: bool) -> tuple[Effect, ...]:
    """The session ends or loses its leg: the contact on screen goes back."""
    held = _held_offer(rec)
    if held is None:
        return ()
    reason = ("agent {agent} logged out during preview" if withdraw
              else "the agent's phone was lost during preview")
    return (HandBack(held, reason, withdraw=withdraw),)


# ---- handlers, one per event (the record is live) -------------------------------------------
def _ring_failed(rec: AgentRecord, event: RingFailed, now: dt.datetime) -> Result:
    if rec.state != S.LOGGING_IN:
        return rec, ()
    return _gone(rec, now, (), ())


def _phone_answered(rec: AgentRecord, event: PhoneAnswered, now: dt.datetime) -> Result:
    if event.channel_id != rec.channel_id:
        return rec, (HangUp(event.channel_id),)  # a stale leg from an earlier session
    if rec.state != S.LOGGING_IN:
        return rec, ()  # a duplicate
    new, saved = _to(rec, S.AVAILABLE, now)
    return new, (JoinBridge(rec.channel_id), *saved)


def _pbx_stopping(rec: AgentRecord, event: PbxStopping, now: dt.datetime) -> Result:
    return replace(rec, pbx_stopping=True), ()


def _lost(rec: AgentRecord, now: dt.datetime) -> Result:
    """The leg is gone but the agent has not left: no calls until it is rung again."""
    handed = _leaving(rec, withdraw=False)
    new, saved = _to(rec, S.PHONE_LOST, now, reserved=False, connecting=None, customer=None,
                     preview=None, pbx_stopping=False)
    return new, (*handed, *saved)


def _gone(rec: AgentRecord, now: dt.datetime, first: tuple[Effect, ...],
          handed: tuple[Effect, ...]) -> Result:
    """Logged out: never a caller left alone in a bridge nobody is in."""
    customer = (HangUp(rec.customer),) if rec.customer else ()
    cancel = (CancelWrapTimer(),) if rec.state == S.WRAP_UP else ()
    end = AgentRecord(S.LOGGED_OUT, now, rec.channel_id)
    return end, (*first, *cancel, *handed, *customer, DestroyBridge(), Persist(end.state, now))


def _leg_gone(rec: AgentRecord, event: LegGone, now: dt.datetime) -> Result:
    if rec.pbx_stopping:
        return _lost(rec, now) if rec.state != S.PHONE_LOST else (rec, ())
    return _gone(rec, now, (), _leaving(rec, withdraw=True))


def _ring_again(rec: AgentRecord, event: RingAgain, now: dt.datetime) -> Result:
    if rec.state == S.LOGGING_IN:
        return rec, ()
    lost, lost_effects = _lost(rec, now)
    new, saved = _to(lost, S.LOGGING_IN, now, channel_id=event.channel_id)
    return new, (*lost_effects, *saved, RingPhone(event.channel_id))


def _ready(rec: AgentRecord, event: Ready, now: dt.datetime) -> Result:
    if rec.state not in (S.AVAILABLE, S.NOT_READY, S.WRAP_UP):
        return rec, ()
    if event.ready:
        return _to(rec, S.AVAILABLE, now)
    return _to(rec, S.NOT_READY, now, pause_reason=event.pause_reason)


def _reserve(rec: AgentRecord, event: Reserve, now: dt.datetime) -> Result:
    if not _free(rec):
        return rec, _refusal(rec, event)
    return replace(rec, reserved=True), ()


def _release(rec: AgentRecord, event: Release, now: dt.datetime) -> Result:
    if not rec.reserved or rec.connecting is not None:
        return rec, ()
    return replace(rec, reserved=False), (Wake(),)


def _connect(rec: AgentRecord, event: Connect, now: dt.datetime) -> Result:
    expected = rec.state == S.DIALLING or (
        rec.reserved and rec.state in (S.AVAILABLE, S.NOT_READY))
    if not expected or rec.holds:
        return rec, _refusal(rec, event)
    # Stays reserved until on_call: while the bridge request is out, no other call takes it.
    return replace(rec, reserved=True, connecting=event.customer, attempt_id=event.attempt_id,
                   campaign_id=event.campaign_id,
                   preview=event.shown or rec.preview), (BridgeCustomer(event.customer),)


def _bridged(rec: AgentRecord, event: Bridged, now: dt.datetime) -> Result:
    if rec.connecting != event.customer:
        return rec, ()
    return _to(rec, S.ON_CALL, now, customer=event.customer, connecting=None, reserved=False)


def _bridge_refused(rec: AgentRecord, event: BridgeRefused, now: dt.datetime) -> Result:
    if rec.connecting != event.customer:
        return rec, ()
    return _to(rec, S.AVAILABLE, now, connecting=None, reserved=False, preview=None,
               attempt_id=None, campaign_id=None)


def _attempt_known(rec: AgentRecord, event: AttemptKnown, now: dt.datetime) -> Result:
    if rec.state != S.ON_CALL:
        return rec, ()
    return replace(rec, attempt_id=event.attempt_id), ()


def _call_ended(rec: AgentRecord, event: CallEnded, now: dt.datetime) -> Result:
    if rec.state == S.PHONE_LOST:  # stays so until the phone is rung again
        return replace(rec, customer=None, preview=None), ()
    if rec.state not in (S.ON_CALL, S.DIALLING) or rec.connecting is not None:
        return rec, ()
    if event.wrap_seconds <= 0:
        return _to(rec, S.AVAILABLE, now, customer=None, preview=None)
    wrap_no = rec.wrap_no + 1
    new, saved = _to(rec, S.WRAP_UP, now, customer=None, preview=None, wrap_no=wrap_no,
                     wrap_ends=now + dt.timedelta(seconds=event.wrap_seconds))
    return new, (*saved, StartWrapTimer(event.wrap_seconds, wrap_no))


def _take_over(rec: AgentRecord, event: TakeOver, now: dt.datetime) -> Result:
    if not rec.reserved or rec.holds or rec.state not in (S.AVAILABLE, S.NOT_READY):
        return rec, _refusal(rec, event)
    return _to(rec, S.ON_CALL, now, customer=event.customer, reserved=False,
               preview=event.shown, attempt_id=event.attempt_id, campaign_id=event.campaign_id)


def _wrap_over(rec: AgentRecord, event: WrapOver, now: dt.datetime) -> Result:
    if rec.state != S.WRAP_UP or event.wrap_no != rec.wrap_no:
        return rec, ()  # a late timer: the wrap-up it was for is over
    return _to(rec, S.AVAILABLE, now)


def _offer_preview(rec: AgentRecord, event: OfferPreview, now: dt.datetime) -> Result:
    """An agent who took a call since the contact was chosen gets nothing: it goes back."""
    if not _free(rec):
        return rec, (_give_back(event.preview),)
    return _to(rec, S.PREVIEW, now, preview=event.preview, attempt_id=None,
               campaign_id=event.campaign_id)


def _take_preview(rec: AgentRecord, event: TakePreview, now: dt.datetime) -> Result:
    if _held_offer(rec) is None:
        return rec, _refusal(rec, event)
    return _to(rec, S.DIALLING, now)


def _skip_preview(rec: AgentRecord, event: SkipPreview, now: dt.datetime) -> Result:
    held = _held_offer(rec)
    if held is None:
        return rec, _refusal(rec, event)
    new, saved = _to(rec, S.AVAILABLE, now, preview=None)
    return new, (HandBack(held, "skipped in preview by agent {agent}", SKIP_DELAY), *saved)


def _preview_done(rec: AgentRecord, event: PreviewDone, now: dt.datetime) -> Result:
    if rec.state not in (S.PREVIEW, S.DIALLING) or rec.connecting is not None:
        return rec, ()
    return _to(rec, S.AVAILABLE, now, preview=None)


def _preview_expired(rec: AgentRecord, event: PreviewExpired, now: dt.datetime) -> Result:
    held = _held_offer(rec)
    if not isinstance(held, FollowupPreview) or held.followup_id != event.followup_id:
        return rec, ()
    return _to(rec, S.AVAILABLE, now, preview=None)


def _manual_dialled(rec: AgentRecord, event: ManualDialled, now: dt.datetime) -> Result:
    if not (_free(rec) or rec.state in (S.NOT_READY, S.WRAP_UP)) or rec.reserved:
        return rec, _refusal(rec, event)
    return _to(rec, S.DIALLING, now, preview=ManualDial(event.number), campaign_id=None,
               attempt_id=None)


def _logout(rec: AgentRecord, event: Logout, now: dt.datetime) -> Result:
    return _gone(rec, now, (HangUp(rec.channel_id),), _leaving(rec, withdraw=True))


_HANDLERS: dict[type, Callable[[AgentRecord, Any, dt.datetime], Result]] = {
    RingFailed: _ring_failed, PhoneAnswered: _phone_answered, PbxStopping: _pbx_stopping,
    LegGone: _leg_gone, RingAgain: _ring_again, Ready: _ready, Reserve: _reserve,
    Release: _release, Connect: _connect, Bridged: _bridged, BridgeRefused: _bridge_refused,
    AttemptKnown: _attempt_known, CallEnded: _call_ended, TakeOver: _take_over,
    WrapOver: _wrap_over,
    OfferPreview: _offer_preview, TakePreview: _take_preview, SkipPreview: _skip_preview,
    PreviewDone: _preview_done, PreviewExpired: _preview_expired,
    ManualDialled: _manual_dialled, Logout: _logout,
}
