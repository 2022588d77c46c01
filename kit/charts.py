"""The charts of the reports and of the e-mail: matplotlib figures, drawn once, shown two ways.

Each function returns a ``matplotlib.figure.Figure`` (or None when there is nothing to draw): the report
notebooks show it inline (``kit.report``), the e-mail attaches :func:`png` of it by ``Content-ID``
(``kit.mail``). Figures are made without pyplot (no global state, no backend to choose), and numbers on
them are written by ``kit.formatting``, as in the text around them.

Every figure fits itself: the notebooks save figures as they are (``bbox_inches`` None), so nothing may rely
on a crop. A constrained layout makes room for tick labels and legends, titles are wrapped to the figure's
width, long labels are wrapped rather than cut, legends stand above the plot, and every bar carries its number
so a bar of 3 beside bars of 230 still says 3.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from matplotlib.colors import to_hex

from kit.formatting import COUNT, MONEY, SHARE, format_value
from kit.metrics.text import activity_name, metric_name  # re-exported: the notebooks label with them

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure

# The reports' palette, and the e-mail's tones (the colours of good and bad news in its text too).
BLUE, GREY, ORANGE, GREEN = "#2b6cb0", "#a0aec0", "#dd6b20", "#38a169"
GOOD, BAD, NEUTRAL, MONEY_BLUE = "#1a7f37", "#c0392b", "#6b7280", "#2563eb"
TONES = {"good": GOOD, "bad": BAD, "neutral": NEUTRAL}
_INK = "#2d3748"

__all__ = [
    "BAD",
    "GOOD",
    "NEUTRAL",
    "TONES",
    "activity_name",
    "amounts_chart",
    "attainment_chart",
    "bar_chart",
    "change_chart",
    "column_chart",
    "goal_label",
    "histogram",
    "metric_name",
    "new_figure",
    "plain_label",
    "png",
    "to_hex",
]


def new_figure(width: float, height: float, dpi: float = 100) -> tuple[Figure, Axes]:
    """A figure of ``width`` × ``height`` inches at ``dpi`` with one plot, its top and right frame hidden.

    Its layout is constrained (room is made for tick labels, titles and legends at every draw) and it has an
    Agg canvas, so its text can be measured before it is drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(w_pad=0.06, h_pad=0.06)
    ax = fig.subplots()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes, without the software tag (the same chart gives the same bytes)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def plain_label(text: str, width: int = 28, lines: int = 2) -> str:
    """A label in at most ``lines`` lines of about ``width`` characters, shown as typed ('$' would start
    matplotlib's math mode).

    A longer label keeps its start and its end ('Active advocates ·' / '…Insurance; product=Product A'):
    labels that differ only at the end (the segment after a metric) stay distinct, where cutting at
    ``width`` made two bars read the same."""
    # a separator ends its line rather than starts the next: 'Active advocates ·' / 'Insurance · Product A'
    text = " ".join(str(text).split()).replace(" · ", "\u00a0· ")
    wrapped = textwrap.wrap(text, width, break_on_hyphens=False) or [""]
    if len(wrapped) > lines and lines == 1:
        wrapped = [text[: width - 1].rstrip() + "…"]
    elif len(wrapped) > lines:
        head = wrapped[: lines - 1]
        rest = text[len(" ".join(head)) :].strip()
        tail = rest[-(width - 1) :]
        if 0 <= tail.find(" ") < 6:  # start the tail at a word when that drops only a few letters
            tail = tail[tail.index(" ") + 1 :]
        wrapped = [*head, "…" + tail]
    return "\n".join(wrapped).replace("\u00a0", " ").replace("$", r"\$")


def goal_label(goal_id: Any, metric: Any, segment: Any = None) -> str:
    """A goal's bar label: 'G-05 Active advocates · Insurance · Product A' (id, metric name, segment)."""
    from kit.errors import InputError
    from kit.segments import Segment

    parts = [str(goal_id or "").strip(), metric_name(str(metric)) if not _blank(metric) else ""]
    label = " ".join(p for p in parts if p)
    if not _blank(segment) and str(segment).strip():
        try:
            words = Segment.parse(str(segment)).label
        except InputError:
            words = str(segment).strip()
        label = f"{label} · {words}"
    return label


def _blank(value: Any) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


# ------------------------------------------------------------------------------------------------------------
# Fitting text, and axes that read in the figure's unit.


