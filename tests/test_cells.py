"""Reading what people type into cells: the rules the README promises."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kit import schema
from kit.cells import (
    as_text,
    cell_problem,
    fold,
    parse_amount,
    parse_bool,
    parse_date,
    parse_enum,
    parse_int,
    same_cell,
    split_multi,
    synonym_of,
    typed_column,
)

A = schema.ADVOCATES


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (dt.datetime(2026, 3, 1, 0, 0), dt.date(2026, 3, 1)),
        ("2026-03-01", dt.date(2026, 3, 1)),
        ("3/1/2026", dt.date(2026, 3, 1)),  # month first
        ("13/1/2026", dt.date(2026, 1, 13)),  # first number above 12: day first
        ("1 Mar 2026", dt.date(2026, 3, 1)),
        ("March 1, 2026", dt.date(2026, 3, 1)),
        (46082, dt.date(2026, 3, 1)),  # a Google Sheets / Excel serial number
        (" 2026-03-01 ", dt.date(2026, 3, 1)),
    ],
)
def test_dates_are_read_the_way_people_type_them(typed, expected):
    assert parse_date(typed) == expected


@pytest.mark.parametrize("typed", ["TBD", "next week", "5", 5, "2/30/2026", "31/31/2026", True, ""])
def test_things_that_are_not_dates_are_not_guessed(typed):
    assert parse_date(typed) is None


@pytest.mark.parametrize(
    "typed",
    [
        "1/1/1734",
        "Jan 1 1734",
        dt.date(1734, 1, 1),
        dt.date(1899, 12, 31),
        "1 Jan 2200",
        dt.datetime(9999, 1, 1),
    ],
)
def test_a_date_outside_1900_to_2199_is_not_read_whether_typed_or_a_date_cell(typed):
    assert parse_date(typed) is None


def test_the_first_and_last_readable_days_are_read():
    assert parse_date("1/1/1900") == dt.date(1900, 1, 1)
    assert parse_date(dt.date(2199, 12, 31)) == dt.date(2199, 12, 31)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("$3.8M", 3_800_000),
        ("1,200,000", 1_200_000),
        ("3.8m", 3_800_000),
        ("€250k", 250_000),
        (1200.5, 1200.5),
        ("  42 ", 42),
        ("-5,000", -5000),
    ],
)
def test_amounts_accept_currency_separators_and_suffixes(typed, expected):
    assert parse_amount(typed) == pytest.approx(expected)


@pytest.mark.parametrize("typed", ["TBD", "1,2", "3.8 apples", "", None, float("nan")])
def test_amounts_that_are_not_numbers_are_missing(typed):
    assert parse_amount(typed) is None


def test_whole_numbers_refuse_fractions():
    assert [parse_int(v) for v in ("5", 5.0, " 7 ", "5.5", "five")] == [5, 5, 7, None, None]


def test_booleans_accept_crm_spellings():
    assert [parse_bool(v) for v in ("TRUE", "yes", "0", "n", True, "maybe")] == [
        True,
        True,
        False,
        False,
        True,
        None,
    ]


def test_enumerations_accept_case_and_spacing_differences():
    assert parse_enum(" enterprise ", schema.COMPANY_SIZES) == "Enterprise"
    assert parse_enum("mid market", schema.COMPANY_SIZES) == "Mid-Market"
    assert parse_enum("do not contact", schema.ADVOCATE_STATUSES) == "Do Not Contact"
    assert parse_enum("Enterprize", schema.COMPANY_SIZES) is None


def test_multi_values_split_on_semicolons_and_commas():
    assert split_multi("Product A; Product B , Product C;") == ["Product A", "Product B", "Product C"]


def test_multi_enum_column_keeps_known_values_in_canonical_spelling():
    column = A.column("activities")
    typed = typed_column(column, pd.Series(["Reference_Call; SPEAKING", "", "webinar, podcast"]))
    assert list(typed) == [("reference_call", "speaking"), (), ("webinar",)]
    assert cell_problem(column, "webinar, podcast") == "bad_enum"


def test_typed_columns_turn_unreadable_cells_into_missing_values():
    dates = typed_column(A.column("joined_on"), pd.Series(["2026-01-02", "TBD", None, dt.date(2025, 5, 6)]))
    assert list(dates.dt.date.astype(object).where(dates.notna(), None)) == [
        dt.date(2026, 1, 2),
        None,
        None,
        dt.date(2025, 5, 6),
    ]


@pytest.mark.parametrize(
    ("kind_column", "bad", "code"),
    [
        ("joined_on", "soon", "bad_date"),
        ("max_per_quarter", "lots", "bad_number"),
        ("region", "Mars", "bad_enum"),
    ],
)
def test_cell_problem_names_what_is_wrong(kind_column, bad, code):
    assert cell_problem(A.column(kind_column), bad) == code
    assert cell_problem(A.column(kind_column), None) is None


def test_same_cell_compares_meaning():
    assert same_cell(A.column("joined_on"), "3/1/2026", dt.datetime(2026, 3, 1))
    assert same_cell(A.column("products"), ("Product A", "Product B"), "Product A; Product B")
    assert same_cell(A.column("notes"), None, "")
    assert not same_cell(A.column("status"), "Active", "Paused")


def test_as_text_shows_whole_numbers_without_decimals():
    assert as_text(12.0) == "12" and as_text(dt.datetime(2026, 1, 2)) == "2026-01-02"


def test_each_cell_is_read_by_its_own_type_even_when_another_cell_equals_it():
    # Python holds TRUE == 1 == 1.0; a column is read once per distinct value, but a TRUE typed into an
    # amount or number cell stays unreadable however many rows hold a 1.
    amounts = typed_column(schema.OPPORTUNITIES.column("amount"), pd.Series([1, True, 1.0, False, 0]))
    assert amounts.tolist()[0] == 1.0 and amounts.isna().tolist() == [False, True, False, True, False]
    names = typed_column(A.column("name"), pd.Series([1, True, 1.0, "  Dana "]))
    assert names.tolist() == ["1", "TRUE", "1", "Dana"]


def test_a_drop_down_synonym_reads_as_its_value_and_names_the_spelling_to_type():
    outcome = schema.ACTIVITIES.column("outcome")
    cells = pd.Series(["held", "Done", " did not show ", "Completed", "hled", None], dtype=object)

    typed = typed_column(outcome, cells)

    assert typed.tolist() == ["Completed", "Completed", "No Show", "Completed", None, None]
    assert [synonym_of(outcome, v) for v in cells] == ["Completed", "Completed", "No Show", None, None, None]
    assert cell_problem(outcome, "held") is None and cell_problem(outcome, "hled") == "bad_enum"


def test_every_synonym_reads_as_one_allowed_value_and_never_shadows_one():
    for column in (c for tab in schema.TABS for c in tab.columns):
        words = [fold(word) for word, _ in column.synonyms]
        assert len(words) == len(set(words)), column.name
        assert all(value in column.values for _, value in column.synonyms), column.name
        assert not set(words) & {fold(v) for v in column.values}, column.name
