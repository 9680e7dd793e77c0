"""Typed records of the outbound feature."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from ..compliance.calling import CallingPolicy, PastCall
from ..compliance.consent import ConsentAnnouncement
from .pacing import ServiceLevelTarget
from .eligibility import NO_POLICY, CampaignRules, ContactState, PlanRules, Verdict, check
from .rules import RuleSpec


class AmdDetector(StrEnum):
    """Who tells a person from a machine on a campaign's calls."""
    APP_AMD = "app_amd"        # the dialplan's AMD() (asterisk-conf/extensions_dialer.conf)
    CLASSIFIER = "classifier"  # dialer/amd over the snooped audio; AMD() if no audio comes


class ScreeningAction(StrEnum):
    """What the dialer does with a call-screening assistant (the classifier's verdict)."""
    ANNOUNCE = "announce"  # say the campaign's name-and-reason prompt, then as a person's call
    HANGUP = "hangup"


@dataclass(frozen=True)
class DialingSettings:
    """What placing, connecting and closing a call needs of its campaign, read in one
    transaction. A campaign's are `CampaignSettings` (outbound/store.py
    `campaign_settings`); an agent's own call (a followup outside any campaign, a manual
    dial) gets its account's plain settings (`account_call_settings`): no id, no AMD, no
    rules."""

    id: int | None
    name: str
    account_id: int
    agent_group_id: int | None
    bcw_seconds: int
    record: bool
    amd_enabled: bool
    machine_action: str
    # messages as ARI media, resolved by the store from the campaign's prompt references
    # (dialer.prompts.model.media); None: the shipped sound
    machine_message: str | None
    safe_harbour_message: str | None
    ring_timeout_seconds: int
    max_attempts: int
    caller_ids: tuple[str, ...]
    rules: tuple[RuleSpec, ...]
    plan: PlanRules
    amd_arguments: str = ""  # DIALER_AMD ("": the shipped defaults)
    # a recorded call's consent announcement (compliance/consent.py) and its media
    consent_announcement: ConsentAnnouncement = ConsentAnnouncement.ALWAYS
    consent_prompt: str | None = None
    amd_detector: AmdDetector = AmdDetector.CLASSIFIER
    amd_machine_threshold: float | None = None  # the classifier's (None: the shipped one)
    amd_words: bool = True  # the classifier listens for its (US English) phrases too
    amd_person_after_silence: float | None = None  # the classifier's cap: silent this long, a person
    screening_action: ScreeningAction = ScreeningAction.HANGUP
    screening_message: str | None = None  # media, as machine_message


@dataclass(frozen=True, kw_only=True)
class CampaignSettings(DialingSettings):
    """A campaign's settings: its calls', plus what only the runner reads to pace, claim
    and check them."""

    id: int
    status: str
    mode: str
    schedule: CampaignRules
    inbound_priority: int = 0
    abandon_target: float = 0.0
    abandon_window: dt.timedelta = dt.timedelta(0)
    max_lines_per_agent: float = 0.0
    inbound_target: ServiceLevelTarget = ServiceLevelTarget()  # blended: what inbound callers are owed
    policy: CallingPolicy = NO_POLICY  # the account's calendar and caps, the purpose


@dataclass(frozen=True)
class Claim:
    """A due contact this node claimed for dialling (outbound/store.py `claim_due`), with
    what eligibility needs."""

    cc_id: int
    contact_id: int
    prefix: str                # prepended to the number (an add_prefix rule)
    state: ContactState
    history: tuple[PastCall, ...] = ()  # the account's calls to the number, last 7 days

    @property
    def phone(self) -> str:
        """The number to dial."""
        return self.prefix + self.state.phone


@dataclass(frozen=True)
class RulesCheck:
    """What `start_attempt` checks again when it writes the attempt, under the account's
    lock, with the number's calls read there (outbound/store.py)."""

    state: ContactState
    schedule: CampaignRules
    plan: PlanRules
    policy: CallingPolicy

    @staticmethod
    def of(campaign: DialingSettings, claim: Claim) -> RulesCheck | None:
        if not isinstance(campaign, CampaignSettings):
            return None
        return RulesCheck(claim.state, campaign.schedule, campaign.plan, campaign.policy)

    def verdict(self, history: tuple[PastCall, ...], now: dt.datetime) -> Verdict:
        return check(self.state, self.schedule, self.plan, now=now, attempts_last_hour=0,
                     policy=self.policy, history=history)


@dataclass(frozen=True)
class AgentCall:
    """A call an agent placed outside the runner's pacing: a followup it launched
    (`followup_id`) or a number it typed. No campaign contact moves on when it ends."""

    agent_id: int
    phone: str
    followup_id: int | None = None


@dataclass(frozen=True)
class OpenAttempt:
    """An attempt this node started and never closed (outbound/store.py `open_attempts`)."""

    id: int
    channel_id: str
    campaign_id: int | None
    phone: str
    answered_at: dt.datetime | None
    recording_name: str | None
    bridged_at: dt.datetime | None
