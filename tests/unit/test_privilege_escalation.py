"""Issue 14: no sequence of API calls lets a non-system user reach further than they did.

A hypothesis state machine signs in (API tokens) as a user without manage_system (a
supervisor, a supervisor narrowed to one campaign, or a user of an account-made role) and
makes random calls with their own token or any token they got since: create users with any
role and profile, change any user (themselves, the admin, another account's), mint and
revoke tokens, make roles and profiles, widen profiles. After every step, every token they
hold and every user they made must reach no privilege, account or campaign beyond what the
starting user reached, checked on the database directly, and probed through the API
(another account, a campaign outside the profile). Bounded and derandomized for CI.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import shutil
import tempfile
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from dialer.core.privileges import PRIVILEGES
from dialer.db import Store, auth, migrate, open_database, roles
from dialer.db.models import Account, AuthToken, Campaign, Profile, Role, ServicePlan, User
from dialer.web.app import create_app
from tests.web_dialer import FakeDialer

T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.timezone.utc)
STARTS = ("sup", "nsup", "custom")
ROLES = (*roles.BUILTIN_ROLES, "staff", "their root")  # "their root": another account's


@functools.cache
def seed() -> dict:
    """One seeded database (each example works on a copy of it), and its ids."""
    directory = Path(tempfile.mkdtemp(prefix="escalation-"))
    return {"dir": directory, **_seed(directory / "seed.db")}


def _seed(path: Path) -> dict:
    db = open_database(f"sqlite:///{path}")
    migrate(db)
    plan = ServicePlan.create(name="base")
    acme, other = (Account.create(name=n, plan=plan) for n in ("Acme", "Other"))
    spring, autumn = (Campaign.create(account=acme, name=n).id for n in ("spring", "autumn"))
    theirs = Campaign.create(account=other, name="theirs").id
    narrow = roles.create_profile(acme.id, "spring", False, [spring])["id"]
    wide = roles.create_profile(acme.id, "all", True, [])["id"]
    roles.create_role(acme.id, "staff", ["manage_users", "manage_campaigns"])
    roles.create_role(other.id, "their root", list(PRIVILEGES))
    users = {}
    for name, account, role, profile in (
            ("sup", acme, "supervisor", None), ("nsup", acme, "supervisor", narrow),
            ("custom", acme, "staff", narrow), ("root", acme, "admin", None),
            ("agent", acme, "agent", None), ("theirs", other, "supervisor", None)):
        users[name] = auth.create_user(account.id, username=name, role=role,
                                       profile_id=profile)["id"]
    tokens = {name: auth.create_api_token(users[name])["token"] for name in STARTS}
    db.close()
    return {"acme": acme.id, "other": other.id, "campaigns": [spring, autumn, theirs],
            "autumn": autumn, "profiles": [narrow, wide], "users": users, "tokens": tokens}


def _effective(privileges) -> frozenset[str]:
    return frozenset(PRIVILEGES) if "manage_system" in privileges else frozenset(privileges)


def _reach_row(user_id: int) -> tuple[int, frozenset[str], frozenset[int] | None]:
    """(account, privileges, campaigns or None) of a user, read from the tables."""
    user = User.get_by_id(user_id)
    role = Role.get_or_none(Role.id == user.role_id) if user.role_id else None
    profile = Profile.get_or_none(Profile.id == user.profile_id) if user.profile_id else None
    campaigns = None
    if profile is not None and not profile.all_campaigns:
        campaigns = frozenset(link.campaign_id for link in profile.campaign_links)
    return user.account_id, _effective(role.privileges if role else ()), campaigns


def _token_user(token: str) -> int | None:
    row = AuthToken.get_or_none(AuthToken.token_hash == auth._digest(token))
    return row.user_id if row is not None and row.user.active else None


class Escalation(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.seed = seed()
        self.dir = Path(tempfile.mkdtemp(dir=self.seed["dir"]))
        shutil.copy(self.seed["dir"] / "seed.db", self.dir / "dialer.db")
        self.loop = asyncio.new_event_loop()
        self.store = Store(open_database(f"sqlite:///{self.dir}/dialer.db"))

        async def start():
            client = TestClient(TestServer(create_app(FakeDialer(self.store, lambda: T0))))
            await client.start_server()
            return client
        self.client = self.loop.run_until_complete(start())
        self.tokens: list[str] = []
        self.made_users: list[int] = []
        self.roles = list(ROLES)
        self.profiles = list(self.seed["profiles"])
        self.targets = list(self.seed["users"].values())
        self.counter = 0

    def teardown(self):
        self.loop.run_until_complete(self.client.close())
        self.loop.run_until_complete(self.store.close())
        self.loop.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def call(self, token: str, method: str, url: str, body: dict | None = None):
        async def go():
            resp = await self.client.request(method, url, json=body,
                                             headers={"Authorization": f"Bearer {token}"})
            return resp.status, await resp.json()
        status, answer = self.loop.run_until_complete(go())
        assert status < 500, (method, url, body, status, answer)
        return status, answer

    def db(self, fn, *args):
        return self.loop.run_until_complete(self.store.run(fn, *args))

    def unique(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # ---- the starting user -----------------------------------------------------------------
    @initialize(start=st.sampled_from(STARTS))
    def sign_in(self, start):
        self.start = self.db(_reach_row, self.seed["users"][start])
        self.tokens.append(self.seed["tokens"][start])
        self.me = self.seed["users"][start]

    def covered(self, reach) -> bool:
        account, privileges, campaigns = reach
        start_account, start_privileges, start_campaigns = self.start
        return (account == start_account and privileges <= start_privileges
                and (start_campaigns is None
                     or (campaigns is not None and campaigns <= start_campaigns)))

    # ---- what they try ---------------------------------------------------------------------
    @rule(data=st.data(), account=st.sampled_from(["acme", "acme", "other"]),
          role=st.sampled_from([*ROLES, None]), profile=st.integers(0, 5))
    def create_user(self, data, account, role, profile):
        token = data.draw(st.sampled_from(self.tokens))
        body = {"username": self.unique("u"), "role": role}
        if profile < len(self.profiles):
            body["profile_id"] = self.profiles[profile]
        status, answer = self.call(token, "POST", f"/api/accounts/{self.seed[account]}/users", body)
        if status == 201:
            self.made_users.append(answer["id"])
            self.targets.append(answer["id"])

    @rule(data=st.data(), change=st.sampled_from([
        "role", "profile_id", "active", "full_name", "no_profile"]))
    def change_user(self, data, change):
        token = data.draw(st.sampled_from(self.tokens))
        target = data.draw(st.sampled_from(self.targets + [self.me]))
        body = {"role": {"role": data.draw(st.sampled_from(self.roles))},
                "profile_id": {"profile_id": data.draw(st.sampled_from(self.profiles))},
                "no_profile": {"profile_id": None},
                "active": {"active": data.draw(st.booleans())},
                "full_name": {"full_name": "x"}}[change]
        self.call(token, "PATCH", f"/api/users/{target}", body)

    @rule(data=st.data())
    def mint_token(self, data):
        token = data.draw(st.sampled_from(self.tokens))
        target = data.draw(st.sampled_from(self.targets + [self.me]))
        status, answer = self.call(token, "POST", f"/api/users/{target}/api-tokens",
                                   {"expires_in_days": 5})
        if status == 201:
            self.tokens.append(answer["token"])

    @rule(data=st.data(), privileges=st.sets(st.sampled_from(PRIVILEGES)),
          account=st.sampled_from(["acme", "acme", "other"]))
    def create_role(self, data, privileges, account):
        token = data.draw(st.sampled_from(self.tokens))
        name = self.unique("role")
        status, _ = self.call(token, "POST", f"/api/accounts/{self.seed[account]}/roles",
                              {"name": name, "privileges": sorted(privileges)})
        if status == 201:
            self.roles.append(name)

    @rule(data=st.data(), campaigns=st.sets(st.integers(0, 2)), all_campaigns=st.booleans(),
          existing=st.booleans())
    def profile(self, data, campaigns, all_campaigns, existing):
        token = data.draw(st.sampled_from(self.tokens))
        body = {"all_campaigns": all_campaigns,
                "campaign_ids": sorted(self.seed["campaigns"][i] for i in campaigns)}
        if existing:
            profile = data.draw(st.sampled_from(self.profiles))
            self.call(token, "PATCH", f"/api/profiles/{profile}", body)
        else:
            status, answer = self.call(token, "POST", f"/api/accounts/{self.seed['acme']}/profiles",
                                       {"name": self.unique("p"), **body})
            if status == 201:
                self.profiles.append(answer["id"])

    @rule(data=st.data())
    def revoke(self, data):
        token = data.draw(st.sampled_from(self.tokens))
        if data.draw(st.booleans()):
            self.call(token, "DELETE", "/api/session")
        else:
            target = data.draw(st.sampled_from(self.targets + [self.me]))
            status, listed = self.call(token, "GET", f"/api/users/{target}/api-tokens")
            if status == 200 and listed["items"]:
                self.call(token, "DELETE", f"/api/users/{target}/api-tokens/"
                                           f"{listed['items'][0]['id']}")

    # ---- what must hold ----------------------------------------------------------------------
    @invariant()
    def nobody_they_made_or_hold_reaches_further(self):
        for token in self.tokens:
            user = self.db(_token_user, token)
            if user is not None:
                assert self.covered(self.db(_reach_row, user)), ("token of user", user)
        for user in self.made_users:
            assert self.covered(self.db(_reach_row, user)), ("made user", user)

    @invariant()
    def no_token_reaches_another_account_or_a_hidden_campaign(self):
        for token in self.tokens:
            status, _ = self.call(token, "GET", f"/api/accounts/{self.seed['other']}")
            assert status in (401, 403)
            if self.start[2] is not None:
                status, _ = self.call(token, "GET", f"/api/campaigns/{self.seed['autumn']}")
                assert status in (401, 403)


Escalation.TestCase.settings = settings(
    max_examples=30, stateful_step_count=12, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_no_sequence_of_calls_reaches_further = pytest.mark.timeout(600)(Escalation.TestCase)
