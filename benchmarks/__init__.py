"""Benchmarks: each `bench_<topic>.py` measures what docs/performance.md states, next to a named baseline, and
writes its table there itself (`--write-docs`, `make bench-docs`; see `record.py`)."""
