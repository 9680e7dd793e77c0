"""CSV export cells never run as spreadsheet formulas (dialer.core.spreadsheet)."""

from __future__ import annotations

import pytest

from dialer.core.spreadsheet import spreadsheet_safe


@pytest.mark.parametrize("cell", [
    "=1+1", "=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1)", "-cmd", "+x",
    "-2+3+cmd|' /C calc'!A0", "+1+HYPERLINK(\"http://evil\")", "-1+1|cmd",
    "\t=1+1", "\r=1+1", "\n=1+1", "\tplain tab", "+", "-", "=",
    "+1 (415) 555-0142=A1",
])
def test_formulas_are_quoted(cell):
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", [
    "+12125550100", "+1 (415) 555-0142", "-12", "-3.5", "42", "Ann Lee", "", "O'Brien",
    "a=b", "2026-12-04T17:00:00", "x@example.com",
])
def test_text_numbers_and_phone_numbers_stay(cell):
    assert spreadsheet_safe(cell) == cell


def test_any_value_becomes_text():
    assert spreadsheet_safe(None) == "" and spreadsheet_safe(7) == "7"
    assert spreadsheet_safe(-7) == "-7"


def test_the_attempts_report_quotes_what_callers_and_agents_typed(tmp_path):
    import csv
    import io

    from dialer.db import migrate, open_database
    from dialer.db.models import (Account, Agent, Attempt, Campaign, Contact, ServicePlan,
                                  User)
    from dialer.db.attempts import AttemptFilters
    from dialer.db.reports import report_rows
    from dialer.web.console import report_csv

    db = open_database(f"sqlite:///{tmp_path}/d.db")
    migrate(db)
    account = Account.create(name="a", plan=ServicePlan.create(name="p"))
    campaign = Campaign.create(account=account, name="c")
    user = User.create(account=account, username="u", password_hash="!",
                       full_name="+1+HYPERLINK(\"http://evil\")")
    Attempt.create(campaign=campaign, contact=Contact.create(
        account=account, name="-2+3+cmd|' /C calc'!A0"), phone="+12125550100",
                   channel_id="c1", agent=Agent.create(user=user, endpoint="PJSIP/u"),
                   disposition="\t=1+1", outcome="human")
    report = report_csv(report_rows(campaign.id, AttemptFilters()), header=True).decode()
    rows = list(csv.reader(io.StringIO(report)))
    db.close()
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert cells["contact"] == "'-2+3+cmd|' /C calc'!A0"
    assert cells["agent"] == "'+1+HYPERLINK(\"http://evil\")"
    assert cells["disposition"] == "'\t=1+1"
    assert cells["phone"] == "+12125550100" and cells["outcome"] == "human"
