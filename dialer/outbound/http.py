"""Campaigns over HTTP: their settings, contacts (and imports), filters, rules and caller
ids; running them (start, suspend...), their progress and why a contact is not called; and
their calls: attempts (by campaign or account), recordings. Lists are paged (`?limit=`,
`?offset=`: {"items", "total", "limit", "offset"})."""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from ..db import attempts, campaign_admin, contacts, listing
from ..db import campaigns as campaign_db
from ..db.fields import to_naive_utc
from ..db.attempts import AttemptFilters
from ..db.validation import FieldError, NotFoundError, reject_unknown
from ..web import access
from ..web.access import check_fields, identity
from ..web.common import DIALER, flag_query as _flag_query, json_body, page, path_id
from ..web.common import import_form, paged as _paged, query_id, read_one as _one
from ..web.recordings import stream_recording
from ..web.shared_reads import SHARED_READS
from . import store as dialing
from ..transfers import store as transfer_store

routes = web.RouteTableDef()


def _store(request: web.Request):
    return request.app[DIALER].store


def _int_query(request: web.Request, name: str) -> int | None:
    return query_id(request, name, blank_is_none=True)


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
        raise NotFoundError("rule_id", "no such rule in this campaign")
    return web.json_response(result)


@routes.get("/api/campaigns/{id}/caller-ids")
async def list_caller_ids(request: web.Request) -> web.Response:
    """The numbers the campaign presents as caller id."""
    return await _paged(request, listing.list_caller_ids, path_id(request))


# ---- filters -----------------------------------------------------------------
@routes.get("/api/accounts/{id}/filters")
async def list_filters(request: web.Request) -> web.Response:
    """The account's contact filters and their definitions; `?q=` a part of the name."""
    return await _paged(request, listing.list_filters, path_id(request),
                        q=request.query.get("q"))


@routes.get("/api/filters/{id}")
async def get_filter(request: web.Request) -> web.Response:
    """A contact filter and its definition."""
    return await _one(request, listing.get_filter, path_id(request))


# ---- attempts and recordings -------------------------------------------------------------
def time_query(request: web.Request, name: str) -> dt.datetime | None:
    """`?name=` an ISO 8601 time (UTC when no offset is given), None when absent."""
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
                          started_from=time_query(request, "started_from"),
                          started_to=time_query(request, "started_to"))


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
    """One call: outcome, AMD, times, agent, disposition, recording_name, consent_announced
    (the recording consent announcement played to its end), script answers, transfers
    (its legs: mode, target, status)."""
    return await _one(request, transfer_store.attempt_with_legs, path_id(request))


@routes.get("/api/campaigns/{id}/recordings")
async def list_campaign_recordings(request: web.Request) -> web.Response:
    """The campaign's recorded calls, newest first; each one's audio is at its `url`."""
    return await _paged(request, attempts.list_campaign_recordings, path_id(request))


@routes.get("/api/attempts/{id}/recording")
async def get_recording(request: web.Request) -> web.StreamResponse:
    """The call's recording (the audio file, as Asterisk stored it); 404 with field
    "recording" when the call was not recorded or Asterisk no longer has the file."""
    name = await _store(request).run(attempts.recording_name, path_id(request))
    if not name:
        raise NotFoundError("recording", "this call was not recorded")
    return await stream_recording(request, name)


# ---- campaigns: settings, run, progress ------------------------------------------------
@routes.get("/api/accounts/{id}/campaigns")
async def list_campaigns(request: web.Request) -> web.Response:
    """The account's campaigns the caller's profile shows; `?status=running` to filter."""
    who, account_id = identity(request), path_id(request)
    return page(request, await _store(request).run(
        campaign_admin.list_campaigns, account_id, request.query.get("status"),
        who.sees_campaign))


@routes.get("/api/campaigns/{id}")
async def get_campaign(request: web.Request) -> web.Response:
    return web.json_response(await _store(request).run(campaign_admin.get_campaign,
                                                       path_id(request)))


@routes.patch("/api/campaigns/{id}")
async def update_campaign(request: web.Request) -> web.Response:
    """Change a campaign's settings (the fields of its creation); not when archived."""
    body = await json_body(request)
    return web.json_response(await _store(request).run(campaign_admin.update_campaign,
                                                       path_id(request), **body))


@routes.post("/api/campaigns/{id}/{action:start|suspend|resume|terminate|archive}")
async def campaign_action(request: web.Request) -> web.Response:
    status = {"start": "running", "resume": "running", "suspend": "suspended",
              "terminate": "terminated", "archive": "archived"}[request.match_info["action"]]
    store = request.app[DIALER].store
    return web.json_response(await store.run(campaign_db.set_status, path_id(request), status))


