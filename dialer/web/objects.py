"""The console's object pages, described as data: what each object's fields are, how they
are labelled and typed, which API paths list, read, create, change and remove it, and who
sees it. One template (objects.html) and one script (static/objects.js) build every list,
detail, create and edit page from these descriptions (`/manage/<slug>`); the navigation
(`navigation`) groups these pages with the hand-written ones and shows a user only those
their privileges allow.

API paths are templates: `{account}` is the signed-in user's account, `{id}` the object's
id, any other `{name}` the object's (or the form's) value of that field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Protocol

from ..core.privileges import PRIVILEGES
from ..db.suppression import KINDS as SUPPRESSION_KINDS
from ..followups.decisions import Status as FollowupStatus


@dataclass(frozen=True)
class Options:
    """A select's choices read from the API: each item's `value` shown as its `label`."""

    path: str
    value: str = "id"
    label: str = "name"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    # text, email, password, number, checkbox, select, multi (several choices), json,
    # datetime-local
    type: str = "text"
    listed: bool = False     # a column of the list
    create: bool = True      # on the create form
    edit: bool = True        # changeable on the detail page (else shown read-only)
    required: bool = False
    choices: tuple[str, ...] = ()
    options: Options | None = None
    hint: str = ""


@dataclass(frozen=True)
class Removal:
    """How the detail page removes an object: `delete` (the method on `path`), or
    `disable`/`cancel` (a PATCH or POST of `body` to `path`)."""

    label: str
    method: str
    path: str
    body: dict | None = None
    when: str | None = None  # shown only while this field of the object is true / this status


@dataclass(frozen=True)
class ObjectKind:
    slug: str
    title: str
    singular: str
    privilege: str                  # to see the page (the API checks every call itself)
    list_path: str
    fields: tuple[Field, ...]
    item_path: str | None = None    # GET one; None: the list shows all there is
    create_path: str | None = None
    update_method: str | None = None  # PATCH on item_path
    removal: Removal | None = None
    search: bool = True             # the list takes ?q=
    filters: tuple[Field, ...] = ()  # selects sent as query parameters
    link: str | None = None         # the object's own page, beside its detail
    link_label: str = ""

    def as_json(self) -> dict:
        return asdict(self)


_ACCOUNT = "/api/accounts/{account}"
_TIMEZONE = Field("timezone", "Time zone", hint="e.g. America/New_York")
_CAMPAIGNS = Options(f"{_ACCOUNT}/campaigns")

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
        item_path="/api/agents/{id}", create_path=f"{_ACCOUNT}/agents",
        link="/manage/users/{user_id}", link_label="Edit the agent's user",
        fields=(Field("username", "User name", listed=True, required=True, edit=False),
                Field("full_name", "Full name", listed=True, edit=False),
                Field("endpoint", "Desk phone", listed=True, required=True, edit=False,
                      hint="e.g. PJSIP/agent1"),
                Field("group_ids", "Groups", "multi", edit=False,
                      options=Options(f"{_ACCOUNT}/agent-groups")),
                Field("profile_id", "Profile", "select", edit=False,
                      options=Options(f"{_ACCOUNT}/profiles")),
                Field("password", "Password", "password", edit=False),
                Field("state", "State", listed=True, create=False, edit=False))),
    ObjectKind(
        "agent-groups", "Agent groups", "agent group", "manage_users",
        f"{_ACCOUNT}/agent-groups", item_path="/api/agent-groups/{id}",
        create_path=f"{_ACCOUNT}/agent-groups",
        fields=(Field("name", "Name", listed=True, required=True, edit=False),
                Field("manual_dial_allowed", "Manual dial allowed", "checkbox", listed=True,
                      edit=False),
                Field("followups_allowed", "Followups allowed", "checkbox", listed=True,
                      edit=False),
                Field("wrap_up_seconds", "Wrap-up seconds", "number", listed=True, edit=False),
                Field("agent_ids", "Agents", "multi", create=False, edit=False,
                      options=Options(f"{_ACCOUNT}/agents", "id", "username")))),
    ObjectKind(
        "roles", "Roles", "role", "manage_users", "/api/roles",
        create_path=f"{_ACCOUNT}/roles",
        fields=(Field("name", "Name", listed=True, required=True),
                Field("privileges", "Privileges", "multi", listed=True, choices=PRIVILEGES),
                Field("built_in", "Built in", "checkbox", listed=True, create=False))),
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
                Field("definition", "Questions (JSON)", "json", required=True,
                      hint='a list of items, e.g. [{"id": "q1", "type": "text", '
                           '"label": "Interested?"}]'),
                Field("dispositions", "Dispositions (JSON)", "json", listed=True,
                      hint='e.g. ["sale", "no sale"]; empty: any'),
                Field("campaign_ids", "Used by campaigns", listed=True, create=False,
                      edit=False))),
    ObjectKind(
        "followups", "Followups", "followup", "manage_campaigns", f"{_ACCOUNT}/followups",
        item_path="/api/followups/{id}", create_path="/api/agents/{agent_id}/followups",
        removal=Removal("Cancel", "POST", "/api/agents/{agent_id}/followups/{id}/cancel",
                        when="status=scheduled|offered"),
        search=False,
        filters=(Field("status", "Status", "select", choices=tuple(FollowupStatus)),),
        fields=(Field("agent_id", "Agent", "select", listed=True, required=True, edit=False,
                      options=Options(f"{_ACCOUNT}/agents", "id", "username")),
                Field("contact_id", "Contact id", "number", listed=True, required=True,
                      edit=False),
                Field("local_time", "When (local time)", "datetime-local", listed=True,
                      required=True, edit=False),
                Field("zone", "In the zone of", "select", edit=False,
                      choices=("agent", "contact"), hint="whose clock the time is read on"),
                Field("timezone", "Time zone", listed=True, create=False, edit=False),
                Field("status", "Status", listed=True, create=False, edit=False))),
    ObjectKind(
        "accounts", "Accounts", "account", "manage_system", "/api/accounts",
        item_path="/api/accounts/{id}", create_path="/api/accounts",
        fields=(Field("name", "Name", listed=True, required=True, edit=False),
                Field("plan_id", "Plan", "select", listed=True, required=True, edit=False,
                      options=Options("/api/plans")),
                Field("company_number", "Company number", listed=True, edit=False),
                Field("timezone", "Time zone", listed=True, edit=False))),
)
BY_SLUG = {kind.slug: kind for kind in KINDS}


class Viewer(Protocol):
    """What the navigation needs of the signed-in identity (db.auth.Identity)."""

    agent_id: int | None

    def may(self, privilege: str) -> bool: ...


def _page(slug: str) -> tuple[str, str, str]:
    kind = BY_SLUG[slug]
    return f"/manage/{slug}", kind.title, kind.privilege


# (group, ((href, label, privilege), ...)); "take_calls" links need an agent too.
NAVIGATION: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    ("Campaigns", (("/", "Campaigns", "manage_campaigns"),
                   ("/campaigns/new", "New campaign", "manage_campaigns"),
                   _page("scripts"), _page("followups"))),
    ("Floor", (("/floor", "Wallboard", "manage_campaigns"),
               ("/reports/agents", "Reports", "manage_campaigns"),
               ("/agent", "Agent desk", "take_calls"))),
    ("Contacts", (_page("contacts"), _page("suppression-lists"))),
    ("People", (_page("users"), _page("agents"), _page("agent-groups"), _page("roles"),
                _page("profiles"), _page("pause-reasons"))),
    ("Compliance", (("/dnc", "Do-not-call lists", "manage_campaigns"),
                    ("/audit", "Audit log", "manage_users"))),
    ("Settings", (("/ring-group", "Ring group", "manage_inbound"),
                  ("/prompts", "Audio prompts", "manage_campaigns"),
                  ("/plans", "Plans", "manage_system"), _page("accounts"))),
)


def navigation(who: Viewer) -> list[tuple[str, list[tuple[str, str]]]]:
    """The groups of links `who` may follow (groups left empty are left out)."""
    shown = []
    for group, links in NAVIGATION:
        mine = [(href, label) for href, label, privilege in links
                if who.may(privilege) and (privilege != "take_calls" or who.agent_id is not None)]
        if mine:
            shown.append((group, mine))
    return shown
