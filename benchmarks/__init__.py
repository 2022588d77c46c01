"""Benchmarks: each `bench_<topic>.py` measures one figure the README states, next to a named baseline."""
