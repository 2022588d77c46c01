"""The committed templates and README tab docs are exactly what the schema says."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

from kit import schema
from kit.templates import README_END, README_START, WORKBOOK_NAME, workbook_markdown, write_templates

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "sheets_templates"


def _headers(path: Path) -> dict[str, list]:
    workbook = openpyxl.load_workbook(path)
    return {ws.title: [c.value for c in ws[1]] for ws in workbook.worksheets}


def test_committed_workbook_template_matches_the_schema(tmp_path):
    fresh = write_templates(tmp_path)[0]
    assert _headers(COMMITTED / WORKBOOK_NAME) == _headers(fresh), "run `make templates` and commit"
    assert list(_headers(fresh)) == [t.name for t in schema.TABS]
    for tab in schema.TABS:
        assert _headers(fresh)[tab.name] == tab.names


def test_committed_csv_templates_match_the_schema(tmp_path):
    write_templates(tmp_path)
    for tab in schema.TABS:
        name = f"{tab.name.lower()}.csv"
        assert (COMMITTED / name).read_text() == (tmp_path / name).read_text(), (
            f"{name}: run `make templates`"
        )
        with (tmp_path / name).open() as handle:
            assert next(csv.reader(handle)) == tab.names


def test_every_enumerated_column_has_a_drop_down_with_its_values():
    workbook = openpyxl.load_workbook(COMMITTED / WORKBOOK_NAME)
    for tab in schema.TABS:
        sheet = workbook[tab.name]
        validations = {str(dv.sqref).split(":")[0]: dv for dv in sheet.data_validations.dataValidation}
        for position, column in enumerate(tab.columns, start=1):
            letter = openpyxl.utils.get_column_letter(position)
            if column.kind is schema.Kind.ENUM:
                dv = validations[f"{letter}2"]
                assert dv.type == "list"
                assert dv.formula1 == '"' + ",".join(column.values) + '"'


def test_header_row_is_bold_and_frozen():
    workbook = openpyxl.load_workbook(COMMITTED / WORKBOOK_NAME)
    for tab in schema.TABS:
        sheet = workbook[tab.name]
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])


def test_settings_template_carries_every_default():
    workbook = openpyxl.load_workbook(COMMITTED / WORKBOOK_NAME)
    rows = [[c.value for c in row] for row in workbook["Settings"].iter_rows(min_row=2)]
    assert {r[0]: r[1] for r in rows} == {s.key: s.default for s in schema.SETTING_DEFAULTS}


def test_workbook_doc_explains_every_tab_and_column_as_the_schema_declares():
    page = (ROOT / "docs" / "workbook.md").read_text()
    start, end = page.index(README_START) + len(README_START), page.index(README_END)
    assert page[start:end].strip() == workbook_markdown().strip(), (
        "run `make templates` and commit docs/workbook.md"
    )


def test_workbook_doc_lists_each_drop_downs_synonyms_with_the_value_they_read_as():
    text = workbook_markdown()
    (outcome,) = [line for line in text.splitlines() if line.startswith("| `outcome` |")]
    assert "also read: `held` as `Completed`, `done` as `Completed`" in outcome
    assert "`noshow` as `No Show`" in outcome
