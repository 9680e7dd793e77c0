"""REST API read side: every object by id and every list, paged (`?limit=`, `?offset=`:
{"items", "total", "limit", "offset"}), the audio of recorded calls, and the OpenAPI
document of the whole API (`GET /api/openapi.json`)."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

from aiohttp import web

from ..ari.errors import AriNotFound
from ..db import attempts, listing
from ..followups import store as followups
from ..db.fields import to_naive_utc
from ..db.attempts import AttemptFilters
from ..db.validation import FieldError
from . import openapi
from .access import check_fields, identity
from .common import DIALER, page_args, parse_id, path_id
from .shared_reads import SHARED_READS

routes = web.RouteTableDef()


def _store(request: web.Request):
    return request.app[DIALER].store


def _not_found(field: str, message: str) -> web.HTTPNotFound:
    return web.HTTPNotFound(text=json.dumps({"error": {"field": field, "message": message}}),
                            content_type="application/json")


def _int_query(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    return parse_id(name, raw)


def _flag_query(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in ("1", "true", "yes")


async def _paged(request: web.Request, fn, *args, **kwargs) -> web.Response:
    """A list, read beside the writer; identical requests at about the same time (browsers
    polling a page) share one read (`SharedReads`)."""
    limit, offset = page_args(request)
    return web.json_response(await request.app[SHARED_READS].read(fn, *args, limit, offset,
                                                                  **kwargs))


async def _one(request: web.Request, fn, *args) -> web.Response:
    return web.json_response(await _store(request).read(fn, *args))


# ---- accounts and plans ---------------------------------------------------------------
@routes.get("/api/accounts/{id}")
async def get_account(request: web.Request) -> web.Response:
    """An account: name, company number, plan, time zone, business hours."""
    return await _one(request, listing.get_account, path_id(request))


@routes.get("/api/plans/{id}")
async def get_plan(request: web.Request) -> web.Response:
    """A service plan, with the number of accounts on it."""
    return await _one(request, listing.get_plan, path_id(request))


# ---- contacts -------------------------------------------------------------------------
@routes.get("/api/accounts/{id}/contacts")
async def list_contacts(request: web.Request) -> web.Response:
    """The account's contacts with their phones, by id. `?q=` searches name, email and
    client id (any case) and phone numbers (by digits); `?list_id=` one imported list."""
    return await _paged(request, listing.list_contacts, path_id(request),
                        q=request.query.get("q"), list_id=_int_query(request, "list_id"))


@routes.get("/api/accounts/{id}/contact-lists")
async def list_contact_lists(request: web.Request) -> web.Response:
    """The account's imported contact lists, with their number of contacts."""
    return await _paged(request, listing.list_contact_lists, path_id(request))


@routes.get("/api/contacts/{id}")
async def get_contact(request: web.Request) -> web.Response:
    """A contact, its phones, and its state in each campaign the caller's profile shows."""
    return await _one(request, listing.get_contact, path_id(request),
                      identity(request).campaigns)


# ---- campaigns ------------------------------------------------------------------------
@routes.get("/api/campaigns/{id}/contacts")
async def list_campaign_contacts(request: web.Request) -> web.Response:
    """Each contact's state in the campaign: status, attempts, next_attempt_at, the last
    attempt's result and its operator (the agent on it). `?status=` (waiting, in_progress,
    completed, failed, rescheduled, deleted), `?q=` name or phone digits."""
    return await _paged(request, listing.list_campaign_contacts, path_id(request),
                        status=request.query.get("status"), q=request.query.get("q"))


@routes.get("/api/campaigns/{id}/rules")
async def list_rules(request: web.Request) -> web.Response:
    """The campaign's rules, in the order they are tried."""
    return await _paged(request, listing.list_rules, path_id(request))


@routes.delete("/api/campaigns/{id}/rules/{rule_id}")
async def delete_rule(request: web.Request) -> web.Response:
    """Remove a rule from the campaign (refused once the campaign is archived)."""
    result = await _store(request).run(listing.delete_rule, path_id(request),
                                       path_id(request, "rule_id"))
    if result is None:
        raise _not_found("rule_id", "no such rule in this campaign")
    return web.json_response(result)


