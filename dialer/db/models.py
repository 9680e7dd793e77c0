"""Peewee models of the dialer.

Conventions (keep them when adding models, and add a migration: see `migrate.py`):

- Every model binds to `database_proxy`; `database.open_database()` initialises it.
  No database is configured at import time.
- Datetimes are **naive UTC** everywhere (`UTCDateTimeField`, `utcnow()`); aware values
  are converted on write. Local wall-clock settings (calling windows) are `TimeField`s
  read in the zone named by a sibling `timezone` column (IANA name, e.g. "Europe/Paris").
- JSON columns are TEXT (`JSONField`), identical on SQLite and PostgreSQL.
- Enumerated strings are `EnumField`s: checked in Python, so a new value needs no migration.
- Phone numbers that must be dialable are `E164Field`s, validated on `save()`.
- Table names are snake_case; `User` lives in "users" because "user" is reserved in PostgreSQL.
- Child rows that mean nothing without their parent (phones, memberships, through tables)
  are deleted with it (ON DELETE CASCADE); history (attempts, voicemails, followups) is not.
"""

from __future__ import annotations

import peewee as pw

from .fields import E164Field, EnumField, JSONField, UTCDateTimeField, utcnow

database_proxy = pw.DatabaseProxy()

CASCADE = "CASCADE"


class BaseModel(pw.Model):
    class Meta:
        database = database_proxy
        # snake_case table names. Not via `legacy_table_names = False`: that also renames
        # indexes, and peewee-migrate's models (always legacy) would then disagree.
        table_function = staticmethod(lambda model: pw.make_snake_case(model.__name__))

    def save(self, *args, **kwargs):
        for field in self._meta.sorted_fields:
            validate = getattr(field, "validate", None)
            if validate is not None:
                validate(getattr(self, field.name))
        return super().save(*args, **kwargs)


# --- accounts, plans, users ------------------------------------------------------------


class ServicePlan(BaseModel):
    """What an account may do. Limits that are NULL are unlimited."""

    name = pw.CharField(unique=True)
    enabled = pw.BooleanField(default=True)
    window_start = pw.TimeField(null=True)  # callee-local time of day
    window_stop = pw.TimeField(null=True)
    all_day = pw.BooleanField(default=False)  # 24-hour plan: window ignored
    max_attempts_per_hour = pw.IntegerField(null=True)
    max_unarchived_campaigns = pw.IntegerField(null=True)
    max_agent_groups = pw.IntegerField(null=True)
    max_schedule_groups = pw.IntegerField(null=True)
    max_live_agents_per_group = pw.IntegerField(null=True)
    international_allowed = pw.BooleanField(default=False)
    enhanced_agent_groups = pw.BooleanField(default=False)
    training = pw.BooleanField(default=False)


class Account(BaseModel):
    name = pw.CharField()
    company_number = E164Field(null=True)
    phone = pw.CharField(null=True)
    timezone = pw.CharField(max_length=64, default="UTC")
    plan = pw.ForeignKeyField(ServicePlan, null=True, backref="accounts")
    voicemail_enabled = pw.BooleanField(default=False)
    voicemail_greeting = pw.CharField(null=True)  # Asterisk recording/sound name
    voicemail_email = pw.CharField(null=True)  # where to notify new messages
    business_start = pw.TimeField(null=True)  # business hours, in the account's zone,
    business_stop = pw.TimeField(null=True)   # Monday to Friday (delayed action calls)
    created_at = UTCDateTimeField(default=utcnow)


class Role(BaseModel):
    """Built-in (account NULL, read-only) or made by an account for its own users."""

    account = pw.ForeignKeyField(Account, null=True, backref="roles", on_delete=CASCADE)
    name = pw.CharField()
    privileges = JSONField(default=list)  # e.g. ["manage_campaigns", "listen_calls"]

    class Meta:
        indexes = ((("account", "name"), True),)


