"""The console's object pages, described as data: what each object's fields are, how they
are labelled and typed, which API paths list, read, create, change and remove it, and who
sees it. One template (objects.html) and one script (static/objects.js) build every list,
detail, create and edit page from these descriptions (`/manage/<slug>`); the navigation
(`navigation`) groups these pages with the hand-written ones and shows a user only those
their privileges allow. The vocabulary is object_types.py's; the kinds of calls and
integrations are call_objects.py's.
"""

from __future__ import annotations

from ..core.privileges import PRIVILEGES
from ..db.suppression import KINDS as SUPPRESSION_KINDS
from ..followups.decisions import Status as FollowupStatus
from .call_objects import CALL_KINDS
from .object_types import (ACCOUNT as _ACCOUNT, AGENTS as _AGENTS, CAMPAIGNS as _CAMPAIGNS,
                           GROUPS as _GROUPS, Action, Field, ObjectKind, Options, Related,
                           Removal, Viewer)

_TIMEZONE = Field("timezone", "Time zone", hint="e.g. America/New_York")

KINDS: tuple[ObjectKind, ...] = (
    ObjectKind(
        "users", "Users", "user", "manage_users", f"{_ACCOUNT}/users", item_path="/api/users/{id}",
        create_path=f"{_ACCOUNT}/users", update_method="PATCH",
        removal=Removal("Disable", "PATCH", "/api/users/{id}", {"active": False}, when="active"),
        fields=(Field("username", "User name", listed=True, required=True),
                Field("full_name", "Full name", listed=True),
                Field("email", "Email", "email", listed=True),
                Field("phone", "Phone"),
                Field("endpoint", "Desk phone", hint="e.g. PJSIP/alice"),
                _TIMEZONE,
                Field("role", "Role", "select", listed=True,
                      options=Options("/api/roles", "name", "name")),
                Field("profile_id", "Profile", "select", options=Options(f"{_ACCOUNT}/profiles")),
                Field("password", "Password", "password", hint="at least 10 characters"),
                Field("active", "Active", "checkbox", listed=True, create=False))),
    ObjectKind(
        "agents", "Agents", "agent", "manage_users", f"{_ACCOUNT}/agents",
        item_path="/api/agents/{id}", create_path=f"{_ACCOUNT}/agents", update_method="PATCH",
        removal=Removal("Delete", "DELETE", "/api/agents/{id}"),
        link="/manage/users/{user_id}", link_label="Edit the agent's user",
        fields=(Field("username", "User name", listed=True, required=True, edit=False),
                Field("full_name", "Full name", listed=True, edit=False),
                Field("endpoint", "Desk phone", listed=True, required=True,
                      hint="e.g. PJSIP/agent1; changed while logged out"),
                Field("group_ids", "Groups", "multi", options=_GROUPS),
                Field("profile_id", "Profile", "select", edit=False,
                      options=Options(f"{_ACCOUNT}/profiles")),
                Field("password", "Password", "password", edit=False),
                Field("state", "State", listed=True, create=False, edit=False))),
    ObjectKind(
        "agent-groups", "Agent groups", "agent group", "manage_users",
        f"{_ACCOUNT}/agent-groups", item_path="/api/agent-groups/{id}",
        create_path=f"{_ACCOUNT}/agent-groups", update_method="PATCH",
        removal=Removal("Delete", "DELETE", "/api/agent-groups/{id}"),
        fields=(Field("name", "Name", listed=True, required=True),
                Field("manual_dial_allowed", "Manual dial allowed", "checkbox", listed=True),
                Field("followups_allowed", "Followups allowed", "checkbox", listed=True),
                Field("wrap_up_seconds", "Wrap-up seconds", "number", listed=True),
                Field("agent_ids", "Agents", "multi", listed=True, create=False,
                      options=_AGENTS))),
    ObjectKind(
        "roles", "Roles", "role", "manage_users", "/api/roles", item_path="/api/roles/{id}",
        create_path=f"{_ACCOUNT}/roles", update_method="PATCH", item_when="built_in=false",
        removal=Removal("Delete", "DELETE", "/api/roles/{id}", when="built_in=false"),
        fields=(Field("name", "Name", listed=True, required=True),
                Field("privileges", "Privileges", "multi", listed=True, choices=PRIVILEGES),
                Field("built_in", "Built in", "checkbox", listed=True, create=False,
                      edit=False))),
    ObjectKind(
        "profiles", "Profiles", "profile", "manage_users", f"{_ACCOUNT}/profiles",
        item_path="/api/profiles/{id}", create_path=f"{_ACCOUNT}/profiles",
        update_method="PATCH",
        fields=(Field("name", "Name", listed=True, required=True),
                Field("all_campaigns", "All campaigns", "checkbox", listed=True),
                Field("campaign_ids", "Campaigns", "multi", options=_CAMPAIGNS))),
    ObjectKind(
        "pause-reasons", "Pause reasons", "pause reason", "manage_users",
        f"{_ACCOUNT}/pause-reasons", item_path="/api/pause-reasons/{id}",
        create_path=f"{_ACCOUNT}/pause-reasons", update_method="PATCH",
        removal=Removal("Delete", "DELETE", "/api/pause-reasons/{id}"),
        fields=(Field("name", "Name", listed=True, required=True,
                      hint="what an agent chooses when going not ready"),)),
    ObjectKind(
        "contacts", "Contact directory", "contact", "manage_campaigns", f"{_ACCOUNT}/contacts",
        item_path="/api/contacts/{id}", link="/contacts/{id}", link_label="Timeline",
        fields=(Field("name", "Name", listed=True, edit=False),
                Field("phones", "Phones", listed=True, edit=False),
                Field("email", "Email", listed=True, edit=False),
                Field("client_id", "Client id", listed=True, edit=False),
                Field("timezone", "Time zone", edit=False))),
    ObjectKind(
        "suppression-lists", "Suppression lists", "suppression list", "manage_campaigns",
        f"{_ACCOUNT}/suppression-lists", item_path="/api/suppression-lists/{id}",
        create_path=f"{_ACCOUNT}/suppression-lists", update_method="PATCH",
        removal=Removal("Delete", "DELETE", "/api/suppression-lists/{id}"),
        fields=(Field("name", "Name", listed=True, required=True),
                Field("kind", "Kind", "select", listed=True, required=True, edit=False,
                      choices=SUPPRESSION_KINDS),
                Field("entries", "Entries", "number", listed=True, create=False, edit=False))),
    ObjectKind(
        "scripts", "Scripts", "script", "manage_campaigns", f"{_ACCOUNT}/scripts",
        item_path="/api/scripts/{id}", create_path=f"{_ACCOUNT}/scripts", update_method="PATCH",
        removal=Removal("Delete", "DELETE", "/api/scripts/{id}"),
        fields=(Field("name", "Name", listed=True, required=True),
                Field("definition", "Questions", "questions", required=True,
                      hint="in the order the agent goes through them"),
                Field("dispositions", "Dispositions", "dispositions", listed=True,
                      hint="the buttons that end the call; none: the default ones"),
                Field("campaign_ids", "Used by campaigns", listed=True, create=False,
                      edit=False)),
        scripts=("script_view.js", "script_builder.js")),
    ObjectKind(
        "followups", "Followups", "followup", "manage_campaigns", f"{_ACCOUNT}/followups",
        item_path="/api/followups/{id}", create_path="/api/agents/{agent_id}/followups",
        removal=Removal("Cancel", "POST", "/api/agents/{agent_id}/followups/{id}/cancel",
                        when="status=scheduled|offered"),
        search=False,
        filters=(Field("status", "Status", "select", choices=tuple(FollowupStatus)),),
        fields=(Field("agent_id", "Agent", "select", listed=True, required=True, edit=False,
                      options=_AGENTS),
                Field("contact_id", "Contact id", "number", listed=True, required=True,
                      edit=False),
                Field("local_time", "When (local time)", "datetime-local", listed=True,
                      required=True, edit=False),
                Field("zone", "In the zone of", "select", edit=False,
                      choices=("agent", "contact"), hint="whose clock the time is read on"),
                Field("timezone", "Time zone", listed=True, create=False, edit=False),
                Field("status", "Status", listed=True, create=False, edit=False))),
    ObjectKind(
        "filters", "Filters", "filter", "manage_campaigns", f"{_ACCOUNT}/filters",
        item_path="/api/filters/{id}", create_path=f"{_ACCOUNT}/filters", update_method="PATCH",
        removal=Removal("Delete", "DELETE", "/api/filters/{id}"),
        related=(Related("Matching contacts", "contacts", path="/api/filters/{id}/contacts",
                         row_link="/contacts/{row}",
                         columns=(Field("name", "Name"), Field("email", "Email"),
                                  Field("client_id", "Client id"))),),
        fields=(Field("name", "Name", listed=True, required=True),
                Field("definition", "Conditions (JSON)", "json", listed=True, required=True,
                      hint='{"all": [...]} or {"any": [...]} of {"field", "op", "value"}, '
                           'e.g. {"all": [{"field": "email", "op": "contains", '
                           '"value": "@example.com"}]}; ops: eq, ne, contains, startswith, '
                           'in'))),
    *CALL_KINDS,
    ObjectKind(
        "accounts", "Accounts", "account", "manage_system", "/api/accounts",
        item_path="/api/accounts/{id}", create_path="/api/accounts",
        fields=(Field("name", "Name", listed=True, required=True, edit=False),
                Field("plan_id", "Plan", "select", listed=True, required=True, edit=False,
                      options=Options("/api/plans")),
                Field("company_number", "Company number", listed=True, edit=False),
                Field("timezone", "Time zone", listed=True, edit=False))),
    ObjectKind(
        "trunks", "Trunks", "trunk", "manage_system", "/api/trunks", item_path="/api/trunks/{id}",
        create_path="/api/trunks", update_method="PATCH",
        removal=Removal("Delete", "DELETE", "/api/trunks/{id}"),
        fields=(Field("name", "Name", listed=True, required=True),
                Field("target", "PJSIP endpoint or pattern", listed=True, required=True,
                      hint="carrier, or PJSIP/00{digits}@carrier"),
                Field("priority", "Priority", "number", listed=True, hint="lower is tried first"),
                Field("weight", "Weight", "number", hint="spread among equal trunks"),
                Field("max_channels", "Max channels", "number", listed=True),
                Field("max_cps", "Max calls per second", "number", listed=True),
                Field("destinations", "Destinations (JSON)", "json", listed=True,
                      hint='prefixes or regions, e.g. ["+1", "GB"]; empty: anywhere'),
                Field("cost_per_minute", "Cost per minute", hint="e.g. 0.012"),
                Field("account_ids", "Only for accounts", "multi",
                      options=Options("/api/accounts"), hint="none: every account"),
                Field("enabled", "Enabled", "checkbox", listed=True),
                Field("health", "Health", listed=True, create=False, edit=False))),
    ObjectKind(
        "caller-id-pools", "Caller-ID pools", "caller-ID pool", "manage_campaigns",
        f"{_ACCOUNT}/caller-id-pools", item_path="/api/caller-id-pools/{id}",
        create_path=f"{_ACCOUNT}/caller-id-pools", update_method="PATCH",
        removal=Removal("Delete", "DELETE", "/api/caller-id-pools/{id}"),
        related=(Related("Numbers today", "items", path="/api/caller-id-pools/{id}/numbers",
                         columns=(Field("number", "Number"), Field("calls_today", "Calls"),
                                  Field("answers_today", "Answers"),
                                  Field("answer_rate", "Answer rate"),
                                  Field("capped", "At the cap", "checkbox"),
                                  Field("rested_since", "Rested since"),
                                  Field("rested_why", "Why")),
                         action=Action("Use again", "PATCH",
                                       "/api/caller-id-pools/{id}/numbers/{row}",
                                       {"rested": False})),),
        fields=(Field("name", "Name", listed=True, required=True),
                Field("campaign_id", "Campaign", "select", listed=True, options=_CAMPAIGNS,
                      hint="none: the account's pool, for campaigns without their own"),
                Field("daily_cap", "Calls per number per day", "number", listed=True,
                      hint="empty: no cap"),
                Field("rest_days", "Rest days", "number",
                      hint="how long a number answered well below the pool rests"),
                Field("add_numbers", "Add numbers (JSON)", "json",
                      hint='e.g. ["+12125550150", "(312) 555-0150"]'),
                Field("numbers", "Numbers", "number", listed=True, create=False,
                      edit=False))),
)
BY_SLUG = {kind.slug: kind for kind in KINDS}


