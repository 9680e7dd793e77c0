"""Unit tests of dialer.ari against tests/fake_ari.py (no Asterisk).

Waits are event-driven (asyncio.wait_for on conditions), never sleep-and-hope.
"""

from __future__ import annotations

import asyncio
import random

import aiohttp
import pytest

from dialer.ari import (
    AriClient, AriConflict, AriError, AriNotFound, AriUnavailable, AriUnprocessable,
    Dispatcher, backoff_delay, encode_params, event_key,
)
from tests.fake_ari import FakeAri, channel_event

pytestmark = pytest.mark.timeout(30)


class Seen:
    """Collects handled events; lets a test wait for a condition on them."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self._cond = asyncio.Condition()

    async def add(self, event: dict) -> None:
        async with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    async def wait(self, predicate, timeout: float = 5.0) -> None:
        async def _wait() -> None:
            async with self._cond:
                await self._cond.wait_for(lambda: predicate(self.events))
        await asyncio.wait_for(_wait(), timeout)

    async def wait_count(self, n: int, timeout: float = 5.0) -> None:
        await self.wait(lambda evs: len(evs) >= n, timeout)

    def ids(self) -> list[str]:
        return [e.get("seq") or e["type"] for e in self.events]


@pytest.fixture
async def fake():
    server = FakeAri()
    await server.start()
    yield server
    await server.stop()


def make_client(fake: FakeAri, **kw) -> AriClient:
    options = dict(request_timeout=2.0, connect_timeout=1.0, heartbeat=1.0,
                   backoff_initial=0.02, backoff_max=0.2, healthy_after=0.5)
    options.update(kw)
    return AriClient(fake.base_url, fake.username, fake.password, "dialer", **options)


@pytest.fixture
async def client(fake):
    c = make_client(fake)
    yield c
    await c.close()


async def wait_until(predicate, timeout: float = 5.0, step: float = 0.005) -> None:
    """For counters owned by the client (no condition to await on)."""
    async def _poll() -> None:
        while not predicate():
            await asyncio.sleep(step)
    await asyncio.wait_for(_poll(), timeout)


# --------------------------------------------------------------------------- REST


async def test_auth_header_sent_and_credentials_never_in_url(fake, client):
    await client.list_channels()
    rec = fake.last()
    assert rec.headers["Authorization"] == aiohttp.encode_basic_auth(fake.username, fake.password)
    assert fake.password not in rec.raw_url and "api_key" not in rec.query
    assert "s3cr" not in repr(client)


async def test_a_channel_listed_twice_is_returned_once(fake, client):
    """Asterisk's GET /channels walks a cache that changes under it: a channel whose snapshot
    was replaced meanwhile comes twice (the flaky sharing lab test counted it as a call)."""
    fake.channels = [{"id": "out-a", "state": "Up"}, {"id": "out-b", "state": "Ring"},
                     {"id": "out-a", "state": "Up"}]
    assert [c["id"] for c in await client.list_channels()] == ["out-a", "out-b"]


async def test_events_handshake_uses_header_not_url(fake, client):
    client.start()
    await asyncio.wait_for(client.connected.wait(), 5)
    hs = fake.ws_handshakes[-1]
    assert hs.path == "/ari/events"
    assert hs.query == {"app": "dialer"}  # no subscribeAll: see AriClient.ALL_SOURCES
    assert hs.headers["Authorization"] == fake.auth_header
    assert fake.password not in hs.raw_url


async def test_subscribes_to_channels_and_bridges_before_resync_hooks(fake):
    c = make_client(fake)
    seen_at_hook = []
    c.on_connect(lambda client: _note(seen_at_hook, fake))
    c.start()
    try:
        await asyncio.wait_for(c.connected.wait(), 5)
        subs = [r for r in fake.requests if r.path == "/ari/applications/dialer/subscription"]
        assert [(r.method, r.query) for r in subs] == [("POST", {"eventSource": "channel:,bridge:"})]
        assert seen_at_hook == [1]  # subscribed before the hook ran
    finally:
        await c.close()


async def _note(seen, fake):
    seen.append(sum(r.path.endswith("/subscription") for r in fake.requests))


async def test_subscribe_all_false_subscribes_to_nothing(fake):
    c = make_client(fake, subscribe_all=False)
    c.start()
    try:
        await asyncio.wait_for(c.connected.wait(), 5)
        assert fake.ws_handshakes[-1].query == {"app": "dialer"}
        assert not [r for r in fake.requests if r.path.endswith("/subscription")]
    finally:
        await c.close()


async def test_bad_credentials_is_plain_ari_error(fake):
    c = AriClient(fake.base_url, fake.username, "wrong", "dialer")
    try:
        with pytest.raises(AriError) as info:
            await c.list_channels()
        assert type(info.value) is AriError and info.value.status == 401
    finally:
        await c.close()


@pytest.mark.parametrize("status,cls", [
    (404, AriNotFound), (409, AriConflict), (412, AriConflict), (422, AriUnprocessable),
    (400, AriUnprocessable), (500, AriUnavailable), (503, AriUnavailable), (403, AriError),
])
async def test_typed_errors(fake, client, status, cls):
    fake.respond("POST", "/channels/c1/answer", status, {"message": f"boom {status}"})
    with pytest.raises(AriError) as info:
        await client.answer("c1")
    err = info.value
    assert type(err) is cls
    assert (err.status, err.method, err.path, err.message) == (status, "POST", "/channels/c1/answer", f"boom {status}")


async def test_error_with_non_json_body(fake, client):
    fake.respond("GET", "/channels/x", 404, "Not Found here")
    with pytest.raises(AriNotFound, match="Not Found here"):
        await client.get_channel("x")


async def test_connection_refused_is_unavailable_with_cause(fake):
    port = fake.port
    await fake.stop()
    c = AriClient(f"http://127.0.0.1:{port}", "u", "p", "dialer")
    try:
        with pytest.raises(AriUnavailable) as info:
            await c.ping()
        assert info.value.status is None
        assert isinstance(info.value.cause, aiohttp.ClientConnectorError)
    finally:
        await c.close()


async def test_request_timeout_is_unavailable(fake, client):
    fake.respond("GET", "/asterisk/info", 200, {"build": {}}, delay=1.0)
    with pytest.raises(AriUnavailable, match="timed out") as info:
        await client.request("GET", "/asterisk/info", timeout=0.05)
    assert isinstance(info.value.cause, asyncio.TimeoutError)


async def test_originate_params_and_body_exact(fake, client):
    result = await client.originate(
        "PJSIP/15550001230@carrier", channel_id="att-42", context="dialer-amd", extension="s", priority=1,
        caller_id='"Acme" <5551234>', timeout=30, variables={"CAMPAIGN": "7", "ATTEMPT": 42},
        other_channel_id="att-42-b", originator="agent-1", formats=["ulaw", "alaw"])
    rec = fake.last("POST")
    assert rec.path == "/ari/channels"
    assert rec.query == {
        "endpoint": "PJSIP/15550001230@carrier", "channelId": "att-42", "context": "dialer-amd",
        "extension": "s", "priority": "1", "callerId": '"Acme" <5551234>', "timeout": "30",
        "otherChannelId": "att-42-b", "originator": "agent-1", "formats": "ulaw,alaw"}
    assert rec.body == {"variables": {"CAMPAIGN": "7", "ATTEMPT": "42"}}
    assert result["id"] == "att-42"


async def test_originate_to_app_without_variables_sends_no_body(fake, client):
    await client.originate("PJSIP/100", channel_id="a1", app="dialer", app_args=["agent", "7"])
    rec = fake.last("POST")
    assert rec.query == {"endpoint": "PJSIP/100", "channelId": "a1", "app": "dialer", "appArgs": "agent,7"}
    assert rec.body is None


async def test_hangup_404_returns_false_and_ok_returns_true(fake, client):
    fake.respond("DELETE", "/channels/gone", 404, {"message": "Channel not found"})
    assert await client.hangup("gone") is False
    assert await client.hangup("here", reason="busy") is True
    assert fake.last().query == {"reason": "busy"}
    fake.respond("DELETE", "/channels/bad", 400, {"message": "Invalid reason for hangup provided"})
    with pytest.raises(AriUnprocessable):
        await client.hangup("bad", reason="nope")


@pytest.mark.parametrize("call,method,path,query", [
    (lambda c: c.answer("a/b"), "POST", "/ari/channels/a%2Fb/answer", {}),
    (lambda c: c.ring("c1"), "POST", "/ari/channels/c1/ring", {}),
    (lambda c: c.continue_in_dialplan("c1", "ctx", "s", 2), "POST", "/ari/channels/c1/continue",
     {"context": "ctx", "extension": "s", "priority": "2"}),
    (lambda c: c.play("c1", "sound:hello-world", "pb1"), "POST", "/ari/channels/c1/play/pb1",
     {"media": "sound:hello-world"}),
    (lambda c: c.play("c1", ["sound:a", "sound:b"], lang="en"), "POST", "/ari/channels/c1/play",
     {"media": "sound:a,sound:b", "lang": "en"}),
    (lambda c: c.play_on_bridge("b1", "sound:x", "pb2"), "POST", "/ari/bridges/b1/play/pb2", {"media": "sound:x"}),
    (lambda c: c.record("c1", "rec1", max_duration_seconds=60, beep=True, if_exists="overwrite"),
     "POST", "/ari/channels/c1/record",
     {"name": "rec1", "format": "wav", "maxDurationSeconds": "60", "beep": "true", "ifExists": "overwrite"}),
    (lambda c: c.record_bridge("b1", "call-9", "gsm"), "POST", "/ari/bridges/b1/record",
     {"name": "call-9", "format": "gsm"}),
    (lambda c: c.create_bridge("b1", name="call-9"), "POST", "/ari/bridges/b1", {"type": "mixing", "name": "call-9"}),
    (lambda c: c.create_bridge("b2", ["mixing", "dtmf_events"]), "POST", "/ari/bridges/b2",
     {"type": "mixing,dtmf_events"}),
    (lambda c: c.add_to_bridge("b1", ["c1", "c2"], role="agent", absorb_dtmf=False), "POST",
     "/ari/bridges/b1/addChannel", {"channel": "c1,c2", "role": "agent", "absorbDTMF": "false"}),
    (lambda c: c.remove_from_bridge("b1", "c1"), "POST", "/ari/bridges/b1/removeChannel", {"channel": "c1"}),
    (lambda c: c.set_variable("c1", "X", "1"), "POST", "/ari/channels/c1/variable", {"variable": "X", "value": "1"}),
    (lambda c: c.send_dtmf("c1", "12#", between=100), "POST", "/ari/channels/c1/dtmf",
     {"dtmf": "12#", "between": "100"}),
    (lambda c: c.snoop("c1", "dialer", snoop_id="s1", spy="both"), "POST", "/ari/channels/c1/snoop/s1",
     {"app": "dialer", "spy": "both"}),
    (lambda c: c.subscribe("endpoint:PJSIP/100"), "POST", "/ari/applications/dialer/subscription",
     {"eventSource": "endpoint:PJSIP/100"}),
    (lambda c: c.unsubscribe(["channel:a", "bridge:b"]), "DELETE", "/ari/applications/dialer/subscription",
     {"eventSource": "channel:a,bridge:b"}),
    (lambda c: c.asterisk_info(["build", "system"]), "GET", "/ari/asterisk/info", {"only": "build,system"}),
    (lambda c: c.ping(), "GET", "/ari/asterisk/ping", {}),
    (lambda c: c.list_endpoints("PJSIP"), "GET", "/ari/endpoints/PJSIP", {}),
    (lambda c: c.stop_recording("rec1"), "POST", "/ari/recordings/live/rec1/stop", {}),
    (lambda c: c.list_bridges(), "GET", "/ari/bridges", {}),
])
async def test_typed_methods_map_to_ari(fake, client, call, method, path, query):
    await call(client)
    rec = fake.last()
    assert (rec.method, rec.path, rec.query) == (method, path, query)


async def test_get_variable_and_204_results(fake, client):
    fake.respond("GET", "/channels/c1/variable", 200, {"value": "HUMAN"})
    assert await client.get_variable("c1", "AMDSTATUS") == "HUMAN"
    assert fake.last().query == {"variable": "AMDSTATUS"}
    assert await client.answer("c1") is None
    assert await client.destroy_bridge("b1") is True
    fake.respond("DELETE", "/bridges/b1", 404, {"message": "Bridge not found"})
    assert await client.destroy_bridge("b1") is False


def test_record_rejects_unknown_option():
    c = AriClient("http://127.0.0.1:1", "u", "p", "dialer")
    with pytest.raises(TypeError):
        asyncio.run(c.record("c1", "r", maxDuration=3))


def test_encode_params():
    assert encode_params({"a": True, "b": False, "c": None, "d": ["x", "y"], "e": 3, "f": "s"}) == {
        "a": "true", "b": "false", "d": "x,y", "e": "3", "f": "s"}


def test_base_url_with_or_without_ari_suffix():
    assert AriClient("http://h:8088/ari/", "u", "p", "a").events_url == "http://h:8088/ari/events"
    assert AriClient("http://h:8088", "u", "p", "a").events_url == "http://h:8088/ari/events"


def test_colon_in_username_rejected():
    with pytest.raises(ValueError):
        AriClient("http://h:8088", "a:b", "p", "a")


# --------------------------------------------------------------------------- event keys and backoff


def test_event_key_per_object():
    assert event_key(channel_event("StasisStart", "c1")) == "channel:c1"
    assert event_key({"type": "ChannelEnteredBridge", "channel": {"id": "c1"}, "bridge": {"id": "b1"}}) == "channel:c1"
    assert event_key({"type": "BridgeDestroyed", "bridge": {"id": "b1"}}) == "bridge:b1"
    assert event_key({"type": "PlaybackFinished", "playback": {"id": "p", "target_uri": "channel:c9"}}) == "channel:c9"
    assert event_key({"type": "RecordingFinished", "recording": {"target_uri": "bridge:b2"}}) == "bridge:b2"
    assert event_key({"type": "Dial", "peer": {"id": "c3"}, "dialstatus": "RINGING"}) == "channel:c3"
    assert event_key({"type": "EndpointStateChange", "endpoint": {"resource": "100"}}) == ""
    assert event_key({"type": "StasisStart", "channel": "not-a-dict"}) == ""
    assert event_key({"type": "PlaybackStarted", "playback": {"target_uri": 5}}) == ""


def test_backoff_is_capped_jittered_and_grows():
    rng = random.Random(1)
    delays = [backoff_delay(n, 0.2, 10.0, rng) for n in range(12)]
    assert all(0.1 <= d <= 10.0 for d in delays)
    assert 0.1 <= delays[0] <= 0.2 and 0.2 <= delays[1] <= 0.4 and 1.6 <= delays[4] <= 3.2
    assert all(5.0 <= d <= 10.0 for d in delays[6:])
    assert backoff_delay(10_000, 0.2, 10.0, rng) <= 10.0  # no overflow


# --------------------------------------------------------------------------- dispatch


async def test_events_dispatched_by_type_and_catch_all(fake, client):
    starts, everything = Seen(), Seen()
    client.on("StasisStart", starts.add)

    @client.on("*")
    async def catch_all(event):
        await everything.add(event)

    client.start()
    await asyncio.wait_for(client.connected.wait(), 5)
    await fake.push(channel_event("StasisStart", "c1", args=["x"]), channel_event("ChannelStateChange", "c1"),
                    {"type": "SomethingFromTheFuture", "foo": 1})
    await everything.wait_count(3)
    assert [e["type"] for e in starts.events] == ["StasisStart"]
    assert starts.events[0]["args"] == ["x"] and starts.events[0]["channel"]["id"] == "c1"
    assert [e["type"] for e in everything.events] == ["StasisStart", "ChannelStateChange", "SomethingFromTheFuture"]


async def test_sync_handlers_are_supported(fake, client):
    got = []
    done = asyncio.Event()
    client.on("StasisEnd", lambda e: (got.append(e["channel"]["id"]), done.set()))
    client.start()
    await asyncio.wait_for(client.connected.wait(), 5)
    await fake.push(channel_event("StasisEnd", "c7"))
    await asyncio.wait_for(done.wait(), 5)
    assert got == ["c7"]


async def test_per_channel_order_while_other_channel_handler_is_slow(fake, client):
    """A's first handler blocks until B's three events are all handled: proves B is not
    serialised behind A; A's second event still waits for A's first (order kept)."""
    log: list[tuple[str, str]] = []  # (seq, phase)
    a1_started, release_a1 = asyncio.Event(), asyncio.Event()
    done = Seen()

    async def handler(event):
        seq = event["seq"]
        log.append((seq, "start"))
        if seq == "A1":
            a1_started.set()
            await release_a1.wait()
        log.append((seq, "end"))
        await done.add(event)

    client.on("ChannelVarset", handler)
    client.start()
    await asyncio.wait_for(client.connected.wait(), 5)
    await fake.push(*(channel_event("ChannelVarset", ch, seq=seq)
                      for ch, seq in [("A", "A1"), ("B", "B1"), ("A", "A2"), ("B", "B2"), ("B", "B3")]))
    await asyncio.wait_for(a1_started.wait(), 5)
    await done.wait(lambda evs: [e["seq"] for e in evs] == ["B1", "B2", "B3"])
    # A1 is still running and A2 has not started while all of B was handled.
    assert ("A1", "end") not in log and ("A2", "start") not in log
    release_a1.set()
    await done.wait_count(5)
    assert [e["seq"] for e in done.events] == ["B1", "B2", "B3", "A1", "A2"]
    assert log.index(("A1", "end")) < log.index(("A2", "start"))


async def test_order_kept_per_channel_under_interleaving(fake, client):
    """Many channels, random per-handler yields: each channel's events come out in push order."""
    rng = random.Random(7)
    done = Seen()

    async def handler(event):
        for _ in range(rng.randint(0, 5)):
            await asyncio.sleep(0)
        await done.add(event)

    client.on("ChannelDtmfReceived", handler)
    client.start()
    await asyncio.wait_for(client.connected.wait(), 5)
    pushed = [(f"c{rng.randint(0, 19)}", i) for i in range(400)]
    await fake.push(*(channel_event("ChannelDtmfReceived", ch, n=i, digit="1") for ch, i in pushed))
    await done.wait_count(len(pushed))
    for ch in {c for c, _ in pushed}:
        assert [e["n"] for e in done.events if e["channel"]["id"] == ch] == [i for c, i in pushed if c == ch]
    await wait_until(lambda: client.dispatcher.active_keys == 0)


