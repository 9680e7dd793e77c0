"""Who may call what: sign-in (session cookie or API token), CSRF, privileges, profiles.

Every route of the app is matched by one rule of `RULES` (a unit test checks that none is
left out; an unmatched route is refused). A rule names what the caller needs:
- public: nothing (health, sign-in, the OpenAPI document);
- signed_in: any signed-in user (the handler shows them only their own or their account's);
- member: a user of the account that owns the objects in the URL (and, for a campaign's
  objects, whose profile shows the campaign); manage_system is a member of every account;
- own_agent|<privileges>: member, and the agent in the URL is the caller's own, or they
  hold one of the privileges (manage_users to act for agents; staff read them);
- own_user: member, and the user in the URL is the caller, or they manage_users (what they
  may change is decided by db.auth, after dialer.core.privileges);
- call_agent: member, and the caller is the agent of that call or followup, or they
  manage_campaigns;
- contact_agent: member, and the contact was on one of the caller's agent's calls or
  followups, or they manage_campaigns;
- privileges ("a|b": any of them, see db.auth): member, and the caller's role holds one.
Reads need a privilege too: an agent reads their own session, agent, user, calls, the
contacts of those calls and their followups, and the scripts of their calls; nothing else
of the account.
Browsers carry a session cookie, and every change they make must echo the session's CSRF
token in the X-CSRF-Token header; API clients send `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import json
import re
from typing import Optional

from aiohttp import web

from ..agents.view import SessionView
from ..db import audit, auth
from ..db.ownership import KINDS, agent_had_contact, owner_of, transferred_to
from . import signin
from .common import DIALER, json_body, parse_id, path_id

SESSION_COOKIE = "dialer_session"
IDENTITY = web.RequestKey[Optional[auth.Identity]]("identity")  # the caller, or None
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_ANY = "*"
_READ = "GET"

# (methods, canonical path pattern, need) — first match wins.
_STAFF = "manage_users|manage_campaigns"  # who sees the account's agents and groups
_PROMPTS = "manage_campaigns|manage_inbound"
RULES: list[tuple[str, str, str]] = [
    (_READ, r"/api/health", "public"),
    (_READ, r"/api/openapi\.json", "public"),
    ("POST", r"/api/session", "public"),
    (_ANY, r"/api/session", "signed_in"),
    (_READ, r"/api/plans(/.*)?", "signed_in"),
    (_ANY, r"/api/plans(/.*)?", "manage_system"),
    (_READ, r"/api/roles", "signed_in"),
    (_READ, r"/api/accounts", "signed_in"),
    (_ANY, r"/api/accounts", "manage_system"),
    # reads
    (_READ, r"/api/accounts/\{id\}", "member"),
    (_READ, r"/api/accounts/\{id\}/(users|profiles|audit|webhooks)", "manage_users"),
    (_READ, r"/api/accounts/\{id\}/pause-reasons", "member"),  # agents choose one
    (_READ, r"/api/audit", "manage_system"),
    (_READ, r"/api/accounts/\{id\}/(agent-groups|agents)", _STAFF),
    (_READ, r"/api/accounts/\{id\}/(ring-group|action-calls|voicemails|inbound-calls)(/.*)?",
     "manage_inbound"),
    # audio prompts (dialer/prompts/http.py): whoever sets a campaign's or the ring group's
    # messages
    (_ANY, r"/api/accounts/\{id\}/(prompts(/.*)?|prompt-choices)", _PROMPTS),
    (_ANY, r"/api/prompts/\{id\}(/audio)?", _PROMPTS),
    (_READ, r"/api/accounts/\{id\}/.+", "manage_campaigns"),
    (_READ, r"/api/agents/sessions", "signed_in"),
    (_READ, r"/api/agent-groups/\{id\}", _STAFF),
    (_READ, r"/api/action-calls/\{id\}", "manage_inbound"),
    (_READ, r"/api/(attempts/\{id\}(/script)?|followups/\{id\})", "call_agent"),
    (_READ, r"/api/contacts/\{id\}", "contact_agent"),
    (_READ, r"/api/(campaigns|filters|scripts|suppression-lists|contacts|attempts)"
            r"/\{id\}(/.*)?", "manage_campaigns"),
    (_READ, r"/api/script-answers", "signed_in"),
    # reads and changes
    (_READ, r"/api/agents/\{id\}(/preview|/session-log)?", f"own_agent|{_STAFF}"),
    ("PATCH,DELETE", r"/api/agents/\{id\}", "manage_users"),  # not the agent's own desk phone
    # a supervisor on the agent's call (the call's campaign checked by the handler)
    (_ANY, r"/api/agents/\{id\}/monitor", "manage_campaigns"),
    # the agent's call control: hold, transfers, conference (dialer/transfers/http.py)
    ("POST", r"/api/agents/\{id\}/call/(transfer|\{action\})", "own_agent|manage_users"),
    (_READ, r"/api/agents/\{id\}/call", f"own_agent|{_STAFF}"),
    (_ANY, r"/api/agents/\{id\}(/.*)?", "own_agent|manage_users"),
    (_ANY, r"/api/users/\{id\}(/api-tokens(/\{token_id\})?)?", "own_user"),
    # changes
    (_ANY, r"/api/accounts/\{id\}/(agent-groups|agents|users|profiles|roles|pause-reasons|"
           r"webhooks)(/.*)?", "manage_users"),
    (_ANY, r"/api/accounts/\{id\}/(ring-group|business-hours|action-calls|voicemails)(/.*)?",
     "manage_inbound"),
    (_ANY, r"/api/accounts/\{id\}/.*", "manage_campaigns"),
    (_ANY, r"/api/(campaigns|filters|scripts|suppression-lists)/\{id\}(/.*)?",
     "manage_campaigns"),
    (_ANY, r"/api/attempts/\{id\}/(answers|disposition)", "call_agent"),
    # do-not-call lists (dialer.compliance.http): a system list has no account, so only
    # manage_system passes the ownership check on it
    (_ANY, r"/api/dnc-lists(/\{id\}(/numbers)?)?", "manage_campaigns"),
    (_READ, r"/api/dnc-check", "manage_campaigns"),
    (_READ, r"/api/calling-rules", "signed_in"),  # the shipped table: public law
    (_READ, r"/api/pause-reasons/\{id\}", "member"),
    (_ANY, r"/api/(agent-groups|profiles|pause-reasons|roles)/\{id\}(/.*)?", "manage_users"),
    # outbound webhooks (dialer.webhooks.http): the account's admins
    (_ANY, r"/api/webhooks/\{id\}(/.*)?", "manage_users"),
    # carriers' trunks (dialer.trunks.http): the system's; an account reads those open to it
    (_READ, r"/api/trunks(/\{id\})?", "manage_campaigns"),
    (_ANY, r"/api/trunks(/\{id\})?", "manage_system"),
    # caller-ID pools (dialer.callerids.http): the account's campaign managers
    (_ANY, r"/api/caller-id-pools/\{id\}(/numbers(/\{number_id\})?)?", "manage_campaigns"),
]
# Routes that decide who may call them without a session: `/metrics` (dialer/metrics/access.py).
OWN_ACCESS = frozenset({"/metrics"})
_COMPILED = [(methods, re.compile(pattern + r"\Z"), need) for methods, pattern, need in RULES]

# URL parameters that name objects, and the kind of object each names.
_PARAM_KINDS = {"filter_id": "filters", "list": "suppression-lists", "contact": "contacts",
                "followup": "followups"}


def rule_for(method: str, path: str) -> str | None:
    """The need of the first rule matching a route (its canonical path); None: no rule."""
    for methods, pattern, need in _COMPILED:
        if (methods == _ANY or method in methods.split(",")) and pattern.match(path):
            return need
    return None


def deny(status: int, field: str, message: str) -> web.HTTPException:
    cls = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden,
           404: web.HTTPNotFound}[status]
    return cls(text=json.dumps({"error": {"field": field, "message": message}}),
               content_type="application/json")


async def identify(request: web.Request) -> auth.Identity | None:
    store, now = request.app[DIALER].store, request.app[DIALER].now()
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return await store.run(auth.identify, header[len("Bearer "):].strip(), "api", now)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return await store.run(auth.identify, cookie, "session", now)
    return None


def _kinds_in(request: web.Request, path: str) -> list[tuple[str, int]]:
    first = path.split("/")[2] if path.count("/") >= 2 else ""
    named = []
    for param, value in request.match_info.items():
        kind = first if param == "id" else _PARAM_KINDS.get(param)
        if kind in KINDS:  # a malformed id is refused here, never left unchecked
            named.append((kind, parse_id(param, value)))
    return named


async def check_objects(request: web.Request, who: auth.Identity,
                        objects: list[tuple[str, int]], field: str | None = None
                        ) -> int | None:
    """404 unless each (kind, id) exists; 403 unless it is of the caller's account and, for
    a campaign's, in their profile. Returns the agent the objects belong to, if any. The
    errors name `field`, else "id", "account" or "campaign"."""
    store, system = request.app[DIALER].store, "manage_system" in who.privileges
    agent_id = None
    for kind, object_id in objects:
        owner = await store.run(owner_of, kind, object_id)
        if owner is None:
            raise deny(404, field or "id", f"no such object in {kind}")
        if not system and owner.account_id != who.account_id:
            raise deny(403, field or "account", "this belongs to another account")
        if not all(who.sees_campaign(c) for c in owner.campaign_ids):
            raise deny(403, field or "campaign", "this campaign is not in your profile")
        agent_id = owner.agent_id if owner.agent_id is not None else agent_id
    return agent_id


def shows_session(who: auth.Identity, session: SessionView) -> bool:
    """Whether the caller may see an agent's live session (AgentSessions.describe): the
    agent always sees their own; anyone else only if the campaign of the contact or call on
    it is in their profile. Idle agents, inbound callers, manual dials and followups outside
    campaigns name no campaign: those show to whoever may see the agent."""
    return (session.agent_id == who.agent_id or session.campaign_id is None
            or who.sees_campaign(session.campaign_id))


def live_session(request: web.Request, agent_id: int) -> SessionView:
    """The agent's live session, if the caller may see it (else 403 naming `campaign`):
    to read it or act on it (preview, dial, log in or out, ready)."""
    session = request.app[DIALER].agents.describe(agent_id)
    if not shows_session(identity(request), session):
        raise deny(403, "campaign", "this agent is on a campaign that is not in your profile")
    return session


# Request body and query fields that name objects, and the kind of object each names.
FIELD_KINDS = {"campaign_id": "campaigns", "contact_id": "contacts", "attempt_id": "attempts",
               "agent_id": "agents", "group_id": "agent-groups", "profile_id": "profiles"}


async def check_fields(request: web.Request, who: auth.Identity, values: dict) -> None:
    """The same checks as URL ids for the ids a body or query names ({field: value}; None:
    not given): a 400 unless an id, a 404 or 403 naming the field."""
    for field, value in values.items():
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise deny(400, field, "not an id")
        await check_objects(request, who, [(FIELD_KINDS[field], value)], field)


async def check(request: web.Request, need: str, who: auth.Identity) -> None:
    """Raise 403 (or 404 for objects that do not exist) unless `who` may do this."""
    if need == "signed_in":
        return
    resource = request.match_info.route.resource
    path = resource.canonical if resource is not None else request.path
    agent_id = await check_objects(request, who, _kinds_in(request, path))
    if need == "member":
        return
    kind, *privileges = need.split("|")
    if kind == "own_agent":
        if who.agent_id == agent_id or any(who.may(p) for p in privileges):
            return
        raise deny(403, "agent", "not your agent")
    if need == "own_user":
        if who.user_id == path_id(request) or who.may("manage_users"):
            return
        raise deny(403, "user", "not your user")
    if need == "call_agent":
        if (agent_id is not None and who.agent_id == agent_id) or who.may("manage_campaigns"):
            return
        if request.method in SAFE_METHODS and await _took_the_call(request, who, path):
            return  # reads only: the disposition stays with the first agent
        raise deny(403, "agent", "not your call")
    if need == "contact_agent":
        if who.may("manage_campaigns") or (who.agent_id is not None and await request.app[
                DIALER].store.run(agent_had_contact, who.agent_id, path_id(request))):
            return
        raise deny(403, "contact", "not a contact of your calls or followups")
    if not any(who.may(privilege) for privilege in need.split("|")):
        raise deny(403, "privilege", f"needs the {need.replace('|', ' or ')} privilege")


async def _took_the_call(request: web.Request, who: auth.Identity, path: str) -> bool:
    """An agent a campaign call was transferred to reads it and its script."""
    return who.agent_id is not None and path.startswith("/api/attempts/") and await request.app[
        DIALER].store.run(transferred_to, who.agent_id, path_id(request))


@web.middleware
async def access(request: web.Request, handler):
    """API routes: the caller and the rule of the route. Pages check for themselves."""
    resource = request.match_info.route.resource
    if resource is None:  # no such route (404) or method (405): nothing to guard
        return await handler(request)
    path = resource.canonical
    if path in OWN_ACCESS:
        return await handler(request)
    if not path.startswith("/api/"):
        request[IDENTITY] = await identify(request)
        return await handler(request)
    need = rule_for(request.method, path)
    if need is None:
        raise deny(403, "route", "no access rule covers this route")
    if need == "public":  # no database read: a sign-in flood sending cookies costs none
        request[IDENTITY] = None
        return await handler(request)
    who = await identify(request)
    if who is None:
        raise deny(401, "session", "sign in first")
    if (who.kind == "session" and request.method not in SAFE_METHODS
            and request.headers.get("X-CSRF-Token") != who.csrf):
        raise deny(403, "csrf", "missing or wrong X-CSRF-Token header")
    await check(request, need, who)
    request[IDENTITY] = who
    # who the audit log names for the changes of this request (and its background tasks)
    actor = audit.ACTOR.set(audit.Actor(who.user_id, who.username, who.token_id,
                                        "manage_system" in who.privileges))
    try:
        return await handler(request)
    finally:
        audit.ACTOR.reset(actor)


def identity(request: web.Request) -> auth.Identity:
    """The signed-in caller (401 on a route that lets anyone in)."""
    who = request[IDENTITY]
    if who is None:
        raise deny(401, "session", "sign in first")
    return who


# ---- sign-in ----------------------------------------------------------------------------
routes = web.RouteTableDef()


def set_session_cookie(response: web.StreamResponse, request: web.Request, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax",
                        secure=request.secure, path="/",
                        max_age=int(auth.SESSION_LIFETIME.total_seconds()))


@routes.post("/api/session")
async def sign_in(request: web.Request) -> web.Response:
    """{"username", "password"} -> a session cookie, and the CSRF token to send back."""
    body = await json_body(request, ("username", "password"))
    dialer = request.app[DIALER]
    session = await signin.sign_in(request, body.get("username"), body.get("password"),
                                   dialer.now())
    response = web.json_response({"user": session["user"], "csrf": session["csrf"],
                                  "privileges": session["privileges"]})
    set_session_cookie(response, request, session["token"])
    return response


@routes.get("/api/session")
async def whoami(request: web.Request) -> web.Response:
    who = identity(request)
    return web.json_response({"user_id": who.user_id, "username": who.username,
                              "account_id": who.account_id,
                              "privileges": sorted(who.privileges), "agent_id": who.agent_id,
                              "csrf": who.csrf})


@routes.delete("/api/session")
async def sign_out(request: web.Request) -> web.Response:
    """Ends the browser session; with `Authorization: Bearer`, revokes that API token."""
    header = request.headers.get("Authorization", "")
    token = (header[len("Bearer "):].strip() if header.startswith("Bearer ")
             else request.cookies.get(SESSION_COOKIE))
    if token:
        await request.app[DIALER].store.run(auth.logout, token)
    response = web.json_response({"signed_out": True})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response
