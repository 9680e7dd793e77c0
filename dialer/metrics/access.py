"""Who may read `/metrics`. They name campaigns and accounts (ids, abandonment, calls up):
business data, so off unless configured, and then only with the configured bearer token or
from an allowed address. A refusal does not tell a stranger whether metrics are on: 404
when off, 401 otherwise, and the token is compared in constant time."""

from __future__ import annotations

import enum
import hmac
import ipaddress
from collections.abc import Sequence


class Verdict(enum.Enum):
    ALLOWED = 200
    UNAUTHORIZED = 401
    OFF = 404


def may_scrape(*, enabled: bool, token: str, allow: Sequence[str], client: str | None,
               authorization: str | None) -> Verdict:
    """`client`: the caller's address as the web app resolved it (behind a trusted proxy,
    the forwarded one); `authorization`: the request's Authorization header."""
    if not enabled:
        return Verdict.OFF
    if token and authorization is not None and authorization.startswith("Bearer "):
        offered = authorization[len("Bearer "):].strip().encode()
        if hmac.compare_digest(offered, token.encode()):
            return Verdict.ALLOWED
    if client is not None and _in_networks(client, allow):
        return Verdict.ALLOWED
    return Verdict.UNAUTHORIZED


def _in_networks(client: str, allow: Sequence[str]) -> bool:
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # a dual-stack listener's view of an IPv4 client
    return any(address in ipaddress.ip_network(n, strict=False) for n in allow)
