"""A call's recording, on Asterisk: one file per attempt that follows the customer for the
whole call. Whether the call is recorded, and from when, is the machine's (consent,
outbound/machine.py); this module carries out its StartRecording and StopRecording.

The recording is of a snoop on the customer's channel (spy both: what the customer says
and what they hear), not of an agent's bridge: the customer leaves the first agent's
bridge when put on hold (music), moved to another agent (a transfer), to an external
number, or joined with a consulted agent, and a bridge's recording would lose the rest of
the call. The snoop lives as long as the customer's channel: when the customer hangs up
Asterisk hangs the snoop up and the recording ends with it. Its snoop's timer keeps the
file on the wall clock (silence where nobody speaks).

The customer's bridges must be softmix (dialer/ari CALL_BRIDGE_TYPE): through a
one-to-one bridge, after a move to another agent, the Debian build of Asterisk 22.10 lost
that agent's audio before the snoop in about half the calls (the README's recording
consent says why).

The snoop's id is `record-<customer channel>`: after a restart the calls taken back keep
theirs (the outbound feature's channels) and the resync step below hangs up any other.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Callable, Collection

from ..ari import AriClient, AriError, once_in_stasis
from ..features import Feature, PbxSnapshot, ResyncHandover, ResyncPhase, ResyncStep

log = logging.getLogger("dialer.outbound")
SNOOP_PREFIX = "record-"


def snoop_of(customer: str) -> str:
    return SNOOP_PREFIX + customer


def is_snoop(channel_id: str) -> bool:
    return channel_id.startswith(SNOOP_PREFIX)


async def start(ari: AriClient, customer: str, name: str) -> None:
    """Record the customer's call as `name` (wav) from now; AriError if Asterisk refuses
    (the customer gone meanwhile): then no snoop is left behind."""
    snoop = snoop_of(customer)
    await ari.snoop(customer, ari.app, snoop_id=snoop, spy="both", app_args="recording")
    try:
        await once_in_stasis(lambda: ari.record(snoop, name, format="wav"))
    except AriError:
        await _quietly(ari.hangup(snoop))
        raise


async def stop(ari: AriClient, customer: str, name: str) -> None:
    """The call is over: the recording stopped and its snoop gone (both usually went with
    the customer's channel already)."""
    await _quietly(ari.stop_recording(name))
    await _quietly(ari.hangup(snoop_of(customer)))


async def _quietly(request) -> None:
    try:
        await request
    except AriError as exc:  # gone with the customer
        log.debug("recording: %s", exc)


def feature(calls: Callable[[], Collection[str]]) -> Feature:
    """The snoops of the calls of this node (`calls`: their customers' channels): their
    StasisStart is awaited by `start`, their ChannelDestroyed needs nothing (the customer's
    own ends the call), and after the calls' resync step has taken its calls back, any
    other recording snoop is hung up."""
    def snoops() -> set[str]:
        return {snoop_of(customer) for customer in calls()}

    async def destroyed(event: dict) -> bool:
        return is_snoop(event["channel"]["id"])

    async def resync(ari: AriClient, pbx: PbxSnapshot, handover: ResyncHandover) -> ResyncHandover:
        ours = snoops()
        stale = {c["id"] for c in pbx.channels if is_snoop(c["id"]) and c["id"] not in ours}
        for snoop in sorted(stale):
            log.info("resync: hanging up %s, a recording of no call of ours", snoop)
            await ari.hangup(snoop)
        return replace(handover, hung_up=handover.hung_up | stale)

    return Feature("recording", channels=snoops, awaits_own_stasis=is_snoop,
                   on_channel_destroyed=destroyed, replays_missed_hangups=False,
                   resync=ResyncStep(ResyncPhase.CALLS, resync))
