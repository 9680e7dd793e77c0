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
            except (urllib.error.URLError, ConnectionError):
                status = None
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
