"""Modules of `dialer` stay under MAX_MODULE_LINES lines and functions under
MAX_FUNCTION_LINES (def line to last line, docstring included): a reader takes a module
or a function in at once. Migrations are generated, and excluded."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "dialer"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60



def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if not name.startswith("db/migrations/"):
            yield name, path.read_text()


def _functions(tree: ast.AST, prefix: str = ""):
    """(qualified name, lines) of every function, methods and nested ones included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = f"{prefix}{node.name}"
            if not isinstance(node, ast.ClassDef):
                yield name, node.end_lineno - node.lineno + 1
            yield from _functions(node, f"{name}.")
        else:
            yield from _functions(node, prefix)


def test_modules_are_short():
    long = [f"{name} ({len(text.splitlines())} lines)" for name, text in _modules()
            if len(text.splitlines()) > MAX_MODULE_LINES]
    assert not long, f"over {MAX_MODULE_LINES} lines: {', '.join(long)}"


def test_functions_are_short():
    long = [f"{name}:{function} ({lines} lines)" for name, text in _modules()
            for function, lines in _functions(ast.parse(text))
            if lines > MAX_FUNCTION_LINES]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {', '.join(long)}"


def test_the_checks_see_an_offender():
    source = "def f():\n" + "    x = 1\n" * MAX_FUNCTION_LINES
    assert list(_functions(ast.parse(source))) == [("f", MAX_FUNCTION_LINES + 1)]
    nested = "class C:\n    def m(self):\n        def inner():\n            pass\n"
    assert [n for n, _ in _functions(ast.parse(nested))] == ["C.m", "C.m.inner"]
