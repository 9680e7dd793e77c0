"""Admin services on SQLite: plans, contact import and filters, campaign creation/clone."""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.core.csv_import import CsvMappingError
from dialer.db.campaign_admin import (add_caller_id, add_rule, clone_campaign,
                                      create_campaign)
from dialer.db.campaigns import set_status
from dialer.db.contacts import (attach_filter, create_filter, filter_contacts,
                                import_contacts, select_contacts)
from dialer.db.models import (Account, CallerIdNumber, Campaign, CampaignContact,
                              CampaignSuppression, Contact, ContactList, ContactPhone, Rule,
                              ServicePlan, SuppressionList)
from dialer.db.plans import (PlanInUseError, create_plan, list_plans, set_plan_enabled,
                             update_plan)
from dialer.db.validation import ConflictError, FieldError

MAPPING = {"Name": "name", "Phone": "phone", "Client": "client_id", "Email": "email",
           "Tier": "field:tier"}
CSV = ("Name,Phone,Client,Email,Tier\n"
       "Ann,+12125550101,A1,ann@example.com,gold\n"
       "Bob,not-a-phone,B1,,silver\n"
       "Cid,(212) 555-0103,C1,,gold\n")


@pytest.fixture
def account(db):
    plan = ServicePlan.create(name="base", max_unarchived_campaigns=2)
    return Account.create(name="Acme", company_number="+12125550100", plan=plan)


# --- plans ----------------------------------------------------------------------------


def test_create_plan_with_every_field_and_list(db):
    plan = create_plan(name="gold", window_start="09:00", window_stop="20:30", all_day=False,
                       max_attempts_per_hour=100, max_unarchived_campaigns=5,
                       max_agent_groups=3, max_schedule_groups=2,
                       max_live_agents_per_group=10, international_allowed=True,
                       enhanced_agent_groups=True, training=False, enabled=True)
    assert plan["window_start"] == "09:00" and plan["window_stop"] == "20:30"
    assert plan["max_unarchived_campaigns"] == 5 and plan["international_allowed"] is True
    stored = ServicePlan.get_by_id(plan["id"])
    assert stored.window_stop == dt.time(20, 30)
    create_plan(name="off", enabled=False)
    assert [p["name"] for p in list_plans(include_disabled=False)] == ["gold"]
    assert [p["name"] for p in list_plans(include_disabled=True)] == ["gold", "off"]


@pytest.mark.parametrize("values, field", [
    ({"name": "x", "window_start": "9:00", "window_stop": "20:00"}, "window_start"),
    ({"name": "x", "window_start": "09:00", "window_stop": "24:00"}, "window_stop"),
    ({"name": "x", "window_start": "09:00"}, "window_stop"),
    ({"name": "x", "max_attempts_per_hour": -1}, "max_attempts_per_hour"),
    ({"name": "x", "max_agent_groups": "3"}, "max_agent_groups"),
    ({"name": "x", "training": "yes"}, "training"),
    ({"name": "x", "colour": "red"}, "colour"),
    ({"window_start": "09:00", "window_stop": "10:00"}, "name"),
])
def test_plan_validation_names_the_field(db, values, field):
    with pytest.raises(FieldError) as exc:
        create_plan(**values)
    assert exc.value.field == field
    assert ServicePlan.select().count() == 0


def test_plan_name_is_unique(db):
    create_plan(name="gold")
    with pytest.raises(ConflictError) as exc:
        create_plan(name="gold")
    assert exc.value.field == "name"


def test_disable_refused_while_used_then_allowed(db):
    plan = create_plan(name="gold")
    a = Account.create(name="A", plan=plan["id"])
    Account.create(name="B", plan=plan["id"])
    with pytest.raises(PlanInUseError) as exc:
        set_plan_enabled(plan["id"], False)
    assert exc.value.field == "enabled" and "2 accounts" in str(exc.value)
    with pytest.raises(PlanInUseError):  # PATCH takes the same path
        update_plan(plan["id"], enabled=False)
    assert ServicePlan.get_by_id(plan["id"]).enabled is True
    other = create_plan(name="silver")
    Account.update(plan=other["id"]).execute()
    assert set_plan_enabled(plan["id"], False)["enabled"] is False
    assert set_plan_enabled(plan["id"], True)["enabled"] is True
    a.delete_instance()


def test_update_plan(db):
    plan = create_plan(name="gold", window_start="09:00", window_stop="18:00")
    updated = update_plan(plan["id"], window_stop="19:15", max_agent_groups=None)
    assert updated["window_stop"] == "19:15" and updated["max_agent_groups"] is None
    with pytest.raises(FieldError) as exc:
        update_plan(plan["id"], window_start=None)
    assert exc.value.field == "window_start"


# --- contacts -------------------------------------------------------------------------


