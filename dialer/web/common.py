"""What every feature's HTTP routes share: the app's Dialer key, request parsing whose
errors name the field (the app's error middleware turns FieldError into a JSON 400), and
the answers of a store call (one object, a page of a list)."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Iterable, Protocol

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from ..db.validation import FieldError, reject_unknown
from .shared_reads import SHARED_READS

if TYPE_CHECKING:
    from ..agents.shell import AgentSessions
    from ..ari import AriClient
    from ..ari.endpoints import PbxEndpoints
    from ..config import Config
    from ..db.database import Store
    from ..metrics.registry import Metrics
    from ..monitor.shell import Monitors
    from ..outbound.runner import CampaignRunner
    from ..outbound.shell import OutboundCalls
    from ..prompts.shell import PromptRecorder
    from ..transfers.shell import TransferShell
    from ..trunks.shell import Trunks
    from ..webhooks.shell import Webhooks


class WebDialer(Protocol):
    """What the web app uses of the running Dialer (dialer/server.py); tests that run no
    calls give it a stand-in with the parts they need."""

    store: Store
    ari: AriClient
    endpoints: PbxEndpoints
    agents: AgentSessions
    calls: OutboundCalls
    runner: CampaignRunner
    monitors: Monitors
    transfers: TransferShell
    metrics: Metrics
    webhooks: Webhooks
    prompt_recorder: PromptRecorder
    trunks: Trunks
    cfg: Config

    def now(self) -> dt.datetime: ...


DIALER = web.AppKey("dialer", WebDialer)


MAX_ID = 2**63 - 1  # the databases' BIGINT: a larger number names no row, and overflows


def parse_id(name: str, value: str) -> int:
    """An id in a URL: ASCII digits, 1 to MAX_ID, else a 400 naming the parameter."""
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_ID:
        raise FieldError(name, "not an id")
    return int(value)


def path_id(request: web.Request, name: str = "id") -> int:
    return parse_id(name, request.match_info[name])


def query_id(request: web.Request, name: str, *, blank_is_none: bool = False) -> int | None:
    """An id in `?name=`, None when absent (or blank, with `blank_is_none`), else a 400."""
    raw = request.query.get(name)
    if raw is None or (blank_is_none and raw == ""):
        return None
    return parse_id(name, raw)


def flag_query(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in ("1", "true", "yes")


async def run(request: web.Request, fn, /, *args, **kwargs):
    """`fn(*args, **kwargs)` on the store's writer."""
    return await request.app[DIALER].store.run(fn, *args, **kwargs)


def now(request: web.Request) -> dt.datetime:
    return request.app[DIALER].now()


def answer(body: object, status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


async def json_body(request: web.Request, allowed: Iterable[str] | None = None) -> dict:
    """The request's JSON object (only `allowed` keys, if given), or a 400 naming the culprit."""
    try:
        body = json.loads(await request.text(), parse_constant=_no_constant)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError, ValueError):
        raise FieldError("body", "not valid JSON") from None
    if not isinstance(body, dict):
        raise FieldError("body", "must be a JSON object")
    for key, value in body.items():
        _check_numbers(key, key)
        if key not in RAW_TEXT:
            _check_numbers(key, value)
    if allowed is not None:
        reject_unknown(body, allowed)
    return body


async def import_form(request: web.Request) -> dict:
    """multipart/form-data: a file part ("file" or "csv"), "mapping" as JSON text,
    "list_name", "default_region", "campaign_id"."""
    try:
        form = await request.post()
    except (HttpProcessingError, ValueError):  # a malformed part: aiohttp's own refusal
        raise FieldError("body", "not a valid multipart/form-data body") from None
    upload = form.get("file", form.get("csv"))
    raw = upload.file.read() if isinstance(upload, web.FileField) else upload
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FieldError("csv", "the file is not UTF-8 text") from None

    def field(name: str) -> str | None:  # the other parts are text fields, never files
        value = form.get(name)
        if isinstance(value, web.FileField):
            raise FieldError(name, "must be a text field, not a file")
        return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else value
    try:
        mapping = json.loads(field("mapping") or "null")
    except json.JSONDecodeError:
        raise FieldError("mapping", "not valid JSON") from None
    campaign_text = field("campaign_id")
    campaign_id = parse_id("campaign_id", campaign_text) if campaign_text else None
    return {"csv": raw, "mapping": mapping, "list_name": field("list_name"),
            "default_region": field("default_region"), "campaign_id": campaign_id}


RAW_TEXT = frozenset({"csv"})  # checked by their parser, line by line (a NUL is that row's error)


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _check_numbers(field: str, value) -> None:
    """No value in this API needs an integer beyond 64 bits (the databases' BIGINT), nor a
    NUL character (PostgreSQL stores none)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ID:
        raise FieldError(field, "number out of range")
    if isinstance(value, str) and "\x00" in value:
        raise FieldError(field, "must not contain a NUL character")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_numbers(field, key)
            _check_numbers(field, item)
    elif isinstance(value, list):
        for item in value:
            _check_numbers(field, item)


MAX_PAGE = 500


def page_args(request: web.Request) -> tuple[int, int]:
    """`?limit=` (default 100, at most 500) and `?offset=` of a list request."""
    values = {}
    for name, default in (("limit", 100), ("offset", 0)):
        raw = request.query.get(name, str(default))
        if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ID:
            raise FieldError(name, "must be a whole number")
        values[name] = int(raw)
    if not 1 <= values["limit"] <= MAX_PAGE:
        raise FieldError("limit", f"between 1 and {MAX_PAGE}")
    return values["limit"], values["offset"]


async def paged(request: web.Request, fn, *args, **kwargs) -> web.Response:
    """A list, read beside the writer; identical requests at about the same time (browsers
    polling a page) share one read (`SharedReads`)."""
    limit, offset = page_args(request)
    return web.json_response(await request.app[SHARED_READS].read(fn, *args, limit, offset,
                                                                  **kwargs))


async def read_one(request: web.Request, fn, *args) -> web.Response:
    """One object, read beside the writer."""
    return web.json_response(await request.app[DIALER].store.read(fn, *args))


def page(request: web.Request, rows: list) -> web.Response:
    """One page of a list: {"items", "total", "limit", "offset"}; `?q=` keeps the items
    with a text field containing it (any case)."""
    limit, offset = page_args(request)
    q = request.query.get("q", "").strip().casefold()
    if q:
        rows = [row for row in rows if any(isinstance(v, str) and q in v.casefold()
                                           for v in row.values())]
    return web.json_response({"items": rows[offset:offset + limit], "total": len(rows),
                              "limit": limit, "offset": offset})
