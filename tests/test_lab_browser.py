"""What a person sees: JupyterLab opens the advocate finder, runs it, and the widgets are on the page.

A real JupyterLab server on loopback (with a token, on a free port, in a subprocess) and Debian's headless
Chromium driven by playwright (never a downloaded browser). The notebook is a copy in tmp_path, so Lab's
autosave cannot write outputs into the repository's notebook; the program is a copy of the demo workbook,
reached through ADVOCACY_KIT_SOURCE as `make lab` does it.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kit import schema

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 90
RENDER_TIMEOUT_MS = 150_000  # kernel start + imports + reading the workbook, on a busy 2-core machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def lab(tmp_path: Path, demo_workbook: Path) -> Iterator[str]:
    """A JupyterLab serving a copy of advocate_finder.ipynb; yields the notebook's URL (with the token)."""
    work = tmp_path / "lab"
    work.mkdir()
    shutil.copyfile(ROOT / "notebooks" / "advocate_finder.ipynb", work / "advocate_finder.ipynb")
    program = tmp_path / "advocacy_program.xlsx"
    shutil.copyfile(demo_workbook, program)
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "ADVOCACY_KIT_SOURCE": str(program),
        # Lab's settings, workspaces and runtime files go to tmp_path, not the user's home.
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    log = tmp_path / "lab.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={work}",
                "--LabApp.news_url=None",  # no fetching from the internet
                "--LabApp.extension_manager=readonly",
                *(["--allow-root"] if os.geteuid() == 0 else []),  # CI containers run as root
            ],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so its kernels stop with it
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/api/status?token={token}", server, log)
        yield f"http://127.0.0.1:{port}/lab/tree/advocate_finder.ipynb?token={token}"
    finally:
        stop(server)


def stop(server: subprocess.Popen) -> None:
    """Stop the server and its kernels (its own process group), politely first."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def run_all_cells(page) -> None:
    """Run › Run All Cells, retried until a cell shows it ran (Lab may not have focused the notebook yet)."""
    from playwright.sync_api import expect

    started = page.locator(".jp-InputPrompt", has_text=re.compile(r"\[(\*|\d+)\]"))
    for _ in range(3):
        # Lab settles for a moment after the kernel first reports idle; a click on the menu bar then can
        # meet a modal dialog that takes the clicks (seen in about a third of runs without this pause).
        page.wait_for_timeout(3_000)
        expect(page.locator(".jp-Dialog")).to_have_count(0, timeout=60_000)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        item = page.locator(".lm-Menu-item:not(.lm-mod-disabled)", has_text="Run All Cells").first
        item.wait_for(state="visible", timeout=30_000)
        item.click()
        try:
            expect(started).not_to_have_count(0, timeout=30_000)
            return
        except AssertionError:
            page.keyboard.press("Escape")
    pytest.fail("JupyterLab did not start running the notebook's cells after three tries")


def test_advocate_finder_renders_its_filters_and_results_in_jupyterlab(chromium, lab, demo_program):
    from playwright.sync_api import expect

    active = int((demo_program.advocates[schema.ADVOCATES.col.status] == "Active").sum())
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.set_default_timeout(60_000)
        page.goto(lab)
        page.locator(".jp-Notebook").first.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
        # Wait until the kernel is connected before asking it to run anything.
        expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(
            1, timeout=RENDER_TIMEOUT_MS
        )
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
