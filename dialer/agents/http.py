"""An agent's desk over HTTP: the live session (log in and out, ready, the preview on
screen, manual dials, ending the call), the session list, and what the agent fills in on a
call: scripts, answers, dispositions; a contact's timeline.

Registered by `dialer.web.app.create_app`, whose `json_errors` middleware maps the domain
errors (FieldError, ConflictError, AgentStateError...) to {"error": {"field", "message"}}.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from aiohttp import web

from ..db import accounts, listing, permissions, scripts, timeline
from ..db.validation import FieldError, boolean, reject_unknown
from ..followups.decisions import utc
from ..web import access, signin
from ..web.access import identity, shows_session
from ..web.common import DIALER, answer as _json, json_body, page, path_id, query_id
from ..web.common import now as _now, paged as _paged, read_one as _one, run as _run
from ..web.pbx_checks import check_endpoint
from . import store
from .session_log import session_log

MAX_LOG_SPAN = dt.timedelta(days=31)

routes = web.RouteTableDef()


def _query_time(request: web.Request, name: str) -> dt.datetime | None:
    value = request.query.get(name)
    if value is None:
        return None
    try:
        return utc(dt.datetime.fromisoformat(value))
    except ValueError:
        raise FieldError(name, "not an ISO 8601 date and time") from None


# --- the live session ---------------------------------------------------------------------


@routes.post("/api/agents/{id}/{action:login|logout|ready}")
async def agent_action(request: web.Request) -> web.Response:
    agents = request.app[DIALER].agents
    agent_id, action = path_id(request), request.match_info["action"]
    access.live_session(request, agent_id)
    if action == "login":
        return web.json_response((await agents.login(agent_id)).as_json())
    if action == "logout":
        await agents.logout(agent_id)
    else:
        await agents.set_ready(agent_id, True)
    return web.json_response(agents.describe(agent_id).as_json())


@routes.post("/api/agents/{id}/call/hangup")
async def agent_hang_up(request: web.Request) -> web.Response:
    """End the call the agent is on (campaign, preview, followup, manual or inbound): the
    call's machine hangs the customer up and closes its attempt; the agent goes to wrap-up
    (the desk phone stays in session). Answers once the customer is gone (5 s at most);
    409 when the agent is on no call, or it is not connected yet."""
    agents, agent_id = request.app[DIALER].agents, path_id(request)
    access.live_session(request, agent_id)
    await agents.end_call(agent_id)
    return web.json_response(agents.describe(agent_id).as_json())


@routes.post("/api/agents/{id}/not-ready")
async def agent_not_ready(request: web.Request) -> web.Response:
    """Not ready, optionally for one of the account's pause reasons: {"reason_id": n}
    (no body, or null: no reason)."""
    agents, agent_id = request.app[DIALER].agents, path_id(request)
    access.live_session(request, agent_id)
    body = await json_body(request, ("reason_id",)) if await request.text() else {}
    reason = await _run(request, store.agents_reason, agent_id, body.get("reason_id"))
    await agents.set_ready(agent_id, False, reason)
    return web.json_response(agents.describe(agent_id).as_json())


@routes.get("/api/agents/{id}/session-log")
async def agent_session_log(request: web.Request) -> web.Response:
    """The agent's session log over [since, until) (ISO 8601; default: the last 24 hours,
    at most 31 days): login, logout, ready, pauses with their reason, calls with talk and
    wrap-up seconds. A call of a campaign outside the caller's profile shows no attempt."""
    who, agent_id, now = identity(request), path_id(request), _now(request)
    until = min(_query_time(request, "until") or now, now)
    since = _query_time(request, "since") or until - dt.timedelta(days=1)
    if not since < until:
        raise FieldError("since", "must be before until (and before now)")
    if until - since > MAX_LOG_SPAN:
        raise FieldError("since", f"the log covers at most {MAX_LOG_SPAN.days} days")
    entries = await request.app[DIALER].store.read(store.session_entries, agent_id, since, until)
    lines = session_log(entries, since, until)
    if agent_id != who.agent_id:
        lines = [ln if ln.campaign_id is None or who.sees_campaign(ln.campaign_id)
                 else replace(ln, attempt_id=None, campaign_id=None) for ln in lines]
    return page(request, [ln.as_json() for ln in lines])


