"""The charts of the reports and of the e-mail: matplotlib figures, drawn once, shown two ways.

Each function returns a ``matplotlib.figure.Figure`` (or None when there is nothing to draw): the report
notebooks show it inline (``kit.report``), the e-mail attaches :func:`png` of it by ``Content-ID``
(``kit.mail``). Figures are made without pyplot (no global state, no backend to choose), and numbers on
them are written by ``kit.formatting``, as in the text around them.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from matplotlib.colors import to_hex

from kit.formatting import COUNT, MONEY, SHARE, format_value

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# The reports' palette, and the e-mail's tones (the colours of good and bad news in its text too).
BLUE, GREY, ORANGE, GREEN = "#2b6cb0", "#a0aec0", "#dd6b20", "#38a169"
GOOD, BAD, NEUTRAL, MONEY_BLUE = "#1a7f37", "#c0392b", "#6b7280", "#2563eb"
TONES = {"good": GOOD, "bad": BAD, "neutral": NEUTRAL}

__all__ = [
    "BAD",
    "GOOD",
    "NEUTRAL",
    "TONES",
    "amounts_chart",
    "attainment_chart",
    "bar_chart",
    "change_chart",
    "column_chart",
    "histogram",
    "new_figure",
    "plain_label",
    "png",
    "to_hex",
]


def new_figure(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure of ``width`` × ``height`` inches at 100 dpi with one plot, its top and right frame hidden."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    ax = fig.subplots()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes, without the software tag (the same chart gives the same bytes)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def plain_label(text: str, width: int = 28) -> str:
    """A label shortened to ``width`` characters, shown as typed ('$' would start matplotlib's math mode)."""
    text = text if len(text) <= width else text[: width - 1] + "…"
    return text.replace("$", r"\$")


def _blank(value: Any) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


# ------------------------------------------------------------------------------------------------------------
# The notebooks' charts: titled, with values written on the bars (kit.report adds the takeaway below).


def _report_figure(title: str, width: float = 7.5, height: float = 3.2) -> tuple[Figure, Axes]:
    fig, ax = new_figure(width, height)
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    return fig, ax


def bar_chart(
    labels: Sequence[Any],
    values: Sequence[float | None],
    *,
    title: str,
    unit: str = COUNT,
    target: Sequence[float | None] | None = None,
) -> Figure | None:
    """Horizontal bars (the first label on top), values written at the bar ends; optional target ticks.

    None when no bar would have a length."""
    pairs = [(str(lbl), float(v)) for lbl, v in zip(labels, values, strict=True) if not _blank(v)]
    if not pairs or not any(v for _, v in pairs):
        return None
    fig, ax = _report_figure(title, height=max(1.6, 0.38 * len(pairs) + 0.9))
    names = [p[0] for p in pairs][::-1]
    numbers = [p[1] for p in pairs][::-1]
    scale = 100 if unit == SHARE else 1
    ax.barh(names, [n * scale for n in numbers], color=BLUE)
    if target is not None:
        marks = list(target)[: len(pairs)][::-1]
        for i, t in enumerate(marks):
            if not _blank(t):
                ax.plot([t * scale] * 2, [i - 0.4, i + 0.4], color=ORANGE, linewidth=3)
    for i, n in enumerate(numbers):
        ax.text(n * scale, i, " " + format_value(n, unit), va="center", fontsize=9)
    ax.set_xlabel("%" if unit == SHARE else "")
    ax.margins(x=0.15)
    fig.tight_layout()
    return fig


def column_chart(
    labels: Sequence[Any],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    unit: str = COUNT,
    intervals: Mapping[str, Sequence[tuple[float, float] | None]] | None = None,
    to_date: Sequence[bool] | None = None,
    same_days: Mapping[str, Sequence[float | None]] | None = None,
    same_days_label: str = "",
) -> Figure | None:
    """Vertical grouped columns, one group per label (periods, or with/without), one colour per series;
    ``intervals`` (per series, a (low, high) per label, or None) are drawn as error bars, the value written
    above the bar's top. A label whose ``to_date`` is true (a period still running) is drawn lighter and
    hatched and labelled "to date", so it does not read as a whole period beside whole ones.

    ``same_days`` (per series, a value per label, or None) draws inside each whole column a narrower hatched
    one (gid ``same-days:<series>``) of that period's value up to the same elapsed day as the running one, so the
    partial column has its like beside it; ``same_days_label`` names them in the legend.

    None when no column would have a height."""
    if not labels or not any(v for vals in series.values() for v in vals if not _blank(v)):
        return None
    fig, ax = _report_figure(title)
    count = len(series)
    width = 0.8 / count
    scale = 100 if unit == SHARE else 1
    colours = [BLUE, ORANGE, GREY, GREEN]
    drawn_same_days = False
    for k, (name, values) in enumerate(series.items()):
        xs = [i + (k - (count - 1) / 2) * width for i in range(len(labels))]
        ys = [0 if _blank(v) else float(v) * scale for v in values]
        bars = ax.bar(xs, ys, width=width, label=name, color=colours[k % len(colours)])
        for bar, partial in zip(bars, to_date or [False] * len(labels), strict=True):
            if partial:
                bar.set_alpha(0.45)
                bar.set_hatch("//")
        partial_values = list((same_days or {}).get(name) or [None] * len(values))
        for j, part in enumerate(partial_values):
            if _blank(part):
                continue
            inner = ax.bar(
                xs[j],
                float(part) * scale,
                width=width * 0.5,
                color="white",
                alpha=0.8,
                edgecolor="#2d3748",
                hatch="//",
                linewidth=0.8,
                label=same_days_label if same_days_label and not drawn_same_days else "_nolegend_",
            )
            inner.patches[0].set_gid(f"same-days:{name}")
            drawn_same_days = True
        bounds = list((intervals or {}).get(name) or [None] * len(values))
        tops = list(ys)
        for j, (y, bound) in enumerate(zip(ys, bounds, strict=True)):
            if bound is None or _blank(values[j]):
                continue
            low, high = bound[0] * scale, bound[1] * scale
            ax.errorbar(
                xs[j], y, yerr=[[y - low], [high - y]], fmt="none", ecolor="#2d3748", capsize=6, lw=1.2
            )
            tops[j] = max(y, high)
        for x, v, top in zip(xs, values, tops, strict=True):
            if not _blank(v):
                ax.text(x, top, format_value(float(v), unit), ha="center", va="bottom", fontsize=8)
    partial = to_date or [False] * len(labels)
    ax.set_xticks(
        range(len(labels)),
        [f"{lbl}\n(to date)" if p else str(lbl) for lbl, p in zip(labels, partial, strict=True)],
    )
    if drawn_same_days:  # below the axes, the same-days columns named last: a legend inside hid the tallest
        handles, names = ax.get_legend_handles_labels()
        order = sorted(range(len(names)), key=lambda i: names[i] == same_days_label)
        ax.legend(
            [handles[i] for i in order],
            [names[i] for i in order],
            frameon=False,
            fontsize=8,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.2),
            ncol=2,
        )
    elif count > 1:
        ax.legend(frameon=False, fontsize=9)
    if unit == MONEY:
        ax.yaxis.set_major_formatter(lambda v, _: format_value(v, MONEY))
    ax.margins(y=0.15)
    fig.tight_layout()
    return fig


