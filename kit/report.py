"""The two reports: a notebook executed with Papermill, rendered to one self-contained HTML page with nbconvert.

``render_report`` runs ``notebooks/<name>.ipynb`` in a fresh kernel with the parameters ``source``, ``period``,
``segment`` and ``as_of``, then writes ``<out>/<report>_<period>.html`` (all code hidden, charts as inline
images, no script and nothing fetched from the network) and the executed notebook beside it for audit. Both
are written to temporary files and moved into place only when everything succeeded, so a failing cell leaves
the last good report untouched and raises ``ReportError`` with that cell's error on one line.

The notebooks publish the metrics dict they reported on (``kit.metrics.ProgramMetrics.to_dict()``) in a
hidden cell; ``RenderedReport.metrics`` is that dict, so a caller (the e-mail) never reads the program again.

The second half of this module is presentation for the notebooks: headline cards, tables and charts, with
every text from the sheet HTML-escaped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import math
import os
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd

from kit.errors import KitError, SourceError
from kit.files import write_atomically
from kit.folders import writable_folder
from kit.metrics import (
    COUNT,
    MONEY,
    SHARE,
    ProgramMetrics,
    compared_with,
    format_change,
    format_value,
    measure,
)
from kit.program import Program

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
TEMPLATES_DIR = Path(__file__).resolve().parent / "report_templates"
TEMPLATE_NAME = "report"
KERNEL_NAME = "python3"

# Set by render_reports for the kernels it starts: the run's scratch folder, where the figures it computed
# once for all its reports appear as FIGURES_FILE (see run_metrics).
RUN_ENV = "ADVOCACY_KIT_REPORT_RUN"
FIGURES_FILE = "metrics.pickle"
FIGURES_POLL_SECONDS = 0.05

# Tags on notebook cells: removed from the HTML entirely / holding the published metrics.
REMOVE_TAG = "remove-cell"
METRICS_TAG = "metrics"
METRICS_MIME = "application/vnd.advocacy-kit.metrics+json"


@dataclass(frozen=True)
class ReportSpec:
    name: str  # as on the command line: goal-tracking
    notebook: str  # file in notebooks/
    title: str


REPORTS: dict[str, ReportSpec] = {
    "goal-tracking": ReportSpec("goal-tracking", "goal_tracking.ipynb", "Goal tracking"),
    "executive-update": ReportSpec("executive-update", "executive_update.ipynb", "Executive update"),
}


class ReportError(KitError):
    """A report could not be produced: a cell failed (its error is in the message) or the kernel died."""


@dataclass(frozen=True)
class RenderedReport:
    """What ``render_report`` wrote, and the figures the report shows."""

    report: str
    period: str
    html_path: Path
    notebook_path: Path
    metrics: Mapping[str, Any]


def report_names(which: str) -> list[str]:
    """'all' → every report; otherwise the one named (InputError-like KitError if unknown)."""
    if which == "all":
        return list(REPORTS)
    if which not in REPORTS:
        raise ReportError(f"no report {which!r}; choose one of {', '.join(REPORTS)} or all")
    return [which]


def _file_label(period: str) -> str:
    """A period label safe in a file name: 2026-07-01..2026-09-30 → 2026-07-01_to_2026-09-30."""
    return period.replace("..", "_to_").replace("/", "-").replace(" ", "")


def execute_notebook(
    notebook: Path,
    output: Path,
    parameters: Mapping[str, Any],
    *,
    progress: bool = False,
) -> Any:
    """Run ``notebook`` with Papermill in-process into ``output`` (in a folder of this run's own: the kernel's
    sockets go there too); a failing cell raises ReportError."""
    import logging

    import papermill
    from papermill.exceptions import PapermillExecutionError
    from traitlets.config import Config

    # Papermill logs each parameter it injects: keep that for a terminal, not for cron. Under cron the
    # kernel's own stderr goes to a log beside ``output``; its last line is quoted if the kernel dies.
    if not progress:
        logging.getLogger("papermill").setLevel(logging.ERROR)
    kernel_log = output.parent / "kernel-stderr.log"
    with contextlib.ExitStack() as stack:
        stderr = None if progress else stack.enter_context(kernel_log.open("wb"))
        try:
            return papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters=dict(parameters),
                kernel_name=KERNEL_NAME,
                language="python",
                progress_bar=progress,
                log_output=False,
                # The kernel starts in notebooks/ (nbclient's resources path). Not Papermill's ``cwd``: that
                # changes this whole process's working directory, under the feet of the other report's thread.
                resources={"metadata": {"path": str(notebook.parent)}},
                # Talk to the kernel over Unix sockets, not loopback TCP: no other user of the machine can
                # listen in, and the kernel no longer warns about plain-text TCP on stderr. The sockets live
                # beside ``output``, so kernels started at the same time never share one.
                config=Config({"KernelManager": {"transport": "ipc", "ip": str(output.parent / "kernel")}}),
                kernel_manager_class=_kernel_manager_class(stderr),
            )
        except PapermillExecutionError as error:
            last = str(error.evalue).strip().splitlines()
            message = last[-1] if last else ""
            raise ReportError(
                f"{notebook.name}: cell {error.exec_count or error.cell_index} failed: {error.ename}: {message}"
            ) from None
        except (RuntimeError, OSError) as error:  # the kernel died or could not start
            said = _last_line(kernel_log) if stderr is not None else ""
            raise ReportError(
                f"{notebook.name}: could not run the notebook: {error}"
                + (f" (the kernel said: {said})" if said else "")
            ) from None


def _kernel_manager_class(stderr: IO[bytes] | None) -> type:
    """jupyter_client's kernel manager, with the kernel's stderr sent to ``stderr`` (if given), and without
    the interrupt jupyter_client sends before shutting a kernel down.

    That SIGINT is meant to stop a busy kernel; a report's kernel is idle by then (every cell has run, or
    one failed), and the signal made it log "KeyboardInterrupt caught" or, now and then, made libzmq abort
    in it ("Assertion failed: pfd.revents & POLLIN") on stderr, into the cron mail. The shutdown request,
    then SIGTERM and SIGKILL after ``shutdown_wait_time``, still follow as before.
    """
    from jupyter_client.manager import AsyncKernelManager

    class ReportKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            if stderr is not None:
                kw["stderr"] = stderr
            await super()._async_launch_kernel(kernel_cmd, **kw)

        async def _async_interrupt_kernel(self) -> None:
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

    return ReportKernelManager


def _last_line(log: Path) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines() if log.exists() else []
    return lines[-1].strip() if lines else ""


def published_metrics(notebook: Any) -> dict[str, Any]:
    """The metrics dict a report notebook published in its cell tagged ``metrics``."""
    for cell in notebook.cells:
        if METRICS_TAG in cell.get("metadata", {}).get("tags", ()):
            for output in cell.get("outputs", ()):
                data = output.get("data", {})
                if METRICS_MIME in data:
                    return dict(data[METRICS_MIME])
    raise ReportError("the notebook published no metrics (its cell tagged 'metrics' is missing or empty)")


def to_html(notebook: Any, title: str) -> str:
    """One self-contained page: code, prompts, warnings and hidden cells removed; charts inline."""
    import copy

    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = copy.deepcopy(notebook)
    nb.metadata["title"] = title
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            # stderr (warnings, progress) belongs to the audit notebook, not to a reader's page
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("name") != "stderr"]
    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={REMOVE_TAG}), enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    return body


def _source_for_kernel(source: str) -> str:
    """A local workbook as an absolute path (the kernel runs in notebooks/); a Sheet URL as it is."""
    path = Path(source).expanduser()
    if "://" not in source and path.suffix.lower() in (".xlsx", ".xlsm"):
        if not path.exists():
            raise SourceError(
                f"{source}: no such file (run `advocacy-kit demo` or set `source` in the config)"
            )
        return str(path.resolve())
    return source


def render_report(
    report: str,
    *,
    source: str,
    as_of: dt.date,
    out_dir: str | Path,
    period: str | None = None,
    segment: str | None = None,
    progress: bool = False,
    notebooks_dir: Path | None = None,
) -> RenderedReport:
    """Execute one report's notebook and write its HTML and executed notebook into ``out_dir``.

    ``period`` defaults to the calendar quarter of ``as_of`` (the notebook decides). Returns the paths
    written and the metrics the report shows. Raises ReportError when a cell fails; nothing is replaced then.
    """
    import nbformat

    spec = REPORTS[report_names(report)[0]]
    notebook = (notebooks_dir or NOTEBOOKS_DIR) / spec.notebook
    if not notebook.exists():
        raise ReportError(f"{notebook}: the report's notebook is missing")
    out = writable_folder(out_dir, named_by="the reports folder")
    parameters = {
        "source": _source_for_kernel(source),
        "period": period or "",
        "segment": segment or "",
        "as_of": as_of.isoformat(),
    }
    with tempfile.TemporaryDirectory(prefix="advocacy-report-") as scratch:
        executed_path = Path(scratch) / spec.notebook
        executed = execute_notebook(notebook, executed_path, parameters, progress=progress)
        figures = published_metrics(executed)
        label = str(figures["period"]["label"])
        html_text = to_html(executed, f"{spec.title} — {label}")
        stem = f"{spec.name.replace('-', '_')}_{_file_label(label)}"
        html_path, notebook_path = out / f"{stem}.html", out / f"{stem}.ipynb"
        write_atomically(notebook_path, nbformat.writes(executed))
        write_atomically(html_path, html_text)
    return RenderedReport(spec.name, label, html_path, notebook_path, figures)


def render_reports(
    reports: Sequence[str],
    *,
    source: str,
    as_of: dt.date,
    out_dir: str | Path,
    period: str | None = None,
    segment: str | None = None,
    progress: bool = False,
    jobs: int = 2,
) -> list[RenderedReport]:
    """``render_report`` for each report, ``jobs`` kernels at a time (each kernel is its own process).

    Every report that succeeds is written; if any failed, the first failure is raised after the others end.
    """
    from concurrent.futures import ThreadPoolExecutor

    def one(name: str) -> RenderedReport:
        return render_report(
            name,
            source=source,
            as_of=as_of,
            out_dir=out_dir,
            period=period,
            segment=segment,
            progress=progress,
        )

    if len(reports) <= 1:
        return [one(name) for name in reports]
    # Compute the figures once: both reports then show the same figures, and a big workbook or a Google Sheet
    # is read (and billed) once. The kernels start at once and wait for the figures (see run_metrics), so
    # reading and computing overlap their start-up; they never load the program itself.
    from kit.store import open_store
    from kit.store.cache import copies_kept_afterwards

    kernel_source = _source_for_kernel(source)
    with tempfile.TemporaryDirectory(prefix="advocacy-run-") as scratch:
        figures = Path(scratch) / FIGURES_FILE
        previous = os.environ.get(RUN_ENV)
        os.environ[RUN_ENV] = scratch  # kernels inherit the environment when they start
        try:
            with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="report") as pool:
                futures = [pool.submit(one, name) for name in reports]
                # The read cache's copy of the workbook is written once the figures are out, not before.
                with copies_kept_afterwards():
                    try:
                        program = open_store(kernel_source).read()
                    except BaseException:
                        # The kernels then read the source themselves and fail with the same error in a cell.
                        _unreadable(figures).touch()
                        raise
                    _write_figures(figures, program, kernel_source, period, segment, as_of)
                errors = [f.exception() for f in futures]
        finally:
            if previous is None:
                os.environ.pop(RUN_ENV, None)
            else:
                os.environ[RUN_ENV] = previous
    failed = next((e for e in errors if e is not None), None)
    if failed is not None:
        raise failed
    return [f.result() for f in futures]


def _write_figures(
    file: Path, program: Program, source: str, period: str | None, segment: str | None, as_of: dt.date
) -> None:
    """Compute the run's figures once, for every report (``run_metrics``), while their kernels start.

    If they cannot be computed (an unreadable period, say), the marker says so and each kernel computes
    them itself, failing in a cell with the error as a report always has.
    """
    import pickle

    try:
        m = measure(program, period=period or None, segment=segment or None, as_of=as_of)
        key = _figures_key(source, period, segment, as_of)
        write_atomically(file, pickle.dumps((key, m), protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:
        _unreadable(file).touch()


def _figures_key(source: str, period: str | None, segment: str | None, as_of: dt.date) -> tuple[Any, ...]:
    """What a run's figures were computed for: a kernel uses them only when it asks for the same."""
    return (source, period or None, segment or None, as_of)