@routes.get("/api/accounts/{id}/pause-reasons")
async def list_pause_reasons(request: web.Request) -> web.Response:
    """The account's not-ready reasons (every user of the account reads them)."""
    reasons = await _run(request, store.list_reasons, path_id(request))
    return page(request, [r.as_json() for r in reasons])


@routes.post("/api/accounts/{id}/pause-reasons")
async def create_pause_reason(request: web.Request) -> web.Response:
    body = await json_body(request, ("name",))
    return _json((await _run(request, store.create_reason, path_id(request),
                             **body)).as_json(), 201)


@routes.get("/api/pause-reasons/{id}")
async def get_pause_reason(request: web.Request) -> web.Response:
    return _json((await _run(request, store.get_reason, path_id(request))).as_json())


@routes.patch("/api/pause-reasons/{id}")
async def rename_pause_reason(request: web.Request) -> web.Response:
    body = await json_body(request, ("name",))
    return _json((await _run(request, store.rename_reason, path_id(request),
                             **body)).as_json())


@routes.delete("/api/pause-reasons/{id}")
async def delete_pause_reason(request: web.Request) -> web.Response:
    """Agents paused for it stay not ready, with no reason."""
    return _json((await _run(request, store.delete_reason, path_id(request))).as_json())


@routes.get("/api/agents/{id}/preview")
async def agent_preview(request: web.Request) -> web.Response:
    """The contact on the agent's screen in a preview campaign (null if none)."""
    return web.json_response({"preview": access.live_session(request, path_id(request))
                              .as_json().get("preview")})  # a logged-out agent's has none


@routes.post("/api/agents/{id}/preview/{action:dial|skip}")
async def agent_preview_action(request: web.Request) -> web.Response:
    dialer, agent_id = request.app[DIALER], path_id(request)
    access.live_session(request, agent_id)
    if request.match_info["action"] == "dial":
        return web.json_response(await dialer.runner.dial_preview(agent_id))
    await dialer.agents.skip_preview(agent_id)
    return web.json_response(dialer.agents.describe(agent_id).as_json())


@routes.post("/api/agents/{id}/manual-dial")
async def manual_dial(request: web.Request) -> web.Response:
    """Dial a number by hand, for an agent whose group allows it; never a suppressed one."""
    dialer, agent_id = request.app[DIALER], path_id(request)
    access.live_session(request, agent_id)
    body = await json_body(request, ("number", "default_region"))
    allowed = await dialer.store.run(permissions.check_manual_dial, agent_id,
                                     body.get("number"), body.get("default_region"))
    return web.json_response(await dialer.runner.dial_manual(agent_id, allowed["number"]))


@routes.post("/api/agents/{id}/manual-dial/check")
async def check_manual_dial(request: web.Request) -> web.Response:
    """May this agent dial this number by hand? 200 with the E.164 number, else 409."""
    agent_id = path_id(request)
    body = await json_body(request, ("number", "default_region"))
    return _json(await _run(request, permissions.check_manual_dial, agent_id,
                            body.get("number"), body.get("default_region")))


@routes.get("/api/agents/sessions")
async def agent_sessions(request: web.Request) -> web.Response:
    """Live agent sessions of the caller's account (every account for manage_system);
    only their own for a caller who manages neither users nor campaigns (an agent); none
    whose contact or call is of a campaign outside the caller's profile."""
    who, agents = identity(request), request.app[DIALER].agents
    ids = sorted(view.agent_id for view in agents.views())
    if not (who.may("manage_users") or who.may("manage_campaigns")):
        ids = [a for a in ids if a == who.agent_id]
    elif "manage_system" not in who.privileges:
        mine = await _run(request, store.account_agents, who.account_id)
        ids = [a for a in ids if a in mine]
    return page(request, [s.as_json() for s in map(agents.describe, ids) if shows_session(who, s)])


