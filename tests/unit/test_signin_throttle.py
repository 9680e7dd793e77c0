"""The sign-in throttle's decisions on a simulated clock (dialer.core.signin_throttle)."""

from __future__ import annotations

from dialer.core.signin_throttle import (BackoffPolicy, SignInThrottle, address_key,
                                         after_failure, backoff, forgive_one, wait_for)

POLICY = BackoffPolicy(free_failures=2, first_wait=1.0, max_wait=8.0, forget_after=60.0)


def test_backoff_doubles_after_the_free_failures_up_to_the_cap():
    assert [backoff(POLICY, n) for n in range(1, 9)] == [0, 0, 1, 2, 4, 8, 8, 8]
    assert backoff(POLICY, 10_000) == 8.0  # no overflow on a long siege


def test_failures_count_up_and_are_forgotten_after_a_quiet_spell():
    record = None
    for t in (0.0, 1.0, 2.0):
        record = after_failure(record, t, POLICY)
    assert (record.count, record.blocked_until) == (3, 3.0)
    assert wait_for(record, 2.5) == 0.5 and wait_for(record, 3.0) == 0.0
    assert after_failure(record, 2.0 + 61, POLICY).count == 1
    assert wait_for(None, 0.0) == 0.0


def test_forgiving_one_failure_recomputes_the_wait():
    record = after_failure(after_failure(after_failure(None, 0, POLICY), 0, POLICY), 0, POLICY)
    assert record.blocked_until == 1.0
    assert forgive_one(record, POLICY).blocked_until == 0.0
    assert forgive_one(after_failure(None, 0, POLICY), POLICY) is None


def throttle() -> SignInThrottle:
    return SignInThrottle(POLICY, BackoffPolicy(free_failures=4, first_wait=1.0, max_wait=30.0,
                                                forget_after=60.0))


def test_a_user_name_is_held_back_from_any_address():
    t = throttle()
    assert t.begin("alice", "10.0.0.1", 0) == 0
    assert t.begin("alice", "10.0.0.2", 0) == 0
    assert t.begin("ALICE", "10.0.0.3", 0) == 0  # the third failure: wait 1 s
    assert t.begin("Alice", "10.0.0.4", 0.2) == 0.8
    assert t.begin("alice", "10.0.0.4", 1.0) == 0  # the fourth: wait 2 s
    assert t.begin("alice", "10.0.0.5", 2.5) == 0.5
    assert t.begin("bob", "10.0.0.5", 2.9) == 0  # another name is not held back


def test_concurrent_guesses_see_each_others_backoff_at_once():
    """Each attempt counts when it starts: 50 guesses in the same instant, 3 get through."""
    t = throttle()
    assert sum(t.begin("alice", f"10.0.0.{i}", 5.0) == 0 for i in range(50)) == 3


def test_an_address_is_held_back_whatever_names_it_sprays():
    t = throttle()
    waits = [t.begin(f"user{i}", "192.0.2.7", 0) for i in range(6)]
    assert waits[:5] == [0, 0, 0, 0, 0] and waits[5] == 1.0
    assert t.begin("user9", "192.0.2.8", 0) == 0


def test_a_refused_attempt_never_lengthens_the_wait():
    t = throttle()
    for _ in range(3):
        t.begin("alice", "10.0.0.1", 0)
    for i in range(100):
        assert t.begin("alice", "10.0.0.1", i / 200) > 0
    assert t.begin("alice", "10.0.0.1", 1.0) == 0


def test_success_clears_the_name_and_gives_the_address_its_attempt_back():
    t = throttle()
    for _ in range(2):
        t.begin("alice", "10.0.0.1", 0)
    t.begin("alice", "10.0.0.1", 0)
    t.succeeded("alice", "10.0.0.1")
    assert t.begin("alice", "10.0.0.1", 0) == 0  # the name starts afresh
    t.begin("x", "10.0.0.1", 0)  # the address holds 4 failures (the success not counted)
    assert t.begin("y", "10.0.0.1", 0) == 0
    assert t.begin("z", "10.0.0.1", 0) == 1.0


def test_an_attempt_that_checked_no_password_is_not_counted():
    t = throttle()
    for _ in range(10):
        assert t.begin("alice", "10.0.0.1", 0) == 0
        t.not_attempted("alice", "10.0.0.1")


def test_ipv6_clients_count_per_64_and_mapped_ipv4_as_ipv4():
    assert address_key("2001:db8::1") == address_key("2001:db8::ffff:1") == "addr:2001:db8::/64"
    assert address_key("2001:db8:0:1::1") != address_key("2001:db8::1")
    assert address_key("::ffff:192.0.2.1") == address_key("192.0.2.1")
    assert address_key("not an address") == "addr:not an address"


def test_memory_is_bounded_oldest_records_dropped_first():
    t = SignInThrottle(POLICY, POLICY, max_keys=10)
    for i in range(100):
        t.begin(f"user{i}", f"10.0.0.{i}", 0)
    assert len(t._records) == 10
    assert "user:user99" in t._records and "user:user94" not in t._records