class Profile(BaseModel):
    """Which campaigns a user may see: all of them, or those linked by ProfileCampaign."""

    account = pw.ForeignKeyField(Account, backref="profiles")
    name = pw.CharField()
    all_campaigns = pw.BooleanField(default=False)

    class Meta:
        indexes = ((("account", "name"), True),)


class User(BaseModel):
    account = pw.ForeignKeyField(Account, backref="users")
    username = pw.CharField(unique=True)
    password_hash = pw.CharField()
    full_name = pw.CharField(default="")
    email = pw.CharField(null=True)
    phone = pw.CharField(null=True)
    endpoint = pw.CharField(null=True)  # e.g. "PJSIP/alice"
    timezone = pw.CharField(max_length=64, null=True)
    active = pw.BooleanField(default=True)
    role = pw.ForeignKeyField(Role, null=True, backref="users")
    profile = pw.ForeignKeyField(Profile, null=True, backref="users")
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "users"


class AuthToken(BaseModel):
    """A signed-in browser session or an API token. Only a hash of the secret is kept."""

    user = pw.ForeignKeyField(User, backref="tokens", on_delete=CASCADE)
    kind = EnumField(("session", "api"))
    token_hash = pw.CharField(unique=True)
    csrf = pw.CharField(null=True)  # sessions: sent back on every change (X-CSRF-Token)
    name = pw.CharField(default="")
    created_at = UTCDateTimeField(default=utcnow)
    expires_at = UTCDateTimeField(null=True)
    last_used_at = UTCDateTimeField(null=True)  # API tokens, to the nearest few minutes


# --- agents ---------------------------------------------------------------------------


class AgentGroup(BaseModel):
    account = pw.ForeignKeyField(Account, backref="agent_groups")
    name = pw.CharField()
    manual_dial_allowed = pw.BooleanField(default=False)
    followups_allowed = pw.BooleanField(default=True)
    wrap_up_seconds = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("account", "name"), True),)


class Agent(BaseModel):
    """The dialing side of a user: one per user."""

    user = pw.ForeignKeyField(User, unique=True, backref="agents", on_delete=CASCADE)
    endpoint = pw.CharField()  # e.g. "PJSIP/agent1"
    state = EnumField(("logged_out", "logging_in", "available", "preview", "dialling", "on_call",
                       "wrap_up", "not_ready", "phone_lost"), default="logged_out")
    state_since = UTCDateTimeField(default=utcnow)


class AgentGroupMember(BaseModel):
    group = pw.ForeignKeyField(AgentGroup, backref="members", on_delete=CASCADE)
    agent = pw.ForeignKeyField(Agent, backref="memberships", on_delete=CASCADE)

    class Meta:
        indexes = ((("group", "agent"), True),)


# --- campaigns ------------------------------------------------------------------------


class Script(BaseModel):
    """The form an agent fills in during a call (checked by dialer.core.scripts).

    `definition` is a list of items; `dispositions` the agent results an agent may pick
    (empty: any result), which the campaign's rules match on (`agent_results`).
    """

    account = pw.ForeignKeyField(Account, backref="scripts")
    name = pw.CharField()
    definition = JSONField(default=list)
    dispositions = JSONField(default=list)


class Campaign(BaseModel):
    account = pw.ForeignKeyField(Account, backref="campaigns")
    name = pw.CharField()
    mode = EnumField(("preview", "progressive", "predictive"), default="progressive")
    status = EnumField(("draft", "running", "suspended", "terminated", "archived"),
                       default="draft")
    agent_group = pw.ForeignKeyField(AgentGroup, null=True, backref="campaigns")
    script = pw.ForeignKeyField(Script, null=True, backref="campaigns")
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
    max_attempts = pw.IntegerField(default=3)
    ring_timeout_seconds = pw.IntegerField(default=30)
    created_at = UTCDateTimeField(default=utcnow)
    # predictive pacing (outbound.pacing): abandoned humans over a rolling window, at most
    # this percent of humans answered; "24h" is the UK option, else 30 days
    abandon_target_percent = pw.FloatField(default=3.0)
    abandon_window = EnumField(("30d", "24h"), default="30d")
    max_lines_per_agent = pw.FloatField(default=3.0)  # calls in flight per agent logged in
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