def run_metrics(source: str, *, period: str | None, segment: str | None, as_of: dt.date) -> ProgramMetrics:
    """``kit.metrics.measure(open_store(source).read(), ...)``: what a report notebook shows.

    In a ``render_reports`` run, the figures the run computed once for all its reports, when they are for
    the same source and arguments; otherwise (an interactive session, other arguments, a failed run) the
    program is read and the figures computed here.
    """
    import pickle

    run = os.environ.get(RUN_ENV)
    if run:
        file = Path(run) / FIGURES_FILE
        if _wait_for(file):
            try:
                with file.open("rb") as handle:
                    key, m = pickle.load(handle)  # our own file, written by this run's render_reports
            except Exception:
                key = None
            if key == _figures_key(source, period, segment, as_of):
                return m
    from kit.store import open_store

    program = open_store(source).read()
    return measure(program, period=period or None, segment=segment or None, as_of=as_of)


def _wait_for(file: Path) -> bool:
    """Wait while ``render_reports`` (this kernel's parent) is writing ``file``; True once it is there.

    False when the run said it could not write it, has gone (killed), or is not a run at all.
    """
    parent = os.getppid()
    while file.parent.is_dir() and not (file.exists() or _unreadable(file).exists()):
        if os.getppid() != parent:
            return False
        time.sleep(FIGURES_POLL_SECONDS)
    return file.exists()


