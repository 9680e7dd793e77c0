"""Migration 011 on a database of either kind: stored media URIs become prompt names."""

from __future__ import annotations

import peewee as pw

from dialer.db import migrate
from dialer.db.migrate import router
from dialer.db.models import Account, Campaign, ServicePlan

STORED = [  # machine_message, safe_harbour_message -> after migration 011
    (("sound:vm-goodbye", "sound:tt-allbusy"), ("vm-goodbye", "tt-allbusy")),
    (("sound:digits/1", "sound:custom/sorry"), ("digits/1", "custom/sorry")),
    (("sound:http://10.0.0.1/x", "recording:voicemail-2-abc"), (None, "tt-allbusy")),
    (("sound:a,recording:b", "sound:../../etc/x"), (None, "tt-allbusy")),
    ((None, "tt-allbusy"), (None, "tt-allbusy")),
]


def check_migration_011(db: pw.Database) -> None:
    """`db` is migrated: taken back to before 011, given old values, migrated again, and
    rolled back once more."""
    while "011_prompt_names" in router(db).done:
        router(db).rollback()
    account = Account.create(name="Acme", plan=ServicePlan.create(name="p"),
                             voicemail_greeting="recording:voicemail-1-x")
    ids = [old_campaign(db, account.id, name=f"c{i}", machine_message=machine,
                         safe_harbour_message=harbour)
           for i, ((machine, harbour), _) in enumerate(STORED)]
    assert "011_prompt_names" in migrate(db)
    assert [(c.machine_message, c.safe_harbour_message)
            for c in Campaign.select().order_by(Campaign.id)] == [after for _, after in STORED]
    assert Account.get_by_id(account.id).voicemail_greeting is None
    while "011_prompt_names" in router(db).done:
        router(db).rollback()
    old = {c.id: c for c in Campaign.select(Campaign.id, Campaign.machine_message,
                                             Campaign.safe_harbour_message)}
    assert old[ids[0]].machine_message == "sound:vm-goodbye"
    assert old[ids[4]].safe_harbour_message == "sound:tt-allbusy"


def old_campaign(db: pw.Database, account_id: int, **values) -> int:
    """A campaign row of an older schema (before migration 011, 022...): the model's defaults for the
    columns the table has then (later migrations add campaign columns)."""
    present = {c.name for c in db.get_columns("campaign")}
    row = {f.column_name: f.default() if callable(f.default) else f.default
           for f in Campaign._meta.sorted_fields
           if f.column_name in present and f.default is not None}
    row |= {"account_id": account_id, **values}
    pw.Table("campaign", list(row)).bind(db).insert(row).execute()
    return Campaign.select(pw.fn.MAX(Campaign.id)).scalar()
