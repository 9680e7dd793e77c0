"""The audit log: who changed what, with the object's state before and after."""

from __future__ import annotations

import peewee as pw

from ..fields import JSONField, UTCDateTimeField, utcnow
from .base import BaseModel


class AuditEntry(BaseModel):
    """One change of a plan, account, campaign, list, user, role, profile or API token.

    Plain integer ids, no foreign keys: an entry outlives the objects and actors it names
    (a deleted user's changes stay readable). `before`/`after` never hold a secret (see
    dialer.db.audit); None: the object did not exist before, or no longer exists after.
    """

    at = UTCDateTimeField(default=utcnow)
    account_id = pw.IntegerField(null=True)        # None: a system object (plans, system lists)
    actor_user_id = pw.IntegerField(null=True)     # None: the command line (dialer CLI)
    actor_token_id = pw.IntegerField(null=True)    # the API token the change came with
    actor = pw.CharField()                         # "alice", "alice (API token 3)", "cli"
    kind = pw.CharField(max_length=32)             # campaign, user, plan...
    object_id = pw.IntegerField()
    action = pw.CharField(max_length=16)           # create, update, delete
    before = JSONField(null=True)
    after = JSONField(null=True)

    class Meta:
        indexes = ((("account_id", "id"), False), (("kind", "object_id"), False))