async def test_handler_exception_does_not_stop_dispatch(fake, client):
    seen = Seen()

    async def explodes(event):
        if event["seq"] == 1:
            raise RuntimeError("handler bug")

    client.on("ChannelVarset", explodes)
    client.on("ChannelVarset", seen.add)  # a second handler of the same event still runs
    client.start()
    await asyncio.wait_for(client.connected.wait(), 5)
    await fake.push(channel_event("ChannelVarset", "c1", seq=1), channel_event("ChannelVarset", "c1", seq=2))
    await seen.wait_count(2)
    assert [e["seq"] for e in seen.events] == [1, 2]
    assert client.dispatcher.handler_errors == 1
    assert client.connects == 1


async def test_malformed_messages_are_skipped(fake, client):
    seen = Seen()
    client.on("*", seen.add)
    client.start()
    await asyncio.wait_for(client.connected.wait(), 5)
    for junk in ["not json", "[1, 2]", '{"no_type": 1}', '{"type": 5}', '{"type": ""}', "null", '{"type"']:
        await fake.push_raw(junk)
    await fake.push_raw(b"\xff\xfe binary junk")
    await fake.push({"type": "StasisStart", "channel": "oops"})  # wrong shape: delivered, keyed global
    await fake.push(channel_event("StasisStart", "good"))
    await seen.wait_count(2)
    assert [e["type"] for e in seen.events] == ["StasisStart", "StasisStart"]
    assert seen.events[1]["channel"]["id"] == "good"
    assert client.connects == 1 and client.disconnects == 0


