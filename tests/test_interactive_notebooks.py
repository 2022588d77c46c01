"""The interactive notebooks run top to bottom on the demo program with no edits.

Papermill executes each one in a real kernel, as `make lab` would open it (the source from
``ADVOCACY_KIT_SOURCE``) or with parameters; nbval (``--nbval-lax``) runs them as committed, the way CI
checks notebooks. Each run gets its own copy of the demo workbook: nothing here writes to the repo.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest

from tests.factories import DEMO_AS_OF

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
INTERACTIVE = ("advocate_finder", "nominations", "explore_program")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def demo_copy(demo_workbook: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "advocacy_program.xlsx"
    shutil.copyfile(demo_workbook, copy)
    return copy


def run(name: str, tmp_path: Path, **parameters: object) -> nbformat.NotebookNode:
    return papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(tmp_path / f"{name}.out.ipynb"),
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        cwd=str(NOTEBOOKS),
    )


def outputs(nb: nbformat.NotebookNode, kind: str) -> list[str]:
    """Every output of ``kind`` ('stream' text, or a data mimetype) in the executed notebook."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if kind == "stream" and output.output_type == "stream":
                found.append(output.text)
            elif kind in output.get("data", {}):
                found.append(output.data[kind])
    return found


def test_advocate_finder_opens_on_the_source_make_lab_sets(demo_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("ADVOCACY_KIT_SOURCE", str(demo_copy))
    before = demo_copy.read_bytes()

    nb = run("advocate_finder", tmp_path, as_of=DEMO_AS_OF.isoformat())

    assert any(f"{demo_copy}: 300 advocates" in text for text in outputs(nb, "stream"))
    assert len(outputs(nb, WIDGET_VIEW)) == 2  # the roster filter and the request matcher are shown
    assert demo_copy.read_bytes() == before  # running it writes nothing until a button is pressed


def test_nominations_notebook_shows_the_review_queue(demo_copy, tmp_path):
    nb = run("nominations", tmp_path, source=str(demo_copy), as_of=DEMO_AS_OF.isoformat())

    assert len(outputs(nb, WIDGET_VIEW)) == 1


def test_explore_notebook_shows_the_planted_recruiting_gap(demo_copy, tmp_path):
    nb = run("explore_program", tmp_path, source=str(demo_copy), as_of=DEMO_AS_OF.isoformat())

    (counts,) = [
        t for t in outputs(nb, "text/plain") if t.splitlines()[0].split() == ["segment", "advocates"]
    ]
    # The demo has no advocate at all in Healthcare in APAC, one of its strategic segments.
    gap = [line.split()[-1] for line in counts.splitlines() if "Healthcare · APAC" in line]
    assert gap == ["0"]
    assert "Active advocates" in "\n".join(outputs(nb, "stream"))  # the metrics summary printed


def test_the_explore_notebook_shows_adoption_by_team_with_a_team_picker(demo_copy, tmp_path):
    nb = run("explore_program", tmp_path, source=str(demo_copy), as_of=DEMO_AS_OF.isoformat())

    pickers = [v for v in outputs(nb, "text/plain") if "Dropdown(description='Team'" in v]
    assert len(pickers) == 1 and "'Sales'" in pickers[0]
    assert any("Sellers using the program:" in text for text in outputs(nb, "stream"))
    assert len(outputs(nb, WIDGET_VIEW)) == 1


def test_interactive_notebooks_pass_nbval_as_committed(demo_copy):
    env = {**os.environ, "ADVOCACY_KIT_SOURCE": str(demo_copy)}
    paths = [str(NOTEBOOKS / f"{name}.ipynb") for name in INTERACTIVE]

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-current-env",
            "-p",
            "no:cacheprovider",
            "-q",
            *paths,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
