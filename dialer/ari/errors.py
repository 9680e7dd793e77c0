"""Typed ARI errors.

Callers branch on the class, never on message text: the class says what to do
(ignore a vanished channel, retry later, fix the request).
"""

from __future__ import annotations


class AriError(Exception):
    """An ARI REST call failed. ``status`` is the HTTP status, or None when no response arrived."""

    def __init__(self, status: int | None, method: str, path: str, message: str) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.message = message
        super().__init__(f"{method} {path}: {status if status is not None else 'no response'} {message}".rstrip())


class AriNotFound(AriError):
    """404: the channel/bridge/playback/... does not exist (any more)."""


class AriConflict(AriError):
    """409 (and 412): the object exists but its state forbids the operation,
    e.g. channel not in Stasis, duplicate id, channel in invalid state."""


class AriUnprocessable(AriError):
    """422 / 400: the request itself is wrong (bad parameters, unknown format, channel not in bridge)."""


class AriUnavailable(AriError):
    """Asterisk could not be reached or failed: connection refused, timeout, 5xx.

    ``cause`` holds the underlying exception if any. For a non-idempotent call
    (originate) the outcome is unknown: the call may have been placed.
    """

    def __init__(self, status: int | None, method: str, path: str, message: str,
                 cause: BaseException | None = None) -> None:
        super().__init__(status, method, path, message)
        self.cause = cause


def error_for_status(status: int, method: str, path: str, message: str) -> AriError:
    if status == 404:
        return AriNotFound(status, method, path, message)
    if status in (409, 412):
        return AriConflict(status, method, path, message)
    if status in (400, 422):
        return AriUnprocessable(status, method, path, message)
    if status >= 500:
        return AriUnavailable(status, method, path, message)
    return AriError(status, method, path, message)
