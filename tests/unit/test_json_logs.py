"""Issue 19: optional JSON logs (dialer/logs.py): one JSON object per line with time,
level, logger and message, and the context the line was logged in (the ARI event's
channel, the API caller) or given as `extra`."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging

import pytest

from dialer import logs
from dialer.ari.events import Dispatcher
from dialer.config import ConfigError, load_config
from dialer.db import audit


@pytest.fixture
def root_logging():
    """Give the root logger back as it was (pytest's own handlers included)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()]


async def test_json_lines_carry_the_context(capsys, root_logging):
    logs.configure(logging.INFO, "json")
    log = logging.getLogger("dialer.test")
    dispatcher = Dispatcher()
    dispatcher.on("StasisStart", lambda event: log.info("call %s up", event["channel"]["id"]))
    dispatcher.dispatch({"type": "StasisStart", "channel": {"id": "out-7", "name": "PJSIP/x"}})
    await asyncio.sleep(0.05)
    token = audit.ACTOR.set(audit.Actor(12, "alice", None, False))
    try:
        log.warning("changed", extra={"campaign_id": 3})
    finally:
        audit.ACTOR.reset(token)
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    log.debug("not shown at INFO")
    call, change, failure = lines(capsys)
    assert call["message"] == "call out-7 up" and call["channel"] == "out-7"
    assert call["level"] == "INFO" and call["logger"] == "dialer.test"
    assert dt.datetime.fromisoformat(call["time"]).tzinfo is not None
    assert "user" not in call
    assert change == {**change, "level": "WARNING", "user_id": 12, "user": "alice",
                      "campaign_id": 3}
    assert "channel" not in change  # outside the event's worker
    assert failure["level"] == "ERROR" and "ValueError: boom" in failure["exc_info"]


def test_the_format_is_switched_by_the_config(capsys, root_logging, tmp_path):
    logs.configure(logging.INFO)
    logging.getLogger("dialer.test").info("plain")
    assert " INFO dialer.test: plain" in capsys.readouterr().err
    path = tmp_path / "dialer.toml"
    path.write_text('[log]\nformat = "json"\n')
    logs.use_format(load_config(path).log.format)
    logging.getLogger("dialer.test").info("structured")
    assert lines(capsys)[0]["message"] == "structured"
    path.write_text('[log]\nformat = "xml"\n')
    with pytest.raises(ConfigError, match="text or json"):
        load_config(path)
