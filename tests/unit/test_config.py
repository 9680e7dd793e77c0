import re

import pytest

from dialer.config import ConfigError, load_config


def test_defaults_point_at_the_lab_and_sqlite():
    cfg = load_config(None, env={})
    assert cfg.ari.url == "http://127.0.0.1:8088"
    assert cfg.database.url.startswith("sqlite:///")
    assert cfg.web.host == "127.0.0.1"


def test_file_values_and_env_secrets(tmp_path):
    path = tmp_path / "dialer.toml"
    path.write_text('node = "n2"\n[ari]\nurl = "http://10.0.0.5:8088"\npassword = "in-file"\n'
                    '[web]\nport = 9000\n[amd]\nwords_calls = 0\n')
    cfg = load_config(path, env={"DIALER_ARI_PASSWORD": "from-env",
                                 "DIALER_DATABASE_URL": "postgresql://u:pw@db/dialer"})
    assert (cfg.node, cfg.ari.url, cfg.web.port) == ("n2", "http://10.0.0.5:8088", 9000)
    assert cfg.amd.words_calls == 0 and load_config(None, env={}).amd.words_calls == 10
    assert cfg.ari.password == "from-env"
    redacted = cfg.redacted()
    assert redacted["ari"]["password"] == "***"
    assert redacted["database"]["url"] == "postgresql://u:***@db/dialer"
    assert "from-env" not in repr(redacted) and "pw@" not in repr(redacted)


@pytest.mark.parametrize("text, message", [
    ("[ari]\nurll = 'x'\n", "[ari] unknown setting(s): urll"),
    ("[web]\nport = 'eighty'\n", "[web] port: expected int"),
    ("[nope]\n", "unknown section(s): nope"),
    ("[ari\n", "dialer.toml"),
    ("[amd]\nwords_calls = -1\n", "[amd] words_calls: expected 0 to 500"),
])
def test_bad_config_names_the_setting(tmp_path, text, message):
    path = tmp_path / "dialer.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(path, env={})


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.toml", env={})