def _wrap_to(fig: Figure, text: str, *, fontsize: float, weight: str, width_px: float) -> str:
    """``text`` broken at words into lines no wider than ``width_px`` when drawn (measured, not guessed)."""
    from matplotlib.font_manager import FontProperties

    renderer = fig.canvas.get_renderer()
    font = FontProperties(size=fontsize, weight=weight)

    def wide(line: str) -> float:
        return renderer.get_text_width_height_descent(line.replace("$", r"\$"), font, ismath=False)[0]

    lines: list[str] = []
    for word in text.split():
        if lines and wide(f"{lines[-1]} {word}") <= width_px:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def _title(fig: Figure, text: str, *, fontsize: float = 12, weight: str = "bold") -> None:
    """The figure's title at its left edge, wrapped to its width (a long title takes two lines, never runs
    off the edge); the layout makes room for however many lines it has."""
    left = 0.012
    width_px = fig.bbox.width * (1 - 2 * left) - 4
    wrapped = _wrap_to(fig, text, fontsize=fontsize, weight=weight, width_px=width_px)
    fig.suptitle(
        wrapped.replace("$", r"\$"), x=left, ha="left", fontsize=fontsize, fontweight=weight, linespacing=1.15
    )


def _count_axis(axis: Axis) -> None:
    """Ticks at whole numbers only: there is no half an advocate."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))


def _share_axis(axis: Axis) -> None:
    """Ticks written as percent (values already ×100)."""
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))


def money_unit(top: float) -> tuple[float, str]:
    """The unit a money axis reads in, from the largest amount on it: $M from a million, $K from a thousand,
    else dollars (so a $418K deal is not '$0.42 million')."""
    top = abs(top)
    if top >= 1e6:
        return 1e6, "M"
    if top >= 1e3:
        return 1e3, "K"
    return 1.0, ""


def _money_axis(axis: Axis, top: float) -> None:
    """Ticks like the text's money ($250K, $1.5M), in one unit chosen by ``top``, at round steps."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    scale, suffix = money_unit(top)
    locator = MaxNLocator(nbins=5, steps=[1, 2, 5, 10])
    axis.set_major_locator(locator)

    def tick(value: float, _pos: Any) -> str:
        ticks = locator.tick_values(*axis.get_view_interval())
        step = abs(ticks[1] - ticks[0]) / scale if len(ticks) > 1 else 1.0
        decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
        number = f"{abs(value) / scale:,.{decimals}f}"
        sign = "−" if value < 0 else ""
        return "$0" if value == 0 else rf"{sign}\${number}{suffix}"

    axis.set_major_formatter(FuncFormatter(tick))


def _value_axis(axis: Axis, unit: str, top: float) -> None:
    if unit == SHARE:
        _share_axis(axis)
    elif unit == MONEY:
        _money_axis(axis, top)
    elif unit == COUNT:
        _count_axis(axis)


def _legend_above(ax: Axes, handles: Sequence[Any] | None = None, names: Sequence[str] = ()) -> None:
    """The legend between the title and the plot, outside the data (inside, it covered a column's number).

    Above the plot nothing else stands (the title is placed above it by the layout), where below it the
    tick labels take one line or two."""
    if handles is None:
        handles, names = ax.get_legend_handles_labels()
    if not handles:
        return
    ax.legend(
        handles,
        [plain_label(n, 60, 1) for n in names],
        loc="lower left",
        bbox_to_anchor=(0, 1.02),
        borderaxespad=0,
        frameon=False,
        fontsize=9,
        # one row when it fits the plot's width (about 90 characters at 9 points), else two columns
        ncols=len(handles) if sum(len(n) + 6 for n in names) <= 80 else 2,
        handlelength=1.5,
        columnspacing=1.2,
    )


# ------------------------------------------------------------------------------------------------------------
# The notebooks' charts: titled, with values written on the bars (kit.report adds the takeaway below).


def _report_figure(title: str, width: float = 7.5, height: float = 3.2) -> tuple[Figure, Axes]:
    fig, ax = new_figure(width, height)
    _title(fig, title)
    return fig, ax


