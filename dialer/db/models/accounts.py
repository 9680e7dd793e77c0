"""Accounts, their service plans, users, roles, profiles and sign-in tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from ..fields import E164Field, EnumField, JSONField, UTCDateTimeField, utcnow
from .base import CASCADE, BaseModel

if TYPE_CHECKING:
    from .campaigns import ProfileCampaign


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
    plan_id: int | None
    voicemail_enabled = pw.BooleanField(default=False)
    voicemail_greeting = pw.CharField(null=True)  # Asterisk recording/sound name
    voicemail_email = pw.CharField(null=True)  # where to notify new messages
    business_start = pw.TimeField(null=True)  # business hours, in the account's zone,
    business_stop = pw.TimeField(null=True)   # Monday to Friday (delayed action calls)
    created_at = UTCDateTimeField(default=utcnow)


class Role(BaseModel):
    """Built-in (account NULL, read-only) or made by an account for its own users."""

    account = pw.ForeignKeyField(Account, null=True, backref="roles", on_delete=CASCADE)
    account_id: int | None
    name = pw.CharField()
    privileges = JSONField(default=list)  # e.g. ["manage_campaigns", "listen_calls"]

    class Meta:
        indexes = ((("account", "name"), True),)


class Profile(BaseModel):
    """Which campaigns a user may see: all of them, or those linked by ProfileCampaign."""

    campaign_links: pw.ModelSelect[ProfileCampaign]  # backref, declared for the type checker
    account = pw.ForeignKeyField(Account, backref="profiles")
    account_id: int
    name = pw.CharField()
    all_campaigns = pw.BooleanField(default=False)

    class Meta:
        indexes = ((("account", "name"), True),)


class User(BaseModel):
    account = pw.ForeignKeyField(Account, backref="users")
    account_id: int
    username = pw.CharField(unique=True)
    password_hash = pw.CharField()
    full_name = pw.CharField(default="")
    email = pw.CharField(null=True)
    phone = pw.CharField(null=True)
    endpoint = pw.CharField(null=True)  # e.g. "PJSIP/alice"
    timezone = pw.CharField(max_length=64, null=True)
    active = pw.BooleanField(default=True)
    role = pw.ForeignKeyField(Role, null=True, backref="users")
    role_id: int | None
    profile = pw.ForeignKeyField(Profile, null=True, backref="users")
    profile_id: int | None
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "users"


class AuthToken(BaseModel):
    """A signed-in browser session or an API token. Only a hash of the secret is kept."""

    user = pw.ForeignKeyField(User, backref="tokens", on_delete=CASCADE)
    user_id: int
    kind = EnumField(("session", "api"))
    token_hash = pw.CharField(unique=True)
    csrf = pw.CharField(null=True)  # sessions: sent back on every change (X-CSRF-Token)
    name = pw.CharField(default="")
    created_at = UTCDateTimeField(default=utcnow)
    expires_at = UTCDateTimeField(null=True)
    last_used_at = UTCDateTimeField(null=True)  # API tokens, to the nearest few minutes