async def test_idle_workers_are_reaped_at_scale():
    d = Dispatcher()
    handled = 0
    all_done = asyncio.Event()

    async def handler(event):
        nonlocal handled
        await asyncio.sleep(0)
        handled += 1
        if handled == 3000:
            all_done.set()

    d.on("ChannelStateChange", handler)
    for i in range(3000):
        d.dispatch(channel_event("ChannelStateChange", f"c{i}"))
    assert d.active_keys == 3000
    await asyncio.wait_for(all_done.wait(), 10)
    await asyncio.sleep(0)  # let the last worker run its finally
    assert d.active_keys == 0
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("ari-events")]


# --------------------------------------------------------------------------- reconnect and resync


async def test_drop_reconnects_and_resyncs_again(fake, client):
    hook_calls: list[int] = []
    seen = Seen()

    @client.on_connect
    async def resync(c):
        assert c is client
        hook_calls.append(len(await c.list_channels()))

    client.on("StasisStart", seen.add)
    client.start()
    await asyncio.wait_for(client.connected.wait(), 5)
    await fake.push(channel_event("StasisStart", "before"))
    await seen.wait_count(1)

    fake.channels = [{"id": "survivor"}]
    await fake.drop()
    await wait_until(lambda: client.connects == 2 and client.connected.is_set())
    assert hook_calls == [0, 1]
    assert client.reconnects == 1 and client.disconnects == 1
    await fake.push(channel_event("StasisStart", "after"))
    await seen.wait_count(2)
    assert [e["channel"]["id"] for e in seen.events] == ["before", "after"]


