"""Users, roles, profiles, and who is asking: password login, sessions and API tokens.

Passwords are hashed with Argon2id (argon2-cffi, its current default parameters; hashes
made with older parameters are upgraded at the next login). Session and API token secrets
are 256-bit random values; only their SHA-256 is stored, so a leaked database holds no
usable credential.

Privileges (a role holds a list of them):
- manage_system: service plans and accounts, every account's objects;
- manage_campaigns: campaigns, contacts, filters, rules, scripts, suppression lists;
- manage_users: users, roles, profiles, agents and agent groups of the account;
- manage_inbound: ring group, business hours, action-plan calls, voicemails;
- take_calls: the agent page (their own agent only).
A profile limits the campaigns a user sees: all of them, or a chosen list. A user without
a profile sees every campaign of their account.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import asterisk_fields
from .fields import to_naive_utc
from .models import Account, Agent, AuthToken, Campaign, Profile, ProfileCampaign, Role, User
from .validation import ConflictError, FieldError, boolean, reject_unknown, text, transaction

PRIVILEGES = ("manage_system", "manage_campaigns", "manage_users", "manage_inbound",
              "take_calls")
BUILTIN_ROLES = {
    "admin": list(PRIVILEGES),
    "supervisor": ["manage_campaigns", "manage_users", "manage_inbound", "take_calls"],
    "campaign manager": ["manage_campaigns"],
    "agent": ["take_calls"],
}
SESSION_LIFETIME = dt.timedelta(hours=12)
MIN_PASSWORD = 8
NO_PASSWORD = "!"  # matches no password: verify() fails on it

_hasher = PasswordHasher()
_NO_USER_HASH = _hasher.hash("no such user")  # same work for unknown users: no timing oracle


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Identity:
    """Who a request comes from."""

    user_id: int
    username: str
    account_id: int
    privileges: frozenset[str]
    campaigns: frozenset[int] | None  # None: every campaign of the account
    agent_id: int | None
    kind: str                         # session or api
    csrf: str | None = None

    def may(self, privilege: str) -> bool:
        return privilege in self.privileges or "manage_system" in self.privileges

    def sees_campaign(self, campaign_id: int) -> bool:
        return self.campaigns is None or campaign_id in self.campaigns


# ---- roles and profiles ---------------------------------------------------------------
def role_id(name: str) -> int:
    """The role's id; the built-in roles are created on first use."""
    role = Role.get_or_none(Role.name == name)
    if role is None:
        if name not in BUILTIN_ROLES:
            raise FieldError("role", f"no role named {name!r}")
        role = Role.create(name=name, privileges=BUILTIN_ROLES[name])
    return role.id


def _privileges(value: Any) -> list[str]:
    if not isinstance(value, list) or any(p not in PRIVILEGES for p in value):
        raise FieldError("privileges", f"a list of: {', '.join(PRIVILEGES)}")
    return sorted(set(value))


@transaction
def create_role(name: Any, privileges: Any) -> dict:
    name = text("name", name, max_length=64)
    if Role.select().where(Role.name == name).exists():
        raise ConflictError("name", f"a role named {name!r} exists")
    return role_dict(Role.create(name=name, privileges=_privileges(privileges)))


def list_roles() -> list[dict]:
    for name in BUILTIN_ROLES:
        role_id(name)
    return [role_dict(r) for r in Role.select().order_by(Role.id)]


def role_dict(role: Role) -> dict:
    return {"id": role.id, "name": role.name, "privileges": role.privileges}


@transaction
def create_profile(account_id: int, name: Any, all_campaigns: Any = False,
                   campaign_ids: Any = ()) -> dict:
    account = Account.get_by_id(account_id)
    profile = Profile.create(account=account, name=text("name", name),
                             all_campaigns=boolean("all_campaigns", all_campaigns))
    _set_profile_campaigns(profile, campaign_ids)
    return profile_dict(profile)


@transaction
def update_profile(profile_id: int, **values: Any) -> dict:
    reject_unknown(values, ("name", "all_campaigns", "campaign_ids"))
    profile = Profile.get_by_id(profile_id)
    if "name" in values:
        profile.name = text("name", values["name"])
    if "all_campaigns" in values:
        profile.all_campaigns = boolean("all_campaigns", values["all_campaigns"])
    profile.save()
    if "campaign_ids" in values:
        _set_profile_campaigns(profile, values["campaign_ids"])
    return profile_dict(profile)


