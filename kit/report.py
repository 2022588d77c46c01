"""The two reports: a notebook executed with Papermill, rendered to one self-contained HTML page with nbconvert.

``render_reports`` reads the program once, computes its figures once (``kit.metrics.measure``) and writes them
to a file of the run's own; each report's notebook is then executed in a fresh kernel with that file as its
``figures_file`` parameter (beside ``source``, ``period``, ``segment`` and ``as_of``, kept for the audit), so
no kernel reads the program. A notebook opened by hand leaves ``figures_file`` empty and reads the program
itself. Each report becomes ``<out>/<report>_<period>.html`` (all code hidden, charts as inline images, no
script and nothing fetched from the network), with the executed notebook beside it for audit. Both are
written to temporary files and moved into place only when everything succeeded, so a failing cell leaves the
last good report untouched and raises ``ReportError`` with that cell's error on one line.

The run returns a ``ReportRun``: the reports written, the typed figures they show and the contact details
the e-mail must keep out, all from that one read, so the e-mail never reads the program again.

The second half of this module is presentation for the notebooks: headline cards, tables and charts (drawn
by ``kit.charts``, numbers written by ``kit.formatting``), with every text from the sheet HTML-escaped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import math
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pandas as pd

from kit.errors import KitError, SourceError
from kit.files import write_atomically
from kit.folders import writable_folder
from kit.formatting import COUNT, MONEY, SHARE, format_change, format_value
from kit.metrics import ProgramMetrics, compared_with, measure
from kit.metrics.text import SAMPLE_NOUNS, comparable_sentences, interval_text, with_sample

if TYPE_CHECKING:
    from matplotlib.figure import Figure

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
TEMPLATES_DIR = Path(__file__).resolve().parent / "report_templates"
TEMPLATE_NAME = "report"
KERNEL_NAME = "python3"

# The notebooks' parameter naming the file that holds the run's figures, and that file in the run's folder.
FIGURES_PARAMETER = "figures_file"
FIGURES_FILE = "figures.pickle"
KERNEL_LOG = "kernel-stderr.log"

# Tags on notebook cells: removed from the HTML entirely / holding the published metrics (for the audit).
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
    """What one report wrote, and the figures it shows."""

    report: str
    period: str
    html_path: Path
    notebook_path: Path
    metrics: ProgramMetrics


@dataclass(frozen=True)
class ReportRun:
    """What ``render_reports`` made of its one read of the program: the reports, in the order asked, the
    figures they show, and the advocates' contact details the e-mail must keep out
    (``kit.mail.contacts_from_program``)."""

    reports: tuple[RenderedReport, ...]
    metrics: ProgramMetrics
    contacts: frozenset[str]


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


@contextlib.contextmanager
def started_kernel(notebook: Path, folder: Path, *, progress: bool = False) -> Iterator[Any]:
    """A kernel for ``notebook``, started now and shut down when the block ends; Papermill then runs the
    notebook in it (``execute_notebook(kernel=…)``).

    Starting it before the notebook's parameters are ready lets it boot while the caller reads the program.
    Its sockets and (unless ``progress``) its stderr log go in ``folder``, a folder of this kernel's own.
    """
    from jupyter_core.utils import run_sync
    from traitlets.config import Config

    with contextlib.ExitStack() as stack:
        stderr = None if progress else stack.enter_context((folder / KERNEL_LOG).open("wb"))
        manager = _kernel_manager_class(stderr)(
            kernel_name=KERNEL_NAME,
            # Talk to the kernel over Unix sockets, not loopback TCP: no other user of the machine can
            # listen in, and the kernel no longer warns about plain-text TCP on stderr. The sockets live
            # in ``folder``, so kernels started at the same time never share one.
            config=Config({"KernelManager": {"transport": "ipc", "ip": str(folder / "kernel")}}),
        )
        try:
            # The kernel starts in notebooks/. Not Papermill's ``cwd``: that changes this whole process's
            # working directory, under the feet of the other report's thread.
            run_sync(manager.start_kernel)(
                cwd=str(notebook.parent), extra_arguments=["--HistoryManager.hist_file=:memory:"]
            )
        except (RuntimeError, OSError) as error:
            raise _kernel_error(notebook, folder, error) from None
        try:
            yield manager
        finally:
            for client in manager.clients:
                client.stop_channels()
            if run_sync(manager.is_alive)():
                run_sync(manager.shutdown_kernel)()
            else:
                run_sync(manager.cleanup_resources)()


def execute_notebook(
    notebook: Path,
    output: Path,
    parameters: Mapping[str, Any],
    *,
    progress: bool = False,
    kernel: Any = None,
) -> Any:
    """Run ``notebook`` with Papermill in-process into ``output`` (in a folder of this run's own: the kernel's
    sockets go there too), in ``kernel`` (from ``started_kernel`` on that folder) or a kernel started now;
    a failing cell raises ReportError."""
    import logging

    import papermill
    from papermill.exceptions import PapermillExecutionError

    # Papermill logs each parameter it injects: keep that for a terminal, not for cron. Under cron the
    # kernel's own stderr goes to a log beside ``output``; its last line is quoted if the kernel dies.
    if not progress:
        logging.getLogger("papermill").setLevel(logging.ERROR)
    with contextlib.ExitStack() as stack:
        if kernel is None:
            kernel = stack.enter_context(started_kernel(notebook, output.parent, progress=progress))
        try:
            return papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters=dict(parameters),
                kernel_name=KERNEL_NAME,
                language="python",
                progress_bar=progress,
                log_output=False,
                km=kernel,  # Papermill's client runs the notebook in it and leaves its shutdown to us
            )
        except PapermillExecutionError as error:
            last = str(error.evalue).strip().splitlines()
            message = last[-1] if last else ""
            raise ReportError(
                f"{notebook.name}: cell {error.exec_count or error.cell_index} failed: {error.ename}: {message}"
            ) from None
        except (RuntimeError, OSError) as error:  # the kernel died
            raise _kernel_error(notebook, output.parent, error) from None


def _kernel_error(notebook: Path, folder: Path, error: Exception) -> ReportError:
    """One line, quoting the last thing the kernel wrote on stderr (its log, when quiet)."""
    said = _last_line(folder / KERNEL_LOG)
    return ReportError(
        f"{notebook.name}: could not run the notebook: {error}"
        + (f" (the kernel said: {said})" if said else "")
    )


def _kernel_manager_class(stderr: IO[bytes] | None) -> type:
    """jupyter_client's kernel manager, with the kernel's stderr sent to ``stderr`` (if given), the clients
    it made remembered (so that ``started_kernel`` closes them), and without the interrupt jupyter_client
    sends before shutting a kernel down.

    That SIGINT is meant to stop a busy kernel; a report's kernel is idle by then (every cell has run, or
    one failed), and the signal made it log "KeyboardInterrupt caught" or, now and then, made libzmq abort
    in it ("Assertion failed: pfd.revents & POLLIN") on stderr, into the cron mail. The shutdown request,
    then SIGTERM and SIGKILL after ``shutdown_wait_time``, still follow as before.
    """
    from jupyter_client.manager import AsyncKernelManager

    class ReportKernelManager(AsyncKernelManager):
        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            self.clients: list[Any] = []

        def client(self, **kw: Any) -> Any:
            made = super().client(**kw)
            self.clients.append(made)
            return made

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
    """The metrics dict an executed report notebook published in its cell tagged ``metrics``: what the
    report showed, kept in the audit notebook (the run itself returns the typed figures)."""
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
    """``render_reports`` for one report: its HTML and executed notebook written into ``out_dir``."""
    run = render_reports(
        [report],
        source=source,
        as_of=as_of,
        out_dir=out_dir,
        period=period,
        segment=segment,
        progress=progress,
        notebooks_dir=notebooks_dir,
    )
    return run.reports[0]


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
    notebooks_dir: Path | None = None,
    out_named_by: str = "the reports folder",
) -> ReportRun:
    """Read the program once, compute its figures, and render each report from them, ``jobs`` kernels at a
    time (each kernel is its own process).

    ``period`` defaults to the calendar quarter of ``as_of``. The kernels start while the program is read
    (their start-up is most of a report's time), and run their notebooks once the figures are written. A
    source that cannot be read, or figures that cannot be computed (an unknown period), raise their own
    error and nothing is written; a failing cell raises ReportError and leaves that report's last good
    files in place. Every report that succeeds is written; the first failure is raised after the others end.
    ``out_named_by`` is what chose ``out_dir`` (``--out``, ``reports_dir``), for the error if it is refused.
    """
    from concurrent.futures import ThreadPoolExecutor

    specs = [REPORTS[report_names(name)[0]] for name in reports]
    folder = notebooks_dir or NOTEBOOKS_DIR
    for spec in specs:
        if not (folder / spec.notebook).exists():
            raise ReportError(f"{folder / spec.notebook}: the report's notebook is missing")
    if Path(out_dir).exists():  # refused now if it is a file; a new folder is made once the figures are known
        writable_folder(out_dir, named_by=out_named_by)
    kernel_source = _source_for_kernel(source)
    parameters = {
        "source": kernel_source,
        "period": period or "",
        "segment": segment or "",
        "as_of": as_of.isoformat(),
    }
    with tempfile.TemporaryDirectory(prefix="advocacy-run-") as scratch:
        figures_file = Path(scratch) / FIGURES_FILE
        ready: Future[tuple[ProgramMetrics, Path]] = Future()  # the figures, and the folder the reports go to

        def one(spec: ReportSpec) -> RenderedReport:
            own = Path(scratch) / spec.name
            own.mkdir()
            notebook = folder / spec.notebook
            with started_kernel(notebook, own, progress=progress) as kernel:
                m, out = ready.result()  # waits for the read below; raises its error if it failed
                executed = execute_notebook(
                    notebook,
                    own / spec.notebook,
                    {**parameters, FIGURES_PARAMETER: str(figures_file)},
                    progress=progress,
                    kernel=kernel,
                )
            return _write_report(spec, executed, m, out)

        with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="report") as pool:
            futures = [pool.submit(one, spec) for spec in specs]
            from kit.mail.redact import contacts_from_program
            from kit.store import open_store
            from kit.store.cache import copies_kept_afterwards

            # The read cache's copy of the workbook is written once the figures are out, not before.
            with copies_kept_afterwards():
                try:
                    program = open_store(kernel_source).read()
                    m = measure(program, period=period or None, segment=segment or None, as_of=as_of)
                    out = writable_folder(out_dir, named_by=out_named_by)
                    write_figures(figures_file, m)
                except BaseException as error:
                    ready.set_exception(error)  # the kernels stop without running anything
                    raise
                ready.set_result((m, out))
            contacts = contacts_from_program(program)
            errors = [f.exception() for f in futures]
    failed = next((e for e in errors if e is not None), None)
    if failed is not None:
        raise failed
    return ReportRun(tuple(f.result() for f in futures), m, contacts)


def _write_report(spec: ReportSpec, executed: Any, m: ProgramMetrics, out: Path) -> RenderedReport:
    """The report's page and its executed notebook, each moved into place whole."""
    import nbformat

    label = m.period.label
    html_text = to_html(executed, f"{spec.title} — {label}")
    stem = f"{spec.name.replace('-', '_')}_{_file_label(label)}"
    html_path, notebook_path = out / f"{stem}.html", out / f"{stem}.ipynb"
    write_atomically(notebook_path, nbformat.writes(executed))
    write_atomically(html_path, html_text)
    return RenderedReport(spec.name, label, html_path, notebook_path, m)


def write_figures(file: Path, m: ProgramMetrics) -> None:
    """The figures as the file a report notebook's ``figures_file`` names (read by ``read_figures``)."""
    import pickle

    write_atomically(file, pickle.dumps(m, protocol=pickle.HIGHEST_PROTOCOL), durable=False)


def read_figures(file: str | Path) -> ProgramMetrics:
    """The figures ``write_figures`` wrote, as the typed object they were."""
    import pickle

    with Path(file).open("rb") as handle:
        m = pickle.load(handle)  # our own file, written by this run's render_reports
    if not isinstance(m, ProgramMetrics):
        raise ReportError(f"{file}: not a report run's figures")
    return m


def report_metrics(
    figures_file: str, source: str, *, period: str | None, segment: str | None, as_of: dt.date
) -> ProgramMetrics:
    """What a report notebook shows: the figures its run computed (``figures_file``), or, when a person
    runs the notebook by hand (``figures_file`` empty), ``measure(open_store(source).read(), ...)``."""
    if figures_file:
        return read_figures(figures_file)
    from kit.store import open_store

    program = open_store(source).read()
    return measure(program, period=period or None, segment=segment or None, as_of=as_of)


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
    if m.has_data and m.as_of > m.period.end:
        parts.append(f'<p class="notice statuses">{esc(past_statuses_note(m.period.label))}</p>')
    parts.append(data_quality_note(m))
    return "\n".join(parts)


def past_statuses_note(periods: str) -> str:
    """Why a past period's active advocates may differ from what was true then: no status history."""
    return (
        f"Active advocates of {periods} are counted with today's statuses: the workbook keeps no history of "
        "an advocate's status, so one who has left since is not counted, even for the days they were active."
    )


def is_running(m: ProgramMetrics) -> bool:
    """Whether the report's period is still running on the day the figures are as of (its figures to date)."""
    return m.period.start <= m.as_of < m.period.end


_TREND_SERIES = {
    "requests_fulfilled": "requests fulfilled",
    "activities": "activities",
    "opportunities_influenced": "opportunities influenced",
}
_TREND_TABLE = {
    "period": "Period",
    "active_advocates": "Active",
    "new_advocates": "New",
    "requests_fulfilled": "Fulfilled",
    "within_sla_share": "Within SLA",
    "opportunities_influenced": "Influenced",
    "revenue_influenced": "Revenue influenced",
    "win_rate_lift": "Win-rate lift",
}


def trends(m: ProgramMetrics) -> None:
    """The last periods side by side, chart then table. A period still running is marked 'to date' (lighter,
    hatched columns; its row so labelled), and the takeaway compares it only with the same days of the one
    before, never with whole periods."""
    from kit import charts

    t = m.trends
    title = "Requests fulfilled, activities and opportunities influenced"
    running = is_running(m)
    to_date = [running and i == len(t) - 1 for i in range(len(t))]
    fig = charts.column_chart(
        t["period"].tolist(),
        {name: t[key].tolist() for key, name in _TREND_SERIES.items()},
        title=title,
        to_date=to_date,
    )
    if running:
        h = m.figure("activities")
        takeaway = (
            f"Activities: {format_value(h.value, COUNT)} in {m.period.label} to date, against "
            f"{format_value(h.previous, COUNT)} in {compared_with(m)}; the earlier columns are whole periods."
        )
    else:
        takeaway = (
            f"Activities went from {format_value(t['activities'].iloc[0], COUNT)} in {t['period'].iloc[0]} "
            f"to {format_value(t['activities'].iloc[-1], COUNT)} in {t['period'].iloc[-1]}."
            if len(t)
            else ""
        )
    show_chart(fig, title=title, takeaway=takeaway, empty="No data to chart yet.")
    shown = t.assign(period=[f"{p} (to date)" if d else p for p, d in zip(t["period"], to_date, strict=True)])
    show(
        table(
            shown,
            _TREND_TABLE,
            units={"within_sla_share": SHARE, "revenue_influenced": MONEY, "win_rate_lift": SHARE},
        )
    )
    past = [p for p, d in zip(t["period"], to_date, strict=True) if not d]
    if m.has_data and past:
        periods = past[0] if len(past) == 1 else f"{past[0]} to {past[-1]}"
        show(paragraph(past_statuses_note(periods), "note"))


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
        if h.withheld:  # too few closed deals: the sentence, never the rate in bold (issue 18)
            cards.append(
                f'<div class="card" data-key="{esc(h.key)}"><div class="withheld">{esc(with_sample(h))}</div>'
                f'<div class="label">{esc(h.label)}</div></div>'
            )
            continue
        trend = {True: "better", False: "worse", None: "flat"}[h.improved]  # green when it is good news
        sample = ""
        if h.n is not None and h.value is not None:
            bounds = interval_text(h.interval, h.unit, lift=h.key == "win_rate_lift")
            noun = SAMPLE_NOUNS.get(h.key, "items")
            sample = f'<div class="sample">{"over" if h.key == "win_rate_lift" else "of"} {h.n} {esc(noun)}'
            sample += f"; {esc(bounds)}</div>" if bounds else "</div>"
        cards.append(
            f'<div class="card" data-key="{esc(h.key)}"><div class="value">{esc(format_value(h.value, h.unit))}</div>'
            f'<div class="label">{esc(h.label)}</div>{sample}'
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


# Charts: drawn by kit.charts (the e-mail's come from there too), shown inline as PNGs, each with its title
# and a one-line takeaway below it.


def show_chart(fig: Figure | None, *, title: str, takeaway: str, empty: str) -> None:
    """Show a chart and its takeaway; when there was nothing to draw (``fig`` None), its title and ``empty``."""
    if fig is None:
        show(heading(title, 4) + paragraph(empty, "empty"))
        return
    from IPython.display import display

    display(fig)  # as a PNG, through the inline backend's formatter, as pyplot's show would
    show(paragraph(takeaway, "takeaway"))


def bar_chart(
    labels: Sequence[Any],
    values: Sequence[float | None],
    *,
    title: str,
    takeaway: str,
    unit: str = COUNT,
    target: Sequence[float | None] | None = None,
    empty: str = "No data to chart for this period.",
) -> None:
    """``kit.charts.bar_chart`` shown with its takeaway."""
    from kit import charts

    fig = charts.bar_chart(labels, values, title=title, unit=unit, target=target)
    show_chart(fig, title=title, takeaway=takeaway, empty=empty)


def column_chart(
    labels: Sequence[Any],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    takeaway: str,
    unit: str = COUNT,
    empty: str = "No data to chart yet.",
) -> None:
    """``kit.charts.column_chart`` shown with its takeaway."""
    from kit import charts

    fig = charts.column_chart(labels, series, title=title, unit=unit)
    show_chart(fig, title=title, takeaway=takeaway, empty=empty)


def histogram(
    values: Sequence[float | None],
    *,
    title: str,
    takeaway: str,
    xlabel: str,
    marker: float | None = None,
    empty: str = "No data to chart yet.",
) -> None:
    """``kit.charts.histogram`` shown with its takeaway."""
    from kit import charts

    fig = charts.histogram(values, title=title, xlabel=xlabel, marker=marker)
    show_chart(fig, title=title, takeaway=takeaway, empty=empty)


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
        yet = " yet" if m.period.contains(m.as_of) else ""
        return paragraph(f"No won deal with an advocate's help closed in {m.period.label}{yet}.", "empty")
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
    if not i.enough_deals:
        text = i.too_few_deals
        lines.append(
            f"{text[:1].upper()}{text[1:]}: win rates are compared from {i.min_deals_for_rates} closed deals "
            "on each side (Settings: min_deals_for_rates)."
        )
    elif w.win_rate is not None and wo.win_rate is not None:
        more = i.win_rate_lift
        compare = f"{more:.0%} more often" if more is not None and more > 0 else "no more often"
        bounds = interval_text(i.win_rate_lift_interval, lift=True)
        lines.append(
            f"Opportunities that used an advocate won {compare} than the others "
            f"({format_value(w.win_rate, SHARE)} of {w.closed} vs {format_value(wo.win_rate, SHARE)} of "
            f"{wo.closed}" + (f"; lift {bounds}" if bounds else "") + ")."
        )
        lines += comparable_sentences(i)
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


def win_rate_chart(m: ProgramMetrics) -> None:
    """The win rates with and without advocates, each with its 95% interval as an error bar and its number of
    closed deals under its column; too few deals: no chart, the sentence saying so."""
    from kit import charts

    i = m.impact
    w, wo = i.with_advocates, i.without_advocates
    title = f"Win rate of opportunities closed in {m.period.label} (bars: 95% interval)"
    if not i.closed:
        show_chart(None, title=title, takeaway="", empty=f"No opportunity closed in {m.period.label}.")
        return
    if not i.enough_deals:
        text = i.too_few_deals
        show_chart(None, title=title, takeaway="", empty=f"{text[:1].upper()}{text[1:]}.")
        return
    fig = charts.column_chart(
        [f"with an advocate ({w.closed} deals)", f"without ({wo.closed} deals)"],
        {"win rate": [w.win_rate, wo.win_rate]},
        title=title,
        unit=SHARE,
        intervals={"win rate": [w.win_rate_interval, wo.win_rate_interval]},
    )
    more, bounds = i.win_rate_lift, i.win_rate_lift_interval
    takeaway = (
        f"Opportunities that used an advocate won {more:.0%} more often "
        f"(lift {interval_text(bounds, lift=True) or 'without an interval yet'})"
        + (
            "; that interval includes no difference at all, so this could be chance."
            if bounds and bounds[0] <= 0
            else "."
        )
        if more is not None and more > 0
        else f"No win-rate lift from advocates can be shown for {m.period.label}."
    )
    show_chart(fig, title=title, takeaway=takeaway, empty=f"No opportunity closed in {m.period.label}.")


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