def _page(slug: str) -> tuple[str, str, str]:
    kind = BY_SLUG[slug]
    return f"/manage/{slug}", kind.title, kind.privilege


def _opens(who: Viewer, href: str, privilege: str) -> bool:
    kind = BY_SLUG.get(href.removeprefix("/manage/"))
    if kind is not None:
        return kind.opens_to(who)
    return who.may(privilege) and (privilege != "take_calls" or who.agent_id is not None)


# (group, ((href, label, privilege), ...)); "take_calls" links need an agent too.
NAVIGATION: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    ("Campaigns", (("/", "Campaigns", "manage_campaigns"),
                   ("/campaigns/new", "New campaign", "manage_campaigns"),
                   _page("attempts"), _page("scripts"), _page("followups"),
                   _page("caller-id-pools"))),
    ("Floor", (("/floor", "Wallboard", "manage_campaigns"),
               ("/reports/agents", "Reports", "manage_campaigns"),
               ("/agent", "Agent desk", "take_calls"))),
    ("Inbound", (_page("voicemails"), _page("inbound-calls"), _page("action-calls"))),
    ("Contacts", (_page("contacts"), _page("filters"), _page("suppression-lists"))),
    ("People", (_page("users"), _page("agents"), _page("agent-groups"), _page("roles"),
                _page("profiles"), _page("pause-reasons"))),
    ("Compliance", (("/dnc", "Do-not-call lists", "manage_campaigns"),
                    ("/audit", "Audit log", "manage_users"))),
    ("Settings", (("/ring-group", "Ring group", "manage_inbound"),
                  ("/prompts", "Audio prompts", "manage_campaigns"), _page("webhooks"),
                  ("/plans", "Plans", "manage_system"), _page("accounts"), _page("trunks"))),
)


def navigation(who: Viewer) -> list[tuple[str, list[tuple[str, str]]]]:
    """The groups of links `who` may follow (groups left empty are left out)."""
    shown = []
    for group, links in NAVIGATION:
        mine = [(href, label) for href, label, privilege in links if _opens(who, href, privilege)]
        if mine:
            shown.append((group, mine))
    return shown
