"""Goals judged against where they should be by now: the target times the share of their period elapsed,
within the Settings tab's goal_tolerance, and no verdict in the first goal_grace_days of their period.

Every expected status below is worked out by hand from the dates in the test."""

from __future__ import annotations

import datetime as dt

import pytest

from kit import schema
from kit.metrics import GoalStatus, furthest_behind, measure
from tests.factories import advocate, goal, program, setting

D = dt.date
A = schema.ADVOCATES.col


def joined(count: int, day: dt.date, first: int = 1) -> list[dict]:
    """``count`` Active advocates who joined on ``day``."""
    return [advocate(n, **{A.joined_on: day}) for n in range(first, first + count)]


def statuses(prog, as_of: dt.date, period: str) -> dict[str, str]:
    goals = measure(prog, period=period, as_of=as_of).goals
    return dict(zip(goals["goal_id"], goals["status"], strict=True))


def test_on_the_first_day_of_a_month_its_goals_are_too_early_to_tell():
    prog = program(
        Advocates=joined(3, D(2026, 11, 10)),
        Goals=[
            goal(1, **{"period": "2026-12", "metric": "new_advocates", "target": 10}),  # none joined yet
            goal(2, **{"period": "2026-12", "metric": "active_advocates", "target": 50}),  # 3 of 50
        ],
    )
    found = statuses(prog, D(2026, 12, 1), "this-month")
    assert found == {"G-01": GoalStatus.TOO_EARLY, "G-02": GoalStatus.TOO_EARLY}
    assert furthest_behind(measure(prog, period="this-month", as_of=D(2026, 12, 1)).goals) is None


def test_the_grace_ends_after_goal_grace_days():
    prog = program(Goals=[goal(1, **{"period": "2026-11", "metric": "new_advocates", "target": 10})])
    # Day 7 of November is still in the default grace of 7 days; on day 8 nothing joined is 0 of 10 × 8/30.
    assert statuses(prog, D(2026, 11, 7), "2026-11") == {"G-01": GoalStatus.TOO_EARLY}
    assert statuses(prog, D(2026, 11, 8), "2026-11") == {"G-01": GoalStatus.BEHIND}
    shorter = program(
        Goals=[goal(1, **{"period": "2026-11", "metric": "new_advocates", "target": 10})],
        Settings=[setting("goal_grace_days", 2)],
    )
    assert statuses(shorter, D(2026, 11, 3), "2026-11") == {"G-01": GoalStatus.BEHIND}


def test_a_goal_already_reached_in_its_first_days_is_achieved():
    prog = program(
        Advocates=joined(2, D(2026, 11, 1)),
        Goals=[goal(1, **{"period": "2026-11", "metric": "new_advocates", "target": 2})],
    )
    assert statuses(prog, D(2026, 11, 2), "2026-11") == {"G-01": GoalStatus.ACHIEVED}


@pytest.mark.parametrize(
    ("new", "tolerance", "status"),
    [
        # 15 November: 15 of 30 days, so 10 × 15/30 = 5 new advocates expected by now.
        (5, None, GoalStatus.ON_TRACK),  # on the line
        (4, None, GoalStatus.BEHIND),  # 4 < 5 × (1 − 0.1) = 4.5
        (4, 0.25, GoalStatus.ON_TRACK),  # 4 ≥ 5 × (1 − 0.25) = 3.75
        (4, 0, GoalStatus.BEHIND),
        (5, 0, GoalStatus.ON_TRACK),
    ],
)
def test_on_track_means_within_the_tolerance_of_the_target_times_the_share_elapsed(new, tolerance, status):
    settings = [] if tolerance is None else [setting("goal_tolerance", tolerance)]
    prog = program(
        Advocates=joined(new, D(2026, 11, 2)),
        Goals=[goal(1, **{"period": "2026-11", "metric": "new_advocates", "target": 10})],
        Settings=settings,
    )
    goals = measure(prog, period="2026-11", as_of=D(2026, 11, 15)).goals
    assert goals.loc[0, "expected"] == pytest.approx(5)
    assert goals.loc[0, "status"] == status


def test_a_level_goal_within_the_tolerance_is_on_track_and_beyond_it_behind():
    # Active advocates is a level: expected is the target itself (20) from the first day on.
    near = program(Advocates=joined(18, D(2026, 1, 5)), Goals=[goal(1, **{"target": 20})])  # 18 ≥ 20 × 0.9
    far = program(Advocates=joined(17, D(2026, 1, 5)), Goals=[goal(1, **{"target": 20})])  # 17 < 18
    assert statuses(near, D(2026, 11, 20), "2026-Q4") == {"G-01": GoalStatus.ON_TRACK}
    assert statuses(far, D(2026, 11, 20), "2026-Q4") == {"G-01": GoalStatus.BEHIND}


def test_furthest_behind_never_names_a_goal_too_early_to_tell():
    prog = program(
        Advocates=joined(2, D(2026, 10, 5)),
        Goals=[
            # The quarter's: 2 of 40 new advocates, 62 of 92 days gone (expected 27): behind, at 5%.
            goal(1, **{"period": "2026-Q4", "metric": "new_advocates", "target": 40}),
            # December's, on its first day: 0 of 10, lower attainment, but too early to tell.
            goal(2, **{"period": "2026-12", "metric": "new_advocates", "target": 10}),
        ],
    )
    goals = measure(prog, period="2026-Q4", as_of=D(2026, 12, 1)).goals
    assert dict(zip(goals["goal_id"], goals["status"], strict=True)) == {
        "G-01": GoalStatus.BEHIND,
        "G-02": GoalStatus.TOO_EARLY,
    }
    worst = furthest_behind(goals)
    assert worst is not None and worst["goal_id"] == "G-01"
    assert worst["attainment"] == pytest.approx(2 / 40)


def test_too_early_to_tell_is_neutral_in_tone():
    assert GoalStatus.TOO_EARLY.tone == "neutral"


@pytest.mark.slow
def test_goal_tracking_rendered_on_the_first_day_of_a_month_calls_no_goal_behind(make_workbook, tmp_path):
    from kit.report import render_report

    workbook = make_workbook(
        Advocates=joined(3, D(2026, 11, 10)),
        Goals=[
            goal(1, **{"period": "2026-12", "metric": "new_advocates", "target": 10}),
            goal(2, **{"period": "2026-12", "metric": "active_advocates", "target": 50}),
            goal(3, **{"period": "2026-12", "metric": "requests_fulfilled", "target": 20}),
        ],
    )
    result = render_report(
        "goal-tracking", source=str(workbook), as_of=D(2026, 12, 1), out_dir=tmp_path, period="this-month"
    )
    page = result.html_path.read_text(encoding="utf-8")
    assert result.html_path.name == "goal_tracking_2026-12.html"
    assert page.count("too early to tell") >= 3  # each goal's status
    assert 'class="status-behind"' not in page and 'class="status-missed"' not in page
    assert ">behind<" not in page and "furthest behind" not in page.lower()
