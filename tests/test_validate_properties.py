"""Whatever people type, validation reports it and goes on: no cell value makes it raise or vanish silently."""

from __future__ import annotations

import json

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kit import schema
from kit.cells import cell_problem, is_blank
from kit.health import health
from kit.program import program_from_grids
from kit.schema import Kind
from kit.validate import FINDING_COLUMNS, SEVERITY, describe_findings, finding_records, issues_grid, validate
from tests.factories import AS_OF
from tests.properties import examples

FORMULA_LIKE = st.builds(lambda c, t: c + t, st.sampled_from("=+-@"), st.text(max_size=12))
ALLOWED_VALUES = sorted({v for tab in schema.TABS for c in tab.columns for v in c.values})
CELLS = st.one_of(
    st.none(),
    st.sampled_from(["", "  ", "\t", "TBD", "n/a", "$3.8M", "1,200,000", "3.8m", "1,2", "ADV-1", "REQ-1"]),
    st.text(max_size=25),
    FORMULA_LIKE,
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
    st.booleans(),
    st.sampled_from(ALLOWED_VALUES).map(lambda v: f"  {v.upper()} "),
    st.sampled_from(ALLOWED_VALUES),
    st.sampled_from([c.name for tab in schema.TABS for c in tab.columns]),
)


@st.composite
def workbooks(draw: st.DrawFn) -> dict[str, list[list[object]]]:
    """Every tab with its real header and 0-3 rows of arbitrary cells (Settings keys often real ones)."""
    grids = {}
    for tab in schema.TABS:
        rows = draw(st.lists(st.lists(CELLS, min_size=len(tab.names), max_size=len(tab.names)), max_size=3))
        if tab is schema.SETTINGS:
            keys = st.one_of(st.sampled_from(list(schema.SETTING_BY_KEY)), CELLS)
            rows = [[draw(keys), *row[1:]] for row in rows]
        if rows and draw(st.booleans()):
            rows.insert(draw(st.integers(0, len(rows) - 1)), list(tab.names))  # the header typed again
        grids[tab.name] = [list(tab.names), *rows]
    return grids


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(workbooks())
def test_any_cells_give_findings_never_an_exception(grids):
    program = program_from_grids(grids, source="hypothesis")

    findings = validate(program, as_of=AS_OF)
    report = health(program, findings, as_of=AS_OF)

    assert tuple(findings.columns) == FINDING_COLUMNS
    assert set(findings["code"]) <= set(SEVERITY)
    assert set(findings["severity"]) <= {"error", "warning"}
    skipped = {(s.tab, s.row) for s in program.skipped}
    for table, row in zip(findings["table"], findings["row"], strict=True):
        assert row in program[table].index or (table, row) in skipped
    assert list(report.scores["rows"]) == [len(program[tab]) for tab in schema.TABS]
    # Every way out of the kit copes too: JSON (strict: no NaN), the Issues tab, the terminal table.
    json.dumps(finding_records(findings), allow_nan=False)
    json.dumps(report.to_dict(), allow_nan=False)
    assert len(issues_grid(program, findings)) == len(findings) + 1
    describe_findings(program, findings)

    at = set(findings[["table", "row", "column", "code"]].itertuples(index=False, name=None))
    cells = {(t, r, c) for t, r, c, _ in at}
    for tab in schema.TABS:
        raw, typed = program.raw[tab.name], program[tab]
        for column in tab.columns:
            for row, value in raw[column.name].items():
                problem = cell_problem(column, value)
                if problem:  # the foundation's own per-cell reading says it is unreadable: reported
                    assert (tab.name, row, column.name, problem) in at, (tab.name, row, column.name, value)
                unread = not is_blank(value) and column.kind not in (Kind.MULTI_ENUM, Kind.MULTI_TEXT)
                if unread and pd.isna(typed.at[row, column.name]):  # a value the kit dropped: never silently
                    assert (tab.name, row, column.name) in cells, (tab.name, row, column.name, value)
                if column.is_free_text and isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
                    assert (tab.name, row, column.name, "formula_injection") in at


NUMERIC_SETTINGS = [s.key for s in schema.SETTING_DEFAULTS if s.kind is not schema.SettingKind.SEGMENTS]


@settings(max_examples=examples(60), deadline=None)
@given(st.sampled_from(NUMERIC_SETTINGS), st.one_of(CELLS, st.integers(-20, 400).map(str)))
def test_a_setting_is_used_as_typed_exactly_when_the_validator_does_not_report_it(key, typed):
    program = program_from_grids(
        {
            **{tab.name: [list(tab.names)] for tab in schema.TABS},
            "Settings": [list(schema.SETTINGS.names), [key, typed, None]],
        },
        source="hypothesis",
    )
    setting = schema.SETTING_BY_KEY[key]

    findings = validate(program, as_of=AS_OF)

    reported = ((findings["code"] == "bad_setting") & (findings["row"] == 2)).any()
    default = program_from_grids({tab.name: [list(tab.names)] for tab in schema.TABS}).settings.value(key)
    used = program.settings.value(key)
    if reported:
        assert used == default  # what the message says: "uses the default"
        words = {True: "yes", False: "no"}.get(default) if isinstance(default, bool) else f"{default:g}"
        message = findings.loc[findings["row"] == 2, "message"].str.cat()
        assert f"uses the default {words} until" in message
    if not reported and not is_blank(typed):  # a value the kit took: it is within the declared range
        assert setting.low is None or setting.kind is schema.SettingKind.YES_NO or used >= setting.low
        assert setting.high is None or used <= setting.high
