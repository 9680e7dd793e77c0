"""Issue 14: who may call what, as a table written by hand and checked against the router.

Every API route x every built-in role x four situations:
- own: objects of the caller's account (someone else's agent, user, call...);
- other: objects of another account;
- outside: the caller's account, but objects of a campaign outside the caller's profile
  (routes that name a campaign's object: campaigns, attempts, followups, suppression lists
  attached to one; and an agent's live session, which is on a call of such a campaign);
- self: the caller's own user, agent, call, followup and the contact of that call.
The expected answer of each cell comes from EXPECTED below, not from dialer.web.access: a
route the table does not classify fails the test, and so does a cell that answers
otherwise. "Allowed" means neither 401 nor 403 (the handler may still refuse the empty
body with a 400, or find nothing: 404 from its own lookups); "denied" means 403.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass

import pytest

from dialer.db import Store, auth, migrate, open_database, roles, suppression
from dialer.db.models import (Account, Agent, Attempt, CallerIdNumber, Campaign, CampaignSuppression, Contact,
                              Followup, Rule, ServicePlan, User)
from dialer.web import openapi
from dialer.web.app import create_app
from tests.objects import one_of_each
from tests.web_dialer import FakeDialer, live_agents, put_on_call

T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.timezone.utc)
ROLES = {"A": "admin", "S": "supervisor", "M": "campaign manager", "G": "agent"}
# who holds what among the built-in roles (the README's table)
EVERYONE, SYSTEM = "ASMG", "A"
CAMPAIGNS = "ASM"      # manage_campaigns
USERS = INBOUND = "AS"  # manage_users, manage_inbound
STAFF = "ASM"          # manage_users or manage_campaigns


@dataclass(frozen=True)
class Expect:
    roles: str                 # who may, on objects of their own account (letters of ROLES)
    self_service: bool = False  # and anybody on their own user, agent, call, followup
    public: bool = False       # no sign-in needed
    live: bool = False         # reads or acts on the agent's live session (its call's campaign)


E = Expect
EXPECTED: dict[tuple[str, str], Expect] = {
    ("GET", "/api/health"): E(EVERYONE, public=True),
    ("GET", "/api/openapi.json"): E(EVERYONE, public=True),
    ("POST", "/api/session"): E(EVERYONE, public=True),
    ("GET", "/api/session"): E(EVERYONE),
    ("DELETE", "/api/session"): E(EVERYONE),
    ("GET", "/api/plans"): E(EVERYONE),
    ("POST", "/api/plans"): E(SYSTEM),
    ("GET", "/api/plans/{id}"): E(EVERYONE),
    ("PATCH", "/api/plans/{id}"): E(SYSTEM),
    ("POST", "/api/plans/{id}/{action}"): E(SYSTEM),
    ("GET", "/api/roles"): E(EVERYONE),
    ("GET", "/api/accounts"): E(EVERYONE),
    ("POST", "/api/accounts"): E(SYSTEM),
    ("GET", "/api/accounts/{id}"): E(EVERYONE),
    ("GET", "/api/accounts/{id}/action-calls"): E(INBOUND),
    ("POST", "/api/accounts/{id}/action-calls"): E(INBOUND),
    ("GET", "/api/accounts/{id}/agent-groups"): E(STAFF),
    ("POST", "/api/accounts/{id}/agent-groups"): E(USERS),
    ("GET", "/api/accounts/{id}/agents"): E(STAFF),
    ("POST", "/api/accounts/{id}/agents"): E(USERS),
    ("GET", "/api/accounts/{id}/attempts"): E(CAMPAIGNS),
    ("GET", "/api/accounts/{id}/audit"): E(USERS),
    ("GET", "/api/accounts/{id}/floor"): E(CAMPAIGNS),
    ("GET", "/api/accounts/{id}/floor/stream"): E(CAMPAIGNS),
    ("GET", "/api/audit"): E(SYSTEM),
    ("PUT", "/api/accounts/{id}/business-hours"): E(INBOUND),
    ("GET", "/api/accounts/{id}/campaigns"): E(CAMPAIGNS),
    ("GET", "/api/accounts/{id}/compliance-report"): E(CAMPAIGNS),
    ("GET", "/api/accounts/{id}/reports/{kind}"): E(CAMPAIGNS),
    ("POST", "/api/accounts/{id}/campaigns"): E(CAMPAIGNS),
    ("GET", "/api/accounts/{id}/contact-lists"): E(CAMPAIGNS),
    ("GET", "/api/accounts/{id}/contacts"): E(CAMPAIGNS),
    ("POST", "/api/accounts/{id}/contacts/import"): E(CAMPAIGNS),
    ("GET", "/api/accounts/{id}/filters"): E(CAMPAIGNS),
    ("POST", "/api/accounts/{id}/filters"): E(CAMPAIGNS),
    ("GET", "/api/accounts/{id}/followups"): E(CAMPAIGNS),
    ("GET", "/api/accounts/{id}/on-demand-strategy"): E(CAMPAIGNS),
    ("PUT", "/api/accounts/{id}/on-demand-strategy"): E(CAMPAIGNS),
    ("DELETE", "/api/accounts/{id}/on-demand-strategy/suppression-lists/{list}"): E(CAMPAIGNS),
    ("POST", "/api/accounts/{id}/on-demand-strategy/suppression-lists/{list}"): E(CAMPAIGNS),
    ("GET", "/api/accounts/{id}/profiles"): E(USERS),
    ("POST", "/api/accounts/{id}/profiles"): E(USERS),
    ("GET", "/api/accounts/{id}/ring-group"): E(INBOUND),
    ("PUT", "/api/accounts/{id}/ring-group"): E(INBOUND),
    ("PUT", "/api/accounts/{id}/ring-group/members"): E(INBOUND),
    ("POST", "/api/accounts/{id}/roles"): E(USERS),
    ("GET", "/api/accounts/{id}/scripts"): E(CAMPAIGNS),
    ("POST", "/api/accounts/{id}/scripts"): E(CAMPAIGNS),
    ("GET", "/api/accounts/{id}/suppression-check"): E(CAMPAIGNS),
    ("GET", "/api/accounts/{id}/suppression-lists"): E(CAMPAIGNS),
    ("POST", "/api/accounts/{id}/suppression-lists"): E(CAMPAIGNS),
    ("GET", "/api/accounts/{id}/users"): E(USERS),
    ("POST", "/api/accounts/{id}/users"): E(USERS),
    ("GET", "/api/accounts/{id}/voicemails"): E(INBOUND),
    ("GET", "/api/accounts/{id}/voicemails/{voicemail_id}/recording"): E(INBOUND),
    ("GET", "/api/accounts/{id}/voicemails/{voicemail_id}"): E(INBOUND),
    ("PATCH", "/api/accounts/{id}/voicemails/{voicemail_id}"): E(INBOUND),
    ("GET", "/api/accounts/{id}/inbound-calls"): E(INBOUND),
    ("GET", "/api/accounts/{id}/inbound-calls/{inbound_call_id}"): E(INBOUND),
    ("GET", "/api/action-calls/{id}"): E(INBOUND),
    ("GET", "/api/agent-groups/{id}"): E(STAFF),
    ("POST", "/api/agent-groups/{id}/members"): E(USERS),
    ("PATCH", "/api/agent-groups/{id}"): E(USERS),
    ("DELETE", "/api/agent-groups/{id}"): E(USERS),
    ("PATCH", "/api/agents/{id}"): E(USERS),  # an agent may not move their own desk phone
    ("DELETE", "/api/agents/{id}"): E(USERS),
    ("GET", "/api/roles/{id}"): E(USERS),
    ("PATCH", "/api/roles/{id}"): E(USERS),
    ("DELETE", "/api/roles/{id}"): E(USERS),
    ("GET", "/api/agents/sessions"): E(EVERYONE),  # the handler shows agents their own only
    ("GET", "/api/agents/{id}"): E(STAFF, self_service=True),
    ("GET", "/api/agents/{id}/followups"): E(USERS, self_service=True),
    ("POST", "/api/agents/{id}/followups"): E(USERS, self_service=True),
    ("POST", "/api/agents/{id}/followups/{followup}/cancel"): E(USERS, self_service=True),
    ("POST", "/api/agents/{id}/manual-dial"): E(USERS, self_service=True, live=True),
    ("POST", "/api/agents/{id}/manual-dial/check"): E(USERS, self_service=True),
    ("GET", "/api/agents/{id}/monitor"): E(CAMPAIGNS, live=True),
    ("POST", "/api/agents/{id}/monitor"): E(CAMPAIGNS, live=True),
    ("PATCH", "/api/agents/{id}/monitor"): E(CAMPAIGNS, live=True),
    ("DELETE", "/api/agents/{id}/monitor"): E(CAMPAIGNS, live=True),
    ("GET", "/api/agents/{id}/preview"): E(STAFF, self_service=True, live=True),
    ("GET", "/api/agents/{id}/session-log"): E(STAFF, self_service=True),
    ("POST", "/api/agents/{id}/preview/{action}"): E(USERS, self_service=True, live=True),
    ("POST", "/api/agents/{id}/{action}"): E(USERS, self_service=True, live=True),
    ("POST", "/api/agents/{id}/not-ready"): E(USERS, self_service=True, live=True),
    ("GET", "/api/accounts/{id}/pause-reasons"): E(EVERYONE),
    ("POST", "/api/accounts/{id}/pause-reasons"): E(USERS),
    ("GET", "/api/pause-reasons/{id}"): E(EVERYONE),
    ("PATCH", "/api/pause-reasons/{id}"): E(USERS),
    ("DELETE", "/api/pause-reasons/{id}"): E(USERS),
    ("POST", "/api/agents/{id}/call/{action}"): E(USERS, self_service=True, live=True),
    ("POST", "/api/agents/{id}/call/hangup"): E(USERS, self_service=True, live=True),
    ("POST", "/api/agents/{id}/call/transfer"): E(USERS, self_service=True, live=True),
    ("GET", "/api/agents/{id}/call"): E(STAFF, self_service=True, live=True),
    ("GET", "/api/attempts/{id}"): E(CAMPAIGNS, self_service=True),
    ("PUT", "/api/attempts/{id}/answers"): E(CAMPAIGNS, self_service=True),
    ("PUT", "/api/attempts/{id}/disposition"): E(CAMPAIGNS, self_service=True),
    ("GET", "/api/attempts/{id}/recording"): E(CAMPAIGNS),
    ("GET", "/api/attempts/{id}/script"): E(CAMPAIGNS, self_service=True),
    ("GET", "/api/campaigns/{id}"): E(CAMPAIGNS),
    ("PATCH", "/api/campaigns/{id}"): E(CAMPAIGNS),
    ("GET", "/api/campaigns/{id}/attempts"): E(CAMPAIGNS),
    ("GET", "/api/campaigns/{id}/caller-ids"): E(CAMPAIGNS),
    ("GET", "/api/campaigns/{id}/compliance-report"): E(CAMPAIGNS),
    ("POST", "/api/campaigns/{id}/caller-ids"): E(CAMPAIGNS),
    ("POST", "/api/campaigns/{id}/clone"): E(CAMPAIGNS),
    ("GET", "/api/campaigns/{id}/contacts"): E(CAMPAIGNS),
    ("GET", "/api/campaigns/{id}/contacts/{contact}/why"): E(CAMPAIGNS),
    ("POST", "/api/campaigns/{id}/filters/{filter_id}"): E(CAMPAIGNS),
    ("GET", "/api/campaigns/{id}/outcomes-over-time"): E(CAMPAIGNS),
    ("GET", "/api/campaigns/{id}/progress"): E(CAMPAIGNS),
    ("GET", "/api/campaigns/{id}/recordings"): E(CAMPAIGNS),
    ("GET", "/api/campaigns/{id}/rules"): E(CAMPAIGNS),
    ("POST", "/api/campaigns/{id}/rules"): E(CAMPAIGNS),
    ("DELETE", "/api/campaigns/{id}/rules/{rule_id}"): E(CAMPAIGNS),
    ("DELETE", "/api/campaigns/{id}/caller-ids/{caller_id_id}"): E(CAMPAIGNS),
    ("GET", "/api/campaigns/{id}/suppression-lists"): E(CAMPAIGNS),
    ("DELETE", "/api/campaigns/{id}/suppression-lists/{list}"): E(CAMPAIGNS),
    ("POST", "/api/campaigns/{id}/suppression-lists/{list}"): E(CAMPAIGNS),
    ("POST", "/api/campaigns/{id}/{action}"): E(CAMPAIGNS),
    ("GET", "/api/contacts/{id}"): E(CAMPAIGNS, self_service=True),  # their calls' contacts
    ("GET", "/api/contacts/{id}/answers"): E(CAMPAIGNS),
    ("GET", "/api/contacts/{id}/followups"): E(CAMPAIGNS),
    ("GET", "/api/contacts/{id}/timeline"): E(CAMPAIGNS),
    ("GET", "/api/filters/{id}"): E(CAMPAIGNS),
    ("GET", "/api/filters/{id}/contacts"): E(CAMPAIGNS),
    ("PATCH", "/api/filters/{id}"): E(CAMPAIGNS),
    ("DELETE", "/api/filters/{id}"): E(CAMPAIGNS),
    ("GET", "/api/followups/{id}"): E(CAMPAIGNS, self_service=True),
    ("GET", "/api/profiles/{id}"): E(USERS),
    ("PATCH", "/api/profiles/{id}"): E(USERS),
    ("GET", "/api/script-answers"): E(CAMPAIGNS),  # agents: with their own agent_id only
    ("GET", "/api/scripts/{id}"): E(CAMPAIGNS),
    ("PATCH", "/api/scripts/{id}"): E(CAMPAIGNS),
    ("DELETE", "/api/scripts/{id}"): E(CAMPAIGNS),
    ("GET", "/api/suppression-lists/{id}"): E(CAMPAIGNS),
    ("PATCH", "/api/suppression-lists/{id}"): E(CAMPAIGNS),
    ("DELETE", "/api/suppression-lists/{id}"): E(CAMPAIGNS),
    ("GET", "/api/suppression-lists/{id}/entries"): E(CAMPAIGNS),
    ("POST", "/api/suppression-lists/{id}/entries"): E(CAMPAIGNS),
    ("POST", "/api/suppression-lists/{id}/entries/remove"): E(CAMPAIGNS),
    ("GET", "/api/dnc-lists"): E(CAMPAIGNS),
    ("POST", "/api/dnc-lists"): E(CAMPAIGNS),
    ("GET", "/api/dnc-lists/{id}"): E(CAMPAIGNS),
    ("DELETE", "/api/dnc-lists/{id}"): E(CAMPAIGNS),
    ("PUT", "/api/dnc-lists/{id}/numbers"): E(CAMPAIGNS),
    ("POST", "/api/dnc-lists/{id}/numbers"): E(CAMPAIGNS),
    ("GET", "/api/dnc-check"): E(CAMPAIGNS),
    ("PUT", "/api/campaigns/{id}/dnc-max-age"): E(CAMPAIGNS),
    ("GET", "/api/calling-rules"): E(EVERYONE),
    ("GET", "/api/accounts/{id}/calling-rules"): E(CAMPAIGNS),
    ("PUT", "/api/accounts/{id}/calling-rules"): E(CAMPAIGNS),
    ("PUT", "/api/campaigns/{id}/calling-purpose"): E(CAMPAIGNS),
    ("GET", "/api/attempts/{id}/compliance"): E(CAMPAIGNS),
    ("GET", "/api/users/{id}"): E(USERS, self_service=True),
    ("PATCH", "/api/users/{id}"): E(USERS, self_service=True),
    ("GET", "/api/users/{id}/api-tokens"): E(USERS, self_service=True),
    ("POST", "/api/users/{id}/api-tokens"): E(USERS, self_service=True),
    ("DELETE", "/api/users/{id}/api-tokens/{token_id}"): E(USERS, self_service=True),
    # outbound webhooks: the account's admins (and only with a profile showing every
    # campaign: tests/unit/test_webhooks_api.py)
    ("GET", "/api/accounts/{id}/webhooks"): E(USERS),
    ("POST", "/api/accounts/{id}/webhooks"): E(USERS),
    ("GET", "/api/webhooks/{id}"): E(USERS),
    ("PATCH", "/api/webhooks/{id}"): E(USERS),
    ("DELETE", "/api/webhooks/{id}"): E(USERS),
    ("POST", "/api/webhooks/{id}/secret"): E(USERS),
    ("GET", "/api/webhooks/{id}/deliveries"): E(USERS),
    ("GET", "/api/webhooks/{id}/deliveries/{delivery_id}"): E(USERS),
    ("POST", "/api/webhooks/{id}/deliveries/{delivery_id}/replay"): E(USERS),
    # audio prompts: whoever sets campaigns' or the ring group's messages
    ("GET", "/api/accounts/{id}/prompts"): E(CAMPAIGNS),
    ("POST", "/api/accounts/{id}/prompts"): E(CAMPAIGNS),
    ("POST", "/api/accounts/{id}/prompts/speech"): E(CAMPAIGNS),
    ("POST", "/api/accounts/{id}/prompts/recording"): E(CAMPAIGNS),
    ("GET", "/api/accounts/{id}/prompt-choices"): E(CAMPAIGNS),
    ("GET", "/api/prompts/{id}"): E(CAMPAIGNS),
    ("PATCH", "/api/prompts/{id}"): E(CAMPAIGNS),
    ("DELETE", "/api/prompts/{id}"): E(CAMPAIGNS),
    ("GET", "/api/prompts/{id}/audio"): E(CAMPAIGNS),
    # carriers' trunks: the system's; an account's campaign managers read those open to it
    # (another account's trunk: 403, tests/unit/test_trunks_api.py)
    ("GET", "/api/trunks"): E(CAMPAIGNS),
    ("POST", "/api/trunks"): E(SYSTEM),
    ("GET", "/api/trunks/{id}"): E(CAMPAIGNS),
    ("PATCH", "/api/trunks/{id}"): E(SYSTEM),
    ("DELETE", "/api/trunks/{id}"): E(SYSTEM),
    # caller-ID pools: the account's campaign managers (tests/unit/test_callerid_pools_api.py)
    ("GET", "/api/accounts/{id}/caller-id-pools"): E(CAMPAIGNS),
    ("POST", "/api/accounts/{id}/caller-id-pools"): E(CAMPAIGNS),
    ("GET", "/api/caller-id-pools/{id}"): E(CAMPAIGNS),
    ("PATCH", "/api/caller-id-pools/{id}"): E(CAMPAIGNS),
    ("DELETE", "/api/caller-id-pools/{id}"): E(CAMPAIGNS),
    ("GET", "/api/caller-id-pools/{id}/numbers"): E(CAMPAIGNS),
    ("POST", "/api/caller-id-pools/{id}/numbers"): E(CAMPAIGNS),
    ("PATCH", "/api/caller-id-pools/{id}/numbers/{number_id}"): E(CAMPAIGNS),
    ("DELETE", "/api/caller-id-pools/{id}/numbers/{number_id}"): E(CAMPAIGNS),
}

# URL parameters that name objects, and the kind of object (a key of one_of_each) each names
PARAM_KINDS = {"filter_id": "filters", "list": "suppression-lists", "contact": "contacts",
               "followup": "followups", "rule_id": "rule_id", "caller_id_id": "caller_id_id",
               "voicemail_id": "voicemail_id", "inbound_call_id": "inbound_call_id",
               "token_id": "token_id", "delivery_id": "delivery_id", "number_id": "number_id"}
CAMPAIGN_BOUND = {"campaigns", "attempts", "followups", "suppression-lists", "rule_id",
                  "caller_id_id"}
SELF_KINDS = {"agents", "users", "attempts", "followups", "contacts", "token_id"}


def api_routes(app) -> set[tuple[str, str]]:
    return {(r.method, r.resource.canonical) for r in app.router.routes()
            if r.resource.canonical.startswith("/api/") and r.method != "HEAD"}


def test_the_table_classifies_every_route_of_the_router():
    app = create_app(FakeDialer(None))
    routes = api_routes(app)
    assert sorted(routes - EXPECTED.keys()) == [], "routes missing from EXPECTED"
    assert sorted(EXPECTED.keys() - routes) == [], "EXPECTED names routes that are gone"


# ---- the seeded database: two accounts, a user of each built-in role (and the same
# roles narrowed to one campaign by a profile), each with an agent, a call and a followup
def _seed(path: str) -> dict:
    db = open_database(f"sqlite:///{path}")
    migrate(db)
    plan = ServicePlan.create(name="base")
    a, b = (Account.create(name=n, plan=plan) for n in ("a", "b"))
    objects = {"own": one_of_each(a, T0), "other": one_of_each(b, T0)}
    for scene, account in (("own", a), ("other", b)):
        target = User.get(User.username == f"agent-{account.name}")
        objects[scene]["token_id"] = auth.create_api_token(target.id)["id"]
    spring = objects["own"]["campaigns"]
    # a second campaign of A, outside the narrow profile, and its objects
    autumn = Campaign.create(account=a, name="autumn")
    contact = Contact.get_by_id(objects["own"]["contacts"])
    agent = objects["own"]["agents"]
    outside = dict(objects["own"], campaigns=autumn.id)
    outside["attempts"] = Attempt.create(campaign=autumn, contact=contact, phone="+12125550100",
                                         channel_id="c-autumn", agent=agent, started_at=T0).id
    outside["followups"] = Followup.create(account=a, agent=agent, contact=contact,
                                           campaign=autumn, scheduled_at=T0,
                                           timezone="UTC").id
    outside["rule_id"] = Rule.create(campaign=autumn, action="complete").id
    outside["caller_id_id"] = CallerIdNumber.create(campaign=autumn, number="+12125550102").id
    autumn_list = suppression.create_list(a.id, name="autumn dnc", kind="device")["id"]
    CampaignSuppression.create(campaign=autumn, suppression_list=autumn_list)
    outside["suppression-lists"] = autumn_list
    objects["outside"] = outside
    narrow = roles.create_profile(a.id, "spring only", False, [spring])["id"]
    callers: dict = {}
    for letter, role in ROLES.items():
        for narrowed in (False, True):
            name = f"{role}{'-narrow' if narrowed else ''}"
            user = auth.create_user(a.id, username=name, role=role,
                                    profile_id=narrow if narrowed else None)
            me = Agent.create(user=user["id"], endpoint=f"PJSIP/{letter}{int(narrowed)}")
            mine = Contact.create(account=a, name=f"called by {name}")
            token = auth.create_api_token(user["id"])
            callers[letter, narrowed] = {
                "token": token["token"], "users": user["id"], "agents": me.id,
                "contacts": mine.id, "token_id": token["id"],
                "attempts": Attempt.create(campaign=spring, contact=mine, phone="+12125550199",
                                           channel_id=f"c-{name}", agent=me,
                                           started_at=T0).id,
                "followups": Followup.create(account=a, agent=me, contact=mine,
                                             campaign=spring, scheduled_at=T0,
                                             timezone="UTC").id}
    db.close()
    return {"objects": objects, "callers": callers, "plan": plan.id}


def _enums(app) -> dict[str, dict[str, str]]:
    doc = openapi.document(app)
    return {path: {p["name"]: p["schema"]["enum"][0] for op in item.values()
                   for p in op.get("parameters", []) if "enum" in p.get("schema", {})}
            for path, item in doc["paths"].items()}


def _cells(path: str, expect: Expect, seeded: dict):
    """(scene, role letter, narrowed, allowed, {param: value}) of the route's cells."""
    first = path.split("/")[2]
    params = re.findall(r"\{(\w+)\}", path)
    kinds = {p: first if p == "id" else PARAM_KINDS.get(p) for p in params}
    named = {p: k for p, k in kinds.items() if k in seeded["objects"]["own"]}
    shared = {p: seeded["plan"] for p, k in kinds.items() if k == "plans"}  # no account's
    for letter in ROLES:
        own_ok = letter in expect.roles
        yield "own", letter, False, own_ok, {**shared, **{p: seeded["objects"]["own"][k]
                                                          for p, k in named.items()}}
        if not named:
            continue
        yield "other", letter, False, own_ok and letter == "A", {
            p: seeded["objects"]["other"][k] for p, k in named.items()}
        if CAMPAIGN_BOUND & set(named.values()) or expect.live:
            yield "outside", letter, True, False, {p: seeded["objects"]["outside"][k]
                                                   for p, k in named.items()}
        if kinds.get("id") in SELF_KINDS:
            mine = seeded["callers"][letter, False]
            yield "self", letter, False, own_ok or expect.self_service, {
                p: mine.get(k, seeded["objects"]["own"][k]) for p, k in named.items()}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    path = tmp_path_factory.mktemp("matrix") / "seed.db"
    return str(path), _seed(str(path))


