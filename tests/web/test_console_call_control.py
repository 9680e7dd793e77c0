"""Call control from the browser on the lab (issue 18): the agent ends a campaign call with
the agent page's Hang up button; a supervisor listens to, whispers to, barges into and
leaves an agent's campaign call from the wallboard's buttons, and the board shows it."""

from __future__ import annotations

import pytest

from dialer.agents.session import bridge_id_of
from dialer.ari import AriError
from dialer.db import auth, campaigns
from dialer.db.models import Agent, AgentGroupMember
from dialer.monitor import machine as m
from tests.campaign_driver import attempts, login_all, wait_until
from tests.campaign_seed import seed_campaign
from tests.lab_calls import human
from tests.web.conftest import PASSWORD, sign_in
from tests.web.test_console_campaign import wait_text

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]


def _floor(agent_phone: str) -> dict:
    """A campaign calling a customer who never hangs up, one agent (who signs in as
    "cara"), and a supervisor ("boss") whose desk phone is the lab's sup2."""
    seed = seed_campaign([human(0)], agents=[], campaign={"bcw_seconds": 30})
    cara = auth.create_user(seed["account_id"], username="cara", password=PASSWORD,
                            role="agent")
    agent = Agent.create(user=cara["id"], endpoint=agent_phone)
    AgentGroupMember.create(group=seed["group_id"], agent=agent)
    auth.create_user(seed["account_id"], username="boss", password=PASSWORD,
                     role="supervisor", endpoint="PJSIP/sup2")
    return seed | {"agent_id": agent.id}


async def test_the_agent_ends_the_call_with_the_hang_up_button(console, browser, lab,
                                                               screenshots):
    url, dialer = console["url"], console["dialer"]
    seed = await dialer.store.run(_floor, lab.info["agents"][0])
    agent = seed["agent_id"]
    page = await sign_in(browser, url, "cara")
    await page.goto(f"{url}/agent")
    await page.click("button[data-action=login]")
    await wait_text(page, "#state", lambda s: s == "available", timeout=30)
    assert await page.is_hidden("#hang-up")
    await dialer.store.run(campaigns.set_status, seed["campaign_id"], "running")
    await wait_text(page, "#state", lambda s: s == "on_call", timeout=30)
    customer = dialer.agents.describe(agent).customer
    await page.screenshot(path=screenshots / "agent_on_call_hang_up.png", full_page=True)
    await page.click("#hang-up")
    await wait_text(page, "#state", lambda s: s == "wrap_up", timeout=10)
    assert await page.is_hidden("#hang-up")
    with pytest.raises(AriError):
        await dialer.ari.get_channel(customer)
    leg = dialer.agents.sessions[agent].channel_id
    assert (await dialer.ari.get_bridge(bridge_id_of(agent)))["channels"] == [leg]
    await dialer.store.run(campaigns.set_status, seed["campaign_id"], "suspended")
    rows = await dialer.store.run(attempts, seed["campaign_id"])
    assert [(r["outcome"], r["agent"]) for r in rows] == [("human", agent)]


async def _members(dialer, bridge_id: str) -> set[str]:
    return set((await dialer.ari.get_bridge(bridge_id))["channels"])


async def test_a_supervisor_monitors_a_call_from_the_wallboard(console, browser, lab,
                                                               screenshots):
    url, dialer = console["url"], console["dialer"]
    seed = await dialer.store.run(_floor, lab.info["agents"][0])
    agent = seed["agent_id"]
    row = f'#agents tr[data-agent="{agent}"]'
    board = await sign_in(browser, url, "boss")
    await board.goto(f"{url}/floor")
    await wait_text(board, "#feed", lambda s: s == "live", timeout=10)
    await login_all(dialer, [agent])
    await dialer.store.run(campaigns.set_status, seed["campaign_id"], "running")
    await wait_text(board, f"{row} .state", lambda s: s == "on_call", timeout=30)
    customer, leg = dialer.agents.describe(agent).customer, dialer.agents.sessions[agent].channel_id

    await board.click(f"{row} button[data-monitor=start-listen]")
    await wait_text(board, f"{row} .monitoring", lambda s: s == "you: listen, listening",
                    timeout=20)  # the desk phone answered: joined
    watch = dialer.monitors.watches[agent]
    assert watch.session.state is m.State.LISTENING and watch.supervisor.username == "boss"
    await board.screenshot(path=screenshots / "floor_monitoring.png", full_page=True)

    await board.click(f"{row} button[data-monitor=switch-whisper]")
    await wait_text(board, f"{row} .monitoring", lambda s: s == "you: whisper, whispering")
    assert dialer.monitors.watches[agent].session.mode is m.Mode.WHISPER
    await board.click(f"{row} button[data-monitor=switch-barge]")
    await wait_text(board, f"{row} .monitoring", lambda s: s == "you: barge, barging")
    assert await _members(dialer, bridge_id_of(agent)) == {leg, customer, watch.session.leg}

    await board.click(f"{row} button[data-monitor=leave]")
    await board.wait_for_selector(f"{row} button[data-monitor=start-listen]", timeout=10000)
    await wait_until(lambda: agent not in dialer.monitors.watches, 10)
    assert await _members(dialer, bridge_id_of(agent)) == {leg, customer}  # the call goes on
    assert dialer.agents.describe(agent).state == "on_call"
    await dialer.store.run(campaigns.set_status, seed["campaign_id"], "suspended")
