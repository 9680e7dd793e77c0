"""What every API module shares: the app's Dialer key and request parsing whose errors
name the field (the app's error middleware turns FieldError into a JSON 400)."""

from __future__ import annotations

import json
from typing import Iterable

from aiohttp import web

from ..db.validation import FieldError, reject_unknown

DIALER = web.AppKey("dialer", object)  # the running Dialer


def path_id(request: web.Request, name: str = "id") -> int:
    value = request.match_info[name]
    if not value.isdigit():
        raise FieldError(name, "not an id")
    return int(value)


async def json_body(request: web.Request, allowed: Iterable[str] | None = None) -> dict:
    """The request's JSON object (only `allowed` keys, if given), or a 400 naming the culprit."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise FieldError("body", "not valid JSON") from None
    if not isinstance(body, dict):
        raise FieldError("body", "must be a JSON object")
    if allowed is not None:
        reject_unknown(body, allowed)
    return body


MAX_PAGE = 500


def page_args(request: web.Request) -> tuple[int, int]:
    """`?limit=` (default 100, at most 500) and `?offset=` of a list request."""
    values = {}
    for name, default in (("limit", 100), ("offset", 0)):
        raw = request.query.get(name, str(default))
        if not raw.isdigit():
            raise FieldError(name, "must be a whole number")
        values[name] = int(raw)
    if not 1 <= values["limit"] <= MAX_PAGE:
        raise FieldError("limit", f"between 1 and {MAX_PAGE}")
    return values["limit"], values["offset"]


def page(request: web.Request, rows: list) -> web.Response:
    """One page of a list: {"items", "total", "limit", "offset"}."""
    limit, offset = page_args(request)
    return web.json_response({"items": rows[offset:offset + limit], "total": len(rows),
                              "limit": limit, "offset": offset})
