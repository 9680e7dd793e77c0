"""An account's caller-ID pools over HTTP, and each pool's numbers with their figures of
the day. Needs manage_campaigns in the pool's account (web/access.py)."""

from __future__ import annotations

from aiohttp import web

from ..web.common import json_body, now, page, path_id, run
from . import store

routes = web.RouteTableDef()


@routes.get("/api/accounts/{id}/caller-id-pools")
async def list_pools(request: web.Request) -> web.Response:
    return page(request, await run(request, store.list_pools, path_id(request)))


@routes.post("/api/accounts/{id}/caller-id-pools")
async def create_pool(request: web.Request) -> web.Response:
    """A pool: `name`, `campaign_id` (null: the account's, for every campaign without its
    own), `daily_cap` (calls per number per day, null: none), `rest_days` (how long a
    number answered well below the pool rests)."""
    body = await json_body(request, store.FIELDS)
    created = await run(request, store.create_pool, path_id(request), body)
    return web.json_response(created, status=201)


@routes.get("/api/caller-id-pools/{id}")
async def get_pool(request: web.Request) -> web.Response:
    return web.json_response(await run(request, store.get_pool, path_id(request)))


@routes.patch("/api/caller-id-pools/{id}")
async def update_pool(request: web.Request) -> web.Response:
    body = await json_body(request, store.FIELDS)
    return web.json_response(await run(request, store.update_pool, path_id(request), body))


@routes.delete("/api/caller-id-pools/{id}")
async def delete_pool(request: web.Request) -> web.Response:
    return web.json_response(await run(request, store.delete_pool, path_id(request)))


@routes.get("/api/caller-id-pools/{id}/numbers")
async def list_numbers(request: web.Request) -> web.Response:
    """Each number with today's figures (the account's day): calls_today, finished_today,
    answers_today (a person answered), answer_rate, rested, rested_since, rested_why,
    capped."""
    return page(request, await run(request, store.list_numbers, path_id(request),
                                   now(request)))


@routes.post("/api/caller-id-pools/{id}/numbers")
async def add_numbers(request: web.Request) -> web.Response:
    """`numbers`: a list of phone numbers (E.164, or national in the account's country)."""
    body = await json_body(request, store.NUMBER_FIELDS)
    return web.json_response(await run(request, store.add_numbers, path_id(request), body,
                                             now(request)),
                             status=201)


@routes.patch("/api/caller-id-pools/{id}/numbers/{number_id}")
async def update_number(request: web.Request) -> web.Response:
    """`{"rested": false}` puts a rested number back in use."""
    body = await json_body(request, ("rested",))
    return web.json_response(await run(request, store.update_number, path_id(request),
                                       path_id(request, "number_id"), body, now(request)))


@routes.delete("/api/caller-id-pools/{id}/numbers/{number_id}")
async def delete_number(request: web.Request) -> web.Response:
    return web.json_response(await run(request, store.delete_number, path_id(request),
                                       path_id(request, "number_id")))
