"""The empty workbook and per-tab CSVs in ``sheets_templates/``, generated from the schema.

``advocacy-kit templates`` writes them; a test fails when the committed files drift from the schema.
"""

from __future__ import annotations

import csv
from pathlib import Path

from kit import schema
from kit.program import Grid
from kit.store.local import LocalStore

WORKBOOK_NAME = "advocacy_program.xlsx"


def template_grids() -> dict[str, Grid]:
    """Every tab with its header; the Settings tab pre-filled with the defaults and what they mean."""
    grids: dict[str, Grid] = {tab.name: [list(tab.names)] for tab in schema.TABS}
    grids[schema.SETTINGS.name] += [[s.key, s.default, s.description] for s in schema.SETTING_DEFAULTS]
    return grids


def write_templates(out_dir: str | Path) -> list[Path]:
    """Write the workbook template and one CSV per tab into ``out_dir``; returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    grids = template_grids()
    workbook = out / WORKBOOK_NAME
    LocalStore(workbook).write_grids(grids)
    written = [workbook]
    for name, grid in grids.items():
        path = out / f"{name.lower()}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(grid)
        written.append(path)
    return written
