"""The wallboard survives a restart of the dialer: `dialer serve` (a process of its own, on
the lab) is stopped and started again on the same database and port; the open page, never
reloaded, shows that the feed is reconnecting, comes back live by itself, and shows an
agent's change made after the restart."""

from __future__ import annotations

import pytest

from dialer.db.database import open_database
from dialer.db.migrate import migrate
from tests.auth_helpers import bearer
from tests.serve_process import DialerProcess
from tests.web.conftest import seed_account, sign_in
from tests.web.test_console_campaign import wait_text

pytestmark = [pytest.mark.lab, pytest.mark.timeout(150)]


def served_dialer(lab, tmp_path) -> tuple[DialerProcess, dict]:
    db_url = f"sqlite:///{tmp_path}/d.sqlite3"
    db = open_database(db_url)
    migrate(db)
    with db.atomic():
        seed = seed_account()
        token = bearer(seed["account_id"])["Authorization"].removeprefix("Bearer ")
    db.close()
    return DialerProcess(tmp_path, node="floor", pbx=lab.info["pbx"], db_url=db_url,
                         token=token), seed


async def test_the_wallboard_reconnects_by_itself_after_the_dialer_restarts(
        lab, tmp_path, browser, screenshots):
    served, seed = served_dialer(lab, tmp_path)
    agent = seed["agent_id"]
    row = f'#agents tr[data-agent="{agent}"] .state'
    await served.start()
    try:
        url = f"http://127.0.0.1:{served.port}"
        board = await sign_in(browser, url, "admin")
        await board.goto(f"{url}/floor")
        await wait_text(board, "#feed", lambda s: s == "live", timeout=10)
        await wait_text(board, row, lambda s: s == "logged_out")
        await board.evaluate("window.notReloaded = true")

        served.stop()
        await wait_text(board, "#feed", lambda s: s.startswith("reconnecting"), timeout=10)
        await served.start()
        await wait_text(board, "#feed", lambda s: s == "live", timeout=30)

        status, body = await served.api("POST", f"/api/agents/{agent}/login")
        assert status == 200, body
        await wait_text(board, row, lambda s: s in ("logging_in", "available"), timeout=10)
        await wait_text(board, row, lambda s: s == "available", timeout=20)
        assert await board.evaluate("window.notReloaded === true")  # the same page
        await board.screenshot(path=screenshots / "floor-after-restart.png", full_page=True)
        assert (await served.api("POST", f"/api/agents/{agent}/logout"))[0] == 200
    finally:
        served.stop()
    errors = [ln for ln in served.log_text().splitlines() if " ERROR " in ln]
    assert not errors, errors
