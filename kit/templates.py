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


README_START = "<!-- workbook-tabs: generated from kit/schema.py by `make templates`; a test checks it -->"
README_END = "<!-- /workbook-tabs -->"
_KIND_WORDS = {
    schema.Kind.ID: "id",
    schema.Kind.TEXT: "text",
    schema.Kind.EMAIL: "e-mail",
    schema.Kind.DATE: "date",
    schema.Kind.INT: "whole number",
    schema.Kind.AMOUNT: "amount ($3.8M, 1,200,000)",
    schema.Kind.BOOL: "TRUE/FALSE",
    schema.Kind.ENUM: "one of",
    schema.Kind.MULTI_ENUM: "several of",
    schema.Kind.MULTI_TEXT: "list, separated by ;",
}


def workbook_markdown() -> str:
    """The workbook's tabs and columns explained for a program manager, from the schema."""
    parts = []
    for tab in schema.TABS:
        parts.append(f"### {tab.name}\n\n{tab.description}\n")
        parts.append("| column | what goes in it | kind |\n| --- | --- | --- |")
        for column in tab.columns:
            kind = _KIND_WORDS[column.kind]
            if column.values:
                kind += ": " + ", ".join(f"`{v}`" for v in column.values)
            if column.synonyms:  # read as the value, with a warning suggesting the value's own spelling
                kind += "; also read: " + ", ".join(f"`{w}` as `{v}`" for w, v in column.synonyms)
            marks = []
            if column.key:
                marks.append("key, unique")
            if column.required:
                marks.append("required")
            if column.references:
                marks.append(f"an id from {column.references}")
            note = f" ({'; '.join(marks)})" if marks else ""
            parts.append(f"| `{column.name}` | {column.description}{note} | {kind} |")
        parts.append("")
    parts.append("The Settings tab's keys, with their defaults:\n")
    parts.append("| key | default | meaning |\n| --- | --- | --- |")
    parts += [f"| `{s.key}` | `{s.default}` | {s.description} |" for s in schema.SETTING_DEFAULTS]
    return "\n".join(parts) + "\n"


def refresh_readme(readme: str | Path) -> bool:
    """Rewrite the README's generated workbook section; returns whether it changed."""
    path = Path(readme)
    text = path.read_text(encoding="utf-8")
    start, end = text.index(README_START) + len(README_START), text.index(README_END)
    new = text[:start] + "\n" + workbook_markdown() + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
