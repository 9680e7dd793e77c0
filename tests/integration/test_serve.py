"""`dialer serve` as a user runs it: a real process, the lab's PBX, a config file."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.lab_calls import HUMAN

pytestmark = [pytest.mark.lab, pytest.mark.timeout(90)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def active_channels(lab) -> int:
    out = lab.pbx.rx("core show channels count")  # "... \n1 active channel\n..."
    return int(re.search(r"(\d+) active channels?", out).group(1))


def wait_channels(lab, wanted, timeout=20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if wanted(active_channels(lab)):
            return True
        time.sleep(0.1)
    return False


def get_json(url, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                    timeout=2) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def test_serve_connects_migrates_and_reports_health(lab, tmp_path):
    port = free_port()
    side = lab.info["pbx"]
    config = tmp_path / "dialer.toml"
    config.write_text(f'node = "t1"\n[ari]\nurl = "{side["ari_url"]}"\nuser = "{side["ari_user"]}"\n'
                      f'[database]\nurl = "sqlite:///{tmp_path}/db/dialer.sqlite3"\n'
                      f'[web]\nport = {port}\n')
    env = {**os.environ, "DIALER_ARI_PASSWORD": side["ari_password"]}
    proc = subprocess.Popen([sys.executable, "-m", "dialer.cli", "serve", "--config", str(config)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline:
            try:
                status, body = get_json(f"http://127.0.0.1:{port}/api/health")
                if status == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.2)
        assert status == 200, "dialer serve never became healthy"
        assert body["ari"]["connected"] is True and body["node"] == "t1"
        assert (tmp_path / "db/dialer.sqlite3").exists()
        # A call that reaches the app with no feature to take it is hung up, not left waiting.
        # The CLI originate returns before the channel exists: see it appear, then go.
        lab.pbx.rx(f"channel originate PJSIP/{HUMAN}@carrier extension s@dialer-amd")
        assert wait_channels(lab, lambda n: n > 0), "the call never started"
        assert wait_channels(lab, lambda n: n == 0), "the call was left up"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert "no handler for PJSIP/carrier" in out
    assert "AMD phrase spotting: 2 decoders loaded" in out  # at start, ahead of the first call
    assert side["ari_password"] not in out


def test_demo_places_calls_that_reach_agents(lab, tmp_path):
    """What `./dev demo` runs: serve --lab --demo, seen through the progress API."""
    port = free_port()
    side = lab.info["pbx"]
    config = tmp_path / "dialer.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/demo.sqlite3"\n'
                      f'[web]\nport = {port}\n')
    env = {**os.environ, "DIALER_ARI_PASSWORD": side["ari_password"]}
    proc = subprocess.Popen([sys.executable, "-m", "dialer.cli", "serve", "--lab", "--demo",
                             "--config", str(config)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    progress, token = {}, None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if token is None:  # the demo's admin exists once the demo is seeded
                made = subprocess.run([sys.executable, "-m", "dialer.cli", "user", "token",
                                       "demo-admin", "--config", str(config)],
                                      capture_output=True, text=True, timeout=30)
                token = made.stdout.strip() if made.returncode == 0 else None
            try:
                status, progress = get_json(f"http://127.0.0.1:{port}/api/campaigns/1/progress",
                                            token)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                status = None  # still starting (slow on a loaded machine): ask again
            if status == 200 and progress["outcomes"].get("human", 0) >= 2:
                break
            time.sleep(0.5)
        # The agent commands ask the running dialer; errors are one clear line.
        url = f"http://127.0.0.1:{port}"
        assert get_json(f"{url}/api/campaigns/1/progress")[0] == 401  # no token: refused
        env = {**os.environ, "DIALER_TOKEN": token}
        done = subprocess.run([sys.executable, "-m", "dialer.cli", "agent", "not-ready", "1",
                               "--url", url], capture_output=True, text=True, timeout=30,
                              env=env)
        assert done.returncode == 0 and json.loads(done.stdout)["agent_id"] == 1, done
        refused = subprocess.run([sys.executable, "-m", "dialer.cli", "agent", "login", "99",
                                  "--url", url], capture_output=True, text=True, timeout=30,
                                 env=env)
        assert refused.returncode == 1 and '"field": "id"' in refused.stderr, refused
        nobody = subprocess.run([sys.executable, "-m", "dialer.cli", "agent", "ready", "1",
                                 "--url", f"http://127.0.0.1:{free_port()}"],
                                capture_output=True, text=True, timeout=30)
        assert nobody.returncode == 1 and "no dialer at" in nobody.stderr, nobody
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert progress.get("outcomes", {}).get("human", 0) >= 2, (progress, out[-3000:])
    assert progress["agents"] == 3 and progress["total"] == 16
    assert "demo: campaign 1 running with agents [1, 2, 3]" in out


async def test_serve_lab_restarted_leaves_a_running_lab_and_its_calls_alone(lab, tmp_path):
    """`dialer serve --lab` started again (systemd's Restart=always) while the lab is up:
    the same Asterisk processes go on and a call in progress is not cut."""
    from dialer.db.database import open_database
    from dialer.db.migrate import migrate
    from tests.auth_helpers import bearer
    from tests.campaign_seed import seed_campaign
    from tests.lab_calls import connected_client
    from tests.serve_process import DialerProcess

    db_url = f"sqlite:///{tmp_path}/d.sqlite3"
    db = open_database(db_url)
    migrate(db)
    with db.atomic():
        token = bearer(seed_campaign([], agents=[])["account_id"])["Authorization"]
    pids = {inst.role: inst.pid() for inst in lab.instances()}
    async with connected_client(lab.info["pbx"], "keep") as pbx:
        await pbx.originate(f"PJSIP/{HUMAN}@carrier", channel_id="keep-call", app="keep",
                            timeout=30)
        await pbx.recorder.wait_for("keep-call", "StasisStart")
        dialer = DialerProcess(tmp_path, node="lab", pbx=lab.info["pbx"], db_url=db_url,
                               token=token.removeprefix("Bearer "), serve_args=("--lab",))
        try:
            for _ in range(2):  # started, then started again as after a crash
                await dialer.start()
                assert {inst.role: inst.pid() for inst in lab.instances()} == pids
                assert "keep-call" in {c["id"] for c in await pbx.list_channels()}
                dialer.kill9()
        finally:
            dialer.stop()
        assert "already running" in dialer.log_text()
        assert not pbx.recorder.of("keep-call", "ChannelDestroyed")
