"""Peewee migrations -- 003_agents_side.py.

Some examples (model - class or model name)::

    > Model = migrator.orm['table_name']            # Return model in current state by name
    > Model = migrator.ModelClass                   # Return model in current state by name

    > migrator.sql(sql)                             # Run custom SQL
    > migrator.run(func, *args, **kwargs)           # Run python function with the given args
    > migrator.create_model(Model)                  # Create a model (could be used as decorator)
    > migrator.remove_model(model, cascade=True)    # Remove a model
    > migrator.add_fields(model, **fields)          # Add fields (allow_not_null=True skips default)
    > migrator.change_fields(model, **fields)       # Change fields
    > migrator.remove_fields(model, *field_names, cascade=True)
    > migrator.rename_field(model, old_field_name, new_field_name)
    > migrator.rename_table(model, new_table_name)
    > migrator.add_index(model, *col_names, unique=False)
    > migrator.add_not_null(model, *field_names)
    > migrator.add_default(model, field_name, default)
    > migrator.add_constraint(model, name, sql)
    > migrator.drop_index(model, *col_names)
    > migrator.drop_not_null(model, *field_names)
    > migrator.drop_constraints(model, *constraints)

"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields(
        'script',

        dispositions=pw.TextField(default='[]'))  # existing scripts: any disposition

    migrator.add_fields(
        'attempt',

        disposition_at=pw.DateTimeField(null=True),
        script_answers_at=pw.DateTimeField(null=True))

    migrator.add_fields(
        'followup',

        status_reason=pw.CharField(max_length=255, null=True),
        source=pw.CharField(default='manual', max_length=32),
        origin_attempt=pw.ForeignKeyField(column_name='origin_attempt_id', field='id', model=migrator.orm['attempt'], null=True),
        attempt=pw.ForeignKeyField(column_name='attempt_id', field='id', model=migrator.orm['attempt'], null=True),
        offered_at=pw.DateTimeField(null=True),
        launched_at=pw.DateTimeField(null=True),
        closed_at=pw.DateTimeField(null=True))

    @migrator.create_model
    class OnDemandStrategy(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'], on_delete='CASCADE', unique=True)
        passes = pw.TextField()

        class Meta:
            table_name = "on_demand_strategy"

    @migrator.create_model
    class StrategySuppression(pw.Model):
        id = pw.AutoField()
        strategy = pw.ForeignKeyField(column_name='strategy_id', field='id', model=migrator.orm['on_demand_strategy'], on_delete='CASCADE')
        suppression_list = pw.ForeignKeyField(column_name='list_id', field='id', model=migrator.orm['suppression_list'], on_delete='CASCADE')

        class Meta:
            table_name = "strategy_suppression"
            indexes = [(('strategy', 'suppression_list'), True)]

    # The first status was renamed: "pending" is now "scheduled" (dialer.core.followups).
    migrator.sql("UPDATE followup SET status = 'scheduled' WHERE status = 'pending'")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.sql("UPDATE followup SET status = 'pending' WHERE status IN ('scheduled', 'offered')")

    migrator.remove_fields('followup', 'status_reason', 'source', 'origin_attempt', 'attempt', 'offered_at', 'launched_at', 'closed_at')

    migrator.remove_fields('attempt', 'disposition_at', 'script_answers_at')

    migrator.remove_fields('script', 'dispositions')

    migrator.remove_model('strategy_suppression')

    migrator.remove_model('on_demand_strategy')
