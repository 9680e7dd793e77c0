"""Users, and who is asking: password login, sessions and API tokens (roles and profiles:
`roles.py`).

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

Changes made on behalf of a signed-in user take their Identity as `by` (positional-only
where the other arguments come from a request body, so no body can set it) and follow
dialer.core.privileges: nobody gives a role, profile or token reaching beyond their own,
nor touches a user who reaches beyond them. `by=None` is the trusted caller (the CLI, the
demo, tests).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .audit import audited
from ..core import privileges as rules
from . import asterisk_fields
from .fields import to_naive_utc, utcnow
from .models import Account, Agent, AuthToken, Profile, Role, User
from .roles import reach_of, role_named
from .validation import (ConflictError, FieldError, boolean, integer, refuse, reject_unknown, text,
                         transaction)

SESSION_LIFETIME = dt.timedelta(hours=12)
API_TOKEN_DAYS, API_TOKEN_MAX_DAYS = 90, 365  # an API token's lifetime: default, longest
_LAST_USED_STEP = dt.timedelta(minutes=5)  # how often a token's last use is written
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
    token_id: int | None = None       # the API token (kind api), for the audit log

    def may(self, privilege: str) -> bool:
        return privilege in self.privileges or "manage_system" in self.privileges

    def sees_campaign(self, campaign_id: int) -> bool:
        return self.campaigns is None or campaign_id in self.campaigns

    @property
    def actor(self) -> rules.Actor:
        return rules.Actor(self.user_id, rules.Reach(self.account_id, self.privileges,
                                                     self.campaigns))


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
    """Set the fields on the (unsaved) user."""
    for name, value in values.items():
        if name == "password":  # None: no sign-in until a password is set
            user.password_hash = NO_PASSWORD if value is None else _password(value)
        elif name == "username":
            user.username = text("username", value, max_length=64)
        elif name == "active":
            user.active = boolean("active", value)
        elif name == "role":
            user.role = None if value is None else role_named(
                user.account_id, text("role", value, max_length=64))
        elif name == "profile_id":
            if value is not None and not Profile.select().where(
                    (Profile.id == integer("profile_id", value, minimum=1))
                    & (Profile.account == user.account_id)).exists():
                raise FieldError("profile_id", "no such profile in this account")
            user.profile = value
        elif name == "endpoint":
            user.endpoint = asterisk_fields.endpoint(name, value, nullable=True)
        elif name == "phone":
            user.phone = asterisk_fields.phone(name, value, user.account, nullable=True)
        else:
            setattr(user, name, text(name, value, nullable=True))


@transaction
@audited("user", target=None)
def create_user(account_id: int, by: Identity | None = None, /, **values: Any) -> dict:
    reject_unknown(values, USER_FIELDS)
    if "username" not in values:
        raise FieldError("username", "required")
    if User.select().where(User.username == values["username"]).exists():
        raise ConflictError("username", f"{values['username']!r} is taken")
    user = User(account=Account.get_by_id(account_id), password_hash=NO_PASSWORD)
    _apply_user(user, values)
    if by is not None:
        refuse(rules.user_change(by.actor, None, None, reach_of(user), frozenset(values)))
    user.save()
    return user_dict(user)


@transaction
@audited("user")
def update_user(user_id: int, by: Identity | None = None, /, **values: Any) -> dict:
    reject_unknown(values, USER_FIELDS)
    user = User.get_by_id(user_id)
    if "username" in values and User.select().where(
            (User.username == values["username"]) & (User.id != user_id)).exists():
        raise ConflictError("username", f"{values['username']!r} is taken")
    before = reach_of(user)
    _apply_user(user, values)
    if by is not None:
        refuse(rules.user_change(by.actor, user.id, before, reach_of(user),
                                  frozenset(values)))
    user.save()
    if values.get("active") is False or "password" in values:  # signed out everywhere
        AuthToken.delete().where((AuthToken.user == user.id)
                                 & (AuthToken.kind == "session")).execute()
    return user_dict(user)


def get_user(user_id: int) -> dict:
    return user_dict(User.get_by_id(user_id))


def user_dict(user: User) -> dict:
    agent = Agent.get_or_none(Agent.user == user.id)
    return {"id": user.id, "account_id": user.account_id, "username": user.username,
            "full_name": user.full_name, "email": user.email, "phone": user.phone,
            "endpoint": user.endpoint, "timezone": user.timezone, "active": user.active,
            "role": user.role.name if user.role else None, "profile_id": user.profile_id,
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


def _token_owner(by: Identity | None, user_id: int) -> User:
    """The user whose API tokens `by` wants to mint, list or revoke (403 if they may not)."""
    user = User.get_by_id(user_id)
    if by is not None:
        refuse(rules.token_action(by.actor, user.id, reach_of(user)))
    return user


@transaction
@audited("api_token", target=None)
def create_api_token(user_id: int, by: Identity | None = None, /, name: Any = "api",
                     expires_in_days: Any = API_TOKEN_DAYS,
                     now: dt.datetime | None = None) -> dict:
    """A new API token of the user: {"token" (shown once: only its hash is kept), "id",
    "name", "created_at", "expires_at"}; it lasts `expires_in_days` (at most
    API_TOKEN_MAX_DAYS) and acts with its user's privileges of the moment."""
    user = _token_owner(by, user_id)
    days = integer("expires_in_days", expires_in_days, minimum=1, maximum=API_TOKEN_MAX_DAYS)
    now = to_naive_utc(now or utcnow())
    token = secrets.token_urlsafe(32)
    row = AuthToken.create(user=user, kind="api", token_hash=_digest(token),
                           name=text("name", name, max_length=64), created_at=now,
                           expires_at=now + dt.timedelta(days=days))
    return {"token": token, **api_token_dict(row)}


