"""A `PbxEndpoints` for app tests without Asterisk: the lab PBX's answers, without ARI."""

from __future__ import annotations

from dialer.ari.endpoints import EndpointKind


class StubEndpoints:
    """`carrier` is the trunk; names in `missing` do not exist; every other is a phone."""

    def __init__(self, missing: frozenset[str] = frozenset({"nosuch"})):
        self.missing = missing
        self.asked: list[str] = []

    async def kind(self, name: str) -> EndpointKind:
        self.asked.append(name)
        if name == "carrier":
            return EndpointKind.TRUNK
        return EndpointKind.MISSING if name in self.missing else EndpointKind.PHONE
