"""Benchmarks: each `bench_<topic>.py` measures one figure docs/performance.md states, next to a named baseline."""
