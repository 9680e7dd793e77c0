"""Contact import and filters. One transaction per function; plain dicts out.

Import merges into the account's existing contacts instead of duplicating them: same
client_id first, else a shared phone number (only when the client_ids cannot disagree).
A merge fills blanks and adds phones; it never overwrites what is stored.

Filters are JSON: {"all": [cond, ...]} or {"any": [cond, ...]}, where a cond is
{"field", "op", "value"} or itself a group. Fields: name, email, timezone, client_id,
list_id, phone_prefix (any of the contact's numbers), fields.<key>. Ops: eq, ne, contains,
startswith, in (value is a list). eq/ne/in are exact; contains/startswith ignore case.
For phone_prefix, eq and startswith both mean "a number starts with", ne "no number
starts with", in "a number starts with one of". Conditions are evaluated in Python, as
`fields` is a TEXT document the database never looks inside.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

import peewee as pw

from .audit import audited
from ..core.csv_import import parse_contacts
from .models import (Account, Campaign, CampaignContact, Contact, ContactList, ContactPhone,
                     Filter)
from .rows import dicts, tuples
from .validation import ConflictError, FieldError, region, reject_unknown, text, transaction

PLAIN_FIELDS = ("name", "email", "timezone", "client_id", "list_id")
OPS = ("eq", "ne", "contains", "startswith", "in")


# --- import ---------------------------------------------------------------------------


def _existing(account_id: int, client_id: str | None, phones: tuple[str, ...]) -> Contact | None:
    if client_id:
        found = Contact.get_or_none((Contact.account == account_id)
                                    & (Contact.client_id == client_id))
        if found is not None:
            return found
    by_phone = (Contact.select().join(ContactPhone)
                .where((Contact.account == account_id) & ContactPhone.number.in_(phones))
                .order_by(Contact.id))
    if client_id:  # never merge two different customer keys
        by_phone = by_phone.where(Contact.client_id.is_null())
    return by_phone.first()


def _merge(contact: Contact, parsed) -> None:
    for name in ("name", "email", "timezone", "client_id"):
        value = getattr(parsed, name)
        if value and not getattr(contact, name):
            setattr(contact, name, value)
    extra = {k: v for k, v in parsed.fields.items() if k not in (contact.fields or {})}
    if extra:
        contact.fields = {**(contact.fields or {}), **extra}
    contact.save()


def _add_phones(contact: Contact, phones: tuple[str, ...]) -> None:
    have = [n for (n,) in tuples(ContactPhone.select(ContactPhone.number)
            .where(ContactPhone.contact == contact.id))]
    position = (ContactPhone.select(pw.fn.MAX(ContactPhone.position))
                .where(ContactPhone.contact == contact.id).scalar())
    position = -1 if position is None else position
    for number in phones:
        if number not in have:
            position += 1
            ContactPhone.create(contact=contact, number=number, position=position)
            have.append(number)


@transaction
@audited("contact_list", target=None, created="list_id")
def import_contacts(account_id: int, list_name: str, csv_text: str, mapping: Mapping[str, str],
                    default_region: str, campaign_id: int | None = None) -> dict:
    """Import a CSV into a new ContactList (and the campaign, if given).

    Bad rows are reported in `errors` (line, field, reason) and the good rows kept; a
    mapping that does not fit the file raises `CsvMappingError` before anything is written.
    `merged` counts contacts that already existed in the account; `duplicate_rows` rows
    folded into an earlier row of the same file.
    """
    account = Account.get_by_id(account_id)
    list_name = text("list_name", list_name)
    if not isinstance(csv_text, str) or not csv_text.strip():
        raise FieldError("csv", "the file is empty")
    if not isinstance(mapping, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise FieldError("mapping", "must map CSV column names to field names")
    default_region = region("default_region", default_region)
    campaign = None
    if campaign_id is not None:
        campaign = Campaign.get_or_none((Campaign.id == campaign_id)
                                        & (Campaign.account == account.id))
        if campaign is None:
            raise FieldError("campaign_id", "no such campaign in this account")
        if campaign.status in ("terminated", "archived"):
            raise ConflictError("campaign_id", f"the campaign is {campaign.status}")
    result = parse_contacts(csv_text, mapping, default_region=default_region)

    contact_list = ContactList.create(account=account, name=list_name)
    created = merged = attached = 0
    for parsed in result.contacts:
        contact = _existing(account.id, parsed.client_id, parsed.phones)
        if contact is None:
            contact = Contact.create(account=account, contact_list=contact_list,
                                     name=parsed.name, email=parsed.email,
                                     timezone=parsed.timezone, client_id=parsed.client_id,
                                     fields=dict(parsed.fields))
            created += 1
        else:
            _merge(contact, parsed)
            merged += 1
        _add_phones(contact, parsed.phones)
        if campaign is not None:
            _, new = CampaignContact.get_or_create(campaign=campaign, contact=contact)
            attached += new
    return {
        "list_id": contact_list.id, "created": created, "merged": merged,
        "attached": attached, "rows": result.rows, "duplicate_rows": result.merged,
        "errors": [{"line": e.line, "field": e.field, "reason": e.reason}
                   for e in result.errors],
        "warnings": [{"line": w.line, "field": w.field, "reason": w.reason}
                     for w in result.warnings],
    }


# --- filters --------------------------------------------------------------------------


def validate_definition(definition: Any, path: str = "definition") -> None:
    """Raise FieldError("definition", "<path>: <problem>") unless well formed."""
    def bad(where: str, problem: str):
        raise FieldError("definition", f"{where}: {problem}")

    if not isinstance(definition, dict) or len(definition) != 1 or \
            next(iter(definition)) not in ("all", "any"):
        bad(path, 'must be {"all": [...]} or {"any": [...]}')
    kind, conds = next(iter(definition.items()))
    if not isinstance(conds, list):
        bad(f"{path}.{kind}", "must be a list of conditions")
    for i, cond in enumerate(conds):
        where = f"{path}.{kind}[{i}]"
        if isinstance(cond, dict) and set(cond) & {"all", "any"}:
            validate_definition(cond, where)
            continue
        if not isinstance(cond, dict) or set(cond) != {"field", "op", "value"}:
            bad(where, 'a condition is {"field", "op", "value"}')
        field, op, value = cond["field"], cond["op"], cond["value"]
        if not isinstance(field, str) or not (
                field in PLAIN_FIELDS or field == "phone_prefix"
                or (field.startswith("fields.") and len(field) > 7)):
            bad(where, f"unknown field {field!r}: use {', '.join(PLAIN_FIELDS)}, "
                       "phone_prefix or fields.<name>")
        if op not in OPS:
            bad(where, f"unknown op {op!r}: use {', '.join(OPS)}")
        values = value if op == "in" else [value]
        if op == "in" and not isinstance(value, list):
            bad(where, "op in needs a list value")
        for v in values:
            if field == "list_id":
                if op in ("contains", "startswith"):
                    bad(where, f"list_id does not support {op}")
                if not (isinstance(v, int) and not isinstance(v, bool)):
                    bad(where, "list_id values are integers")
            elif not (isinstance(v, str) or (v is None and op in ("eq", "ne", "in"))):
                bad(where, "values are strings")


def _str_op(op: str, actual: Any, value: Any) -> bool:
    if op == "eq":
        return actual == value
    if op == "ne":
        return actual != value
    if op == "in":
        return actual in value
    if actual is None:
        return False
    actual, value = str(actual).casefold(), value.casefold()
    return value in actual if op == "contains" else actual.startswith(value)


def _phone_op(op: str, phones: list[str], value: Any) -> bool:
    if op == "contains":
        return any(value in p for p in phones)
    prefixes = value if op == "in" else [value]
    hit = any(p.startswith(x) for p in phones for x in prefixes if x)
    return not hit if op == "ne" else hit


def _matches(definition: dict, row: dict) -> bool:
    kind, conds = next(iter(definition.items()))
    results = (
        _matches(c, row) if set(c) & {"all", "any"} else
        _phone_op(c["op"], row["phones"], c["value"]) if c["field"] == "phone_prefix" else
        _str_op(c["op"], (row["fields"] or {}).get(c["field"][7:])
                if c["field"].startswith("fields.") else row[c["field"]], c["value"])
        for c in conds)
    return all(results) if kind == "all" else any(results)


def _select(account_id: int, definition: dict) -> list[int]:
    phones: dict[int, list[str]] = {}
    for contact_id, number in tuples(ContactPhone.select(ContactPhone.contact, ContactPhone.number)
                               .join(Contact).where(Contact.account == account_id)
                               .order_by(ContactPhone.position, ContactPhone.id)):
        phones.setdefault(contact_id, []).append(number)
    query = dicts(Contact.select(Contact.id, Contact.name, Contact.email, Contact.timezone,
                                 Contact.client_id, Contact.contact_list.alias("list_id"),
                                 Contact.fields)
                  .where(Contact.account == account_id).order_by(Contact.id))
    ids = []
    for row in query:
        if isinstance(row["fields"], str):  # in case a driver hands back the raw TEXT
            row["fields"] = json.loads(row["fields"])
        row["phones"] = phones.get(row["id"], [])
        if _matches(definition, row):
            ids.append(row["id"])
    return ids


@transaction
def select_contacts(account_id: int, definition: dict) -> list[int]:
    """Ids of the account's contacts matching `definition`, ascending."""
    Account.get_by_id(account_id)
    validate_definition(definition)
    return _select(account_id, definition)


