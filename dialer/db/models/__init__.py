"""The Peewee models, one module per area; import them from here (`dialer.db.models`).

The conventions every model keeps are in `base.py`.
"""

from .base import CASCADE, BaseModel, database_proxy
from .accounts import ServicePlan, Account, Role, Profile, User, AuthToken
from .agents import AgentGroup, PauseReason, Agent, AgentGroupMember
from .campaigns import Script, Campaign, CallerIdNumber, ProfileCampaign, Rule
from .contacts import ContactList, Contact, ContactPhone, Filter, CampaignContact
from .calls import Attempt, Followup
from .agent_log import AgentSessionEntry
from .suppression import SuppressionList, SuppressionEntry, CampaignSuppression, OnDemandStrategy, StrategySuppression
from .inbound import RingGroup, RingGroupMember, InboundCall, ActionCall, Voicemail
from .calling import AccountCallingPolicy, AccountClosedDay, CampaignCallingPolicy, AttemptCompliance
from .audit import AuditEntry
from .dnc import DncList, DncNumber, DncCampaignSetting, DncPrevented
from .transfers import TransferLeg
from .webhooks import WebhookEndpoint, WebhookDelivery, WebhookTry
from .prompts import Prompt
from .trunks import Trunk, TrunkAccount, TrunkLeg
from .callerids import CallerIdPool, PoolNumber

# Every table, in dependency order (create in this order, drop in reverse).
MODELS: tuple[type[BaseModel], ...] = (
    ServicePlan, Account, Role, Profile, User, AuthToken,
    AgentGroup, PauseReason, Agent, AgentGroupMember,
    Script, Campaign, CallerIdNumber, ProfileCampaign, Rule,
    ContactList, Contact, ContactPhone, Filter, CampaignContact, Attempt, Followup,
    AgentSessionEntry,
    SuppressionList, SuppressionEntry, CampaignSuppression, OnDemandStrategy, StrategySuppression,
    RingGroup, RingGroupMember, InboundCall, ActionCall, Voicemail,
    AccountCallingPolicy, AccountClosedDay, CampaignCallingPolicy, AttemptCompliance,
    AuditEntry,
    DncList, DncNumber, DncCampaignSetting, DncPrevented,
    TransferLeg,
    WebhookEndpoint, WebhookDelivery, WebhookTry,
    Prompt,
    Trunk, TrunkAccount, TrunkLeg,
    CallerIdPool, PoolNumber,
)

__all__ = [
    "CASCADE", "BaseModel", "database_proxy", "MODELS", "ServicePlan", "Account", "Role", "Profile", "User",
    "AuthToken", "AgentGroup", "PauseReason", "Agent", "AgentGroupMember", "Script", "Campaign", "CallerIdNumber",
    "ProfileCampaign", "Rule", "ContactList", "Contact", "ContactPhone", "Filter", "CampaignContact", "Attempt",
    "Followup", "SuppressionList", "SuppressionEntry", "CampaignSuppression", "OnDemandStrategy",
    "StrategySuppression", "RingGroup", "RingGroupMember", "InboundCall", "ActionCall", "Voicemail",
    "AccountCallingPolicy", "AccountClosedDay", "CampaignCallingPolicy", "AttemptCompliance",
    "AuditEntry",
    "DncList", "DncNumber", "DncCampaignSetting", "DncPrevented", "AgentSessionEntry",
    "TransferLeg", "WebhookEndpoint", "WebhookDelivery", "WebhookTry", "Prompt",
    "Trunk", "TrunkAccount", "TrunkLeg",
]
