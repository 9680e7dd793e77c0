"""Roles (lists of privileges) and profiles (the campaigns a user sees), and what a user
may do and see (`reach_of`). Changes made for a signed-in user check
dialer.core.privileges, as `auth.py` describes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .audit import audited
from ..core import privileges as rules
from ..core.privileges import PRIVILEGES
from .models import Account, Campaign, Profile, ProfileCampaign, Role, User
from .rows import tuples
from .validation import ConflictError, FieldError, boolean, refuse, reject_unknown, text, transaction

if TYPE_CHECKING:
    from .auth import Identity

BUILTIN_ROLES = {
    "admin": list(PRIVILEGES),
    "supervisor": ["manage_campaigns", "manage_users", "manage_inbound", "take_calls"],
    "campaign manager": ["manage_campaigns"],
    "agent": ["take_calls"],
}


def _builtin(name: str) -> Role:
    """A built-in role, created on first use."""
    role = Role.get_or_none(Role.name == name, Role.account.is_null())
    return role or Role.create(name=name, privileges=BUILTIN_ROLES[name])


def role_named(account_id: int, name: str) -> Role:
    """The role a user of the account may be given: a built-in one, or one of the account's."""
    role = Role.select().where((Role.name == name) & (Role.account.is_null()
                                                     | (Role.account == account_id))).first()
    if role is None and name in BUILTIN_ROLES:
        role = _builtin(name)
    if role is None:
        raise FieldError("role", f"no role named {name!r} in this account")
    return role


def _privileges(value: Any) -> list[str]:
    if not isinstance(value, list) or any(p not in PRIVILEGES for p in value):
        raise FieldError("privileges", f"a list of: {', '.join(PRIVILEGES)}")
    return sorted(set(value))


@transaction
@audited("role", target=None)
def create_role(account_id: int, name: Any, privileges: Any, *,
                by: Identity | None = None) -> dict:
    """A role of the account, with privileges its creator holds."""
    account = Account.get_by_id(account_id)
    name, privileges = text("name", name, max_length=64), _privileges(privileges)
    if by is not None:
        refuse(rules.role_grant(by.actor.reach, frozenset(privileges)))
    if name in BUILTIN_ROLES or Role.select().where(
            (Role.name == name) & (Role.account.is_null() | (Role.account == account.id))
    ).exists():
        raise ConflictError("name", f"a role named {name!r} exists")
    return role_dict(Role.create(account=account, name=name, privileges=privileges))


def _own_role(role_id: int) -> Role:
    role = Role.get_by_id(role_id)
    if role.account_id is None:
        raise ConflictError("built_in", f"{role.name!r} is a built-in role: it cannot change")
    return role


@transaction
@audited("role")
def update_role(role_id: int, by: Identity | None = None, /, **values: Any) -> dict:
    """Rename the account's role or change its privileges: `by` must hold every privilege
    the role holds, before and after."""
    reject_unknown(values, ("name", "privileges"))
    role = _own_role(role_id)
    if by is not None:  # a role beyond the caller's privileges is not theirs to change
        refuse(rules.role_grant(by.actor.reach, frozenset(role.privileges)))
    if "name" in values:
        name = text("name", values["name"], max_length=64)
        if name in BUILTIN_ROLES or Role.select().where(
                (Role.name == name) & (Role.id != role.id)
                & (Role.account.is_null() | (Role.account == role.account_id))).exists():
            raise ConflictError("name", f"a role named {name!r} exists")
        role.name = name
    if "privileges" in values:
        role.privileges = _privileges(values["privileges"])
        if by is not None:
            refuse(rules.role_grant(by.actor.reach, frozenset(role.privileges)))
    role.save()
    return role_dict(role)


@transaction
@audited("role")
def delete_role(role_id: int) -> dict:
    """Delete the account's role while no user holds it."""
    role = _own_role(role_id)
    holders = User.select().where(User.role == role.id).count()
    if holders:
        raise ConflictError("id", f"{holders} user(s) hold the role: give them another first")
    role.delete_instance()
    return {"id": role_id, "deleted": True}


