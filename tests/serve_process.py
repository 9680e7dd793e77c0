"""`dialer serve` as a child process for lab tests that kill it, restart it, or run several:
a config file, its REST API with a token, and `kill -9`."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from dialer.ari import AriClient


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DialerProcess:
    """One `dialer serve --config` process; `token` is an API token of an admin user."""

    def __init__(self, tmp: Path, *, node: str, pbx: dict, db_url: str, token: str,
                 serve_args: tuple[str, ...] = ()):
        self.node, self.token, self.port = node, token, free_port()
        self.serve_args = serve_args  # e.g. ("--lab",)
        self.log = tmp / f"dialer-{node}.log"
        self.config = tmp / f"dialer-{node}.toml"
        self.config.write_text(
            f'node = "{node}"\n[ari]\nurl = "{pbx["ari_url"]}"\nuser = "{pbx["ari_user"]}"\n'
            f'[database]\nurl = "{db_url}"\n[web]\nport = {self.port}\n')
        self.env = {**os.environ, "DIALER_ARI_PASSWORD": pbx["ari_password"]}
        self.proc: subprocess.Popen | None = None

    async def start(self, timeout: float = 20) -> None:
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "dialer.cli", "serve", "--config", str(self.config),
                 *self.serve_args],
                env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                status, body = await self.api("GET", "/api/health")
                if status == 200 and body["ari"]["connected"]:
                    return
            except OSError:
                pass
            assert self.proc.poll() is None, f"dialer {self.node} exited; see {self.log}"
            assert asyncio.get_running_loop().time() < deadline, f"not healthy; see {self.log}"
            await asyncio.sleep(0.2)

    def kill9(self) -> None:
        """Dies at once: nothing is hung up, nothing more is written."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill9()

    async def api(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        return await asyncio.to_thread(self._api, method, path, body)

    def _api(self, method: str, path: str, body: dict | None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return resp.status, json.load(resp)
        except urllib.error.HTTPError as err:
            return err.code, json.load(err)

    async def sessions(self) -> dict[int, dict]:
        status, body = await self.api("GET", "/api/agents/sessions")
        assert status == 200, body
        return {s["agent_id"]: s for s in body["items"]}

    def log_text(self) -> str:
        return self.log.read_text()


class CallWatch:
    """Every `out-*` channel the PBX creates, seen by an ARI app of the test's own: what
    really was dialled, whatever happens to the dialer."""

    def __init__(self, side: dict):
        self.client = AriClient(side["ari_url"], side["ari_user"], side["ari_password"],
                                "watch")
        self.created: list[str] = []
        self.live: set[str] = set()
        self.client.on("ChannelCreated", self._created)
        self.client.on("ChannelDestroyed", self._destroyed)

    async def _created(self, event: dict) -> None:
        if event["channel"]["id"].startswith("out-"):
            self.created.append(event["channel"]["id"])
            self.live.add(event["channel"]["id"])

    async def _destroyed(self, event: dict) -> None:
        self.live.discard(event["channel"]["id"])

    async def __aenter__(self) -> "CallWatch":
        self.client.start()
        await asyncio.wait_for(self.client.connected.wait(), 10)
        await self.client.subscribe("channel:")
        return self

    async def __aexit__(self, *exc) -> None:
        await self.client.stop()
        await self.client.close()
