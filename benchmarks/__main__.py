"""Run every benchmark in turn: `python -m benchmarks` (or `make bench`); one name runs just that one."""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in argv] or names
    print(
        f"{time.strftime('%Y-%m-%d')} · {platform.machine()} · {platform.python_version()} · "
        f"{__import__('os').cpu_count()} cores"
    )
    for name in wanted:
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