async def test_abrupt_tcp_drop_reconnects(fake, client):
    client.start()
    await asyncio.wait_for(client.connected.wait(), 5)
    await fake.drop(abort=True)
    await wait_until(lambda: client.connects == 2 and client.connected.is_set())
    assert client.disconnects == 1


async def test_resync_runs_before_live_events_of_the_connection(fake, client):
    """Events Asterisk sends right after the handshake are held until every hook is done."""
    order: list[str] = []
    release_hook = asyncio.Event()
    hook_entered = asyncio.Event()
    seen = Seen()

    @client.on_connect
    async def slow_resync(c):
        order.append("hook-start")
        hook_entered.set()
        await release_hook.wait()
        order.append("hook-end")

    async def handler(event):
        order.append(event["channel"]["id"])
        await seen.add(event)

    client.on("StasisStart", handler)
    fake.greeting = [channel_event("StasisStart", "early1"), channel_event("StasisStart", "early2")]
    client.start()
    await asyncio.wait_for(hook_entered.wait(), 5)
    await fake.wait_sockets(1)
    await fake.push(channel_event("StasisStart", "early3"))
    # Round-trip through the client's socket: by the time the pong comes back, the
    # greeting and early3 have been read by the client (and must be held).
    await asyncio.wait_for(client._ws.ping(), 5)
    await wait_until(lambda: len(client._held or []) == 3)
    assert order == ["hook-start"] and not client.connected.is_set() and client.state == "resyncing"
    release_hook.set()
    await seen.wait_count(3)
    assert order == ["hook-start", "hook-end", "early1", "early2", "early3"]
    assert client.connected.is_set() and client.state == "connected"


