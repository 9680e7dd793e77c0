"""The aiohttp application: each feature's HTTP routes (its `http.py`), the access rules,
sign-in, the console pages and the OpenAPI document, behind one error mapping: domain
errors (dialer.db.validation) become JSON {"error": {"field", "message"}} here only."""

from __future__ import annotations

import logging
from typing import Sequence

from aiohttp import web

from .. import __version__
from ..ari import AriError
from ..core.csv_import import CsvMappingError
from ..db import NoSuchRow, ValueRefused
from ..db import campaigns as campaign_db
from ..db.fields import EnumValueError
from ..db.validation import ConflictError, FieldError, ForbiddenError, NotFoundError
from ..accounts import http as accounts_http
from ..agents import http as agents_http
from ..agents.shell import AgentStateError
from ..followups import http as followups_http
from ..actions import http as actions_http
from ..monitor import http as monitor_http
from ..compliance import http as compliance_http
from ..floor import http as floor_http
from ..transfers import http as transfers_http
from ..inbound import http as inbound_http
from ..metrics import http as metrics_http
from ..outbound import http as outbound_http
from ..webhooks import http as webhooks_http
from ..trunks import http as trunks_http
from ..callerids import http as callerids_http
from ..reports import http as reports_http
from ..prompts import http as prompts_http
from . import access, console, hardening, openapi, signin
from .common import DIALER

routes = web.RouteTableDef()
log = logging.getLogger(__name__)


def _error(status: int, field: str, message: str) -> web.Response:
    return web.json_response({"error": {"field": field, "message": message}}, status=status)


@web.middleware
async def json_errors(request: web.Request, handler):
    """Every API error is JSON that names the field at fault."""
    if request.path.startswith("/api/"):
        for name, value in request.query.items():
            if "\x00" in name or "\x00" in value:  # PostgreSQL stores and compares none
                return _error(400, name.replace("\x00", ""), "must not contain a NUL character")
    try:
        return await handler(request)
    except (campaign_db.CampaignStateError, AgentStateError) as exc:
        return _error(409, exc.field, str(exc))
    except ConflictError as exc:  # before FieldError: it is one
        return _error(409, exc.field, str(exc))
    except ForbiddenError as exc:  # and so is this
        return _error(403, exc.field, str(exc))
    except NotFoundError as exc:  # and this
        return _error(404, exc.field, str(exc))
    except FieldError as exc:
        return _error(400, exc.field, str(exc))
    except CsvMappingError as exc:
        return _error(400, exc.field, exc.reason)
    except EnumValueError as exc:  # e.g. ?status=nonsense reaching a query
        return _error(400, exc.field, exc.message)
    except ValueRefused as exc:  # a value the database refuses that no check caught
        log.warning("%s %s: the database refused a value: %s", request.method, request.path,
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return _error(400, "body", "a value does not fit the database (too large or "
                                   "not storable)")
    except NoSuchRow:
        return _error(404, "id", "no such object")
    except AriError as exc:
        return _error(502, "asterisk", str(exc))
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.status < 400:
            raise
        if exc.content_type == "application/json":  # ours: access.deny, signin.refused
            return _answer(exc)
        field = {405: "method", 413: "body"}.get(exc.status, "path")  # aiohttp's own
        return _error(exc.status, field, exc.reason)


def _answer(exc: web.HTTPException) -> web.Response:
    """The error as a plain response. Raised on to aiohttp, the exception would stay in a
    reference cycle with its traceback and the request (aiohttp keeps it as the response
    in the frame that caught it) that only a full garbage collection frees: a sign-in
    flood's refusals piled up into 140 ms pauses of the event loop."""
    headers = {k: v for k, v in exc.headers.items()
               if k not in ("Content-Type", "Content-Length")}
    return web.Response(status=exc.status, reason=exc.reason, text=exc.text,
                        content_type=exc.content_type, headers=headers)


@routes.get("/api/health")
async def health(request: web.Request) -> web.Response:
    dialer = request.app[DIALER]
    ari_up = dialer.ari.connected.is_set()
    body = {"status": "ok" if ari_up else "degraded", "version": __version__,
            "node": dialer.cfg.node, "ari": {"connected": ari_up,
                                             "reconnects": dialer.ari.reconnects}}
    return web.json_response(body, status=200 if ari_up else 503)


@routes.get("/api/openapi.json")
async def openapi_document(request: web.Request) -> web.Response:
    """This API, as an OpenAPI 3.1 document built from the running app's routes."""
    return web.json_response(openapi.document(request.app))


# Each feature's HTTP routes (its http.py).
FEATURE_ROUTES = (accounts_http.routes, agents_http.routes, outbound_http.routes,
                  followups_http.routes, inbound_http.routes, actions_http.routes,
                  compliance_http.routes, floor_http.routes, monitor_http.routes,
                  transfers_http.routes, metrics_http.routes, webhooks_http.routes,
                  reports_http.routes, prompts_http.routes, trunks_http.routes,
                  callerids_http.routes)


def create_app(dialer, trusted_proxies: Sequence[str] = ()) -> web.Application:
    """`trusted_proxies`: addresses or networks whose X-Forwarded-* headers are believed."""
    app = web.Application(middlewares=[hardening.forwarded, json_errors, access.access])
    app[DIALER] = dialer
    for module_routes in (routes, access.routes, *FEATURE_ROUTES, console.routes):
        app.add_routes(module_routes)
    console.setup(app)
    app.on_shutdown.append(floor_http.end_streams)
    signin.setup(app)
    hardening.setup(app, trusted_proxies)
    return app
