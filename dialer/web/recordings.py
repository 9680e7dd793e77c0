"""The audio of a recorded call or voicemail, relayed from Asterisk's stored recordings."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from ..ari.errors import AriNotFound
from ..db.validation import NotFoundError
from .common import DIALER


async def stream_recording(request: web.Request, name: str) -> web.StreamResponse:
    """Relay Asterisk's stored recording `name` to the client (404 "recording" if gone)."""
    try:
        upstream = await request.app[DIALER].ari.open_stored_recording(name)
    except AriNotFound:
        raise NotFoundError("recording", f"Asterisk has no stored recording {name!r}") from None
    try:
        response = web.StreamResponse(headers={
            "Content-Type": upstream.headers.get("Content-Type", "application/octet-stream"),
            "Content-Disposition": f'inline; filename="{quote(name)}"'})
        if upstream.content_length is not None:
            response.content_length = upstream.content_length
        await response.prepare(request)
        async for chunk in upstream.content.iter_chunked(64 * 1024):
            await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        upstream.release()