async def test_failing_resync_hook_does_not_block_events(fake, client):
    seen = Seen()
    ran = []

    @client.on_connect
    async def broken(c):
        raise AriUnavailable(503, "GET", "/channels", "boom")

    @client.on_connect
    async def fine(c):
        ran.append(True)

    client.on("StasisStart", seen.add)
    client.start()
    await asyncio.wait_for(client.connected.wait(), 5)
    await fake.push(channel_event("StasisStart", "c1"))
    await seen.wait_count(1)
    assert client.resync_failures == 1 and ran == [True]


async def test_server_down_for_a_while_then_back(fake, client):
    seen = Seen()
    hooks = []
    client.on_connect(lambda c: _append_async(hooks, c))
    client.on("StasisStart", seen.add)
    client.start()
    await asyncio.wait_for(client.connected.wait(), 5)

    await fake.stop()  # Asterisk dies: socket cut, port refuses connections
    await wait_until(lambda: client.connect_failures >= 3)
    assert not client.connected.is_set() and client.connects == 1
    await fake.start()  # same port
    await wait_until(lambda: client.connects == 2 and client.connected.is_set())
    assert len(hooks) == 2
    await fake.push(channel_event("StasisStart", "after-restart"))
    await seen.wait_count(1)


async def _append_async(target: list, value) -> None:
    target.append(value)


