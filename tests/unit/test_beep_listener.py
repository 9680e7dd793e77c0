"""beep/shell.py's wait_for_beep against a fake ARI that sends RTP like externalMedia
does: the beep ends the wait; an ARI refusal, no audio, or a cancelled wait (the call hung
up) return or stop at once; and every path removes the snoop, media channel and bridge."""

from __future__ import annotations

import asyncio
import math
import socket

import pytest

from dialer.ari import AriError
from dialer.lab.greetings import ulaw_encode
from dialer.beep import shell as beep


def _ulaw(samples) -> bytes:
    return bytes(ulaw_encode(int(s)) for s in samples)


def audio(beep_at: float | None = 0.5) -> bytes:
    """Speech-ish noise, then a 0.3 s 1000 Hz beep, then silence (mu-law, 8 kHz)."""
    out = []
    for i in range(int(3 * 8000)):
        t = i / 8000
        if beep_at is not None and beep_at <= t < beep_at + 0.3:
            out.append(8000 * math.sin(2 * math.pi * 1000 * t))
        elif t < (beep_at or 1.0):
            out.append(3000 * math.sin(2 * math.pi * 180 * t) * math.sin(2 * math.pi * 3 * t)
                       + 2000 * math.sin(2 * math.pi * 700 * t + 5 * math.sin(40 * t)))
        else:
            out.append(0)
    return _ulaw(out)


class FakeAri:
    app = "dialer"

    def __init__(self, *, fail: str | None = None, send: bytes | None = b"", realtime=False):
        self.fail, self.send, self.realtime = fail, send, realtime
        self.made: set[str] = set()
        self.hung_up: list[str] = []
        self.destroyed: list[str] = []
        self.sender: asyncio.Task | None = None
        self.add_tries = 0

    def _maybe_fail(self, what: str):
        if self.fail == what:
            raise AriError(500, "POST", what, "refused")

    async def create_bridge(self, bridge_id, type="mixing"):
        self._maybe_fail("bridge")
        self.made.add(bridge_id)

    async def request(self, method, path, params=None, **kw):
        assert path == "/channels/externalMedia" and params["format"] == "ulaw"
        self._maybe_fail("media")
        self.made.add(params["channelId"])
        host, port = params["external_host"].rsplit(":", 1)
        self.target = (host, int(port))

    async def snoop(self, channel_id, app, *, snoop_id=None, spy=None, app_args=None):
        assert spy == "in" and app == "dialer"
        self._maybe_fail("snoop")
        self.made.add(snoop_id)

    async def add_to_bridge(self, bridge_id, channel_ids):
        self.add_tries += 1
        if self.add_tries < 3:  # not in Stasis yet
            raise AriError(422, "POST", "addChannel", "Channel not in Stasis application")
        if self.send is not None:
            self.sender = asyncio.create_task(self._rtp())

    async def _rtp(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            for seq, i in enumerate(range(0, len(self.send), 160)):
                header = bytes([0x80, 0]) + seq.to_bytes(2, "big") + (i).to_bytes(4, "big") \
                    + b"\0\0\0\1"
                sock.sendto(header + self.send[i:i + 160], self.target)
                await asyncio.sleep(0.02 if self.realtime else 0.0005)
        finally:
            sock.close()

    async def hangup(self, channel_id):
        self.hung_up.append(channel_id)
        return channel_id in self.made

    async def destroy_bridge(self, bridge_id):
        self.destroyed.append(bridge_id)
        return True

    def clean(self) -> bool:
        """Everything made was removed (and the snoop and media channel tried, always)."""
        removed = set(self.hung_up) | set(self.destroyed)
        return self.made <= removed and len(self.hung_up) == 2


async def test_the_beep_ends_the_wait():
    ari = FakeAri(send=audio(0.5))
    how, waited = await beep.wait_for_beep(ari, "call-1", "dialer")
    assert how == "beep" and ari.clean()
    assert all(x.startswith(beep.BEEP_PREFIX) for x in ari.made) and len(ari.made) == 3


async def test_no_beep_then_silence():
    ari = FakeAri(send=audio(None))
    how, _ = await beep.wait_for_beep(ari, "call-1", "dialer")
    assert how == "silence" and ari.clean()


@pytest.mark.parametrize("step", ["bridge", "media", "snoop"])
async def test_ari_refuses_a_step(step):
    ari = FakeAri(fail=step)
    how, waited = await beep.wait_for_beep(ari, "call-1", "dialer")
    assert how == "failed" and waited < 0.5 and ari.clean()


async def test_no_audio_from_the_pbx(monkeypatch):
    monkeypatch.setattr(beep, "NO_AUDIO_SECONDS", 0.2)
    ari = FakeAri(send=None)
    how, _ = await beep.wait_for_beep(ari, "call-1", "dialer")
    assert how == "no-audio" and ari.clean()


async def test_cancelled_when_the_call_hangs_up():
    ari = FakeAri(send=audio(None) * 4, realtime=True)
    task = asyncio.create_task(beep.wait_for_beep(ari, "call-1", "dialer"))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.05)
    assert ari.clean()
    ari.sender.cancel()


async def test_leftovers_of_a_dead_process_are_removed():
    """At (re)connect, beep channels and bridges no running listener owns go; a running
    listener's stay."""
    ari = FakeAri(send=audio(None) * 4, realtime=True)
    task = asyncio.create_task(beep.wait_for_beep(ari, "call-1", "dialer"))
    await asyncio.sleep(0.2)
    mine = sorted(ari.made)
    old = ["beep-snoop-0123456789ab", "beep-media-0123456789ab"]
    removed = await beep.clean_leftovers(
        ari, [{"id": i} for i in mine if "bridge" not in i] + [{"id": i} for i in old]
        + [{"id": "out-t-1"}],
        [{"id": i} for i in mine if "bridge" in i] + [{"id": "beep-bridge-0123456789ab"}])
    assert sorted(ari.hung_up) == sorted(old) and ari.destroyed == ["beep-bridge-0123456789ab"]
    assert removed == 1  # the fake hangs up only what it made: the bridge counts
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    ari.sender.cancel()
