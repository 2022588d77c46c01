"""`advocacy-kit report`: real Papermill runs of both notebooks, rendered to HTML, checked as a reader sees them.

Each fixture renders once per module and several tests read the result, to keep the suite fast.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from emulators.sheets import SERVICE_ACCOUNT_EMAIL
from kit import schema
from kit.cli import main
from kit.errors import SchemaError
from kit.formatting import format_value
from kit.report import REPORTS, ReportError, read_figures, render_report, render_reports, write_figures
from kit.store.local import LocalStore
from tests.conftest import DEMO_AS_OF, grids_from_rows

pytestmark = pytest.mark.slow

A, X, O = schema.ADVOCATES.col, schema.ACTIVITIES.col, schema.OPPORTUNITIES.col
SCRIPT_NAME = "<script>alert(1)</script>"
CARD = re.compile(r'data-key="(\w+)"[^>]*><div class="value"[^>]*>([^<]*)</div>')


def run_cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    captured = capsys.readouterr()
    return exit_.value.code, captured.out, captured.err


@pytest.fixture(scope="module")
def demo_json(demo_workbook: Path) -> dict:
    """What `advocacy-kit metrics --period 2026-Q4 --json` prints for the demo (run in a subprocess-free way)."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), pytest.raises(SystemExit):
        main(
            ["metrics", "--source", str(demo_workbook), "--period", "2026-Q4"]
            + ["--as-of", DEMO_AS_OF.isoformat(), "--json"]
        )
    return json.loads(buffer.getvalue())


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------
# The demo program


def test_report_all_writes_both_html_reports_named_by_period_with_notebooks_beside(demo_reports):
    names = sorted(p.name for p in demo_reports.iterdir())
    assert names == [
        "executive_update_2026-Q4.html",
        "executive_update_2026-Q4.ipynb",
        "goal_tracking_2026-Q4.html",
        "goal_tracking_2026-Q4.ipynb",
    ]


def test_html_is_self_contained_with_all_code_hidden(demo_reports):
    for page in demo_reports.glob("*.html"):
        text = read(page)
        assert "<script" not in text.lower()
        assert not re.search(r'(src|href)="https?://', text)  # nothing fetched from a CDN
        assert "open_store(" not in text and "import " not in text  # no code cell reached the page
        assert 'src="data:image/png;base64,' in text  # charts are inline images


def test_every_report_shows_title_period_and_data_as_of(demo_reports):
    for page, title in (
        ("goal_tracking_2026-Q4.html", "Goal tracking"),
        ("executive_update_2026-Q4.html", "Executive update"),
    ):
        text = read(demo_reports / page)
        assert f"<h1>{title}</h1>" in text
        assert "Period <strong>2026-Q4</strong>" in text and "data as of <strong>20 Nov 2026</strong>" in text
        # 1 Oct .. 20 Nov is 51 days; the same 51 days of Q3 run from 1 Jul to 20 Aug.
        assert "compared with the same 51 days of 2026-Q3 (to 2026-08-20)" in text
        # each headline card's previous value says so too, in the same words
        assert " in the same 51 days of 2026-Q3 (to 2026-08-20)</div>" in text


