"""Building a report's e-mail at 50,000 advocates, and the contact check that guards it.

Every e-mail is checked, attachment included, against every advocate's and nominee's address before it
is sent. Baseline: the obvious check, one substring search of each part per address, measured in the same
run on the same message. Also shown: the whole ``build_message`` (summary, charts, CSS inlining, check)
and the sizes that matter to mail clients.

Run: ``python -m benchmarks.bench_mail`` or ``make bench``. ``--write-docs`` writes the table into
docs/performance.md, as ``make bench-docs`` does (``--page COPY.md`` to try it on a copy).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import record
from benchmarks.record import Table

AS_OF = dt.date(2026, 11, 20)
ADVOCATES = 50_000


def _median(fn, repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _baseline(message, contacts) -> list[str]:
    """One substring search per contact in every text part: what the check would be without thought."""
    leaks = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() not in ("text", "application"):
            continue
        text = (part.get_payload(decode=True) or b"").decode("utf-8", "replace").lower()
        if any(c in text for c in contacts):
            leaks.append(part.get_filename() or part.get_content_type())
    return leaks


def main() -> Table:
    from kit.demo import build_demo
    from kit.mail import build_message, contacts_from_program, find_contacts
    from kit.metrics import measure
    from kit.program import grids_from_frames, program_from_grids

    start = time.perf_counter()
    program = program_from_grids(grids_from_frames(build_demo(ADVOCATES, as_of=AS_OF)), source="bench")
    figures = measure(program, period="2026-Q4", as_of=AS_OF)
    print(f"demo program of {ADVOCATES:,} advocates and its metrics: {time.perf_counter() - start:.1f} s")

    contacts_seconds, contacts = _median(lambda: contacts_from_program(program))

    with tempfile.TemporaryDirectory() as folder:
        # an attachment shaped like a rendered report: ~300 KB, most of it base64 chart images
        report = Path(folder) / "executive_update_2026-Q4.html"
        image = base64.b64encode(os.urandom(200_000)).decode()
        report.write_text(
            f'<html><body><h1>Executive update</h1><img src="data:image/png;base64,{image}">'
            + "<p>Dana Ortiz closed $3.8M at Acme Insurance this quarter.</p>" * 1_000
            + "</body></html>"
        )

        def build(kind: str):
            return build_message(
                figures, report=kind, report_path=report, sender="kit@example.com",
                recipients=["cxo@example.com"], contacts=contacts,
            )  # fmt: skip

        build_seconds, message = _median(lambda: build("executive-update"))
        # the program manager's e-mail is the larger: fifteen figures, the goals and three charts
        work_list_seconds, work_list = _median(lambda: build("goal-tracking"))
        ours, found = _median(lambda: find_contacts(message, contacts))
        naive, naive_found = _median(lambda: _baseline(message, contacts), repeat=1)
        assert found == naive_found == []

    page = message.get_body(("html",)).get_content().encode()
    work_list_page = work_list.get_body(("html",)).get_content().encode()
    return Table(
        columns=("what", "kit", "baseline", "baseline / kit"),
        rows=(
            (
                "`contacts_from_program` (every advocate's and nominee's address)",
                record.duration(contacts_seconds),
                "—",
                "—",
            ),
            (
                "`build_message`, executive update (six figures, wins, asks, draft, one chart, CSS inlined, "
                "contact check)",
                record.duration(build_seconds),
                "—",
                "—",
            ),
            (
                "`build_message`, goal tracking (fifteen figures, goals, three charts, CSS inlined, contact check)",
                record.duration(work_list_seconds),
                "—",
                "—",
            ),
            (
                f"contact check of the whole message, {len(contacts):,} contacts",
                record.duration(ours),
                record.duration(naive),
                f"{naive / ours:.0f}×",
            ),
            (
                "HTML body, executive update (mail clients clip past 100 KB)",
                f"{len(page) / 1000:.1f} KB",
                "—",
                "—",
            ),
            (
                "HTML body, goal tracking (mail clients clip past 100 KB)",
                f"{len(work_list_page) / 1000:.1f} KB",
                "—",
                "—",
            ),
            ("whole message, report attached", f"{len(message.as_bytes()) / 1000:.0f} KB", "—", "—"),
        ),
        notes=(
            f"The demo program at {ADVOCATES:,} advocates, figures for 2026-Q4; medians of 3 (baseline: one run).",
        ),
    )


if __name__ == "__main__":
    sys.exit(record.script(__spec__.name, main))
