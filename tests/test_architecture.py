"""The house's shape as tests: no module reaches into another's private names, and no module
outside migrations grows past the size a reader can hold (import-linter checks the rest)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
APPS = ("oversight", "accounts", "metrics", "segmentation", "rsp", "systemlens")
MAX_LINES = 450


def _modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (REPO / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def _private_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        f"{path.relative_to(REPO)}:{node.lineno} imports {alias.name} from {node.module}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]


def test_the_apps_have_modules_to_check() -> None:
    assert len(_modules()) > 100


@pytest.mark.parametrize("tree", [*APPS, "tests", "bench"])
def test_no_module_imports_another_modules_private_names(tree: str) -> None:
    paths = sorted((REPO / tree).rglob("*.py"))
    assert paths, f"{tree} holds no Python files"
    found = [line for path in paths for line in _private_imports(path)]
    assert found == []


def test_no_module_is_longer_than_a_reader_can_hold() -> None:
    sizes = {path: len(path.read_text().splitlines()) for path in _modules()}
    too_long = {str(p.relative_to(REPO)): n for p, n in sizes.items() if n >= MAX_LINES}
    assert too_long == {}