def _label_lines(labels: Sequence[str]) -> int:
    return max((label.count("\n") + 1 for label in labels), default=1)


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
    names = [plain_label(p[0], 34) for p in pairs][::-1]
    numbers = [p[1] for p in pairs][::-1]
    row = 0.22 + 0.16 * _label_lines(names)
    fig, ax = _report_figure(title, height=max(1.9, row * len(pairs) + 1.3))
    scale = 100 if unit == SHARE else 1
    positions = range(len(names))  # by position: two equal labels would share one bar by name
    ax.barh(positions, [n * scale for n in numbers], color=BLUE)
    ax.set_yticks(positions, labels=names)
    if target is not None:
        marks = list(target)[: len(pairs)][::-1]
        for i, t in enumerate(marks):
            if not _blank(t):
                ax.plot([t * scale] * 2, [i - 0.4, i + 0.4], color=ORANGE, linewidth=3)
    for i, n in enumerate(numbers):
        ax.annotate(  # on a light ground clear of the bar: the number reads where a target tick crosses it
            format_value(n, unit),
            (n * scale, i),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
            zorder=3,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 1},
        )
    _value_axis(ax.xaxis, unit, max(numbers))
    ax.margins(x=0.15)
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
    beside the bar's top, clear of the error bar. A label whose ``to_date`` is true (a period still running)
    is drawn lighter and hatched and labelled "to date", so it does not read as a whole period beside whole
    ones.

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
    top = 0.0
    for k, (name, values) in enumerate(series.items()):
        xs = [i + (k - (count - 1) / 2) * width for i in range(len(labels))]
        ys = [0 if _blank(v) else float(v) * scale for v in values]
        top = max(top, *ys)
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
                edgecolor=_INK,
                hatch="//",
                linewidth=0.8,
                label=same_days_label if same_days_label and not drawn_same_days else "_nolegend_",
            )
            inner.patches[0].set_gid(f"same-days:{name}")
            drawn_same_days = True
        bounds = list((intervals or {}).get(name) or [None] * len(values))
        for j, (y, bound) in enumerate(zip(ys, bounds, strict=True)):
            if _blank(values[j]):
                continue
            if bound is not None:
                low, high = bound[0] * scale, bound[1] * scale
                ax.errorbar(
                    xs[j], y, yerr=[[y - low], [high - y]], fmt="none", ecolor=_INK, capsize=6, lw=1.2
                )
                top = max(top, high)
            # on the column's top; beside an error bar, whose line and cap ran through a number above it
            ax.annotate(
                format_value(float(values[j]), unit),
                (xs[j], y),
                xytext=(0, 2) if bound is None else (9, 2),
                textcoords="offset points",
                ha="center" if bound is None else "left",
                va="bottom",
                fontsize=9 if bound is not None or count < 3 else 8,
                fontweight="normal" if bound is None else "bold",
            )
    partial = to_date or [False] * len(labels)
    wide = max(12, 90 // len(labels))  # characters a column's label may take on one line
    ax.set_xticks(
        range(len(labels)),
        [
            plain_label(str(lbl), wide) + ("\n(to date)" if p else "")
            for lbl, p in zip(labels, partial, strict=True)
        ],
    )
    if drawn_same_days:  # the same-days columns named last
        handles, names = ax.get_legend_handles_labels()
        order = sorted(range(len(names)), key=lambda i: names[i] == same_days_label)
        _legend_above(ax, [handles[i] for i in order], [names[i] for i in order])
    elif count > 1:
        _legend_above(ax)
    _value_axis(ax.yaxis, unit, top)
    ax.margins(y=0.15)
    return fig


def histogram(
    values: Sequence[float | None], *, title: str, xlabel: str, marker: float | None = None
) -> Figure | None:
    """How many have each value (e.g. uses per advocate this quarter), each column with its number written on
    it, with an optional cap (``marker``): the columns past it are drawn orange, so the few advocates at
    burnout risk show beside the hundreds who are not.

    None when every value is blank or zero."""
    numbers = [float(v) for v in values if not _blank(v)]
    if not numbers or not any(numbers):
        return None
    fig, ax = _report_figure(title)
    top = int(max(numbers))
    xs = list(range(0, top + 1))
    counts = [sum(1 for n in numbers if int(n) == x) for x in xs]
    past = [marker is not None and x > marker for x in xs]
    within = ax.bar(
        [x for x, p in zip(xs, past, strict=True) if not p],
        [c for c, p in zip(counts, past, strict=True) if not p],
        width=0.9,
        color=BLUE,
        label="advocates" if marker is None else "within the cap",
    )
    beyond = None
    if any(past):
        over = sum(c for c, p in zip(counts, past, strict=True) if p)
        beyond = ax.bar(
            [x for x, p in zip(xs, past, strict=True) if p],
            [c for c, p in zip(counts, past, strict=True) if p],
            width=0.9,
            color=ORANGE,
            label=f"past the cap ({format_value(over, COUNT)})",
        )
    for container in (within, beyond):
        if container is None:
            continue
        for bar in container:
            if bar.get_height():
                ax.annotate(
                    format_value(bar.get_height(), COUNT),
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=9,
                    fontweight="bold" if container is beyond else "normal",
                    color=ORANGE if container is beyond else "black",
                )
    if marker is not None:
        ax.axvline(marker + 0.5, color=ORANGE, linewidth=1.5, linestyle="--", label=f"cap ({marker:g})")
        _legend_above(ax)
    _count_axis(ax.xaxis)
    _count_axis(ax.yaxis)
    ax.set_xlabel(plain_label(xlabel, 80, 1))
    ax.set_ylabel("advocates")
    ax.margins(y=0.15)
    return fig


# ------------------------------------------------------------------------------------------------------------
# The e-mail's charts: small, one bar per row, its number at its end, labels wrapped to two or three lines.


def _email_figure(title: str, labels: Sequence[str]) -> tuple[Figure, Axes]:
    row = 0.22 + 0.11 * _label_lines(labels)
    # 600 pixels wide, as the e-mail shows it, but 4.8 inches at 125 dpi: its words stay readable when a
    # phone narrows the picture to 340 pixels (at 6.2 inches and 100 dpi they fell to 6 pixels)
    fig, ax = new_figure(4.8, 1.0 + row * max(len(labels), 1), dpi=125)
    _title(fig, title, fontsize=10, weight="normal")
    ax.tick_params(labelsize=8.5)
    return fig, ax


def _email_bars(
    ax: Axes, labels: Sequence[str], values: Sequence[float], texts: Sequence[str], **kw: Any
) -> None:
    positions = range(len(values))  # by position: two equal labels would share one bar by name
    ax.barh(positions, values, **kw)
    ax.set_yticks(positions, labels=labels)
    for i, (value, text) in enumerate(zip(values, texts, strict=True)):
        ax.annotate(
            text,
            (value, i),
            xytext=(3 if value >= 0 else -3, 0),
            textcoords="offset points",
            ha="left" if value >= 0 else "right",
            va="center",
            fontsize=8,
        )
    # room at both ends for the numbers: a fall's number stands left of its bar, where the labels begin
    low, high = min(0.0, *values), max(0.0, *values)
    room = 0.3 * ((high - low) or 1.0)
    ax.set_xlim(low - room if low < 0 else 0, high + room if high > 0 or low == 0 else 0)


def change_chart(changes: Sequence[tuple[str, float]]) -> Figure:
    """Each figure's change from the previous period in percent (label, percent): rises green, falls red."""
    labels = [plain_label(label, 24) for label, _ in changes][::-1]
    values = [v for _, v in changes][::-1]
    fig, ax = _email_figure("Headline figures against the previous period", labels)
    texts = [f"{v:+.0f}%".replace("-", "−") if round(v) else "±0%" for v in values]
    _email_bars(ax, labels, values, texts, color=[GOOD if v >= 0 else BAD for v in values])
    ax.axvline(0, color="#333333", linewidth=0.8)
    _share_axis(ax.xaxis)
    ax.set_xlabel("change from the previous period", fontsize=8.5)
    return fig


def attainment_chart(goals: Sequence[tuple[str, float, str]]) -> Figure:
    """Each goal's attainment (label, share of target, tone), coloured by its tone; bars stop at 200%."""
    labels = [plain_label(name, 24, 3) for name, _, _ in goals][::-1]
    values = [min(share, 2.0) * 100 for _, share, _ in goals][::-1]
    tones = [tone for _, _, tone in goals][::-1]
    fig, ax = _email_figure("Goal attainment (dashed line: target)", labels)
    texts = [format_value(share, SHARE) for _, share, _ in goals][::-1]
    _email_bars(ax, labels, values, texts, color=[TONES[t] for t in tones])
    ax.axvline(100, color="#333333", linewidth=0.8, linestyle="--")
    _share_axis(ax.xaxis)
    ax.set_xlabel("of target reached", fontsize=8.5)
    return fig


def amounts_chart(amounts: Sequence[tuple[str, float]], *, title: str, xlabel: str) -> Figure:
    """Amounts of money (label, dollars) as bars, the first on top, each with its amount; the axis reads in
    $K or $M, whichever the largest amount is counted in."""
    labels = [plain_label(name, 24) for name, _ in amounts][::-1]
    values = [amount for _, amount in amounts][::-1]
    fig, ax = _email_figure(title, labels)
    _email_bars(ax, labels, values, [format_value(v, MONEY) for v in values], color=MONEY_BLUE)
    _money_axis(ax.xaxis, max((abs(v) for v in values), default=0.0))
    ax.set_xlabel(plain_label(xlabel, 80, 1), fontsize=8.5)
    return fig
