"""ARI events of unexpected shapes never kill the app.

A real Dialer (SQLite, the fake ARI's websocket, no campaign runner) receives
hypothesis-generated events: missing keys, wrong types, unknown types, odd `args`, junk
that is not JSON at all. After each batch a well-formed event must still be handled (a
StasisStart nobody expects is hung up), on the same websocket (no reconnect), with no
exception escaping into the event loop.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialer.db import migrate, open_database
from dialer.db.models import Account, Agent, Campaign, ServicePlan, User
from tests.fake_ari import channel_event
from tests.served import Served

TYPES = ["StasisStart", "StasisEnd", "ChannelStateChange", "ChannelDestroyed",
         "PlaybackFinished", "PlaybackStarted", "ChannelDtmfReceived", "ChannelHangupRequest",
         "ChannelEnteredBridge", "BridgeDestroyed", "Dial", "DeviceStateChanged",
         "RecordingFinished", "RecordingFailed", "ApplicationReplaced", "NoSuchEvent"]
PREFIXES = ["amd", "agent", "inbound", "ringleg", "actioncontact", "", "nope"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8)
ids = st.sampled_from(["", "c1", "agent-1", "amd-1", "ring-1", "1", "x" * 300]) | json_values
objects = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={"id": ids, "name": json_values, "state": json_values,
                                        "target_uri": json_values | st.sampled_from(
                                            ["channel:", "bridge:", "channel:c1", "x:y"]),
                                        "caller": json_values, "dialplan": json_values}))
names = st.sampled_from(["c1", "agent-1", "amd-1", "ring-1", "1"]) | st.text(min_size=1,
                                                                             max_size=12)
channels = st.fixed_dictionaries(  # well-formed channels: the handlers' own paths get odd values
    {"id": names, "name": st.text(max_size=12), "state": st.sampled_from(["Up", "Ring", "Down"])},
    optional={"caller": st.fixed_dictionaries({}, optional={"number": json_values,
                                                            "name": json_values})})
playbacks = st.fixed_dictionaries({"id": names}, optional={
    "target_uri": st.sampled_from(["channel:c1", "bridge:b1", "channel:", ""]),
    "state": st.text(max_size=8)})
args = st.one_of(
    json_values,
    st.lists(st.sampled_from(PREFIXES) | json_values, max_size=4),
    st.tuples(st.sampled_from(PREFIXES), ids).map(list),
    st.lists(st.sampled_from(PREFIXES + ["1", "2", "x"]) | st.text(max_size=6), max_size=4),
)
events = st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES) | st.text(max_size=12)},
    optional={"channel": channels | objects, "args": args, "playback": playbacks | objects,
              "bridge": objects,
              "peer": objects, "digit": st.sampled_from(["1", "2", "#"]) | json_values,
              "cause": st.integers(0, 127) | json_values, "soft": json_values,
              "cause_txt": json_values, "recording": objects, "timestamp": json_values,
              "application": json_values, "replace_channel": objects})
# Events whose shape is right but whose values are odd: these reach the handlers themselves.
handled_events = st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES[:-1]), "channel": channels},
    optional={"args": args, "playback": playbacks, "digit": st.sampled_from(["1", "2", "#"]),
              "cause": st.integers(0, 127), "bridge": st.fixed_dictionaries({"id": names})})
messages = st.one_of(events.map(json.dumps),
                     handled_events.map(json.dumps),
                     st.text(max_size=40),  # not JSON, or JSON that is no event
                     json_values.map(json.dumps))


class Recorder(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('ari-fuzz')}/dialer.db"
    db = open_database(url)
    migrate(db)
    plan = ServicePlan.create(name="base")
    acme = Account.create(name="Acme", plan=plan, company_number="+12125550100")
    Campaign.create(account=acme, name="spring")
    Agent.create(user=User.create(account=acme, username="ann", password_hash="!"),
                 endpoint="PJSIP/ann")
    db.close()
    with Served(url) as app:
        escaped = []
        app.loop.call_soon_threadsafe(app.loop.set_exception_handler,
                                      lambda loop, context: escaped.append(context))
        yield app, escaped


canaries = itertools.count()


async def _deliver(app: Served, raw: list[str]) -> str:
    """Push the messages, then a well-formed event; wait until it has been handled."""
    for data in raw:
        await app.ari.push_raw(data)
    channel_id = f"canary-{next(canaries)}"
    await app.ari.push(channel_event("StasisStart", channel_id, args=["unexpected"]))
    path = f"/ari/channels/{channel_id}"
    for _ in range(500):
        if any(r.method == "DELETE" and r.path == path for r in app.ari.requests):
            return channel_id
        await asyncio.sleep(0.01)
    raise AssertionError(f"the well-formed event after {raw!r:.500} was not handled")


async def _settled(app: Served) -> None:
    """Until the events the dialer's own requests caused (a hang-up's ChannelDestroyed...)
    have come and been handled: on a loaded machine they trail the last canary."""
    dispatcher = app.dialer.ari.dispatcher
    for _ in range(100):
        seen = dispatcher.dispatched
        await asyncio.sleep(0.05)
        if dispatcher.active_keys == 0 and dispatcher.dispatched == seen:
            return


@pytest.mark.timeout(120)
def test_events_of_unexpected_shapes_never_stop_event_handling(served):
    app, escaped = served
    recorder = Recorder()
    logging.getLogger().addHandler(recorder)
    connections = app.ari.ws_connections
    batches = {"n": 0, "messages": 0}
    try:
        @settings(max_examples=300, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.lists(messages, min_size=1, max_size=6))
        def run(raw):
            app.call(_deliver(app, raw))
            batches["n"] += 1
            batches["messages"] += len(raw)
            assert app.dialer.ari.state == "connected"
            assert app.ari.ws_connections == connections, "the events websocket was dropped"
            assert escaped == []

        run()
        app.call(_settled(app))
    finally:
        logging.getLogger().removeHandler(recorder)
    dispatcher = app.dialer.ari.dispatcher
    handled = dispatcher.dispatched - dispatcher.malformed - batches["n"]  # less canaries
    print(f"{batches['messages']} messages in {batches['n']} batches: {dispatcher.malformed} "
          f"malformed events skipped, {handled} odd but well-formed ones handled, "
          f"{dispatcher.handler_errors} handler error(s)")
    assert handled > 60  # the handlers themselves met odd values, not only the shape check
    crashes = [r for r in recorder.records if r.exc_info]
    assert dispatcher.malformed > 0
    assert crashes == [], [f"{r.getMessage()}: {r.exc_info[1]!r}" for r in crashes[:5]]


def test_deeply_nested_json_is_skipped_not_a_reconnect():
    from dialer.ari.events import parse_event

    assert parse_event("[" * 100_000) is None  # RecursionError, not ValueError
    assert parse_event('{"type": "X", "a": ' + "[" * 100_000 + "]" * 100_000 + "}") is None
