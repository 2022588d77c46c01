"""Turning a workbook's grids into a Program: headers, blank rows, repeated headers, extra columns."""

from __future__ import annotations

import math
import pickle

import pandas as pd
import pytest

from kit import schema
from kit.errors import SchemaError
from kit.program import program_from_grids
from tests.factories import advocate, grids_from_rows

A, S = schema.ADVOCATES.col, schema.SETTINGS.col


def test_blank_rows_in_the_middle_are_remembered_and_trailing_ones_ignored():
    grids = grids_from_rows({"Advocates": [advocate(1), advocate(2)]})
    header, first, second = grids["Advocates"]
    grids["Advocates"] = [header, first, [None] * len(header), ["", " "], second, [None], []]

    program = program_from_grids(grids)

    assert list(program.advocates.index) == [2, 5]
    assert [(s.row, s.reason) for s in program.skipped] == [(3, "blank_row"), (4, "blank_row")]


def test_a_header_typed_again_mid_sheet_is_skipped_not_read_as_an_advocate():
    grids = grids_from_rows({"Advocates": [advocate(1), advocate(2)]})
    header = grids["Advocates"][0]
    grids["Advocates"].insert(2, list(header))

    program = program_from_grids(grids)

    assert list(program.advocates[A.advocate_id]) == ["ADV-0001", "ADV-0002"]
    assert [(s.tab, s.row, s.reason) for s in program.skipped] == [("Advocates", 3, "repeated_header")]


def test_extra_columns_are_kept_as_typed():
    program = program_from_grids(grids_from_rows({"Advocates": [advocate(1, **{"Slack handle": "@dana"})]}))
    assert program.advocates.loc[2, "slack_handle"] == "@dana"


def test_optional_columns_missing_from_the_sheet_read_as_empty():
    grids = grids_from_rows({"Advocates": [advocate(1)]})
    header = grids["Advocates"][0]
    keep = [i for i, name in enumerate(header) if name != A.notes]
    grids["Advocates"] = [[row[i] for i in keep] for row in grids["Advocates"]]

    program = program_from_grids(grids)

    assert program.advocates.loc[2, A.notes] is None
    assert program.column_letter("Advocates", A.notes) is None


def test_tab_names_match_whatever_their_case():
    grids = grids_from_rows({"Advocates": [advocate(1)]})
    grids["advocates "] = grids.pop("Advocates")
    assert len(program_from_grids(grids).advocates) == 1


def test_a_required_column_missing_is_a_schema_error_naming_tab_and_column():
    grids = grids_from_rows({})
    grids["Requests"] = [[c for c in grids["Requests"][0] if c != "team"]]
    with pytest.raises(SchemaError, match="tab 'Requests' has no column 'team'"):
        program_from_grids(grids, source="book.xlsx")


def test_settings_fall_back_to_defaults_and_read_per_activity_slas():
    program = program_from_grids(
        grids_from_rows(
            {
                "Settings": [
                    {S.key: "cooldown_days", S.value: "21"},
                    {S.key: "stale_after_days", S.value: "soon"},
                ]
            }
        )
    )
    settings = program.settings
    assert settings.cooldown_days == 21
    assert settings.stale_after_days == int(schema.SETTING_BY_KEY["stale_after_days"].default)
    assert settings.sla_days("reference_call") == int(
        schema.SETTING_BY_KEY["sla_days.reference_call"].default
    )
    assert settings.sla_days("media") == int(schema.SETTING_BY_KEY["sla_days.default"].default)


def test_column_letters_follow_the_sheet_not_the_schema():
    grids = grids_from_rows({"Advocates": [advocate(1)]})
    header = grids["Advocates"][0]
    grids["Advocates"] = [[row[-1]] + row[:-1] for row in grids["Advocates"]]  # last column moved first
    program = program_from_grids(grids)
    assert program.column_letter("Advocates", header[-1]) == "A"
    assert program.column_letter("Advocates", A.advocate_id) == "B"


