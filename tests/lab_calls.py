"""Helpers for lab tests: numbers with known behaviour, and waiting on ARI events."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from dialer.lab import LabConfig

# The two-node tests' second PBX + simulator, unless DIALER_LAB2_NAME / _PBX_IP / _SIM_IP say
# otherwise (tests/integration/conftest.py; another pytest worker shifts them).
SECOND_LAB = LabConfig(name="node2", pbx_ip="127.0.0.4", sim_ip="127.0.0.5")

# The simulator's number plan (dialer/lab/files/sim_extensions.conf): the 4th digit from
# the end picks the behaviour, the last two digits a duration in seconds.
HUMAN = "+12125551000"         # stays on the line
MACHINE = "+13125552000"
BUSY = "+14155553000"
NO_ANSWER = "+12065554000"
CONGESTION = "+16175555000"
HANGS_UP_IN_AMD = "+13055557000"


def untimed_areas(first: int, last: int) -> list[str]:
    """Area codes of valid numbers in places with no calling-hours rule of their own
    (dialer/compliance/jurisdictions.py): with the tests' all-day plan, whether their
    contacts may be called does not depend on the hour the test runs at."""
    import phonenumbers

    from dialer.compliance.jurisdictions import RULES, jurisdictions_of

    timed = {rule.jurisdiction for rule in RULES if rule.hours is not None}
    return [str(area) for area in range(first, last)
            if phonenumbers.is_valid_number(phonenumbers.parse(f"+1{area}5551002"))
            and not timed & set(jurisdictions_of(f"+1{area}5551002"))]


def human(talk_seconds: int = 0, area: str = "212") -> str:
    return f"+1{area}555{1000 + talk_seconds:04d}"


def new_id(prefix: str = "test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class Recorder:
    """Keeps every event the client receives; tests wait for the one they expect."""

    def __init__(self, client):
        self.events: list[dict] = []
        self._changed = asyncio.Condition()
        client.on("*", self._record)

    async def _record(self, event: dict) -> None:
        async with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def of(self, channel_id: str, type_: str | None = None) -> list[dict]:
        return [e for e in self.events
                if e.get("channel", {}).get("id") == channel_id
                and (type_ is None or e["type"] == type_)]

    async def wait(self, predicate, timeout: float = 15) -> dict:
        async def first():
            async with self._changed:
                while True:
                    for event in self.events:
                        if predicate(event):
                            return event
                    await self._changed.wait()
        return await asyncio.wait_for(first(), timeout)

    async def wait_for(self, channel_id: str, type_: str, timeout: float = 15) -> dict:
        return await self.wait(lambda e: e["type"] == type_
                               and e.get("channel", {}).get("id") == channel_id, timeout)


@contextlib.asynccontextmanager
async def connected_client(side: dict, app: str, *, clean_bridges: bool = False, **options):
    """An ARI client on one lab instance (`lab.info["pbx"]` or `["sim"]`) as `app`,
    connected, with a `recorder`; its channels (and bridges) are cleared on the way out."""
    from dialer.ari import AriClient

    client = AriClient(side["ari_url"], side["ari_user"], side["ari_password"], app, **options)
    client.recorder = Recorder(client)
    client.start()
    try:
        await asyncio.wait_for(client.connected.wait(), 10)
        await _until_registered(client, app, True)
        if clean_bridges:  # a dialer's test leaves its agents' bridges (kept for a restart)
            await _destroy_bridges(client)
        yield client
        for channel in await client.list_channels():
            await client.hangup(channel["id"])
        if clean_bridges:
            await _destroy_bridges(client)
    finally:
        await client.stop()
        try:
            await _until_registered(client, app, False)
        finally:
            await client.close()


async def _destroy_bridges(client) -> None:
    from dialer.ari import AriError

    for bridge in await client.list_bridges():
        try:
            await client.destroy_bridge(bridge["id"])
        except AriError:  # going meanwhile (409 "not in Stasis application", 404)
            pass


async def _until_registered(client, app: str, registered: bool, seconds: float = 5.0) -> None:
    """Wait until Asterisk lists `app` (or no longer does). A test's client closing its
    events websocket unregisters the app a little later; the next test's client, as the
    same app, must not connect in between (its app would vanish under it: StasisStart
    never comes, "Application not found")."""
    from dialer.ari.errors import AriUnavailable
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            apps = await client.request("GET", "/applications") or []
        except AriUnavailable:  # Asterisk answers 500 "Allocation failed" while an app goes away
            apps = None
        if apps is not None and any(a.get("name") == app for a in apps) == registered:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"ARI app {app!r} {'not ' if registered else ''}registered "
                                 f"after {seconds} s")
        await asyncio.sleep(0.05)
