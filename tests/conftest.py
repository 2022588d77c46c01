"""Shared fixtures: small programs built in the test, and the demo program at its default size."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from kit.program import Grid, Program, grids_from_frames
from kit.store import CREDENTIALS_ENV, ENDPOINT_ENV
from kit.store.local import LocalStore
from tests import factories
from tests.browser import CHROMIUM, launch
from tests.factories import DEMO_AS_OF, Rows, grids_from_rows
from tests.properties import register_profiles
from tests.smtp_server import Server

register_profiles()


@pytest.fixture(scope="session", autouse=True)
def private_read_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The read cache (kit/store/cache.py) in the session's temp folder, not the user's ~/.cache; report
    kernels inherit it through the environment."""
    import os

    folder = tmp_path_factory.mktemp("xdg-cache")
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous


@pytest.fixture
def make_program() -> Callable[..., Program]:
    """make_program(Advocates=[{...}], Requests=[...]) -> Program read from those cells."""
    return factories.program


@pytest.fixture
def make_workbook(tmp_path: Path) -> Callable[..., Path]:
    """make_workbook(Advocates=[{...}], ...) -> path of an .xlsx holding those cells (all tabs present)."""

    def factory(name: str = "program.xlsx", **tabs: Rows) -> Path:
        path = tmp_path / name
        LocalStore(path).write_grids(grids_from_rows(tabs))
        return path

    return factory


@pytest.fixture(scope="session")
def demo_frames() -> dict:
    from kit.demo import build_demo

    return build_demo(300, as_of=DEMO_AS_OF, seed=7)


@pytest.fixture(scope="session")
def demo_workbook(tmp_path_factory: pytest.TempPathFactory, demo_frames: dict) -> Path:
    """The default demo program written to an .xlsx once per test session (treat it as read-only)."""
    path = tmp_path_factory.mktemp("demo") / "advocacy_program.xlsx"
    LocalStore(path).write_grids(grids_from_frames(demo_frames))
    return path


@pytest.fixture(scope="session")
def demo_program(demo_workbook: Path) -> Program:
    return LocalStore(demo_workbook).read()


@pytest.fixture(scope="session")
def demo_reports(demo_workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding both demo reports for 2026-Q4, rendered by `advocacy-kit report all` once per test
    session: the report tests and the browser tests read the same files, so the notebooks run once."""
    from kit.cli import main

    out = tmp_path_factory.mktemp("demo-reports-2026-Q4")
    with pytest.raises(SystemExit) as exit_:
        main(
            ["report", "all", "--source", str(demo_workbook), "--period", "2026-Q4"]
            + ["--as-of", DEMO_AS_OF.isoformat(), "--out", str(out)]
        )
    assert exit_.value.code == 0
    return out


# ----------------------------------------------------------------------------------------------------------
# The store test-suite runs unchanged on every backend: a store_factory makes a fresh program on one.

STORE_BACKENDS = ["local", "gsheets"]


@pytest.fixture(params=STORE_BACKENDS)
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[Mapping[str, Grid]], Any]:
    """store_factory(grids) -> a Store holding a new program made of those grids, on each backend."""
    counter = iter(range(1_000))

    def local(grids: Mapping[str, Grid]):
        store = LocalStore(tmp_path / f"program{next(counter)}.xlsx")
        store.write_grids(grids)
        return store

    def gsheets(grids: Mapping[str, Grid]):
        store = request.getfixturevalue("new_google_sheet")()
        store.write_grids(grids)
        return store

    factories = {"local": local, "gsheets": gsheets}
    return factories[request.param]


@pytest.fixture
def source_of(store_factory, request, monkeypatch):
    """The --source a person would type for a store_factory store (the emulator's environment set)."""

    def source(store) -> str:
        if hasattr(store, "key"):
            emulator = request.getfixturevalue("sheets_emulator")
            monkeypatch.setenv(CREDENTIALS_ENV, str(request.getfixturevalue("service_account_file")))
            monkeypatch.setenv(ENDPOINT_ENV, emulator.url)
            return store.key
        return str(store.path)

    return source


# --- Google Sheets: a local Sheets API emulator, a service account key, a fresh sheet per call ---


@pytest.fixture(scope="session")
def sheets_emulator():
    """The Sheets API emulator on 127.0.0.1 (emulators/sheets), one per session."""
    from emulators.sheets import SheetsEmulator

    with SheetsEmulator() as emulator:
        yield emulator


@pytest.fixture(scope="session")
def service_account_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from emulators.sheets import write_service_account_key

    return write_service_account_key(tmp_path_factory.mktemp("google") / "service-account.json")


@pytest.fixture
def new_google_sheet(sheets_emulator, service_account_file) -> Callable[..., Any]:
    """new_google_sheet(**store_options) -> a GoogleSheetStore on a new, empty spreadsheet in the emulator,
    owned by the test service account (so shared with it)."""
    from emulators.sheets import SERVICE_ACCOUNT_EMAIL
    from kit.store.gsheets import GoogleSheetStore, RetryPolicy

    def factory(**options: Any):
        key = sheets_emulator.create_spreadsheet("Advocacy program", owner=SERVICE_ACCOUNT_EMAIL)
        options.setdefault("retry", RetryPolicy(attempts=4, first_wait=0.01, max_wait=0.05, max_total=5))
        return GoogleSheetStore(
            key, credentials_file=str(service_account_file), endpoint=sheets_emulator.url, **options
        )

    return factory


# ----------------------------------------------------------------------------------------------------------
# Debian's Chromium, driven by Playwright (never a browser Playwright downloads: these machines reach only
# package registries). Module-scoped, so no Playwright event loop outlives the browser tests.


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium browser; the test is skipped, saying why, where Chromium is not installed."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium); `make test` installs it as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    """A real SMTP server on loopback (aiosmtpd) for one test; ``smtp_server.mailbox.received`` is what it
    accepted."""
    running = Server()
    running.start()
    yield running
    running.stop()