def test_import_reports_bad_row_keeps_good_ones(account):
    campaign = create_campaign(account.id, name="c")
    result = import_contacts(account.id, "spring", CSV, MAPPING, "US", campaign["id"])
    assert result["created"] == 2 and result["merged"] == 0 and result["attached"] == 2
    assert len(result["errors"]) == 1
    assert result["errors"][0]["line"] == 3 and result["errors"][0]["field"] == "phone"
    assert {c.client_id for c in Contact.select()} == {"A1", "C1"}
    cid = Contact.get(Contact.client_id == "C1")
    assert cid.fields == {"tier": "gold"} and cid.list_id == result["list_id"]
    assert [p.number for p in cid.phones] == ["+12125550103"]


def test_reimport_merges_by_client_id_and_phone(account):
    campaign = create_campaign(account.id, name="c")
    import_contacts(account.id, "first", CSV, MAPPING, "US", campaign["id"])
    again = ("Name,Phone,Client,Email,Tier\n"
             "Ann Changed,+12125550199,A1,,platinum\n"  # same client_id, new phone
             "Dee,+12125550103,,dee@example.com,\n"  # C1's phone, no client id
             "Eve,+12125550105,E1,,\n")
    result = import_contacts(account.id, "second", again, MAPPING, "US", campaign["id"])
    assert result == result | {"created": 1, "merged": 2, "attached": 1, "errors": []}
    assert Contact.select().count() == 3
    ann = Contact.get(Contact.client_id == "A1")
    assert ann.name == "Ann" and ann.fields == {"tier": "gold"}  # never overwritten
    assert [p.number for p in ann.phones.order_by(ContactPhone.position)] == [
        "+12125550101", "+12125550199"]
    assert Contact.get(Contact.client_id == "C1").email == "dee@example.com"  # blank filled
    assert CampaignContact.select().count() == 3


def test_mapping_error_writes_nothing(account):
    with pytest.raises(CsvMappingError) as exc:
        import_contacts(account.id, "x", CSV, {"Telephone": "phone"}, "US")
    assert exc.value.field == "phone"
    assert ContactList.select().count() == 0 and Contact.select().count() == 0


def test_import_validates_arguments(account):
    with pytest.raises(FieldError) as exc:
        import_contacts(account.id, "x", CSV, MAPPING, "USA")
    assert exc.value.field == "default_region"
    other = Account.create(name="Other")
    foreign = Campaign.create(account=other, name="theirs")
    with pytest.raises(FieldError) as exc:
        import_contacts(account.id, "x", CSV, MAPPING, "US", foreign.id)
    assert exc.value.field == "campaign_id"


def test_filters_select_and_attach(account):
    csv = ("Name,Phone,Client,Email,Tier\n"
           "Ann,+12125550101,A1,ann@acme.com,gold\n"
           "Bob,+33612345678,B1,bob@other.org,silver\n"
           "Cid,+12125550103,C1,,gold\n")
    listed = import_contacts(account.id, "l", csv, MAPPING, "US")
    ids = {c.client_id: c.id for c in Contact.select()}
    sel = lambda d: select_contacts(account.id, d)  # noqa: E731
    assert sel({"all": [{"field": "fields.tier", "op": "eq", "value": "gold"}]}) == [
        ids["A1"], ids["C1"]]
    assert sel({"all": [{"field": "phone_prefix", "op": "startswith", "value": "+33"}]}) == [
        ids["B1"]]
    assert sel({"any": [{"field": "email", "op": "contains", "value": "ACME"},
                        {"field": "client_id", "op": "in", "value": ["B1"]}]}) == [
        ids["A1"], ids["B1"]]
    assert sel({"all": [{"field": "list_id", "op": "eq", "value": listed["list_id"]},
                        {"field": "name", "op": "ne", "value": "Ann"},
                        {"any": [{"field": "phone_prefix", "op": "ne", "value": "+1"}]}]}) == [
        ids["B1"]]
    with pytest.raises(FieldError) as exc:
        sel({"all": [{"field": "colour", "op": "eq", "value": "x"}]})
    assert exc.value.field == "definition" and "all[0]" in str(exc.value)

    f = create_filter(account.id, "gold", {"all": [
        {"field": "fields.tier", "op": "eq", "value": "gold"}]})
    assert filter_contacts(f["id"])["contact_ids"] == [ids["A1"], ids["C1"]]
    campaign = create_campaign(account.id, name="c")
    CampaignContact.create(campaign=campaign["id"], contact=ids["A1"])
    assert attach_filter(campaign["id"], f["id"]) == {
        "campaign_id": campaign["id"], "filter_id": f["id"], "matched": 2, "attached": 1}
    assert CampaignContact.select().where(
        CampaignContact.campaign == campaign["id"]).count() == 2


# --- campaigns ------------------------------------------------------------------------


