"""`dialer campaign why|progress` on a real SQLite file, as an admin runs them."""

from __future__ import annotations

import json

import pytest

from dialer.cli import main
from dialer.db.database import open_database
from dialer.db.migrate import migrate
from dialer.db.models import database_proxy
from tests.campaign_seed import seed_campaign


@pytest.fixture
def config(tmp_path):
    url = f"sqlite:///{tmp_path}/d.sqlite3"
    db = open_database(url)
    migrate(db)
    database_proxy.initialize(db)
    seed = seed_campaign(["+14155551002", "+12125553000"], agents=[])
    db.close()
    path = tmp_path / "dialer.toml"
    path.write_text(f'[database]\nurl = "{url}"\n')
    return str(path), seed


def test_why_finds_the_contact_by_a_nationally_written_number(config, capsys):
    path, seed = config
    assert main(["campaign", "why", str(seed["campaign_id"]), "(415) 555-1002",
                 "--config", path]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"contact {seed['contact_ids'][0]} in campaign")
    assert "campaign is draft [campaign_not_running]" in out


def test_why_by_id_as_json_and_progress(config, capsys):
    path, seed = config
    cid = str(seed["campaign_id"])
    assert main(["campaign", "why", cid, str(seed["contact_ids"][1]), "--json",
                 "--config", path]) == 0
    why = json.loads(capsys.readouterr().out)
    assert why["contact_id"] == seed["contact_ids"][1] and why["eligible"] is False
    assert main(["campaign", "progress", cid, "--json", "--config", path]) == 0
    progress = json.loads(capsys.readouterr().out)
    assert progress["total"] == 2 and progress["waiting"] == 2 and progress["attempts"] == 0


def test_unknown_contact_and_campaign_are_one_clear_line(config, capsys):
    path, seed = config
    cid = str(seed["campaign_id"])
    assert main(["campaign", "why", cid, "+33142685300", "--config", path]) == 1
    assert capsys.readouterr().err.strip() == \
        f"dialer: contact: no contact '+33142685300' in campaign {cid}"
    assert main(["campaign", "why", cid, "not a number", "--config", path]) == 1
    assert "neither a contact id nor a number" in capsys.readouterr().err
    assert main(["campaign", "progress", "999", "--config", path]) == 1
    assert capsys.readouterr().err.strip() == "dialer: no such campaign"
