"""Migration 006_auth_tokens.py: browser sessions and API tokens."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class AuthToken(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['users'],
                                  on_delete='CASCADE')
        kind = pw.CharField(max_length=32)
        token_hash = pw.CharField(max_length=255, unique=True)
        csrf = pw.CharField(max_length=255, null=True)
        name = pw.CharField(max_length=255, default='')
        created_at = pw.DateTimeField()
        expires_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "auth_token"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('auth_token')
