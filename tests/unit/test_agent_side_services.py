"""Agents' side services on SQLite: followups, suppression lists, manual dial, scripts,
dispositions and the contact timeline."""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.db import migrate, open_database
from dialer.compliance import importer as dnc_importer, lists as dnc_lists
from dialer.compliance.store import listed as dnc_listed
from dialer.followups.store import (cancel_followup, complete_followup, create_followup,
                                 due_followups, expire_due, get_followup, launch_followup,
                                 list_followups, offer_followup, set_strategy, withdraw_offer)
from dialer.db.migrate import router
from dialer.db.models import (Account, Agent, AgentGroup, AgentGroupMember, Attempt, Campaign,
                              CampaignContact, Contact, ContactPhone, Followup, Rule, Script,
                              ServicePlan, User)
from dialer.db.permissions import check_manual_dial
from dialer.db.scripts import (attempt_script, create_script, delete_script, search_answers,
                               set_disposition, store_answers, update_script)
from dialer.db.suppression import (add_entries, attach_to_campaign, attach_to_strategy,
                                   create_list, delete_list, detach_from_campaign,
                                   detach_from_strategy, is_suppressed, list_entries,
                                   list_lists, remove_entries, rename_list)
from dialer.db.timeline import contact_timeline
from dialer.db.validation import ConflictError, FieldError

UTC = dt.timezone.utc
NOW = dt.datetime(2025, 6, 2, 12, 0, tzinfo=UTC)  # 14:00 in Paris, 08:00 in New York
ANN = "+12125550101"  # New York


class World:
    """An account with two agents (Paris-based alice may follow up, bob may not), a
    contact in New York and a preview campaign."""

    def __init__(self):
        plan = ServicePlan.create(name="base")
        self.account = Account.create(name="Acme", company_number="+12125550100", plan=plan,
                                      timezone="America/New_York")
        self.group = AgentGroup.create(account=self.account, name="sales")
        self.closed = AgentGroup.create(account=self.account, name="support",
                                        followups_allowed=False)
        self.alice = self._agent("alice", self.group, timezone="Europe/Paris")
        self.bob = self._agent("bob", self.closed)
        self.ann = Contact.create(account=self.account, name="Ann", email="ann@example.com",
                                  client_id="A1", fields={"tier": "gold"})
        ContactPhone.create(contact=self.ann, number=ANN)
        self.campaign = Campaign.create(account=self.account, name="spring", mode="preview")
        CampaignContact.create(campaign=self.campaign, contact=self.ann, attempts=1)

    def _agent(self, name, group, timezone=None):
        user = User.create(account=self.account, username=name, password_hash="!",
                           timezone=timezone)
        agent = Agent.create(user=user, endpoint=f"PJSIP/{name}")
        AgentGroupMember.create(group=group, agent=agent)
        return agent.id

    def attempt(self, agent_id=None, **values):
        n = Attempt.select().count()
        return Attempt.create(campaign=self.campaign, contact=self.ann, phone=ANN,
                              channel_id=f"ch-{n}", agent=agent_id, started_at=NOW,
                              **values).id


@pytest.fixture
def w(db):
    return World()


def manual(w, local_time="2025-06-02T16:00", **kwargs):
    return create_followup(w.alice, contact_id=w.ann.id, local_time=local_time, now=NOW,
                           **kwargs)


# --- migration --------------------------------------------------------------------------


def test_migration_renames_pending_and_gives_old_scripts_no_dispositions(tmp_path):
    database = open_database(f"sqlite:///{tmp_path}/old.db")
    router(database).run("002_campaign_dialing")
    sql = database.execute_sql
    sql("INSERT INTO service_plan (name, enabled, all_day, international_allowed, "
        "enhanced_agent_groups, training) VALUES ('p', 1, 0, 0, 0, 0)")
    sql("INSERT INTO account (name, timezone, plan_id, voicemail_enabled, created_at) "
        "VALUES ('a', 'UTC', 1, 0, '2025-01-01')")
    sql("INSERT INTO users (account_id, username, password_hash, full_name, active, "
        "created_at) VALUES (1, 'u', '!', '', 1, '2025-01-01')")
    sql("INSERT INTO agent (user_id, endpoint, state, state_since) "
        "VALUES (1, 'PJSIP/u', 'logged_out', '2025-01-01')")
    sql("INSERT INTO contact (account_id, name, fields, created_at) "
        "VALUES (1, 'c', '{}', '2025-01-01')")
    sql("INSERT INTO followup (account_id, agent_id, contact_id, scheduled_at, timezone, "
        "status, data, created_at) VALUES (1, 1, 1, '2025-01-02', 'UTC', 'pending', '{}', "
        "'2025-01-01')")
    sql("INSERT INTO script (account_id, name, definition) VALUES (1, 's', '{}')")
    assert migrate(database)[:1] == ["003_agents_side"]  # and whatever came after
    assert Followup.get_by_id(1).status == "scheduled"
    assert Script.get_by_id(1).dispositions == []
    database.close()


