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


# ---------------------------------------------------------------------------------------------------------
# Keywords, counted from the day the figures are as of


@pytest.mark.parametrize(
    ("keyword", "as_of", "label", "start", "end"),
    [
        ("this-month", D(2026, 12, 1), "2026-12", D(2026, 12, 1), D(2026, 12, 31)),
        ("last-month", D(2026, 12, 1), "2026-11", D(2026, 11, 1), D(2026, 11, 30)),
        ("last-month", D(2026, 1, 15), "2025-12", D(2025, 12, 1), D(2025, 12, 31)),
        ("this-quarter", D(2026, 12, 1), "2026-Q4", D(2026, 10, 1), D(2026, 12, 31)),
        ("last-quarter", D(2026, 12, 1), "2026-Q3", D(2026, 7, 1), D(2026, 9, 30)),
        ("last-quarter", D(2026, 2, 28), "2025-Q4", D(2025, 10, 1), D(2025, 12, 31)),
        ("this-year", D(2026, 12, 1), "2026", D(2026, 1, 1), D(2026, 12, 31)),
        ("last-year", D(2026, 12, 1), "2025", D(2025, 1, 1), D(2025, 12, 31)),
    ],
)
def test_a_calendar_keyword_is_the_period_it_names_on_as_of(keyword, as_of, label, start, end):
    period = parse_period(keyword, as_of=as_of)
    assert (period.label, period.start, period.end) == (label, start, end)


@pytest.mark.parametrize(
    ("keyword", "as_of", "label", "start", "end"),
    [
        # Start month 2: FY2027 = February 2026 .. January 2027; December 2026 is in its Q4 (Nov–Jan).
        ("this-fiscal-quarter", D(2026, 12, 1), "FY2027-Q4", D(2026, 11, 1), D(2027, 1, 31)),
        ("last-fiscal-quarter", D(2026, 12, 1), "FY2027-Q3", D(2026, 8, 1), D(2026, 10, 31)),
        ("this-fiscal-year", D(2026, 12, 1), "FY2027", D(2026, 2, 1), D(2027, 1, 31)),
        ("last-fiscal-year", D(2026, 12, 1), "FY2026", D(2025, 2, 1), D(2026, 1, 31)),
        # January 2027 is still FY2027's last month; February 2027 opens FY2028.
        ("this-fiscal-quarter", D(2027, 1, 31), "FY2027-Q4", D(2026, 11, 1), D(2027, 1, 31)),
        ("this-fiscal-quarter", D(2027, 2, 1), "FY2028-Q1", D(2027, 2, 1), D(2027, 4, 30)),
        ("last-fiscal-quarter", D(2027, 2, 1), "FY2027-Q4", D(2026, 11, 1), D(2027, 1, 31)),
    ],
)
def test_a_fiscal_keyword_uses_the_fiscal_year_start_month(keyword, as_of, label, start, end):
    period = parse_period(keyword, fiscal_year_start_month=2, as_of=as_of)
    assert (period.label, period.start, period.end) == (label, start, end)


def test_fiscal_keywords_with_a_january_start_are_the_calendar_quarter_and_year():
    day = D(2026, 12, 1)
    assert parse_period("last-fiscal-quarter", as_of=day).label == "FY2026-Q3"
    assert (
        parse_period("last-fiscal-quarter", as_of=day).start,
        parse_period("this-fiscal-year", as_of=day).end,
    ) == (
        D(2026, 7, 1),
        D(2026, 12, 31),
    )


@pytest.mark.parametrize("text", ["Last-Quarter", "last quarter", "last_quarter", " LAST-QUARTER "])
def test_keywords_are_read_whatever_the_case_and_separator(text):
    assert parse_period(text, as_of=D(2026, 12, 1)).label == "2026-Q3"


@given(as_of=st.dates(dt.date(1902, 1, 1), dt.date(2197, 12, 31)), start_month=st.integers(1, 12))
def test_this_period_contains_as_of_and_last_period_ends_the_day_before_it_starts(as_of, start_month):
    for unit in ("month", "quarter", "year", "fiscal-quarter", "fiscal-year"):
        this = parse_period(f"this-{unit}", fiscal_year_start_month=start_month, as_of=as_of)
        last = parse_period(f"last-{unit}", fiscal_year_start_month=start_month, as_of=as_of)
        assert this.contains(as_of)
        assert last.end + dt.timedelta(days=1) == this.start


