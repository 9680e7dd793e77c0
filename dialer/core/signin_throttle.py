"""Sign-in throttling: exponential backoff per user name and per client address.

Pure: time is a number of seconds passed in (monotonic in the shell, simulated in tests).
An attempt is counted as a failure when it starts, so concurrent guesses see each other's
backoff at once; a success forgives it again (and clears the user name's record).
A refused attempt is not counted: the wait never grows while the client is told to wait.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class BackoffPolicy:
    free_failures: int   # failures in a row allowed before any wait
    first_wait: float    # seconds after the first failure beyond the free ones; doubles
    max_wait: float      # the wait never exceeds this
    forget_after: float  # a key quiet for this long starts again from zero


# A user name is guessed at from anywhere; an address may be an office behind one NAT.
USERNAME_POLICY = BackoffPolicy(free_failures=3, first_wait=1.0, max_wait=900.0,
                                forget_after=3600.0)
ADDRESS_POLICY = BackoffPolicy(free_failures=10, first_wait=1.0, max_wait=900.0,
                               forget_after=3600.0)


@dataclass(frozen=True)
class Failures:
    count: int
    last: float           # time of the last failure
    blocked_until: float  # no attempt before this time


def wait_for(record: Failures | None, now: float) -> float:
    """Seconds until the next attempt is allowed (0: now)."""
    return 0.0 if record is None else max(0.0, record.blocked_until - now)


def backoff(policy: BackoffPolicy, count: int) -> float:
    """The wait after `count` failures in a row."""
    excess = count - policy.free_failures
    if excess <= 0:
        return 0.0
    return min(policy.max_wait, policy.first_wait * 2.0 ** min(excess - 1, 64))


def after_failure(record: Failures | None, now: float, policy: BackoffPolicy) -> Failures:
    count = 1 if record is None or now - record.last > policy.forget_after else record.count + 1
    return Failures(count, now, now + backoff(policy, count))


def forgive_one(record: Failures | None, policy: BackoffPolicy) -> Failures | None:
    """Undo one failure counted up front for an attempt that succeeded."""
    if record is None or record.count <= 1:
        return None
    count = record.count - 1
    return replace(record, count=count, blocked_until=record.last + backoff(policy, count))


def username_key(username: str) -> str:
    return "user:" + username.casefold()[:128]


def address_key(address: str) -> str:
    """IPv6 clients are counted per /64 (what one subscriber usually holds)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "addr:" + address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return "addr:" + str(ip.ipv4_mapped)
        return "addr:" + str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return "addr:" + str(ip)


class SignInThrottle:
    """The records of recent failures, keyed by user name and by client address.

    At most `max_keys` records are kept: past that the oldest are dropped (an attacker
    spraying user names cannot grow memory without bound; the address record still
    holds them back)."""

    def __init__(self, user_policy: BackoffPolicy = USERNAME_POLICY,
                 address_policy: BackoffPolicy = ADDRESS_POLICY, max_keys: int = 100_000):
        self.user_policy, self.address_policy, self.max_keys = (
            user_policy, address_policy, max_keys)
        self._records: dict[str, Failures] = {}

    def _keys(self, username: str, address: str) -> tuple[tuple[str, BackoffPolicy], ...]:
        return ((username_key(username), self.user_policy),
                (address_key(address), self.address_policy))

    def begin(self, username: str, address: str, now: float) -> float:
        """0 and the attempt counted as a failure; or the seconds to wait, nothing counted."""
        keys = self._keys(username, address)
        wait = max(wait_for(self._records.get(key), now) for key, _ in keys)
        if wait > 0:
            return wait
        for key, policy in keys:
            self._store(key, after_failure(self._records.pop(key, None), now, policy))
        return 0.0

    def succeeded(self, username: str, address: str) -> None:
        """The name starts afresh; the address only gets back the attempt counted."""
        (user, _), (addr, policy) = self._keys(username, address)
        self._records.pop(user, None)
        self._forgive(addr, policy)

    def not_attempted(self, username: str, address: str) -> None:
        """The attempt counted by `begin` never checked a password (the server was busy)."""
        for key, policy in self._keys(username, address):
            self._forgive(key, policy)

    def _forgive(self, key: str, policy: BackoffPolicy) -> None:
        forgiven = forgive_one(self._records.pop(key, None), policy)
        if forgiven is not None:
            self._store(key, forgiven)

    def _store(self, key: str, record: Failures) -> None:
        self._records[key] = record  # re-inserted: dict order is least recently failed first
        while len(self._records) > self.max_keys:
            del self._records[next(iter(self._records))]
