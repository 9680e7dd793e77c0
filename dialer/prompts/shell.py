"""Prompts recorded from desk phones: ARI events into `machine.py`, its effects out.

The phone's leg enters Stasis with ("promptrec", <prompt id>); ARI's record (beep first,
`#` ends it) stores `prompt-<id>-<channel>` on the PBX, which the dialer fetches through
ARI (so a remote PBX needs no shared folder for this), converts like an upload, writes as
the prompt's files and deletes on the PBX.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from ..ari import AriClient
from ..ari.errors import AriError
from ..features import Feature, StasisRoute
from . import convert, files, machine as m, store
from .model import Prompt

log = logging.getLogger(__name__)
ROUTE = "promptrec"
LEG_PREFIX = "promptrec-"
RING_SECONDS = 30


class PromptRecorder:
    def __init__(self, ari: AriClient, db_store, app: str):
        self.ari, self.store, self.app = ari, db_store, app
        self.recordings: dict[str, m.Recording] = {}  # by the phone's channel id
        self.accounts: dict[int, int] = {}  # prompt id -> its account (its files' folder)
        self.tasks: set[asyncio.Task] = set()

    def feature(self) -> Feature:
        return Feature("prompts", stasis={ROUTE: StasisRoute(self.on_answered)},
                       channels=self.channels, on_channel_destroyed=self.on_channel_destroyed,
                       events={"RecordingFinished": self.on_recording,
                               "RecordingFailed": self.on_recording},
                       clean_up=self.clean_up)

    def channels(self) -> set[str]:
        live = (m.State.RINGING, m.State.RECORDING)
        return {c for c, rec in self.recordings.items() if rec.state in live}

    async def start(self, prompt: Prompt, phone: str) -> None:
        """Ring `phone` to record `prompt` (made with status `recording`)."""
        channel_id = f"{LEG_PREFIX}{prompt.id}-{uuid.uuid4().hex[:8]}"
        rec, effects = m.begin(prompt.id, phone, channel_id)
        self.accounts[prompt.id] = prompt.account_id
        self.recordings[channel_id] = rec
        await self._run(rec, effects)

    async def feed(self, channel_id: str, event: m.Event) -> None:
        rec = self.recordings.get(channel_id)
        if rec is None:
            return
        rec, effects = m.transition(rec, event)
        if rec.state is m.State.DONE:
            self.recordings.pop(channel_id, None)
            self.accounts.pop(rec.prompt_id, None)
        else:
            self.recordings[channel_id] = rec
        await self._run(rec, effects)

    # ---- ARI events --------------------------------------------------------------------------
    async def on_answered(self, event: dict, args: list[str]) -> None:
        channel_id = event["channel"]["id"]
        if channel_id not in self.recordings:
            await self.ari.hangup(channel_id)  # left from an earlier process
            return
        await self.feed(channel_id, m.Answered())

    async def on_recording(self, event: dict) -> None:
        name = event.get("recording", {}).get("name", "")
        for channel_id, rec in list(self.recordings.items()):
            if rec.name == name:
                await self.feed(channel_id, m.RecordingEnded(event["type"] == "RecordingFinished"))

    async def on_channel_destroyed(self, event: dict) -> bool:
        channel_id = event["channel"]["id"]
        if channel_id not in self.channels():
            return False
        await self.feed(channel_id, m.PhoneGone())
        return True

    async def clean_up(self, ari: AriClient, channels: list[dict], bridges: list[dict]) -> int:
        """Phones left recording by an earlier process: hung up."""
        stale = [c["id"] for c in channels
                 if c["id"].startswith(LEG_PREFIX) and c["id"] not in self.recordings]
        for channel_id in stale:
            await ari.hangup(channel_id)
        return len(stale)

    # ---- the machine's effects ---------------------------------------------------------------
    async def _run(self, rec: m.Recording, effects: tuple[m.Effect, ...]) -> None:
        for effect in effects:
            if isinstance(effect, m.Ring):
                await self._ring(effect)
            elif isinstance(effect, m.Record):
                await self._record(effect)
            elif isinstance(effect, m.HangUp):
                await self.ari.hangup(effect.channel_id)
            elif isinstance(effect, m.Store):
                task = asyncio.create_task(self._store(rec, effect.name))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            elif isinstance(effect, m.Failed):
                await self.store.run(store.finish_recording, rec.prompt_id, None)

    async def _ring(self, effect: m.Ring) -> None:
        try:
            await self.ari.originate(effect.phone, channel_id=effect.channel_id, app=self.app,
                                     app_args=[ROUTE, effect.channel_id], timeout=RING_SECONDS)
        except AriError as exc:
            log.warning("prompt recording: %s not rung: %s", effect.phone, exc)
            await self.feed(effect.channel_id, m.PhoneGone())

    async def _record(self, effect: m.Record) -> None:
        try:
            await self.ari.record(effect.channel_id, effect.name, format="wav", beep=True,
                                  terminate_on="#", if_exists="overwrite",
                                  max_duration_seconds=effect.max_seconds,
                                  max_silence_seconds=effect.silence_seconds)
        except AriError as exc:
            log.warning("prompt recording on %s refused: %s", effect.channel_id, exc)
            await self.feed(effect.channel_id, m.RecordingEnded(False))

    async def _store(self, rec: m.Recording, name: str) -> None:
        """The PBX's recording as the prompt's files (failed if unusable), then deleted there."""
        seconds, account_id = None, self.accounts[rec.prompt_id]
        try:
            response = await self.ari.open_stored_recording(name)
            try:
                data = await response.read()
            finally:
                response.release()
            audio = await convert.convert(data)
            await asyncio.get_running_loop().run_in_executor(
                None, files.write, account_id, rec.prompt_id, audio)
            seconds = audio.seconds
        except (AriError, convert.NotAudio, OSError) as exc:
            log.warning("prompt %d: the recording %s is unusable: %s", rec.prompt_id, name, exc)
        finally:
            if await self.store.run(store.finish_recording, rec.prompt_id, seconds) is None:
                files.remove(account_id, rec.prompt_id)  # deleted while it was recorded
            try:
                await self.ari.request("DELETE", f"/recordings/stored/{name}")
            except AriError:
                pass  # gone already
            await self.feed(rec.channel_id, m.Stored())
