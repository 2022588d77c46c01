"""A plain-text overview of a program: what `advocacy-kit info` and `demo` print."""

from __future__ import annotations

import pandas as pd

from kit import schema
from kit.program import Program

R, O = schema.REQUESTS.col, schema.OPPORTUNITIES.col


def _span(series: pd.Series) -> str:
    values = series.dropna()
    if values.empty:
        return "no dates"
    return f"{values.min():%Y-%m-%d} .. {values.max():%Y-%m-%d}"


def describe_program(program: Program) -> str:
    """Each tab with its row count, the date ranges of requests and opportunities, the source."""
    modified = f", last modified {program.modified:%Y-%m-%d %H:%M}" if program.modified else ""
    lines = [f"Source: {program.source}{modified}", ""]
    width = max(len(t.name) for t in schema.TABS) + 2
    for tab in schema.TABS:
        lines.append(f"  {tab.name:<{width}}{len(program[tab]):>9,} rows")
    for name in program.extra_tabs:
        lines.append(f"  {name:<{width}}(not one of the kit's tabs; kept as it is)")
    skipped = [s for s in program.skipped if s.reason != "blank_row"]
    lines += [
        "",
        f"Requests:      requested {_span(program.requests[R.requested_on])}",
        f"Opportunities: created {_span(program.opportunities[O.created_on])}, "
        f"closing {_span(program.opportunities[O.close_date])}",
    ]
    if skipped:
        lines.append(
            f"Skipped {len(skipped)} repeated header row(s); run `advocacy-kit validate` for details."
        )
    return "\n".join(lines)