# --- followups: creation ---------------------------------------------------------------------


def test_manual_followup_in_the_agent_s_zone(w):
    f = manual(w, data={"note": "renewal", "tier": ""})
    assert f["scheduled_at"] == "2025-06-02T14:00:00+00:00"  # 16:00 in Paris
    assert f["timezone"] == "Europe/Paris" and f["local_time"] == "2025-06-02T16:00"
    assert f["expires_at"] == "2025-06-02T14:05:00+00:00"
    assert f["status"] == "scheduled" and f["agent_id"] == w.alice
    assert f["data"] == {"note": "renewal"} and f["form"] == {}
    assert f["ambiguous_time"] is False and f["created_at"] == NOW.isoformat()
    assert Followup.get_by_id(f["id"]).scheduled_at == dt.datetime(2025, 6, 2, 14, 0)


def test_followup_in_the_contact_s_zone_and_dst_edges(w):
    f = manual(w, local_time="2025-06-02T16:00", zone="contact")
    assert f["scheduled_at"] == "2025-06-02T20:00:00+00:00" and f["timezone"] == \
        "America/New_York"
    later = NOW + dt.timedelta(days=200)
    f = create_followup(w.alice, contact_id=w.ann.id, local_time="2025-11-02T01:30",
                        zone="contact", now=NOW)
    assert f["ambiguous_time"] is True and f["scheduled_at"] == "2025-11-02T05:30:00+00:00"
    with pytest.raises(FieldError) as exc:
        create_followup(w.alice, contact_id=w.ann.id, local_time="2026-03-08T02:30",
                        zone="contact", now=later)
    assert exc.value.field == "local_time" and "does not exist" in str(exc.value)


def test_contact_zone_must_be_known(w):
    idaho = Contact.create(account=w.account, name="Ida")
    ContactPhone.create(contact=idaho, number="+12085550100")  # Boise or Los Angeles
    with pytest.raises(FieldError) as exc:
        create_followup(w.alice, contact_id=idaho.id, local_time="2025-06-03T10:00",
                        zone="contact", now=NOW)
    assert exc.value.field == "zone" and "America/Boise" in str(exc.value)
    idaho.timezone = "America/Boise"
    idaho.save()
    f = create_followup(w.alice, contact_id=idaho.id, local_time="2025-06-03T10:00",
                        zone="contact", now=NOW)
    assert f["scheduled_at"] == "2025-06-03T16:00:00+00:00"


@pytest.mark.parametrize("kwargs, field", [
    ({"local_time": "2025-06-02T13:00"}, "local_time"),  # 11:00Z: the past
    ({"local_time": "tomorrow 9am"}, "local_time"),
    ({"local_time": "2025-06-02T16:00+02:00"}, "local_time"),
    ({"zone": "mine"}, "zone"),
    ({"source": "email"}, "source"),
    ({"source": "call"}, "attempt_id"),
    ({"data": ["x"]}, "data"),
    ({"campaign_id": 999}, "campaign_id"),
])
def test_bad_followup_requests_name_the_field(w, kwargs, field):
    with pytest.raises(FieldError) as exc:
        manual(w, **kwargs)
    assert exc.value.field == field
    assert Followup.select().count() == 0


def test_only_agents_whose_group_allows_it_schedule_followups(w):
    with pytest.raises(ConflictError) as exc:
        create_followup(w.bob, contact_id=w.ann.id, local_time="2025-06-02T16:00", now=NOW)
    assert exc.value.field == "agent_id"
    AgentGroupMember.create(group=w.group, agent=w.bob)  # now also in an allowing group
    assert create_followup(w.bob, contact_id=w.ann.id, local_time="2025-06-02T16:00",
                           now=NOW)["agent_id"] == w.bob


