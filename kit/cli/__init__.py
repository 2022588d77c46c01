"""The ``advocacy-kit`` command line: ``cli``, the click group, and ``main``, the entry point.

The group and what every command shares (the config, the store's context, the error handling) are in
``kit.cli.app``; the commands live beside it by what they work on: ``workbook`` (info, demo, templates,
init-sheet, push, pull), ``checks`` (validate, health), ``requests`` (requests, match, request …),
``nominations`` (nominations, nominations accept, decline, activate), ``reporting`` (metrics, report,
schedule) and ``incoming`` (import, sync). Importing this package registers them all; each imports what it
needs (pandas and the rest) only when it runs, so ``--help`` stays quick.
"""

from kit.cli import checks, incoming, nominations, reporting, requests, workbook  # noqa: F401 (each registers its commands)
from kit.cli.app import cli, main

__all__ = ["cli", "main"]