def list_roles(by: Identity | None = None) -> list[dict]:
    """The built-in roles, then those of the caller's account (every account's for
    manage_system or the trusted caller)."""
    for name in BUILTIN_ROLES:
        _builtin(name)
    query = Role.select().order_by(Role.id)
    if by is not None and "manage_system" not in by.privileges:
        query = query.where(Role.account.is_null() | (Role.account == by.account_id))
    return [role_dict(r) for r in query]


def get_role(role_id: int) -> dict:
    return role_dict(Role.get_by_id(role_id))


def role_dict(role: Role) -> dict:
    return {"id": role.id, "name": role.name, "privileges": role.privileges,
            "account_id": role.account_id, "built_in": role.account_id is None}


@transaction
@audited("profile", target=None)
def create_profile(account_id: int, name: Any, all_campaigns: Any = False,
                   campaign_ids: Any = (), *, by: Identity | None = None) -> dict:
    """A profile of the account, showing no campaign its creator does not see."""
    account = Account.get_by_id(account_id)
    profile = Profile.create(account=account, name=text("name", name),
                             all_campaigns=boolean("all_campaigns", all_campaigns))
    _set_profile_campaigns(profile, campaign_ids)
    if by is not None:
        refuse(rules.profile_change(by.actor.reach, None, shown_campaigns(profile), is_new=True))
    return profile_dict(profile)


@transaction
@audited("profile")
def update_profile(profile_id: int, by: Identity | None = None, /, **values: Any) -> dict:
    reject_unknown(values, ("name", "all_campaigns", "campaign_ids"))
    profile = Profile.get_by_id(profile_id)
    before = shown_campaigns(profile)
    if "name" in values:
        profile.name = text("name", values["name"])
    if "all_campaigns" in values:
        profile.all_campaigns = boolean("all_campaigns", values["all_campaigns"])
    profile.save()
    if "campaign_ids" in values:
        _set_profile_campaigns(profile, values["campaign_ids"])
    if by is not None:  # refused: the transaction rolls the changes back
        holders = tuple(reach_of(u) for u in User.select().where(User.profile == profile.id))
        refuse(rules.profile_change(by.actor.reach, before, shown_campaigns(profile), is_new=False,
                                     holders=holders))
    return profile_dict(profile)


def shown_campaigns(profile: Profile | None) -> frozenset[int] | None:
    """The campaigns a profile shows (None: all of the account's; no profile, too)."""
    if profile is None or profile.all_campaigns:
        return None
    return frozenset(c for (c,) in tuples(ProfileCampaign.select(ProfileCampaign.campaign)
                     .where(ProfileCampaign.profile == profile.id)))


def _set_profile_campaigns(profile: Profile, campaign_ids: Any) -> None:
    if not isinstance(campaign_ids, (list, tuple)) or not all(
            isinstance(c, int) for c in campaign_ids):
        raise FieldError("campaign_ids", "must be a list of campaign ids")
    owned = {c for (c,) in tuples(Campaign.select(Campaign.id).where(
        (Campaign.account == profile.account_id) & Campaign.id.in_(list(campaign_ids))))}
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


def get_profile(profile_id: int) -> dict:
    return profile_dict(Profile.get_by_id(profile_id))


def list_profiles(account_id: int) -> list[dict]:
    return [profile_dict(p) for p in
            Profile.select().where(Profile.account == account_id).order_by(Profile.id)]


def reach_of(user: User) -> rules.Reach:
    """What the user (as it stands in memory, saved or not) may do and see."""
    role = Role.get_or_none(Role.id == user.role_id) if user.role_id else None
    profile = Profile.get_or_none(Profile.id == user.profile_id) if user.profile_id else None
    return rules.Reach(user.account_id, frozenset(role.privileges if role else ()),
                       shown_campaigns(profile))
