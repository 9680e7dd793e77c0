"""ARI's REST half: ``request()`` plus typed helpers for what the dialer uses (channels,
playbacks, recordings, bridges, applications, endpoints). `AriClient` (client.py) adds
the events websocket.

Credentials travel only in the ``Authorization`` header, never in a URL, never in logs.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import time
from typing import Any, Awaitable, Callable, Iterable, Mapping, TypeVar
from urllib.parse import quote

import aiohttp

from .errors import AriError, AriUnavailable, error_for_status

Params = Mapping[str, Any]
T = TypeVar("T")
NOT_IN_STASIS_YET = (409, 422)  # a recording's refusal, a bridge's


async def once_in_stasis(request: Callable[[], Awaitable[T]], *, tries: int = 50) -> T:
    """A request about a channel just made (a snoop, an externalMedia channel): ARI refuses
    it until the channel has entered Stasis, a few ms later; asked again every 20 ms."""
    for _ in range(tries - 1):
        try:
            return await request()
        except AriError as exc:
            if exc.status not in NOT_IN_STASIS_YET:
                raise
        await asyncio.sleep(0.02)
    return await request()


def _basic_auth(username: str, password: str) -> str:
    encode = getattr(aiohttp, "encode_basic_auth", None)  # aiohttp >= 3.14; BasicAuth is deprecated there
    if encode is not None:
        return encode(username, password)
    return aiohttp.BasicAuth(username, password).encode()


def _q(ident: str) -> str:
    """Quote an id for a URL path segment (ids are caller-chosen and may hold '/', ' ', '@')."""
    return quote(str(ident), safe="")


# The type of a bridge a customer's call lives in or moves between (an agent's bridge, a
# transfer's external leg): Asterisk's softmix, never simple_bridge or native RTP.
# "video_sfu" is ARI's only type that takes the one-to-one technologies away
# (res_stasis.c: capabilities MULTIMIX, not smart); it changes only how video is forwarded,
# and these calls carry none. Why: through a one-to-one bridge the customer is written the
# other side's RTP frames as they came, sequence numbers and all, and the audiohook list of a
# recorded customer (the recording's snoop) turns them into slin with one translator kept
# for the channel's life. The Debian build of Asterisk 22.10 drops, in ast_translate, a
# frame whose RTP sequence number is "behind" the last one that translator saw (late
# packet): after the customer moves to another agent, whose stream numbers its packets from
# elsewhere, every frame of the new agent was dropped before the snoop in about half the
# calls (the recording silent, the customer hearing the agent). Softmix writes the customer
# its own slin frames, which the audiohooks take as they are.
CALL_BRIDGE_TYPE = ("mixing", "video_sfu")


def _csv(value: str | Iterable[str]) -> str:
    return value if isinstance(value, str) else ",".join(str(v) for v in value)


def encode_params(params: Params | None) -> dict[str, str]:
    """ARI query strings: booleans as true/false, lists comma-separated, None dropped."""
    out: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (list, tuple, set, frozenset)):
            out[key] = ",".join(str(v) for v in value)
        else:
            out[key] = str(value)
    return out


class AriRest:
    def __init__(self, base_url: str, username: str, password: str, app: str, *,
                 session: aiohttp.ClientSession | None, request_timeout: float,
                 connect_timeout: float) -> None:
        base = base_url.rstrip("/")
        if base.endswith("/ari"):
            base = base[: -len("/ari")]
        self.base_url = base
        self.app = app  # the Stasis application whose subscriptions these are
        self.request_timeout = request_timeout
        self.connect_timeout = connect_timeout
        self._headers = {"Authorization": _basic_auth(username, password), "Accept": "application/json"}
        self._session = session
        self._own_session = session is None
        # told (method, path, seconds) after each request, answered or not (dialer.metrics)
        self.observe: Callable[[str, str, float], None] | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            if not self._own_session:
                raise RuntimeError("the aiohttp session given to AriClient is closed")
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.connect_timeout))
        return self._session

    # ------------------------------------------------------------------ REST

    async def request(self, method: str, path: str, *, params: Params | None = None,
                      json: Any = None, timeout: float | None = None) -> Any:
        """Call ``{base}/ari{path}``; return the decoded JSON body (None for 204/empty/non-JSON):
        typed by the method that knows its shape.

        Raises AriNotFound / AriConflict / AriUnprocessable / AriUnavailable / AriError.
        """
        method = method.upper()
        total = self.request_timeout if timeout is None else timeout
        started = time.perf_counter()
        try:
            async with self._http().request(
                method, f"{self.base_url}/ari{path}", params=encode_params(params), json=json,
                headers=self._headers, timeout=aiohttp.ClientTimeout(total=total),
            ) as resp:
                status = resp.status
                body = await resp.read()
                reason = resp.reason or ""
        except asyncio.TimeoutError as exc:
            raise AriUnavailable(None, method, path, f"timed out after {total}s", cause=exc) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise AriUnavailable(None, method, path, f"{type(exc).__name__}: {exc}", cause=exc) from exc
        finally:
            if self.observe is not None:
                self.observe(method, path, time.perf_counter() - started)

        data: Any = None
        if body:
            try:
                data = jsonlib.loads(body)
            except ValueError:
                data = None
        if status < 300:
            return data
        if isinstance(data, dict) and isinstance(data.get("message"), str):
            message = data["message"]
        else:
            message = body[:200].decode("utf-8", "replace").strip() or reason
        raise error_for_status(status, method, path, message)

    # channels ---------------------------------------------------------------

    async def originate(
        self, endpoint: str, *, channel_id: str, context: str | None = None, extension: str | None = None,
        priority: int | None = None, label: str | None = None, app: str | None = None,
        app_args: str | Iterable[str] | None = None, caller_id: str | None = None, timeout: int | None = None,
        variables: Mapping[str, Any] | None = None, other_channel_id: str | None = None,
        originator: str | None = None, formats: str | Iterable[str] | None = None,
    ) -> dict:
        """POST /channels with our own ``channelId``, so the first events can be matched to the attempt.

        Give either context/extension/priority (dialplan) or app (Stasis). ``app_args``
        joined with commas (ARI splits on them: an arg must not contain a comma).
        On AriUnavailable the call may exist anyway: look it up by ``channel_id``.
        """
        params = {
            "endpoint": endpoint, "channelId": channel_id, "context": context, "extension": extension,
            "priority": priority, "label": label, "app": app,
            "appArgs": None if app_args is None else _csv(app_args),
            "callerId": caller_id, "timeout": timeout, "otherChannelId": other_channel_id,
            "originator": originator, "formats": None if formats is None else _csv(formats),
        }
        body = {"variables": {k: str(v) for k, v in variables.items()}} if variables else None
        return await self.request("POST", "/channels", params=params, json=body)

    async def list_channels(self) -> list[dict]:
        """Each channel once. Asterisk (17+) builds this list by walking its live channel
        snapshot cache, so a channel whose snapshot is replaced during the walk can be
        listed twice (seen on the lab: the same id, state and creation time in one reply)."""
        channels = await self.request("GET", "/channels") or []
        return list({channel["id"]: channel for channel in channels}.values())

    async def get_channel(self, channel_id: str) -> dict:
        return await self.request("GET", f"/channels/{_q(channel_id)}")

    async def hangup(self, channel_id: str, reason: str | None = None, *, reason_code: int | None = None) -> bool:
        """Hang up; False if the channel was already gone (404), which is normal in a race with the far end."""
        try:
            await self.request("DELETE", f"/channels/{_q(channel_id)}",
                               params={"reason": reason, "reason_code": reason_code})
        except AriError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    async def answer(self, channel_id: str) -> None:
        await self.request("POST", f"/channels/{_q(channel_id)}/answer")

    async def ring(self, channel_id: str) -> None:
        await self.request("POST", f"/channels/{_q(channel_id)}/ring")

    async def ring_stop(self, channel_id: str) -> None:
        await self.request("DELETE", f"/channels/{_q(channel_id)}/ring")

    async def continue_in_dialplan(self, channel_id: str, context: str | None = None,
                                   extension: str | None = None, priority: int | None = None,
                                   *, label: str | None = None) -> None:
        await self.request("POST", f"/channels/{_q(channel_id)}/continue", params={
            "context": context, "extension": extension, "priority": priority, "label": label})

    async def send_dtmf(self, channel_id: str, dtmf: str, *, before: int | None = None, between: int | None = None,
                        duration: int | None = None, after: int | None = None) -> None:
        await self.request("POST", f"/channels/{_q(channel_id)}/dtmf", params={
            "dtmf": dtmf, "before": before, "between": between, "duration": duration, "after": after})

    async def get_variable(self, channel_id: str, variable: str) -> str:
        """Raises AriNotFound if the channel does not exist *or the variable is unset*
        (Asterisk 22: 404 "Provided variable was not found")."""
        data = await self.request("GET", f"/channels/{_q(channel_id)}/variable", params={"variable": variable})
        return (data or {}).get("value", "")

    async def set_variable(self, channel_id: str, variable: str, value: str | None) -> None:
        await self.request("POST", f"/channels/{_q(channel_id)}/variable",
                           params={"variable": variable, "value": value})

    async def snoop(self, channel_id: str, app: str, *, snoop_id: str | None = None, spy: str | None = None,
                    whisper: str | None = None, app_args: str | Iterable[str] | None = None) -> dict:
        """Create a snoop channel (spy/whisper: none|both|out|in) that enters Stasis ``app``."""
        path = f"/channels/{_q(channel_id)}/snoop" + (f"/{_q(snoop_id)}" if snoop_id else "")
        return await self.request("POST", path, params={
            "app": app, "spy": spy, "whisper": whisper, "appArgs": None if app_args is None else _csv(app_args)})

    async def play(self, channel_id: str, media: str | Iterable[str], playback_id: str | None = None, *,
                   lang: str | None = None, offsetms: int | None = None, skipms: int | None = None) -> dict:
        """Play ``media`` (e.g. ``sound:hello-world``; a list plays in sequence) on a channel."""
        return await self._play("channels", channel_id, media, playback_id,
                                {"lang": lang, "offsetms": offsetms, "skipms": skipms})

    async def play_on_bridge(self, bridge_id: str, media: str | Iterable[str], playback_id: str | None = None, *,
                             lang: str | None = None, offsetms: int | None = None, skipms: int | None = None,
                             announcer_format: str | None = None) -> dict:
        return await self._play("bridges", bridge_id, media, playback_id, {
            "lang": lang, "offsetms": offsetms, "skipms": skipms, "announcer_format": announcer_format})

    async def _play(self, kind: str, target: str, media: str | Iterable[str], playback_id: str | None,
                    extra: dict[str, Any]) -> dict:
        path = f"/{kind}/{_q(target)}/play" + (f"/{_q(playback_id)}" if playback_id else "")
        return await self.request("POST", path, params={"media": _csv(media), **extra})

    async def stop_playback(self, playback_id: str) -> bool:
        """False if the playback already finished (404)."""
        try:
            await self.request("DELETE", f"/playbacks/{_q(playback_id)}")
        except AriError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    async def record(self, channel_id: str, name: str, format: str = "wav", **options: Any) -> dict:
        """Record a channel. options: max_duration_seconds, max_silence_seconds,
        if_exists (fail|overwrite|append), beep, terminate_on (none|any|*|#)."""
        return await self._record("channels", channel_id, name, format, options)

    async def record_bridge(self, bridge_id: str, name: str, format: str = "wav", **options: Any) -> dict:
        """Record a bridge (both parties mixed). Same options as ``record`` plus recorder_format."""
        return await self._record("bridges", bridge_id, name, format, options)

    _RECORD_OPTIONS = {"max_duration_seconds": "maxDurationSeconds", "max_silence_seconds": "maxSilenceSeconds",
                       "if_exists": "ifExists", "beep": "beep", "terminate_on": "terminateOn",
                       "recorder_format": "recorder_format"}

    async def _record(self, kind: str, target: str, name: str, format: str, options: dict[str, Any]) -> dict:
        unknown = set(options) - set(self._RECORD_OPTIONS)
        if unknown:
            raise TypeError(f"unknown record option(s): {', '.join(sorted(unknown))}")
        params = {"name": name, "format": format, **{self._RECORD_OPTIONS[k]: v for k, v in options.items()}}
        return await self.request("POST", f"/{kind}/{_q(target)}/record", params=params)

    async def stop_recording(self, name: str) -> None:
        await self.request("POST", f"/recordings/live/{_q(name)}/stop")

    async def open_stored_recording(self, name: str) -> aiohttp.ClientResponse:
        """ARI `GET /recordings/stored/{name}/file`, as a raw response (the audio, for the
        caller to stream and release): `request` decodes JSON only."""
        path = f"/recordings/stored/{_q(name)}/file"
        headers = dict(self._headers) | {"Accept": "*/*"}
        try:
            # no total limit: a long call's audio may take a while; a stalled read still fails
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.connect_timeout,
                                            sock_read=self.request_timeout)
            resp = await self._http().get(f"{self.base_url}/ari{path}", headers=headers,
                                          timeout=timeout)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise AriUnavailable(None, "GET", path, f"{type(exc).__name__}: {exc}",
                                 cause=exc) from exc
        if resp.status >= 300:
            body = (await resp.read())[:200].decode("utf-8", "replace")
            resp.release()
            try:
                message = jsonlib.loads(body).get("message", body)
            except (ValueError, AttributeError):
                message = body
            raise error_for_status(resp.status, "GET", path, message or resp.reason or "")
        return resp

    # bridges ----------------------------------------------------------------

    async def create_bridge(self, bridge_id: str, type: str | Iterable[str] = "mixing",
                            name: str | None = None) -> dict:
        """Create (POST /bridges/{id}); type e.g. "mixing", "mixing,dtmf_events", "holding"."""
        return await self.request("POST", f"/bridges/{_q(bridge_id)}", params={"type": _csv(type), "name": name})

    async def get_bridge(self, bridge_id: str) -> dict:
        return await self.request("GET", f"/bridges/{_q(bridge_id)}")

    async def list_bridges(self) -> list[dict]:
        return await self.request("GET", "/bridges") or []

    async def destroy_bridge(self, bridge_id: str) -> bool:
        """False if the bridge was already gone (404)."""
        try:
            await self.request("DELETE", f"/bridges/{_q(bridge_id)}")
        except AriError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    async def add_to_bridge(self, bridge_id: str, channel_ids: str | Iterable[str], role: str | None = None, *,
                            absorb_dtmf: bool | None = None, mute: bool | None = None,
                            inhibit_connected_line_updates: bool | None = None) -> None:
        await self.request("POST", f"/bridges/{_q(bridge_id)}/addChannel", params={
            "channel": _csv(channel_ids), "role": role, "absorbDTMF": absorb_dtmf, "mute": mute,
            "inhibitConnectedLineUpdates": inhibit_connected_line_updates})

    async def remove_from_bridge(self, bridge_id: str, channel_ids: str | Iterable[str]) -> None:
        await self.request("POST", f"/bridges/{_q(bridge_id)}/removeChannel",
                           params={"channel": _csv(channel_ids)})

    # applications, asterisk, endpoints ---------------------------------------

    async def subscribe(self, event_source: str | Iterable[str]) -> dict:
        """Subscribe our app to e.g. ``channel:<id>``, ``bridge:<id>``, ``endpoint:PJSIP/100``, ``deviceState:...``."""
        return await self.request("POST", f"/applications/{_q(self.app)}/subscription",
                                  params={"eventSource": _csv(event_source)})

    async def unsubscribe(self, event_source: str | Iterable[str]) -> dict:
        return await self.request("DELETE", f"/applications/{_q(self.app)}/subscription",
                                  params={"eventSource": _csv(event_source)})

    async def asterisk_info(self, only: str | Iterable[str] | None = None) -> dict:
        return await self.request("GET", "/asterisk/info", params={"only": None if only is None else _csv(only)})

    async def ping(self) -> dict:
        """GET /asterisk/ping (Asterisk >= 13.25/16.2): {"ping": "pong", "timestamp": ..., "asterisk_id": ...}."""
        return await self.request("GET", "/asterisk/ping")

    async def list_endpoints(self, tech: str | None = None) -> list[dict]:
        return await self.request("GET", "/endpoints" + (f"/{_q(tech)}" if tech else "")) or []
