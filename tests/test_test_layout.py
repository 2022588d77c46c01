"""The test suite's own layout: each test module stands alone, so it can be read, run, moved or deleted without
breaking another. What several modules share lives in modules made for sharing: fixtures in conftest.py,
row builders and the test day in factories.py, hypothesis profiles in properties.py (and helpers such as
smtp_server.py), never in a test module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# A test module, named as Python imports it: tests.test_match.
TEST_MODULE = re.compile(r"\btests\.(test_\w+)")


def imported_test_modules(path: Path) -> list[str]:
    """Each import of another test module in ``path``, as "line N: tests.test_x", including one written in a
    string (code run in a subprocess, a ``pytest_plugins`` entry)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [f"tests.{m}" for m in TEST_MODULE.findall(node.value)]
        else:
            continue
        found += [f"line {node.lineno}: {name}" for name in names if TEST_MODULE.fullmatch(name)]
    return found


def test_no_test_module_imports_another():
    # This module is left out: its example below names test modules on purpose.
    modules = [p for p in sorted(TESTS.glob("test_*.py")) if p.name != Path(__file__).name]
    offenders = {path.name: hits for path in modules if (hits := imported_test_modules(path))}

    assert offenders == {}, "move what they share to tests/factories.py or tests/conftest.py"


def test_the_check_sees_every_way_a_module_is_imported(tmp_path):
    module = tmp_path / "test_example.py"
    module.write_text(
        "from tests.test_match import advocate\n"
        "from tests import test_store\n"
        "import tests.test_reports\n"
        'CODE = "from tests.test_store import request"\n'
        "from tests.factories import advocate, request\n"
        "from tests.conftest import DEMO_AS_OF\n"
    )

    assert imported_test_modules(module) == [
        "line 1: tests.test_match",
        "line 2: tests.test_store",
        "line 3: tests.test_reports",
        "line 4: tests.test_store",
    ]
