"""The domain stands alone: it imports nothing from the web, the wire format or the database driver."""

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

DOMAIN = Path(__file__).resolve().parents[3] / "domain"
FORBIDDEN = {"litestar", "msgspec", "psycopg", "psycopg_pool", "api", "projections"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_domain_imports_neither_litestar_msgspec_psycopg_nor_outer_layers():
    files = sorted(DOMAIN.glob("*.py"))
    assert len(files) > 10
    offenders = {
        f"{path.name}: {module}"
        for path in files
        for module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN
    }
    assert offenders == set()


def test_the_boundary_check_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import msgspec\nfrom litestar import get\nfrom domain import rules\n")
    assert imported_modules(sample) == {"msgspec", "litestar", "domain"}
