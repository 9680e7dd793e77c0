"""REST API for accounts as seen by their users: users, roles, profiles, API tokens, the
campaign list (filtered by the caller's profile), campaign settings and agents' sessions.

Every change to users, roles, profiles and tokens passes the caller's identity to db.auth,
which refuses (403) anything reaching beyond the caller (dialer.core.privileges)."""

from __future__ import annotations

from aiohttp import web

from ..db import accounts, auth, campaign_admin
from ..agents import store as agent_store
from . import signin
from .access import identity, shows_session
from .common import DIALER, json_body, page, path_id
from .pbx_checks import check_endpoint

routes = web.RouteTableDef()


def _store(request: web.Request):
    return request.app[DIALER].store


@routes.get("/api/accounts")
async def list_accounts(request: web.Request) -> web.Response:
    who = identity(request)
    only = None if "manage_system" in who.privileges else who.account_id
    return page(request, await _store(request).run(accounts.list_accounts, only))


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


# ---- users ------------------------------------------------------------------------------
@routes.get("/api/accounts/{id}/users")
async def list_users(request: web.Request) -> web.Response:
    return page(request, await _store(request).run(auth.list_users, path_id(request)))


@routes.post("/api/accounts/{id}/users")
async def create_user(request: web.Request) -> web.Response:
    body = await json_body(request, auth.USER_FIELDS)
    await check_endpoint(request, body)
    await signin.hash_new_password(request, body)
    return web.json_response(await _store(request).run(
        auth.create_user, path_id(request), identity(request), **body), status=201)


@routes.get("/api/users/{id}")
async def get_user(request: web.Request) -> web.Response:
    return web.json_response(await _store(request).run(auth.get_user, path_id(request)))


@routes.patch("/api/users/{id}")
async def update_user(request: web.Request) -> web.Response:
    """Change a user. Users may change their own name, email, phone, time zone and
    password; the rest needs manage_users over a user the caller's reach covers."""
    body = await json_body(request, auth.USER_FIELDS)
    await check_endpoint(request, body)
    await signin.hash_new_password(request, body)
    return web.json_response(await _store(request).run(
        auth.update_user, path_id(request), identity(request), **body))


# ---- API tokens ---------------------------------------------------------------------------
@routes.post("/api/users/{id}/api-tokens")
async def create_api_token(request: web.Request) -> web.Response:
    """A new API token of the user ({"name", "expires_in_days": 1 to 365, default 90}); the
    secret is in this answer only (only its hash is kept)."""
    body = await json_body(request, ("name", "expires_in_days"))
    return web.json_response(await _store(request).run(
        auth.create_api_token, path_id(request), identity(request), body.get("name", "api"),
        body.get("expires_in_days", auth.API_TOKEN_DAYS), request.app[DIALER].now()),
        status=201)


@routes.get("/api/users/{id}/api-tokens")
async def list_api_tokens(request: web.Request) -> web.Response:
    """The user's API tokens: name, created, expires, last used; never the secret."""
    return page(request, await _store(request).run(auth.list_api_tokens, path_id(request),
                                                   identity(request)))


@routes.delete("/api/users/{id}/api-tokens/{token_id}")
async def revoke_api_token(request: web.Request) -> web.Response:
    return web.json_response(await _store(request).run(
        auth.revoke_api_token, path_id(request), path_id(request, "token_id"),
        identity(request)))


# ---- roles and profiles -------------------------------------------------------------------
@routes.get("/api/roles")
async def list_roles(request: web.Request) -> web.Response:
    """The built-in roles and the caller's account's (every account's for manage_system)."""
    return page(request, await _store(request).run(auth.list_roles, identity(request)))


@routes.post("/api/accounts/{id}/roles")
async def create_role(request: web.Request) -> web.Response:
    """A role of the account, holding only privileges its creator holds."""
    body = await json_body(request, ("name", "privileges"))
    return web.json_response(await _store(request).run(
        auth.create_role, path_id(request), body.get("name"), body.get("privileges"),
        by=identity(request)), status=201)


@routes.get("/api/accounts/{id}/profiles")
async def list_profiles(request: web.Request) -> web.Response:
    return page(request, await _store(request).run(auth.list_profiles, path_id(request)))


@routes.post("/api/accounts/{id}/profiles")
async def create_profile(request: web.Request) -> web.Response:
    """A profile of the account, showing only campaigns its creator sees."""
    body = await json_body(request, ("name", "all_campaigns", "campaign_ids"))
    return web.json_response(await _store(request).run(
        auth.create_profile, path_id(request), body.get("name"),
        body.get("all_campaigns", False), body.get("campaign_ids", []), by=identity(request)),
        status=201)


@routes.patch("/api/profiles/{id}")
async def update_profile(request: web.Request) -> web.Response:
    body = await json_body(request)
    return web.json_response(await _store(request).run(
        auth.update_profile, path_id(request), identity(request), **body))


# ---- agents' sessions ---------------------------------------------------------------------
@routes.get("/api/agents/sessions")
async def agent_sessions(request: web.Request) -> web.Response:
    """Live agent sessions of the caller's account (every account for manage_system);
    only their own for a caller who manages neither users nor campaigns (an agent); none
    whose contact or call is of a campaign outside the caller's profile."""
    who, agents = identity(request), request.app[DIALER].agents
    ids = sorted(agents.sessions)
    if not (who.may("manage_users") or who.may("manage_campaigns")):
        ids = [a for a in ids if a == who.agent_id]
    elif "manage_system" not in who.privileges:
        mine = set(await _store(request).run(agent_store.agents_of_account, who.account_id))
        ids = [a for a in ids if a in mine]
    return page(request, [s.as_json() for s in map(agents.describe, ids) if shows_session(who, s)])
