"""`GET /metrics`: the Prometheus text format, for whom `[metrics]` lets in (access.py).
Outside /api/: no session, no CSRF, no database read to decide (web/access.py passes it
through); refusals are plain text, as a scraper expects."""

from __future__ import annotations

from aiohttp import web

from ..web.common import DIALER
from .access import Verdict, may_scrape

routes = web.RouteTableDef()
PATH = "/metrics"


@routes.get(PATH)
async def metrics(request: web.Request) -> web.StreamResponse:
    dialer = request.app[DIALER]
    settings = dialer.cfg.metrics
    verdict = may_scrape(enabled=settings.enabled, token=settings.token, allow=settings.allow,
                         client=request.remote,
                         authorization=request.headers.get("Authorization"))
    if verdict is Verdict.OFF:
        return web.Response(status=404, text="404: Not Found")
    if verdict is Verdict.UNAUTHORIZED:
        return web.Response(status=401, text="401: Unauthorized",
                            headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    await dialer.metrics.refresh()
    return await dialer.metrics.handler(request)
