"""A real JupyterLab server for the browser tests: started on loopback (with a token, on a free port, in its
own process group) over a folder in tmp_path, so Lab's autosave never writes outputs into the repository's
notebooks, and stopped with its kernels. The tests drive it with Debian's headless Chromium.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

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


@contextmanager
def jupyterlab(root: Path, state: Path, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """A JupyterLab serving the notebooks in ``root`` (its settings and runtime files under ``state``, not the
    user's home); yields a notebook's URL with the token, to fill in: ``url.format(notebook="x.ipynb")``."""
    port, token = free_port(), secrets.token_hex(16)
    environment = {
        **os.environ,
        **(env or {}),
        "JUPYTER_CONFIG_DIR": str(state / "config"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(state / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
    }
    log = state / "lab.log"
    state.mkdir(parents=True, exist_ok=True)
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
                f"--ServerApp.root_dir={root}",
                "--LabApp.news_url=None",  # no fetching from the internet
                "--LabApp.extension_manager=readonly",
                *(["--allow-root"] if os.geteuid() == 0 else []),  # CI containers run as root
            ],
            cwd=root,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so its kernels stop with it
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/api/status?token={token}", server, log)
        yield f"http://127.0.0.1:{port}/lab/tree/{{notebook}}?token={token}"
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


def open_notebook(browser, url: str, *, width: int = 1400, height: int = 1000):
    """A page showing the notebook at ``url`` with its kernel connected and idle."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(60_000)
    page.goto(url)
    page.locator(".jp-Notebook").first.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    # Wait until the kernel is connected before asking it to run anything.
    expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(
        1, timeout=RENDER_TIMEOUT_MS
    )
    return page


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
