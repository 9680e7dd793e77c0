"""Listen to a callee over ARI: a snoop channel on the call (spy=in: what the callee sends)
and an externalMedia channel sending that audio over RTP (G.711 mu-law) to a UDP socket of
this process, bridged together; the 20 ms frames go to a listener's pure detector: the
voicemail beep's (issue 9, dialer.beep.detector) or the AMD classifier's (issue 20,
dialer/amd/shell.py). Every channel and bridge made here is removed when the wait ends,
however it ends (a result, timeout, the call hung up, the task cancelled, an ARI error).

Their ids start with BEEP_PREFIX: their StasisStart is not a call to handle.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..ari import AriClient, AriError, once_in_stasis
from ..features import Feature
from .detector import FRAME, BeepDetector, BeepSettings, ulaw_to_samples

log = logging.getLogger("dialer.beep")
BEEP_PREFIX = "beep-"
NO_AUDIO_SECONDS = 1.5  # no RTP this long after setting up: give up listening
AFTER_BEEP = 0.1  # s between the beep's end (as heard here) and the message
_active: set[str] = set()  # tags of the listeners running in this process
T = TypeVar("T")
Detect = Callable[[Sequence[int]], "T | None"]  # a 20 ms frame -> the result once there is one


def listen_host() -> str:
    """The address the PBX sends the audio to (this host as the PBX reaches it)."""
    return os.environ.get("DIALER_BEEP_HOST", "127.0.0.1")


def enabled() -> bool:
    """DIALER_BEEP_DETECTOR=ari (default): listen for the beep in the dialer; =silence:
    the dialplan's WaitForSilence before Stasis, as before."""
    return os.environ.get("DIALER_BEEP_DETECTOR", "ari") != "silence"


def rtp_payload(packet: bytes) -> bytes | None:
    """The payload of an RTP packet (version 2), None if it is not one."""
    if len(packet) < 12 or packet[0] >> 6 != 2:
        return None
    offset = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10:  # header extension
        if len(packet) < offset + 4:
            return None
        offset += 4 + 4 * int.from_bytes(packet[offset + 2:offset + 4], "big")
    end = len(packet)
    if packet[0] & 0x20 and end > offset:  # padding
        end -= packet[-1]
    return packet[offset:end] if end > offset else None


class _Rtp(asyncio.DatagramProtocol):
    def __init__(self, detect: Detect, done: asyncio.Future):
        self.detect, self.done = detect, done
        self.buffer: list[int] = []
        self.packets = 0
        self.got_audio = asyncio.Event()

    def datagram_received(self, data: bytes, addr) -> None:
        payload = rtp_payload(data)
        if payload is None or self.done.done():
            return
        self.packets += 1
        self.got_audio.set()
        self.buffer.extend(ulaw_to_samples(payload))
        while len(self.buffer) >= FRAME and not self.done.done():
            frame, self.buffer = self.buffer[:FRAME], self.buffer[FRAME:]
            out = self.detect(frame)
            if out is not None:
                self.done.set_result(out)


async def wait_for_beep(ari: AriClient, channel_id: str, app: str,
                        settings: BeepSettings | None = None,
                        host: str | None = None) -> tuple[str, float]:
    """Wait until the callee's beep ends (or the greeting ends without one, or the wait
    times out). Returns (how, seconds listened): how is "beep", "silence", "timeout",
    "no-audio" or "failed" (ARI refused; nothing to wait for)."""
    settings = settings or BeepSettings()
    heard = await listen(ari, channel_id, app, BeepDetector(settings).feed, settings.max_wait,
                         host=host, purpose="beep detection")
    how = heard.how if heard.result is None else heard.result[0]
    if how == "beep":
        await asyncio.sleep(AFTER_BEEP)
        return how, heard.seconds + AFTER_BEEP
    return how, heard.seconds


@dataclass(frozen=True)
class Heard(Generic[T]):
    how: str            # "done" (result), "timeout", "no-audio" or "failed" (ARI refused)
    result: T | None
    seconds: float      # listened, from the request of the snoop