def _unreadable(file: Path) -> Path:
    """The marker telling the kernels that the run could not read the source or compute the figures."""
    return file.with_name(file.name + ".unreadable")


# ------------------------------------------------------------------------------------------------------------
# Presentation, for the report notebooks. Everything that comes from the sheet goes through html.escape.


def esc(value: Any) -> str:
    """Any value as HTML-escaped text ('' for missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.date().isoformat()
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    return html.escape(str(value), quote=True)


def publish(figures: Mapping[str, Any]) -> None:
    """Show the metrics dict as the notebook's machine-readable output (the cell tagged 'metrics')."""
    from IPython.display import display

    display(
        {METRICS_MIME: dict(figures), "text/plain": f"metrics for {figures['period']['label']}"}, raw=True
    )


def show(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def title_block(title: str, m: ProgramMetrics) -> str:
    """The report's title, period, 'data as of', scope, and the notices a reader must see first."""
    source = Path(m.source).name if m.source and "://" not in m.source else (m.source or "")
    parts = [
        f'<header class="report-title"><h1>{esc(title)}</h1>',
        f'<p class="subtitle">Period <strong>{esc(m.period.label)}</strong> '
        f"({m.period.start:%-d %b %Y} – {m.period.end:%-d %b %Y}) · data as of "
        f"<strong>{m.as_of:%-d %b %Y}</strong> · {esc(m.segment.label)}"
        + (f" · {esc(source)}" if source else "")
        + f" · compared with {esc(compared_with(m))}</p></header>",
    ]
    if not m.has_data:
        parts.append(
            '<p class="notice no-data">No data yet: the program\'s workbook has no advocates, requests, '
            "activities or opportunities. Fill in the tabs and run the report again.</p>"
        )
    elif not m.period_has_data:
        parts.append(
            f'<p class="notice no-data">No data for {esc(m.period.label)}: nothing in the workbook is dated '
            "in this period.</p>"
        )
    parts.append(data_quality_note(m))
    return "\n".join(parts)


def data_quality_note(m: ProgramMetrics) -> str:
    dq = m.data_quality
    cls = "notice data-quality" + (" warn" if dq.needs_attention else "")
    return f'<p class="{cls}"><strong>Data quality.</strong> {esc(dq.note)}</p>'


def headline_cards(m: ProgramMetrics, keys: Iterable[str] | None = None) -> str:
    """Headline figures as cards: value, label, change from last period (data-key for tests and e-mail)."""
    wanted = list(keys) if keys is not None else [h.key for h in m.headline]
    by_key = {h.key: h for h in m.headline}
    previous = m.previous_period.label
    if m.previous_until < m.previous_period.end:  # the period is running: the same days of the previous one
        previous += f" to {m.previous_until:%-d %b}"
    cards = []
    for key in wanted:
        h = by_key[key]
        trend = {True: "better", False: "worse", None: "flat"}[h.improved]  # green when it is good news
        cards.append(
            f'<div class="card" data-key="{esc(h.key)}"><div class="value">{esc(format_value(h.value, h.unit))}</div>'
            f'<div class="label">{esc(h.label)}</div>'
            f'<div class="change {trend}">{esc(format_change(h.change, h.unit))} vs '
            f"{esc(format_value(h.previous, h.unit))} in {esc(previous)}</div></div>"
        )
    return f'<section class="cards">{"".join(cards)}</section>'


def heading(text: str, level: int = 2) -> str:
    return f"<h{level}>{esc(text)}</h{level}>"


def paragraph(text: str, cls: str = "") -> str:
    return f'<p class="{esc(cls)}">{esc(text)}</p>' if cls else f"<p>{esc(text)}</p>"


def bullet_list(items: Sequence[str], empty: str = "") -> str:
    if not items:
        return paragraph(empty, "empty") if empty else ""
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def _cell(value: Any, unit: str | None) -> str:
    if unit and not (value is None or (isinstance(value, float) and math.isnan(value))):
        return esc(format_value(float(value), unit))
    if isinstance(value, float) and not math.isnan(value) and value.is_integer():
        return esc(f"{value:,.0f}")
    return esc(value)


def table(
    frame: pd.DataFrame | Sequence[Mapping[str, Any]],
    columns: Mapping[str, str],
    *,
    units: Mapping[str, str] | None = None,
    empty: str = "Nothing to show.",
    cls: str = "",
) -> str:
    """An HTML table of ``columns`` (name → header) with values formatted by ``units`` and escaped."""
    rows = frame.to_dict("records") if isinstance(frame, pd.DataFrame) else list(frame)
    if not rows:
        return paragraph(empty, "empty")
    units = units or {}
    head = "".join(f"<th>{esc(label)}</th>" for label in columns.values())
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(row.get(c), units.get(c))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return f'<table class="{esc(cls)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# Charts: static PNGs through the inline backend, each with a title and a one-line takeaway below it.

_BLUE, _GREY, _ORANGE = "#2b6cb0", "#a0aec0", "#dd6b20"


def _axes(title: str, width: float = 7.5, height: float = 3.2):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=100)
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    return plt, fig, ax


