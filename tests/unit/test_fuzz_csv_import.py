"""Fuzzing the CSV import down to the database: hypothesis-made files (encodings, BOMs,
quotes, huge fields, NULs, wrong column counts, mappings to missing columns) through
`contacts.import_contacts` on SQLite, and through the HTTP upload.

Never an unhandled exception; bad rows come back by line with a field; good rows are kept;
an import refused as a whole writes nothing (row counts before and after); nothing stored
would break PostgreSQL (NUL characters, names longer than their column).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialer.core.csv_import import MAX_LENGTH, CsvMappingError
from dialer.db import contacts, migrate, open_database
from dialer.db.models import (Account, Campaign, CampaignContact, Contact, ContactList,
                              ContactPhone, ServicePlan)
from dialer.db.validation import FieldError

HEADERS = ["Name", "Phone", "Mobile", "Email", "TZ", "Ref", "Notes"]
MAPPINGS = [
    {"Name": "name", "Phone": "phone", "Mobile": "phone2", "Email": "email", "TZ": "timezone",
     "Ref": "client_id"},
    {"Phone": "phone"},
    {"Name": "first_name", "Notes": "last_name", "Phone": "phone", "Ref": "field:ref"},
    {"Missing": "phone"},                      # a column the file lacks
    {"Name": "phone", "Phone": "nonsense"},    # an unknown field
    {"Name": "name"},                          # no phone at all
    {"Phone": "phone", "Mobile": "phone", "Ref": "skip", "Gone": "skip"},
]
CELLS = st.one_of(
    st.sampled_from(["", " ", "+12125550100", "(212) 555-0101", "212.555.0102", "12", "abc",
                     "ann@example.com", "not-an-email", "Europe/Paris", "Mars/Base", "A-1",
                     '"', '""', 'a "quoted" word', "x,y", "x;y", "\t", "\r\n", "\n", "\x00",
                     "\ufeff", "é", "日本", "\u2028"]),
    st.text(max_size=12),
    st.integers(200, 5000).map(lambda n: "x" * n),  # huge fields
    st.integers(1, 40).map(lambda n: "\x00" * n),
)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]


@st.composite
def csv_files(draw) -> bytes:
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    header = draw(st.permutations(HEADERS).flatmap(
        lambda h: st.integers(1, len(h)).map(lambda n: h[:n])))
    rows = draw(st.lists(st.lists(CELLS, max_size=len(HEADERS) + 2), max_size=8))

    def cell(value: str) -> str:
        if draw(st.booleans()) or any(c in value for c in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"' if draw(st.booleans()) else value
        return value

    lines = [delimiter.join(header)] + [delimiter.join(cell(c) for c in row) for row in rows]
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    encoding = draw(st.sampled_from(ENCODINGS))
    raw = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:  # a torn upload: cut anywhere
        raw = raw[:draw(st.integers(0, len(raw)))]
    return raw


def decode(raw: bytes) -> str | None:
    """As the upload does: UTF-8 with or without a BOM, else refused."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    database = open_database(f"sqlite:///{tmp_path_factory.mktemp('csv')}/dialer.db")
    migrate(database)
    plan = ServicePlan.create(name="base")
    account = Account.create(name="Acme", plan=plan)
    campaign = Campaign.create(account=account, name="spring")
    yield account.id, campaign.id
    database.close()


def counts() -> dict[str, int]:
    return {model.__name__: model.select().count()
            for model in (Contact, ContactPhone, ContactList, CampaignContact)}


@settings(max_examples=300, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(raw=csv_files(), mapping=st.sampled_from(MAPPINGS),
       region=st.sampled_from(["US", "GB", "us", "", "XX1"]))
def test_any_file_is_imported_or_refused_cleanly(db, raw, mapping, region):
    account_id, campaign_id = db
    text = decode(raw)
    before = counts()
    if text is None:
        return  # the upload refuses it with a 400 naming "csv" (test below)
    try:
        result = contacts.import_contacts(account_id, "fuzz", text, mapping, region,
                                          campaign_id)
    except (FieldError, CsvMappingError) as exc:
        assert exc.field and str(exc)
        assert counts() == before, "an import refused as a whole wrote rows"
        return
    after = counts()
    assert after["ContactList"] == before["ContactList"] + 1
    assert after["Contact"] == before["Contact"] + result["created"]
    for problem in result["errors"] + result["warnings"]:
        assert isinstance(problem["line"], int) and problem["line"] >= 1
        assert isinstance(problem["field"], str) and problem["field"]
        assert problem["reason"]
    lines = text.count("\n") + text.count("\r") + 1
    assert all(e["line"] <= lines for e in result["errors"])
    for contact in Contact.select().where(Contact.contact_list == result["list_id"]):
        for value in (contact.name, contact.email, contact.client_id):
            assert value is None or (len(value) <= MAX_LENGTH and "\x00" not in value)
        for key, value in contact.fields.items():
            assert "\x00" not in key + value


def test_a_nul_in_a_row_is_that_row_s_error_and_the_others_are_kept(db):
    account_id, _ = db
    text = "Name,Phone\nAnn,+12125550111\nB\x00b,+12125550112\n" + "C" * 300 + \
        ",+12125550113\nDee,+12125550114\n"
    result = contacts.import_contacts(account_id, "nul", text, {"Name": "name",
                                                                "Phone": "phone"}, "US")
    assert result["created"] == 2
    assert result["errors"] == [
        {"line": 3, "field": "name", "reason": "holds a NUL character: save the file as "
                                               "UTF-8 text"},
        {"line": 4, "field": "name", "reason": f"longer than {MAX_LENGTH} characters"}]


def test_a_nul_in_the_header_refuses_the_file_and_writes_nothing(db):
    account_id, _ = db
    before = counts()
    with pytest.raises(CsvMappingError) as err:
        contacts.import_contacts(account_id, "nul", "Na\x00me,Phone\nAnn,+12125550111\n",
                                 {"Phone": "phone"}, "US")
    assert err.value.field == "header"
    assert counts() == before


async def test_upload_in_another_encoding_is_a_400_naming_csv_and_writes_nothing(
        tmp_path, aiohttp_client):
    import aiohttp

    from dialer.db import Store
    from dialer.web.app import create_app
    from tests.auth_helpers import bearer
    from tests.web_dialer import FakeDialer

    database = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(database)
    account = Account.create(name="Acme", plan=ServicePlan.create(name="base"))
    headers = bearer(account.id)
    database.close()
    store = Store(database)
    client = await aiohttp_client(create_app(FakeDialer(store)), headers=headers)
    try:
        for raw in ("Name,Phone\nAnn,+12125550111\n".encode("utf-16"), b"\xff\xfe\x00\x81"):
            form = aiohttp.FormData()
            form.add_field("file", raw, filename="c.csv", content_type="text/csv")
            form.add_field("mapping", '{"Phone": "phone"}')
            resp = await client.post(f"/api/accounts/{account.id}/contacts/import", data=form)
            assert resp.status == 400
            assert (await resp.json())["error"]["field"] == "csv"
        assert await store.run(counts) == {"Contact": 0, "ContactPhone": 0, "ContactList": 0,
                                           "CampaignContact": 0}
    finally:
        await store.close()
