"""The report pages' tables and words as a reader sees them, on a program built by hand (issue 19).

- The executive update's thank-you table gives each team's own totals of requests and nominations, and its
  top contributor by full name (the People tab's, not a name made from an e-mail address) with their count.
- Goal tracking's nominations funnel adds up, with what each number counts beside it.
- The executive update speaks to executives: the data-quality note says what was left out and that the
  program team is fixing it, with no command; goal tracking, for the program manager, keeps the command.
- Headline cards say what the change is against, in words, and a change that rounds to nothing is no news.

The program, in 2026-Q4 as of 20 November 2026 (51 days in):
  People: Kenji Mori (kenji@, Sales) and Mei Chen (csm.kenji@, Customer Success: her address starts like his).
  Requests: Sales 5 (kenji@ 3, sam.rep@ 2, not on the People tab), Customer Success 1 (csm.kenji@); plus one
  whose requested_on is "someday" (left out); an activity dated "yesterday" is left out too: 2 rows.
  Nominations: NOM-1 csm.kenji@ 1 Nov, Accepted 5 Nov; NOM-2 csm.kenji@ 2 Nov, New; NOM-3 kenji@ (Sales)
  10 Oct, Declined 20 Oct; NOM-4 csm.kenji@ 1 Sep (2026-Q3), Accepted 3 Oct; NOM-5 csm.kenji@ 1 Aug, New.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest

from kit import report_page as r
from kit import schema
from kit.report import REPORTS, render_reports
from kit.store.local import LocalStore
from tests.factories import (
    AS_OF,
    activity,
    advocate,
    goal,
    grids_from_rows,
    metrics,
    nomination,
    person,
    request,
)

pytestmark = pytest.mark.slow

P, R, N, X = (t.col for t in (schema.PEOPLE, schema.REQUESTS, schema.NOMINATIONS, schema.ACTIVITIES))

TABS = {
    schema.ADVOCATES.name: [advocate(1)],
    schema.GOALS.name: [goal(1)],  # 10 active advocates in 2026-Q4
    schema.PEOPLE.name: [
        person(1, **{P.email: "kenji@example.com", P.name: "Kenji Mori"}),
        person(2, **{P.email: "csm.kenji@example.com", P.name: "Mei Chen", P.team: "Customer Success"}),
    ],
    schema.REQUESTS.name: [
        *(request(n, **{R.requester_email: "kenji@example.com"}) for n in (1, 2, 3)),
        *(request(n, **{R.requester_email: "sam.rep@example.com"}) for n in (4, 5)),
        request(6, **{R.requester_email: "csm.kenji@example.com", R.team: "Customer Success"}),
        request(7, **{R.requested_on: "someday"}),
    ],
    schema.ACTIVITIES.name: [activity(1), activity(2, **{X.date: "yesterday"})],
    schema.NOMINATIONS.name: [
        nomination(
            1,
            **{
                N.nominator_email: "csm.kenji@example.com",
                N.status: "Accepted",
                N.decided_on: dt.date(2026, 11, 5),
            },
        ),
        nomination(2, **{N.nominator_email: "csm.kenji@example.com", N.submitted_on: dt.date(2026, 11, 2)}),
        nomination(
            3,
            **{
                N.nominator_email: "kenji@example.com",
                N.team: "Sales",
                N.submitted_on: dt.date(2026, 10, 10),
                N.status: "Declined",
                N.decided_on: dt.date(2026, 10, 20),
            },
        ),
        nomination(
            4,
            **{
                N.nominator_email: "csm.kenji@example.com",
                N.submitted_on: dt.date(2026, 9, 1),
                N.status: "Accepted",
                N.decided_on: dt.date(2026, 10, 3),
            },
        ),
        nomination(5, **{N.nominator_email: "csm.kenji@example.com", N.submitted_on: dt.date(2026, 8, 1)}),
    ],
}


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("tables")
    workbook = folder / "program.xlsx"
    LocalStore(workbook).write_grids(grids_from_rows(TABS))
    run = render_reports(list(REPORTS), source=str(workbook), period="2026-Q4", as_of=AS_OF, out_dir=folder)
    return {report.report: Path(report.html_path).read_text(encoding="utf-8") for report in run.reports}


def text_of(markup: str) -> str:
    """What a reader reads: the stylesheet and the tags gone, entities decoded, spaces collapsed."""
    shown = re.sub(r"<(style|script)\b.*?</\1>", " ", markup, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", shown)).split())


def table_after(page: str, heading: str) -> list[list[str]]:
    """The cells, row by row (header first), of the first table after ``heading``."""
    start = page.index(heading)
    markup = page[page.index("<table", start) : page.index("</table>", start)]
    return [
        [text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", markup, flags=re.S)
    ]


def test_thank_you_table_gives_team_totals_and_the_top_contributors_full_name(pages):
    rows = table_after(pages["executive-update"], "Thank you: colleagues who fed the program")
    assert rows == [
        ["Team", "Requests", "Nominations", "Top contributor", "Their requests and nominations"],
        # Sales: 3 + 2 requests (REQ-7's date is unusable), NOM-3; Kenji Mori: 3 requests + NOM-3
        ["Sales", "5", "1", "Kenji Mori", "4"],
        # Customer Success: REQ-6, NOM-1 and NOM-2 (NOM-4 and NOM-5 were sent in before 2026-Q4)
        ["Customer Success", "1", "2", "Mei Chen", "3"],
    ]


def test_goal_tracking_nominations_funnel_adds_up_with_definitions(pages):
    rows = table_after(pages["goal-tracking"], "Recruiting pipeline")
    assert rows == [
        ["Nominations, 2026-Q4", "Number", "What is counted"],
        ["Received", "3", "sent in from 1 Oct 2026 to 20 Nov 2026"],  # NOM-1, 2, 3
        ["… accepted", "1", "of those received, accepted by now"],  # NOM-1
        ["… declined", "1", "of those received, declined by now"],  # NOM-3
        ["… awaiting a decision", "1", "of those received, not decided yet"],  # NOM-2
        ["Earlier nominations decided", "1", "sent in before 2026-Q4, accepted or declined in it"],  # NOM-4
        ["Earlier nominations still waiting", "1", "sent in before 2026-Q4, not decided yet"],  # NOM-5
    ]
    # 3 decisions in 2026-Q4 (NOM-1 in 4 days, NOM-3 in 10, NOM-4 in 32): 2 accepted, median 10 days
    assert (
        "3 nominations received in 2026-Q4: 1 accepted, 1 declined, 1 awaiting a decision. Of the 3 decisions "
        "made in 2026-Q4 (1 on earlier nominations), 67% accepted, in a median 10 days. 1 nomination sent in "
        "before 2026-Q4 still awaits one." in text_of(pages["goal-tracking"])
    )


def test_goals_table_names_the_metric_not_its_id(pages):
    rows = table_after(pages["goal-tracking"], ">Goals<")
    assert rows[0][:3] == ["Goal", "Metric", "Segment"]
    assert rows[1][:3] == ["G-01", "Active advocates", "whole program"]


def test_goal_tracking_tables_name_activities_not_their_keys(pages):
    rows = table_after(pages["goal-tracking"], "Requests by team and activity")
    # REQ-1..5 Sales, REQ-6 Customer Success, each a reference call (REQ-7's date is unusable)
    assert rows == [
        ["Team", "Activity", "Requests"],
        ["Sales", "Reference call", "5"],
        ["Customer Success", "Reference call", "1"],
    ]


def test_executive_update_says_rows_left_out_in_words_without_a_command(pages):
    page = text_of(pages["executive-update"])
    assert (
        "Data quality. 2 rows were left out of the figures because of errors the program team is fixing."
        in page
    )
    assert "advocacy-kit" not in page.replace("Made with advocacy-kit", "") and "`" not in page
    assert "advocacy-kit validate" in text_of(pages["goal-tracking"])  # the program manager's report keeps it


def test_executive_update_shows_no_metric_id(pages):
    page = text_of(pages["executive-update"])
    assert re.findall(r"\b[a-z]+_[a-z_]+\b", page) == []  # active_advocates, min_deals_for_rates, …


def test_a_card_says_what_its_change_is_against_in_words():
    cards = r.headline_cards(metrics(), ["active_advocates"])
    # 2026-Q4 is running on 20 November: compared with its first 51 days' like in 2026-Q3
    assert "+12 vs 200 in the same 51 days of 2026-Q3 (to 2026-08-20)" in text_of(cards)


def test_a_change_that_rounds_to_nothing_is_not_coloured_as_news():
    share = {"key": "win_rate_lift", "label": "Win-rate lift with advocates", "unit": "share"}
    cards = r.headline_cards(metrics(headline=[share | {"value": 0.31, "previous": 0.312, "change": -0.002}]))
    change = re.search(r'<div class="change (\w+)"[^>]*>(.*?)</div>', cards)
    assert change is not None
    assert change.group(1) == "flat"
    assert change.group(2).startswith("no change vs 31%")


def test_a_card_with_no_figure_either_side_says_so_instead_of_dashes():
    within = {"key": "within_sla_share", "label": "Requests fulfilled within SLA", "unit": "share"}
    cards = text_of(
        r.headline_cards(metrics(headline=[within | {"value": None, "previous": None, "change": None}]))
    )
    assert "– vs –" not in cards
    assert "none in the same 51 days of 2026-Q3 (to 2026-08-20) either" in cards
