"""Migration 028_prompts.py: an account's audio prompts (dialer/prompts, issue 19), and the
ring group's status and whisper prompts. Message fields keep their values: a sound name
stored before this migration still plays as it did (dialer/prompts/model.py `media`), and
only new values are checked against the account's prompts and the shipped sounds."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Prompt(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'], on_delete='CASCADE')
        name = pw.CharField(max_length=100)
        source = pw.CharField(max_length=32)
        status = pw.CharField(default='ready', max_length=32)
        duration_seconds = pw.FloatField(null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "prompt"
            indexes = [(('account', 'name'), True)]

    migrator.add_fields('ring_group', status_prompt=pw.CharField(max_length=255, null=True),
                        whisper_prompt=pw.CharField(max_length=255, null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('ring_group', 'status_prompt', 'whisper_prompt')
    migrator.remove_model('prompt')
