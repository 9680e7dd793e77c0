"""Campaigns, their scripts, caller IDs, rules and profile links."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from ..fields import E164Field, EnumField, JSONField, UTCDateTimeField, utcnow
from .base import CASCADE, BaseModel
from .accounts import Account, Profile
from .agents import AgentGroup

if TYPE_CHECKING:
    from .contacts import CampaignContact
    from .suppression import CampaignSuppression


class Script(BaseModel):
    """The form an agent fills in during a call (checked by dialer.core.scripts).

    `definition` is a list of items; `dispositions` the agent results an agent may pick
    (empty: any result), which the campaign's rules match on (`agent_results`).
    """

    account = pw.ForeignKeyField(Account, backref="scripts")
    account_id: int
    name = pw.CharField()
    definition = JSONField(default=list)
    dispositions = JSONField(default=list)


class Campaign(BaseModel):
    # backrefs, declared for the type checker
    caller_ids: pw.ModelSelect[CallerIdNumber]
    rules: pw.ModelSelect[Rule]
    suppressions: pw.ModelSelect[CampaignSuppression]
    contacts: pw.ModelSelect[CampaignContact]

    account = pw.ForeignKeyField(Account, backref="campaigns")
    account_id: int
    name = pw.CharField()
    mode = EnumField(("preview", "progressive", "predictive"), default="progressive")
    status = EnumField(("draft", "running", "suspended", "terminated", "archived"),
                       default="draft")
    agent_group = pw.ForeignKeyField(AgentGroup, null=True, backref="campaigns")
    agent_group_id: int | None
    script = pw.ForeignKeyField(Script, null=True, backref="campaigns")
    script_id: int | None
    bcw_seconds = pw.IntegerField(default=0)  # pause between an agent's calls
    record = pw.BooleanField(default=False)
    inbound_priority = pw.IntegerField(default=0)
    start_date = pw.DateField(null=True)
    end_date = pw.DateField(null=True)
    daily_start = pw.TimeField(null=True)
    daily_stop = pw.TimeField(null=True)
    timezone = pw.CharField(max_length=64, null=True)  # NULL: each callee's own zone
    amd_enabled = pw.BooleanField(default=False)
    machine_action = EnumField(("hangup", "message", "pass_through"), default="hangup")
    machine_message = pw.CharField(null=True)  # prompt name played when action is "message"
    # Played to a person no agent could take within 2 s (identify the caller, give a number).
    safe_harbour_message = pw.CharField(default="tt-allbusy")  # a prompt name
    # When a recorded call's callee hears that it is recorded (dialer/compliance/consent.py),
    # and the prompt name that says so (NULL: the shipped one)
    consent_announcement = EnumField(("always", "where required", "never"), default="always")
    consent_prompt = pw.CharField(null=True)
    max_attempts = pw.IntegerField(default=3)
    # which due contacts are dialled first (queries.claim_contacts): never dialled, or
    # retries whose time has come
    dial_first = EnumField(("fresh", "retries"), default="fresh")
    ring_timeout_seconds = pw.IntegerField(default=30)
    created_at = UTCDateTimeField(default=utcnow)
    # predictive pacing (outbound.pacing): abandoned humans over a rolling window, at most
    # this percent of humans answered; "24h" is the UK option, else 30 days
    abandon_target_percent = pw.FloatField(default=3.0)
    abandon_window = EnumField(("30d", "24h"), default="30d")
    # an operator cap on calls in flight per agent logged in; 0: none, the learned rates decide
    max_lines_per_agent = pw.FloatField(default=0.0)
    # blended: the inbound callers who want the campaign's agents, this percent of them
    # taken by an agent within these seconds (outbound.pacing holds agents back for it)
    inbound_service_percent = pw.FloatField(default=80.0)
    inbound_service_seconds = pw.IntegerField(default=20)
    # AMD() settings (outbound.amd.PARAMS, ms but the word count and the threshold); NULL: the
    # tuned default of the shipped [dialer-amd] context
    amd_initial_silence = pw.IntegerField(null=True)
    amd_greeting = pw.IntegerField(null=True)
    amd_after_greeting_silence = pw.IntegerField(null=True)
    amd_total_analysis_time = pw.IntegerField(null=True)
    amd_min_word_length = pw.IntegerField(null=True)
    amd_between_words_silence = pw.IntegerField(null=True)
    amd_maximum_number_of_words = pw.IntegerField(null=True)
    amd_silence_threshold = pw.IntegerField(null=True)
    amd_maximum_word_length = pw.IntegerField(null=True)
    # who decides human, machine or call-screening assistant (dialer/amd: the classifier
    # over the callee's audio, app_amd as its fallback); the classifier's machine threshold
    # (NULL: the shipped one) and whether it listens for its US English phrases (dialer/amd/
    # words.py; off where callees answer in another language); a screening assistant hears
    # `screening_message` (a prompt: the caller's name and reason) and the call then goes on
    # as a person's, or is hung up
    amd_detector = EnumField(("app_amd", "classifier"), default="classifier")
    amd_machine_threshold = pw.FloatField(null=True)
    amd_words = pw.BooleanField(default=True)
    # at the classifier's cap, a callee silent this many s after speaking, no beep heard, is
    # a person (NULL: off; the model's verdict)
    amd_person_after_silence = pw.FloatField(null=True)
    screening_action = EnumField(("announce", "hangup"), default="hangup")
    screening_message = pw.CharField(null=True)
    # dialer.compliance.limits: False only by a system administrator, with the reason
    regulated = pw.BooleanField(default=True)
    unregulated_reason = pw.CharField(null=True)


class CallerIdNumber(BaseModel):
    campaign = pw.ForeignKeyField(Campaign, backref="caller_ids", on_delete=CASCADE)
    campaign_id: int
    number = E164Field()

    class Meta:
        indexes = ((("campaign", "number"), True),)


class ProfileCampaign(BaseModel):
    profile = pw.ForeignKeyField(Profile, backref="campaign_links", on_delete=CASCADE)
    profile_id: int
    campaign = pw.ForeignKeyField(Campaign, backref="profile_links", on_delete=CASCADE)
    campaign_id: int

    class Meta:
        indexes = ((("profile", "campaign"), True),)


class Rule(BaseModel):
    """What to do after an attempt whose outcome matches `condition` (see dialer.core)."""

    campaign = pw.ForeignKeyField(Campaign, backref="rules", on_delete=CASCADE)
    campaign_id: int
    position = pw.IntegerField(default=0)
    condition = JSONField(default=dict)
    action = pw.CharField(max_length=32)  # call_again, delete_contact, add_prefix, ...
    params = JSONField(default=dict)
