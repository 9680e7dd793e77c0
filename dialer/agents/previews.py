"""What an agent's screen holds besides the state: one frozen type per kind. The JSON the
agent page reads (`shown()`) is built from them at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Union

from ..outbound.model import CampaignSettings, Claim


@dataclass(frozen=True)
class CampaignPreview:
    """A contact claimed from a preview campaign, on the agent's screen until dial or skip."""

    campaign: CampaignSettings
    claim: Claim
    details: Mapping[str, Any]   # the contact as shown (outbound/store.py `preview_details`)

    @property
    def cc_id(self) -> int:
        """The claimed campaign contact (what goes back to the campaign)."""
        return self.claim.cc_id

    def shown(self) -> dict[str, Any]:
        return dict(self.details)


@dataclass(frozen=True)
class FollowupPreview:
    """A followup of the agent's that fell due, offered to them alone."""

    followup_id: int
    details: Mapping[str, Any]   # the contact and the followup, as shown

    def shown(self) -> dict[str, Any]:
        return dict(self.details)


@dataclass(frozen=True)
class ManualDial:
    """A number the agent dials by hand (already checked: E.164, allowed)."""

    number: str

    def shown(self) -> dict[str, Any]:
        return {"phones": [self.number], "manual": True}


@dataclass(frozen=True)
class InboundCaller:
    """Who calls the company number, shown while the agent talks to them."""

    caller_id: str | None
    contact_id: int | None
    name: str | None

    def shown(self) -> dict[str, Any]:
        return {"inbound": True, "caller_id": self.caller_id, "contact_id": self.contact_id,
                "name": self.name}


@dataclass(frozen=True)
class ActionCallContact:
    """The contact an action-plan call connects the agent to."""

    action_call_id: int
    caller_id: str | None
    contact_id: int | None
    name: str | None

    def shown(self) -> dict[str, Any]:
        return {"action_call": self.action_call_id, "caller_id": self.caller_id,
                "contact_id": self.contact_id, "name": self.name}


# What the agent sees of a call put through to them (not a preview offer).
CallerShown = Union[InboundCaller, ActionCallContact]
Preview = Union[CampaignPreview, FollowupPreview, ManualDial, InboundCaller, ActionCallContact]
# What a preview offer may hold: a contact waiting for the agent's dial or skip.
Offer = Union[CampaignPreview, FollowupPreview]
