"""What a person sees: JupyterLab opens the advocate finder, runs it, and the widgets are on the page.

A real JupyterLab server on loopback (with a token, on a free port, in a subprocess) and Debian's headless
Chromium driven by playwright (never a downloaded browser). The notebook is a copy in tmp_path, so Lab's
autosave cannot write outputs into the repository's notebook; the program is a copy of the demo workbook,
reached through ADVOCACY_KIT_SOURCE as `make lab` does it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kit import schema
from tests.jupyterlab import RENDER_TIMEOUT_MS, jupyterlab, open_notebook, run_all_cells

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def lab(tmp_path: Path, demo_workbook: Path) -> Iterator[str]:
    """A JupyterLab serving a copy of advocate_finder.ipynb; yields the notebook's URL (with the token)."""
    work = tmp_path / "lab"
    work.mkdir()
    shutil.copyfile(ROOT / "notebooks" / "advocate_finder.ipynb", work / "advocate_finder.ipynb")
    program = tmp_path / "advocacy_program.xlsx"
    shutil.copyfile(demo_workbook, program)
    with jupyterlab(work, tmp_path / "state", {"ADVOCACY_KIT_SOURCE": str(program)}) as url:
        yield url.format(notebook="advocate_finder.ipynb")


def test_advocate_finder_renders_its_filters_and_results_in_jupyterlab(chromium, lab, demo_program):
    from playwright.sync_api import expect

    active = int((demo_program.advocates[schema.ADVOCATES.col.status] == "Active").sum())
    page = open_notebook(chromium, lab)
    try:
        run_all_cells(page)

        filters = page.locator(".kit-roster-filters .widget-dropdown")
        expect(filters).to_have_count(8, timeout=RENDER_TIMEOUT_MS)
        labels = [text.strip() for text in filters.locator("label").all_inner_texts()]
        assert labels == [
            "Industry",
            "Product",
            "Use case",
            "Region",
            "Company size",
            "Persona",
            "Activity",
            "Status",
        ]
        expect(
            page.locator(".kit-roster-filters input[placeholder='name, company or notes']")
        ).to_be_visible()
        results = page.locator(".kit-roster-results table.kit-roster tbody tr")
        expect(results).to_have_count(50, timeout=RENDER_TIMEOUT_MS)  # the first 50 of the Active
        expect(page.locator(".kit-roster-results")).to_contain_text(f"… and {active - 50:,} more")

        # The widgets are live: choosing a segment with nobody in it empties the table.
        page.locator(".kit-roster-filters .widget-dropdown", has_text="Industry").locator(
            "select"
        ).select_option("Healthcare")
        page.locator(".kit-roster-filters .widget-dropdown", has_text="Region").locator(
            "select"
        ).select_option("APAC")
        expect(page.get_by_text("0 of 300 advocates")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
        expect(results).to_have_count(0)
        # The request matcher rendered below it, with its button.
        expect(page.get_by_role("button", name="Find advocates")).to_be_visible()
    finally:
        page.close()
