"""The house rules of the code's layout: imports run one way, and nowhere hide.

The rules themselves are import-linter contracts in ``pyproject.toml``; this test
runs them, so that ``./dev test`` (and CI) fails when a change breaks one.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_the_import_contracts_hold() -> None:
    result = subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def function_level_imports(path: Path) -> list[str]:
    """``module:line`` of every import of the bot's own modules inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("bot"):
                found.append(f"{path.relative_to(REPO_ROOT)}:{inner.lineno}")
            elif isinstance(inner, ast.Import) and any(
                alias.name.startswith("bot") for alias in inner.names
            ):
                found.append(f"{path.relative_to(REPO_ROOT)}:{inner.lineno}")
    return found


def test_no_module_hides_an_import_of_the_bot_in_a_function() -> None:
    # The command line imports per command so that `parse` and `plan` start fast; it is
    # the top of the graph, so such an import there can never dodge a cycle.
    modules = [p for p in (REPO_ROOT / "bot").rglob("*.py") if p.name != "__main__.py"]
    hidden = [where for path in modules for where in function_level_imports(path)]
    assert hidden == []


def test_the_checker_sees_a_hidden_import() -> None:
    sample = REPO_ROOT / "bot" / "__main__.py"
    assert function_level_imports(sample), "the command line imports per command"
