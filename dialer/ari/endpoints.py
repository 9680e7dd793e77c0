"""Is a PJSIP endpoint on the PBX a desk phone the dialer may ring, a trunk, or missing?

What the web layer asks before it stores an endpoint a user typed; it sees only
`PbxEndpoints` and `EndpointKind`, never the ARI client.
"""

from __future__ import annotations

import enum
from typing import Protocol
from urllib.parse import quote

from .client import AriClient
from .errors import AriNotFound

# Calls from an endpoint whose context is this one are calls to the company number: it is
# a carrier (the shipped pjsip_dialer.conf's trunk).
INBOUND_CONTEXT = "dialer-inbound"


class EndpointKind(enum.Enum):
    PHONE = "phone"
    TRUNK = "trunk"
    MISSING = "missing"


class PbxEndpoints(Protocol):
    async def kind(self, name: str) -> EndpointKind: ...


class AriEndpoints:
    """A trunk is the configured `[ari] trunk`, an endpoint whose calls enter
    [dialer-inbound], or one a PJSIP `identify` section of its own name matches by address
    (how carriers are recognised; desk phones register or are called)."""

    def __init__(self, ari: AriClient, trunk: str):
        self.ari, self.trunk = ari, trunk

    async def kind(self, name: str) -> EndpointKind:
        """AriUnavailable if Asterisk cannot be asked."""
        try:
            await self.ari.request("GET", f"/endpoints/PJSIP/{quote(name, safe='')}")
        except AriNotFound:
            return EndpointKind.MISSING
        if name == self.trunk:
            return EndpointKind.TRUNK
        config = await self._config("endpoint", name)
        identify = await self._config("identify", name)
        if config.get("context") == INBOUND_CONTEXT or identify.get("endpoint") == name:
            return EndpointKind.TRUNK
        return EndpointKind.PHONE

    async def _config(self, kind: str, name: str) -> dict[str, str]:
        """A PJSIP object's settings ({} if there is none)."""
        try:
            body = await self.ari.request(
                "GET", f"/asterisk/config/dynamic/res_pjsip/{kind}/{quote(name, safe='')}")
        except AriNotFound:
            return {}
        if not isinstance(body, list):
            return {}
        return {t["attribute"]: t["value"] for t in body
                if isinstance(t, dict) and isinstance(t.get("attribute"), str)
                and isinstance(t.get("value"), str)}
