"""Contacts, their lists and phones, filters, and campaign membership."""

from __future__ import annotations

import peewee as pw

from ..fields import E164Field, EnumField, JSONField, UTCDateTimeField, utcnow
from .base import CASCADE, BaseModel
from .accounts import Account, User
from .campaigns import Campaign


class ContactList(BaseModel):
    account = pw.ForeignKeyField(Account, backref="contact_lists")
    account_id: int
    name = pw.CharField()
    created_at = UTCDateTimeField(default=utcnow)


class Contact(BaseModel):
    # `contact_list`, not `list`: a field named `list` would shadow the builtin in the
    # class body (and `default=list` below it would silently break).
    account = pw.ForeignKeyField(Account, backref="contacts")
    account_id: int
    contact_list = pw.ForeignKeyField(ContactList, null=True, backref="contacts",
                                      column_name="list_id")
    list_id: int | None  # column_name
    name = pw.CharField(default="")
    email = pw.CharField(null=True)
    timezone = pw.CharField(max_length=64, null=True)  # explicit IANA zone, else from phone
    client_id = pw.CharField(null=True)  # the customer's own key for this contact
    fields = JSONField(default=dict)
    assigned_user = pw.ForeignKeyField(User, null=True, backref="assigned_contacts")
    assigned_user_id: int | None
    created_at = UTCDateTimeField(default=utcnow)
    phones: pw.ModelSelect[ContactPhone]  # backref, declared for the type checker

    class Meta:
        # NULLs are distinct in unique indexes (SQLite and PostgreSQL): many contacts
        # may lack a client_id, but a given client_id exists once per account.
        indexes = ((("account", "client_id"), True),)


class ContactPhone(BaseModel):
    contact = pw.ForeignKeyField(Contact, backref="phones", on_delete=CASCADE)
    contact_id: int
    number = E164Field(index=True)  # indexed for inbound caller lookup
    kind = pw.CharField(max_length=16, default="main")  # mobile, home, work, ...
    position = pw.IntegerField(default=0)


class Filter(BaseModel):
    account = pw.ForeignKeyField(Account, backref="filters")
    account_id: int
    name = pw.CharField()
    definition = JSONField(default=dict)


class CampaignContact(BaseModel):
    """A contact's progress in one campaign; the dialer's work queue.

    `claimed_by` is the node that took it (`queries.claim_contacts`), so a crashed node's
    in-progress rows can be found and released.
    """

    campaign = pw.ForeignKeyField(Campaign, backref="contacts", on_delete=CASCADE)
    campaign_id: int
    contact = pw.ForeignKeyField(Contact, backref="campaigns", on_delete=CASCADE)
    contact_id: int
    state = EnumField(("waiting", "in_progress", "completed", "failed", "rescheduled",
                       "deleted"), default="waiting")
    attempts = pw.IntegerField(default=0)
    next_attempt_at = UTCDateTimeField(null=True)  # NULL: due now
    dial_prefix = pw.CharField(max_length=16, default="")  # set by an add_prefix rule
    last_reason = pw.CharField(null=True)  # why it is not being dialled, when it is not
    claimed_by = pw.CharField(null=True)
    claimed_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = (
            (("campaign", "contact"), True),
            (("campaign", "state", "next_attempt_at"), False),
        )
