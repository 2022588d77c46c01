"""Local emulators of the web APIs the kit talks to, for the tests and the benchmarks (not shipped in the wheel).

Each lives in its own package with a small public surface in its ``__init__``: ``emulators.sheets`` (Google
Sheets v4, with the few Drive v3 and OAuth calls gspread makes). How to add one: docs/development.md.
"""
