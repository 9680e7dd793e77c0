"""Migration 001_initial.py (peewee-migrate; `python -m dialer.db.migrate make NAME`)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    @migrator.create_model
    class ServicePlan(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=255, unique=True)
        enabled = pw.BooleanField(default=True)
        window_start = pw.TimeField(null=True)
        window_stop = pw.TimeField(null=True)
        all_day = pw.BooleanField(default=False)
        max_attempts_per_hour = pw.IntegerField(null=True)
        max_unarchived_campaigns = pw.IntegerField(null=True)
        max_agent_groups = pw.IntegerField(null=True)
        max_schedule_groups = pw.IntegerField(null=True)
        max_live_agents_per_group = pw.IntegerField(null=True)
        international_allowed = pw.BooleanField(default=False)
        enhanced_agent_groups = pw.BooleanField(default=False)
        training = pw.BooleanField(default=False)

        class Meta:
            table_name = "service_plan"

    @migrator.create_model
    class Account(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=255)
        company_number = pw.CharField(max_length=16, null=True)
        phone = pw.CharField(max_length=255, null=True)
        timezone = pw.CharField(default='UTC', max_length=64)
        plan = pw.ForeignKeyField(column_name='plan_id', field='id', model=migrator.orm['service_plan'], null=True)
        voicemail_enabled = pw.BooleanField(default=False)
        voicemail_greeting = pw.CharField(max_length=255, null=True)
        voicemail_email = pw.CharField(max_length=255, null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "account"

    @migrator.create_model
    class Role(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=255, unique=True)
        privileges = pw.TextField()

        class Meta:
            table_name = "role"

    @migrator.create_model
    class Profile(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'])
        name = pw.CharField(max_length=255)
        all_campaigns = pw.BooleanField(default=False)

        class Meta:
            table_name = "profile"
            indexes = [(('account', 'name'), True)]

    @migrator.create_model
    class User(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'])
        username = pw.CharField(max_length=255, unique=True)
        password_hash = pw.CharField(max_length=255)
        full_name = pw.CharField(default='', max_length=255)
        email = pw.CharField(max_length=255, null=True)
        phone = pw.CharField(max_length=255, null=True)
        endpoint = pw.CharField(max_length=255, null=True)
        timezone = pw.CharField(max_length=64, null=True)
        active = pw.BooleanField(default=True)
        role = pw.ForeignKeyField(column_name='role_id', field='id', model=migrator.orm['role'], null=True)
        profile = pw.ForeignKeyField(column_name='profile_id', field='id', model=migrator.orm['profile'], null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "users"

    @migrator.create_model
    class Agent(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['users'], on_delete='CASCADE', unique=True)
        endpoint = pw.CharField(max_length=255)
        state = pw.CharField(default='logged_out', max_length=32)
        state_since = pw.DateTimeField()

        class Meta:
            table_name = "agent"

    @migrator.create_model
    class AgentGroup(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'])
        name = pw.CharField(max_length=255)
        manual_dial_allowed = pw.BooleanField(default=False)
        followups_allowed = pw.BooleanField(default=True)
        wrap_up_seconds = pw.IntegerField(default=0)

        class Meta:
            table_name = "agent_group"
            indexes = [(('account', 'name'), True)]

    @migrator.create_model
    class AgentGroupMember(pw.Model):
        id = pw.AutoField()
        group = pw.ForeignKeyField(column_name='group_id', field='id', model=migrator.orm['agent_group'], on_delete='CASCADE')
        agent = pw.ForeignKeyField(column_name='agent_id', field='id', model=migrator.orm['agent'], on_delete='CASCADE')

        class Meta:
            table_name = "agent_group_member"
            indexes = [(('group', 'agent'), True)]

    @migrator.create_model
    class Script(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'])
        name = pw.CharField(max_length=255)
        definition = pw.TextField()

        class Meta:
            table_name = "script"

    @migrator.create_model
    class Campaign(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'])
        name = pw.CharField(max_length=255)
        mode = pw.CharField(default='progressive', max_length=32)
        status = pw.CharField(default='draft', max_length=32)
        agent_group = pw.ForeignKeyField(column_name='agent_group_id', field='id', model=migrator.orm['agent_group'], null=True)
        script = pw.ForeignKeyField(column_name='script_id', field='id', model=migrator.orm['script'], null=True)
        bcw_seconds = pw.IntegerField(default=0)
        record = pw.BooleanField(default=False)
        inbound_priority = pw.IntegerField(default=0)
        start_date = pw.DateField(null=True)
        end_date = pw.DateField(null=True)
        daily_start = pw.TimeField(null=True)
        daily_stop = pw.TimeField(null=True)
        timezone = pw.CharField(max_length=64, null=True)
        amd_enabled = pw.BooleanField(default=False)
        machine_action = pw.CharField(default='hangup', max_length=32)
        machine_message = pw.CharField(max_length=255, null=True)
        max_attempts = pw.IntegerField(default=3)
        ring_timeout_seconds = pw.IntegerField(default=30)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "campaign"

    @migrator.create_model
    class ContactList(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'])
        name = pw.CharField(max_length=255)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "contact_list"

    @migrator.create_model
    class Contact(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'])
        contact_list = pw.ForeignKeyField(column_name='list_id', field='id', model=migrator.orm['contact_list'], null=True)
        name = pw.CharField(default='', max_length=255)
        email = pw.CharField(max_length=255, null=True)
        timezone = pw.CharField(max_length=64, null=True)
        client_id = pw.CharField(max_length=255, null=True)
        fields = pw.TextField()
        assigned_user = pw.ForeignKeyField(column_name='assigned_user_id', field='id', model=migrator.orm['users'], null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "contact"
            indexes = [(('account', 'client_id'), True)]

    @migrator.create_model
    class Attempt(pw.Model):
        id = pw.AutoField()
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'])
        contact = pw.ForeignKeyField(column_name='contact_id', field='id', model=migrator.orm['contact'])
        phone = pw.CharField(max_length=32)
        channel_id = pw.CharField(max_length=255, unique=True)
        caller_id = pw.CharField(max_length=255, null=True)
        started_at = pw.DateTimeField()
        answered_at = pw.DateTimeField(null=True)
        ended_at = pw.DateTimeField(null=True)
        outcome = pw.CharField(max_length=32, null=True)
        amd_status = pw.CharField(max_length=32, null=True)
        amd_cause = pw.CharField(max_length=255, null=True)
        hangup_cause = pw.IntegerField(null=True)
        agent = pw.ForeignKeyField(column_name='agent_id', field='id', model=migrator.orm['agent'], null=True)
        disposition = pw.CharField(max_length=255, null=True)
        recording_name = pw.CharField(max_length=255, null=True)
        script_answers = pw.TextField(null=True)
        node = pw.CharField(max_length=255, null=True)

        class Meta:
            table_name = "attempt"
            indexes = [(('campaign', 'started_at'), False)]

    @migrator.create_model
    class CallerIdNumber(pw.Model):
        id = pw.AutoField()
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], on_delete='CASCADE')
        number = pw.CharField(max_length=16)

        class Meta:
            table_name = "caller_id_number"
            indexes = [(('campaign', 'number'), True)]

    @migrator.create_model
    class CampaignContact(pw.Model):
        id = pw.AutoField()
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], on_delete='CASCADE')
        contact = pw.ForeignKeyField(column_name='contact_id', field='id', model=migrator.orm['contact'], on_delete='CASCADE')
        state = pw.CharField(default='waiting', max_length=32)
        attempts = pw.IntegerField(default=0)
        next_attempt_at = pw.DateTimeField(null=True)
        claimed_by = pw.CharField(max_length=255, null=True)
        claimed_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "campaign_contact"
            indexes = [(('campaign', 'contact'), True), (('campaign', 'state', 'next_attempt_at'), False)]

    @migrator.create_model
    class SuppressionList(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'])
        name = pw.CharField(max_length=255)
        kind = pw.CharField(max_length=32)

        class Meta:
            table_name = "suppression_list"

    @migrator.create_model
    class CampaignSuppression(pw.Model):
        id = pw.AutoField()
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], on_delete='CASCADE')
        suppression_list = pw.ForeignKeyField(column_name='list_id', field='id', model=migrator.orm['suppression_list'], on_delete='CASCADE')

        class Meta:
            table_name = "campaign_suppression"
            indexes = [(('campaign', 'suppression_list'), True)]

    @migrator.create_model
    class ContactPhone(pw.Model):
        id = pw.AutoField()
        contact = pw.ForeignKeyField(column_name='contact_id', field='id', model=migrator.orm['contact'], on_delete='CASCADE')
        number = pw.CharField(index=True, max_length=16)
        kind = pw.CharField(default='main', max_length=16)
        position = pw.IntegerField(default=0)

        class Meta:
            table_name = "contact_phone"

    @migrator.create_model
    class Filter(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'])
        name = pw.CharField(max_length=255)
        definition = pw.TextField()

        class Meta:
            table_name = "filter"

    @migrator.create_model
    class Followup(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'])
        agent = pw.ForeignKeyField(column_name='agent_id', field='id', model=migrator.orm['agent'])
        contact = pw.ForeignKeyField(column_name='contact_id', field='id', model=migrator.orm['contact'])
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], null=True)
        scheduled_at = pw.DateTimeField()
        timezone = pw.CharField(max_length=64)
        status = pw.CharField(default='pending', max_length=32)
        data = pw.TextField()
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "followup"
            indexes = [(('status', 'scheduled_at'), False)]

    @migrator.create_model
    class ProfileCampaign(pw.Model):
        id = pw.AutoField()
        profile = pw.ForeignKeyField(column_name='profile_id', field='id', model=migrator.orm['profile'], on_delete='CASCADE')
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], on_delete='CASCADE')

        class Meta:
            table_name = "profile_campaign"
            indexes = [(('profile', 'campaign'), True)]

    @migrator.create_model
    class RingGroup(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'])
        name = pw.CharField(max_length=255)
        strategy = pw.CharField(default='default', max_length=32)
        ring_seconds = pw.IntegerField(default=20)
        caller_id_mode = pw.CharField(default='company', max_length=32)
        pass_through = pw.BooleanField(default=False)
        forward_number = pw.CharField(max_length=16, null=True)
        route_to_assigned_user = pw.BooleanField(default=False)
        status_message = pw.BooleanField(default=False)

        class Meta:
            table_name = "ring_group"

    @migrator.create_model
    class RingGroupMember(pw.Model):
        id = pw.AutoField()
        ring_group = pw.ForeignKeyField(column_name='ring_group_id', field='id', model=migrator.orm['ring_group'], on_delete='CASCADE')
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['users'], on_delete='CASCADE')
        position = pw.IntegerField(default=0)
        active = pw.BooleanField(default=True)

        class Meta:
            table_name = "ring_group_member"
            indexes = [(('ring_group', 'user'), True)]

    @migrator.create_model
    class Rule(pw.Model):
        id = pw.AutoField()
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], on_delete='CASCADE')
        position = pw.IntegerField(default=0)
        condition = pw.TextField()
        action = pw.CharField(max_length=32)
        params = pw.TextField()

        class Meta:
            table_name = "rule"

    @migrator.create_model
    class SuppressionEntry(pw.Model):
        id = pw.AutoField()
        suppression_list = pw.ForeignKeyField(column_name='list_id', field='id', model=migrator.orm['suppression_list'], on_delete='CASCADE')
        value = pw.CharField(max_length=255)

        class Meta:
            table_name = "suppression_entry"
            indexes = [(('suppression_list', 'value'), True)]

    @migrator.create_model
    class Voicemail(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'])
        contact = pw.ForeignKeyField(column_name='contact_id', field='id', model=migrator.orm['contact'], null=True)
        caller = pw.CharField(max_length=255)
        recording_name = pw.CharField(max_length=255)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "voicemail"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_model('voicemail')

    migrator.remove_model('suppression_entry')

    migrator.remove_model('rule')

    migrator.remove_model('ring_group_member')

    migrator.remove_model('ring_group')

    migrator.remove_model('profile_campaign')

    migrator.remove_model('followup')

    migrator.remove_model('filter')

    migrator.remove_model('contact_phone')

    migrator.remove_model('campaign_suppression')

    migrator.remove_model('suppression_list')

    migrator.remove_model('campaign_contact')

    migrator.remove_model('caller_id_number')

    migrator.remove_model('attempt')

    migrator.remove_model('contact')

    migrator.remove_model('contact_list')

    migrator.remove_model('campaign')

    migrator.remove_model('script')

    migrator.remove_model('agent_group_member')

    migrator.remove_model('agent_group')

    migrator.remove_model('agent')

    migrator.remove_model('users')

    migrator.remove_model('profile')

    migrator.remove_model('role')

    migrator.remove_model('account')

    migrator.remove_model('service_plan')