def test_followup_from_a_call_keeps_typed_values_and_fills_from_the_contact(w):
    attempt_id = w.attempt(agent_id=w.alice)
    f = create_followup(w.alice, attempt_id=attempt_id, source="call",
                        local_time="2025-06-02T18:00", data={"note": "quote", "email": ""},
                        now=NOW)
    assert f["contact_id"] == w.ann.id and f["campaign_id"] == w.campaign.id
    assert f["origin_attempt_id"] == attempt_id and f["source"] == "call"
    assert f["data"] == {"tier": "gold", "name": "Ann", "email": "ann@example.com",
                         "client_id": "A1", "note": "quote"}
    assert f["form"] == {"note": "quote", "email": ""}
    AgentGroupMember.create(group=w.group, agent=w.bob)  # bob may follow up, but not this call
    with pytest.raises(ConflictError) as exc:
        create_followup(w.bob, attempt_id=attempt_id, source="wrap_up",
                        local_time="2025-06-02T18:00", now=NOW)
    assert exc.value.field == "attempt_id"
    other = Contact.create(account=w.account, name="Other")
    with pytest.raises(FieldError) as exc:
        create_followup(w.alice, attempt_id=attempt_id, contact_id=other.id, source="call",
                        local_time="2025-06-02T18:00", now=NOW)
    assert exc.value.field == "contact_id"


def test_suppressed_contact_cannot_get_a_followup_and_campaign_lists_do_not_apply(w):
    dnc = create_list(w.account.id, name="DNC", kind="device")
    add_entries(dnc["id"], ["(212) 555-0101"])
    attach_to_campaign(dnc["id"], w.campaign.id)
    assert manual(w)["status"] == "scheduled"  # only the campaign uses the list
    attach_to_strategy(dnc["id"])
    with pytest.raises(ConflictError) as exc:
        manual(w)
    assert exc.value.field == "contact_id"
    assert str(exc.value) == f"{ANN} is on do-not-call list 'DNC'"


def test_strategy_not_starting_with_preview_completes_followups_as_incompatible(w):
    with pytest.raises(FieldError):
        set_strategy(w.account.id, ["robocall"])
    strategy = set_strategy(w.account.id, ["progressive", "preview"])
    assert strategy["followups_compatible"] is False
    f = manual(w)
    assert f["status"] == "incompatible_channel_type" and f["closed_at"] == NOW.isoformat()
    assert "first pass" in f["status_reason"]


# --- followups: the runtime's steps ------------------------------------------------------------


def test_offer_launch_complete(w):
    f = manual(w)  # 14:00Z
    start = dt.datetime(2025, 6, 2, 14, 0, tzinfo=UTC)
    assert due_followups(start - dt.timedelta(seconds=1)) == []
    assert [d["id"] for d in due_followups(start, agent_ids=[w.alice])] == [f["id"]]
    assert due_followups(start, agent_ids=[w.bob]) == []
    early = offer_followup(f["id"], start - dt.timedelta(minutes=1))
    assert early["offered"] is False and early["status"] == "scheduled"
    offer = offer_followup(f["id"], start + dt.timedelta(minutes=1))
    assert offer["offered"] is True and offer["status"] == "offered"
    assert offer["contact"]["phones"] == [ANN] and offer["data"] == {}
    assert due_followups(start + dt.timedelta(minutes=1)) == []  # offered: not offered twice
    with pytest.raises(ConflictError):
        launch_followup(f["id"], start + dt.timedelta(minutes=2), agent_id=w.bob)
    attempt_id = w.attempt(agent_id=w.alice)
    launched = launch_followup(f["id"], start + dt.timedelta(minutes=2), agent_id=w.alice,
                               attempt_id=attempt_id)
    assert launched["status"] == "launched" and launched["attempt_id"] == attempt_id
    assert expire_due(start + dt.timedelta(hours=1)) == []  # launched never expires
    done = complete_followup(f["id"], start + dt.timedelta(minutes=9))
    assert done["status"] == "completed"
    assert done["closed_at"] == (start + dt.timedelta(minutes=9)).isoformat()