def _finish(plt: Any, fig: Any, takeaway: str) -> None:
    fig.tight_layout()
    plt.show()
    plt.close(fig)
    show(paragraph(takeaway, "takeaway"))


def _no_chart(title: str, empty: str) -> None:
    show(heading(title, 4) + paragraph(empty, "empty"))


def bar_chart(
    labels: Sequence[Any],
    values: Sequence[float],
    *,
    title: str,
    takeaway: str,
    unit: str = COUNT,
    target: Sequence[float | None] | None = None,
    empty: str = "No data to chart for this period.",
) -> None:
    """Horizontal bars (biggest on top), values written at the bar ends; optional target ticks."""
    pairs = [
        (str(lbl), float(v))
        for lbl, v in zip(labels, values, strict=True)
        if v is not None and not pd.isna(v)
    ]
    if not pairs or not any(v for _, v in pairs):
        _no_chart(title, empty)
        return
    plt, fig, ax = _axes(title, height=max(1.6, 0.38 * len(pairs) + 0.9))
    names = [p[0] for p in pairs][::-1]
    numbers = [p[1] for p in pairs][::-1]
    scale = 100 if unit == SHARE else 1
    ax.barh(names, [n * scale for n in numbers], color=_BLUE)
    if target is not None:
        marks = [t for t in target][: len(pairs)][::-1]
        for i, t in enumerate(marks):
            if t is not None and not pd.isna(t):
                ax.plot([t * scale] * 2, [i - 0.4, i + 0.4], color=_ORANGE, linewidth=3)
    for i, n in enumerate(numbers):
        ax.text(n * scale, i, " " + format_value(n, unit), va="center", fontsize=9)
    ax.set_xlabel("%" if unit == SHARE else "")
    ax.margins(x=0.15)
    _finish(plt, fig, takeaway)


