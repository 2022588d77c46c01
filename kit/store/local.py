"""The embedded default store: a local .xlsx workbook, read with calamine and written in place or with openpyxl.

Writes happen under a lock file and go to a temporary file that replaces the workbook only once it is
complete, so a crash or a second writer never leaves a half-written or clobbered workbook. Appending rows
and keyed updates change only the cells they mean to inside the tab's own XML and copy the rest of the
workbook as it was (``kit.store.xlsx_patch``, whose cost follows the rows written, where loading and saving
the whole workbook with openpyxl grows with the roster); what that fast path declines, and whole-tab writes,
go through openpyxl, which keeps extra columns, extra tabs and formatting. A workbook open in LibreOffice or
Excel (their lock file is beside it) is not written to, since the office program would overwrite the kit's
change on its next save.
A path that is a symbolic link (into a synced folder) is written through to the workbook it points to, whose
mode and group the new file keeps (``kit.files``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import filelock
import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from kit import schema
from kit.cells import to_cell
from kit.errors import InputError, KitError, SourceError
from kit.files import real_path, remove_stale_temporaries, replacing
from kit.program import Grid, Program, column_letter, normalise_header, program_from_grids
from kit.store.base import (
    RowUpdate,
    SourceInfo,
    Store,
    check_expected,
    header_of,
    row_cells,
    schema_tab,
    target_rows,
)
from kit.store.cache import read_through_cache
from kit.store.xlsx_extent import bounded_copy
from kit.store.xlsx_patch import NOT_IN_XLSX, Changes, Declined, line_feeds, write_patched

LOCK_TIMEOUT_SECONDS = 15
LAST_ROW = 1_048_576  # the last row an .xlsx grid has
STALE_AFTER_SECONDS = 60  # a temporary file nobody wrote to for this long is a killed writer's
_BOLD = Font(bold=True)


class LocalStore(Store):
    """A program in a local ``.xlsx`` workbook."""

    def __init__(self, path: str | os.PathLike[str], lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> None:
        self.path = Path(path)
        self.source = str(path)
        self.lock_timeout = lock_timeout
        self._holding = False  # this store holds the write lock

    # -- reading -------------------------------------------------------------------------------------------

    def info(self) -> SourceInfo:
        self._require_file()
        modified = dt.datetime.fromtimestamp(self.path.stat().st_mtime)
        return SourceInfo(self.source, "workbook", modified)

    def read_grids(self) -> dict[str, Grid]:
        with self._reading() as cells:
            return {name: _empty_as_none(grid) for name, grid in cells.items()}

    def read(self) -> Program:
        """The whole program, typed; from the typed copy in the read cache while the workbook is unchanged."""
        self._require_file()
        program = read_through_cache(self.path, self._read_workbook)
        return program if program.source == self.source else dataclasses.replace(program, source=self.source)

    def _read_workbook(self) -> Program:
        # program_from_grids types each tab as soon as it has been read, while the next ones are read, and
        # reads '' as an empty cell itself, a column at a time.
        with self._reading() as cells:
            return program_from_grids(cells, source=self.source, modified=self.info().modified)

    @contextmanager
    def _reading(self) -> Iterator[Mapping[str, Grid]]:
        """Every tab's cells as calamine gives them ('' when empty), read two tabs at a time in the background;
        asking for a tab waits until it has been read.

        Reading goes through calamine (Rust), far faster than openpyxl on a large workbook, and it reads the
        cached values of formulas, as a person sees them. It lets go of the GIL for part of its work, so two
        tabs read in two threads, while a third types the tabs already read, beat one tab after the other,
        then typing (docs/performance.md has the figures). Writes stay with openpyxl.
        """
        self._require_file()
        names = self._calamine(lambda: CalamineWorkbook.from_path(str(self.path)).sheet_names)

        def tab(name: str) -> Grid:
            return self._calamine(lambda: self._tab_grid(name))

        pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="read-tab")
        try:
            yield _Tabs({name: pool.submit(tab, name) for name in names})
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _tab_grid(self, name: str) -> Grid:
        """Tab ``name``'s cells as calamine reads them, bounded by its real data (``kit.store.xlsx_extent``)."""
        copy = bounded_copy(self.path, name, self.source)
        workbook = (
            CalamineWorkbook.from_path(str(self.path))
            if copy is None
            else CalamineWorkbook.from_filelike(io.BytesIO(copy))
        )
        return workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)

    def _calamine(self, call: Callable[[], Any]) -> Any:
        """``call()``, with calamine's errors as one clear SourceError."""
        try:
            return call()
        except KitError:
            raise
        except PermissionError:
            raise SourceError(f"{self.source}: permission denied; cannot read the workbook") from None
        except Exception as error:  # calamine's errors (zip, XML, password) share no public base class
            raise SourceError(
                f"{self.source}: not a readable .xlsx workbook ({type(error).__name__})"
            ) from None

    def _require_file(self) -> None:
        if not self.path.exists():
            raise SourceError(
                f"{self.source}: no such file (run `advocacy-kit demo` or set `source` in the config)"
            )
        if self.path.is_dir():
            raise SourceError(f"{self.source}: is a folder, not an .xlsx workbook")

    # -- writing -------------------------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Held while writing: no office program has the workbook open, and no other writer is in.

        Re-entered by the same store (the openpyxl fallback inside a fast write) without waiting for itself.
        """
        if self._holding:
            yield
            return
        # A link (into a synced folder) is written through to its workbook: the locks are beside that.
        place = real_path(self.path)
        office_lock = _office_lock_file(place) or _office_lock_file(self.path)
        if office_lock is not None:
            raise SourceError(
                f"{self.source}: the workbook is open in LibreOffice or Excel ({office_lock.name} exists); "
                "close it there first, nothing was written"
            )
        lock = filelock.FileLock(str(place.with_name(f".{place.name}.lock")), timeout=self.lock_timeout)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise SourceError(
                f"{self.source}: locked by another writer for over {self.lock_timeout:g} s; nothing was written"
            ) from None
        self._holding = True
        try:
            # What a writer killed mid-write left. Writers here wait for the lock; one on another machine
            # of a shared drive, where the lock may not reach, keeps writing to its file: only a file left
            # alone for longer than any writer waits for the lock is stale.
            remove_stale_temporaries(place, older_than=max(self.lock_timeout, STALE_AFTER_SECONDS))
            yield
        finally:
            self._holding = False
            lock.release()

    @contextmanager
    def _transaction(self, *, create: bool = False) -> Iterator[openpyxl.Workbook]:
        """Load with openpyxl, let the caller change, then atomically replace the workbook; under the lock."""
        with self._locked():
            if create:
                workbook = openpyxl.Workbook(write_only=True)
            else:
                self._require_file()
                try:
                    workbook = openpyxl.load_workbook(self.path)
                except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
                    raise SourceError(
                        f"{self.source}: not a readable .xlsx workbook ({type(error).__name__})"
                    ) from None
            yield workbook
            self._save_atomically(workbook)

    def _save_atomically(self, workbook: openpyxl.Workbook) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(self.path) as handle:
            workbook.save(handle)

    def append(self, tab: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        definition = schema_tab(tab)
        if not rows:
            return []
        for values in rows:
            self._require_storable(tab, values)
        with self._locked():
            try:
                name, grid = self._tab_cells(tab)
                header = header_of(grid[0] if grid else [])
                cells = [row_cells(definition, header, values, self.source) for values in rows]
                first = _last_row_in_grid(grid, len(header)) + 1
                _require_room(self.source, name, first, len(cells))
                changes = {first + i: dict(enumerate(row, start=1)) for i, row in enumerate(cells)}
                self._write_in_place(name, changes)
                return list(range(first, first + len(cells)))
            except Declined:
                return self._append_with_openpyxl(definition, tab, rows)

    def update(self, tab: str, updates: Sequence[RowUpdate]) -> list[int]:
        definition = schema_tab(tab)
        if not updates:
            return []
        for update in updates:
            self._require_storable(tab, update.values)
        with self._locked():
            try:
                name, grid = self._tab_cells(tab)
                header = header_of(grid[0] if grid else [])
                last = _last_row_in_grid(grid, len(header))
                targets = self._check_updates(
                    definition,
                    tab,
                    header,
                    lambda key: ((row, _at(grid[row - 1], key)) for row in range(2, last + 1)),
                    lambda row: grid[row - 1],
                    updates,
                    last,
                )
                changes: dict[int, dict[int, Any]] = {}
                for update, row in zip(updates, targets, strict=True):
                    for column, value in update.values.items():
                        cell = row_cells(definition, [column], {column: value}, self.source)[0]
                        changes.setdefault(row, {})[header.index(column) + 1] = cell
                self._write_in_place(name, changes)
                return targets
            except Declined:
                return self._update_with_openpyxl(definition, tab, updates)

    def _require_storable(self, tab: str, values: Mapping[str, Any]) -> None:
        """Refuse text an .xlsx cannot hold (a control character pasted in), naming it, before any write."""
        for column, value in values.items():
            found = NOT_IN_XLSX.search(value) if isinstance(value, str) else None
            if found:
                raise InputError(
                    f"{self.source}: the {column} for {tab} holds the control character {found.group()!r}, "
                    "which an .xlsx workbook cannot store; remove it and try again (nothing was written)"
                )

    def _check_updates(
        self,
        definition: schema.Tab,
        tab: str,
        header: list[str],
        keys: Callable[[int], Iterable[tuple[int, Any]]],
        row_of: Callable[[int], Sequence[Any]],
        updates: Sequence[RowUpdate],
        last: int,
    ) -> list[int]:
        """The sheet row of each update, once every update is known to apply (all or nothing).

        ``keys(position)`` gives (sheet row, cell) down the key column at that position in the header;
        ``row_of(row)`` gives a row's cells as they are now; ``last`` is the last row holding data.
        """
        key_name = definition.key.name if definition.key else None
        if key_name not in header:
            raise SourceError(f"{self.source}: tab {tab!r} has no key column {key_name!r}")
        targets = target_rows(definition, keys(header.index(key_name)), updates, last, self.source)
        for update, row in zip(updates, targets, strict=True):
            cells = row_of(row)
            current = [_at(cells, i) for i in range(len(header))]
            check_expected(definition, header, row, current, update, self.source)
        return targets

    def _tab_cells(self, tab: str) -> tuple[str, Grid]:
        """The tab's name as the workbook spells it, and its cells as calamine reads them (None when empty)."""
        self._require_file()
        names = self._calamine(lambda: CalamineWorkbook.from_path(str(self.path)).sheet_names)
        name = _tab_named(names, tab, self.source)
        grid = self._calamine(lambda: self._tab_grid(name))
        return name, _empty_as_none(grid)

    def _write_in_place(self, tab: str, changes: Changes, *, whole: bool = False) -> None:
        """The workbook with ``changes`` made in tab ``tab``'s XML; raises Declined before writing anything."""
        self._require_file()
        with replacing(self.path) as handle:
            try:
                write_patched(self.path, handle, tab, changes, whole=whole)
            except PermissionError:  # the workbook became unreadable since it was read; nothing is replaced
                raise SourceError(f"{self.source}: permission denied; cannot read the workbook") from None

    def _append_with_openpyxl(
        self, definition: schema.Tab, tab: str, rows: Sequence[Mapping[str, Any]]
    ) -> list[int]:
        with self._transaction() as workbook:
            sheet = _sheet(workbook, tab, self.source)
            header = header_of(c.value for c in sheet[1])
            cells = [row_cells(definition, header, values, self.source) for values in rows]
            first = _last_used_row(sheet, len(header)) + 1
            _require_room(self.source, sheet.title, first, len(cells))
            for offset, row in enumerate(cells):
                for position, value in enumerate(row, start=1):
                    _set(sheet.cell(row=first + offset, column=position), value)
        return list(range(first, first + len(cells)))

    def _update_with_openpyxl(
        self, definition: schema.Tab, tab: str, updates: Sequence[RowUpdate]
    ) -> list[int]:
        with self._transaction() as workbook:
            sheet = _sheet(workbook, tab, self.source)
            header = header_of(c.value for c in sheet[1])
            last = _last_used_row(sheet, len(header))
            targets = self._check_updates(
                definition,
                tab,
                header,
                lambda key: ((r, sheet.cell(row=r, column=key + 1).value) for r in range(2, last + 1)),
                lambda row: [sheet.cell(row=row, column=i + 1).value for i in range(len(header))],
                updates,
                last,
            )
            for update, row in zip(updates, targets, strict=True):
                for column, value in update.values.items():
                    cell = sheet.cell(row=row, column=header.index(column) + 1)
                    _set(cell, row_cells(definition, [column], {column: value}, self.source)[0])
        return targets

    def replace_tab(self, tab: str, grid: Grid) -> None:
        for row in grid:
            self._require_storable(tab, {f"cell {i + 1}": value for i, value in enumerate(row)})
        with self._locked():
            try:
                self._require_file()
                names = self._calamine(lambda: CalamineWorkbook.from_path(str(self.path)).sheet_names)
                if tab not in names or not grid:
                    raise Declined("a new tab")  # adding a tab to the zip is openpyxl's job
                changes = {r: dict(enumerate(row, start=1)) for r, row in enumerate(grid, start=1)}
                self._write_in_place(tab, changes, whole=True)
            except Declined:
                self._replace_tab_with_openpyxl(tab, grid)

    def _replace_tab_with_openpyxl(self, tab: str, grid: Grid) -> None:
        with self._transaction() as workbook:
            if tab in workbook.sheetnames:
                position = workbook.sheetnames.index(tab)
                workbook.remove(workbook[tab])
                sheet = workbook.create_sheet(tab, position)
            else:
                sheet = workbook.create_sheet(tab)
            for r, row in enumerate(grid, start=1):
                for c, value in enumerate(row, start=1):
                    _set(sheet.cell(row=r, column=c), value)
            if grid:
                for cell in sheet[1]:
                    cell.font = _BOLD
                sheet.freeze_panes = "A2"

    def write_grids(self, grids: Mapping[str, Grid]) -> None:
        with self._transaction(create=True) as workbook:
            for name, grid in grids.items():
                _write_only_sheet(workbook, name, grid)