# --- the account's agents and agent groups --------------------------------------------------


@routes.get("/api/accounts/{id}/agent-groups")
async def list_agent_groups(request: web.Request) -> web.Response:
    """The account's agent groups, their options and member agents. `?q=` a part of the
    name."""
    return await _paged(request, listing.list_agent_groups, path_id(request),
                        q=request.query.get("q"))


@routes.get("/api/agent-groups/{id}")
async def get_agent_group(request: web.Request) -> web.Response:
    """An agent group, its options and member agents."""
    return await _one(request, listing.get_agent_group, path_id(request))


@routes.get("/api/accounts/{id}/agents")
async def list_agents(request: web.Request) -> web.Response:
    """The account's agents: user, desk phone endpoint, stored state, groups.
    `?group_id=` one group's members; `?q=` a part of the user name, full name or desk
    phone."""
    return await _paged(request, listing.list_agents, path_id(request),
                        group_id=query_id(request, "group_id", blank_is_none=True),
                        q=request.query.get("q"))


@routes.get(r"/api/agents/{id:\d+}")
async def get_agent(request: web.Request) -> web.Response:
    """An agent: user, desk phone endpoint, stored state, groups."""
    return await _one(request, listing.get_agent, path_id(request))


@routes.post("/api/accounts/{id}/agent-groups")
async def create_agent_group(request: web.Request) -> web.Response:
    body = await json_body(request)
    return web.json_response(await request.app[DIALER].store.run(
        accounts.create_agent_group, path_id(request), **body), status=201)


@routes.post("/api/accounts/{id}/agents")
async def create_agent(request: web.Request) -> web.Response:
    body = await json_body(request)
    reject_unknown(body, ("username", "endpoint", "full_name", "group_ids", "password",
                          "profile_id"))
    for name in ("username", "endpoint"):
        if name not in body:
            raise FieldError(name, "required")
    await check_endpoint(request, body)
    await signin.hash_new_password(request, body)
    return web.json_response(await request.app[DIALER].store.run(
        accounts.create_agent, path_id(request), access.identity(request), **body), status=201)


@routes.patch(r"/api/agents/{id:\d+}")
async def update_agent(request: web.Request) -> web.Response:
    """Change the agent's desk phone (`endpoint`) or groups (`group_ids`)."""
    body = await json_body(request, ("endpoint", "group_ids"))
    await check_endpoint(request, body)
    return web.json_response(await _run(request, accounts.update_agent, path_id(request),
                                        **body))


@routes.delete(r"/api/agents/{id:\d+}")
async def delete_agent(request: web.Request) -> web.Response:
    """Delete a logged-out agent with no history (409 otherwise: disable its user)."""
    return web.json_response(await _run(request, accounts.delete_agent, path_id(request)))


@routes.patch("/api/agent-groups/{id}")
async def update_agent_group(request: web.Request) -> web.Response:
    """Change the group's options; `agent_ids` sets its members."""
    body = await json_body(request, accounts.GROUP_OPTIONS + ("agent_ids",))
    return web.json_response(await _run(request, accounts.update_agent_group,
                                        path_id(request), **body))


@routes.delete("/api/agent-groups/{id}")
async def delete_agent_group(request: web.Request) -> web.Response:
    """Delete a group nothing uses (409 naming "id" otherwise); its memberships go."""
    return web.json_response(await _run(request, accounts.delete_agent_group,
                                        path_id(request)))


@routes.post("/api/agent-groups/{id}/members")
async def add_group_member(request: web.Request) -> web.Response:
    body = await json_body(request)
    reject_unknown(body, ("agent_id",))
    agent_id = body.get("agent_id")
    if not isinstance(agent_id, int) or isinstance(agent_id, bool):
        raise FieldError("agent_id", "not an id")
    return web.json_response(await request.app[DIALER].store.run(
        accounts.add_agent_to_group, path_id(request), agent_id), status=201)