async def test_every_route_every_role_every_situation(seeded, tmp_path, aiohttp_client):
    seed_path, seeded_ids = seeded
    app_for_enums = create_app(FakeDialer(None))
    enums = _enums(app_for_enums)
    checked, failures = 0, []
    for n, ((method, path), expect) in enumerate(sorted(EXPECTED.items())):
        copy = tmp_path / f"route{n}.db"  # a fresh database per route: changes stay there
        shutil.copy(seed_path, copy)
        store = Store(open_database(f"sqlite:///{copy}"))
        try:
            # the own account's agent is live, on a call of the campaign outside the profile
            outside = seeded_ids["objects"]["outside"]
            agents = live_agents(store, [outside["agents"]])
            await put_on_call(agents, outside["agents"], "customer", outside["attempts"],
                              campaign_id=outside["campaigns"])
            client = await aiohttp_client(create_app(FakeDialer(store, agents=agents)))
            if not expect.public:
                resp = await client.request(method, _own_url(path, enums, seeded_ids),
                                            json={})
                assert resp.status == 401, (method, path, "answers without sign-in")
            # denials first: an allowed change (a DELETE) must not turn a later 403 into 404
            cells = sorted(_cells(path, expect, seeded_ids), key=lambda c: (c[3], c[0] == "self"))
            for scene, letter, narrowed, allowed, values in cells:
                url = path
                for param, value in {**enums.get(path, {}), **values}.items():
                    url = url.replace("{" + param + "}", str(value))
                token = seeded_ids["callers"][letter, narrowed]["token"]
                resp = await client.request(method, url, json={},
                                            headers={"Authorization": f"Bearer {token}"})
                checked += 1
                ok = resp.status not in (401, 403) if allowed else resp.status == 403
                if not ok:
                    failures.append(f"{method} {path} {ROLES[letter]} {scene}: "
                                    f"{'allowed' if allowed else 'denied'} expected, got "
                                    f"{resp.status} {(await resp.text())[:120]}")
        finally:
            await store.close()
    assert failures == [], "\n".join(failures)
    print(f"{checked} cells over {len(EXPECTED)} routes")
    assert checked > 4 * len(EXPECTED)


def _own_url(path: str, enums: dict, seeded: dict) -> str:
    """The path with the own account's objects (for the signed-out check)."""
    first = path.split("/")[2]
    url = path
    for param in re.findall(r"\{(\w+)\}", path):
        kind = first if param == "id" else PARAM_KINDS.get(param)
        value = enums.get(path, {}).get(param) or seeded["objects"]["own"].get(kind) or \
            seeded["plan"]
        url = url.replace("{" + param + "}", str(value))
    return url
