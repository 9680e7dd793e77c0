"""The server's feature registry: Stasis routes, ChannelDestroyed order, resync sets and
resync steps."""

from __future__ import annotations

import pytest

from dataclasses import replace

from dialer.features import (Feature, Features, PbxSnapshot, ResyncHandover, ResyncPhase,
                             ResyncStep, StasisRoute)


async def _handled(event: dict, args: list[str]) -> None:
    event["handled"] = args


def _destroyed_by(name: str, channels: set[str], seen: list[str]):
    async def on_destroyed(event: dict) -> bool:
        seen.append(name)
        return event["channel"]["id"] in channels
    return on_destroyed


def test_routes_by_first_argument_and_checks_the_rest():
    features = Features([
        Feature("a", stasis={"amd": StasisRoute(_handled, lambda args: True)}),
        Feature("b", stasis={"agent": StasisRoute(_handled, lambda args: args[1:2] == ["7"]),
                             "inbound": StasisRoute(_handled)}),
    ])
    assert features.route(["amd"]).handler is _handled
    assert features.route(["agent", "7"]) is not None
    assert features.route(["agent", "x"]) is None
    assert features.route(["inbound"]) is None  # the default route needs a second argument
    assert features.route(["inbound", "100"]) is not None
    assert features.route(["nobody", "1"]) is None
    assert features.route([]) is None


def test_a_route_registered_twice_is_refused():
    with pytest.raises(ValueError, match="'amd'"):
        Features([Feature("a", stasis={"amd": StasisRoute(_handled)}),
                  Feature("b", stasis={"amd": StasisRoute(_handled)})])


async def test_channel_destroyed_stops_at_the_first_feature_that_owns_it():
    seen: list[str] = []
    features = Features([Feature("a", on_channel_destroyed=_destroyed_by("a", {"c1"}, seen)),
                         Feature("b", on_channel_destroyed=_destroyed_by("b", {"c1", "c2"}, seen)),
                         Feature("c", on_channel_destroyed=_destroyed_by("c", set(), seen))])
    assert await features.on_channel_destroyed({"channel": {"id": "c1"}})
    assert seen == ["a"]
    assert await features.on_channel_destroyed({"channel": {"id": "c2"}})
    assert seen == ["a", "a", "b"]
    assert not await features.on_channel_destroyed({"channel": {"id": "c3"}})
    assert seen == ["a", "a", "b", "a", "b", "c"]


async def test_resync_sets_and_clean_up():
    async def clean(ari, channels, bridges) -> int:
        return len(channels)

    features = Features([
        Feature("calls", channels=lambda: {"call-1"}),
        Feature("agents", channels=lambda: {"leg-1"}, replays_missed_hangups=False),
        Feature("beep", awaits_own_stasis=lambda c: c.startswith("beep-"), clean_up=clean),
        Feature("more", clean_up=clean),
    ])
    assert features.tracked() == {"call-1", "leg-1"}
    assert features.tracked(replaying=True) == {"call-1"}
    assert features.awaits_own_stasis("beep-snoop-1")
    assert not features.awaits_own_stasis("call-1")
    assert await features.clean_up(None, [{"id": "x"}, {"id": "y"}], []) == 4


async def test_resync_steps_run_by_phase_each_handed_what_the_earlier_did():
    """Registered in ChannelDestroyed order (calls, leftovers, agents), run as the phases
    say: agents, calls, leftovers."""
    ran: list[tuple[str, ResyncHandover]] = []
    pbx = PbxSnapshot([{"id": "leg"}, {"id": "call"}, {"id": "stray"}], [], first_connect=True)

    async def agents(ari, seen: PbxSnapshot, handover: ResyncHandover) -> ResyncHandover:
        ran.append(("agents", handover))
        return replace(handover, taken_back={7: ["call"]}, agent_legs=("leg",))

    async def calls(ari, seen: PbxSnapshot, handover: ResyncHandover) -> ResyncHandover:
        ran.append(("calls", handover))
        assert seen is pbx and seen.live == {"leg", "call", "stray"}
        return replace(handover, hung_up=handover.hung_up | {"stray"})

    async def leftovers(ari, seen: PbxSnapshot, handover: ResyncHandover) -> ResyncHandover:
        ran.append(("leftovers", handover))
        return handover

    features = Features([Feature("calls", resync=ResyncStep(ResyncPhase.CALLS, calls)),
                         Feature("leftovers",
                                 resync=ResyncStep(ResyncPhase.LEFTOVERS, leftovers)),
                         Feature("beep"),
                         Feature("agents", resync=ResyncStep(ResyncPhase.AGENTS, agents))])
    last = await features.resync(None, pbx)
    assert [name for name, _ in ran] == ["agents", "calls", "leftovers"]
    assert ran[0][1] == ResyncHandover()
    assert ran[1][1].taken_back == {7: ["call"]} and ran[1][1].agent_legs == ("leg",)
    assert ran[2][1].hung_up == {"stray"} == last.hung_up


def test_event_handlers_come_in_registration_order():
    async def one(event: dict) -> None: ...
    async def two(event: dict) -> None: ...
    features = Features([Feature("a", events={"PlaybackFinished": one}),
                         Feature("b", events={"RecordingFinished": two,
                                              "PlaybackFinished": two})])
    assert features.event_handlers() == [("PlaybackFinished", one), ("RecordingFinished", two),
                                         ("PlaybackFinished", two)]