def test_an_empty_text_cell_reads_as_an_empty_cell():
    # calamine spells an empty cell '', Google omits it, openpyxl gives None: all three read the same.
    grids = grids_from_rows({"Advocates": [advocate(1), advocate(2)]})
    header, first, second = grids["Advocates"]
    notes = header.index(A.notes)
    first[notes], second[notes] = "", None
    grids["Advocates"] = [header, first, ["" for _ in header], second]

    program = program_from_grids(grids)

    assert program.raw["Advocates"]["notes"].tolist() == [None, None]
    assert [(s.row, s.reason) for s in program.skipped] == [(3, "blank_row")]


def test_a_program_pickles_to_the_same_cells_and_values():
    # Report kernels and the read cache get a program through pickle; every cell must come back as typed,
    # including a TRUE beside a 1 and a NaN beside None, which a column's distinct values would merge.
    grids = grids_from_rows({"Advocates": [advocate(1), advocate(2), advocate(3)]})
    header = grids["Advocates"][0]
    notes = header.index(A.notes)
    grids["Advocates"][1][notes], grids["Advocates"][2][notes], grids["Advocates"][3][notes] = (
        1,
        True,
        math.nan,
    )
    program = program_from_grids(grids, source="roster.xlsx")

    back = pickle.loads(pickle.dumps(program))

    for tab in program.tables:
        pd.testing.assert_frame_equal(back.tables[tab], program.tables[tab])
        pd.testing.assert_frame_equal(back.raw[tab], program.raw[tab])
    assert [type(v) for v in back.raw["Advocates"]["notes"]] == [int, bool, float]
    assert (back.headers, back.skipped, back.source) == (program.headers, program.skipped, "roster.xlsx")
    assert back.settings.cooldown_days == program.settings.cooldown_days


@pytest.mark.parametrize(
    ("key", "typed", "read"),
    [
        ("default_max_per_quarter", "-1", 4),  # a negative cap
        ("stale_after_days", "-10", 365),
        ("stale_after_days", "0", 365),  # every profile stale the day it is confirmed
        ("fiscal_year_start_month", "13", 2),  # no thirteenth month: the default, not January
        ("fiscal_year_start_month", "0", 2),
        ("cooldown_days", "-3", 14),
        ("rest_full_days", "0", 90),
        ("sla_days.review", "-1", 7),
        # day counts beyond a century: no date arithmetic can use them (pandas stops near 292 years)
        ("stale_after_days", "99999999", 365),
        ("cooldown_days", "99999999", 14),
        ("rest_full_days", "99999999", 90),
        ("sla_days.review", "99999999", 7),
        ("sla_days.default", "36501", 10),
    ],
)
def test_a_setting_outside_its_range_reads_as_its_default(key, typed, read):
    program = program_from_grids(grids_from_rows({"Settings": [{S.key: key, S.value: typed}]}))

    assert program.settings.integer(key) == read


def test_a_negative_weight_reads_as_its_default():
    program = program_from_grids(grids_from_rows({"Settings": [{S.key: "weight.region", S.value: "-2"}]}))

    assert program.settings.weight("region") == 2.0


@pytest.mark.parametrize("typed", [1e308, 1_000_000])
def test_a_weight_beyond_any_sensible_one_reads_as_its_default(typed):
    program = program_from_grids(grids_from_rows({"Settings": [{S.key: "weight.region", S.value: typed}]}))

    assert program.settings.weight("region") == 2.0


def test_an_unreadable_sla_for_an_activity_with_no_sla_of_its_own_reads_as_the_programs_default_sla():
    settings = [{S.key: "sla_days.default", S.value: "12"}, {S.key: "sla_days.media", S.value: "soon"}]
    program = program_from_grids(grids_from_rows({"Settings": settings}))

    assert program.settings.sla_days("media") == 12
