"""The agent session log (dialer/agents/session_log.py): stored state entries read back as
login, ready, pauses with reason, calls with talk and wrap-up, cut to the window."""

from __future__ import annotations

import datetime as dt

from dialer.agents.machine import AgentState as S
from dialer.agents.session_log import Entry, LogKind as K, LogLine, session_log

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


DAY = [Entry(S.LOGGING_IN, at(0)), Entry(S.AVAILABLE, at(0.5)),
       Entry(S.ON_CALL, at(2), attempt_id=7, campaign_id=3),
       Entry(S.WRAP_UP, at(5), attempt_id=7, campaign_id=3), Entry(S.AVAILABLE, at(5.5)),
       Entry(S.AVAILABLE, at(6)),  # Ready again: the same line
       Entry(S.NOT_READY, at(10), pause_reason="Lunch"),
       Entry(S.NOT_READY, at(40), pause_reason="Break"), Entry(S.AVAILABLE, at(50)),
       Entry(S.ON_CALL, at(51)), Entry(S.AVAILABLE, at(52)),  # an inbound call, no wrap-up
       Entry(S.LOGGED_OUT, at(60))]


def test_a_day_reads_as_login_ready_calls_pauses_logout():
    lines = session_log(DAY, T0, at(120))
    assert lines == [
        LogLine(K.LOGIN, at(0), 30), LogLine(K.READY, at(0.5), 90),
        LogLine(K.CALL, at(2), 210, None, 7, 3, 180, 30),
        LogLine(K.READY, at(5.5), 270),
        LogLine(K.PAUSE, at(10), 1800, "Lunch"), LogLine(K.PAUSE, at(40), 600, "Break"),
        LogLine(K.READY, at(50), 60), LogLine(K.CALL, at(51), 60, None, None, None, 60, 0),
        LogLine(K.READY, at(52), 480), LogLine(K.LOGOUT, at(60), 0)]
    assert lines[2].as_json() == {"kind": "call", "at": "2026-03-02T09:02:00+00:00",
                                  "seconds": 210, "attempt_id": 7, "campaign_id": 3,
                                  "talk_seconds": 180, "wrap_seconds": 30}
    assert lines[4].as_json()["pause_reason"] == "Lunch"


def test_the_window_cuts_the_first_and_last_lines():
    """From 09:20 to 09:45: the lunch pause that began at 09:10 shows from 09:20."""
    lines = session_log([e for e in DAY if e.at <= at(20) and e.at >= at(10)] +
                        [e for e in DAY if at(20) < e.at < at(45)], at(20), at(45))
    assert lines == [LogLine(K.PAUSE, at(20), 1200, "Lunch"),
                     LogLine(K.PAUSE, at(40), 300, "Break")]


def test_a_wrap_up_whose_call_began_before_the_window():
    lines = session_log([Entry(S.WRAP_UP, at(5), attempt_id=7), Entry(S.AVAILABLE, at(5.5))],
                        at(5.25), at(6))
    assert lines == [LogLine(K.WRAP_UP, at(5.25), 15, None, 7, None, 0, 15),
                     LogLine(K.READY, at(5.5), 30)]
