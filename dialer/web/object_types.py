"""The vocabulary of the console's object pages (dialer/web/objects.py): an object kind,
its fields, how its detail page removes it, its buttons and related tables, and who sees
it; and the API paths and choices several kinds share.

API paths are templates: `{account}` is the signed-in user's account, `{id}` the object's
id, `{row}` (in a related table) the row's id, any other `{name}` the object's (or the
form's) value of that field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Protocol


class Viewer(Protocol):
    """What the pages need of the signed-in identity (db.auth.Identity)."""

    agent_id: int | None
    campaigns: frozenset[int] | None  # None: every campaign of the account

    def may(self, privilege: str) -> bool: ...


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
    # datetime-local, audio (a player of `src`); or a type with an editor of its own (a
    # kind's `scripts`)
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
    scripts: tuple[str, ...] = ()   # static scripts after objects.js: editors of its fields

    def opens_to(self, who: Viewer) -> bool:
        """May `who` use the page (the API checks every call itself)?"""
        return who.may(self.privilege) and (not self.whole_account or who.campaigns is None)

    def as_json(self) -> dict:
        return asdict(self)


ACCOUNT = "/api/accounts/{account}"
CAMPAIGNS = Options(f"{ACCOUNT}/campaigns")
AGENTS = Options(f"{ACCOUNT}/agents", "id", "username")
GROUPS = Options(f"{ACCOUNT}/agent-groups")
