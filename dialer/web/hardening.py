"""Behind a TLS proxy, and in the browser: who the client is, and the security headers.

`X-Forwarded-For` / `X-Forwarded-Proto` are read only from the configured trusted proxies
(`[web] trusted_proxies`): from anyone else they are the client's own words, ignored. The
client's address feeds the sign-in throttle; the scheme makes the session cookie `Secure`
and turns HSTS on.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Sequence

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The pages load their scripts and styles from /static only (no inline script or style
# attribute), call the API on the same origin and are framed by no one.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
HSTS = "max-age=31536000"


@dataclass(frozen=True)
class ClientView:
    address: str | None  # the client's IP address as far as we can trust it
    scheme: str          # http or https, as the client's browser used


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: str | None, proxies: Sequence[Network]) -> bool:
    ip = _ip(address or "")
    return ip is not None and any(ip in net for net in proxies)


def client_view(peer: str | None, scheme: str, forwarded_for: str | None,
                forwarded_proto: str | None, proxies: Sequence[Network]) -> ClientView:
    """From a trusted peer: the client is the right-most X-Forwarded-For address that is
    not itself a trusted proxy, and the scheme the last X-Forwarded-Proto. From anyone
    else the headers are ignored."""
    if not _trusted(peer, proxies):
        return ClientView(peer, scheme)
    address = peer
    for hop in reversed((forwarded_for or "").split(",")):
        if _ip(hop) is None:
            break  # a malformed entry: trust nothing further left
        address = str(_ip(hop))
        if not _trusted(address, proxies):
            break
    proto = (forwarded_proto or "").split(",")[-1].strip().lower()
    return ClientView(address, proto if proto in ("http", "https") else scheme)


def parse_proxies(values: Sequence[str]) -> tuple[Network, ...]:
    """Addresses or networks ("10.0.0.5", "10.0.0.0/24"); ValueError names a bad one."""
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values)


TRUSTED_PROXIES = web.AppKey[Sequence[Network]]("trusted_proxies")
SECURE = web.RequestKey("secure", bool)


@web.middleware
async def forwarded(request: web.Request, handler):
    view = client_view(request.remote, request.scheme,
                       request.headers.get("X-Forwarded-For"),
                       request.headers.get("X-Forwarded-Proto"), request.app[TRUSTED_PROXIES])
    request[SECURE] = view.scheme == "https"  # for the headers, set on this request
    if view.address is None:  # a peer without an address (a Unix socket): nothing to trust
        return await handler(request.clone(scheme=view.scheme))
    return await handler(request.clone(remote=view.address, scheme=view.scheme))


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)
    if request.get(SECURE, request.secure):
        response.headers["Strict-Transport-Security"] = HSTS


def setup(app: web.Application, trusted_proxies: Sequence[str]) -> None:
    app[TRUSTED_PROXIES] = parse_proxies(trusted_proxies)
    app.on_response_prepare.append(security_headers)