def test_offer_rechecks_suppression_permission_and_strategy(w):
    start = dt.datetime(2025, 6, 2, 14, 0, tzinfo=UTC)
    suppressed, revoked, incompatible = manual(w), manual(w), manual(w)
    clients = create_list(w.account.id, name="opt-outs", kind="client_id")
    add_entries(clients["id"], ["A1"])
    attach_to_strategy(clients["id"])
    result = offer_followup(suppressed["id"], start)
    assert result["offered"] is False and result["status"] == "suppressed"
    assert result["status_reason"] == "client id 'A1' is on do-not-call list 'opt-outs'"
    detach_from_strategy(clients["id"])

    set_strategy(w.account.id, ["predictive"])
    result = offer_followup(incompatible["id"], start)
    assert result["status"] == "incompatible_channel_type"
    set_strategy(w.account.id, ["preview"])

    AgentGroup.update(followups_allowed=False).where(AgentGroup.id == w.group.id).execute()
    result = offer_followup(revoked["id"], start)
    assert result["status"] == "cancelled" and "do not allow" in result["status_reason"]


def test_expire_due_records_expired_with_the_time(w):
    start = dt.datetime(2025, 6, 2, 14, 0, tzinfo=UTC)
    offered, waiting, later = manual(w), manual(w), manual(w, local_time="2025-06-02T16:10")
    offer_followup(offered["id"], start)
    assert expire_due(start + dt.timedelta(minutes=4, seconds=59)) == []
    when = start + dt.timedelta(minutes=5)
    gone = expire_due(when)
    assert [g["id"] for g in gone] == [offered["id"], waiting["id"]]
    for g in gone:
        assert g["status"] == "expired" and g["closed_at"] == when.isoformat()
        assert "5 minutes" in g["status_reason"]
    assert get_followup(later["id"])["status"] == "scheduled"
    assert expire_due(when) == []  # idempotent


def test_launch_after_expiry_is_recorded_as_expired(w):
    start = dt.datetime(2025, 6, 2, 14, 0, tzinfo=UTC)
    f = manual(w)
    offer_followup(f["id"], start + dt.timedelta(minutes=4))
    late = launch_followup(f["id"], start + dt.timedelta(minutes=5), agent_id=w.alice)
    assert late["status"] == "expired" and late["launched_at"] is None


def test_withdraw_then_offer_again_and_cancel(w):
    start = dt.datetime(2025, 6, 2, 14, 0, tzinfo=UTC)
    f = manual(w)
    offer_followup(f["id"], start)
    assert withdraw_offer(f["id"], start + dt.timedelta(minutes=1))["status"] == "scheduled"
    assert offer_followup(f["id"], start + dt.timedelta(minutes=2))["offered"] is True
    with pytest.raises(ConflictError) as exc:
        cancel_followup(f["id"], now=start, agent_id=w.bob)
    assert exc.value.field == "agent_id"
    cancelled = cancel_followup(f["id"], now=start, agent_id=w.alice)
    assert cancelled["status"] == "cancelled" and cancelled["status_reason"]
    with pytest.raises(ConflictError) as exc:
        cancel_followup(f["id"], now=start)
    assert exc.value.field == "status"
    assert [x["status"] for x in list_followups(agent_id=w.alice)] == ["cancelled"]
    assert list_followups(agent_id=w.alice, status="scheduled") == []
    with pytest.raises(FieldError):
        list_followups(status="pending")


# --- suppression lists and manual dial -----------------------------------------------------------


def test_suppression_lists_crud_and_entries(w):
    dnc = create_list(w.account.id, name="DNC", kind="device")
    with pytest.raises(ConflictError):
        create_list(w.account.id, name="DNC", kind="client_id")
    with pytest.raises(FieldError) as exc:
        create_list(w.account.id, name="x", kind="email")
    assert exc.value.field == "kind"
    result = add_entries(dnc["id"], ["(212) 555-0101", "+12125550101", "12", "+33142685300"])
    assert result["added"] == 2 and result["already_listed"] == 1
    assert [(e["index"], e["value"]) for e in result["errors"]] == [(2, "12")]
    assert list_entries(dnc["id"]) == {"list_id": dnc["id"], "total": 2,
                                       "values": ["+12125550101", "+33142685300"]}
    assert remove_entries(dnc["id"], ["+33 1 42 68 53 00", "junk"])["removed"] == 1
    assert rename_list(dnc["id"], name="Federal DNC")["name"] == "Federal DNC"
    attach_to_campaign(dnc["id"], w.campaign.id)
    assert set(dnc_listed(w.campaign.id, [ANN, "+33142685300"])) == {ANN}  # campaigns use it
    assert is_suppressed(phones=[ANN], campaign_id=w.campaign.id) == \
        f"{ANN} is on do-not-call list 'Federal DNC'"
    assert is_suppressed(phones=[ANN], account_id=w.account.id) is None
    [listed] = list_lists(w.account.id)
    assert listed["campaign_ids"] == [w.campaign.id] and listed["entries"] == 1
    with pytest.raises(ConflictError):
        delete_list(dnc["id"])
    detach_from_campaign(dnc["id"], w.campaign.id)
    assert delete_list(dnc["id"]) == {"id": dnc["id"], "deleted": True}
    assert list_lists(w.account.id) == []


