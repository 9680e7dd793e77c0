"""The agent session log read back (pure): the states a session entered, as stored by
every Persist (store.set_agent_state), become login, logout, ready, pauses with their
reason, and calls with their talk and wrap-up seconds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from .machine import AgentState

S = AgentState


@dataclass(frozen=True)
class Entry:
    """A state the session entered, at `at`."""

    state: AgentState
    at: dt.datetime
    pause_reason: str | None = None   # its name when chosen
    attempt_id: int | None = None     # on_call, wrap_up
    campaign_id: int | None = None    # of that attempt


class LogKind(str, Enum):
    LOGIN = "login"            # the desk phone rung
    READY = "ready"
    PAUSE = "pause"            # not ready, with its reason
    PREVIEW = "preview"
    DIALLING = "dialling"
    CALL = "call"              # talk, then its wrap-up
    WRAP_UP = "wrap_up"        # a wrap-up whose call started before the log's window
    PHONE_LOST = "phone_lost"
    LOGOUT = "logout"


_KINDS = {S.LOGGING_IN: LogKind.LOGIN, S.AVAILABLE: LogKind.READY, S.NOT_READY: LogKind.PAUSE,
          S.PREVIEW: LogKind.PREVIEW, S.DIALLING: LogKind.DIALLING, S.ON_CALL: LogKind.CALL,
          S.WRAP_UP: LogKind.WRAP_UP, S.PHONE_LOST: LogKind.PHONE_LOST,
          S.LOGGED_OUT: LogKind.LOGOUT}


@dataclass(frozen=True)
class LogLine:
    kind: LogKind
    at: dt.datetime
    seconds: int                      # until the next line (the window's end for the last)
    pause_reason: str | None = None
    attempt_id: int | None = None
    campaign_id: int | None = None
    talk_seconds: int | None = None   # calls
    wrap_seconds: int | None = None   # calls: 0 without wrap-up

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value, "at": self.at.isoformat(),
                               "seconds": self.seconds}
        if self.kind == LogKind.PAUSE:
            out["pause_reason"] = self.pause_reason
        if self.kind in (LogKind.CALL, LogKind.WRAP_UP):
            out |= {"attempt_id": self.attempt_id, "campaign_id": self.campaign_id,
                    "talk_seconds": self.talk_seconds, "wrap_seconds": self.wrap_seconds}
        return out


def _same(a: Entry, b: Entry) -> bool:
    """The same state saved again (Ready while ready): one line."""
    return (a.state, a.pause_reason, a.attempt_id) == (b.state, b.pause_reason, b.attempt_id)


def session_log(entries: list[Entry], since: dt.datetime, until: dt.datetime) -> list[LogLine]:
    """The lines of [since, until): `entries` in time order, the first one possibly from
    before `since` (the state the session was in then, cut at `since`)."""
    kept: list[Entry] = []
    for entry in entries:
        if entry.at >= until:
            break
        entry = replace(entry, at=max(entry.at, since))
        if not kept or not _same(kept[-1], entry):
            kept.append(entry)
    if not kept:
        return []
    ends = [e.at for e in kept[1:]] + [until]
    spans = [(e, 0 if e.state == S.LOGGED_OUT else round((end - e.at).total_seconds()))
             for e, end in zip(kept, ends, strict=True)]
    lines: list[LogLine] = []
    i = 0
    while i < len(spans):
        entry, seconds = spans[i]
        kind = _KINDS[entry.state]
        if kind == LogKind.CALL:
            wrap = spans[i + 1] if i + 1 < len(spans) and spans[i + 1][0].state == S.WRAP_UP \
                else None
            attempt = entry.attempt_id or (wrap[0].attempt_id if wrap else None)
            campaign = entry.campaign_id or (wrap[0].campaign_id if wrap else None)
            wrap_seconds = wrap[1] if wrap else 0
            lines.append(LogLine(kind, entry.at, seconds + wrap_seconds, None, attempt,
                                 campaign, seconds, wrap_seconds))
            i += 2 if wrap else 1
            continue
        wrap_only = kind == LogKind.WRAP_UP
        lines.append(LogLine(kind, entry.at, seconds, entry.pause_reason, entry.attempt_id,
                             entry.campaign_id, 0 if wrap_only else None,
                             seconds if wrap_only else None))
        i += 1
    return lines