def column_chart(
    labels: Sequence[Any],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    takeaway: str,
    unit: str = COUNT,
    empty: str = "No data to chart yet.",
) -> None:
    """Vertical grouped columns, one group per label (periods, or with/without), one colour per series."""
    if not labels or not any(v for vals in series.values() for v in vals if v is not None and not pd.isna(v)):
        _no_chart(title, empty)
        return
    plt, fig, ax = _axes(title)
    count = len(series)
    width = 0.8 / count
    scale = 100 if unit == SHARE else 1
    colours = [_BLUE, _ORANGE, _GREY, "#38a169"]
    for k, (name, values) in enumerate(series.items()):
        xs = [i + (k - (count - 1) / 2) * width for i in range(len(labels))]
        ys = [0 if v is None or pd.isna(v) else float(v) * scale for v in values]
        ax.bar(xs, ys, width=width, label=name, color=colours[k % len(colours)])
        for x, v in zip(xs, values, strict=True):
            if v is not None and not pd.isna(v):
                ax.text(
                    x, float(v) * scale, format_value(float(v), unit), ha="center", va="bottom", fontsize=8
                )
    ax.set_xticks(range(len(labels)), [str(lbl) for lbl in labels])
    if count > 1:
        ax.legend(frameon=False, fontsize=9)
    if unit == MONEY:
        ax.yaxis.set_major_formatter(lambda v, _: format_value(v, MONEY))
    ax.margins(y=0.15)
    _finish(plt, fig, takeaway)


