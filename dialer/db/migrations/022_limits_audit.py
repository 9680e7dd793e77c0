"""Migration 022_limits_audit.py (issue 17): a campaign's `regulated` flag (and the reason it
is off), and the audit log.

Existing campaigns stay regulated and are not rewritten: one whose settings break a legal
limit (dialer.compliance.limits) stops dialling and says why ("why not") until fixed.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        'campaign',

        regulated=pw.BooleanField(default=True),
        unregulated_reason=pw.CharField(max_length=255, null=True))

    @migrator.create_model
    class AuditEntry(pw.Model):
        id = pw.AutoField()
        at = pw.DateTimeField()
        account_id = pw.IntegerField(null=True)
        actor_user_id = pw.IntegerField(null=True)
        actor_token_id = pw.IntegerField(null=True)
        actor = pw.CharField(max_length=255)
        kind = pw.CharField(max_length=32)
        object_id = pw.IntegerField()
        action = pw.CharField(max_length=16)
        before = pw.TextField(null=True)
        after = pw.TextField(null=True)

        class Meta:
            table_name = "audit_entry"
            indexes = [(('account_id', 'id'), False), (('kind', 'object_id'), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('audit_entry')

    migrator.remove_fields('campaign', 'regulated', 'unregulated_reason')
