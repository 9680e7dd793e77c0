"""Calls to the company number over HTTP: the ring group (options and members), business
hours, the calls' records (with their transfers) and voicemails."""

from __future__ import annotations

from aiohttp import web

from ..db.validation import NotFoundError
from ..web.access import identity
from ..web.common import DIALER, flag_query, json_body, now, paged, path_id, run as _run
from ..web.recordings import stream_recording
from . import store as inbound

routes = web.RouteTableDef()


@routes.put("/api/accounts/{id}/ring-group")
async def set_ring_group(request: web.Request) -> web.Response:
    """The company number's call options: strategy, ring time, caller id, pass-through,
    forward number, route to assigned user, client status message."""
    body = await json_body(request)
    return web.json_response(await request.app[DIALER].store.run(
        inbound.set_ring_group, path_id(request), **body))


@routes.put("/api/accounts/{id}/ring-group/members")
async def set_ring_group_members(request: web.Request) -> web.Response:
    body = await json_body(request, ("members",))
    return web.json_response(await request.app[DIALER].store.run(
        inbound.set_members, path_id(request), body.get("members")))


@routes.put("/api/accounts/{id}/business-hours")
async def business_hours(request: web.Request) -> web.Response:
    body = await json_body(request, ("start", "stop"))
    return web.json_response(await request.app[DIALER].store.run(
        inbound.set_business_hours, path_id(request), body.get("start"), body.get("stop")))


@routes.get("/api/accounts/{id}/voicemails")
async def voicemails(request: web.Request) -> web.Response:
    """The voicemail inbox, newest first: caller, contact, time, duration, and who marked
    it handled when. `?handled=yes|no` (or true|false) to filter."""
    handled = request.query.get("handled", "")
    return await paged(request, inbound.list_voicemails, path_id(request),
                       handled=None if handled == "" else flag_query(request, "handled"))


@routes.get("/api/accounts/{id}/voicemails/{voicemail_id}")
async def get_voicemail(request: web.Request) -> web.Response:
    return web.json_response(await _run(request, inbound.get_voicemail, path_id(request),
                                        path_id(request, "voicemail_id")))


@routes.patch("/api/accounts/{id}/voicemails/{voicemail_id}")
async def mark_voicemail(request: web.Request) -> web.Response:
    """`{"handled": true}`: handled by the caller, now (audited); false: not handled."""
    body = await json_body(request, ("handled",))  # checked after the voicemail's lookup
    return web.json_response(await _run(
        request, inbound.set_voicemail_handled, path_id(request),
        path_id(request, "voicemail_id"), body.get("handled"), identity(request).user_id,
        now(request)))


@routes.get("/api/accounts/{id}/voicemails/{voicemail_id}/recording")
async def get_voicemail_recording(request: web.Request) -> web.StreamResponse:
    """A voicemail's audio, as Asterisk stored it; 404 with field "recording" when
    Asterisk no longer has the file."""
    return await stream_recording(request, await _run(
        request, inbound.voicemail_recording, path_id(request),
        path_id(request, "voicemail_id")))


@routes.get("/api/accounts/{id}/ring-group")
async def get_ring_group(request: web.Request) -> web.Response:
    """The company number's call options and its members in ring order; 404 with field
    "ring_group" until one is set (PUT)."""
    group = await _run(request, inbound.get_ring_group, path_id(request))
    if group is None:
        raise NotFoundError("ring_group", "the account has no ring group yet")
    return web.json_response(group)


@routes.get("/api/accounts/{id}/inbound-calls")
async def list_inbound_calls(request: web.Request) -> web.Response:
    """The account's calls to its company number, newest first: who called, who took it,
    when it started, was taken and ended."""
    return await paged(request, inbound.list_inbound_calls, path_id(request))


@routes.get("/api/accounts/{id}/inbound-calls/{inbound_call_id}")
async def get_inbound_call(request: web.Request) -> web.Response:
    """One call, with its transfer legs ("transfers", as an attempt's); 404 with field
    "inbound_call_id" when the account has no such call."""
    call = await _run(request, inbound.get_inbound_call, path_id(request),
                      path_id(request, "inbound_call_id"))
    if call is None:
        raise NotFoundError("inbound_call_id", "no such inbound call in this account")
    return web.json_response(call)