def test_lists_of_another_account_cannot_be_attached(w):
    other = Account.create(name="Other", plan=w.account.plan)
    foreign = create_list(other.id, name="theirs", kind="device")
    with pytest.raises(FieldError) as exc:
        attach_to_campaign(foreign["id"], w.campaign.id)
    assert exc.value.field == "list_id"
    with pytest.raises(FieldError):
        attach_to_strategy(foreign["id"], w.account.id)


def test_manual_dial_needs_the_group_flag_and_a_clean_number(w):
    with pytest.raises(ConflictError) as exc:
        check_manual_dial(w.alice, "(212) 555-0199")
    assert exc.value.field == "agent_id"
    AgentGroup.update(manual_dial_allowed=True).where(AgentGroup.id == w.group.id).execute()
    assert check_manual_dial(w.alice, "(212) 555-0199") == {"agent_id": w.alice,
                                                             "number": "+12125550199"}
    with pytest.raises(FieldError) as exc:
        check_manual_dial(w.alice, "12")
    assert exc.value.field == "number"
    dnc = create_list(w.account.id, name="DNC", kind="device")
    add_entries(dnc["id"], ["+12125550199"])
    attach_to_strategy(dnc["id"])
    with pytest.raises(ConflictError) as exc:
        check_manual_dial(w.alice, "212-555-0199")
    assert exc.value.field == "number" and "DNC" in str(exc.value)


def _dnc_list(name, numbers, **scope):
    created = dnc_lists.create_list(name=name, format="e164", registry=False, **scope)
    dnc_importer.import_lines(created.id, numbers)
    return created.id


def test_manual_dial_refused_for_a_number_on_a_do_not_call_list(w):
    AgentGroup.update(manual_dial_allowed=True).where(AgentGroup.id == w.group.id).execute()
    other = Account.create(name="Other", plan=w.account.plan)
    _dnc_list("theirs", ["+12125550197"], scope="account", account_id=other.id)
    _dnc_list("spring only", ["+12125550196"], scope="campaign", campaign_id=w.campaign.id)
    assert check_manual_dial(w.alice, "(212) 555-0197")["number"] == "+12125550197"
    assert check_manual_dial(w.alice, "(212) 555-0196")["number"] == "+12125550196"
    _dnc_list("US registry", ["+12125550198"], scope="system")
    _dnc_list("opt-outs", ["+12125550199"], scope="account", account_id=w.account.id)
    for number, name in [("212 555 0198", "US registry"), ("(212) 555-0199", "opt-outs")]:
        with pytest.raises(ConflictError) as exc:
            check_manual_dial(w.alice, number)
        assert exc.value.field == "number"
        assert f"is on do-not-call list '{name}'" in str(exc.value)


def test_followups_refused_and_closed_for_a_do_not_call_list(w):
    early = manual(w)  # scheduled before the number was listed
    in_campaign = manual(w, campaign_id=w.campaign.id)
    _dnc_list("spring only", [ANN], scope="campaign", campaign_id=w.campaign.id)
    with pytest.raises(ConflictError) as exc:
        manual(w, campaign_id=w.campaign.id)
    assert exc.value.field == "contact_id"
    assert str(exc.value).endswith(f"{ANN} is on do-not-call list 'spring only'")
    at = NOW + dt.timedelta(hours=2)
    assert offer_followup(early["id"], at)["offered"] is True  # not the campaign's: allowed
    refused = offer_followup(in_campaign["id"], at)
    assert (refused["offered"], refused["status"]) == (False, "suppressed")
    assert refused["reason"] == f"{ANN} is on do-not-call list 'spring only'"
    _dnc_list("opt-outs", [ANN], scope="account", account_id=w.account.id)
    with pytest.raises(ConflictError) as exc:
        manual(w)
    assert "do-not-call list 'opt-outs'" in str(exc.value)


