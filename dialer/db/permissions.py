"""What an agent's groups allow: scheduling followups, dialling numbers by hand.

An agent may do a thing when at least one of their agent groups allows it (an agent in
no group may do neither).
"""

from __future__ import annotations

from typing import Any

from ..core.phones import PhoneError, normalise, region_of
from .models import Agent, AgentGroup, AgentGroupMember
from .suppression import is_suppressed
from ..compliance.store import listed_reason
from . import validation
from .validation import ConflictError, FieldError, text, transaction

FLAGS = {"followups": AgentGroup.followups_allowed,
         "manual_dial": AgentGroup.manual_dial_allowed}


def agent_may(agent_id: int, what: str) -> bool:
    """True if one of the agent's groups allows `what` ("followups" or "manual_dial")."""
    return (AgentGroupMember.select().join(AgentGroup)
            .where((AgentGroupMember.agent == agent_id) & (FLAGS[what] == True))  # noqa: E712
            .exists())


@transaction
def check_manual_dial(agent_id: int, number: Any, default_region: str | None = None) -> dict:
    """May the agent dial `number` by hand now? Returns {"agent_id", "number" (E.164)}.

    ConflictError if no group of the agent allows manual dial ("agent_id") or the number is
    on a list applied to the account's on-demand strategy or on a do-not-call list of the
    account or the system ("number", with the reason naming the list);
    FieldError if it is not a dialable number. National numbers are read in
    `default_region`, else the account's company number's region, else US.
    """
    agent = Agent.get_by_id(agent_id)
    if not agent_may(agent.id, "manual_dial"):
        raise ConflictError("agent_id", "none of the agent's groups allows manual dial")
    account = agent.user.account
    region = validation.region("default_region", default_region, nullable=True) or (
        region_of(account.company_number) if account.company_number else "US")
    try:
        e164 = normalise(text("number", number, max_length=64), region)
    except PhoneError as exc:
        raise FieldError("number", exc.reason) from None
    reason = is_suppressed(phones=[e164], account_id=account.id) or listed_reason(
        account.id, None, [e164])
    if reason:
        raise ConflictError("number", reason)
    return {"agent_id": agent.id, "number": e164}