async def test_handshake_refused_with_503_is_retried(fake, client):
    fake.ws_reject_status = 503
    client.start()
    await wait_until(lambda: client.connect_failures >= 2)
    assert client.connects == 0
    fake.ws_reject_status = None
    await asyncio.wait_for(client.connected.wait(), 5)


async def test_backoff_grows_while_down(fake):
    sleeps: list[float] = []

    class Recording(AriClient):
        async def _backoff_sleep(self, delay):
            sleeps.append(delay)
            await asyncio.sleep(0)

    await fake.stop()
    c = Recording(fake.base_url, "u", "p", "dialer", backoff_initial=0.01, backoff_max=0.08)
    c.start()
    try:
        await wait_until(lambda: len(sleeps) >= 8)
    finally:
        await c.close()
    ceilings = [min(0.08, 0.01 * 2 ** n) for n in range(8)]
    assert all(ceil / 2 <= d <= ceil for d, ceil in zip(sleeps, ceilings, strict=False)), sleeps


async def test_heartbeat_detects_half_open_socket(fake):
    c = make_client(fake, heartbeat=0.1)
    fake.ws_silent = True  # the first socket never answers pings, like a peer that vanished
    c.start()
    try:
        await asyncio.wait_for(c.connected.wait(), 5)
        fake.ws_silent = False
        await wait_until(lambda: c.connects == 2 and c.connected.is_set())
        assert c.disconnects == 1
    finally:
        await c.close()


