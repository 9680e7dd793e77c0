"""Failover inside one attempt: when a trunk fails the call before it is answered, the
same attempt dials the next trunk, one leg (one channel) at a time.

A trunk failed the call when the leg ended unanswered with a cause Asterisk gives a
carrier's failure (SIP 500 -> 38, 502 -> 27, 503 -> 34, 504 -> 102, and the other
congestion causes), when the originate was refused, or when the trunk neither rang nor
answered within TRUNK_ANSWER_SECONDS (the dialer hangs the leg up first). A busy callee
(486 -> 17), a callee who does not answer (18, 19, 480), a rejected or unknown number and
a person hanging up are the callee's answer: no other trunk is tried. The next leg is
dialled only once the previous channel is gone, so a contact never has two live channels.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

FAILOVER_CAUSES = frozenset({27, 34, 38, 41, 42, 47, 102})
TRUNK_ANSWER_SECONDS = 8.0  # no 180 Ringing nor answer by then: the trunk is not working


@dataclass(frozen=True)
class Leg:
    """The call's current channel on a trunk (leg `number` of the call first dialled on
    channel `first`); `tried`: every trunk this attempt used."""

    first: str
    number: int = 0
    trunk: int | None = None          # None: not routed (yet), or a training call
    tried: frozenset[int] = field(default_factory=frozenset)
    rang: bool = False
    silent: bool = False              # hung up by the dialer: the trunk stayed silent
    # how the previous leg's trunk failed: the attempt ends so if no trunk is left
    failed_as: str | None = None
    failed_cause: int | None = None

    def chosen(self, trunk_id: int) -> Leg:
        return replace(self, trunk=trunk_id, tried=self.tried | {trunk_id})

    def following(self, outcome: str, cause: int | None) -> Leg:
        return Leg(self.first, self.number + 1, None, self.tried, failed_as=outcome,
                   failed_cause=cause)

    @property
    def channel(self) -> str:
        return self.first if self.number == 0 else f"{self.first}-{self.number}"

    def trunk_failed(self, cause: int | None) -> bool:
        """Whether the leg's end, unanswered, is the trunk's failure (not the callee's)."""
        return self.trunk is not None and (self.silent or cause in FAILOVER_CAUSES)
