"""Notebooks are committed clean: no outputs, no execution counts, no saved widget state.

Outputs in git make every diff unreadable and can carry data from someone's program (names, e-mails) into
the repository. This is the project's one mechanism for it (no git filter to install): if a test here
fails, strip the notebook with ``.venv/bin/nbstripout notebooks/NAME.ipynb`` and commit again. It covers
every notebook in ``notebooks/``, the reports' as well as the interactive ones. It also checks the house
convention the reports and ``make lab`` rely on: the first code cell, and only it, is tagged
``parameters``, assigns ``source``, and says in a comment what each parameter means.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks_to_check():
    names = {path.name for path in NOTEBOOKS}

    assert {"advocate_finder.ipynb", "nominations.ipynb", "explore_program.ipynb"} <= names


@pytest.fixture(params=NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def notebook(request: pytest.FixtureRequest) -> nbformat.NotebookNode:
    nb = nbformat.read(request.param, as_version=4)
    nb.metadata["path"] = request.param.name
    return nb


def test_notebook_is_valid_nbformat(notebook):
    nbformat.validate(notebook)


def test_notebook_is_committed_without_outputs(notebook):
    dirty = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]

    assert not dirty, f"{notebook.metadata.path}: cells {dirty} carry outputs; run nbstripout on it"


def test_notebook_is_committed_without_widget_state(notebook):
    assert "widgets" not in notebook.metadata, (
        f"{notebook.metadata.path}: saved widget state in its metadata; run nbstripout on it"
    )


def test_parameters_are_the_first_code_cell_and_the_only_tagged_one(notebook):
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    tagged = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]

    assert len(tagged) == 1, f"{notebook.metadata.path}: {len(tagged)} cells tagged parameters"
    assert code[0] is tagged[0], f"{notebook.metadata.path}: the parameters cell is not the first code cell"


def test_parameters_cell_sets_source_and_comments_each_parameter(notebook):
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    assigned = [node.targets[0].id for node in ast.parse(cell.source).body if isinstance(node, ast.Assign)]
    uncommented = [line for line in cell.source.splitlines() if "=" in line.split("#")[0] and "#" not in line]

    assert "source" in assigned
    assert not uncommented, f"{notebook.metadata.path}: parameters without a comment: {uncommented}"