def api_token_dict(row: AuthToken) -> dict:
    """An API token as listed: never its secret (nor its hash)."""
    return {"id": row.id, "name": row.name, "created_at": _iso(row.created_at),
            "expires_at": _iso(row.expires_at), "last_used_at": _iso(row.last_used_at)}


def _iso(value: dt.datetime | None) -> str | None:
    return value.replace(tzinfo=dt.timezone.utc).isoformat() if value else None


@transaction
def list_api_tokens(user_id: int, by: Identity | None = None, /) -> list[dict]:
    user = _token_owner(by, user_id)
    return [api_token_dict(t) for t in AuthToken.select().where(
        (AuthToken.user == user.id) & (AuthToken.kind == "api")).order_by(AuthToken.id)]


@transaction
@audited("api_token", target=lambda args, kwargs: args[1])
def revoke_api_token(user_id: int, token_id: int, by: Identity | None = None, /) -> dict:
    user = _token_owner(by, user_id)
    row = AuthToken.get_or_none((AuthToken.id == token_id) & (AuthToken.user == user.id)
                                & (AuthToken.kind == "api"))
    if row is None:
        raise FieldError("token_id", "no such API token of this user")
    row.delete_instance()
    return {"revoked": token_id}


def logout(token: str) -> None:
    """Ends a session, or revokes an API token."""
    AuthToken.delete().where(AuthToken.token_hash == _digest(token)).execute()


def identify(token: str, kind: str, now: dt.datetime) -> Identity | None:
    """The identity behind a session cookie or API token, if valid now."""
    row = (AuthToken.select(AuthToken, User).join(User)
           .where((AuthToken.token_hash == _digest(token)) & (AuthToken.kind == kind))
           .first())
    if row is None or not row.user.active:
        return None
    naive_now = to_naive_utc(now)
    if row.expires_at is not None and row.expires_at <= naive_now:
        row.delete_instance()  # expired: gone for good, not merely refused
        return None
    if kind == "api" and (row.last_used_at is None
                          or naive_now - row.last_used_at >= _LAST_USED_STEP):
        AuthToken.update(last_used_at=naive_now).where(AuthToken.id == row.id).execute()
    user = row.user
    reach = reach_of(user)
    agent = Agent.get_or_none(Agent.user == user.id)
    return Identity(user.id, user.username, user.account_id, reach.privileges,
                    reach.campaigns, agent.id if agent else None, kind, row.csrf,
                    row.id if kind == "api" else None)
