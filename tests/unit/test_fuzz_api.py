"""Schemathesis against the app's own /api/openapi.json, on a real local port.

A real Dialer (SQLite, a fake ARI, no campaign runner) behind the real middlewares,
signed in with an admin's API token. Every operation of the document gets generated
requests (valid and schema-violating); no answer may be a 5xx, and every error must be
the API's JSON error naming a field. Bounded and derandomized for CI.
"""

from __future__ import annotations

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from dialer.db import auth, contacts, migrate, open_database
from dialer.db.models import (Account, Agent, AgentGroup, AgentGroupMember, Campaign,
                              ServicePlan)
from tests.served import Served

# per operation and mode: ~100 operations x 2 modes x 6 is ~1,250 requests, about a minute
# on CI's 2 cores; DIALER_FUZZ_EXAMPLES=50 digs deeper by hand.
EXAMPLES = int(os.environ.get("DIALER_FUZZ_EXAMPLES", "6"))
CSV = "Name,Phone,Client\nAnn,+12125550101,A1\nBob,+12125550102,B1\n"


def _seed(url: str) -> str:
    """Objects with small ids (the fuzzer's favourite ids hit real rows); an admin's token."""
    db = open_database(url)
    migrate(db)
    plan = ServicePlan.create(name="base")
    acme = Account.create(name="Acme", plan=plan, company_number="+12125550100")
    Account.create(name="Other", plan=plan)
    spring = Campaign.create(account=acme, name="spring")
    contacts.import_contacts(acme.id, "march", CSV, {"Name": "name", "Phone": "phone",
                                                     "Client": "client_id"}, "US", spring.id)
    group = AgentGroup.create(account=acme, name="sales", manual_dial_allowed=True)
    user = auth.create_user(acme.id, username="ann", password="password1", role="agent")
    agent = Agent.create(user=user["id"], endpoint="PJSIP/ann")
    AgentGroupMember.create(group=group, agent=agent)
    admin = auth.create_user(acme.id, username="root", password="password1", role="admin")
    token = auth.create_api_token(admin["id"])
    db.close()
    return token


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/dialer.db"
    token = _seed(url)
    with Served(url) as app:
        yield app, {"Authorization": f"Bearer {token}"}


def _operations(base_url: str):
    doc = requests.get(base_url + "/api/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(doc)
    return [result.ok() for result in schema.get_all_operations()]


def check_answer(case, response) -> None:
    where = f"{case.method} {case.formatted_path} {case.query} {case.body!r:.300}"
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:500]}"
    if response.status_code >= 400:
        body = response.json()  # never HTML or text
        error = body["error"]
        assert isinstance(error["field"], str), where  # "" when the culprit is a key ""
        assert isinstance(error["message"], str) and error["message"], where


@pytest.mark.timeout(180)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_errors_and_json_errors_naming_a_field(served, mode):
    app, headers = served
    session = requests.Session()
    session.headers.update(headers)
    operations = [op for op in _operations(app.base_url)
                  if not op.path.startswith("/api/session")]  # would sign the fuzzer out
    assert len(operations) > 100
    seen = {"calls": 0}

    for operation in operations:
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            response = case.call(base_url=app.base_url, session=session, timeout=10)
            seen["calls"] += 1
            check_answer(case, response)

        try:
            run()
        except Unsatisfiable:  # negative mode: nothing in this operation can be made invalid
            assert mode == GenerationMode.NEGATIVE, operation.label
    print(f"{mode.value}: {seen['calls']} requests over {len(operations)} operations")
