"""Pure decision logic (dialer.core, and every module of a feature folder but its shell,
store and http parts): no I/O libraries, no I/O layer of the dialer may creep in."""
import ast
from pathlib import Path

import dialer

PACKAGE = Path(dialer.__file__).parent
LAYERS = {"ari", "db", "web", "lab"}  # not feature folders
IO_PARTS = {"shell", "store", "http", "runner", "stats", "writer", "leases", "effects",
            "call", "agent_calls", "importer", "lists", "cli", "report_store", "hub",
            "registry", "live", "outbox", "recorder", "convert", "files", "listening",
            "__init__"}  # I/O parts
FORBIDDEN = {"asyncio", "aiohttp", "peewee", "playhouse", "psycopg", "socket", "subprocess",
             "dialer.ari", "dialer.db", "dialer.server", "dialer.web", "dialer.features"}


def _pure_modules() -> list[Path]:
    features = [d for d in PACKAGE.iterdir()
                if d.is_dir() and (d / "__init__.py").exists() and d.name not in LAYERS]
    return sorted(f for d in features for f in d.glob("*.py")
                  if d.name == "core" or f.stem not in IO_PARTS)


def _imports(path: Path):
    """Absolute names of what the module imports (relative imports resolved)."""
    package = "dialer." + path.parent.name
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1]
            module = ".".join(base + ([node.module] if node.module else [])) if node.level \
                else node.module
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def test_the_pure_modules_cover_core_and_the_feature_folders():
    names = {f"{f.parent.name}/{f.name}" for f in _pure_modules()}
    assert {"outbound/decisions.py", "outbound/machine.py", "outbound/events.py",
            "beep/detector.py", "followups/decisions.py",
            "compliance/consent.py"} <= names
    assert not any(n.endswith(("/shell.py", "/store.py")) for n in names)


def test_pure_modules_import_no_io():
    shells = {f"dialer.{f.parent.name}.{f.stem}" for f in PACKAGE.glob("*/*.py")
              if f.stem in IO_PARTS - {"__init__"}}
    bad = [(f"{f.parent.name}/{f.name}", name) for f in _pure_modules() for name in _imports(f)
           if any(name == m or name.startswith(m + ".") for m in FORBIDDEN | shells)]
    assert bad == []