# ------------------------------------------------------------------------------------------------------------


def _office_lock_file(path: Path) -> Path | None:
    """LibreOffice's `.~lock.NAME#` or Excel's `~$NAME` beside the workbook, if present."""
    for candidate in (path.with_name(f".~lock.{path.name}#"), path.with_name(f"~${path.name}")):
        if candidate.exists():
            return candidate
    return None


def _sheet(workbook: openpyxl.Workbook, tab: str, source: str):
    return workbook[_tab_named(workbook.sheetnames, tab, source)]


def _tab_named(names: Sequence[str], tab: str, source: str) -> str:
    """The workbook's spelling of ``tab`` (case and surrounding spaces do not matter)."""
    for name in names:
        if name.strip().lower() == tab.lower():
            return name
    raise SourceError(f"{source}: the workbook has no tab {tab!r}")


def _empty_as_none(grid: Grid) -> Grid:
    """calamine spells an empty cell ''; the rest of the kit (and openpyxl) spells it None."""
    return [[None if c == "" else c for c in row] for row in grid]


def _last_row_in_grid(grid: Grid, width: int) -> int:
    """``_last_data_row`` of calamine's cells (row 1 first)."""
    return _last_data_row(
        (
            (number, column, value)
            for number, row in enumerate(grid, start=1)
            for column, value in enumerate(row[:width], 1)
        ),
        width,
    )