# --------------------------------------------------------------------------- stop


async def test_stop_leaves_no_pending_tasks(fake):
    before = set(asyncio.all_tasks())
    c = make_client(fake)
    blocked = asyncio.Event()

    async def stuck(event):
        blocked.set()
        await asyncio.Event().wait()  # a handler that never returns

    c.on("StasisStart", stuck)
    run_task = c.start()
    await asyncio.wait_for(c.connected.wait(), 5)
    await fake.push(channel_event("StasisStart", "c1"), channel_event("StasisStart", "c2"))
    await asyncio.wait_for(blocked.wait(), 5)
    await c.stop(drain_timeout=0.05)
    await asyncio.wait_for(run_task, 5)  # run() returns normally after stop()
    assert c.state == "stopped" and not c.connected.is_set()
    assert c.dispatcher.active_keys == 0
    await c.close()
    await fake.wait_sockets(0)
    leftover = [t for t in asyncio.all_tasks() - before if t is not asyncio.current_task() and not t.done()]
    assert not leftover, leftover


async def test_stop_during_backoff_and_during_hook_is_prompt(fake):
    c = make_client(fake, backoff_initial=5.0, backoff_max=5.0)
    hook_entered = asyncio.Event()

    @c.on_connect
    async def hangs(client):
        hook_entered.set()
        await asyncio.Event().wait()

    task = c.start()
    await asyncio.wait_for(hook_entered.wait(), 5)
    await asyncio.wait_for(c.stop(), 2)  # hook is cancelled, not awaited forever
    await asyncio.wait_for(task, 2)

    await fake.stop()
    c2 = make_client(fake, backoff_initial=5.0, backoff_max=5.0)
    task2 = c2.start()
    await wait_until(lambda: c2.state == "backoff")
    await asyncio.wait_for(c2.close(), 2)
    await asyncio.wait_for(task2, 2)
    await c.close()


