"""Fixtures for tests that drive the real Asterisk lab (PBX + carrier/phone simulator)."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest

from dialer.ari import AriClient
from dialer.core.tz import utc_now
from dialer.lab import Lab, LabConfig
from dialer.server import Dialer
from tests.campaign_driver import lab_config
from tests.lab_calls import SECOND_LAB, connected_client


@pytest.fixture(scope="session")
def lab():
    """The lab, started fresh for the session (about 2 s once the root is cached)."""
    if os.geteuid() != 0:
        pytest.skip("the Asterisk lab needs root (chroot)")
    lab = Lab()
    lab.info = lab.up()
    yield lab
    if not os.environ.get("DIALER_LAB_KEEP"):
        lab.down()


@pytest.fixture(scope="module")
def second_lab():
    """A second PBX + simulator pair beside the lab, for the two-node tests; its name and
    addresses from DIALER_LAB2_NAME, DIALER_LAB2_PBX_IP, DIALER_LAB2_SIM_IP."""
    if os.geteuid() != 0:
        pytest.skip("the Asterisk lab needs root (chroot)")
    env = os.environ
    second = Lab(LabConfig(name=env.get("DIALER_LAB2_NAME", SECOND_LAB.name),
                           pbx_ip=env.get("DIALER_LAB2_PBX_IP", SECOND_LAB.pbx_ip),
                           sim_ip=env.get("DIALER_LAB2_SIM_IP", SECOND_LAB.sim_ip)))
    second.info = second.up()
    yield second
    if not env.get("DIALER_LAB_KEEP"):
        second.down()


@pytest.fixture
async def pbx(lab):
    """An ARI client on the PBX as the `dialer` app, connected, with an event recorder."""
    async with connected_client(lab.info["pbx"], "dialer", clean_bridges=True,
                                backoff_max=1.0) as client:
        yield client


@pytest.fixture
async def sim(lab):
    """A REST client on the simulator, to look at the far end of calls."""
    side = lab.info["sim"]
    client = AriClient(side["ari_url"], side["ari_user"], side["ari_password"], "sim")
    yield client
    await client.close()


@pytest.fixture
async def caller(lab):
    """The simulator as the outside world: it calls the company number."""
    async with connected_client(lab.info["sim"], "sim") as client:
        yield client


@pytest.fixture
def clock():
    """The dialer's wall clock; a module overrides this fixture to run on simulated time."""
    return utc_now


@pytest.fixture
async def dialer(lab, tmp_path, clock, caplog):
    """A whole Dialer (SQLite, runner, agents) on the lab's PBX; agents logged out after.
    Any error the dialer logs (a failed tick, a handler that raised) fails the test."""
    d = Dialer(lab_config(lab.info["pbx"], tmp_path), now=clock)
    await d.start()
    await asyncio.wait_for(d.ari.connected.wait(), 10)
    yield d
    for agent_id in list(d.agents.sessions):
        await d.agents.logout(agent_id)
    await d.stop()
    errors = [r.getMessage() for phase in ("setup", "call", "teardown")
              for r in caplog.get_records(phase)
              if r.levelno >= logging.ERROR and r.name.startswith("dialer")]
    assert not errors, errors
