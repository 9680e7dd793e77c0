"""Call scripts: the form shown to an agent, and the answers checked against it.

A definition is a JSON list of items `{id, type, label, options?, required?}`:

- text: a block of text for the agent to read (no answer);
- checkbox: true/false (required: must be ticked, e.g. "disclosure read");
- yesno: a yes/no question, answered true or false (required: answered either way);
- choice: one of `options`; multi: a list of distinct `options`;
- free: a free-text answer; number: a number; date: a day, "YYYY-MM-DD".

The dispositions a script offers are checked by `dialer.core.dispositions`.

Scripts are edited by account owners and answers come from agents' browsers, so both are
checked here and every error names its item (`ScriptError.field`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
from typing import Any, Mapping

ITEM_TYPES = ("text", "checkbox", "yesno", "choice", "multi", "free", "number", "date")
_WITH_OPTIONS = ("choice", "multi")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_LABEL = 5000
MAX_OPTION = 255
MAX_FREE_ANSWER = 4000
MAX_ITEMS = 200


class ScriptError(ValueError):
    """`field` is "definition[i].key" for a definition, "answers.<item id>" for answers."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _text(field: str, value: Any, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ScriptError(field, "must be a non-empty string")
    if len(value) > max_length:
        raise ScriptError(field, f"must be at most {max_length} characters")
    return value.strip()


def _item(i: int, raw: Any, seen: set[str]) -> dict[str, Any]:
    at = f"definition[{i}]"
    if not isinstance(raw, Mapping):
        raise ScriptError(at, "must be an object")
    for key in raw:
        if key not in ("id", "type", "label", "options", "required"):
            raise ScriptError(f"{at}.{key}", "unknown key")
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not _ID.match(item_id):
        raise ScriptError(f"{at}.id", "must be 1 to 64 letters, digits, _ or -")
    if item_id in seen:
        raise ScriptError(f"{at}.id", f"{item_id!r} is used twice")
    seen.add(item_id)
    kind = raw.get("type")
    if kind not in ITEM_TYPES:
        raise ScriptError(f"{at}.type", f"{kind!r} is not one of {', '.join(ITEM_TYPES)}")
    item = {"id": item_id, "type": kind, "label": _text(f"{at}.label", raw.get("label"),
                                                         MAX_LABEL)}
    if kind in _WITH_OPTIONS:
        options = raw.get("options")
        if not isinstance(options, list) or not options:
            raise ScriptError(f"{at}.options", "must be a non-empty list of strings")
        item["options"] = [_text(f"{at}.options", o, MAX_OPTION) for o in options]
        if len(set(item["options"])) != len(item["options"]):
            raise ScriptError(f"{at}.options", "has the same option twice")
    elif "options" in raw:
        raise ScriptError(f"{at}.options", f"a {kind} item has no options")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise ScriptError(f"{at}.required", "must be true or false")
    if kind == "text" and required:
        raise ScriptError(f"{at}.required", "a text block takes no answer")
    item["required"] = required
    return item


def validate_definition(raw: Any) -> list[dict[str, Any]]:
    """The cleaned list of items (labels stripped, `required` always present)."""
    if not isinstance(raw, list):
        raise ScriptError("definition", "must be a list of items")
    if len(raw) > MAX_ITEMS:
        raise ScriptError("definition", f"has more than {MAX_ITEMS} items")
    seen: set[str] = set()
    return [_item(i, item, seen) for i, item in enumerate(raw)]


def _answer(item: dict[str, Any], value: Any, required: bool) -> Any:
    field, kind = f"answers.{item['id']}", item["type"]
    if kind == "text":
        raise ScriptError(field, "is a text block and takes no answer")
    if kind in ("checkbox", "yesno"):
        if not isinstance(value, bool):
            raise ScriptError(field, "must be true or false")
        if kind == "checkbox" and required and not value:
            raise ScriptError(field, "must be ticked")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ScriptError(field, "must be a number")
        return value
    if kind == "date":
        return _day(field, value)
    if kind == "choice":
        if value not in item["options"]:
            raise ScriptError(field, f"{value!r} is not one of the options")
        return value
    if kind == "multi":
        if not isinstance(value, list) or any(v not in item["options"] for v in value):
            raise ScriptError(field, "must be a list of the options")
        if len(set(value)) != len(value):
            raise ScriptError(field, "names an option twice")
        if required and not value:
            raise ScriptError(field, "pick at least one option")
        return [o for o in item["options"] if o in value]  # the script's order
    if not isinstance(value, str):
        raise ScriptError(field, "must be a string")
    if len(value) > MAX_FREE_ANSWER:
        raise ScriptError(field, f"must be at most {MAX_FREE_ANSWER} characters")
    if required and not value.strip():
        raise ScriptError(field, "is required")
    return value.strip()


def _day(field: str, value: Any) -> str:
    if isinstance(value, str) and len(value) == 10:
        with contextlib.suppress(ValueError):
            return dt.date.fromisoformat(value).isoformat()
    raise ScriptError(field, "must be a day, YYYY-MM-DD")


def validate_answers(items: list[dict[str, Any]], answers: Any, *, partial: bool = False) -> dict[str, Any]:
    """`answers` ({item id: answer}) checked against cleaned `items`; returns them cleaned.

    Unanswered optional items are left out; a required one must be answered (null counts
    as unanswered) unless `partial` (a draft saved during the call). Unknown ids are
    refused, not dropped: they mean the agent's form and the script disagree.
    """
    if not isinstance(answers, Mapping):
        raise ScriptError("answers", "must be an object of item id -> answer")
    by_id = {item["id"]: item for item in items}
    for item_id in answers:
        if item_id not in by_id:
            raise ScriptError(f"answers.{item_id}", "no such item in the script")
    clean = {}
    for item in items:
        value = answers.get(item["id"])
        if value is None:
            if item["required"] and not partial:
                raise ScriptError(f"answers.{item['id']}", "is required")
            continue
        clean[item["id"]] = _answer(item, value, item["required"] and not partial)
    return clean


def unanswered(items: list[dict[str, Any]], answers: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The first required item `answers` (as stored) leaves unanswered, if any."""
    given = answers or {}
    for item in items:
        value = given.get(item["id"])
        if item["required"] and (value is None or (isinstance(value, (str, list)) and not value)
                                 or (item["type"] == "checkbox" and value is not True)):
            return item
    return None