def test_executed_notebook_is_kept_for_audit_with_the_parameters_used(demo_reports):
    notebook = nbformat.read(demo_reports / "goal_tracking_2026-Q4.ipynb", as_version=4)
    injected = next(c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'period = "2026-Q4"' in injected.source and 'as_of = "2026-11-20"' in injected.source
    assert all(c.get("execution_count") for c in notebook.cells if c.cell_type == "code")


@pytest.mark.parametrize("page", ["goal_tracking_2026-Q4.html", "executive_update_2026-Q4.html"])
def test_headline_figures_in_the_html_equal_metrics_json(demo_reports, demo_json, page):
    shown = dict(CARD.findall(read(demo_reports / page)))
    assert len(shown) >= 8
    expected = {h["key"]: html.escape(format_value(h["value"], h["unit"])) for h in demo_json["headline"]}
    assert shown == {key: expected[key] for key in shown}


def test_success_stories_in_the_executive_update_are_the_json_sentences(demo_reports, demo_json):
    text = read(demo_reports / "executive_update_2026-Q4.html")
    assert demo_json["success_stories"], "the demo has won deals with references this quarter"
    for story in demo_json["success_stories"]:
        assert html.escape(story["sentence"]) in text


def test_goal_tracking_lists_every_goal_of_the_period(demo_reports, demo_json):
    text = read(demo_reports / "goal_tracking_2026-Q4.html")
    for goal in demo_json["goals"]:
        assert f"<td>{goal['goal_id']}</td>" in text


def test_executive_update_carries_no_advocate_contact_details(demo_reports, demo_program):
    text = read(demo_reports / "executive_update_2026-Q4.html")
    emails = [e for e in demo_program.advocates[A.email].dropna()]
    assert emails and not [e for e in emails if e in text]
    assert "mailto:" not in text and not re.search(r"[\w.+-]+@[\w-]+\.\w+", text)  # no address at all


# ---------------------------------------------------------------------------------------------------------
# Free text and bad rows


@pytest.fixture(scope="module")
def tricky_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An advocate named like a script helps win a deal; one opportunity has an unreadable amount; the
    advocate's company size is a typo."""
    folder = tmp_path_factory.mktemp("tricky")
    advocate = {
        A.advocate_id: "ADV-1", A.name: SCRIPT_NAME, A.email: "eve@customer.example.com", A.company: "Evil Corp",
        A.industry: "Retail", A.region: "EMEA", A.activities: "reference_call", A.status: "Active",
        A.joined_on: "2025-01-01", A.last_verified: "2026-06-01", A.company_size: "Enterprize",
    }  # fmt: skip
    deals = [
        {O.opportunity_id: "OPP-1", O.account: "Acme <b>Retail</b>", O.owner: "Dana Ortiz", O.amount: 120000,
         O.created_on: "2026-09-01", O.close_date: "2026-10-15", O.is_closed: "TRUE", O.is_won: "TRUE"},
        {O.opportunity_id: "OPP-2", O.account: "Bad Amount Inc", O.amount: "TBD", O.created_on: "2026-09-01",
         O.close_date: "2026-10-20", O.is_closed: "TRUE", O.is_won: "TRUE"},
    ]  # fmt: skip
    call = {X.activity_id: "ACT-1", X.advocate_id: "ADV-1", X.activity: "reference_call", X.date: "2026-10-01",
            X.opportunity_id: "OPP-1"}  # fmt: skip
    workbook = folder / "tricky.xlsx"
    LocalStore(workbook).write_grids(
        grids_from_rows({"Advocates": [advocate], "Opportunities": deals, "Activities": [call]})
    )
    render_reports(list(REPORTS), source=str(workbook), period="2026-Q4", as_of=DEMO_AS_OF, out_dir=folder)
    return folder


def test_free_text_from_the_sheet_is_html_escaped(tricky_reports):
    text = read(tricky_reports / "executive_update_2026-Q4.html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # the advocate, named in the success story
    assert "Acme &lt;b&gt;Retail&lt;/b&gt;" in text
    assert "<script" not in text.lower() and "<b>Retail" not in text


def test_workbook_with_validation_errors_still_renders_both_reports_with_a_visible_note(tricky_reports):
    for page in ("goal_tracking_2026-Q4.html", "executive_update_2026-Q4.html"):
        assert 'class="notice data-quality warn"' in read(tricky_reports / page)
    text = read(tricky_reports / "goal_tracking_2026-Q4.html")  # the program manager's: what and where
    assert "1 opportunity without a usable amount is left out of revenue influenced (won)" in text
    assert "1 cell(s) with errors that no figure needs were ignored (read as blank)" in text
    # the executive's: what it means for the figures, in words (OPP-2 is the one row left out)
    text = read(tricky_reports / "executive_update_2026-Q4.html")
    assert "1 row was left out of the figures because of errors the program team is fixing." in text
    cards = dict(CARD.findall(read(tricky_reports / "goal_tracking_2026-Q4.html")))
    assert cards["revenue_influenced"] == "$120K"  # OPP-2 is left out, not counted as $0 or a crash
    assert cards["active_advocates"] == "1"  # the typo in company size costs that cell, not the advocate


def test_only_goal_tracking_lists_the_cells_ignored_without_leaving_a_row_out(tricky_reports):
    listing = "Cells ignored (read as blank)"
    assert listing in read(tricky_reports / "goal_tracking_2026-Q4.html")
    assert listing not in read(tricky_reports / "executive_update_2026-Q4.html")


# ---------------------------------------------------------------------------------------------------------
# Failure


def test_failing_cell_fails_with_its_error_and_keeps_the_last_good_report(demo_workbook, tmp_path):
    from nbformat.v4 import new_code_cell, new_notebook

    notebooks = tmp_path / "notebooks"  # goal tracking, as if a cell of it met data it cannot chart
    notebooks.mkdir()
    parameters = new_code_cell('source = ""\nperiod = ""\nsegment = ""\nas_of = ""\nfigures_file = ""')
    parameters.metadata["tags"] = ["parameters"]
    cell = new_code_cell("raise ValueError('the coverage chart has\\nno segment to draw')")
    nbformat.write(new_notebook(cells=[parameters, cell]), notebooks / REPORTS["goal-tracking"].notebook)
    out = tmp_path / "reports"
    out.mkdir()
    last_good = out / "goal_tracking_2026-Q4.html"
    last_good.write_text("last month's good report", encoding="utf-8")

    with pytest.raises(ReportError) as error:
        render_report(
            "goal-tracking", source=str(demo_workbook), period="2026-Q4", as_of=DEMO_AS_OF, out_dir=out,
            notebooks_dir=notebooks,
        )  # fmt: skip

    message = str(error.value)
    assert "failed: ValueError: no segment to draw" in message and "\n" not in message
    assert last_good.read_text(encoding="utf-8") == "last month's good report"
    assert [p.name for p in out.iterdir()] == [last_good.name]  # no temporary or half-written file left


def test_a_report_on_an_unreadable_workbook_fails_with_the_reason_and_keeps_the_last_good_report(tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    last_good = out / "goal_tracking_2026-Q4.html"
    last_good.write_text("last month's good report", encoding="utf-8")
    broken = tmp_path / "broken.xlsx"
    grids = grids_from_rows({})
    del grids["Requests"]
    LocalStore(broken).write_grids(grids)
    with pytest.raises(SchemaError) as error:
        render_report("goal-tracking", source=str(broken), period="2026-Q4", as_of=DEMO_AS_OF, out_dir=out)
    assert "Requests" in str(error.value) and "\n" not in str(error.value)
    assert [p.name for p in out.iterdir()] == [last_good.name]


def test_unreadable_period_is_one_line_and_exit_code_2(capsys, demo_workbook, tmp_path):
    code, out, err = run_cli(
        capsys, "report", "executive-update", "--source", str(demo_workbook), "--period", "2026-13",
        "--as-of", "2026-11-20", "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 2 and err.count("\n") == 1 and "2026-13" in err and "not a period" in err
    assert list(tmp_path.iterdir()) == []


def test_metrics_command_prints_the_headline_and_goals(capsys, demo_workbook):
    code, out, _ = run_cli(
        capsys, "metrics", "--source", str(demo_workbook), "--period", "2026-Q4", "--as-of", "2026-11-20"
    )
    assert code == 0
    assert "2026-Q4 (2026-10-01 .. 2026-12-31), data as of 2026-11-20" in out and "Goals:" in out


# ---------------------------------------------------------------------------------------------------------
# One read per run


def test_a_report_run_from_cron_writes_nothing_on_stderr(tmp_path):
    # cron mails whatever a job prints: a successful run must be silent, kernel chatter included.
    empty = tmp_path / "empty.xlsx"
    LocalStore(empty).write_grids(grids_from_rows({}))
    result = subprocess.run(
        [sys.executable, "-m", "kit.cli", "report", "executive-update", "--source", str(empty)]
        + ["--period", "2026-Q4", "--as-of", DEMO_AS_OF.isoformat(), "--out", str(tmp_path / "reports")],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert (tmp_path / "reports" / "executive_update_2026-Q4.html").exists()


def test_report_all_on_an_unreadable_workbook_fails_once_with_the_reason_and_writes_nothing(tmp_path):
    # The kernels start while the run reads the workbook; when that read fails they must not wait for it.
    broken = tmp_path / "broken.xlsx"
    grids = grids_from_rows({})
    del grids["Requests"]
    LocalStore(broken).write_grids(grids)
    out = tmp_path / "reports"
    with pytest.raises(SchemaError, match="Requests"):
        render_reports(list(REPORTS), source=str(broken), period="2026-Q4", as_of=DEMO_AS_OF, out_dir=out)
    assert not out.exists() or not list(out.iterdir())
    assert kernels_running() == []  # the kernels started for the run were shut down, not left behind


def kernels_running() -> list[int]:
    """The ids of this process's child processes that are Jupyter kernels."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
        if parent == os.getpid() and b"ipykernel" in command:
            found.append(int(stat.parent.name))
    return found


def test_a_report_notebook_given_the_runs_figures_never_touches_the_source(demo_program, tmp_path):
    from kit.metrics import measure
    from kit.report import NOTEBOOKS_DIR, execute_notebook

    m = measure(demo_program, period="2026-Q4", as_of=DEMO_AS_OF)
    figures = tmp_path / "figures.pickle"
    write_figures(figures, m)
    gone = tmp_path / "moved_away.xlsx"  # reading it would fail the notebook
    run = tmp_path / "run"
    run.mkdir()

    executed = execute_notebook(
        NOTEBOOKS_DIR / REPORTS["executive-update"].notebook,
        run / "executive_update.ipynb",
        {"source": str(gone), "period": "2026-Q4", "segment": "", "as_of": "2026-11-20",
         "figures_file": str(figures)},
    )  # fmt: skip

    shown = "".join(
        o.get("data", {}).get("text/html", "") for c in executed.cells for o in c.get("outputs", [])
    )
    expected = {h.key: html.escape(format_value(h.value, h.unit)) for h in m.headline}
    cards = dict(CARD.findall(shown))
    assert len(cards) == 8 and cards == {key: expected[key] for key in cards}
    assert not gone.exists()


def test_figures_written_for_the_kernels_read_back_as_the_same_typed_figures(demo_program, tmp_path):
    from kit.metrics import measure

    m = measure(demo_program, period="2026-Q4", as_of=DEMO_AS_OF)
    write_figures(tmp_path / "figures.pickle", m)
    again = read_figures(tmp_path / "figures.pickle")
    assert type(again) is type(m) and again.to_dict() == m.to_dict()


def test_a_report_notebook_opened_by_hand_reads_the_program_itself(demo_workbook):
    from kit.metrics import measure
    from kit.report_page import report_metrics

    m = report_metrics("", str(demo_workbook), period="2026-Q4", segment=None, as_of=DEMO_AS_OF)
    expected = measure(LocalStore(demo_workbook).read(), period="2026-Q4", as_of=DEMO_AS_OF)
    assert m.to_dict() == expected.to_dict()


def test_report_all_and_its_emails_read_a_google_sheet_once(
    demo_workbook, sheets_emulator, service_account_file, monkeypatch, capsys, tmp_path
):
    # One read for the figures of both reports and for the contacts the e-mail keeps out: on a Google Sheet
    # a second read is a second round of API calls against the quota.
    from kit.store import CREDENTIALS_ENV, ENDPOINT_ENV

    monkeypatch.setenv(CREDENTIALS_ENV, str(service_account_file))  # the kernels inherit it too
    monkeypatch.setenv(ENDPOINT_ENV, sheets_emulator.url)
    key = sheets_emulator.create_spreadsheet("Advocacy program", owner=SERVICE_ACCOUNT_EMAIL)
    assert run_cli(capsys, "push", "--from", str(demo_workbook), "--to", key)[0] == 0
    sheets_emulator.reset_counts()

    code, out, err = run_cli(
        capsys, "report", "all", "--source", key, "--period", "2026-Q4", "--as-of", "2026-11-20",
        "--out", str(tmp_path), "--dry-run",
    )  # fmt: skip

    assert code == 0, err
    assert out.count("dry run: nothing was sent") == 2
    calls = {k: v for k, v in sheets_emulator.calls.items() if k != "oauth.token"}
    assert calls == {"spreadsheets.get": 1, "values.batchGet": 1}  # the tab names, then every tab at once


def test_render_reports_returns_the_typed_figures_and_the_contacts_from_its_one_read(demo_workbook, tmp_path):
    from kit.mail import contacts_from_program
    from kit.metrics import ProgramMetrics

    run = render_reports(
        ["executive-update"], source=str(demo_workbook), period="2026-Q4", as_of=DEMO_AS_OF, out_dir=tmp_path
    )

    assert isinstance(run.metrics, ProgramMetrics) and run.metrics.period.label == "2026-Q4"
    assert [r.metrics for r in run.reports] == [run.metrics]  # the same object: computed once
    assert run.contacts == contacts_from_program(LocalStore(demo_workbook).read())


def test_rendering_never_moves_the_process_out_of_its_working_directory(tmp_path, monkeypatch):
    # `report all` renders two reports in two threads of one process, and `make demo` passes relative
    # paths (--out reports): if one thread moved the process into notebooks/ while its kernel runs (as
    # Papermill's cwd= does), the other would write its report there, or fail.
    monkeypatch.chdir(tmp_path)
    empty = tmp_path / "empty.xlsx"
    LocalStore(empty).write_grids(grids_from_rows({}))
    seen, done = set(), threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.add(os.getcwd())
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        render_report(
            "executive-update", source="empty.xlsx", period="2026-Q4", as_of=DEMO_AS_OF, out_dir="out"
        )
    finally:
        done.set()
        watcher.join()
    assert seen == {str(tmp_path)}
    assert (tmp_path / "out" / "executive_update_2026-Q4.html").exists()


def test_a_kernel_that_dies_under_cron_is_one_error_quoting_what_it_said(tmp_path):
    # Quiet runs keep the kernel's stderr out of the cron mail, but not out of the error when it dies.
    from nbformat.v4 import new_code_cell, new_notebook

    from kit.report import execute_notebook

    notebook = tmp_path / "dies.ipynb"
    cell = "import os\nos.write(2, b'MemoryError: the kernel ran out of memory\\n')\nos._exit(1)"
    nbformat.write(new_notebook(cells=[new_code_cell(cell)]), notebook)
    run = tmp_path / "run"
    run.mkdir()
    with pytest.raises(ReportError) as error:
        execute_notebook(notebook, run / "dies.ipynb", {}, progress=False)
    message = str(error.value)
    assert message.startswith("dies.ipynb: could not run the notebook")
    assert "(the kernel said: MemoryError: the kernel ran out of memory)" in message


def test_rendering_into_a_folder_that_is_a_file_is_one_line_and_leaves_the_file(tmp_path):
    from kit.errors import ConfigError

    occupied = tmp_path / "reports"
    occupied.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        render_report("goal-tracking", source="unused.xlsx", as_of=DEMO_AS_OF, out_dir=occupied)
    assert str(error.value) == (
        f"the reports folder {occupied}: not a folder the kit can write to ({occupied} is a file)"
    )
    assert occupied.read_text(encoding="utf-8") == "not a folder"


def test_a_headline_card_is_green_when_the_change_is_good_news_and_red_when_not(demo_program):
    import dataclasses

    from kit.metrics import Headline, measure
    from kit.report_page import headline_cards

    m = measure(demo_program, period="2026-Q4", as_of=DEMO_AS_OF)
    m = dataclasses.replace(
        m,
        headline=(
            Headline("median_days_to_fulfil", "Median days to fulfil", 4.0, 6.0, -2.0, "days"),  # faster
            Headline("active_advocates", "Active advocates", 10, 12, -2, "count"),  # fewer
            Headline("requests_received", "Requests received", 5, 5, 0, "count"),
        ),
    )

    cards = dict(re.findall(r'data-key="(\w+)".*?<div class="change (\w+)"', headline_cards(m)))

    assert cards == {
        "median_days_to_fulfil": "better",
        "active_advocates": "worse",
        "requests_received": "flat",
    }
