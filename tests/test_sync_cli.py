"""``advocacy-kit sync`` whatever the CRM: a missing client library is one line, and the command's help loads
neither client library, nor pandas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.command_line import run

CONFIG = """source = "{workbook}"
[sync.salesforce]
username = "ops@example.com"
[sync.hubspot]
token_env = "HUBSPOT_ACCESS_TOKEN"
"""
SECRETS = {
    "SALESFORCE_PASSWORD": "pw",
    "SALESFORCE_SECURITY_TOKEN": "tok",
    "HUBSPOT_ACCESS_TOKEN": "pat-na1-x",
}


@pytest.mark.parametrize(
    ("crm", "module", "package"),
    [("salesforce", "simple_salesforce", "simple-salesforce"), ("hubspot", "hubspot", "hubspot-api-client")],
)
def test_a_missing_crm_library_is_one_line_naming_the_package_not_an_internal_error(
    crm, module, package, tmp_path: Path, make_workbook, monkeypatch, capsys
):
    workbook = make_workbook()
    before = workbook.read_bytes()
    config = tmp_path / "advocacy-kit.toml"
    config.write_text(CONFIG.format(workbook=workbook))
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setitem(sys.modules, module, None)  # what Python does when the package is not installed

    code, out, err = run(["--config", str(config), "sync", crm], capsys)

    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "internal error" not in err
    assert err.startswith(f"advocacy-kit: error: sync {crm} needs the Python package {package}")
    assert f"pip install {package}" in err
    assert workbook.read_bytes() == before


@pytest.mark.parametrize("args", [["--help"], ["sync", "--help"], ["schedule", "--help"]])
def test_help_loads_neither_crm_library_nor_pandas(args):
    code = (
        "import sys\nfrom kit.cli import cli\n"
        f"try:\n    cli.main({args!r}, standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(result.stdout.splitlines()[-1].split())  # the last line: the modules, after the help

    assert "click" in loaded  # the help was printed by the real command
    assert "[OPTIONS]" in result.stdout  # the help was printed
    # pandas too: the store's set-up (the read cache) waits until a command runs, after its --help
    assert not {"simple_salesforce", "hubspot", "zeep", "pandas"} & loaded