@routes.get("/api/campaigns/{id}/progress")
async def campaign_progress(request: web.Request) -> web.Response:
    dialer = request.app[DIALER]
    campaign_id = path_id(request)
    counts, group = await request.app[SHARED_READS].read(dialing.progress_and_group,
                                                        campaign_id)
    body = dict(counts)
    body["agents"] = sum(1 for v in dialer.agents.views()
                         if group is None or group in v.groups)
    body["in_flight"] = dialer.calls.in_flight(campaign_id)
    return web.json_response(body)


@routes.get("/api/campaigns/{id}/contacts/{contact}/why")
async def why_not(request: web.Request) -> web.Response:
    dialer = request.app[DIALER]
    return web.json_response(await dialer.store.run(campaign_db.why_not, path_id(request),
                                                    path_id(request, "contact"), dialer.now()))


@routes.post("/api/accounts/{id}/contacts/import")
async def import_contacts(request: web.Request) -> web.Response:
    if request.content_type.startswith("multipart/"):
        body = await import_form(request)
    else:
        body = await json_body(request)
        reject_unknown(body, ("csv", "mapping", "list_name", "default_region", "campaign_id"))
    campaign_id = body.get("campaign_id")
    await access.check_fields(request, access.identity(request), {"campaign_id": campaign_id})
    store = request.app[DIALER].store
    result = await store.run(contacts.import_contacts, path_id(request),
                             body.get("list_name") or "Import", body.get("csv"),
                             body.get("mapping"), body.get("default_region") or "US",
                             campaign_id)
    return web.json_response(result, status=201)


@routes.post("/api/accounts/{id}/filters")
async def create_filter(request: web.Request) -> web.Response:
    body = await json_body(request)
    reject_unknown(body, ("name", "definition"))
    store = request.app[DIALER].store
    return web.json_response(await store.run(contacts.create_filter, path_id(request),
                                             body.get("name"), body.get("definition")),
                             status=201)


@routes.patch("/api/filters/{id}")
async def update_filter(request: web.Request) -> web.Response:
    """Rename the filter or change its `definition`."""
    body = await json_body(request, ("name", "definition"))
    return web.json_response(await _store(request).run(contacts.update_filter,
                                                       path_id(request), **body))


@routes.delete("/api/filters/{id}")
async def delete_filter(request: web.Request) -> web.Response:
    return web.json_response(await _store(request).run(contacts.delete_filter,
                                                       path_id(request)))


@routes.get("/api/filters/{id}/contacts")
async def filter_contacts(request: web.Request) -> web.Response:
    """The contacts the filter matches now: `count`, every id (`contact_ids`), the first
    100 with their names (`contacts`)."""
    store = request.app[DIALER].store
    return web.json_response(await store.run(contacts.filter_contacts, path_id(request)))


@routes.post("/api/campaigns/{id}/filters/{filter_id}")
async def attach_filter(request: web.Request) -> web.Response:
    store = request.app[DIALER].store
    return web.json_response(await store.run(contacts.attach_filter, path_id(request),
                                             path_id(request, "filter_id")))


@routes.post("/api/accounts/{id}/campaigns")
async def create_campaign(request: web.Request) -> web.Response:
    body = await json_body(request)
    store = request.app[DIALER].store
    return web.json_response(await store.run(campaign_admin.create_campaign, path_id(request),
                                             **body), status=201)


@routes.post("/api/campaigns/{id}/clone")
async def clone_campaign(request: web.Request) -> web.Response:
    body = await json_body(request)
    reject_unknown(body, ("name",))
    store = request.app[DIALER].store
    return web.json_response(await store.run(campaign_admin.clone_campaign, path_id(request),
                                             body.get("name")), status=201)


@routes.post("/api/campaigns/{id}/caller-ids")
async def add_caller_id(request: web.Request) -> web.Response:
    body = await json_body(request)
    reject_unknown(body, ("number",))
    store = request.app[DIALER].store
    return web.json_response(await store.run(campaign_admin.add_caller_id, path_id(request),
                                             body.get("number")), status=201)


@routes.delete("/api/campaigns/{id}/caller-ids/{caller_id_id}")
async def remove_caller_id(request: web.Request) -> web.Response:
    """Take a number off the campaign's caller ids (refused for a running campaign's only
    one, and once the campaign is archived)."""
    result = await _store(request).run(campaign_admin.remove_caller_id, path_id(request),
                                       path_id(request, "caller_id_id"))
    if result is None:
        raise NotFoundError("caller_id_id", "no such caller id in this campaign")
    return web.json_response(result)


@routes.post("/api/campaigns/{id}/rules")
async def add_rule(request: web.Request) -> web.Response:
    body = await json_body(request)
    reject_unknown(body, ("condition", "action", "params", "position"))
    if "action" not in body:
        raise FieldError("action", "required")
    store = request.app[DIALER].store
    return web.json_response(await store.run(campaign_admin.add_rule, path_id(request), **body),
                             status=201)
