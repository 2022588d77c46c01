"""Run every benchmark in turn: `python -m benchmarks` (or `make bench`); names run just those
(`python -m benchmarks validate store`); `--write-docs` also writes each one's table into its block of
docs/performance.md (`make bench-docs`)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from benchmarks import record


def main(argv: list[str]) -> int:
    options = record.parser(__doc__.split("\n", 1)[0])
    options.add_argument(
        "names", nargs="*", help="benchmarks to run (validate, bench_store, …); all by default"
    )
    given = options.parse_args(argv)
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in given.names] or names
    modules = {name: importlib.import_module(f"benchmarks.{name}") for name in wanted}
    page = record.page_to_write(given)
    writing = {
        name for name, module in modules.items() if page is not None and record.writes_a_table(module.main)
    }
    try:
        for name in sorted(writing):  # every block checked before the first benchmark runs for minutes
            record.check_block(page, record.block_name(name))
    except record.MarkerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(record.begin("python -m benchmarks").machine.describe())
    for name, module in modules.items():
        print(f"\n=== {name} ===", flush=True)
        if page is not None and name not in writing:
            print(f"({name} returns no Table: its figures are printed, not written into {page})")
        record.run(f"benchmarks.{name}", module.main, page=page if name in writing else None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
