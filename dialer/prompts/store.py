"""An account's prompts in the database, and the checks of the fields that name them.

A prompt's row is written before its files (its id names them) and removed before them;
`status` says whether the files are there (`ready`), still coming from a desk phone
(`recording`) or never came (`failed`). One transaction per function; typed records out.
"""

from __future__ import annotations

from typing import Any

from ..core.asterisk_input import UnsafeValue, parse_endpoint
from ..db.audit import audited
from ..db.fields import utcnow
from ..db.models import Agent, Campaign, Prompt as PromptRow, RingGroup, User
from ..db.validation import ConflictError, FieldError, text, transaction
from . import model
from .model import Prompt, Source, Status

# the fields that play a message, and the model that holds each
CAMPAIGN_FIELDS = ("machine_message", "safe_harbour_message", "consent_prompt",
                   "screening_message")
RING_GROUP_FIELDS = ("status_prompt", "whisper_prompt")


def _prompt(row: PromptRow) -> Prompt:
    return Prompt(id=row.id, account_id=row.account_id, name=row.name,
                  source=Source(row.source),
                  status=model.status_of(Status(row.status), row.created_at, utcnow()),
                  duration_seconds=row.duration_seconds)


def _name(account_id: int, value: Any, prompt_id: int | None = None) -> str:
    name = text("name", value, max_length=model.MAX_NAME).strip()
    if not name:
        raise FieldError("name", "must not be blank")
    taken = PromptRow.select().where((PromptRow.account == account_id)
                                     & (PromptRow.name == name))
    if prompt_id is not None:
        taken = taken.where(PromptRow.id != prompt_id)
    if taken.exists():
        raise ConflictError("name", f"a prompt named {name!r} exists")
    return name


def check_name(account_id: int, value: Any) -> str:
    """A free name for a new prompt (checked before the audio is converted)."""
    return _name(account_id, value)


@transaction
def list_prompts(account_id: int) -> list[Prompt]:
    return [_prompt(r) for r in PromptRow.select().where(PromptRow.account == account_id)
            .order_by(PromptRow.name)]


@transaction
def get_prompt(prompt_id: int) -> Prompt:
    return _prompt(PromptRow.get_by_id(prompt_id))


@transaction
@audited("prompt", target=None)
def create_prompt(account_id: int, name: Any, source: Source, *,
                  seconds: float | None = None,
                  status: Status = Status.READY) -> Prompt:
    """The row of a new prompt; its files are written next, named by its id."""
    return _prompt(PromptRow.create(account=account_id, name=_name(account_id, name),
                                    source=source.value, status=status.value,
                                    duration_seconds=seconds))


@transaction
def finish_recording(prompt_id: int, seconds: float | None) -> Prompt | None:
    """A recorded prompt's files are there (`seconds`), or never came (None). None if the
    prompt was deleted meanwhile."""
    row = PromptRow.get_or_none(PromptRow.id == prompt_id)
    if row is None:
        return None
    row.status = (Status.READY if seconds is not None else Status.FAILED).value
    row.duration_seconds = seconds
    row.save()
    return _prompt(row)


@transaction
@audited("prompt")
def rename_prompt(prompt_id: int, name: Any) -> Prompt:
    row = PromptRow.get_by_id(prompt_id)
    row.name = _name(row.account_id, name, prompt_id)
    row.save()
    return _prompt(row)


def uses(prompt_id: int) -> list[str]:
    """Where a prompt is played: "campaign 'Spring' (machine_message)"..."""
    ref = f"prompt:{prompt_id}"
    found = []
    for kind, table, fields in (("campaign", Campaign, CAMPAIGN_FIELDS),
                                ("ring group", RingGroup, RING_GROUP_FIELDS)):
        for name in fields:
            for row in table.select().where(getattr(table, name) == ref).order_by(table.id):
                found.append(f"{kind} {row.name!r} ({name})")
    return found


@transaction
@audited("prompt")
def delete_prompt(prompt_id: int) -> Prompt:
    """Refused (409) while a message field plays it; the caller removes the files."""
    row = PromptRow.get_by_id(prompt_id)
    used = uses(prompt_id)
    if used:
        raise ConflictError("prompt", model.usage_message(used))
    prompt = _prompt(row)
    row.delete_instance()
    return prompt


@transaction
def desk_phone(account_id: int, user_id: Any) -> str:
    """The dial string of a user's desk phone (theirs, or their agent's): a 400 naming
    `user_id` for a user of no account's or another account's, 409 when there is none."""
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise FieldError("user_id", "not an id")
    user = User.get_or_none((User.id == user_id) & (User.account == account_id))
    if user is None:
        raise FieldError("user_id", "no such user in this account")
    agent = Agent.get_or_none(Agent.user == user.id)
    endpoint = user.endpoint or (agent.endpoint if agent is not None else None)
    if not endpoint:
        raise ConflictError("user_id", f"{user.username} has no desk phone (endpoint)")
    try:
        return parse_endpoint(endpoint).dial_string
    except UnsafeValue as exc:
        raise ConflictError("user_id", exc.reason) from None


def check_references(account_id: int, values: dict[str, Any]) -> None:
    """Each changed message field (`values`, already in stored form) names a ready prompt
    of the account, or a shipped sound (a 400 naming the field otherwise)."""
    for field, value in values.items():
        if value is None:
            continue
        try:
            reference = model.parse(value)
        except model.BadReference as exc:
            raise FieldError(field, exc.reason) from None
        if isinstance(reference, model.Uploaded):
            row = PromptRow.get_or_none((PromptRow.id == reference.prompt_id)
                                        & (PromptRow.account == account_id))
            if row is None:  # another account's prompt reads as no prompt at all
                raise FieldError(field, f"no prompt {reference.prompt_id} in this account")
            if _prompt(row).status is not Status.READY:
                raise FieldError(field, f"prompt {row.name!r} is not ready ({row.status})")


def choices(account_id: int) -> list[dict]:
    """What a message field may name: the account's ready prompts, then the shipped sounds."""
    mine = [{"value": f"prompt:{p.id}", "label": p.name} for p in list_prompts(account_id)
            if p.status is Status.READY]
    return mine + [{"value": name, "label": f"{name} (shipped)"}
                   for name in model.BUILT_IN_SOUNDS]
