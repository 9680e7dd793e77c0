"""An account's audio prompts (dialer/prompts): the files are named by the row's id."""

from __future__ import annotations

import peewee as pw

from ..fields import EnumField, UTCDateTimeField, utcnow
from .accounts import Account
from .base import CASCADE, BaseModel


class Prompt(BaseModel):
    account = pw.ForeignKeyField(Account, backref="prompts", on_delete=CASCADE)
    account_id: int
    name = pw.CharField(max_length=100)
    source = EnumField(("upload", "recording", "speech"))
    status = EnumField(("ready", "recording", "failed"), default="ready")
    duration_seconds = pw.FloatField(null=True)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("account", "name"), True),)
