"""The house rules that keep the package readable, checked on its source.

The import layers are checked by the import contract in ``pyproject.toml``
(``lint-imports`` in ``.ci/run``); this file checks what that contract cannot see.
"""

from __future__ import annotations

import ast
from pathlib import Path

import siteplan

PACKAGE = Path(siteplan.__file__).parent

#: Longest function body allowed, in lines, not counting its docstring (numpydoc
#: parameter sections are documentation, not complexity).
MAX_BODY_LINES = 120


def _functions() -> list[tuple[str, int]]:
    """(qualified name, body lines without the docstring) of every function."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            assert node.end_lineno is not None
            lines = node.end_lineno - node.lineno + 1
            first = node.body[0]
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                assert first.end_lineno is not None
                lines -= first.end_lineno - first.lineno + 1
            out.append((f"{path.relative_to(PACKAGE)}:{node.name}", lines))
    return out


def test_the_scan_sees_the_package() -> None:
    names = {name for name, _ in _functions()}
    assert "analyses/plan/steps.py:make_plan" in names
    assert len(names) > 300


def test_no_function_body_is_longer_than_the_limit() -> None:
    long = sorted(((n, k) for n, k in _functions() if k > MAX_BODY_LINES), key=lambda x: -x[1])
    assert long == [], f"functions over {MAX_BODY_LINES} lines: {long}"