def _set_profile_campaigns(profile: Profile, campaign_ids: Any) -> None:
    if not isinstance(campaign_ids, (list, tuple)) or not all(
            isinstance(c, int) for c in campaign_ids):
        raise FieldError("campaign_ids", "must be a list of campaign ids")
    owned = {c for (c,) in Campaign.select(Campaign.id).where(
        (Campaign.account == profile.account_id) & Campaign.id.in_(list(campaign_ids))).tuples()}
    for c in campaign_ids:
        if c not in owned:
            raise FieldError("campaign_ids", f"campaign {c} is not one of this account's")
    ProfileCampaign.delete().where(ProfileCampaign.profile == profile.id).execute()
    for c in sorted(owned):
        ProfileCampaign.create(profile=profile, campaign=c)


def profile_dict(profile: Profile) -> dict:
    return {"id": profile.id, "account_id": profile.account_id, "name": profile.name,
            "all_campaigns": profile.all_campaigns,
            "campaign_ids": sorted(link.campaign_id for link in profile.campaign_links)}


def list_profiles(account_id: int) -> list[dict]:
    return [profile_dict(p) for p in
            Profile.select().where(Profile.account == account_id).order_by(Profile.id)]


# ---- users ----------------------------------------------------------------------------
USER_FIELDS = ("username", "password", "full_name", "email", "phone", "endpoint", "timezone",
               "active", "role", "profile_id")


@dataclass(frozen=True)
class PasswordHash:
    """A password already hashed (off the database thread) for create_user/update_user."""

    value: str


def hash_password(value: Any) -> PasswordHash:
    """Argon2id: about 0.1 s of CPU. Callers on the event loop run it in a worker."""
    if not isinstance(value, str) or len(value) < MIN_PASSWORD:
        raise FieldError("password", f"at least {MIN_PASSWORD} characters")
    return PasswordHash(_hasher.hash(value))


def _password(value: Any) -> str:
    return value.value if isinstance(value, PasswordHash) else hash_password(value).value


def _apply_user(user: User, values: dict) -> None:
    for name, value in values.items():
        if name == "password":  # None: no sign-in until a password is set
            user.password_hash = NO_PASSWORD if value is None else _password(value)
        elif name == "username":
            user.username = text("username", value, max_length=64)
        elif name == "active":
            user.active = boolean("active", value)
        elif name == "role":
            user.role = None if value is None else role_id(text("role", value, max_length=64))
        elif name == "profile_id":
            if value is not None and not Profile.select().where(
                    (Profile.id == value) & (Profile.account == user.account_id)).exists():
                raise FieldError("profile_id", "no such profile in this account")
            user.profile = value
        elif name == "endpoint":
            user.endpoint = asterisk_fields.endpoint(name, value, nullable=True)
        elif name == "phone":
            user.phone = asterisk_fields.phone(name, value, user.account, nullable=True)
        else:
            setattr(user, name, text(name, value, nullable=True))


@transaction
def create_user(account_id: int, /, **values: Any) -> dict:
    reject_unknown(values, USER_FIELDS)
    if "username" not in values:
        raise FieldError("username", "required")
    if User.select().where(User.username == values["username"]).exists():
        raise ConflictError("username", f"{values['username']!r} is taken")
    user = User(account=Account.get_by_id(account_id), password_hash=NO_PASSWORD)
    _apply_user(user, values)
    user.save()
    return user_dict(user)


@transaction
def update_user(user_id: int, /, **values: Any) -> dict:
    reject_unknown(values, USER_FIELDS)
    user = User.get_by_id(user_id)
    if "username" in values and User.select().where(
            (User.username == values["username"]) & (User.id != user_id)).exists():
        raise ConflictError("username", f"{values['username']!r} is taken")
    _apply_user(user, values)
    user.save()
    if values.get("active") is False or "password" in values:  # signed out everywhere
        AuthToken.delete().where((AuthToken.user == user.id)
                                 & (AuthToken.kind == "session")).execute()
    return user_dict(user)