# --- scripts, answers, dispositions ---------------------------------------------------


DEFINITION = [{"id": "intro", "type": "text", "label": "Hi"},
              {"id": "plan", "type": "choice", "label": "Plan", "options": ["basic", "gold"],
               "required": True},
              {"id": "notes", "type": "free", "label": "Notes"}]


def scripted(w, dispositions=("sale", "callback", "no_sale")):
    script = create_script(w.account.id, name="Sales", definition=DEFINITION,
                           dispositions=list(dispositions))
    w.campaign.script = script["id"]
    w.campaign.save()
    return script


def test_script_crud(w):
    with pytest.raises(FieldError) as exc:
        create_script(w.account.id, name="x", definition=[{"id": "a", "type": "radio",
                                                           "label": "x"}])
    assert exc.value.field == "definition[0].type"
    with pytest.raises(FieldError) as exc:
        create_script(w.account.id, name="x")
    assert exc.value.field == "definition"
    script = scripted(w)
    assert [d["code"] for d in script["dispositions"]] == ["sale", "callback", "no_sale"]
    assert script["dispositions"][0] == {"code": "sale", "label": "sale", "meaning": "final",
                                         "key": None}
    attempt_id = w.attempt(agent_id=w.alice)
    shown = attempt_script(attempt_id)
    assert shown["script"]["campaign_ids"] == [w.campaign.id]
    assert [(d["code"], d["key"]) for d in shown["dispositions"]] == [
        ("sale", "1"), ("callback", "2"), ("no_sale", "3")]
    assert update_script(script["id"], name="Sales v2")["name"] == "Sales v2"
    with pytest.raises(ConflictError):
        delete_script(script["id"])


def test_answers_are_checked_and_stored_with_the_attempt(w):
    attempt_id = w.attempt(agent_id=w.alice)
    with pytest.raises(ConflictError) as exc:
        store_answers(attempt_id, {"plan": "gold"}, now=NOW)
    assert exc.value.field == "answers"  # the campaign has no script yet
    scripted(w)
    with pytest.raises(FieldError) as exc:
        store_answers(attempt_id, {"plan": "platinum"}, now=NOW)
    assert exc.value.field == "answers.plan"
    with pytest.raises(FieldError) as exc:
        store_answers(attempt_id, {"notes": "draft"}, now=NOW)
    assert exc.value.field == "answers.plan"
    assert store_answers(attempt_id, {"notes": "draft"}, now=NOW, partial=True)["answers"] == \
        {"notes": "draft"}
    with pytest.raises(ConflictError):
        store_answers(attempt_id, {"plan": "gold"}, now=NOW, agent_id=w.bob)
    stored = store_answers(attempt_id, {"plan": "gold", "notes": " wants TV "}, now=NOW,
                           agent_id=w.alice)
    assert stored["answers"] == {"plan": "gold", "notes": "wants TV"}
    row = Attempt.get_by_id(attempt_id)
    assert row.script_answers == {"plan": "gold", "notes": "wants TV"}
    assert row.script_answers_at == NOW.replace(tzinfo=None)