class CallerIdNumber(BaseModel):
    campaign = pw.ForeignKeyField(Campaign, backref="caller_ids", on_delete=CASCADE)
    number = E164Field()

    class Meta:
        indexes = ((("campaign", "number"), True),)


class ProfileCampaign(BaseModel):
    profile = pw.ForeignKeyField(Profile, backref="campaign_links", on_delete=CASCADE)
    campaign = pw.ForeignKeyField(Campaign, backref="profile_links", on_delete=CASCADE)

    class Meta:
        indexes = ((("profile", "campaign"), True),)


class Rule(BaseModel):
    """What to do after an attempt whose outcome matches `condition` (see dialer.core)."""

    campaign = pw.ForeignKeyField(Campaign, backref="rules", on_delete=CASCADE)
    position = pw.IntegerField(default=0)
    condition = JSONField(default=dict)
    action = pw.CharField(max_length=32)  # call_again, delete_contact, add_prefix, ...
    params = JSONField(default=dict)


# --- contacts -------------------------------------------------------------------------


class ContactList(BaseModel):
    account = pw.ForeignKeyField(Account, backref="contact_lists")
    name = pw.CharField()
    created_at = UTCDateTimeField(default=utcnow)


class Contact(BaseModel):
    # `contact_list`, not `list`: a field named `list` would shadow the builtin in the
    # class body (and `default=list` below it would silently break).
    account = pw.ForeignKeyField(Account, backref="contacts")
    contact_list = pw.ForeignKeyField(ContactList, null=True, backref="contacts",
                                      column_name="list_id")
    name = pw.CharField(default="")
    email = pw.CharField(null=True)
    timezone = pw.CharField(max_length=64, null=True)  # explicit IANA zone, else from phone
    client_id = pw.CharField(null=True)  # the customer's own key for this contact
    fields = JSONField(default=dict)
    assigned_user = pw.ForeignKeyField(User, null=True, backref="assigned_contacts")
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        # NULLs are distinct in unique indexes (SQLite and PostgreSQL): many contacts
        # may lack a client_id, but a given client_id exists once per account.
        indexes = ((("account", "client_id"), True),)


class ContactPhone(BaseModel):
    contact = pw.ForeignKeyField(Contact, backref="phones", on_delete=CASCADE)
    number = E164Field(index=True)  # indexed for inbound caller lookup
    kind = pw.CharField(max_length=16, default="main")  # mobile, home, work, ...
    position = pw.IntegerField(default=0)


class Filter(BaseModel):
    account = pw.ForeignKeyField(Account, backref="filters")
    name = pw.CharField()
    definition = JSONField(default=dict)


class CampaignContact(BaseModel):
    """A contact's progress in one campaign; the dialer's work queue.

    `claimed_by` is the node that took it (`queries.claim_contacts`), so a crashed node's
    in-progress rows can be found and released.
    """

    campaign = pw.ForeignKeyField(Campaign, backref="contacts", on_delete=CASCADE)
    contact = pw.ForeignKeyField(Contact, backref="campaigns", on_delete=CASCADE)
    state = EnumField(("waiting", "in_progress", "completed", "failed", "rescheduled",
                       "deleted"), default="waiting")
    attempts = pw.IntegerField(default=0)
    next_attempt_at = UTCDateTimeField(null=True)  # NULL: due now
    dial_prefix = pw.CharField(max_length=16, default="")  # set by an add_prefix rule
    last_reason = pw.CharField(null=True)  # why it is not being dialled, when it is not
    claimed_by = pw.CharField(null=True)
    claimed_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = (
            (("campaign", "contact"), True),
            (("campaign", "state", "next_attempt_at"), False),
        )


