"""The ARI client against real faults: its websocket cut, Asterisk restarted."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

from dialer.ari import AriClient
from tests.lab_calls import Recorder, human, new_id
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.lab, pytest.mark.timeout(90)]


class Resyncs:
    """A resync hook that records what Asterisk held at each (re)connect."""

    def __init__(self):
        self.snapshots: list[set[str]] = []
        self.changed = asyncio.Event()

    async def __call__(self, client):
        self.snapshots.append({c["id"] for c in await client.list_channels()})
        self.changed.set()

    async def wait_count(self, n, timeout=20):
        async def until():
            while len(self.snapshots) < n:
                self.changed.clear()
                await self.changed.wait()
        await asyncio.wait_for(until(), timeout)


async def start_client(url, side):
    client = AriClient(url, side["ari_user"], side["ari_password"], "dialer",
                       backoff_initial=0.1, backoff_max=1.0)
    client.recorder = Recorder(client)
    client.resyncs = Resyncs()
    client.on_connect(client.resyncs)
    client.start()
    await client.resyncs.wait_count(1)
    return client


async def call_human(client, lab, talk_seconds):
    channel_id = new_id("call")
    await client.originate(f"PJSIP/{human(talk_seconds)}@carrier", channel_id=channel_id,
                           context="dialer-amd", extension="s", timeout=20)
    await client.recorder.wait_for(channel_id, "StasisStart", timeout=20)
    return channel_id


async def test_cut_websocket_reconnects_and_resync_sees_what_changed(lab):
    side = lab.info["pbx"]
    ari = urlsplit(side["ari_url"])
    proxy = await TcpProxy(ari.hostname, ari.port).start()
    client = await start_client(f"http://127.0.0.1:{proxy.port}", side)
    try:
        # A customer who hangs up 3 s after answering, in Stasis while we are connected.
        channel_id = await call_human(client, lab, talk_seconds=3)
        assert channel_id in {c["id"] for c in await client.list_channels()}

        assert proxy.cut() >= 1
        await asyncio.sleep(0)  # the hang-up happens while we are cut off
        await client.resyncs.wait_count(2)
        await asyncio.wait_for(client.connected.wait(), 10)
        assert client.connects >= 2 and client.reconnects >= 1

        # The resync after reconnect is how the app learns about calls that changed meanwhile.
        for _ in range(60):
            if channel_id not in await _channel_ids(client):
                break
            await asyncio.sleep(0.2)
        assert channel_id not in await _channel_ids(client)

        # Live events flow again on the new websocket.
        second = await call_human(client, lab, talk_seconds=0)
        assert client.recorder.of(second, "StasisStart")
    finally:
        await client.stop()
        await client.close()
        await proxy.stop()


async def _channel_ids(client):
    return {c["id"] for c in await client.list_channels()}


async def test_asterisk_restart_reconnects_and_calls_work_again(lab):
    side = lab.info["pbx"]
    client = await start_client(side["ari_url"], side)
    try:
        before = await call_human(client, lab, talk_seconds=0)
        await asyncio.to_thread(lab.restart_pbx)
        await client.resyncs.wait_count(2, timeout=30)
        assert before not in client.resyncs.snapshots[-1]  # the restart dropped the call
        after = await call_human(client, lab, talk_seconds=0)
        start = client.recorder.of(after, "StasisStart")[0]
        assert start["args"][:2] == ["amd", "HUMAN"]
    finally:
        for channel in await client.list_channels():
            await client.hangup(channel["id"])
        await client.stop()
        await client.close()