# --- scripts, answers, dispositions, timeline -------------------------------------------------


@routes.get("/api/accounts/{id}/scripts")
async def list_scripts(request: web.Request) -> web.Response:
    return page(request, await _run(request, scripts.list_scripts, path_id(request)))


@routes.post("/api/accounts/{id}/scripts")
async def create_script(request: web.Request) -> web.Response:
    account_id = path_id(request)
    body = await json_body(request, ("name", "definition", "dispositions"))
    return _json(await _run(request, scripts.create_script, account_id, **body), 201)


@routes.get("/api/scripts/{id}")
async def get_script(request: web.Request) -> web.Response:
    return _json(await _run(request, scripts.get_script, path_id(request)))


@routes.patch("/api/scripts/{id}")
async def update_script(request: web.Request) -> web.Response:
    script_id = path_id(request)
    body = await json_body(request, ("name", "definition", "dispositions"))
    return _json(await _run(request, scripts.update_script, script_id, **body))


@routes.delete("/api/scripts/{id}")
async def delete_script(request: web.Request) -> web.Response:
    return _json(await _run(request, scripts.delete_script, path_id(request)))


@routes.get("/api/attempts/{id}/script")
async def attempt_script(request: web.Request) -> web.Response:
    return _json(await _run(request, scripts.attempt_script, path_id(request)))


def _agent_id(body: dict) -> int | None:
    value = body.get("agent_id")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise FieldError("agent_id", "not an id")
    return value


@routes.put("/api/attempts/{id}/answers")
async def store_answers(request: web.Request) -> web.Response:
    attempt_id = path_id(request)
    body = await json_body(request, ("answers", "partial", "agent_id"))
    return _json(await _run(request, scripts.store_answers, attempt_id, body.get("answers"),
                            now=_now(request), agent_id=_agent_id(body),
                            partial=boolean("partial", body.get("partial", False))))


@routes.put("/api/attempts/{id}/disposition")
async def set_disposition(request: web.Request) -> web.Response:
    attempt_id = path_id(request)
    body = await json_body(request, ("disposition", "agent_id"))
    return _json(await _run(request, scripts.set_disposition, attempt_id,
                            body.get("disposition"), now=_now(request),
                            agent_id=_agent_id(body)))


def _search_args(request: web.Request) -> dict:
    return {"since": _query_time(request, "since"), "until": _query_time(request, "until"),
            "item_id": request.query.get("item_id"), "value": request.query.get("value")}


@routes.get("/api/contacts/{id}/answers")
async def contact_answers(request: web.Request) -> web.Response:
    return page(request, await _run(request, scripts.search_answers, contact_id=path_id(request),
                            visible=access.identity(request).campaigns,
                            **_search_args(request)))


@routes.get("/api/script-answers")
async def search_answers(request: web.Request) -> web.Response:
    """By campaign_id, contact_id, or an agent's session (agent_id with since/until); in
    the campaigns the caller's profile shows. Needs manage_campaigns, except for agents
    reading their own answers (agent_id their own)."""
    who = access.identity(request)
    named = {name: query_id(request, name) for name in ("contact_id", "campaign_id",
                                                           "agent_id")}
    if not who.may("manage_campaigns") and (named["agent_id"] is None
                                            or named["agent_id"] != who.agent_id):
        raise access.deny(403, "agent_id", "needs manage_campaigns, or your own agent_id")
    await access.check_fields(request, who, named)
    return page(request, await _run(request, scripts.search_answers, **named,
                                    visible=who.campaigns, **_search_args(request)))


@routes.get("/api/contacts/{id}/timeline")
async def contact_timeline(request: web.Request) -> web.Response:
    return _json(await _run(request, timeline.contact_timeline, path_id(request),
                            access.identity(request).campaigns))
