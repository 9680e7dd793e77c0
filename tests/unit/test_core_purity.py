"""dialer.core holds pure decision logic: no I/O libraries may creep in."""
import ast
from pathlib import Path

import dialer.core

FORBIDDEN = {"asyncio", "aiohttp", "peewee", "playhouse", "psycopg", "socket", "subprocess",
             "dialer.ari", "dialer.db", "dialer.runtime", "dialer.web"}


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield ("." * node.level) + node.module


def test_core_imports_no_io_library():
    core = Path(dialer.core.__file__).parent
    files = sorted(core.rglob("*.py"))
    assert files, "dialer.core has no modules"
    bad = [(f.name, name) for f in files for name in _imports(f)
           if name.split(".")[0] in FORBIDDEN or any(name.startswith(m) for m in FORBIDDEN)
           or name.startswith("..")]
    assert bad == []