async def test_stop_drains_queued_events_within_timeout(fake, client):
    seen = Seen()
    gate = asyncio.Event()

    async def handler(event):
        await gate.wait()
        await seen.add(event)

    client.on("ChannelVarset", handler)
    client.start()
    await asyncio.wait_for(client.connected.wait(), 5)
    await fake.push(*(channel_event("ChannelVarset", "c1", seq=i) for i in range(3)))
    await wait_until(lambda: client.dispatcher.dispatched == 3)
    stopping = asyncio.create_task(client.stop(drain_timeout=5))
    await asyncio.sleep(0)
    gate.set()
    await asyncio.wait_for(stopping, 5)
    assert [e["seq"] for e in seen.events] == [0, 1, 2]


async def test_run_cancelled_from_outside_propagates(fake, client):
    task = client.start()
    await asyncio.wait_for(client.connected.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_run_twice_is_refused(fake, client):
    client.start()
    await asyncio.wait_for(client.connected.wait(), 5)
    with pytest.raises(RuntimeError):
        await client.run()


async def test_application_replaced_is_logged_and_dispatched(fake, client, caplog):
    seen = Seen()
    client.on("ApplicationReplaced", seen.add)
    client.start()
    await asyncio.wait_for(client.connected.wait(), 5)
    await fake.push({"type": "ApplicationReplaced", "application": "dialer"})
    await seen.wait_count(1)
    assert any("taken over" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)


async def test_caller_session_is_used_and_not_closed(fake):
    async with aiohttp.ClientSession() as session:
        c = AriClient(fake.base_url, fake.username, fake.password, "dialer", session=session)
        await c.ping()
        await c.close()
        assert not session.closed
        assert fake.last().path == "/ari/asterisk/ping"


async def test_drop_during_resync_still_delivers_held_events_before_next_resync(fake, client):
    order: list[str] = []
    release_first = asyncio.Event()
    seen = Seen()

    @client.on_connect
    async def resync(c):
        order.append(f"hook{c.connects}-start")
        if c.connects == 1:
            await release_first.wait()
        order.append(f"hook{c.connects}-end")

    async def handler(event):
        order.append(event["channel"]["id"])
        await seen.add(event)

    client.on("StasisStart", handler)
    fake.greeting = [channel_event("StasisStart", "held")]
    client.start()
    # held, and the hook running (it starts after the app's subscription request)
    await wait_until(lambda: len(client._held or []) == 1 and order == ["hook1-start"])
    fake.greeting = []
    await fake.drop()
    await wait_until(lambda: client.state == "disconnected")  # socket gone, hook still running
    assert order == ["hook1-start"]
    release_first.set()
    await seen.wait_count(1)
    await wait_until(lambda: client.connects == 2 and client.connected.is_set())
    assert order == ["hook1-start", "hook1-end", "held", "hook2-start", "hook2-end"]
