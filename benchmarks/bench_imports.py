"""What a part of the kit costs to import, and ``advocacy-kit --help`` against its floor.

Baseline, measured in the same run: ``python -c pass`` plus importing click (the floor any click command
pays). Target (issue 17): ``--help`` within 2x that floor, and ``import kit.schema`` without pandas. Each
figure is the median of several fresh interpreters, so disk caches are warm and start-up noise is averaged.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from benchmarks import record
from benchmarks.record import Table

RUNS = 15
TARGET = 2.0  # x the floor


def _seconds(argv: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _modules(code: str) -> int:
    script = f"{code}\nimport sys\nprint(len(sys.modules), 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout
    count, pandas = out.split()
    return int(count) if pandas == "False" else -int(count)


def measure() -> dict[str, float]:
    python = sys.executable
    return {
        "python -c pass": _seconds([python, "-c", "pass"]),
        "floor: python -c 'import click'": _seconds([python, "-c", "import click"]),
        "import kit.schema": _seconds([python, "-c", "import kit.schema"]),
        "advocacy-kit --help": _seconds([python, "-m", "kit", "--help"]),
        "import pandas (for scale)": _seconds([python, "-c", "import pandas"]),
        "import kit.metrics (the figures, for scale)": _seconds([python, "-c", "import kit.metrics"]),
    }


def main() -> Table:
    figures = measure()
    floor = figures["floor: python -c 'import click'"]
    rows = [(what, f"{seconds:.3f} s", f"{seconds / floor:.2f}×") for what, seconds in figures.items()]
    ratio = figures["advocacy-kit --help"] / floor
    schema_modules = _modules("import kit.schema")
    notes = (
        f"Target: `--help` within {TARGET:.0f}× the floor: **{'met' if ratio <= TARGET else 'not met'}** "
        f"({ratio:.2f}×).",
        f"`import kit.schema` loads {abs(schema_modules)} modules, "
        f"{'pandas among them: **not met**' if schema_modules < 0 else 'not pandas: **met**'}.",
    )
    return Table(columns=("what", f"median of {RUNS}", "× the floor"), rows=tuple(rows), notes=notes)


if __name__ == "__main__":
    sys.exit(record.script(__spec__.name, main))