async def listen(ari: AriClient, channel_id: str, app: str, detect: Detect, max_wait: float, *,
                 host: str | None = None, purpose: str = "listening") -> Heard:
    """Feed the callee's audio to `detect` until it returns a result, for at most `max_wait`
    s (+2) once audio comes; none within NO_AUDIO_SECONDS, or ARI refusing: no result."""
    loop = asyncio.get_running_loop()
    tag = uuid.uuid4().hex[:12]
    _active.add(tag)
    snoop_id, media_id, bridge_id = (f"{BEEP_PREFIX}snoop-{tag}", f"{BEEP_PREFIX}media-{tag}",
                                     f"{BEEP_PREFIX}bridge-{tag}")
    done: asyncio.Future = loop.create_future()
    host = host or listen_host()
    transport, proto = await loop.create_datagram_endpoint(lambda: _Rtp(detect, done),
                                                           local_addr=(host, 0))
    port = transport.get_extra_info("sockname")[1]
    made: list[str] = []
    started = loop.time()
    try:
        try:
            await ari.create_bridge(bridge_id, "mixing")
            made.append("bridge")
            await ari.request("POST", "/channels/externalMedia", params={
                "channelId": media_id, "app": app, "external_host": f"{host}:{port}",
                "format": "ulaw", "encapsulation": "rtp", "transport": "udp",
                "direction": "both"})
            made.append("media")
            await ari.snoop(channel_id, app, snoop_id=snoop_id, spy="in", app_args="beep")
            made.append("snoop")
            await add_when_in_stasis(ari, bridge_id, [snoop_id, media_id])
        except AriError as exc:
            log.warning("%s on %s not possible (%s)", purpose, channel_id, exc)
            return Heard("failed", None, loop.time() - started)
        try:
            await asyncio.wait_for(proto.got_audio.wait(), NO_AUDIO_SECONDS)
        except asyncio.TimeoutError:
            log.warning("%s on %s: no audio from the PBX at %s:%d in %.1f s",
                        purpose, channel_id, host, port, NO_AUDIO_SECONDS)
            return Heard("no-audio", None, loop.time() - started)
        try:
            result = await asyncio.wait_for(asyncio.shield(done), max_wait + 2)
        except asyncio.TimeoutError:  # audio stopped coming (the call went?)
            return Heard("timeout", None, loop.time() - started)
        return Heard("done", result, loop.time() - started)
    finally:
        transport.close()
        try:
            await asyncio.shield(_clean(ari, bridge_id, media_id, snoop_id, made))
        finally:
            _active.discard(tag)


async def clean_leftovers(ari: AriClient, channels: list[dict], bridges: list[dict]) -> int:
    """At (re)connect: listeners' channels and bridges no running listener owns (this
    process restarted, or lost the PBX while removing them) are removed. How many."""
    def stale(ident: str) -> bool:
        return ident.startswith(BEEP_PREFIX) and ident.rsplit("-", 1)[-1] not in _active
    gone = 0
    for channel in channels:
        if stale(channel["id"]):
            gone += await ari.hangup(channel["id"])
    for bridge in bridges:
        if stale(bridge["id"]):
            gone += await ari.destroy_bridge(bridge["id"])
    return gone


async def add_when_in_stasis(ari: AriClient, bridge_id: str, channel_ids: list[str]) -> None:
    """Add the new channels to the bridge once they have entered Stasis."""
    await once_in_stasis(lambda: ari.add_to_bridge(bridge_id, channel_ids))


async def _clean(ari: AriClient, bridge_id: str, media_id: str, snoop_id: str,
                 made: list[str]) -> None:
    # Every one, even the one whose request failed: it may exist anyway (a timeout).
    for what in (snoop_id, media_id):
        try:
            await ari.hangup(what)
        except AriError as exc:
            log.warning("beep: hanging up %s failed: %s", what, exc)
    if made:
        try:
            await ari.destroy_bridge(bridge_id)
        except AriError as exc:
            log.warning("beep: destroying bridge %s failed: %s", bridge_id, exc)


FEATURE = Feature("beep", awaits_own_stasis=lambda channel_id: channel_id.startswith(BEEP_PREFIX),
                  clean_up=clean_leftovers)
