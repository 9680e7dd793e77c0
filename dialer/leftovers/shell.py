"""After the dialer restarts: channels still in its Stasis app that nothing tracks any
more. Never leave anyone waiting in silence:

- two or more parties talking in a bridge (an inbound call that was connected) are left
  talking; when one hangs up, the others are hung up, the bridge goes and the call's
  record is closed (`talk_ended`);
- a caller to the company number still waiting is taken through the ring group again;
- anything else (a desk phone still ringing for a caller, a call nobody acts on) is
  hung up.
"""

from __future__ import annotations

from typing import Awaitable, Callable

from ..ari import AriClient
from ..features import Feature, PbxSnapshot, ResyncHandover, ResyncPhase, ResyncStep
from ..inbound.legs import RING_LEG_PREFIX


def stasis_args(channel: dict, app: str) -> list[str] | None:
    """The arguments of the Stasis() the channel sits in, if it is `app`'s."""
    dialplan = channel.get("dialplan") or {}
    if dialplan.get("app_name") != "Stasis":
        return None
    name, *args = (dialplan.get("app_data") or "").split(",")
    return args if name == app else None


class Leftovers:
    def __init__(self, ari: AriClient, app: str,
                 talk_ended: Callable[[list[str]], Awaitable[object]] | None = None):
        """`talk_ended`: told the channels of a bridge taken back once they are gone."""
        self.ari, self.app, self.talk_ended = ari, app, talk_ended
        self.talking: dict[str, tuple[str, list[str]]] = {}  # channel -> (bridge, members)

    def feature(self, tracked: Callable[[], set[str]],
                restart_caller: Callable[[dict], Awaitable[None]]) -> Feature:
        """Asked last on a ChannelDestroyed: the channels no other feature tracks
        (`tracked`: those the features track; `restart_caller`: a StasisStart again)."""

        async def resync_step(ari: AriClient, pbx: PbxSnapshot,
                              handover: ResyncHandover) -> ResyncHandover:
            await self.resync([c for c in pbx.channels if c["id"] not in handover.hung_up],
                              pbx.bridges, tracked().__contains__, restart_caller)
            return handover
        return Feature("leftovers", channels=self.talking.keys,
                       on_channel_destroyed=lambda event: self.on_channel_destroyed(
                           event["channel"]["id"]),
                       resync=ResyncStep(ResyncPhase.LEFTOVERS, resync_step))

    async def resync(self, channels: list[dict], bridges: list[dict],
                     tracked: Callable[[str], bool],
                     restart_caller: Callable[[dict], Awaitable[None]]) -> None:
        bridge_of = {member: b for b in bridges for member in b.get("channels") or []}
        callers = []
        for channel in channels:
            channel_id = channel["id"]
            args = stasis_args(channel, self.app)
            if tracked(channel_id) or channel_id in self.talking:
                continue
            if args is None:  # not in Stasis: a desk phone still ringing for a caller
                if channel_id.startswith(RING_LEG_PREFIX):
                    await self.ari.hangup(channel_id)
                continue
            bridge = bridge_of.get(channel_id)
            members = list(bridge.get("channels") or []) if bridge else []
            if bridge and len(members) > 1 and not bridge["id"].startswith("dialer-agent-"):
                for member in members:
                    self.talking[member] = (bridge["id"], members)
            elif args[:1] == ["inbound"] and len(args) > 1:
                callers.append({"channel": channel, "args": args})
            else:
                await self.ari.hangup(channel_id)
        for event in callers:  # once the phones that rang for them are free again
            await restart_caller(event)

    async def on_channel_destroyed(self, channel_id: str) -> bool:
        entry = self.talking.pop(channel_id, None)
        if entry is None:
            return False
        bridge_id, members = entry
        for other in members:
            if self.talking.pop(other, None) is not None:
                await self.ari.hangup(other)
        await self.ari.destroy_bridge(bridge_id)
        if self.talk_ended is not None:
            await self.talk_ended(members)
        return True
