"""The webhooks' pure rules: which URLs and addresses a delivery may go to (SSRF), how a
request is signed, and what happens after a try (delivered, retried when, given up).

Signing (like Stripe's scheme): the `Dialer-Signature` header is
`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`. A receiver recomputes the
HMAC over the timestamp, a dot and the raw body bytes with the endpoint's secret, compares
it in constant time (`verify`), and refuses timestamps far from its clock (replays)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import re
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

SIGNATURE_HEADER = "Dialer-Signature"
EVENT_HEADER = "Dialer-Event"            # the event's kind, e.g. attempt.finished
EVENT_ID_HEADER = "Dialer-Event-Id"      # the same on every try and replay: deduplicate by it
DELIVERY_HEADER = "Dialer-Delivery-Id"
TOLERANCE_SECONDS = 300                  # how old a signature `verify` accepts
MAX_URL_LENGTH = 2000

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UrlRefused(ValueError):
    """The URL may not receive webhooks: why (an API 400 on field `url`)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Tries of a delivery: the first at once, then after base, 2 x base, 4 x base ...
    each at most `cap_seconds`; given up after `max_attempts` tries."""

    max_attempts: int = 10
    base_seconds: float = 10.0
    cap_seconds: float = 3600.0
    jitter: float = 0.2  # up to this fraction of a delay is taken off, at random


class Status(str, Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # given up


@dataclass(frozen=True)
class TryResult:
    """What one HTTP request got: the receiver's status code, or the error instead."""

    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class AfterTry:
    status: Status
    next_attempt_at: dt.datetime | None  # when pending: the next try


def address_refusal(address: IpAddress, allow_private: bool) -> str | None:
    """Why a delivery may not connect to `address`, or None. Link-local addresses (cloud
    metadata services at 169.254.169.254), multicast, unspecified and reserved ones are
    refused always; loopback, private and other non-global ones unless the deployment says
    `[webhooks] allow_private = true`."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not address.is_loopback and (address.is_link_local or address.is_multicast
                                    or address.is_unspecified or address.is_reserved):
        return f"{address} is a link-local, multicast or reserved address"
    if not address.is_global and not allow_private:
        return (f"{address} is a loopback or private address "
                "(allowed only with [webhooks] allow_private = true)")
    return None


_DNS_NAME = re.compile(r"(?=.{1,253}\Z)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*"
                       r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?\Z")


def check_url(url: object, allow_private: bool) -> str:
    """The URL as it will be used, or UrlRefused: http or https, a host, no user name or
    password, no fragment; an address given as such is checked now, a name's addresses
    at every connection (the sender's resolver), so DNS cannot point it elsewhere later."""
    if not isinstance(url, str) or not url:
        raise UrlRefused("must be an http:// or https:// URL")
    if len(url) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 or ord(c) == 127
                                        for c in url):
        raise UrlRefused(f"must be at most {MAX_URL_LENGTH} characters, without spaces "
                         "or control characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UrlRefused("must be an http:// or https:// URL")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise UrlRefused("must not carry a user name or password: the signature "
                         "authenticates the dialer")
    if parts.fragment:
        raise UrlRefused("must not have a #fragment")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port in (0, -1):
        raise UrlRefused("has an invalid port")
    _check_host(parts.hostname or "", allow_private)
    return url


def _check_host(host: str, allow_private: bool) -> None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not _DNS_NAME.match(host):  # also refuses 2130706433, 0x7f.1 and such spellings
            raise UrlRefused("the host must be a DNS name or an IP address") from None
        if (host == "localhost" or host.endswith(".localhost")) and not allow_private:
            raise UrlRefused("localhost is allowed only with [webhooks] allow_private "
                             "= true") from None
        return
    refusal = address_refusal(address, allow_private)
    if refusal:
        raise UrlRefused(refusal)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Dialer-Signature` header's value."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: int,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does: the header's timestamp is within `tolerance` seconds of
    `now` and one of its v1 signatures matches."""
    fields = [item.partition("=") for item in header.split(",")]
    stamps = [value for key, _, value in fields if key.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit():
        return False
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).rpartition("v1=")[2]
    return any(hmac.compare_digest(expected, value)
               for key, _, value in fields if key.strip() == "v1")


def retry_delay(attempts: int, policy: RetryPolicy, jitter: float = 0.0) -> float | None:
    """Seconds to wait after the `attempts`-th failed try (1 = the first), or None: give
    up. `jitter` in [0, 1) takes up to `policy.jitter` of the delay off (nodes' retries
    to one receiver do not all land together)."""
    if attempts >= policy.max_attempts:
        return None
    delay = min(policy.cap_seconds, policy.base_seconds * 2.0 ** (attempts - 1))
    return delay * (1 - policy.jitter * jitter)


def after_try(attempts: int, result: TryResult, now: dt.datetime, policy: RetryPolicy,
              jitter: float = 0.0) -> AfterTry:
    """The delivery after its `attempts`-th try got `result`: any 2xx delivers it;
    anything else (other codes, timeouts, refused connections) is tried again later."""
    if result.status_code is not None and 200 <= result.status_code < 300:
        return AfterTry(Status.DELIVERED, None)
    delay = retry_delay(attempts, policy, jitter)
    if delay is None:
        return AfterTry(Status.FAILED, None)
    return AfterTry(Status.PENDING, now + dt.timedelta(seconds=delay))
