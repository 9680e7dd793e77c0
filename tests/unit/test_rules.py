"""dialer.outbound.rules: what happens to a contact after an attempt."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.outbound.rules import (
    DEFAULT_RETRY_MINUTES, Action, Decision, Outcome, RuleSpec, decide, matches, rule_problems,
)

NOW = dt.datetime(2025, 6, 2, 12, 0, tzinfo=dt.timezone.utc)


def later(minutes: float) -> dt.datetime:
    return NOW + dt.timedelta(minutes=minutes)


def run(rules=(), *, outcome="no_answer", connected=False, disposition=None, attempts=1,
        max_attempts=3) -> Decision:
    return decide(rules, outcome=outcome, connected=connected, disposition=disposition,
                  attempts=attempts, max_attempts=max_attempts, now=NOW)


# --- defaults -------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, expected", [
    (dict(outcome="human", connected=True), Decision("completed")),
    (dict(outcome="machine", connected=True), Decision("completed")),  # passed through
    (dict(outcome="machine"), Decision("rescheduled", later(DEFAULT_RETRY_MINUTES))),
    (dict(outcome="busy", attempts=2), Decision("rescheduled", later(60))),
    (dict(outcome="busy", attempts=3), Decision("failed")),
    (dict(outcome="busy", attempts=7), Decision("failed")),
    (dict(outcome="abandoned"), Decision("rescheduled", later(60))),
    (dict(outcome="human", connected=False, attempts=3), Decision("failed")),
])
def test_defaults(kwargs, expected):
    assert run(**kwargs) == expected


# --- rules ----------------------------------------------------------------------------

BUSY_SOON = RuleSpec(1, {"outcomes": ["busy"]}, "call_again", {"after_minutes": 5})
MACHINE_DELETE = RuleSpec(2, {"outcomes": ["machine"], "connected": False}, "delete_contact")
SALE_DONE = RuleSpec(3, {"connected": True, "agent_results": ["sale"]}, "complete")
CALLBACK = RuleSpec(4, {"connected": True, "agent_results": ["callback"]}, "call_again",
                    {"after_minutes": 24 * 60})
CONGESTION_PREFIX = RuleSpec(5, {"outcomes": ["congestion"], "attempts_lt": 2},
                             "add_prefix", {"prefix": "9"})
LATE_GIVE_UP = RuleSpec(6, {"attempts_gte": 2, "connected": False}, "complete")
RULES = [CALLBACK, LATE_GIVE_UP, CONGESTION_PREFIX, SALE_DONE, MACHINE_DELETE, BUSY_SOON]


@pytest.mark.parametrize("kwargs, expected", [
    (dict(outcome="busy"), Decision("rescheduled", later(5), None, 1)),
    (dict(outcome="busy", attempts=3), Decision("failed", None, None, 1)),  # capped
    (dict(outcome="machine"), Decision("deleted", None, None, 2)),
    (dict(outcome="machine", connected=True, disposition="sale"),
     Decision("completed", None, None, 3)),
    (dict(outcome="human", connected=True, disposition="callback"),
     Decision("rescheduled", later(1440), None, 4)),
    (dict(outcome="human", connected=True, disposition="callback", attempts=3),
     Decision("failed", None, None, 4)),
    (dict(outcome="human", connected=True, disposition="not_interested"),
     Decision("completed")),  # no rule: connected default
    (dict(outcome="congestion"), Decision("rescheduled", NOW, "9", 5)),
    (dict(outcome="congestion", attempts=2), Decision("completed", None, None, 6)),
    (dict(outcome="no_answer", attempts=2), Decision("completed", None, None, 6)),
    (dict(outcome="no_answer"), Decision("rescheduled", later(60))),  # default
    (dict(outcome=Outcome.BUSY), Decision("rescheduled", later(5), None, 1)),  # enum value
])
def test_rule_table(kwargs, expected):
    assert run(RULES, **kwargs) == expected


def test_first_rule_by_position_wins_and_ties_keep_list_order():
    a = RuleSpec(2, {}, "complete")
    b = RuleSpec(1, {}, "delete_contact")
    c = RuleSpec(1, {}, "call_again")
    assert run([a, b]).state == "deleted"
    assert run([a, c, b]).state == "rescheduled"
    assert run([a, b, c]).state == "deleted"


def test_empty_condition_matches_everything():
    assert run([RuleSpec(0, {}, "complete")], outcome="anything").state == "completed"


def test_add_prefix_with_delay_and_cap():
    rule = RuleSpec(0, {}, "add_prefix", {"prefix": "0044", "after_minutes": 10})
    assert run([rule]) == Decision("rescheduled", later(10), "0044", 0)
    assert run([rule], attempts=3) == Decision("failed", None, None, 0)


def test_agent_results_need_a_disposition():
    rule = RuleSpec(0, {"agent_results": ["sale"]}, "delete_contact")
    assert run([rule], disposition=None).state == "rescheduled"
    assert run([rule], disposition="sale").state == "deleted"


def test_call_again_default_delay():
    assert run([RuleSpec(0, {}, "call_again")]) == Decision("rescheduled", later(60), None, 0)


@pytest.mark.parametrize("rule, problems", [
    (RuleSpec(0, {"outcome": ["busy"]}, "complete"), ("unknown condition 'outcome'",)),
    (RuleSpec(0, {"connected": "yes"}, "complete"),
     ("condition 'connected' must be true or false",)),
    (RuleSpec(0, {"outcomes": "busy"}, "complete"),
     ("condition 'outcomes' must be a list of outcomes",)),
    (RuleSpec(0, {"attempts_lt": True}, "complete"),
     ("condition 'attempts_lt' must be an integer",)),
    (RuleSpec(0, {}, "explode"), ("unknown action 'explode'",)),
    (RuleSpec(0, {}, "call_again", {"after_minutes": -1}),
     ("after_minutes must be a number of minutes from 0 to 525600",)),
    (RuleSpec(0, {}, "add_prefix", {}), ("prefix must be 1 to 16 digits, * or #",)),
    (RuleSpec(0, {}, "add_prefix", {"prefix": "9; rm"}),
     ("prefix must be 1 to 16 digits, * or #",)),
    (RuleSpec(0, "busy", "complete"), ("condition must be an object",)),
    (BUSY_SOON, ()),
    (CONGESTION_PREFIX, ()),
])
def test_rule_problems(rule, problems):
    assert rule_problems(rule) == problems


def test_invalid_rules_are_skipped_not_widened():
    typo = RuleSpec(0, {"outcome": ["busy"]}, "delete_contact")  # "outcome" is not a key
    assert run([typo], outcome="no_answer").state == "rescheduled"
    bad_action = RuleSpec(0, {}, "explode")
    good = RuleSpec(1, {}, "complete")
    assert run([bad_action, good]) == Decision("completed", None, None, 1)


def test_matches_ands_all_keys():
    cond = {"connected": False, "outcomes": ["busy", "no_answer"], "attempts_gte": 2,
            "attempts_lt": 4}
    m = lambda **kw: matches(cond, **{"outcome": "busy", "connected": False,  # noqa: E731
                                      "disposition": None, "attempts": 2, **kw})
    assert m()
    assert m(attempts=3)
    assert not m(attempts=1)
    assert not m(attempts=4)
    assert not m(connected=True)
    assert not m(outcome="human")


def test_enums_are_strings():
    assert Outcome.HANGUP_DURING_AMD == "hangup_during_amd"
    assert {a.value for a in Action} == {"call_again", "delete_contact", "add_prefix",
                                         "complete", "do_not_call"}


# --- property -------------------------------------------------------------------------

outcomes = st.sampled_from([o.value for o in Outcome] + ["lost"])
dispositions = st.none() | st.sampled_from(["sale", "callback", "no_sale"])
conditions = st.fixed_dictionaries({}, optional={
    "connected": st.booleans(),
    "outcomes": st.lists(outcomes, max_size=3),
    "agent_results": st.lists(st.sampled_from(["sale", "callback", "no_sale"]), max_size=2),
    "attempts_lt": st.integers(0, 6),
    "attempts_gte": st.integers(0, 6),
})
params = st.fixed_dictionaries({}, optional={
    "after_minutes": st.integers(0, 10_000) | st.floats(0, 100),
    "prefix": st.sampled_from(["9", "0", "*67"]),
})
rule_lists = st.lists(st.builds(RuleSpec, st.integers(0, 5), conditions,
                                st.sampled_from([a.value for a in Action]), params),
                      max_size=6)


@given(rule_lists, outcomes, st.booleans(), dispositions, st.integers(0, 8),
       st.integers(1, 6))
def test_never_call_again_past_max_attempts(rules, outcome, connected, disposition,
                                            attempts, max_attempts):
    d = decide(rules, outcome=outcome, connected=connected, disposition=disposition,
               attempts=attempts, max_attempts=max_attempts, now=NOW)
    assert d.state in ("rescheduled", "completed", "failed", "deleted")
    if attempts >= max_attempts:
        assert d.state != "rescheduled"
    if d.state == "rescheduled":
        assert d.next_attempt_at is not None and d.next_attempt_at >= NOW
    else:
        assert d.next_attempt_at is None and d.prefix is None
    if d.rule_position is None:  # defaults
        assert d.state == ("completed" if connected else
                           "rescheduled" if attempts < max_attempts else "failed")
    else:
        winner = min((r for r in rules if matches(
            r.condition, outcome=outcome, connected=connected, disposition=disposition,
            attempts=attempts) and not rule_problems(r)), key=lambda r: r.position)
        assert winner.position == d.rule_position
