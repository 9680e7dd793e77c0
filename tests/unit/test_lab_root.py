import re

from dialer.lab.instances import BENCH_PHONES, MONITOR_PHONES, _template
from dialer.lab.root import LabError, apt_mirror

import pytest


def test_mirror_from_deb822_sources_skips_security(tmp_path, monkeypatch):
    monkeypatch.delenv("DIALER_LAB_MIRROR", raising=False)
    d = tmp_path / "sources.list.d"
    d.mkdir()
    (d / "debian.sources").write_text(
        "Types: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\n"
        "Components: main\n\nTypes: deb\nURIs: http://mirror.example/debian\n"
        "Suites: bookworm bookworm-updates\nComponents: main\n")
    assert apt_mirror(str(d), str(tmp_path / "none")) == "http://mirror.example/debian"


def test_mirror_from_classic_sources_list(tmp_path, monkeypatch):
    monkeypatch.delenv("DIALER_LAB_MIRROR", raising=False)
    lst = tmp_path / "sources.list"
    lst.write_text("# comment\ndeb [arch=amd64] http://other.example/debian bookworm main\n")
    assert apt_mirror(str(tmp_path / "empty"), str(lst)) == "http://other.example/debian"


def test_env_override_and_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DIALER_LAB_MIRROR", "http://override.example/debian")
    assert apt_mirror(str(tmp_path), str(tmp_path / "x")) == "http://override.example/debian"
    monkeypatch.delenv("DIALER_LAB_MIRROR")
    with pytest.raises(LabError, match="DIALER_LAB_MIRROR"):
        apt_mirror(str(tmp_path), str(tmp_path / "x"))


def test_no_bench_desk_phone_is_a_monitoring_phone():
    """The soak bench's floors take agent101.. (BENCH_PHONES): none of them may be a phone
    that plays a tone or is a supervisor's (the monitoring tests' own, MONITOR_PHONES)."""
    bench = {f"agent{i}" for i in BENCH_PHONES}
    assert bench.isdisjoint(MONITOR_PHONES)
    dialplan = _template("sim_extensions.conf")
    special = {name for name, _ in re.findall(r"^exten => ([a-z][a-z0-9]*),1,(.*)$", dialplan,
                                              re.MULTILINE)}
    assert special.isdisjoint(bench)  # every bench phone just answers (_age[n]t.)
    assert set(MONITOR_PHONES) <= special