def filter_dict(f: Filter) -> dict:
    return {"id": f.id, "account_id": f.account_id, "name": f.name, "definition": f.definition}


@transaction
@audited("filter", target=None)
def create_filter(account_id: int, name: str, definition: dict) -> dict:
    account = Account.get_by_id(account_id)
    name = text("name", name)
    validate_definition(definition)
    return filter_dict(Filter.create(account=account, name=name, definition=definition))


@transaction
@audited("filter")
def update_filter(filter_id: int, /, **values: Any) -> dict:
    """Rename the filter or change its definition."""
    reject_unknown(values, ("name", "definition"))
    f = Filter.get_by_id(filter_id)
    if "name" in values:
        f.name = text("name", values["name"])
    if "definition" in values:
        validate_definition(values["definition"])
        f.definition = values["definition"]
    f.save()
    return filter_dict(f)


@transaction
@audited("filter")
def delete_filter(filter_id: int) -> dict:
    """Delete the filter (contacts it attached stay in their campaigns)."""
    Filter.get_by_id(filter_id).delete_instance()
    return {"id": filter_id, "deleted": True}


MATCHES_SHOWN = 100


@transaction
def filter_contacts(filter_id: int) -> dict:
    """The contacts the filter matches: every id, and the first MATCHES_SHOWN by name."""
    f = Filter.get_by_id(filter_id)
    ids = _select(f.account_id, f.definition)
    shown = [{"id": c.id, "name": c.name, "email": c.email, "client_id": c.client_id}
             for c in Contact.select().where(Contact.id.in_(ids[:MATCHES_SHOWN]))
             .order_by(Contact.id)]
    return {"filter_id": f.id, "count": len(ids), "contact_ids": ids, "contacts": shown}


@transaction
@audited("campaign")
def attach_filter(campaign_id: int, filter_id: int) -> dict:
    """Attach every contact the filter matches; ones already in the campaign are skipped."""
    campaign = Campaign.get_by_id(campaign_id)
    f = Filter.get_by_id(filter_id)
    if f.account_id != campaign.account_id:
        raise FieldError("filter_id", "the filter belongs to another account")
    if campaign.status in ("terminated", "archived"):
        raise ConflictError("status", f"the campaign is {campaign.status}")
    ids = _select(f.account_id, f.definition)
    present = {cid for (cid,) in tuples(CampaignContact.select(CampaignContact.contact)
               .where(CampaignContact.campaign == campaign.id))}
    new = [cid for cid in ids if cid not in present]
    for start in range(0, len(new), 500):
        CampaignContact.insert_many([{"campaign": campaign.id, "contact": cid}
                                     for cid in new[start:start + 500]]).execute()
    return {"campaign_id": campaign.id, "filter_id": f.id, "matched": len(ids),
            "attached": len(new)}
