"""The aiohttp application: REST API and pages (grows with the features)."""

from __future__ import annotations

from aiohttp import web

from .. import __version__


async def health(request: web.Request) -> web.Response:
    dialer = request.app["dialer"]
    ari_up = dialer.ari.connected.is_set()
    body = {"status": "ok" if ari_up else "degraded", "version": __version__,
            "node": dialer.cfg.node, "ari": {"connected": ari_up,
                                             "reconnects": dialer.ari.reconnects}}
    return web.json_response(body, status=200 if ari_up else 503)


def create_app(dialer) -> web.Application:
    app = web.Application()
    app["dialer"] = dialer
    app.router.add_get("/api/health", health)
    return app
