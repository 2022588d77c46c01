"""``advocacy-kit import``: read a file, map its columns, read its cells, plan the upsert, and write it (or, on a
dry run, only say what would change).

The steps each live in their own module (``read``, ``presets``, ``mapping``, ``values``, and ``kit.upsert`` for
the write); this one strings them together and keeps what a person is told: the mapping used, the drop-down
values read as another spelling, the plan's diff, and where the mapping file was written for next time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kit import schema
from kit.errors import InputError
from kit.importing.mapping import ColumnMapping, guess_mapping, load_mapping, mapping_toml
from kit.importing.presets import PRESETS, detect
from kit.importing.read import Table, read_table, split_spec
from kit.importing.values import CLOSEST, Correction, read_rows
from kit.upsert import Applied, UpsertPlan, apply_plan, plan_upsert

if TYPE_CHECKING:
    from kit.program import Program
    from kit.store.base import Store

MAPPING_SUFFIX = ".mapping.toml"


@dataclass(frozen=True)
class ImportResult:
    """What an import read, how it mapped it, and what it wrote (nothing on a dry run)."""

    table: Table
    mapping: ColumnMapping
    plan: UpsertPlan
    corrections: tuple[Correction, ...]
    dry_run: bool
    applied: Applied | None = None
    mapping_file: str | None = None  # where the mapping was written for next time
    mapping_note: str | None = None  # why it was not (one exists already, different)
    preset_detected: bool = False

    @property
    def exit_code(self) -> int:
        """1 when any row was refused (the others were still imported), else 0."""
        return 1 if self.plan.refused else 0

    def lines(self, *, report_missing: bool = False, limit: int | None = 50) -> list[str]:
        """Everything a person is told, in order: what was read, the mapping, corrections, the diff, the outcome."""
        out = [f"Read {self.table.described}."]
        if self.mapping.preset:
            how = "detected from the headers" if self.preset_detected else "as asked"
            out.append(f"Preset: {PRESETS[self.mapping.preset].title} ({how}).")
        out += self.mapping.lines()
        if self.mapping_file:
            out.append(
                f"Mapping written to {self.mapping_file}: edit it and pass --mapping {self.mapping_file} next time."
            )
        elif self.mapping_note:
            out.append(self.mapping_note)
        shown = self.corrections if limit is None else self.corrections[:limit]
        for correction in shown:
            out.append(f"? {correction}")
        if limit is not None and len(self.corrections) > limit:
            out.append(f"  … and {len(self.corrections) - limit:,} more values read as another spelling")
        out += self.plan.lines(limit=limit, missing=report_missing)
        if self.dry_run:
            out.append("Dry run: nothing was written to the program.")
        elif self.plan.writes_anything:
            out.append(f"Written: {self.plan.summary}.")
        elif self.plan.refused:
            out.append("Nothing to write: the program already holds every row but those refused.")
        else:
            out.append("Nothing to write: the program already holds every row.")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.table.name,
            "rows_read": len(self.table.rows),
            "encoding": self.table.encoding,
            "delimiter": self.table.delimiter,
            "dry_run": self.dry_run,
            "mapping": self.mapping.to_dict(),
            "mapping_file": self.mapping_file,
            "corrections": [c.to_dict() for c in self.corrections],
            **self.plan.to_dict(),
            "written": bool(self.applied) and self.plan.writes_anything,
        }


def plan_import(
    program: Program,
    spec: str,
    tab: str,
    *,
    mapping_path: str | Path | None = None,
    preset: str | None = None,
) -> tuple[Table, ColumnMapping, UpsertPlan, tuple[Correction, ...], bool]:
    """Read ``spec`` and plan its upsert into ``tab`` of ``program``: (table, mapping, plan, corrections, whether
    the preset was detected). Nothing is written."""
    definition = schema.TAB_BY_NAME.get(tab)
    if definition is None:
        raise InputError(f"--tab {tab!r}: no such tab; use one of {', '.join(t.name for t in schema.TABS)}")
    table = read_table(spec)
    chosen = PRESETS[preset] if preset else None
    if chosen is not None and chosen.tab != tab:
        raise InputError(f"--preset {preset} reads {chosen.title} into {chosen.tab}; use --tab {chosen.tab}")
    detected = False
    if mapping_path is not None:
        mapping = load_mapping(Path(mapping_path), table.header, tab)
        if chosen is not None:
            mapping = replace(mapping, preset=chosen.name)
    else:
        if chosen is None and tab == schema.OPPORTUNITIES.name:
            chosen = detect(table.header)
            detected = chosen is not None
        mapping = guess_mapping(table.header, tab, chosen)
    read = read_rows(table, mapping)
    plan = plan_upsert(program, tab, read.rows, origins=read.origins, refused=read.refused)
    return table, mapping, plan, read.corrections, detected


def run_import(
    store: Store,
    spec: str,
    tab: str,
    *,
    mapping_path: str | Path | None = None,
    preset: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import ``spec`` into ``tab`` of the program in ``store`` (see ``plan_import``); unless ``dry_run``, write
    the plan. Without ``mapping_path`` the mapping used is written beside the file (FILE.mapping.toml), unless
    a different one is there already."""
    program = store.read()
    table, mapping, plan, corrections, detected = plan_import(
        program, spec, tab, mapping_path=mapping_path, preset=preset
    )
    for correction in corrections:  # the written mapping keeps what was read as another spelling
        if correction.why == CLOSEST:
            mapping = mapping.with_values(correction.column, correction.read_as, [correction.typed])
    written, note = (None, None) if mapping_path is not None else _write_mapping(mapping, spec)
    applied = None if dry_run else apply_plan(store, plan)
    return ImportResult(table, mapping, plan, corrections, dry_run, applied, written, note, detected)


def mapping_path_for(spec: str) -> Path:
    """Where the mapping of ``spec`` is written: deals.csv → deals.mapping.toml (beside the file)."""
    path, _ = split_spec(spec)
    return path.with_name(path.stem + MAPPING_SUFFIX)


def _write_mapping(mapping: ColumnMapping, spec: str) -> tuple[str | None, str | None]:
    path = mapping_path_for(spec)
    text = mapping_toml(mapping, split_spec(spec)[0].name)
    if path.exists():
        try:
            same = path.read_text(encoding="utf-8") == text
        except (OSError, UnicodeDecodeError):
            same = False
        if same:
            return str(path), None
        return (
            None,
            f"{path} exists and differs from this guess: pass --mapping {path} to use it (left as it was).",
        )
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        return None, f"The mapping could not be written to {path} ({error.strerror or error})."
    return str(path), None
