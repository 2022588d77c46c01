"""The report notebooks themselves: committed clean, parameterised, and runnable by Papermill and nbval.

- Papermill on an empty program (a fresh template) and on a period with no data: the reports say so.
- nbval (``--nbval-lax``) on copies prepared with ``papermill --prepare-only`` for the demo program, since
  nbval cannot inject parameters.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest

from kit.report import NOTEBOOKS_DIR, REPORTS, render_report, render_reports
from kit.store.local import LocalStore
from kit.templates import template_grids
from tests.conftest import DEMO_AS_OF

pytestmark = pytest.mark.slow

NOTEBOOKS = [NOTEBOOKS_DIR / spec.notebook for spec in REPORTS.values()]
PARAMETERS = {"source", "period", "segment", "as_of", "figures_file"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_holds_the_commented_parameters(path):
    notebook = nbformat.read(path, as_version=4)
    first = next(c for c in notebook.cells if c.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", [])
    found = papermill.inspect_notebook(str(path))
    assert set(found) == PARAMETERS
    assert all(p["help"] for p in found.values())  # each has a comment saying what it is


@pytest.fixture(scope="module")
def empty_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("empty")
    workbook = folder / "fresh_template.xlsx"
    LocalStore(workbook).write_grids(template_grids())
    rendered = render_reports(list(REPORTS), source=str(workbook), as_of=DEMO_AS_OF, out_dir=folder)
    return {r.report: r.html_path for r in rendered.reports}


@pytest.mark.parametrize("report", list(REPORTS))
def test_fresh_template_gives_a_report_saying_there_is_no_data_yet(empty_reports, report):
    text = empty_reports[report].read_text(encoding="utf-8")
    assert "No data yet" in text
    assert "Traceback" not in text and "Error" not in text.replace("errors", "")


def test_period_with_no_data_says_so(demo_workbook, tmp_path):
    result = render_report(
        "executive-update",
        source=str(demo_workbook),
        period="2020-01-01..2020-03-31",
        as_of=DEMO_AS_OF,
        out_dir=tmp_path,
    )
    assert result.html_path.name == "executive_update_2020-01-01_to_2020-03-31.html"  # a file-safe name
    text = result.html_path.read_text(encoding="utf-8")
    assert "No data for 2020-01-01..2020-03-31" in text
    assert result.metrics.period_has_data is False


def test_notebooks_pass_nbval_lax_on_the_demo_program(demo_workbook, tmp_path):
    prepared = []
    for path in NOTEBOOKS:
        target = tmp_path / path.name
        papermill.execute_notebook(
            str(path),
            str(target),
            parameters={
                "source": str(demo_workbook),
                "period": "2026-Q4",
                "segment": "",
                "as_of": DEMO_AS_OF.isoformat(),
            },
            prepare_only=True,
            log_output=False,
            progress_bar=False,
        )
        prepared.append(str(target))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            *prepared,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