def _at(cells: Sequence[Any], position: int) -> Any:
    return cells[position] if position < len(cells) else None


def _last_used_row(sheet, width: int) -> int:
    """``_last_data_row`` of an openpyxl sheet (max_row also counts rows that were only formatted)."""
    # openpyxl keeps the cells it loaded in ``_cells``; asking for the others (sheet[row], iter_rows) would
    # create every cell of every row up to a far-away one
    return _last_data_row(((r, c, cell.value) for (r, c), cell in sheet._cells.items()), width)


def _last_data_row(cells: Iterable[tuple[int, int, Any]], width: int) -> int:
    """The last row holding a value under the header's ``width`` columns, from (row, column, value) of the
    cells (1, the header's, when none is below it). Both ways of writing append below it: a note typed far
    right of the header's columns, which the kit does not read, does not push new rows down."""
    return max([1, *(r for r, c, value in cells if c <= width and value not in (None, ""))])


def _require_room(source: str, tab: str, first: int, count: int) -> None:
    """Refuse rows that would go below the grid's last row (a value was left there)."""
    if first + count - 1 > LAST_ROW:
        raise SourceError(
            f"{source}: tab {tab!r} has no room for {count} new row(s) below its data, which ends at row "
            f"{first - 1:,} (a sheet has {LAST_ROW:,}); delete any stray value below the data, "
            "nothing was written"
        )


