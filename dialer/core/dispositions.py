"""A script's dispositions: the results an agent picks at the end of a call, each with the
label on its button, what it means for the contact and its keyboard shortcut.

A disposition is given as an object `{code, label?, meaning?, key?}` or, the older form, a
bare code. `code` is the token the campaign's rules match on (`agent_results`) and the
attempt stores; `meaning`:

- final: the call's result; the campaign's rules decide what happens next (the default);
- callback: the contact wants another call: the agent page asks for a followup time;
- do_not_call: the number goes on the account's internal do-not-call list at once.

`key` is one letter or digit; the agent page shows every disposition with a key: its own,
or else the first digit no other disposition uses (`with_shortcuts`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, Iterable, Mapping

from .scripts import ScriptError

TOKEN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")  # a disposition's code, as rules name it
_KEY = re.compile(r"^[a-z0-9]$")
MAX_LABEL = 64
MAX_DISPOSITIONS = 36  # one per letter and digit
_DIGITS = "1234567890"


class Meaning(str, Enum):
    FINAL = "final"
    CALLBACK = "callback"
    DO_NOT_CALL = "do_not_call"


@dataclass(frozen=True)
class Disposition:
    code: str
    label: str
    meaning: Meaning = Meaning.FINAL
    key: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "meaning": self.meaning.value,
                "key": self.key}


# Offered on the agent page when a call's script lists none (the API then takes any code).
DEFAULT_DISPOSITIONS = (
    Disposition("done", "Done", Meaning.FINAL, "1"),
    Disposition("callback", "Call back", Meaning.CALLBACK, "2"),
    Disposition("not_interested", "Not interested", Meaning.FINAL, "3"),
    Disposition("wrong_number", "Wrong number", Meaning.FINAL, "4"),
    Disposition("do-not-call", "Do not call", Meaning.DO_NOT_CALL, "5"),
)


def _code(field: str, value: Any) -> str:
    if not isinstance(value, str) or not TOKEN.match(value):
        raise ScriptError(field, f"{value!r} is not 1 to 64 letters, digits, _ . : or -")
    return value


def _one(i: int, raw: Any) -> Disposition:
    at = f"dispositions[{i}]"
    if isinstance(raw, str):
        return Disposition(_code(at, raw), raw)
    if not isinstance(raw, Mapping):
        raise ScriptError(at, "must be a code or an object {code, label, meaning, key}")
    for name in raw:
        if name not in ("code", "label", "meaning", "key"):
            raise ScriptError(f"{at}.{name}", "unknown key")
    code = _code(f"{at}.code", raw.get("code"))
    label = raw.get("label") or code
    if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL:
        raise ScriptError(f"{at}.label", f"must be 1 to {MAX_LABEL} characters")
    try:
        meaning = Meaning(raw.get("meaning") or Meaning.FINAL)
    except ValueError:
        raise ScriptError(f"{at}.meaning", "must be one of "
                          + ", ".join(m.value for m in Meaning)) from None
    key = raw.get("key") or None
    if key is not None and (not isinstance(key, str) or not _KEY.match(key.lower())):
        raise ScriptError(f"{at}.key", "must be one letter or digit")
    return Disposition(code, label.strip(), meaning, key.lower() if key else None)


def validate_dispositions(raw: Any) -> tuple[Disposition, ...]:
    """The dispositions a script offers (empty: any code), codes and keys distinct."""
    if not isinstance(raw, list):
        raise ScriptError("dispositions", "must be a list of dispositions")
    if len(raw) > MAX_DISPOSITIONS:
        raise ScriptError("dispositions", f"has more than {MAX_DISPOSITIONS} dispositions")
    found = tuple(_one(i, value) for i, value in enumerate(raw))
    codes: set[str] = set()
    keys: set[str] = set()
    for i, d in enumerate(found):
        if d.code in codes:
            raise ScriptError(f"dispositions[{i}].code", f"{d.code!r} is used twice")
        if d.key is not None and d.key in keys:
            raise ScriptError(f"dispositions[{i}].key", f"key {d.key!r} is used twice")
        codes.add(d.code)
        if d.key is not None:
            keys.add(d.key)
    return found


def stored_dispositions(raw: Any) -> tuple[Disposition, ...]:
    """A script row's dispositions as saved (bare codes from before labels, kept as they are)."""
    found = []
    for value in raw if isinstance(raw, list) else []:
        if isinstance(value, str):
            found.append(Disposition(value, value))
        elif isinstance(value, Mapping) and isinstance(value.get("code"), str):
            found.append(Disposition(value["code"], value.get("label") or value["code"],
                                     Meaning(value.get("meaning") or Meaning.FINAL),
                                     value.get("key")))
    return tuple(found)


def check_disposition(value: Any, offered: Iterable[Disposition]) -> Disposition:
    """The offered disposition `value` names; any code when none are offered (its meaning
    then that of the default disposition of that code, if any)."""
    code = _code("disposition", value)
    offered = tuple(offered)
    for d in offered or DEFAULT_DISPOSITIONS:
        if d.code == code:
            return d
    if offered:
        raise ScriptError("disposition", f"{code!r} is not one of "
                          + ", ".join(d.code for d in offered))
    return Disposition(code, code)


def with_shortcuts(offered: Iterable[Disposition]) -> tuple[Disposition, ...]:
    """Every disposition with a key: its own, else the first digit nobody's key takes
    (none left after ten: no shortcut)."""
    offered = tuple(offered)
    free = [d for d in _DIGITS if d not in {o.key for o in offered}]
    shown = []
    for d in offered:
        if d.key is None and free:
            d = replace(d, key=free.pop(0))
        shown.append(d)
    return tuple(shown)
