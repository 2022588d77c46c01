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

What a notebook calls to read its figures and show them (cards, tables, charts) is ``kit.report_page``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from kit.errors import KitError, SourceError
from kit.files import write_atomically
from kit.folders import writable_folder
from kit.metrics import ProgramMetrics, measure

if TYPE_CHECKING:
    pass

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