def _set(cell, value: Any) -> None:
    if isinstance(value, str):
        value = line_feeds(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would store '=…' as a formula: people's text stays text


def _write_only_sheet(workbook: openpyxl.Workbook, name: str, grid: Grid) -> None:
    """A whole tab in write-only mode (fast for 50,000 rows), styled from the schema when it is one of ours."""
    sheet = workbook.create_sheet(name)
    tab = schema.TAB_BY_NAME.get(name)
    header = [normalise_header(h) for h in grid[0]] if grid else []
    if tab is not None:
        for position, column_name in enumerate(header, start=1):
            width = tab.column(column_name).width if column_name in tab else 14
            sheet.column_dimensions[column_letter(position)].width = width
        for validation in data_validations(tab, header):
            sheet.data_validations.append(validation)
    sheet.freeze_panes = "A2"
    definitions = [tab.column(h) if tab is not None and h in tab else None for h in header]
    for r, row in enumerate(grid):
        cells = []
        for position, value in enumerate(row):
            if r > 0 and position < len(definitions):
                value = to_cell(definitions[position], value)
            if isinstance(value, str):
                value = line_feeds(value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            if r == 0:
                cell.font = _BOLD
            if isinstance(value, (dt.date, dt.datetime)):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)


def data_validations(tab: schema.Tab, header: list[str]) -> list[DataValidation]:
    """Excel drop-downs for every enumerated column (multi-value columns get a hint, not a strict list)."""
    validations = []
    for position, name in enumerate(header, start=1):
        if name not in tab:
            continue
        column = tab.column(name)
        if not column.values:
            continue
        letter = column_letter(position)
        choices = ",".join(column.values)
        if column.kind is schema.Kind.ENUM:
            validation = DataValidation(
                type="list",
                formula1=f'"{choices}"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=f"Not a {name.replace('_', ' ')}",
                error=f"Pick one of: {', '.join(column.values)}",
            )
        else:
            validation = DataValidation(
                type="custom",
                formula1="TRUE",
                allow_blank=True,
                showInputMessage=True,
                promptTitle=name.replace("_", " ")[:32],
                prompt=f"Several of, separated by ';': {', '.join(column.values)}"[:255],
            )
        validation.add(f"{letter}2:{letter}1048576")
        validations.append(validation)
    return validations


class _Tabs(Mapping[str, Grid]):
    """Tab name → its cells, each read in the background; looking a tab up waits for it."""

    def __init__(self, reading: Mapping[str, Future[Grid]]) -> None:
        self._reading = dict(reading)

    def __getitem__(self, name: str) -> Grid:
        return self._reading[name].result()

    def __iter__(self) -> Iterator[str]:
        return iter(self._reading)

    def __len__(self) -> int:
        return len(self._reading)
