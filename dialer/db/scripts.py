"""Call scripts: CRUD, the answers and disposition an agent records on an attempt, and the
search over stored answers. One transaction per function; plain dicts out.

The form's items and the answers are checked by `dialer.core.scripts`. A campaign's
script also lists the dispositions (agent results) its agents may pick; the campaign's
rules match on them (`agent_results`, see `dialer.outbound.rules.decide`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from ..core import dispositions as chosen, scripts as core
from ..followups.decisions import utc
from ..outbound import store as dialing
from ..compliance.lists import on_disposition as dnc_on_disposition
from ..webhooks import events as webhook_events, outbox as webhooks
from .models import Account, Attempt, Campaign, Script
from .rows import tuples
from .queries import Visible, campaign_scope
from .validation import ConflictError, FieldError, reject_unknown, text, transaction


@contextlib.contextmanager
def _field_errors():
    try:
        yield
    except core.ScriptError as exc:
        raise FieldError(exc.field, str(exc)) from None


def _items(s: Script) -> list[dict]:
    return s.definition if isinstance(s.definition, list) else []  # {}: an unset old row


def script_dict(s: Script) -> dict:
    return {"id": s.id, "account_id": s.account_id, "name": s.name, "definition": _items(s),
            "dispositions": [d.as_json() for d in chosen.stored_dispositions(s.dispositions)],
            "campaign_ids": [c for (c,) in tuples(Campaign.select(Campaign.id)
                             .where(Campaign.script == s.id).order_by(Campaign.id))]}


def _clean(values: dict) -> dict:
    reject_unknown(values, ("name", "definition", "dispositions"))
    clean: dict[str, Any] = {}
    with _field_errors():
        if "name" in values:
            clean["name"] = text("name", values["name"])
        if "definition" in values:
            clean["definition"] = core.validate_definition(values["definition"])
        if "dispositions" in values:
            clean["dispositions"] = [d.as_json() for d in
                                     chosen.validate_dispositions(values["dispositions"])]
    return clean


@transaction
def create_script(account_id: int, /, **values: Any) -> dict:
    """Fields: name, definition (list of items), dispositions (list; empty: any)."""
    account = Account.get_by_id(account_id)
    clean = _clean(values)
    for name in ("name", "definition"):
        if name not in clean:
            raise FieldError(name, "required")
    return script_dict(Script.create(account=account, **clean))


@transaction
def update_script(script_id: int, /, **values: Any) -> dict:
    """Change some fields. Answers already stored stay as they were recorded."""
    s = Script.get_by_id(script_id)
    for name, value in _clean(values).items():
        setattr(s, name, value)
    s.save()
    return script_dict(s)


@transaction
def get_script(script_id: int) -> dict:
    return script_dict(Script.get_by_id(script_id))


@transaction
def list_scripts(account_id: int) -> list[dict]:
    Account.get_by_id(account_id)
    return [script_dict(s) for s in Script.select().where(Script.account == account_id)
            .order_by(Script.name, Script.id)]


@transaction
def delete_script(script_id: int) -> dict:
    s = Script.get_by_id(script_id)
    used = script_dict(s)["campaign_ids"]
    if used:
        raise ConflictError("id", f"campaigns {used} use this script: change theirs first")
    s.delete_instance()
    return {"id": script_id, "deleted": True}


@transaction
def attempt_script(attempt_id: int) -> dict:
    """The script of the attempt's campaign (the form to show during the call, or None),
    and the dispositions offered, each with its shortcut key (the script's, or the
    default ones)."""
    campaign = Attempt.get_by_id(attempt_id).campaign
    script = campaign.script if campaign else None
    offered = chosen.stored_dispositions(script.dispositions) if script else ()
    return {"script": script_dict(script) if script else None,
            "dispositions": [d.as_json() for d in chosen.with_shortcuts(
                offered or chosen.DEFAULT_DISPOSITIONS)]}


def _attempt(attempt_id: int, agent_id: int | None) -> Attempt:
    attempt = Attempt.get_by_id(attempt_id)
    if agent_id is not None and attempt.agent_id not in (None, agent_id):
        raise ConflictError("agent_id", "another agent took this call")
    return attempt


@transaction
def store_answers(attempt_id: int, answers: Any, *, now: dt.datetime,
                  agent_id: int | None = None, partial: bool = False) -> dict:
    """Check `answers` ({item id: answer}) against the campaign's script and store them
    on the attempt (replacing earlier ones). `partial`: a draft, required items may wait.
    FieldError names the item ("answers.<id>")."""
    attempt = _attempt(attempt_id, agent_id)
    campaign = attempt.campaign
    script = campaign.script if campaign else None
    if script is None:
        raise ConflictError("answers", "the attempt is in no campaign with a script")
    with _field_errors():
        clean = core.validate_answers(_items(script), answers, partial=partial)
    attempt.script_answers, attempt.script_answers_at = clean, now
    attempt.save()
    return {"attempt_id": attempt.id, "script_id": script.id, "answers": clean,
            "partial": partial, "script_answers_at": utc(now).isoformat()}


@transaction
def set_disposition(attempt_id: int, disposition: Any, *, now: dt.datetime,
                    agent_id: int | None = None) -> dict:
    """Record the agent's result for an attempt (one of the script's dispositions, any
    token if it lists none); the campaign's rules match on it. The script's required
    questions must have been answered first ("answers.<id>" names the first one left).
    During the call, the attempt's end applies the rules; given in wrap-up, the contact is
    moved on again with it ("next_state"), unless it has been dialled since."""
    attempt = _attempt(attempt_id, agent_id)
    campaign = attempt.campaign
    script = campaign.script if campaign else None
    with _field_errors():
        picked = chosen.check_disposition(
            disposition, chosen.stored_dispositions(script.dispositions) if script else ())
    left = core.unanswered(_items(script), attempt.script_answers) if script else None
    if left is not None:
        raise FieldError(f"answers.{left['id']}",
                         f"answer \u201c{left['label']}\u201d before choosing a disposition")
    disposition = picked.code
    attempt.disposition, attempt.disposition_at = disposition, now
    attempt.save()
    dnc_on_disposition(attempt.contact.account_id, attempt.contact_id, disposition,
                       means_do_not_call=picked.meaning is chosen.Meaning.DO_NOT_CALL)
    webhooks.record(attempt.contact.account_id, webhook_events.DispositionSaved(
        attempt_id=attempt.id, campaign_id=attempt.campaign_id, contact_id=attempt.contact_id,
        agent_id=attempt.agent_id, disposition=disposition, saved_at=now), now)
    decision = dialing.redecide_with_disposition(attempt.id, now)
    return {"attempt_id": attempt.id, "campaign_id": attempt.campaign_id,
            "contact_id": attempt.contact_id, "disposition": disposition,
            "disposition_at": utc(now).isoformat(), "ended": attempt.ended_at is not None,
            "next_state": decision.state if decision else None, "meaning": picked.meaning.value}


def _answer_matches(answer: Any, value: Any) -> bool:
    """Free text: case-insensitive substring; multi: one of the options; else equality."""
    if isinstance(answer, str) and isinstance(value, str):
        return value.casefold() in answer.casefold()
    if isinstance(answer, list):
        return value in answer
    if isinstance(answer, bool) and isinstance(value, str):  # from a query string
        return str(answer).lower() == value.lower()
    return answer == value and type(answer) is type(value)


@transaction
def search_answers(*, contact_id: int | None = None, campaign_id: int | None = None,
                   agent_id: int | None = None, since: dt.datetime | None = None,
                   until: dt.datetime | None = None, item_id: str | None = None,
                   value: Any = None, visible: Visible = None) -> list[dict]:
    """Attempts with stored answers, oldest first, by contact, by campaign, or by agent
    session (agent_id with since/until: sessions live in the runtime, not the database).
    `item_id` keeps attempts that answered it; with `value`, those whose answer matches.
    `visible`: only calls of these campaigns (or of none)."""
    if contact_id is None and campaign_id is None and agent_id is None:
        raise FieldError("contact_id", "give contact_id, campaign_id or agent_id")
    if value is not None and item_id is None:
        raise FieldError("item_id", "required to search by value")
    query = campaign_scope(Attempt.select().where(Attempt.script_answers.is_null(False))
                           .order_by(Attempt.started_at, Attempt.id), Attempt.campaign, visible)
    for column, wanted in ((Attempt.contact, contact_id), (Attempt.campaign, campaign_id),
                           (Attempt.agent, agent_id)):
        if wanted is not None:
            query = query.where(column == wanted)
    if since is not None:
        query = query.where(Attempt.started_at >= since)
    if until is not None:
        query = query.where(Attempt.started_at < until)
    found = []
    for a in query:
        answers = a.script_answers or {}
        if item_id is not None and (item_id not in answers or (
                value is not None and not _answer_matches(answers[item_id], value))):
            continue
        found.append({"attempt_id": a.id, "contact_id": a.contact_id,
                      "campaign_id": a.campaign_id, "agent_id": a.agent_id,
                      "started_at": utc(a.started_at).isoformat(),
                      "disposition": a.disposition, "answers": answers})
    return found