def histogram(
    values: Sequence[float],
    *,
    title: str,
    takeaway: str,
    xlabel: str,
    marker: float | None = None,
    empty: str = "",
) -> None:
    """A distribution (e.g. uses per advocate this quarter), with an optional marker line (the cap)."""
    values = [float(v) for v in values if v is not None and not pd.isna(v)]
    if not values or not any(values):
        _no_chart(title, empty or "No data to chart yet.")
        return
    plt, fig, ax = _axes(title)
    top = int(max(values))
    ax.hist(values, bins=range(0, top + 2), color=_BLUE, edgecolor="white", align="left")
    if marker is not None:
        ax.axvline(marker + 0.5, color=_ORANGE, linewidth=2, label="cap")
        ax.legend(frameon=False, fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("advocates")
    _finish(plt, fig, takeaway)


# Report sections built from several figures.

_GOAL_COLUMNS = {
    "goal_id": "Goal",
    "metric": "Metric",
    "segment": "Segment",
    "period": "Period",
    "target": "Target",
    "actual": "Actual",
    "attainment": "Attained",
    "expected": "Expected by now",
    "status": "Status",
}


def goals_table(m: ProgramMetrics) -> str:
    """The goals of the period with actual, target (in the metric's unit), attainment and status."""
    from kit.metrics import HEADLINE, GoalStatus

    if m.goals.empty:
        return paragraph(f"No goal in the Goals tab covers {m.period.label}.", "empty")
    rows = []
    for goal in m.goals.to_dict("records"):
        unit = HEADLINE.get(goal["metric"], ("", COUNT))[1]
        state = GoalStatus(goal["status"])
        status = state.value + (f" ({goal['note']})" if goal["note"] else "")
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{esc(v)}</td>"
                for v in (
                    goal["goal_id"],
                    goal["metric"],
                    goal["segment"] or "whole program",
                    goal["period"],
                    format_value(goal["target"], unit) if goal["target"] is not None else "",
                    format_value(goal["actual"], unit),
                    format_value(goal["attainment"], SHARE),
                    format_value(goal["expected"], unit),
                )
            )
            + f'<td class="status-{esc(state.value.replace(" ", "-"))}">{esc(status)}</td></tr>'
        )
    head = "".join(f"<th>{esc(h)}</th>" for h in _GOAL_COLUMNS.values())
    return f'<table class="goals"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def stories(m: ProgramMetrics) -> str:
    """The success stories as sentences, each followed by the advocates who helped (names only)."""
    if not m.success_stories:
        return paragraph(f"No won deal with an advocate's help closed in {m.period.label} yet.", "empty")
    parts = []
    for story in m.success_stories:
        helpers = ", ".join(story.advocates_used)
        parts.append(
            f'<p class="story">{esc(story.sentence)}'
            + (f"<br><small>Advocates: {esc(helpers)}</small>" if helpers else "")
            + "</p>"
        )
    return "\n".join(parts)


