"""`dialer trunks list|add|update|remove` on a real SQLite file, as an admin runs them."""

from __future__ import annotations

import json

import pytest

from dialer.cli import main


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "dialer.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/d.sqlite3"\n')
    return str(path)


def test_add_update_list_and_remove(config, capsys):
    assert main(["trunks", "list", "--config", config]) == 0
    assert capsys.readouterr().out.strip() == "no trunk: calls go through [ari] trunk"
    assert main(["trunks", "add", "--name", "carrier A", "--target", "PJSIP/carrier",
                 "--max-channels", "5", "--max-cps", "2", "--destination", "US",
                 "--destination", "+1", "--cost", "0.01", "--json", "--config", config]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["target"] == "carrier" and made["destinations"] == ["+1", "US"]
    assert main(["trunks", "update", str(made["id"]), "--priority", "5", "--disabled",
                 "--config", config]) == 0
    assert "priority 5" in capsys.readouterr().out
    assert main(["trunks", "list", "--json", "--config", config]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["priority"] == 5 and listed["enabled"] is False and listed["max_cps"] == 2
    assert main(["trunks", "remove", str(made["id"]), "--config", config]) == 0
    assert capsys.readouterr().out.startswith("removed:")


def test_bad_input_is_one_clear_line(config, capsys):
    assert main(["trunks", "add", "--name", "x", "--target", "carrier&Local/1@evil",
                 "--config", config]) == 1
    assert capsys.readouterr().err.startswith("dialer: target: a PJSIP endpoint")
    assert main(["trunks", "update", "99", "--weight", "2", "--config", config]) == 1
    assert capsys.readouterr().err.strip() == "dialer: id: no such trunk"
