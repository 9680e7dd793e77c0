"""The pure decisions of an outbound attempt (dialer.outbound.decisions)."""

from __future__ import annotations

import pytest

from dialer.outbound.decisions import on_amd_verdict, outcome_for_unanswered


@pytest.mark.parametrize("cause, full, outcome", [
    (17, False, "busy"), (17, True, "busy"), (16, True, "no_answer"), (0, True, "no_answer"),
    (19, False, "no_answer"), (34, False, "congestion"), (1, False, "failed"),
    (21, False, "failed"), (None, False, "failed"), (16, False, "failed"),
])
def test_unanswered_cause_to_outcome(cause, full, outcome):
    assert outcome_for_unanswered(cause, rang_full_timeout=full) == outcome


@pytest.mark.parametrize("status, enabled, action, expected", [
    ("HUMAN", True, "hangup", ("connect", None)),
    ("NOTSURE", True, "hangup", ("connect", None)),      # a person is never dropped as a machine
    ("MACHINE", True, "hangup", ("hangup", "machine")),
    ("MACHINE", True, "message", ("message", "machine")),
    ("MACHINE", True, "pass_through", ("connect", None)),
    ("MACHINE", False, "hangup", ("connect", None)),     # AMD off: everything goes to agents
    ("SKIPPED", True, "hangup", ("connect", None)),
    ("HANGUP", True, "message", ("hangup", "hangup_during_amd")),
    ("machine", True, "hangup", ("hangup", "machine")),  # case from the dialplan is not trusted
])
def test_amd_verdicts(status, enabled, action, expected):
    decision = on_amd_verdict(status, amd_enabled=enabled, machine_action=action)
    assert (decision.action, decision.outcome) == expected
