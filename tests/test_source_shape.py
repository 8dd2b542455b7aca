"""The shape of the source: no file over 400 lines (migrations and demo data aside), and an import placed
inside a function says why, on its line or in a comment right above its block of imports (a cycle it
breaks, an optional client, a command's own dependencies)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "hifazat"


def _unexplained(source: str) -> list[int]:
    lines = source.split("\n")
    out = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        body = [n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]
        for imp in body:
            first = imp.lineno - 1
            while first > 0 and (
                lines[first - 1].strip().startswith(("import ", "from "))
                or (
                    not lines[first - 1].strip() and lines[first - 2].strip().startswith(("import ", "from "))
                )
            ):
                first -= 1  # the top of this block of imports (a blank line between groups included)
            block = range(first, imp.end_lineno or imp.lineno)
            said = any("#" in lines[i] for i in block) or lines[first - 1].strip().startswith("#")
            if not said:
                out.append(imp.lineno)
    return sorted(set(out))


def test_every_import_inside_a_function_says_why() -> None:
    offenders = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("platform/migrations/"):
            continue
        found = _unexplained(path.read_text())
        if found:
            offenders[rel] = found
    assert offenders == {}


def test_the_check_sees_an_unexplained_import() -> None:
    source = (
        "def f():\n    import os\n    return os\n\n"
        "def g():\n    import os  # why\n    return os\n\n"
        "def h():\n    # why, for the block\n    import os\n    import sys\n    return os, sys\n"
    )
    assert _unexplained(source) == [2]


# Data tables, not code: the migrations and the demo scenario's records.
LONG_ALLOWED = ("platform/migrations/versions/", "demo/data")
MAX_LINES = 400


def test_no_source_file_is_over_400_lines() -> None:
    long = {
        rel: n
        for path in sorted(SRC.rglob("*.py"))
        if not (rel := path.relative_to(SRC).as_posix()).startswith(LONG_ALLOWED)
        and (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
