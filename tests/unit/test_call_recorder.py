"""A call's recording on ARI (dialer/outbound/recorder.py): a snoop on the customer's
channel recorded once it is in Stasis, nothing left behind when Asterisk refuses, a quiet
stop after the customer's channel took the snoop with it, and the resync keeping the
snoops of the calls taken back and hanging up the others. The lab test
(tests/integration/test_transfer_recording_lab.py) plays the file."""

from __future__ import annotations

from typing import Any

import pytest

from dialer.ari.errors import error_for_status
from dialer.features import PbxSnapshot, ResyncHandover
from dialer.outbound import recorder


class Ari:
    """Records requests; `refuse` maps a request name to the statuses of its next answers."""

    app = "dialer"

    def __init__(self, **refuse: list[int]) -> None:
        self.requests: list[tuple[Any, ...]] = []
        self.refuse = refuse

    def __getattr__(self, name: str):
        async def request(*args: Any, **kwargs: Any) -> bool:
            self.requests.append((name, *args, *sorted(kwargs.items())))
            statuses = self.refuse.get(name) or []
            if statuses:
                raise error_for_status(statuses.pop(0), "POST", f"/{name}", "refused")
            return True
        return request


async def test_the_customers_channel_is_snooped_and_recorded_once_the_snoop_is_in_stasis():
    ari = Ari(record=[409, 409])  # "Channel not in Stasis application", twice
    await recorder.start(ari, "out-n-1", "attempt-3-out-n-1")
    snoop, *records = ari.requests
    assert snoop == ("snoop", "out-n-1", "dialer", ("app_args", "recording"),
                     ("snoop_id", "record-out-n-1"), ("spy", "both"))
    assert records == [("record", "record-out-n-1", "attempt-3-out-n-1", ("format", "wav"))] * 3


async def test_a_refused_recording_leaves_no_snoop():
    ari = Ari(record=[404])
    with pytest.raises(Exception, match="refused"):
        await recorder.start(ari, "out-n-1", "attempt-3-out-n-1")
    assert ari.requests[-1] == ("hangup", "record-out-n-1")


async def test_stopping_after_the_customer_took_the_snoop_along_is_quiet():
    ari = Ari(stop_recording=[404], hangup=[404])
    await recorder.stop(ari, "out-n-1", "attempt-3-out-n-1")
    assert ari.requests == [("stop_recording", "attempt-3-out-n-1"),
                            ("hangup", "record-out-n-1")]


async def test_a_resync_keeps_the_snoops_of_our_calls_and_hangs_up_the_others():
    feature = recorder.feature(lambda: {"out-n-1"})
    assert feature.awaits_own_stasis("record-out-n-2") and not feature.awaits_own_stasis("out-n-1")
    assert set(feature.channels()) == {"record-out-n-1"}
    assert await feature.on_channel_destroyed({"channel": {"id": "record-out-n-9"}})
    ari = Ari()
    pbx = PbxSnapshot([{"id": c} for c in ("out-n-1", "record-out-n-1", "record-out-n-2",
                                           "agent-4-x")], [], first_connect=True)
    assert feature.resync is not None
    handover = await feature.resync.run(ari, pbx, ResyncHandover(hung_up=frozenset({"x"})))
    assert ari.requests == [("hangup", "record-out-n-2")]
    assert handover.hung_up == {"x", "record-out-n-2"}