@routes.get("/api/campaigns/{id}/caller-ids")
async def list_caller_ids(request: web.Request) -> web.Response:
    """The numbers the campaign presents as caller id."""
    return await _paged(request, listing.list_caller_ids, path_id(request))


# ---- filters, agent groups, agents -----------------------------------------------------
@routes.get("/api/accounts/{id}/filters")
async def list_filters(request: web.Request) -> web.Response:
    """The account's contact filters and their definitions."""
    return await _paged(request, listing.list_filters, path_id(request))


@routes.get("/api/filters/{id}")
async def get_filter(request: web.Request) -> web.Response:
    """A contact filter and its definition."""
    return await _one(request, listing.get_filter, path_id(request))


@routes.get("/api/accounts/{id}/agent-groups")
async def list_agent_groups(request: web.Request) -> web.Response:
    """The account's agent groups, their options and member agents."""
    return await _paged(request, listing.list_agent_groups, path_id(request))


@routes.get("/api/agent-groups/{id}")
async def get_agent_group(request: web.Request) -> web.Response:
    """An agent group, its options and member agents."""
    return await _one(request, listing.get_agent_group, path_id(request))


@routes.get("/api/accounts/{id}/agents")
async def list_agents(request: web.Request) -> web.Response:
    """The account's agents: user, desk phone endpoint, stored state, groups.
    `?group_id=` one group's members."""
    return await _paged(request, listing.list_agents, path_id(request),
                        group_id=_int_query(request, "group_id"))


@routes.get(r"/api/agents/{id:\d+}")
async def get_agent(request: web.Request) -> web.Response:
    """An agent: user, desk phone endpoint, stored state, groups."""
    return await _one(request, listing.get_agent, path_id(request))


# ---- attempts and recordings -------------------------------------------------------------
def _time_query(request: web.Request, name: str) -> dt.datetime | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        return to_naive_utc(dt.datetime.fromisoformat(raw))
    except ValueError:
        raise FieldError(name, "an ISO 8601 date or time, e.g. 2026-03-02T14:00:00Z "
                               "(UTC when no offset is given)") from None


def attempt_filters(request: web.Request, campaign_id: int | None = None) -> AttemptFilters:
    """`?outcome=`, `?agent_id=`, `?contact_id=`, `?recorded=1`, `?started_from=`,
    `?started_to=` of an attempts list or report."""
    return AttemptFilters(outcome=request.query.get("outcome") or None,
                          agent_id=_int_query(request, "agent_id"),
                          contact_id=_int_query(request, "contact_id"),
                          campaign_id=campaign_id, recorded=_flag_query(request, "recorded"),
                          started_from=_time_query(request, "started_from"),
                          started_to=_time_query(request, "started_to"))


async def checked_attempt_filters(request: web.Request,
                                  campaign_id: int | None = None) -> AttemptFilters:
    """`attempt_filters`, whose agent and contact must be the caller's account's (404 /
    403 naming the field, as ids in URLs)."""
    filters = attempt_filters(request, campaign_id)
    await check_fields(request, identity(request),
                       {"agent_id": filters.agent_id, "contact_id": filters.contact_id})
    return filters


@routes.get("/api/campaigns/{id}/attempts")
async def list_campaign_attempts(request: web.Request) -> web.Response:
    """The campaign's calls, newest first: outcome, times, agent, recording_name, script
    answers. Filters: `?outcome=`, `?agent_id=`, `?contact_id=`, `?recorded=1`,
    `?started_from=`, `?started_to=` (ISO 8601). Deep pages: `?before=` the previous
    page's `next_before` (an index seek, where `?offset=` reads every skipped row)."""
    return await _paged(request, attempts.list_campaign_attempts, path_id(request),
                        filters=await checked_attempt_filters(request),
                        before=_int_query(request, "before"))