def user_dict(user: User) -> dict:
    agent = Agent.get_or_none(Agent.user == user.id)
    return {"id": user.id, "account_id": user.account_id, "username": user.username,
            "full_name": user.full_name, "email": user.email, "phone": user.phone,
            "endpoint": user.endpoint, "timezone": user.timezone, "active": user.active,
            "role": user.role.name if user.role_id else None, "profile_id": user.profile_id,
            "agent_id": agent.id if agent else None}


def list_users(account_id: int) -> list[dict]:
    return [user_dict(u) for u in User.select().where(User.account == account_id)
            .order_by(User.id)]


# ---- sign-in ---------------------------------------------------------------------------
# Sign-in is three steps so that the Argon2 check (about 0.1 s of CPU) never runs on a
# database thread: `stored_password` (a read), `check_password` (CPU only: the web app's
# password pool, dialer.web.signin), `open_session` (a write).
WRONG_CREDENTIALS = "wrong user name or password"


@dataclass(frozen=True)
class StoredPassword:
    user_id: int | None  # None: no active user of that name, or one without a password
    password_hash: str   # then a hash of nothing anyone types: the same work for everyone


@dataclass(frozen=True)
class PasswordCheck:
    ok: bool
    new_hash: str | None = None  # made with newer parameters: store it


def stored_password(username: Any) -> StoredPassword:
    user = User.get_or_none(User.username == str(username or ""))
    if user is None or not user.active or user.password_hash == NO_PASSWORD:
        return StoredPassword(None, _NO_USER_HASH)
    return StoredPassword(user.id, user.password_hash)


def check_password(stored: StoredPassword, password: Any) -> PasswordCheck:
    """One Argon2 verification, whoever the user (no timing oracle)."""
    try:
        _hasher.verify(stored.password_hash, str(password or ""))
    except (VerificationError, InvalidHashError):
        return PasswordCheck(False)
    if stored.user_id is None:
        return PasswordCheck(False)
    if _hasher.check_needs_rehash(stored.password_hash):
        return PasswordCheck(True, _hasher.hash(str(password)))
    return PasswordCheck(True)


@transaction
def open_session(user_id: int, now: dt.datetime, new_hash: str | None = None) -> dict:
    """A new browser session after a good password: {"token", "csrf", "user", "privileges"}."""
    user = User.get_or_none(User.id == user_id)
    if user is None or not user.active:  # deactivated while the password was checked
        raise FieldError("password", WRONG_CREDENTIALS)
    if new_hash is not None:
        user.password_hash = new_hash
        user.save()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    AuthToken.create(user=user, kind="session", token_hash=_digest(token), csrf=csrf,
                     created_at=now, expires_at=now + SESSION_LIFETIME)
    AuthToken.delete().where((AuthToken.kind == "session") & (AuthToken.expires_at < now)).execute()
    role = Role.get_or_none(Role.id == user.role_id) if user.role_id else None
    return {"token": token, "csrf": csrf, "user": user_dict(user),
            "privileges": sorted(role.privileges) if role else []}


@transaction
def create_api_token(user_id: int, name: str = "api") -> str:
    token = secrets.token_urlsafe(32)
    AuthToken.create(user=User.get_by_id(user_id), kind="api", token_hash=_digest(token),
                     name=name)
    return token


def logout(token: str) -> None:
    AuthToken.delete().where(AuthToken.token_hash == _digest(token)).execute()


def identify(token: str, kind: str, now: dt.datetime) -> Identity | None:
    """The identity behind a session cookie or API token, if valid now."""
    row = (AuthToken.select(AuthToken, User).join(User)
           .where((AuthToken.token_hash == _digest(token)) & (AuthToken.kind == kind))
           .first())
    if row is None or not row.user.active:
        return None
    if row.expires_at is not None and row.expires_at <= to_naive_utc(now):
        row.delete_instance()  # expired: gone for good, not merely refused
        return None
    user = row.user
    role = Role.get_or_none(Role.id == user.role_id) if user.role_id else None
    profile = Profile.get_or_none(Profile.id == user.profile_id) if user.profile_id else None
    campaigns = None
    if profile is not None and not profile.all_campaigns:
        campaigns = frozenset(link.campaign_id for link in profile.campaign_links)
    agent = Agent.get_or_none(Agent.user == user.id)
    return Identity(user.id, user.username, user.account_id,
                    frozenset(role.privileges if role else ()), campaigns,
                    agent.id if agent else None, kind, row.csrf)
