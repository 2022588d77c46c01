"""A benchmark writes its own table into docs/performance.md, between its markers, and touches nothing else."""

from __future__ import annotations

import datetime as dt
import platform
from pathlib import Path

import pytest

from benchmarks import record

PAGE = (
    "# Performance\r\n"  # a Windows line ending in the prose stays as it is
    "\n"
    "## Validation\n"
    "\n"
    "Hand-written: what is measured and why, against the *row-by-row* baseline.\n"
    "\n"
    "<!-- bench:validate -->\n"
    "| what | wall |\n"
    "| --- | --- |\n"
    "| old figure | 9.99 s |\n"
    "<!-- /bench:validate -->\n"
    "\n"
    "Prose between the blocks, with trailing spaces   \n"
    "<!-- bench:store -->\n"
    "| what | kit |\n"
    "| --- | --- |\n"
    "| keyed update | 4.81 s |\n"
    "<!-- /bench:store -->\n"
    "Last line, no newline at the end"
)
TABLE = record.Table(
    columns=("what", "wall"),
    rows=(("`kit.validate.validate` (median of 3)", "**2.56 s**"), ("baseline 1: a Python loop", "39.8 s")),
    notes=("6,348 findings.",),
)
MEASURED = record.Measured(
    date=dt.date(2026, 12, 1),
    commit="abc1234",
    machine=record.Machine(cpu="AMD EPYC", cores=2, ram_gb=24, python="3.11.7", load=0.8),
    command="python -m benchmarks.bench_validate",
)


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "performance.md"
    path.write_bytes(PAGE.encode())
    return path


def _outside(text: str, name: str) -> tuple[str, str]:
    start, end = f"<!-- bench:{name} -->\n", f"<!-- /bench:{name} -->"
    return text[: text.index(start) + len(start)], text[text.index(end) :]


def test_writing_replaces_the_block_between_its_own_markers(page):
    record.write_block(page, "validate", TABLE, MEASURED)

    block = (
        page.read_bytes().decode().split("<!-- bench:validate -->\n")[1].split("<!-- /bench:validate -->")[0]
    )
    assert "old figure" not in block
    assert block.startswith(
        "| what | wall |\n| --- | --- |\n| `kit.validate.validate` (median of 3) | **2.56 s** |"
    )
    assert "6,348 findings." in block
    assert "2026-12-01" in block and "abc1234" in block and "`python -m benchmarks.bench_validate`" in block
    assert "AMD EPYC, 2 cores, 24 GB RAM, Python 3.11.7" in block


def test_everything_outside_the_block_stays_byte_identical(page):
    before = page.read_bytes().decode()

    record.write_block(page, "validate", TABLE, MEASURED)

    after = page.read_bytes().decode()
    assert _outside(after, "validate") == _outside(before, "validate")
    assert after.split("<!-- /bench:validate -->")[1] == before.split("<!-- /bench:validate -->")[1]


def test_writing_the_same_figures_twice_gives_the_same_page(page):
    record.write_block(page, "validate", TABLE, MEASURED)
    once = page.read_bytes()

    record.write_block(page, "validate", TABLE, MEASURED)

    assert page.read_bytes() == once


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (PAGE.replace("<!-- bench:validate -->\n", ""), "no <!-- bench:validate -->"),
        (PAGE.replace("<!-- /bench:validate -->\n", ""), "no <!-- /bench:validate -->"),
        (PAGE + "\n<!-- bench:validate -->\n<!-- /bench:validate -->\n", "2 <!-- bench:validate -->"),
        (
            PAGE.replace("<!-- bench:validate -->", "@@")
            .replace("<!-- /bench:validate -->", "<!-- bench:validate -->")
            .replace("@@", "<!-- /bench:validate -->"),
            "before",
        ),
    ],
    ids=["start marker missing", "end marker missing", "block twice", "end before start"],
)
def test_a_page_without_exactly_one_well_formed_block_is_refused_in_one_line_and_left_alone(
    tmp_path, text, problem
):
    path = tmp_path / "performance.md"
    path.write_bytes(text.encode())

    with pytest.raises(record.MarkerError) as refused:
        record.write_block(path, "validate", TABLE, MEASURED)

    message = str(refused.value)
    assert problem in message and str(path) in message and "\n" not in message
    assert path.read_bytes() == text.encode()


def test_a_block_name_is_matched_whole_not_as_a_prefix(page):
    text = page.read_bytes().decode().replace("bench:store", "bench:validate_more")
    page.write_bytes(text.encode())

    record.write_block(page, "validate", TABLE, MEASURED)

    assert "| keyed update | 4.81 s |" in page.read_text()


def test_the_machine_is_read_from_this_computer():
    machine = record.this_machine()

    assert machine.cpu and machine.cores >= 1 and machine.ram_gb > 0
    assert machine.python == platform.python_version()
