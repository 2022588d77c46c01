"""Running ``advocacy-kit`` in-process as a person runs it in a terminal: arguments in; exit code, stdout and
stderr out. Shared by the CLI tests so that none imports another."""

from __future__ import annotations

import pytest

from kit.cli import main


def run(args: list[str], capsys) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``advocacy-kit *args`` (the command always exits, as click does)."""
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err
