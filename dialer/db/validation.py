"""Input checks for the admin services, with errors that name the field at fault.

`FieldError` (HTTP 400) and its subclasses `ConflictError` (HTTP 409: the input is well
formed but the current data forbids it) and `ForbiddenError` (HTTP 403: the caller may
not) carry `field`; the web app's error middleware turns
them into {"error": {"field", "message"}}. `transaction` wraps a service function in its
own `atomic()`, so it is one transaction when called directly and a savepoint inside
`Store.run`.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import re
from typing import Any, Callable, Iterable, Literal, Mapping, TypeVar, overload

from ..core.privileges import Refusal
from .models import database_proxy

T = TypeVar("T")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class FieldError(ValueError):
    """Bad input: `field` names it (HTTP 400)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field

    def __reduce__(self):  # pickled whole (reads in reader processes raise it)
        return type(self), (self.field, str(self))


class ConflictError(FieldError):
    """Valid input the current state of the data forbids (HTTP 409)."""


class NotFoundError(FieldError):
    """A named object that does not exist, or not in the state it is named in (HTTP 404)."""


class ForbiddenError(FieldError):
    """Valid input the caller may not ask for: a privilege, user or campaign beyond their
    own (HTTP 403)."""


def refuse(refusal: Refusal | None) -> None:
    """Raise dialer.core.privileges' refusal, if any, as a ForbiddenError."""
    if refusal is not None:
        raise ForbiddenError(refusal.field, refusal.message)


def transaction(fn: Callable[..., T]) -> Callable[..., T]:
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        check_arguments(signature, args, kwargs)
        with database_proxy.atomic():
            return fn(*args, **kwargs)
    return wrapper


_ARGUMENT = re.compile(r"'([^']+)'")


def check_arguments(signature: inspect.Signature, args: tuple, kwargs: dict) -> None:
    """Request bodies arrive as keyword arguments: one the service does not take, or a
    required one missing, is the caller's error (400 naming it), not a TypeError (500)."""
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        message = str(exc)
        name = _ARGUMENT.search(message)
        if name is None:
            raise
        if "missing" in message:
            raise FieldError(name.group(1), "required") from None
        raise FieldError(name.group(1), "unknown field") from None


def reject_unknown(values: Mapping[str, Any], allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    for key in values:
        if key not in allowed:
            raise FieldError(key, "unknown field")


def hhmm(field: str, value: Any) -> dt.time | None:
    """"HH:MM" (24-hour) -> time; None stays None."""
    if value is None:
        return None
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    m = _HHMM.match(value) if isinstance(value, str) else None
    if not m:
        raise FieldError(field, f"{value!r} is not a time of day as HH:MM (00:00 to 23:59)")
    return dt.time(int(m.group(1)), int(m.group(2)))


def fmt_time(value: dt.time | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):  # a driver that hands TIME back as text
        value = dt.time.fromisoformat(value)
    return value.strftime("%H:%M")


def iso_date(field: str, value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        if isinstance(value, str):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise FieldError(field, f"{value!r} is not a date as YYYY-MM-DD")


INT_MAX = 2**31 - 1  # an INTEGER column on PostgreSQL (SQLite would store more)


@overload
def integer(field: str, value: Any, *, minimum: int = 0, maximum: int = INT_MAX,
            nullable: Literal[False] = False) -> int: ...
@overload
def integer(field: str, value: Any, *, minimum: int = 0, maximum: int = INT_MAX,
            nullable: bool) -> int | None: ...
def integer(field: str, value: Any, *, minimum: int = 0, maximum: int = INT_MAX,
            nullable: bool = False) -> int | None:
    if value is None and nullable:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise FieldError(field, "must be an integer" + (" or null" if nullable else ""))
    if value < minimum:
        raise FieldError(field, f"must be at least {minimum}")
    if value > maximum:
        raise FieldError(field, f"must be at most {maximum}")
    return value


def boolean(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldError(field, "must be true or false")
    return value


_REGION = re.compile(r"[A-Za-z]{2}")


@overload
def region(field: str, value: Any, *, nullable: Literal[False] = False) -> str: ...
@overload
def region(field: str, value: Any, *, nullable: bool) -> str | None: ...
def region(field: str, value: Any, *, nullable: bool = False) -> str | None:
    """A two-letter country code, as phone numbers are read in (upper case); None or ""
    if nullable: not given."""
    if value in (None, "") and nullable:
        return None
    if not isinstance(value, str) or not _REGION.fullmatch(value):
        raise FieldError(field, "must be a two-letter country code, e.g. US")
    return value.upper()


@overload
def text(field: str, value: Any, *, nullable: Literal[False] = False, max_length: int = 255) -> str: ...
@overload
def text(field: str, value: Any, *, nullable: bool, max_length: int = 255) -> str | None: ...
def text(field: str, value: Any, *, nullable: bool = False, max_length: int = 255) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not value.strip():
        raise FieldError(field, "must be a non-empty string")
    if "\x00" in value:  # PostgreSQL stores no NUL character
        raise FieldError(field, "must not contain a NUL character")
    value = value.strip()
    if len(value) > max_length:
        raise FieldError(field, f"must be at most {max_length} characters")
    return value
