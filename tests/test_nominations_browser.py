"""What the program manager sees: JupyterLab runs the nominations notebook; the accept form asks for the region
the roster requires, Accept adds a Nominated advocate, and the onboarding checklist says what is left.

A real JupyterLab on loopback and Debian's headless Chromium (tests/jupyterlab.py), on copies of the notebook
and of the demo workbook in tmp_path. A screenshot of the panel after the click is left in tmp_path.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kit import schema
from kit.store.local import LocalStore
from tests.factories import DEMO_AS_OF
from tests.jupyterlab import RENDER_TIMEOUT_MS, jupyterlab, open_notebook, run_all_cells

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
A, N = schema.ADVOCATES.col, schema.NOMINATIONS.col


@pytest.fixture
def program(tmp_path: Path, demo_workbook: Path) -> Path:
    copy = tmp_path / "advocacy_program.xlsx"
    shutil.copyfile(demo_workbook, copy)
    return copy


@pytest.fixture
def lab(tmp_path: Path, program: Path) -> Iterator[str]:
    """A JupyterLab serving a copy of nominations.ipynb on the demo copy, as of the demo's day."""
    work = tmp_path / "lab"
    work.mkdir()
    notebook = (ROOT / "notebooks" / "nominations.ipynb").read_text()
    # the demo's day instead of today, so the checklist's dates are those of the demo
    notebook = notebook.replace('as_of = \\"\\"', f'as_of = \\"{DEMO_AS_OF.isoformat()}\\"', 1)
    (work / "nominations.ipynb").write_text(notebook)
    with jupyterlab(work, tmp_path / "state", {"ADVOCACY_KIT_SOURCE": str(program)}) as url:
        yield url.format(notebook="nominations.ipynb")


def test_accepting_in_jupyterlab_asks_for_the_region_and_shows_the_checklist(
    chromium, lab, program, tmp_path
):
    from playwright.sync_api import expect

    before = LocalStore(program).read()
    oldest = before.nominations[before.nominations[N.status] == "New"].sort_values(N.submitted_on).iloc[0]
    page = open_notebook(chromium, lab)
    try:
        run_all_cells(page)
        needs = page.locator(".kit-roster-requires")
        expect(needs).to_contain_text("The roster requires region", timeout=RENDER_TIMEOUT_MS)

        page.locator(".widget-dropdown", has_text="Region").locator("select").select_option("EMEA")
        page.get_by_role("button", name="Accept").click()

        expect(page.get_by_text("stays Nominated until its checklist is done")).to_be_visible(
            timeout=RENDER_TIMEOUT_MS
        )
        expect(page.locator(".kit-onboarding-checklist")).to_contain_text("profile verified")
        page.screenshot(path=str(tmp_path / "nominations_after_accept.png"))
        message = page.locator(".kit-message", has_text="Written:")
        message.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "nominations_accept_message.png"))
        # the confirmation wraps within the notebook instead of running off its right edge
        box, cell = message.bounding_box(), page.locator(".jp-Notebook").first.bounding_box()
        assert box["x"] + box["width"] <= cell["x"] + cell["width"]
    finally:
        page.close()

    after = LocalStore(program).read()
    new = after.advocates.iloc[-1]
    assert (new[A.name], new[A.region], new[A.status]) == (oldest[N.contact_name], "EMEA", "Nominated")
