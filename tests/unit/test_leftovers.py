"""What the dialer does, after a restart, with channels in its Stasis app nobody tracks."""

from __future__ import annotations

from dialer.features import PbxSnapshot, ResyncHandover
from dialer.leftovers.shell import Leftovers, stasis_args


class StubAri:
    def __init__(self):
        self.hung_up, self.destroyed = [], []

    async def hangup(self, channel_id):
        self.hung_up.append(channel_id)
        return True

    async def destroy_bridge(self, bridge_id):
        self.destroyed.append(bridge_id)
        return True


def channel(cid, app_data=None, app_name="Stasis"):
    dialplan = {"app_name": app_name, "app_data": app_data} if app_data is not None else {
        "app_name": "AppDial2", "app_data": "(Outgoing Line)"}
    return {"id": cid, "dialplan": dialplan}


def test_stasis_args_only_for_our_app():
    assert stasis_args(channel("c", "dialer,inbound,+1212"), "dialer") == ["inbound", "+1212"]
    assert stasis_args(channel("c", "other,inbound"), "dialer") is None
    assert stasis_args(channel("c"), "dialer") is None
    assert stasis_args({"id": "c"}, "dialer") is None


async def test_waiting_callers_rerun_talkers_kept_the_rest_hung_up():
    ari, restarted, ended = StubAri(), [], []

    async def talk_ended(channels):
        ended.append(sorted(channels))
    left = Leftovers(ari, "dialer", talk_ended)

    async def restart(event):
        assert "ring-old" in ari.hung_up  # the phone is freed before the caller is rerun
        restarted.append(event["channel"]["id"])

    channels = [channel("waiting", "dialer,inbound,+1212"), channel("ring-old"),
                channel("talk-a", "dialer,inbound,+1212"), channel("talk-b", "dialer,ringleg,x"),
                channel("lost", "dialer,amd,HUMAN,"), channel("tracked", "dialer,amd,HUMAN,"),
                channel("agent-1-ab", "dialer,agent,1"), channel("cust", "dialer,amd,HUMAN,")]
    bridges = [{"id": "inbound-1", "channels": ["talk-a", "talk-b"]},
               {"id": "dialer-agent-1", "channels": ["agent-1-ab", "cust"]}]
    await left.resync(channels, bridges, lambda c: c == "tracked", restart)

    assert restarted == ["waiting"]
    assert sorted(left.talking) == ["talk-a", "talk-b"]
    assert sorted(ari.hung_up) == ["agent-1-ab", "cust", "lost", "ring-old"]

    assert await left.on_channel_destroyed("talk-a")
    assert "talk-b" in ari.hung_up and ari.destroyed == ["inbound-1"] and not left.talking
    assert ended == [["talk-a", "talk-b"]]  # the inbound call's record closes once
    assert not await left.on_channel_destroyed("talk-b")
    assert len(ended) == 1


async def test_its_resync_step_leaves_what_earlier_steps_hung_up_and_what_is_tracked():
    ari, restarted = StubAri(), []

    async def restart(event):
        restarted.append(event["channel"]["id"])

    left = Leftovers(ari, "dialer")
    step = left.feature(lambda: {"tracked"}, restart).resync
    channels = [channel("hung", "dialer,amd,HUMAN,"), channel("tracked", "dialer,amd,HUMAN,"),
                channel("lost", "dialer,amd,HUMAN,"), channel("caller", "dialer,inbound,+1")]
    handover = ResyncHandover(hung_up=frozenset({"hung"}))
    assert await step.run(ari, PbxSnapshot(channels, [], first_connect=False),
                          handover) is handover
    assert ari.hung_up == ["lost"] and restarted == ["caller"]
