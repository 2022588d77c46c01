"""Importing a part of the kit costs that part: the schema and the CLI's help load no pandas."""

from __future__ import annotations

import subprocess
import sys

import pytest

import kit


def modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    script = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


@pytest.mark.parametrize("code", ["import kit.schema", "import kit", "import kit.cli", "import kit.config"])
def test_light_parts_of_the_kit_import_without_pandas_or_the_matcher(code):
    loaded = modules_after(code)
    assert not {"pandas", "numpy", "rapidfuzz", "kit.match", "kit.metrics"} & loaded


def test_the_help_of_the_command_loads_no_pandas():
    loaded = modules_after("from kit.cli import cli\ncli.main(['--help'], standalone_mode=False)")
    assert "pandas" not in loaded


def test_python_dash_m_kit_is_the_command():
    result = subprocess.run([sys.executable, "-m", "kit", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: advocacy-kit")


def test_kit_validate_is_the_module_and_its_function_is_one_name_away():
    import kit.validate as validate_module

    assert validate_module.__name__ == "kit.validate"
    assert kit.validate_program is validate_module.validate


@pytest.mark.parametrize("name", kit.__all__)
def test_every_public_name_of_the_kit_loads(name):
    assert getattr(kit, name) is not None


def test_an_unknown_name_is_an_attribute_error_that_names_it():
    with pytest.raises(AttributeError, match="no_such_thing"):
        kit.no_such_thing  # noqa: B018
