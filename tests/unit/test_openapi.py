"""The OpenAPI document (dialer.web.openapi): every route of the app is in it, it is a
valid OpenAPI 3.1 document, and it is served publicly at /api/openapi.json."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from dialer.core.tz import utc_now
from dialer.web import openapi
from dialer.web.access import rule_for
from dialer.web.app import create_app

# What the API must always offer (method, canonical path): a route that disappears or
# is renamed fails here, not in a client.
REQUIRED = [
    ("GET", "/api/openapi.json"),
    ("GET", "/api/accounts/{id}"),
    ("GET", "/api/accounts/{id}/contacts"),
    ("GET", "/api/accounts/{id}/contact-lists"),
    ("GET", "/api/contacts/{id}"),
    ("GET", "/api/campaigns/{id}/contacts"),
    ("GET", "/api/campaigns/{id}/rules"),
    ("DELETE", "/api/campaigns/{id}/rules/{rule_id}"),
    ("GET", "/api/campaigns/{id}/caller-ids"),
    ("GET", "/api/accounts/{id}/filters"),
    ("GET", "/api/filters/{id}"),
    ("GET", "/api/accounts/{id}/agent-groups"),
    ("GET", "/api/agent-groups/{id}"),
    ("GET", "/api/accounts/{id}/agents"),
    ("GET", "/api/agents/{id}"),
    ("GET", "/api/plans/{id}"),
    ("GET", "/api/campaigns/{id}/attempts"),
    ("GET", "/api/accounts/{id}/attempts"),
    ("GET", "/api/attempts/{id}"),
    ("GET", "/api/campaigns/{id}/recordings"),
    ("GET", "/api/attempts/{id}/recording"),
    ("GET", "/api/accounts/{id}/followups"),
    ("GET", "/api/campaigns/{id}/suppression-lists"),
    ("GET", "/api/accounts/{id}/ring-group"),
    ("GET", "/api/accounts/{id}/action-calls"),
    ("GET", "/api/accounts/{id}/voicemails/{voicemail_id}/recording"),
]
LISTS = [path for method, path in REQUIRED
         if path.endswith(("contacts", "lists", "rules", "caller-ids", "filters", "groups",
                           "agents", "attempts", "recordings", "followups", "calls"))]


class NoDialer:
    store = None


@pytest.fixture(scope="module")
def app():
    return create_app(NoDialer())


@pytest.fixture(scope="module")
def doc(app):
    return openapi.document(app)


def _routes(app):
    return {(r.method, r.resource.canonical) for r in app.router.routes()
            if r.resource is not None and r.resource.canonical.startswith("/api/")
            and r.method in openapi.METHODS}


def test_document_is_valid_openapi_3_1(doc):
    assert doc["openapi"].startswith("3.1")
    validate(doc)  # raises on any structural problem


def test_every_route_of_the_app_is_documented(app, doc):
    documented = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    assert _routes(app) - documented == set()
    assert documented - _routes(app) == set()
    assert set(REQUIRED) <= documented


def test_operations_say_who_may_call_them(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            need = rule_for(method.upper(), path)
            assert need is not None, (method, path)
            assert op["x-dialer-access"] == need
            if need == "public":
                assert op["security"] == []
            else:
                assert "security" not in op  # the document's default: bearer or cookie
            assert op["summary"]
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http",
                                     "scheme": "bearer"}
    assert schemes["cookieAuth"]["in"] == "cookie"
    assert doc["security"] == [{"bearerAuth": []}, {"cookieAuth": []}]
    assert doc["paths"]["/api/openapi.json"]["get"]["x-dialer-access"] == "public"
    assert doc["paths"]["/api/campaigns/{id}/rules/{rule_id}"]["delete"][
        "x-dialer-access"] == "manage_campaigns"


def test_path_parameters_match_the_path(doc):
    for path, item in doc["paths"].items():
        names = re.findall(r"\{(\w+)\}", path)
        for op in item.values():
            params = [p for p in op.get("parameters", []) if p["in"] == "path"]
            assert [p["name"] for p in params] == names
            assert all(p["required"] for p in params)
    action = doc["paths"]["/api/campaigns/{id}/{action}"]["post"]["parameters"]
    assert action[0]["schema"] == {"type": "integer", "minimum": 1}
    assert action[1]["schema"]["enum"] == ["start", "suspend", "resume", "terminate",
                                           "archive"]


def test_lists_take_limit_and_offset(doc):
    for path in LISTS:
        op = doc["paths"][path]["get"]
        names = [p["name"] for p in op["parameters"] if p["in"] == "query"]
        assert names[:2] == ["limit", "offset"], path
        assert op["responses"]["200"]["content"]["application/json"]["schema"] == \
            {"$ref": "#/components/schemas/Page"}
    single = doc["paths"]["/api/attempts/{id}"]["get"]
    assert [p["name"] for p in single["parameters"]] == ["id"]
    # the lists of the other modules too
    assert "limit" in str(doc["paths"]["/api/accounts/{id}/users"]["get"]["parameters"])


def test_query_parameters_named_in_docstrings(doc):
    op = doc["paths"]["/api/accounts/{id}/contacts"]["get"]
    query = {p["name"]: p["schema"] for p in op["parameters"] if p["in"] == "query"}
    assert set(query) == {"limit", "offset", "q", "list_id"}
    assert query["list_id"]["type"] == "integer" and query["q"] == {"type": "string"}
    attempts = doc["paths"]["/api/accounts/{id}/attempts"]["get"]["parameters"]
    assert {"campaign_id", "outcome", "agent_id", "contact_id", "recorded"} <= \
        {p["name"] for p in attempts}


def test_docstrings_become_summary_and_description(doc):
    op = doc["paths"]["/api/campaigns/{id}/contacts"]["get"]
    assert op["summary"].startswith("Each contact's state in the campaign")
    assert "operator" in op["description"]
    assert op["operationId"] == "list_campaign_contacts"
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


async def test_served_without_sign_in(aiohttp_client):
    class Dialer:
        store = None

        @staticmethod
        def now():
            return utc_now()

    client = await aiohttp_client(create_app(Dialer()))
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200
    body = await resp.json()
    validate(body)
    assert "/api/attempts/{id}/recording" in body["paths"]
