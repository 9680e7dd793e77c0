"""Issue 19: `pip install` of a built wheel works in a fresh venv. The wheel is built (by
`build`, in an isolated environment) from a copy of the source, installed with its
dependencies from the package index into a new venv, and run from elsewhere: `dialer
--help`, the data files (templates, static, the shipped Asterisk configuration, the
lab's files, the migrations) inside the installed package, and `dialer db migrate`
creating the schema from the installed migrations. 2-4 minutes here (218 s beside a
lab test), most of it pip fetching the dependencies."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ("asterisk_conf/extensions_dialer.conf", "asterisk_conf/ari.conf", "web/templates",
        "web/static", "web/static/vendor/pico.min.css", "lab/files",
        "db/migrations/001_initial.py")
CHECK = """
import importlib.resources, sys
import dialer, dialer.lab.instances as lab
assert "site-packages" in dialer.__file__, dialer.__file__
root = importlib.resources.files("dialer")
missing = [p for p in sys.argv[1:] if not (root / p).is_file() and not any((root / p).iterdir())]
missing += [f for f in lab.SHIPPED_FILES if not (lab.SHIPPED / f).is_file()]
assert not missing, missing
import dialer.metrics.registry, dialer.logs, dialer.server  # every dependency installed
"""

pytestmark = pytest.mark.timeout(900)


def run(*args, cwd: Path) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=800)
    assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}{done.stderr[-4000:]}"
    return done.stdout


def test_the_wheel_installs_and_runs_in_a_fresh_venv(tmp_path):
    source = tmp_path / "src"  # a copy: building writes build/ and *.egg-info beside it
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "var", "tests", "bench", "__pycache__", "build", "*.egg-info",
        ".mypy_cache", ".pytest_cache", ".hypothesis"))
    run(sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(source),
        cwd=tmp_path)
    wheel, = (tmp_path / "dist").glob("dialer-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith(("tests/", "bench/"))]
    assert "dialer/asterisk_conf/extensions_dialer.conf" in names
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", str(venv), cwd=tmp_path)
    run(str(venv / "bin" / "pip"), "install", "-q", str(wheel), cwd=tmp_path)
    assert "dialer serve" in run(str(venv / "bin" / "dialer"), "--help", cwd=tmp_path)
    run(str(venv / "bin" / "python"), "-c", CHECK, *DATA, cwd=tmp_path)
    (tmp_path / "dialer.toml").write_text(f'[database]\nurl = "sqlite:///{tmp_path}/d.sqlite3"\n')
    run(str(venv / "bin" / "dialer"), "db", "migrate", "--config", "dialer.toml", cwd=tmp_path)
    tables = {name for (name,) in sqlite3.connect(tmp_path / "d.sqlite3").execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"campaign", "attempt", "agent", "migratehistory"} <= tables, tables
