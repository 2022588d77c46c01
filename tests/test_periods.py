"""Periods as people write them: months, quarters, fiscal quarters named after the year they end, spans."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kit.errors import InputError
from kit.periods import current_quarter, parse_period

D = dt.date


def test_month_runs_from_its_first_to_its_last_day():
    period = parse_period("2028-02")
    assert (period.start, period.end, period.label) == (D(2028, 2, 1), D(2028, 2, 29), "2028-02")


def test_calendar_quarter_four_is_october_to_december():
    period = parse_period("2026-Q4")
    assert (period.start, period.end) == (D(2026, 10, 1), D(2026, 12, 31))


def test_lowercase_quarter_is_read_and_labelled_canonically():
    assert parse_period("2026-q4").label == "2026-Q4"


def test_fiscal_year_is_named_after_the_calendar_year_it_ends_in():
    # Start month 2: FY2027 = February 2026 .. January 2027.
    year = parse_period("FY2027", fiscal_year_start_month=2)
    assert (year.start, year.end) == (D(2026, 2, 1), D(2027, 1, 31))


def test_fiscal_q1_starts_in_the_fiscal_start_month_of_the_previous_calendar_year():
    q1 = parse_period("FY2027-Q1", fiscal_year_start_month=2)
    assert (q1.start, q1.end) == (D(2026, 2, 1), D(2026, 4, 30))


def test_fiscal_q4_crosses_the_calendar_year():
    q4 = parse_period("FY2027-Q4", fiscal_year_start_month=2)
    assert (q4.start, q4.end) == (D(2026, 11, 1), D(2027, 1, 31))


def test_fiscal_year_starting_in_january_is_the_calendar_year():
    q1 = parse_period("FY2027-Q1", fiscal_year_start_month=1)
    assert (q1.start, q1.end) == (D(2027, 1, 1), D(2027, 3, 31))


def test_fiscal_year_starting_in_october():
    year = parse_period("FY2027", fiscal_year_start_month=10)
    assert (year.start, year.end) == (D(2026, 10, 1), D(2027, 9, 30))


def test_year_and_explicit_span():
    assert (parse_period("2026").start, parse_period("2026").end) == (D(2026, 1, 1), D(2026, 12, 31))
    span = parse_period("2026-07-01..2026-09-30")
    assert (span.start, span.end, span.days) == (D(2026, 7, 1), D(2026, 9, 30), 92)


@pytest.mark.parametrize(
    "text",
    [
        "2026-13",
        "2026-Q5",
        "Q4",
        "FY27-Q1",
        "",
        "next month",
        "2026-02-30..2026-03-01",
        "2026-09-30..2026-07-01",
    ],
)
def test_unreadable_period_is_an_input_error_naming_the_text(text):
    with pytest.raises(InputError) as error:
        parse_period(text, fiscal_year_start_month=2)
    assert repr(text) in str(error.value) or "before the start" in str(error.value)


def test_previous_month_of_january_is_december_of_the_year_before():
    assert parse_period("2026-01").previous().label == "2025-12"


def test_previous_quarter_of_q1_is_q4_of_the_year_before():
    assert parse_period("2026-Q1").previous().label == "2025-Q4"


def test_previous_fiscal_q1_is_q4_of_the_fiscal_year_before():
    previous = parse_period("FY2027-Q1", fiscal_year_start_month=2).previous()
    assert (previous.label, previous.start, previous.end) == ("FY2026-Q4", D(2025, 11, 1), D(2026, 1, 31))


def test_previous_span_is_the_same_number_of_days_just_before():
    previous = parse_period("2026-07-01..2026-07-10").previous()
    assert (previous.start, previous.end) == (D(2026, 6, 21), D(2026, 6, 30))


def test_share_elapsed_counts_whole_days_including_as_of():
    november = parse_period("2026-11")
    assert november.share_elapsed(D(2026, 10, 31)) == 0.0
    assert november.share_elapsed(D(2026, 11, 15)) == pytest.approx(15 / 30)
    assert november.share_elapsed(D(2026, 11, 30)) == 1.0
    assert november.share_elapsed(D(2027, 1, 1)) == 1.0


def test_history_lists_the_last_periods_oldest_first():
    assert [p.label for p in parse_period("2026-Q2").history(3)] == ["2025-Q4", "2026-Q1", "2026-Q2"]


def test_default_period_is_the_calendar_quarter_of_as_of():
    assert current_quarter(D(2026, 11, 20)).label == "2026-Q4"


@given(
    fiscal_year=st.integers(1990, 2100),
    quarter=st.integers(1, 4),
    start_month=st.integers(1, 12),
)
def test_fiscal_quarters_tile_the_fiscal_year_without_gap_or_overlap(fiscal_year, quarter, start_month):
    period = parse_period(f"FY{fiscal_year}-Q{quarter}", fiscal_year_start_month=start_month)
    year = parse_period(f"FY{fiscal_year}", fiscal_year_start_month=start_month)
    assert period.previous().end + dt.timedelta(days=1) == period.start
    assert year.start <= period.start <= period.end <= year.end
    assert year.end.year == fiscal_year  # named after the calendar year in which it ends
    assert 89 <= period.days <= 92


@pytest.mark.parametrize(
    "text",
    [
        "0001-Q1",
        "9999-12",
        "1899-Q4",
        "2200",
        "FY2200-Q1",
        "0001-01-01..0001-02-01",
        "2026-01-01..9999-12-31",
    ],
)
def test_a_period_outside_the_years_1900_to_2199_is_an_input_error_naming_the_years(text):
    with pytest.raises(InputError) as error:
        parse_period(text)
    assert repr(text) in str(error.value) and "1900" in str(error.value) and "2199" in str(error.value)


@pytest.mark.parametrize("text", ["1900-Q1", "2199-Q4", "FY2199", "1900-01-01..2199-12-31"])
def test_periods_at_the_ends_of_the_years_the_kit_reads_are_periods(text):
    period = parse_period(text)
    assert period.start.year >= 1900 and period.end.year <= 2199


@given(st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)))
def test_any_day_is_a_day_between_1900_and_2199_or_an_input_error(day):
    from kit.periods import parse_day

    if 1900 <= day.year <= 2199:
        assert parse_day(day.isoformat(), "--as-of") == day
    else:
        with pytest.raises(InputError, match="--as-of"):
            parse_day(day.isoformat(), "--as-of")