@routes.get("/api/accounts/{id}/attempts")
async def list_account_attempts(request: web.Request) -> web.Response:
    """The account's calls, newest first, in the campaigns the caller's profile shows (and
    calls of no campaign). Filters: `?campaign_id=`, `?outcome=`, `?agent_id=`,
    `?contact_id=`, `?recorded=1`, `?started_from=`, `?started_to=`; `?before=` as in
    the campaign's list."""
    who = identity(request)
    campaign_id = _int_query(request, "campaign_id")
    await check_fields(request, who, {"campaign_id": campaign_id})
    filters = await checked_attempt_filters(request, campaign_id)
    return await _paged(request, attempts.list_account_attempts, path_id(request),
                        visible=who.campaigns, filters=filters,
                        before=_int_query(request, "before"))


@routes.get("/api/attempts/{id}")
async def get_attempt(request: web.Request) -> web.Response:
    """One call: outcome, AMD, times, agent, disposition, recording_name, script answers."""
    return await _one(request, attempts.get_attempt, path_id(request))


@routes.get("/api/campaigns/{id}/recordings")
async def list_campaign_recordings(request: web.Request) -> web.Response:
    """The campaign's recorded calls, newest first; each one's audio is at its `url`."""
    return await _paged(request, attempts.list_campaign_recordings, path_id(request))


async def _stream_recording(request: web.Request, name: str) -> web.StreamResponse:
    """Relay Asterisk's stored recording `name` to the client (404 "recording" if gone)."""
    try:
        upstream = await request.app[DIALER].ari.open_stored_recording(name)
    except AriNotFound:
        raise _not_found("recording", f"Asterisk has no stored recording {name!r}") from None
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


@routes.get("/api/attempts/{id}/recording")
async def get_recording(request: web.Request) -> web.StreamResponse:
    """The call's recording (the audio file, as Asterisk stored it); 404 with field
    "recording" when the call was not recorded or Asterisk no longer has the file."""
    name = await _store(request).run(attempts.recording_name, path_id(request))
    if not name:
        raise _not_found("recording", "this call was not recorded")
    return await _stream_recording(request, name)


@routes.get("/api/accounts/{id}/voicemails/{voicemail_id}/recording")
async def get_voicemail_recording(request: web.Request) -> web.StreamResponse:
    """A voicemail's audio, as Asterisk stored it; 404 with field "recording" when
    Asterisk no longer has the file."""
    name = await _store(request).run(listing.voicemail_recording, path_id(request),
                                     path_id(request, "voicemail_id"))
    if name is None:
        raise _not_found("voicemail_id", "no such voicemail in this account")
    return await _stream_recording(request, name)


# ---- followups, suppression, inbound --------------------------------------------------------
@routes.get("/api/accounts/{id}/followups")
async def list_account_followups(request: web.Request) -> web.Response:
    """The account's followups by start time, in the campaigns the caller's profile shows
    (and those of no campaign). Filters: `?status=`, `?agent_id=`, `?contact_id=`."""
    return await _paged(request, followups.list_account_followups, path_id(request),
                        visible=identity(request).campaigns,
                        status=request.query.get("status"),
                        agent_id=_int_query(request, "agent_id"),
                        contact_id=_int_query(request, "contact_id"))


@routes.get("/api/campaigns/{id}/suppression-lists")
async def list_campaign_suppression_lists(request: web.Request) -> web.Response:
    """The suppression lists attached to the campaign."""
    return await _paged(request, listing.list_campaign_suppression_lists, path_id(request))


@routes.get("/api/accounts/{id}/ring-group")
async def get_ring_group(request: web.Request) -> web.Response:
    """The company number's call options and its members in ring order; 404 with field
    "ring_group" until one is set (PUT)."""
    group = await _store(request).run(listing.get_ring_group, path_id(request))
    if group is None:
        raise _not_found("ring_group", "the account has no ring group yet")
    return web.json_response(group)


@routes.get("/api/accounts/{id}/action-calls")
async def list_action_calls(request: web.Request) -> web.Response:
    """The account's action-plan calls, newest first; `?status=` to filter."""
    return await _paged(request, listing.list_action_calls, path_id(request),
                        status=request.query.get("status"))


# ---- the API's own description -----------------------------------------------------------
@routes.get("/api/openapi.json")
async def openapi_document(request: web.Request) -> web.Response:
    """This API, as an OpenAPI 3.1 document built from the running app's routes."""
    return web.json_response(openapi.document(request.app))