def test_an_unknown_keyword_is_one_line_listing_every_accepted_form():
    with pytest.raises(InputError) as error:
        parse_period("last-quater", as_of=D(2026, 12, 1))
    message = str(error.value)
    assert "\n" not in message and "'last-quater'" in message
    for form in ("2026-Q4", "FY2027-Q1", "2026-07-01..2026-09-30", "last-month", "last-fiscal-year"):
        assert form in message


def test_a_keyword_without_a_day_to_count_from_is_refused_as_the_goals_tab_needs():
    with pytest.raises(InputError, match="'last-month'"):
        parse_period("last-month")


def test_metrics_for_last_quarter_are_the_metrics_for_that_quarter(demo_workbook):
    from kit.metrics import measure
    from kit.store import open_store

    program = open_store(str(demo_workbook)).read()
    day = D(2026, 12, 1)
    by_keyword = measure(program, period="last-quarter", as_of=day).to_dict()
    by_label = measure(program, period="2026-Q3", as_of=day).to_dict()
    assert by_keyword["period"]["label"] == "2026-Q3"
    assert by_keyword == by_label


def test_metrics_command_with_a_bad_keyword_exits_2_with_one_line(demo_workbook, capsys):
    from kit.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(
            [
                "metrics",
                "--source",
                str(demo_workbook),
                "--period",
                "previous-quarter",
                "--as-of",
                "2026-12-01",
            ]
        )
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert len(err.strip().splitlines()) == 1 and "last-quarter" in err and "2026-Q4" in err


# ---------------------------------------------------------------------------------------------------------
# Words follow the period: "this quarter" only while it runs


@pytest.mark.parametrize(
    ("period", "as_of", "words"),
    [
        ("2026-Q4", D(2026, 12, 1), "this quarter"),
        ("2026-Q3", D(2026, 12, 1), "in 2026-Q3"),
        ("2026-12", D(2026, 12, 1), "this month"),
        ("2026-11", D(2026, 12, 1), "in 2026-11"),
        ("2026", D(2026, 12, 31), "this year"),
        ("2027-Q1", D(2026, 12, 1), "in 2027-Q1"),
        ("2026-11-01..2026-12-31", D(2026, 12, 1), "in 2026-11-01..2026-12-31"),
    ],
)
def test_a_period_says_this_only_while_it_runs(period, as_of, words):
    assert parse_period(period).phrase(as_of) == words


def test_a_past_quarters_draft_message_and_stories_say_in_that_quarter(demo_program):
    from kit.metrics import measure

    past = measure(demo_program, period="last-quarter", as_of=D(2026, 12, 1))
    texts = [past.to_dict()["draft_message"], *(s.sentence for s in past.success_stories)]
    assert past.success_stories, "the demo has won deals with advocates in 2026-Q3"
    assert "in 2026-Q3" in texts[0]
    assert not any("this quarter" in t for t in texts)


def _visible_text(page: str) -> str:
    """What a reader sees: the HTML without its style, images, notebook cell ids and tags."""
    import html
    import re

    page = re.sub(r"<style.*?</style>|<img[^>]*>|id=\"cell-id=[^\"]*\"", "", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.mark.slow
def test_executive_update_for_last_quarter_is_the_one_for_that_quarter_and_never_says_this_quarter(
    demo_workbook, tmp_path
):
    from kit.cli import main

    pages = {}
    for period in ("last-quarter", "2026-Q3"):
        out = tmp_path / period
        with pytest.raises(SystemExit) as exit_:
            main(
                ["report", "executive-update", "--source", str(demo_workbook), "--period", period]
                + ["--as-of", "2026-12-01", "--out", str(out)]
            )
        assert exit_.value.code == 0
        pages[period] = (out / "executive_update_2026-Q3.html").read_text(encoding="utf-8")
    by_keyword, by_label = (_visible_text(pages[p]) for p in ("last-quarter", "2026-Q3"))
    assert by_keyword == by_label
    assert "Period 2026-Q3" in by_keyword
    assert "this quarter" not in pages["last-quarter"].lower()
    assert "in 2026-Q3" in by_keyword  # the draft message and the stories name the quarter
