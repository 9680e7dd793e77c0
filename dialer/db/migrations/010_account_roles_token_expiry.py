"""Migration 010_account_roles_token_expiry.py: roles belong to the account that made them
(NULL: built in), role names are unique per account; API tokens remember their last use,
and those made without an expiry get one (90 days after their creation)."""

import datetime as dt

import peewee as pw
from peewee_migrate import Migrator

API_TOKEN_LIFETIME = dt.timedelta(days=90)  # as dialer.db.auth, frozen at this migration


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields('role', account=pw.ForeignKeyField(
        column_name='account_id', field='id', model=migrator.orm['account'], null=True,
        on_delete='CASCADE'))
    migrator.drop_index('role', 'name')  # (change_fields would drop an index named "name")
    migrator.add_index('role', 'account', 'name', unique=True)
    migrator.add_fields('auth_token', last_used_at=pw.DateTimeField(null=True))

    def expire_api_tokens():
        token = migrator.orm['auth_token']
        for row in token.select().where((token.kind == 'api') & token.expires_at.is_null()):
            row.expires_at = row.created_at + API_TOKEN_LIFETIME
            row.save()
    migrator.run(expire_api_tokens)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('auth_token', 'last_used_at')
    migrator.remove_fields('role', 'account')
    migrator.drop_index('role', 'account', 'name')
    migrator.add_index('role', 'name', unique=True)
