"""Monitoring's store side on a real (SQLite) database: the supervisor's desk phone as
checked, and the audit entries a session leaves (start, switch, stop)."""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.db import audit
from dialer.db.models import Account, AuditEntry, ServicePlan, User
from dialer.db.validation import ConflictError
from dialer.monitor import store as monitor_db
from dialer.monitor.machine import Mode


def _user(endpoint: str | None) -> User:
    plan = ServicePlan.get_or_create(name="basic", defaults=dict(
        window_start=dt.time(9), window_stop=dt.time(20), max_attempts_per_hour=2))[0]
    account = Account.get_or_create(name="Acme", defaults=dict(
        company_number="+33123456789", plan=plan, timezone="Europe/Paris"))[0]
    return User.create(account=account, username=f"boss{User.select().count()}",
                       password_hash="!", endpoint=endpoint)


def test_the_desk_phone_is_checked_like_an_agent_endpoint(db):
    assert monitor_db.supervisor(_user("PJSIP/boss").id).phone.dial_string == "PJSIP/boss"
    for bad in (None, "PJSIP/x@carrier", "Local/1@ctx", "a&b"):
        with pytest.raises(ConflictError) as refused:
            monitor_db.supervisor(_user(bad).id)
        assert refused.value.field == "endpoint"


def test_start_switch_stop_are_audit_entries_named_after_the_supervisor(db):
    boss = _user("boss")
    token = audit.ACTOR.set(audit.Actor(boss.id, boss.username, None, False))
    try:
        for before, after in ((None, Mode.LISTEN), (Mode.LISTEN, Mode.BARGE), (Mode.BARGE, None)):
            monitor_db.record_monitoring(boss.account_id, 7, boss.id, 2, before, after)
    finally:
        audit.ACTOR.reset(token)
    entries = list(AuditEntry.select().where(AuditEntry.kind == "monitoring")
                   .order_by(AuditEntry.id))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[1].before["mode"] == "listen" and entries[1].after["mode"] == "barge"
    assert {e.actor for e in entries} == {boss.username} and entries[0].object_id == 7
    assert entries[0].after == {"agent": 7, "supervisor": boss.id, "campaign": 2,
                                "mode": "listen"}
    assert "monitoring" in audit.KINDS  # `?kind=monitoring` filters the account's log