def test_create_campaign_validates(account):
    for fields, field in [({"name": "x", "mode": "robocall"}, "mode"),
                          ({"name": "x", "machine_action": "message"}, "machine_message"),
                          ({"name": "x", "daily_start": "8h"}, "daily_start"),
                          ({"name": "x", "timezone": "Mars/Olympus"}, "timezone"),
                          ({"name": "x", "max_attempts": 0}, "max_attempts"),
                          ({"name": "x", "agent_group_id": 999}, "agent_group_id"),
                          ({"mode": "preview"}, "name")]:
        with pytest.raises(FieldError) as exc:
            create_campaign(account.id, **fields)
        assert exc.value.field == field, fields
    c = create_campaign(account.id, name="ok", mode="predictive", daily_start="09:00",
                        daily_stop="18:00", start_date="2030-01-01", timezone="europe/paris")
    assert c["status"] == "draft" and c["timezone"] == "Europe/Paris"
    assert c["daily_start"] == "09:00" and c["start_date"] == "2030-01-01"


def test_max_unarchived_campaigns_enforced(account):
    first = create_campaign(account.id, name="one")
    create_campaign(account.id, name="two")
    with pytest.raises(ConflictError) as exc:
        create_campaign(account.id, name="three")
    assert exc.value.field == "max_unarchived_campaigns"
    with pytest.raises(ConflictError):
        clone_campaign(first["id"], "copy")
    set_status(first["id"], "terminated")  # terminated still counts
    with pytest.raises(ConflictError):
        create_campaign(account.id, name="three")
    set_status(first["id"], "archived")
    assert create_campaign(account.id, name="three")["name"] == "three"
    assert Campaign.select().count() == 3


def test_clone_copies_everything_with_fresh_state(account):
    src = create_campaign(account.id, name="src", amd_enabled=True, max_attempts=4,
                          machine_action="message", machine_message="goodbye")
    add_caller_id(src["id"], "(212) 555-0100")
    add_caller_id(src["id"], "+12125550111")
    add_rule(src["id"], condition={"outcomes": ["busy"]}, action="call_again",
             params={"after_minutes": 10})
    add_rule(src["id"], condition={"connected": True}, action="complete")
    sl = SuppressionList.create(account=account, name="dnc", kind="device")
    CampaignSuppression.create(campaign=src["id"], suppression_list=sl)
    import_contacts(account.id, "l", CSV, MAPPING, "US", src["id"])
    CampaignContact.update(state="completed", attempts=2).execute()
    first = CampaignContact.select().order_by(CampaignContact.id).first()
    CampaignContact.update(state="deleted").where(CampaignContact.id == first.id).execute()
    set_status(src["id"], "running")

    copy = clone_campaign(src["id"], "copy")
    assert copy["status"] == "draft" and copy["name"] == "copy" and copy["cloned_from"] == src["id"]
    assert (copy["caller_ids"], copy["rules"], copy["suppression_lists"], copy["contacts"]) == (
        2, 2, 1, 1)
    assert copy["amd_enabled"] and copy["max_attempts"] == 4
    assert copy["machine_message"] == "goodbye"
    assert [n.number for n in CallerIdNumber.select().where(
        CallerIdNumber.campaign == copy["id"]).order_by(CallerIdNumber.id)] == [
        "+12125550100", "+12125550111"]
    rules = list(Rule.select().where(Rule.campaign == copy["id"]).order_by(Rule.position))
    assert [(r.position, r.action, r.condition, r.params) for r in rules] == [
        (0, "call_again", {"outcomes": ["busy"]}, {"after_minutes": 10}),
        (1, "complete", {"connected": True}, {})]
    cc = CampaignContact.get(CampaignContact.campaign == copy["id"])
    assert (cc.state, cc.attempts, cc.next_attempt_at) == ("waiting", 0, None)
    assert cc.contact_id != first.contact_id


def test_caller_id_and_rule_errors(account):
    c = create_campaign(account.id, name="c")
    add_caller_id(c["id"], "+12125550100")
    with pytest.raises(ConflictError) as exc:
        add_caller_id(c["id"], "212-555-0100")
    assert exc.value.field == "number"
    with pytest.raises(FieldError) as exc:
        add_caller_id(c["id"], "12")
    assert exc.value.field == "number"
    with pytest.raises(FieldError) as exc:
        add_rule(c["id"], action="explode")
    assert exc.value.field == "action"
    with pytest.raises(FieldError) as exc:
        add_rule(c["id"], condition={"colour": "red"}, action="complete")
    assert exc.value.field == "condition"
    with pytest.raises(FieldError) as exc:
        add_rule(c["id"], action="add_prefix", params={"prefix": "x"})
    assert exc.value.field == "params"
    assert add_rule(c["id"], action="complete")["position"] == 0
    assert add_rule(c["id"], action="complete")["position"] == 1
