"""Fixtures of the browser tests: the real app served on loopback, seeded users, and a
headless Chromium (Debian's, driven by Playwright; no browser is downloaded)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from aiohttp import web

from dialer.db import auth, roles
from dialer.db.models import Account, Agent, AgentGroup, AgentGroupMember, Campaign
from dialer.web.app import create_app
from tests.integration.conftest import clock, dialer, lab  # noqa: F401  (fixtures)
from tests.web.checks import console_errors

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PASSWORD = "secret-pass-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def screenshots() -> Path:
    where = Path(os.environ.get("DIALER_SCREENSHOTS", Path(__file__).parent / "screenshots"))
    where.mkdir(parents=True, exist_ok=True)
    return where


def seed_account() -> dict:
    """An account with an agent group, an admin, an agent (desk phone agent1), and a
    campaign manager whose profile shows only the campaign "Visible"."""
    account = Account.create(name="Acme", company_number="+12125550100")
    group = AgentGroup.create(account=account, name="sales")
    auth.create_user(account.id, username="admin", password=PASSWORD, role="admin")
    ann = auth.create_user(account.id, username="ann", password=PASSWORD, role="agent",
                           full_name="Ann Agent")
    agent = Agent.create(user=ann["id"], endpoint="PJSIP/agent1")
    AgentGroupMember.create(group=group, agent=agent)
    visible = Campaign.create(account=account, name="Visible", mode="progressive")
    profile = roles.create_profile(account.id, "only visible", False, [visible.id])
    auth.create_user(account.id, username="manager", password=PASSWORD,
                     role="campaign manager", profile_id=profile["id"])
    return {"account_id": account.id, "group_id": group.id, "agent_id": agent.id,
            "visible_id": visible.id}


@pytest.fixture
async def console(dialer):  # noqa: F811  (the fixture imported above)
    """The dialer's web app on 127.0.0.1: {"url", "dialer", ...the seed's ids}."""
    seed = await dialer.store.run(seed_account)
    runner = web.AppRunner(create_app(dialer))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield {"url": f"http://127.0.0.1:{port}", "dialer": dialer, **seed}
    await runner.cleanup()


@pytest.fixture
async def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (./dev test does)")
    from playwright.async_api import async_playwright
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


async def sign_in(browser, url: str, username: str):
    """A new browser context signed in through the login page; returns its page."""
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    await page.goto(f"{url}/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    return page


async def open_campaign(console, browser, seed) -> tuple:
    """The page of the campaign `seed` makes (in the database's thread; its id), signed in
    as the admin: (page, its console errors so far, the campaign's id)."""
    campaign_id = await console["dialer"].store.run(seed)
    page = await sign_in(browser, console["url"], "admin")
    errors = console_errors(page)
    await page.goto(f"{console['url']}/campaigns/{campaign_id}")
    return page, errors, campaign_id