def test_disposition_returns_what_the_rules_need(w):
    scripted(w)
    Rule.create(campaign=w.campaign, position=1, condition={"agent_results": ["callback"]},
                action="call_again", params={"after_minutes": 30})
    Rule.create(campaign=w.campaign, position=2, condition={"agent_results": ["no_sale"]},
                action="complete")
    live = w.attempt(agent_id=w.alice)
    with pytest.raises(FieldError) as exc:  # the required plan first
        set_disposition(live, "callback", now=NOW, agent_id=w.alice)
    assert exc.value.field == "answers.plan" and "Plan" in str(exc.value)
    assert Attempt.get_by_id(live).disposition is None
    store_answers(live, {"notes": "draft"}, now=NOW, partial=True)
    with pytest.raises(FieldError):
        set_disposition(live, "callback", now=NOW, agent_id=w.alice)
    store_answers(live, {"plan": "gold"}, now=NOW)
    result = set_disposition(live, "callback", now=NOW, agent_id=w.alice)
    assert result["ended"] is False and result["next_state"] is None  # the hangup decides
    assert Attempt.get_by_id(live).disposition == "callback"

    # Given in wrap-up, after the contact was moved on: the rules decide again with it.
    ended = w.attempt(agent_id=w.alice, outcome="human", ended_at=NOW)
    store_answers(ended, {"plan": "basic"}, now=NOW)
    cc = CampaignContact.get(contact=w.ann)
    cc.state = "completed"
    cc.save()
    result = set_disposition(ended, "callback", now=NOW)
    assert result["ended"] is True and result["next_state"] == "rescheduled"
    cc = CampaignContact.get_by_id(cc.id)
    assert cc.state == "rescheduled"
    assert cc.next_attempt_at == (NOW + dt.timedelta(minutes=30)).replace(tzinfo=None)  # naive UTC
    assert set_disposition(ended, "no_sale", now=NOW)["next_state"] == "completed"
    assert set_disposition(live, "no_sale", now=NOW)["next_state"] is None  # not the last

    with pytest.raises(FieldError) as exc:
        set_disposition(ended, "maybe", now=NOW)
    assert exc.value.field == "disposition"
    with pytest.raises(ConflictError):
        set_disposition(ended, "sale", now=NOW, agent_id=w.bob)


def test_without_script_dispositions_any_token_goes(w):
    attempt_id = w.attempt(agent_id=w.alice)
    assert set_disposition(attempt_id, "left_message", now=NOW)["disposition"] == \
        "left_message"
    shown = attempt_script(attempt_id)
    assert shown["script"] is None and shown["dispositions"][0]["code"] == "done"
    with pytest.raises(FieldError):
        set_disposition(attempt_id, "two words", now=NOW)


def test_search_answers_by_contact_campaign_and_agent_session(w):
    scripted(w)
    first = w.attempt(agent_id=w.alice)
    second = w.attempt(agent_id=w.bob)
    Attempt.update(started_at=NOW + dt.timedelta(hours=2)).where(Attempt.id == second).execute()
    w.attempt(agent_id=w.alice)  # no answers: not listed
    store_answers(first, {"plan": "gold", "notes": "Wants TV"}, now=NOW)
    store_answers(second, {"plan": "basic"}, now=NOW)
    assert [a["attempt_id"] for a in search_answers(contact_id=w.ann.id)] == [first, second]
    assert [a["attempt_id"] for a in search_answers(campaign_id=w.campaign.id,
                                                    item_id="plan", value="basic")] == [second]
    assert [a["attempt_id"] for a in search_answers(contact_id=w.ann.id, item_id="notes",
                                                    value="tv")] == [first]
    session = search_answers(agent_id=w.alice, since=NOW - dt.timedelta(hours=1),
                             until=NOW + dt.timedelta(hours=1))
    assert [a["attempt_id"] for a in session] == [first]
    assert search_answers(agent_id=w.bob, until=NOW) == []
    with pytest.raises(FieldError):
        search_answers()
    with pytest.raises(FieldError):
        search_answers(contact_id=w.ann.id, value="x")


# --- timeline -------------------------------------------------------------------------------------


def test_contact_timeline_is_in_time_order(w):
    scripted(w)
    t = [NOW + dt.timedelta(minutes=m) for m in range(0, 200, 10)]
    call = w.attempt(agent_id=w.alice)
    Attempt.update(answered_at=t[0], ended_at=t[2], outcome="human").where(
        Attempt.id == call).execute()
    store_answers(call, {"plan": "gold"}, now=t[1])
    f = create_followup(w.alice, attempt_id=call, source="call",
                        local_time="2025-06-02T16:00", now=t[1])  # 14:00Z
    set_disposition(call, "callback", now=t[3])
    offer_followup(f["id"], dt.datetime(2025, 6, 2, 14, 1, tzinfo=UTC))
    expire_due(dt.datetime(2025, 6, 2, 14, 6, tzinfo=UTC))
    events = contact_timeline(w.ann.id)["events"]
    assert [e["kind"] for e in events] == ["attempt", "followup_scheduled", "script_answers",
                                           "disposition", "followup_offered",
                                           "followup_closed"]
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    assert events[0]["outcome"] == "human" and events[2]["answers"] == {"plan": "gold"}
    assert events[3]["disposition"] == "callback"
    assert events[-1]["status"] == "expired" and "5 minutes" in events[-1]["reason"]
    assert events[1]["local_time"] == "2025-06-02T16:00"
