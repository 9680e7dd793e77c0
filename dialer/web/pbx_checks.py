"""Before an endpoint a user typed is stored: it must be a desk phone on the PBX.

Asked of the running dialer's `PbxEndpoints` (ARI behind it); an AriError (Asterisk not
reachable) becomes the app's 502 naming `asterisk`: nothing unchecked is stored.
"""

from __future__ import annotations

from aiohttp import web

from ..ari.endpoints import EndpointKind
from ..core.asterisk_input import UnsafeValue, parse_endpoint
from ..db.validation import FieldError
from .common import DIALER


async def check_endpoint(request: web.Request, body: dict, field: str = "endpoint") -> None:
    """`body[field]`, if given and not null, names an existing PJSIP endpoint that is not
    a trunk; else a FieldError naming `field`."""
    value = body.get(field)
    if value is None:
        return
    if not isinstance(value, str):
        raise FieldError(field, "must be text")
    try:
        endpoint = parse_endpoint(value.strip())
    except UnsafeValue as exc:
        raise FieldError(field, exc.reason) from None
    kind = await request.app[DIALER].endpoints.kind(endpoint.name)
    if kind is EndpointKind.MISSING:
        raise FieldError(field, f"the PBX has no PJSIP endpoint {endpoint.name!r}")
    if kind is EndpointKind.TRUNK:
        raise FieldError(field, f"{endpoint.name!r} is a trunk, not a desk phone")