def impact_sentences(m: ProgramMetrics) -> list[str]:
    """Program impact in words: win rates with and without advocates, deal size, sales cycle."""
    i = m.impact
    w, wo = i.with_advocates, i.without_advocates
    if not i.closed:
        return []
    lines = [
        f"{i.influenced} of the {i.closed} opportunities closed in {m.period.label} used an advocate "
        f"({format_value(i.influenced_share, SHARE)}); the won ones brought {format_value(i.revenue_influenced, MONEY)}."
    ]
    if w.win_rate is not None and wo.win_rate is not None:
        more = i.win_rate_lift
        compare = f"{more:.0%} more often" if more is not None and more > 0 else "no more often"
        lines.append(
            f"Opportunities that used an advocate won {compare} than the others "
            f"({format_value(w.win_rate, SHARE)} vs {format_value(wo.win_rate, SHARE)})."
        )
    if w.average_deal_size is not None and wo.average_deal_size is not None:
        lines.append(
            f"Average won deal: {format_value(w.average_deal_size, MONEY)} with an advocate, "
            f"{format_value(wo.average_deal_size, MONEY)} without."
        )
    if w.median_sales_cycle_days is not None and wo.median_sales_cycle_days is not None:
        lines.append(
            f"Median sales cycle: {w.median_sales_cycle_days:.0f} days with an advocate, "
            f"{wo.median_sales_cycle_days:.0f} days without."
        )
    return lines


def new_advocate_lines(m: ProgramMetrics) -> list[str]:
    """'12 new Insurance advocates using Product A (40 in all)', one line per strategic segment."""
    lines = []
    for row in m.coverage.to_dict("records"):
        count = int(row["new_advocates"])
        phrase = row["phrase"] if count != 1 else row["phrase"].replace("advocates", "advocate", 1)
        lines.append(f"{count} new {phrase} ({int(row['active_advocates'])} active in all)")
    return lines


def asks(m: ProgramMetrics) -> list[str]:
    """What the executives can do: the biggest coverage gaps, the teams not using the program."""
    from kit.metrics import under_covered

    lines = [
        f"Help us recruit {int(row['gap'])} more {row['phrase']} (we have {int(row['active_advocates'])}, "
        f"the goal is {int(row['target'])})."
        for row in under_covered(m.coverage).head(3).to_dict("records")
    ]
    idle = m.service.teams_without_requests
    if m.has_data and idle:
        lines.append(f"Encourage these teams to use customer references: {', '.join(idle)} made no request.")
    return lines


def draft(m: ProgramMetrics) -> str:
    from kit.metrics import draft_message

    return f'<div class="draft">{esc(draft_message(m))}</div>'


def data_health(m: ProgramMetrics) -> str:
    """The data-quality note; the rows each figure left out, per unusable cell and why; then the cells
    ignored without leaving anything out (the goal-tracking report's detail, not the executive's)."""
    dq = m.data_quality
    parts = [data_quality_note(m)]
    parts.append(
        table(
            dq.excluded,
            {
                "why": "Left out",
                "tab": "Tab",
                "column": "Column",
                "rows": "Sheet rows",
                "example": "Example",
            },
            empty="No figure leaves a row out.",
        )
    )
    ignored = dq.ignored
    if len(ignored):
        parts.append(paragraph("Cells ignored (read as blank); no figure needs them, so no row is left out:"))
        parts.append(
            table(
                ignored,
                {
                    "tab": "Tab",
                    "column": "Column",
                    "cells": "Cells",
                    "rows": "Sheet rows",
                    "example": "Example",
                },
            )
        )
    work = dq.health
    if work is not None:
        parts.append(
            table(
                work.scores,
                {
                    "tab": "Tab",
                    "rows": "Rows",
                    "rows_with_errors": "Rows with errors",
                    "rows_with_warnings": "Rows with warnings",
                    "share_without_errors": "Rows without errors",
                },
                units={"share_without_errors": SHARE},
            )
        )
        parts.append(
            paragraph(
                f"Work-list: {work.profiles_to_reverify} profile(s) to re-verify, "
                f"{work.advocates_resting} advocate(s) resting at their cap, "
                f"{work.nominations_waiting} nomination(s) waiting for a decision "
                "(`advocacy-kit health` lists them)."
            )
        )
    return "\n".join(p for p in parts if p)
