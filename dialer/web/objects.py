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
from ..db.models import ActionCall
from ..db.suppression import KINDS as SUPPRESSION_KINDS
from ..followups.decisions import Status as FollowupStatus
from ..outbound.decisions import OUTCOMES
from ..webhooks.events import KINDS as WEBHOOK_EVENTS


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
    # datetime-local, audio (a player of `src`)
    type: str = "text"
    listed: bool = False     # a column of the list
    create: bool = True      # on the create form
    edit: bool = True        # changeable on the detail page (else shown read-only)
    required: bool = False
    choices: tuple[str, ...] = ()
    options: Options | None = None
    hint: str = ""
    src: str = ""            # audio: the API path of the sound


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
class Action:
    """A button of the detail page (or, in a `Related` table, of each row): `method` on
    `path` with `body`, shown while `when` holds (as Removal's); `shows`: a field of the
    answer shown this once (a secret)."""

    label: str
    method: str
    path: str
    body: dict | None = None
    when: str | None = None
    shows: str | None = None


@dataclass(frozen=True)
class Related:
    """A table on the detail page: the `key` list of `path`'s answer, or of the object
    itself when `path` is None. In its paths `{row}` is the row's id; each row's first
    cell links to `row_link`, and `action` is a button on each row."""

    title: str
    key: str
    columns: tuple[Field, ...]
    path: str | None = None
    row_link: str | None = None
    action: Action | None = None


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
    item_when: str | None = None    # the list links only the rows where this holds
    once: str | None = None         # a field of the create answer shown this once
    actions: tuple[Action, ...] = ()
    related: tuple[Related, ...] = ()
    whole_account: bool = False     # only for a profile showing every campaign

    def opens_to(self, who: Viewer) -> bool:
        """May `who` use the page (the API checks every call itself)?"""
        return who.may(self.privilege) and (not self.whole_account or who.campaigns is None)

    def as_json(self) -> dict:
        return asdict(self)


