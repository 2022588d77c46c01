"""What an executive sees when the executive update is opened and run in JupyterLab 4: the same words and
figures as the nbconvert report. Lab typesets `$…$` in HTML output as mathematics and never loads the
report's stylesheet, so without care "+$1.2M vs $300K" became italic maths, the draft message lost its line
breaks and the cards their borders.

A real JupyterLab on loopback and Debian's headless Chromium (tests/jupyterlab.py), one Lab start. The program
is built by hand (tests/factories.py): two won deals an advocate helped, $1,000,000 and $500,000, so revenue
influenced in 2026-Q4 is $1.5M; a third, won without an advocate, does not count. In 2026-Q3 one deal of
$300,000, helped by an advocate, closed within the same first 51 days, so the card reads "+$1.2M vs $300K".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import papermill
import pytest

from kit import schema
from kit.metrics import draft_message, measure
from kit.store.local import LocalStore
from tests.factories import AS_OF, activity, advocate, grids_from_rows, opportunity, program
from tests.jupyterlab import RENDER_TIMEOUT_MS, jupyterlab, open_notebook, run_all_cells

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
X, O = schema.ACTIVITIES.col, schema.OPPORTUNITIES.col

TABS = {
    schema.ADVOCATES.name: [advocate(1, **{schema.ADVOCATES.col.name: "Sam Lee"})],
    schema.OPPORTUNITIES.name: [
        opportunity(1, **{O.amount: 1_000_000}),
        opportunity(2, **{O.amount: 500_000, O.owner: "Dana Ortiz"}),
        opportunity(3, **{O.amount: 200_000}),  # no advocate: not influenced
        opportunity(4, **{O.amount: 300_000, O.close_date: dt.date(2026, 7, 15)}),  # 2026-Q3, day 15
    ],
    schema.ACTIVITIES.name: [
        activity(1, **{X.opportunity_id: "OPP-000001"}),
        activity(2, **{X.opportunity_id: "OPP-000002"}),
        activity(3, day=dt.date(2026, 7, 1), **{X.opportunity_id: "OPP-000004"}),
    ],
}


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[str]:
    """A JupyterLab serving a copy of the executive update with its parameters set for the hand-built
    program in 2026-Q4, as of AS_OF; yields the notebook's URL."""
    work = tmp_path / "lab"
    work.mkdir()
    workbook = tmp_path / "program.xlsx"
    LocalStore(workbook).write_grids(grids_from_rows(TABS))
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "executive_update.ipynb"),
        str(work / "executive_update.ipynb"),
        parameters={"source": str(workbook), "period": "2026-Q4", "as_of": AS_OF.isoformat()},
        prepare_only=True,
        log_output=False,
        progress_bar=False,
    )
    with jupyterlab(work, tmp_path / "state") as url:
        yield url.format(notebook="executive_update.ipynb")


def test_executive_update_in_jupyterlab_shows_money_draft_lines_and_styled_cards(chromium, lab, tmp_path):
    from playwright.sync_api import expect

    expected_draft = draft_message(measure(program(**TABS), period="2026-Q4", as_of=AS_OF))
    page = open_notebook(chromium, lab, width=1300, height=1000)
    try:
        run_all_cells(page)
        draft = page.locator(".jp-OutputArea-output .draft")
        expect(draft).to_have_count(1, timeout=RENDER_TIMEOUT_MS)  # the last cell ran
        page.wait_for_timeout(1_000)  # let the typesetter have its go at every output
        revenue = page.locator('.card[data-key="revenue_influenced"]')
        value = revenue.locator(".value").inner_text()
        change = revenue.locator(".change").inner_text()
        draft_text = draft.inner_text()
        maths = page.locator(".jp-OutputArea mjx-container").count()
        card_look = revenue.evaluate(
            "e => { const s = getComputedStyle(e); return [s.borderTopStyle, s.borderTopWidth]; }"
        )
        draft_look = draft.evaluate("e => getComputedStyle(e).whiteSpace")
        page.locator(".cards").first.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "executive_update_in_lab.png"))
        draft.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "executive_update_draft_in_lab.png"))
    finally:
        page.close()

    assert value == "$1.5M"
    assert change == "+$1.2M vs $300K in the same 51 days of 2026-Q3 (to 2026-08-20)"
    assert maths == 0  # no `$…$` read as mathematics anywhere in the outputs
    assert draft_text.splitlines() == expected_draft.splitlines()
    assert "$1.5M" in draft_text
    assert card_look == ["solid", "1px"]  # the card's own border, not an unstyled block
    assert draft_look == "pre-wrap"


def test_the_hand_built_program_influenced_the_revenue_counted_by_hand():
    revenue = measure(program(**TABS), period="2026-Q4", as_of=AS_OF).figure("revenue_influenced")
    assert (revenue.value, revenue.previous) == (1_000_000 + 500_000, 300_000)
