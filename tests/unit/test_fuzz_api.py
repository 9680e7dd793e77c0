"""Schemathesis against the app's own /api/openapi.json, on a real local port.

A real Dialer (SQLite, and PostgreSQL when DIALER_TEST_PG_URL is set: it refuses what
SQLite stores, NULs and over-long strings; a fake ARI, no campaign runner) behind the real
middlewares,
signed in with an admin's API token. Every operation of the document gets generated
requests (valid and schema-violating); no answer may be a 5xx, and every error must be
the API's JSON error naming a field. Bounded and derandomized for CI.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from dialer.db import auth, contacts, migrate, open_database
from dialer.db.models import Account, AgentGroup, AgentGroupMember, Campaign, ServicePlan
from tests.objects import one_of_each
from tests.served import Served

# per operation and mode: ~100 operations x 2 modes x 4 is ~830 requests, ~25 s on an idle
# 2-core machine (PostgreSQL: valid requests only, ~11 s); DIALER_FUZZ_EXAMPLES=50 digs deeper.
EXAMPLES = int(os.environ.get("DIALER_FUZZ_EXAMPLES", "4"))
CSV = "Name,Phone,Client\nAnn,+12125550101,A1\nBob,+12125550102,B1\n"


def _seed(url: str) -> str:
    """Objects with small ids (the fuzzer's favourite ids hit real rows); an admin's token."""
    db = open_database(url)
    migrate(db)
    plan = ServicePlan.create(name="base")
    acme = Account.create(name="Acme", plan=plan, company_number="+12125550100")
    one_of_each(acme, dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.timezone.utc))  # ids 1
    one_of_each(Account.create(name="Other", plan=plan),
                dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.timezone.utc))
    contacts.import_contacts(acme.id, "march", CSV, {"Name": "name", "Phone": "phone",
                                                     "Client": "client_id"}, "US", 1)
    group = AgentGroup.get_by_id(1)
    group.manual_dial_allowed = True
    group.save()
    Campaign.update(agent_group=group).where(Campaign.id == 1).execute()  # never deleted
    AgentGroupMember.create(group=group, agent=1)
    admin = auth.create_user(acme.id, username="root", password="password1", role="admin")
    token = auth.create_api_token(admin["id"])["token"]
    db.close_all() if hasattr(db, "close_all") else db.close()
    return token


PG_URL = os.environ.get("DIALER_TEST_PG_URL")


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="module", params=[
    "sqlite",
    pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.skipif(
        not PG_URL, reason="DIALER_TEST_PG_URL is not set (tests/pg_up.sh)")])])
def served(request, tmp_path_factory):
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/dialer.db"
    else:
        schema = f"fuzz_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE SCHEMA "{schema}"')
        sep = "&" if "?" in PG_URL else "?"
        url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    try:
        token = _seed(url)
        with Served(url) as app:
            yield app, {"Authorization": f"Bearer {token}"}, request.param
    finally:
        if schema is not None:
            _pg_admin(f'DROP SCHEMA "{schema}" CASCADE')


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


@pytest.mark.timeout(600)  # a loaded machine runs it 10x slower
def test_no_server_errors_and_json_errors_naming_a_field(served):
    app, headers, backend = served
    modes = [GenerationMode.POSITIVE]
    if backend == "sqlite":  # what is invalid by the document never reaches the database
        modes.append(GenerationMode.NEGATIVE)
    for mode in modes:
        _fuzz(app, headers, mode)


def _fuzz(app, headers, mode) -> None:
    session = requests.Session()
    session.headers.update(headers)
    operations = [op for op in _operations(app.base_url)
                  if not op.path.startswith("/api/session")]  # would sign the fuzzer out
    assert len(operations) > 100
    seen: dict[int, int] = {}

    for operation in operations:
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode),
               real=st.lists(st.integers(1, 3), min_size=3, max_size=3))
        def run(case, real):
            if mode == GenerationMode.POSITIVE:  # mostly objects that exist: past the 404s
                for (name, value), small in zip(sorted(case.path_parameters.items()), real, strict=False):
                    if isinstance(value, int) and small != 3:
                        case.path_parameters[name] = small
            response = case.call(base_url=app.base_url, session=session, timeout=10)
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            check_answer(case, response)

        try:
            run()
        except Unsatisfiable:  # negative mode: nothing in this operation can be made invalid
            assert mode == GenerationMode.NEGATIVE, operation.label
    print(f"{mode.value}: {sum(seen.values())} requests over {len(operations)} operations, "
          f"by status {dict(sorted(seen.items()))}")


# What the fuzzer found, kept as cases: SQLite stores these, PostgreSQL refused them with
# a 500 (NUL characters, integers beyond its INTEGER) or Python overflowed.
EDGES = [
    ("POST", "/api/accounts/1/agent-groups", {"name": "a\x00b"}, "name"),
    ("GET", "/api/accounts/1/contacts?q=%00", None, "q"),
    ("GET", "/api/accounts/1/attempts?outcome=%00", None, "outcome"),
    ("GET", "/api/accounts/1/campaigns?status=nonsense", None, "status"),
    ("POST", "/api/accounts/1/users", {"username": "u\x00", "password": "password1"},
     "username"),
    ("POST", "/api/accounts/1/scripts", {"name": "s\x00", "definition": []}, "name"),
    ("POST", "/api/accounts/1/filters", {"name": "f", "definition": {"all": [
        {"field": "name", "op": "eq", "value": "\x00"}]}}, "definition"),
    ("PATCH", "/api/campaigns/1", {"max_attempts": 3_000_000_000}, "max_attempts"),
    ("POST", "/api/plans", {"name": "big", "max_attempts_per_hour": 2**33},
     "max_attempts_per_hour"),
    ("PUT", "/api/accounts/1/ring-group", {"ring_seconds": 2**33}, "ring_seconds"),
    ("POST", "/api/accounts/1/action-calls", {"contact_id": 1, "delay_minutes": 2**40},
     "delay_minutes"),
    ("POST", "/api/agent-groups/1/members", {"agent_id": 2**70}, "agent_id"),
    ("GET", "/api/campaigns/99999999999999999999", None, "id"),
    ("GET", "/api/campaigns/\u0661", None, "id"),  # an Arabic-Indic digit
    ("POST", "/api/accounts", {}, "name"),  # a required field missing
    ("POST", "/api/accounts/1/agent-groups", {"name": "g", "nonsense": 1}, "nonsense"),
    ("GET", "/api/plans/1/nothing-here", None, "path"),
    ("POST", "/api/accounts/1/contacts/import", {"csv": CSV, "mapping": {"Phone": "phone"},
                                                 "default_region": 5}, "default_region"),
    ("POST", "/api/agents/1/manual-dial", {"number": "2125550100", "default_region": 1},
     "default_region"),
]


@pytest.mark.parametrize("method, path, body, field", EDGES,
                         ids=[f"{m} {p[:40]} {f}" for m, p, b, f in EDGES])
def test_values_the_fuzzer_found_are_400s_naming_the_field(served, method, path, body, field):
    app, headers, backend = served
    resp = requests.request(method, app.base_url + path, json=body, headers=headers,
                            timeout=10)
    assert 400 <= resp.status_code < 500, (backend, resp.status_code, resp.text)
    assert resp.json()["error"]["field"] == field, resp.text


def test_a_non_string_region_for_suppression_entries_is_a_400(served):
    app, headers, _ = served  # a list of its own, named apart from any the fuzzer made
    resp = requests.post(app.base_url + "/api/accounts/1/suppression-lists", headers=headers,
                         json={"name": f"regions-{uuid.uuid4().hex[:8]}", "kind": "device"},
                         timeout=10)
    assert resp.status_code == 201, resp.text
    for action in ("entries", "entries/remove"):
        answer = requests.post(
            f"{app.base_url}/api/suppression-lists/{resp.json()['id']}/{action}",
            json={"values": ["2125550100"], "default_region": ["US"]}, headers=headers,
            timeout=10)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["field"] == "default_region"


@pytest.mark.parametrize("part", ["mapping", "default_region", "list_name", "campaign_id"])
def test_a_text_field_sent_as_a_file_part_is_a_400_naming_it(served, part):
    app, headers, _ = served
    fields = {"mapping": '{"Phone": "phone"}', "default_region": "US", "list_name": "x",
              "campaign_id": "1"}
    files = {name: (None, value) for name, value in fields.items()}
    files["file"] = ("c.csv", CSV, "text/csv")
    files[part] = ("part.json", fields[part], "application/json")
    resp = requests.post(app.base_url + "/api/accounts/1/contacts/import", headers=headers,
                         files=files, timeout=10)
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["field"] == part


def test_a_nul_in_an_imported_row_is_that_row_s_error_on_every_database(served):
    app, headers, backend = served
    csv = "Name,Phone\nZed,+12125550177\nN\x00l,+12125550178\n" + "L" * 300 + \
        ",+12125550179\n"
    resp = requests.post(app.base_url + "/api/accounts/1/contacts/import", headers=headers,
                         json={"csv": csv, "mapping": {"Name": "name", "Phone": "phone"},
                               "list_name": "edge"}, timeout=10)
    assert resp.status_code == 201, (backend, resp.text)
    body = resp.json()
    assert body["created"] + body["merged"] == 1
    assert [(e["line"], e["field"]) for e in body["errors"]] == [(3, "name"), (4, "name")]
    resp = requests.post(app.base_url + "/api/accounts/1/contacts/import", headers=headers,
                         json={"csv": csv, "mapping": {"Phone": "phone"},
                               "list_name": "e\x00dge"}, timeout=10)
    assert resp.status_code == 400 and resp.json()["error"]["field"] == "list_name"


@pytest.mark.timeout(600)
def test_stateful_sequences_follow_the_links_without_server_errors(served):
    """The stateful phase: create an object, then act on it through the document's links
    (POST a collection -> every operation on /api/<collection>/{id}). Last in this module:
    it changes and deletes the seeded objects."""
    app, headers, _ = served
    doc = requests.get(app.base_url + "/api/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(doc).exclude(path_regex="^/api/session")
    session = requests.Session()
    session.headers.update(headers)
    answers: list[int] = []

    created: set[int] = set()

    class Machine(schema.as_state_machine()):
        def before_call(self, case):  # ids the links did not bring: mostly seeded objects
            for name, value in (case.path_parameters or {}).items():
                if isinstance(value, int) and value > 3 and value not in created:
                    case.path_parameters[name] = 1 + value % 2

        def call(self, case, **kwargs):
            response = case.call(base_url=app.base_url, session=session, timeout=10)
            answers.append(response.status_code)
            if response.status_code < 300 and isinstance(body := response.json(), dict) \
                    and isinstance(body.get("id"), int):
                created.add(body["id"])
            return response

        def validate_response(self, response, case, **kwargs):
            check_answer(case, response)

    # no shrinking: the server keeps what earlier steps made, so replays would differ
    Machine.run(settings=settings(max_examples=EXAMPLES * 5, stateful_step_count=6,
                                  derandomize=True, deadline=None, database=None,
                                  phases=[Phase.generate],
                                  suppress_health_check=list(HealthCheck)))
    print(f"stateful: {len(answers)} requests, by status {dict(sorted(Counter(answers).items()))}")
    # Not only refusals: sequences reached real operations (most generated bodies are
    # invalid, the response schemas being empty, so 2xx answers are few).
    assert any(200 <= a < 300 for a in answers)
