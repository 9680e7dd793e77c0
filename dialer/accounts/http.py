"""Accounts over HTTP, as seen by their users: service plans, accounts, users, roles,
profiles, API tokens; and the audit log of their changes (and of campaigns, lists...).

Every change to users, roles, profiles and tokens passes the caller's identity to db.auth,
which refuses (403) anything reaching beyond the caller (dialer.core.privileges)."""

from __future__ import annotations

from aiohttp import web

from ..db import accounts, auth, listing, plans, roles
from ..db.audit import KINDS, AuditFilters
from ..db.validation import FieldError, reject_unknown
from ..outbound.http import time_query
from ..web import console, signin
from ..web.access import identity
from ..web.common import DIALER, json_body, page, paged, path_id, query_id, read_one as _one
from ..web.pbx_checks import check_endpoint

routes = web.RouteTableDef()


def _store(request: web.Request):
    return request.app[DIALER].store


@routes.get("/api/accounts")
async def list_accounts(request: web.Request) -> web.Response:
    who = identity(request)
    only = None if "manage_system" in who.privileges else who.account_id
    return page(request, await _store(request).run(accounts.list_accounts, only))


@routes.get("/api/accounts/{id}")
async def get_account(request: web.Request) -> web.Response:
    """An account: name, company number, plan, time zone, business hours."""
    return await _one(request, listing.get_account, path_id(request))


@routes.get("/api/plans/{id}")
async def get_plan(request: web.Request) -> web.Response:
    """A service plan, with the number of accounts on it."""
    return await _one(request, listing.get_plan, path_id(request))


@routes.get("/api/plans")
async def list_plans(request: web.Request) -> web.Response:
    include = request.query.get("include_disabled", "").lower() in ("1", "true", "yes")
    return page(request, await request.app[DIALER].store.run(plans.list_plans, include))


@routes.post("/api/plans")
async def create_plan(request: web.Request) -> web.Response:
    body = await json_body(request)
    return web.json_response(await request.app[DIALER].store.run(plans.create_plan, **body),
                             status=201)


@routes.patch("/api/plans/{id}")
async def update_plan(request: web.Request) -> web.Response:
    body = await json_body(request)
    store = request.app[DIALER].store
    return web.json_response(await store.run(plans.update_plan, path_id(request), **body))


@routes.post("/api/plans/{id}/{action:enable|disable}")
async def plan_enabled(request: web.Request) -> web.Response:
    store = request.app[DIALER].store
    enabled = request.match_info["action"] == "enable"
    return web.json_response(await store.run(plans.set_plan_enabled, path_id(request), enabled))


@routes.post("/api/accounts")
async def create_account(request: web.Request) -> web.Response:
    body = await json_body(request)
    reject_unknown(body, ("name", "plan_id", "company_number", "timezone"))
    return web.json_response(await request.app[DIALER].store.run(
        accounts.create_account, **body), status=201)


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
    return page(request, await _store(request).run(roles.list_roles, identity(request)))


@routes.post("/api/accounts/{id}/roles")
async def create_role(request: web.Request) -> web.Response:
    """A role of the account, holding only privileges its creator holds."""
    body = await json_body(request, ("name", "privileges"))
    return web.json_response(await _store(request).run(
        roles.create_role, path_id(request), body.get("name"), body.get("privileges"),
        by=identity(request)), status=201)


@routes.get("/api/roles/{id}")
async def get_role(request: web.Request) -> web.Response:
    return await _one(request, roles.get_role, path_id(request))


@routes.patch("/api/roles/{id}")
async def update_role(request: web.Request) -> web.Response:
    """Rename the account's role or change its privileges (built-in roles: 409
    "built_in"); the caller must hold every privilege it holds, before and after."""
    body = await json_body(request, ("name", "privileges"))
    return web.json_response(await _store(request).run(
        roles.update_role, path_id(request), identity(request), **body))


@routes.delete("/api/roles/{id}")
async def delete_role(request: web.Request) -> web.Response:
    """Delete the account's role while no user holds it (else 409)."""
    return web.json_response(await _store(request).run(roles.delete_role, path_id(request)))


@routes.get("/api/accounts/{id}/profiles")
async def list_profiles(request: web.Request) -> web.Response:
    return page(request, await _store(request).run(roles.list_profiles, path_id(request)))


@routes.post("/api/accounts/{id}/profiles")
async def create_profile(request: web.Request) -> web.Response:
    """A profile of the account, showing only campaigns its creator sees."""
    body = await json_body(request, ("name", "all_campaigns", "campaign_ids"))
    return web.json_response(await _store(request).run(
        roles.create_profile, path_id(request), body.get("name"),
        body.get("all_campaigns", False), body.get("campaign_ids", []), by=identity(request)),
        status=201)


@routes.get("/api/profiles/{id}")
async def get_profile(request: web.Request) -> web.Response:
    """A profile: its name and the campaigns it shows."""
    return web.json_response(await _store(request).run(roles.get_profile, path_id(request)))


@routes.patch("/api/profiles/{id}")
async def update_profile(request: web.Request) -> web.Response:
    body = await json_body(request)
    return web.json_response(await _store(request).run(
        roles.update_profile, path_id(request), identity(request), **body))


# ---- the audit log ---------------------------------------------------------------------
def _audit_filters(request: web.Request) -> AuditFilters:
    """`?kind=`, `?object_id=`, `?actor_user_id=`, `?since=`, `?until=` (ISO 8601)."""
    kind = request.query.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise FieldError("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    return AuditFilters(kind=kind, object_id=query_id(request, "object_id", blank_is_none=True),
                        actor_user_id=query_id(request, "actor_user_id", blank_is_none=True),
                        since=time_query(request, "since"), until=time_query(request, "until"))


@routes.get("/api/accounts/{id}/audit")
async def account_audit(request: web.Request) -> web.Response:
    """Who changed what in the account, newest first: the object's kind and id, the
    action (create, update, delete), its state before and after, the actor (user, and the
    API token it came with) and the time. Filters: `?kind=`, `?object_id=`,
    `?actor_user_id=`, `?since=`, `?until=`. Paged."""
    return await paged(request, listing.list_entries, path_id(request),
                       filters=_audit_filters(request))


@routes.get("/api/audit")
async def system_audit(request: web.Request) -> web.Response:
    """The whole audit log (every account, and system objects: plans, system lists);
    system administrators only. Filters as the account's."""
    return await paged(request, listing.list_entries, None, filters=_audit_filters(request))


@routes.get("/audit")
async def audit_page(request: web.Request) -> web.Response:
    """The console's page of the audit log (the account's; a system administrator's: all)."""
    _, refused = console._page_identity(request, "manage_users")
    return refused or console._render(request, "audit.html")