def histogram(
    values: Sequence[float | None], *, title: str, xlabel: str, marker: float | None = None
) -> Figure | None:
    """A distribution (e.g. uses per advocate this quarter), with an optional marker line (the cap).

    None when every value is blank or zero."""
    numbers = [float(v) for v in values if not _blank(v)]
    if not numbers or not any(numbers):
        return None
    fig, ax = _report_figure(title)
    top = int(max(numbers))
    ax.hist(numbers, bins=range(0, top + 2), color=BLUE, edgecolor="white", align="left")
    if marker is not None:
        ax.axvline(marker + 0.5, color=ORANGE, linewidth=2, label="cap")
        ax.legend(frameon=False, fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("advocates")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------------------------------------
# The e-mail's charts: small and quick, one bar per row, at most 28 characters of label.


def _email_figure(rows: int) -> tuple[Figure, Axes]:
    height = 0.9 + 0.34 * max(rows, 1)
    fig, ax = new_figure(6.2, height)
    # fixed margins, room for 28-character labels: a layout engine would draw every chart twice
    fig.subplots_adjust(left=0.36, right=0.97, top=1 - 0.32 / height, bottom=0.5 / height)
    ax.tick_params(labelsize=8.5)
    return fig, ax


def change_chart(changes: Sequence[tuple[str, float]]) -> Figure:
    """Each figure's change from the previous period in percent (label, percent): rises green, falls red."""
    fig, ax = _email_figure(len(changes))
    labels = [plain_label(label) for label, _ in changes][::-1]
    values = [v for _, v in changes][::-1]
    ax.barh(labels, values, color=[GOOD if v >= 0 else BAD for v in values])
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel("% change from the previous period", fontsize=8.5)
    ax.set_title("Headline figures against the previous period", fontsize=10, loc="left")
    return fig


def attainment_chart(goals: Sequence[tuple[str, float, str]]) -> Figure:
    """Each goal's attainment (label, share of target, tone), coloured by its tone; bars stop at 200%."""
    fig, ax = _email_figure(len(goals))
    labels = [plain_label(name, 28) for name, _, _ in goals][::-1]
    values = [min(share, 2.0) * 100 for _, share, _ in goals][::-1]
    tones = [tone for _, _, tone in goals][::-1]
    ax.barh(range(len(values)), values, color=[TONES[t] for t in tones])
    ax.set_yticks(range(len(values)), labels=labels)
    ax.axvline(100, color="#333333", linewidth=0.8, linestyle="--")
    ax.set_xlabel("% of target reached", fontsize=8.5)
    ax.set_title("Goal attainment (dashed line: target)", fontsize=10, loc="left")
    return fig


def amounts_chart(amounts: Sequence[tuple[str, float]], *, title: str, xlabel: str) -> Figure:
    """Amounts of money (label, dollars) as bars in $ million, the first on top."""
    fig, ax = _email_figure(len(amounts))
    labels = [plain_label(name) for name, _ in amounts][::-1]
    values = [amount / 1e6 for _, amount in amounts][::-1]
    ax.barh(range(len(values)), values, color=MONEY_BLUE)
    ax.set_yticks(range(len(values)), labels=labels)
    ax.set_xlabel(plain_label(xlabel, len(xlabel)) + r", \$ million", fontsize=8.5)
    ax.set_title(title, fontsize=10, loc="left")
    return fig
