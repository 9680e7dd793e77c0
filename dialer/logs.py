"""Logging: text lines (the default), or one JSON object per line (`[log] format = "json"`
or `dialer --log-format json`) for a log shipper, by python-json-logger: `time` (ISO 8601,
UTC), `level`, `logger`, `message`, `exc_info` when there is one, and the context the
line was logged in: `channel` or `bridge` (the ARI event being handled, so a call's lines
can be gathered), `user_id` and `user` (the API caller whose request it was), and any
`extra=` fields."""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter

from .ari.events import EVENT_KEY
from .db.audit import ACTOR

TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")


class Context(logging.Filter):
    """Adds what the line happened within (context variables of the task logging it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        kind, _, ident = (EVENT_KEY.get() or "").partition(":")
        if ident:
            setattr(record, kind, ident)  # channel=<id> or bridge=<id>
        actor = ACTOR.get()
        if actor is not None:
            record.user_id, record.user = actor.user_id, actor.username
        return True


def formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        return JsonFormatter(["levelname", "name", "message"], timestamp="time",
                             rename_fields={"levelname": "level", "name": "logger"})
    return logging.Formatter(TEXT)


def configure(level: int, fmt: str = "text") -> None:
    """One handler on stderr for the whole process."""
    handler = logging.StreamHandler()
    handler.addFilter(Context())
    handler.setFormatter(formatter(fmt))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def use_format(fmt: str) -> None:
    """Switch the format once the config is read (`[log] format`)."""
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter(fmt))