_ACCOUNT = "/api/accounts/{account}"
_TIMEZONE = Field("timezone", "Time zone", hint="e.g. America/New_York")
_CAMPAIGNS = Options(f"{_ACCOUNT}/campaigns")
_AGENTS = Options(f"{_ACCOUNT}/agents", "id", "username")
_GROUPS = Options(f"{_ACCOUNT}/agent-groups")
_VOICEMAIL = f"{_ACCOUNT}/voicemails/{{id}}"
# a call's transfer legs (an attempt's or an inbound call's)
_LEG_COLUMNS = (Field("leg", "Leg"), Field("mode", "Mode"), Field("status", "Status"),
                Field("by_agent_id", "By agent", options=_AGENTS),
                Field("to_agent_id", "To agent", options=_AGENTS),
                Field("to_group_id", "To group", options=_GROUPS),
                Field("to_number", "To number"), Field("started_at", "Started"))

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
    ObjectKind(
        "attempts", "Calls", "call", "manage_campaigns", f"{_ACCOUNT}/attempts",
        item_path="/api/attempts/{id}", search=False,
        link="/contacts/{contact_id}", link_label="The contact's timeline",
        filters=(Field("outcome", "Outcome", "select", choices=tuple(sorted(OUTCOMES))),),
        related=(Related("Transfer legs", "transfers", columns=_LEG_COLUMNS),
                 Related("Calling rules it was checked against", "verdict.rules",
                         path="/api/attempts/{id}/compliance",
                         columns=(Field("jurisdiction", "Jurisdiction"), Field("rule", "Rule"),
                                  Field("source", "Source"))),
                 Related("Do-not-call lists looked up", "verdict.lists",
                         path="/api/attempts/{id}/compliance",
                         columns=(Field("name", "List"), Field("as_of", "As of"),
                                  Field("listed", "Listed")))),
        fields=(Field("phone", "Phone", listed=True, edit=False),
                Field("campaign_id", "Campaign", "select", listed=True, edit=False,
                      options=_CAMPAIGNS),
                Field("started_at", "Started", listed=True, edit=False),
                Field("outcome", "Outcome", listed=True, edit=False),
                Field("agent_id", "Agent", "select", listed=True, edit=False, options=_AGENTS),
                Field("disposition", "Disposition", listed=True, edit=False),
                Field("recording_name", "Recording", "audio", listed=True, edit=False,
                      src="/api/attempts/{id}/recording"),
                Field("answered_at", "Answered", edit=False),
                Field("ended_at", "Ended", edit=False),
                Field("talk_seconds", "Talk seconds", edit=False),
                Field("amd_status", "Answering machine detection", edit=False),
                Field("hangup_cause", "Hang-up cause", edit=False),
                Field("consent_announced", "Recording consent announced", "checkbox",
                      edit=False))),
    ObjectKind(
        "voicemails", "Voicemails", "voicemail", "manage_inbound", f"{_ACCOUNT}/voicemails",
        item_path=_VOICEMAIL, search=False, link="/contacts/{contact_id}", link_label="Contact",
        filters=(Field("handled", "Handled", "select", choices=("no", "yes")),),
        actions=(Action("Mark handled", "PATCH", _VOICEMAIL, {"handled": True},
                        when="handled=false"),
                 Action("Mark not handled", "PATCH", _VOICEMAIL, {"handled": False},
                        when="handled=true")),
        fields=(Field("caller", "Caller", listed=True, edit=False),
                Field("created_at", "Left at", listed=True, edit=False),
                Field("duration_seconds", "Seconds", "number", listed=True, edit=False),
                Field("recording_name", "Message", "audio", listed=True, edit=False,
                      src=f"{_VOICEMAIL}/recording"),
                Field("handled", "Handled", "checkbox", listed=True, edit=False),
                Field("handled_by_name", "Handled by", listed=True, edit=False),
                Field("handled_at", "Handled at", edit=False))),
    ObjectKind(
        "inbound-calls", "Inbound calls", "inbound call", "manage_inbound",
        f"{_ACCOUNT}/inbound-calls", item_path=f"{_ACCOUNT}/inbound-calls/{{id}}", search=False,
        link="/contacts/{contact_id}", link_label="Contact",
        related=(Related("Transfer legs", "transfers", columns=_LEG_COLUMNS),),
        fields=(Field("caller", "Caller", listed=True, edit=False),
                Field("agent_id", "Taken by", "select", listed=True, edit=False,
                      options=_AGENTS),
                Field("started_at", "Started", listed=True, edit=False),
                Field("connected_at", "Taken", listed=True, edit=False),
                Field("ended_at", "Ended", listed=True, edit=False))),
    ObjectKind(
        "action-calls", "Action calls", "action call", "manage_inbound",
        f"{_ACCOUNT}/action-calls", item_path="/api/action-calls/{id}",
        create_path=f"{_ACCOUNT}/action-calls", search=False,
        link="/attempts/{attempt_id}", link_label="The call to the contact",
        filters=(Field("status", "Status", "select", choices=tuple(ActionCall.status.values)),),
        fields=(Field("contact_id", "Contact id", "number", listed=True, required=True,
                      edit=False),
                Field("delay_minutes", "Delay (minutes)", "number", edit=False,
                      hint="empty: now; a delayed call waits for business hours"),
                Field("due_at", "Due", listed=True, create=False, edit=False),
                Field("status", "Status", listed=True, create=False, edit=False))),
    ObjectKind(
        "webhooks", "Webhooks", "webhook", "manage_users", f"{_ACCOUNT}/webhooks",
        item_path="/api/webhooks/{id}", create_path=f"{_ACCOUNT}/webhooks",
        update_method="PATCH", removal=Removal("Delete", "DELETE", "/api/webhooks/{id}"),
        once="secret", whole_account=True, actions=(Action("New secret", "POST", "/api/webhooks/{id}/secret",
                                       shows="secret"),),
        related=(Related("Deliveries (newest first)", "items",
                         path="/api/webhooks/{id}/deliveries",
                         action=Action("Replay", "POST",
                                       "/api/webhooks/{id}/deliveries/{row}/replay"),
                         columns=(Field("type", "Event"), Field("status", "Status"),
                                  Field("attempts", "Tries"),
                                  Field("last_status_code", "Answer"),
                                  Field("last_error", "Error"),
                                  Field("last_duration_ms", "ms"),
                                  Field("created_at", "Queued"))),),
        fields=(Field("url", "URL", listed=True, required=True,
                      hint="http or https; receives signed POSTs (README: Webhooks)"),
                Field("events", "Events", "multi", listed=True, required=True,
                      choices=WEBHOOK_EVENTS),
                Field("enabled", "Enabled", "checkbox", listed=True, create=False),
                Field("description", "Description", listed=True))),
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
    campaigns: frozenset[int] | None  # None: every campaign of the account

    def may(self, privilege: str) -> bool: ...


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
                   _page("attempts"), _page("scripts"), _page("followups"))),
    ("Floor", (("/floor", "Wallboard", "manage_campaigns"),
               ("/reports/agents", "Reports", "manage_campaigns"),
               ("/agent", "Agent desk", "take_calls"))),
    ("Inbound", (_page("voicemails"), _page("inbound-calls"), _page("action-calls"))),
    ("Contacts", (_page("contacts"), _page("filters"), _page("suppression-lists"))),
    ("People", (_page("users"), _page("agents"), _page("agent-groups"), _page("roles"),
                _page("profiles"), _page("pause-reasons"))),
    ("Compliance", (("/dnc", "Do-not-call lists", "manage_campaigns"),
                    ("/audit", "Audit log", "manage_users"))),
    ("Settings", (("/ring-group", "Ring group", "manage_inbound"), _page("webhooks"),
                  ("/plans", "Plans", "manage_system"), _page("accounts"))),
)


def navigation(who: Viewer) -> list[tuple[str, list[tuple[str, str]]]]:
    """The groups of links `who` may follow (groups left empty are left out)."""
    shown = []
    for group, links in NAVIGATION:
        mine = [(href, label) for href, label, privilege in links if _opens(who, href, privilege)]
        if mine:
            shown.append((group, mine))
    return shown