class Attempt(BaseModel):
    """One outbound call. `channel_id` is our own id given to ARI at originate."""

    campaign = pw.ForeignKeyField(Campaign, null=True, backref="attempts")  # null: a followup without one
    contact = pw.ForeignKeyField(Contact, backref="attempts")
    phone = pw.CharField(max_length=32)  # as dialled (a rule may have added a prefix)
    channel_id = pw.CharField(unique=True)
    caller_id = pw.CharField(null=True)
    started_at = UTCDateTimeField(default=utcnow)
    answered_at = UTCDateTimeField(null=True)
    bridged_at = UTCDateTimeField(null=True)  # with its agent (talk time: to ended_at)
    ended_at = UTCDateTimeField(null=True)
    # human, machine, busy, no_answer, failed, abandoned, congestion, ...: open-ended
    outcome = pw.CharField(max_length=32, null=True)
    amd_status = pw.CharField(max_length=32, null=True)  # AMDSTATUS
    amd_cause = pw.CharField(null=True)  # AMDCAUSE
    hangup_cause = pw.IntegerField(null=True)  # Q.850 cause code
    agent = pw.ForeignKeyField(Agent, null=True, backref="attempts")
    disposition = pw.CharField(null=True)
    disposition_at = UTCDateTimeField(null=True)
    recording_name = pw.CharField(null=True)
    script_answers = JSONField(null=True)  # {item id: answer}, checked against the script
    script_answers_at = UTCDateTimeField(null=True)
    node = pw.CharField(null=True)  # dialer node that placed the call

    class Meta:
        indexes = (
            (("campaign", "started_at", "outcome"), False),  # the chart: index-only scan
            (("campaign", "outcome", "started_at"), False),  # progress, abandonment window
            (("campaign", "id"), False),  # a campaign's attempts by id: keyset pages, report
        )


class Followup(BaseModel):
    """A callback an agent promised; only that agent is offered it, as a preview call.

    `scheduled_at` is the UTC start; `timezone` the zone it was entered in (for display).
    Statuses and expiry: dialer.followups.decisions. `status_reason` says why one ended without
    a call; `offered_at`/`launched_at`/`closed_at` time each step (the contact's timeline).
    """

    account = pw.ForeignKeyField(Account, backref="followups")
    agent = pw.ForeignKeyField(Agent, backref="followups")
    contact = pw.ForeignKeyField(Contact, backref="followups")
    campaign = pw.ForeignKeyField(Campaign, null=True, backref="followups")
    scheduled_at = UTCDateTimeField()
    timezone = pw.CharField(max_length=64)
    status = EnumField(("scheduled", "offered", "launched", "completed", "expired",
                        "cancelled", "incompatible_channel_type", "suppressed"),
                       default="scheduled")
    status_reason = pw.CharField(null=True)
    source = EnumField(("call", "wrap_up", "manual"), default="manual")  # where it was entered
    origin_attempt = pw.ForeignKeyField(Attempt, null=True, backref="followups_scheduled")
    attempt = pw.ForeignKeyField(Attempt, null=True, backref="followups")  # the call it became
    data = JSONField(default=dict)
    created_at = UTCDateTimeField(default=utcnow)
    offered_at = UTCDateTimeField(null=True)
    launched_at = UTCDateTimeField(null=True)
    closed_at = UTCDateTimeField(null=True)  # completed, expired, cancelled, ...

    class Meta:
        indexes = ((("status", "scheduled_at"), False),)


# --- suppression ----------------------------------------------------------------------


class SuppressionList(BaseModel):
    """Do-not-call list: `device` entries are E.164 numbers, `client_id` entries are keys."""

    account = pw.ForeignKeyField(Account, backref="suppression_lists")
    name = pw.CharField()
    kind = EnumField(("device", "client_id"))


class SuppressionEntry(BaseModel):
    suppression_list = pw.ForeignKeyField(SuppressionList, backref="entries",
                                          on_delete=CASCADE, column_name="list_id")
    value = pw.CharField()

    class Meta:
        indexes = ((("suppression_list", "value"), True),)


