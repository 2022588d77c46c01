"""A benchmark's result table, written into docs/performance.md by the benchmark itself.

Figures typed by hand go stale, so each ``bench_<name>.py`` returns a ``Table`` and, asked to
(``--write-docs``, or ``make bench-docs``), replaces the block between ``<!-- bench:<name> -->`` and
``<!-- /bench:<name> -->`` in the page with that table and a line saying when, where and at which commit it
was measured. Everything outside the block (the prose saying what is measured and why, the baselines' names)
is left byte for byte as it was; a page without exactly one such block is refused before anything runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERFORMANCE_PAGE = ROOT / "docs" / "performance.md"


class MarkerError(Exception):
    """The page has no block for a benchmark, or more than one, or its end marker before its start."""


@dataclass(frozen=True)
class Table:
    """What a benchmark measured: a Markdown table (cells already formatted) and notes printed under it."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()

    def markdown(self) -> str:
        def line(cells: Sequence[str]) -> str:
            return "| " + " | ".join(cells) + " |"

        lines = [line(self.columns), line(["---"] * len(self.columns)), *(line(row) for row in self.rows)]
        if self.notes:
            lines += ["", *self.notes]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Machine:
    """The computer a figure was measured on, as the page names it."""

    cpu: str
    cores: int
    ram_gb: int
    python: str
    load: float  # the one-minute load average when the run began: other work slows every figure

    def describe(self) -> str:
        return (
            f"{self.cpu}, {self.cores} cores, {self.ram_gb} GB RAM, Python {self.python}, "
            f"load {self.load:.1f} when the run began"
        )


@dataclass(frozen=True)
class Measured:
    """When, where, at which commit and by which command a table was measured."""

    date: dt.date
    commit: str
    machine: Machine
    command: str

    def describe(self) -> str:
        return (
            f"Measured {self.date.isoformat()} at commit {self.commit} by `{self.command}` on "
            f"{self.machine.describe()}."
        )


def this_machine() -> Machine:
    """CPU model (from /proc/cpuinfo where there is one), cores, RAM, Python version and load, now."""
    cpu = platform.processor() or platform.machine()
    ram_gb = 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 2**20)
                break
    except OSError:  # not Linux: the names platform gives
        pass
    if not ram_gb and hasattr(os, "sysconf"):
        ram_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
    return Machine(
        cpu=cpu,
        cores=os.cpu_count() or 1,
        ram_gb=ram_gb,
        python=platform.python_version(),
        load=os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0,
    )


def this_commit() -> str:
    """The short commit of the checkout, saying so when the code measured differs from it."""
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        changed = _git(
            "status", "--porcelain", "--untracked-files=no", "--", "kit", "benchmarks", "emulators"
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit} (with uncommitted changes)" if changed else commit


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def begin(command: str) -> Measured:
    """What the page will say about a run starting now (the load is read before the run adds to it)."""
    return Measured(date=dt.date.today(), commit=this_commit(), machine=this_machine(), command=command)


def duration(seconds: float) -> str:
    """A time as the tables show it: ``4.4 ms`` under a second, ``2.56 s`` under a minute, then ``317 s``."""
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s" if seconds < 60 else f"{seconds:,.0f} s"


# -- the page -----------------------------------------------------------------------------------------------


def markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"


def _span(text: str, name: str, page: Path) -> tuple[int, int]:
    """Where the block's content starts (after its start marker's line) and ends (at its end marker)."""
    start, end = markers(name)
    found = {marker: text.count(marker) for marker in (start, end)}
    for marker, count in found.items():
        if count == 0:
            other = end if marker == start else start
            raise MarkerError(
                f"{page}: no {marker} (with {other}) to write the {name} figures between; add the pair on "
                "lines of their own where the table belongs"
            )
        if count > 1:
            raise MarkerError(f"{page}: {count} {marker} markers; keep one {start} … {end} block")
    first, last = text.index(start), text.index(end)
    if last < first:
        raise MarkerError(f"{page}: {end} comes before {start}; put the table between them in that order")
    content = first + len(start)
    if text.startswith("\r\n", content):
        content += 2
    elif text.startswith("\n", content):
        content += 1
    return content, last


def check_block(page: Path, name: str) -> None:
    """Refuse now, before a long run, if the page has no single well-formed block for ``name``."""
    _span(_read(page), name, page)


def replace_block(text: str, name: str, body: str, page: Path = PERFORMANCE_PAGE) -> str:
    """``text`` with the content of the ``name`` block replaced by ``body``; every other byte kept."""
    content, end = _span(text, name, page)
    return text[:content] + body + text[end:]


def write_block(page: Path, name: str, table: Table, measured: Measured) -> None:
    """Write ``table`` and where it was measured into ``page``'s ``name`` block (the file replaced whole)."""
    from kit.files import write_atomically

    body = table.markdown() + "\n" + measured.describe() + "\n"
    write_atomically(page, replace_block(_read(page), name, body, page).encode(), durable=False)


def _read(page: Path) -> str:
    return page.read_bytes().decode()  # bytes as they are: no newline translation


# -- running a benchmark ------------------------------------------------------------------------------------

Benchmark = Callable[..., "Table | None"]


def block_name(module: str) -> str:
    """``benchmarks.bench_validate`` → ``validate``: a benchmark's block is named after it."""
    return module.rsplit(".", 1)[-1].removeprefix("bench_")


def writes_a_table(main: Benchmark) -> bool:
    """Whether a benchmark's ``main`` says it returns a ``Table`` (one that returns nothing cannot be written)."""
    try:
        return typing.get_type_hints(main).get("return") is Table
    except (NameError, TypeError):
        return False


def run(module: str, main: Benchmark, args: Sequence[int] = (), page: Path | None = None) -> Table | None:
    """Run one benchmark; with ``page``, write its table into its block there (checked before it runs)."""
    name = block_name(module)
    if page is not None:
        if not writes_a_table(main):
            raise MarkerError(f"{module}.main returns no Table, so there is nothing to write into {page}")
        check_block(page, name)
    command = " ".join(["python -m", module, *map(str, args)])
    measured = begin(command)
    table = main(*args)
    if table is not None:
        print("\n" + table.markdown(), end="")
    if page is not None and table is not None:
        write_block(page, name, table, measured)
        print(f"written into {page} ({markers(name)[0]})")
    return table


def parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark takes: ``--write-docs`` and ``--page PAGE`` (default docs/performance.md)."""
    options = argparse.ArgumentParser(description=description)
    options.add_argument(
        "--write-docs", action="store_true", help="write the result table into its block of the page"
    )
    options.add_argument(
        "--page",
        type=Path,
        default=PERFORMANCE_PAGE,
        help=f"the page --write-docs writes into (default {PERFORMANCE_PAGE.relative_to(ROOT)}; a copy, to try)",
    )
    return options


def page_to_write(given: argparse.Namespace) -> Path | None:
    """The page to write the table into, or None when only printing."""
    return given.page if given.write_docs else None


def script(module: str, main: Benchmark, argv: Sequence[str] | None = None) -> int:
    """What ``python -m benchmarks.bench_<name> [N …] [--write-docs] [--page PAGE]`` does; errors end in one
    line."""
    options = parser((sys.modules[main.__module__].__doc__ or "").split("\n", 1)[0])
    options.add_argument("args", nargs="*", type=int, help="the sizes the benchmark takes (advocates, …)")
    given = options.parse_args(argv)
    try:
        run(module, main, given.args, page_to_write(given))
    except MarkerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
