"""Who may grant what and act on whom: the pure rules behind users, roles, profiles and
API tokens.

A user's reach is their account, their privileges (manage_system implies every other one
and spans accounts) and the campaigns their profile shows (None: all of the account's).
One reach covers another when it holds every privilege and sees every campaign of it.
An actor may only leave a user (created or changed, themselves included) with a reach
theirs covers, and may not touch a user whose reach theirs does not cover: so nothing an
actor does ends with anybody reaching more than the actor did.
"""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM = "manage_system"
USERS = "manage_users"
PRIVILEGES = (SYSTEM, "manage_campaigns", USERS, "manage_inbound", "take_calls")

# What users may change on themselves without manage_users (never role, profile, username,
# endpoint, or whether they are active).
SELF_SERVICE = frozenset({"full_name", "email", "phone", "timezone", "password"})


@dataclass(frozen=True)
class Reach:
    """What a user may do and see."""

    account_id: int
    privileges: frozenset[str]
    campaigns: frozenset[int] | None = None  # None: every campaign of the account

    @property
    def effective(self) -> frozenset[str]:
        return frozenset(PRIVILEGES) if SYSTEM in self.privileges else self.privileges


@dataclass(frozen=True)
class Actor:
    """The user asking for a change."""

    user_id: int
    reach: Reach


@dataclass(frozen=True)
class Refusal:
    """Why a change is refused: the field at fault and a message (an HTTP 403)."""

    field: str
    message: str


def holds(actor: Reach, privileges: frozenset[str]) -> bool:
    return privileges <= actor.effective


def sees_all(actor: Reach, campaigns: frozenset[int] | None) -> bool:
    """Does the actor see every campaign of this scope (None: all of the account's)?"""
    return actor.campaigns is None or (campaigns is not None and campaigns <= actor.campaigns)


def covers(actor: Reach, target: Reach) -> bool:
    """Does `actor` reach everything `target` reaches?"""
    if SYSTEM not in actor.privileges and actor.account_id != target.account_id:
        return False
    return holds(actor, target.effective) and sees_all(actor, target.campaigns)


def _needs_manage_users(actor: Actor) -> Refusal | None:
    if USERS in actor.reach.effective:
        return None
    return Refusal("privilege", "needs the manage_users privilege")


def user_change(actor: Actor, target_id: int | None, before: Reach | None, after: Reach,
                fields: frozenset[str]) -> Refusal | None:
    """May `actor` create (target_id None, before None) or change the user `target_id`,
    whose reach goes from `before` to `after`, by setting `fields`?"""
    own = target_id is not None and target_id == actor.user_id
    if own and fields <= SELF_SERVICE:
        return None
    refused = _needs_manage_users(actor)
    if refused:
        return refused
    if before is not None and not own and not covers(actor.reach, before):
        return Refusal("id", "this user holds a privilege or sees a campaign that you do not")
    if not covers(actor.reach, after):
        if not holds(actor.reach, after.effective):
            return Refusal("role", "you may only give roles whose privileges you hold")
        if after.account_id != actor.reach.account_id and SYSTEM not in actor.reach.privileges:
            return Refusal("account", "this belongs to another account")
        return Refusal("profile_id", "you may only give profiles within your own")
    return None


def token_action(actor: Actor, target_id: int, target: Reach) -> Refusal | None:
    """May `actor` mint, list or revoke API tokens of user `target_id`? Their own, always
    (a token acts with its user's privileges); another's, with manage_users over a user
    their reach covers."""
    if target_id == actor.user_id:
        return None
    refused = _needs_manage_users(actor)
    if refused:
        return refused
    if not covers(actor.reach, target):
        return Refusal("id", "this user holds a privilege or sees a campaign that you do not")
    return None


def role_grant(actor: Reach, privileges: frozenset[str]) -> Refusal | None:
    """May `actor` create a role with these privileges?"""
    if holds(actor, privileges):
        return None
    return Refusal("privileges", "you may only give privileges you hold: "
                   + ", ".join(sorted(privileges - actor.effective)) + " is not yours")


def profile_change(actor: Reach, before: frozenset[int] | None, after: frozenset[int] | None,
                   is_new: bool, holders: tuple[Reach, ...] = ()) -> Refusal | None:
    """May `actor` create a profile showing `after`, or change one from `before` to
    `after` (None: every campaign of the account) that `holders` have?"""
    if not is_new and not sees_all(actor, before):
        return Refusal("id", "this profile shows campaigns that yours does not")
    if not all(covers(actor, holder) for holder in holders):
        return Refusal("id", "a user of this profile holds a privilege that you do not")
    if not sees_all(actor, after):
        return Refusal("campaign_ids", "you may only show campaigns your profile shows")
    return None