class CampaignSuppression(BaseModel):
    campaign = pw.ForeignKeyField(Campaign, backref="suppressions", on_delete=CASCADE)
    suppression_list = pw.ForeignKeyField(SuppressionList, backref="campaign_links",
                                          on_delete=CASCADE, column_name="list_id")

    class Meta:
        indexes = ((("campaign", "suppression_list"), True),)


class OnDemandStrategy(BaseModel):
    """How an account's followups are dialled: `passes` are dialing modes, in order.

    Followups are preview calls, so a first pass other than "preview" completes them as
    incompatible_channel_type. One per account, created on first use.
    """

    account = pw.ForeignKeyField(Account, unique=True, backref="on_demand_strategy",
                                 on_delete=CASCADE)
    passes = JSONField(default=lambda: ["preview"])


class StrategySuppression(BaseModel):
    strategy = pw.ForeignKeyField(OnDemandStrategy, backref="suppressions", on_delete=CASCADE)
    suppression_list = pw.ForeignKeyField(SuppressionList, backref="strategy_links",
                                          on_delete=CASCADE, column_name="list_id")

    class Meta:
        indexes = ((("strategy", "suppression_list"), True),)


# --- inbound --------------------------------------------------------------------------


class RingGroup(BaseModel):
    account = pw.ForeignKeyField(Account, backref="ring_groups")
    name = pw.CharField()
    strategy = EnumField(("default", "ordered", "simultaneous"), default="default")
    ring_seconds = pw.IntegerField(default=20)
    caller_id_mode = EnumField(("company", "caller"), default="company")
    pass_through = pw.BooleanField(default=False)
    forward_number = E164Field(null=True)
    route_to_assigned_user = pw.BooleanField(default=False)
    status_message = pw.BooleanField(default=False)


class RingGroupMember(BaseModel):
    ring_group = pw.ForeignKeyField(RingGroup, backref="members", on_delete=CASCADE)
    user = pw.ForeignKeyField(User, backref="ring_groups", on_delete=CASCADE)
    position = pw.IntegerField(default=0)
    active = pw.BooleanField(default=True)

    class Meta:
        indexes = ((("ring_group", "user"), True),)


class ActionCall(BaseModel):
    """An automated call of an action plan: ring the account's users (the ring group's
    options); the first to accept is connected to the contact. Delayed ones wait for
    business hours when the account has them."""

    account = pw.ForeignKeyField(Account, backref="action_calls")
    contact = pw.ForeignKeyField(Contact, backref="action_calls")
    due_at = UTCDateTimeField()
    status = EnumField(("scheduled", "ringing", "calling", "connected", "completed",
                        "no_user", "no_answer"), default="scheduled")
    attempt = pw.ForeignKeyField(Attempt, null=True, backref="action_calls")
    created_at = UTCDateTimeField(default=utcnow)
    node = pw.CharField(null=True)  # the dialer node that took it (rings, calls)


class Voicemail(BaseModel):
    account = pw.ForeignKeyField(Account, backref="voicemails")
    contact = pw.ForeignKeyField(Contact, null=True, backref="voicemails")
    caller = pw.CharField()  # caller ID as received
    recording_name = pw.CharField()
    created_at = UTCDateTimeField(default=utcnow)


# Every table, in dependency order (create in this order, drop in reverse).
MODELS: tuple[type[BaseModel], ...] = (
    ServicePlan, Account, Role, Profile, User, AuthToken,
    AgentGroup, Agent, AgentGroupMember,
    Script, Campaign, CallerIdNumber, ProfileCampaign, Rule,
    ContactList, Contact, ContactPhone, Filter, CampaignContact, Attempt, Followup,
    SuppressionList, SuppressionEntry, CampaignSuppression, OnDemandStrategy, StrategySuppression,
    RingGroup, RingGroupMember, ActionCall, Voicemail,
)
from ..compliance.models import DNC_MODELS  # noqa: E402 - they build on the models above
MODELS += DNC_MODELS
