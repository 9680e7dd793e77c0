"""What monitoring reads and writes: the supervisor's desk phone, the audit entries."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.asterisk_input import Endpoint, UnsafeValue, parse_endpoint
from ..db import audit
from ..db.models import User
from ..db.validation import ConflictError, NotFoundError
from .machine import Mode


@dataclass(frozen=True)
class Supervisor:
    user_id: int
    username: str
    account_id: int
    phone: Endpoint


def supervisor(user_id: int) -> Supervisor:
    """The user and their desk phone (checked like an agent's endpoint): 409 naming
    `endpoint` when they have none the dialer may ring."""
    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise NotFoundError("user", "no such user")
    if not user.endpoint:
        raise ConflictError("endpoint", "set your desk phone (endpoint) first: the dialer "
                                        "rings it to join you to the call")
    try:
        phone = parse_endpoint(user.endpoint)
    except UnsafeValue as exc:
        raise ConflictError("endpoint", str(exc)) from None
    return Supervisor(user.id, user.username, user.account_id, phone)


def record_monitoring(account_id: int, agent_id: int, supervisor_id: int,
                      campaign_id: int | None, before: Mode | None, after: Mode | None) -> None:
    """One audit entry (kind "monitoring", the agent's id): create = start, update = a
    switch of mode, delete = stop."""
    def state(mode: Mode | None) -> audit.Snapshot | None:
        return None if mode is None else (account_id, {
            "agent": agent_id, "supervisor": supervisor_id, "campaign": campaign_id,
            "mode": mode.value})
    audit.record("monitoring", agent_id, state(before), state(after))
