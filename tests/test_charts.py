"""The charts (kit.charts): one set of matplotlib figures, shown inline in the notebooks and attached to the
e-mail as PNGs; what each draws, and that nothing is drawn where there is nothing to show."""

from __future__ import annotations

import math

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.container import ErrorbarContainer
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from kit import charts
from kit.formatting import MONEY, SHARE


def bar_widths(fig) -> list[float]:
    [ax] = fig.axes
    return [round(p.get_width(), 6) for p in ax.patches]


def test_bar_chart_puts_the_first_label_on_top_in_percent_for_a_share_and_skips_blanks():
    fig = charts.bar_chart(["A", "B", "C"], [0.5, None, 0.25], title="Attainment", unit=SHARE)

    [ax] = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["C", "A"]  # bottom to top
    assert bar_widths(fig) == [25.0, 50.0]
    assert [t.get_text().strip() for t in ax.texts] == ["25%", "50%"]


def test_charts_with_nothing_to_show_draw_nothing():
    assert charts.bar_chart(["A"], [0], title="t") is None
    assert charts.bar_chart([], [], title="t") is None
    assert charts.column_chart(["Q1"], {"won": [None]}, title="t") is None
    assert charts.histogram([math.nan], title="t", xlabel="uses") is None


def test_column_chart_labels_money_on_its_axis():
    fig = charts.column_chart(
        ["2026-Q3", "2026-Q4"], {"revenue": [2_500_000, 3_800_000]}, title="t", unit=MONEY
    )

    [ax] = fig.axes
    assert [t.get_text() for t in ax.texts] == ["$2.5M", "$3.8M"]


def test_email_charts_are_pngs_with_their_labels_shown_as_typed_even_with_dollar_signs():
    fig = charts.amounts_chart([("$$ Bank $", 2_000_000.0)], title="Deals", xlabel="won amount")
    png = charts.png(fig)

    assert png.startswith(b"\x89PNG")
    [ax] = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == [r"\$\$ Bank \$"]  # '$' would start math mode


def test_change_chart_colours_a_rise_good_and_a_fall_bad():
    fig = charts.change_chart([("Revenue", 52.0), ("Active advocates", -6.0)])

    [ax] = fig.axes
    colours = [charts.to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours == [charts.BAD, charts.GOOD]  # bottom to top: the fall, then the rise


def test_attainment_chart_colours_each_goal_by_its_tone_and_caps_bars_at_twice_the_target():
    fig = charts.attainment_chart([("New advocates", 0.6, "bad"), ("Revenue", 3.5, "good")])

    [ax] = fig.axes
    assert bar_widths(fig) == [200.0, 60.0]
    assert [charts.to_hex(p.get_facecolor()) for p in ax.patches] == [charts.GOOD, charts.BAD]


# ------------------------------------------------------------------------------------------------------------
# What a reader sees: every word inside the picture, numbers on small bars, legends clear of the data, ticks
# in whole advocates and in the money's own unit, and labels that tell bars apart.

BURNOUT_TITLE = (
    "Activities and open asks per advocate in the running quarter, 2026-Q4 (burnout risk past the cap)"
)


def drawn(fig):
    """The figure laid out and drawn as the notebook's PNG would be; its renderer, for measuring text."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)  # as PNG
    canvas.draw()
    return canvas.get_renderer()


def inside(box, outer, slack: float = 0.5) -> bool:
    return (
        box.x0 >= outer.x0 - slack
        and box.y0 >= outer.y0 - slack
        and box.x1 <= outer.x1 + slack
        and box.y1 <= outer.y1 + slack
    )


def words(text: str) -> str:
    return " ".join(text.replace("\\$", "$").split())


def shown_texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def the_text(fig, wanted: str) -> Text:
    [found] = [t for t in shown_texts(fig) if words(t.get_text()) == wanted]
    return found


def the_legend(fig):
    [legend] = fig.legends + [a.get_legend() for a in fig.axes if a.get_legend()]
    return legend


def tick_labels(ax) -> list[Text]:
    """The tick labels drawn: those with text, at a tick inside the axis' view."""
    shown = []
    for axis in (ax.xaxis, ax.yaxis):
        low, high = sorted(axis.get_view_interval())
        shown += [
            tick.label1
            for tick in axis.get_major_ticks()
            if tick.label1.get_text().strip() and low <= tick.get_loc() <= high
        ]
    return shown


def visible_ticks(axis) -> list[float]:
    low, high = sorted(axis.get_view_interval())
    return [t for t in axis.get_majorticklocs() if low <= t <= high]


def test_a_title_wider_than_the_figure_wraps_and_stays_inside_it():
    fig = charts.histogram([0, 1, 1, 2, 6], title=BURNOUT_TITLE, xlabel="uses in 2026-Q4", marker=4)
    renderer = drawn(fig)

    title = the_text(fig, BURNOUT_TITLE)  # every word of it, none cut ("…burnout risk past th")
    assert inside(title.get_window_extent(renderer), fig.bbox)
    assert "\n" in title.get_text()  # two lines: 96 characters of 12-point bold do not fit 750 pixels


def test_the_e_mail_charts_titles_stay_inside_their_figures():
    title = "Deals won with advocates' help this quarter, largest first, each with the amount closed"
    fig = charts.amounts_chart([("Bluewater Bank", 418_000.0)], title=title, xlabel="won amount")
    renderer = drawn(fig)

    assert inside(the_text(fig, title).get_window_extent(renderer), fig.bbox)


@pytest.mark.parametrize(
    "make",
    [
        lambda: charts.bar_chart(
            ["Reference call for a regulated insurer in APAC (of 16)", "rfp (of 6)"],
            [0.5, 0.17],
            title="t",
            unit=SHARE,
        ),
        lambda: charts.column_chart(
            ["with an advocate (25 deals)", "without (32 deals)"],
            {"win rate": [0.68, 0.28]},
            title="t",
            unit=SHARE,
            intervals={"win rate": [(0.48, 0.83), (0.16, 0.45)]},
        ),
        lambda: charts.histogram([0] * 230 + [10], title="t", xlabel="uses", marker=4),
        lambda: charts.change_chart([("Revenue influenced (won) in the strategic accounts", -33.0)]),
        lambda: charts.attainment_chart(
            [("Active advocates · industry=Insurance; product=Product A", 0.2, "bad")]
        ),
        lambda: charts.amounts_chart(
            [("Vantage Underwriters Prospect 83", 120_000.0)], title="t", xlabel="x"
        ),
    ],
    ids=["bar", "column", "histogram", "change", "attainment", "amounts"],
)
def test_every_tick_label_lies_inside_the_figure(make):
    fig = make()
    renderer = drawn(fig)

    for label in tick_labels(fig.axes[0]):
        assert inside(label.get_window_extent(renderer), fig.bbox), label.get_text()


def test_a_count_axis_has_whole_numbers_only():
    # the nominations chart: 14 received, 8 decided, 6 accepted drew ticks at 2.5, 7.5, 12.5
    fig = charts.column_chart(["Received", "Decided", "Accepted"], {"nominations": [14, 8, 6]}, title="t")
    drawn(fig)

    ticks = visible_ticks(fig.axes[0].yaxis)
    assert len(ticks) >= 3 and all(float(t).is_integer() for t in ticks)


def test_the_histogram_counts_whole_advocates_on_both_axes():
    fig = charts.histogram([0, 0, 1, 2, 3], title="t", xlabel="uses")
    drawn(fig)

    [ax] = fig.axes
    for axis in (ax.xaxis, ax.yaxis):
        assert all(float(t).is_integer() for t in visible_ticks(axis))


def money_ticks(fig) -> list[tuple[float, str]]:
    [ax] = fig.axes
    return [
        (loc, words(label.get_text()))
        for loc, label in zip(ax.get_xticks(), ax.get_xticklabels(), strict=True)
        if label.get_text() and ax.get_xlim()[0] <= loc <= ax.get_xlim()[1]
    ]


def amount(text: str) -> float:
    """'$1.2M' → 1,200,000; '$250K' → 250,000; '$0' → 0 (read as a person reads it)."""
    number = text.lstrip("$")
    unit = {"M": 1e6, "K": 1e3}.get(number[-1:], 1)
    return float(number.rstrip("MK") or 0) * unit


def test_a_money_axis_over_a_million_reads_in_millions():
    fig = charts.amounts_chart(
        [("Bluewater Bank", 1_250_000.0), ("Meridian", 400_000.0)], title="t", xlabel="x"
    )
    drawn(fig)

    ticks = money_ticks(fig)
    assert len(ticks) >= 3
    assert all(text.startswith("$") for _, text in ticks)
    assert all(text.endswith("M") for loc, text in ticks if loc)  # $0.4M, not $400K beside $1.2M
    assert all(math.isclose(amount(text), loc, abs_tol=1) for loc, text in ticks)  # each tick says its place


def test_a_money_axis_under_a_million_reads_in_thousands():
    # the deals chart drew $418K as '0.42' on an axis of '$ million' with ticks of 0.05
    fig = charts.amounts_chart([("Bluewater Bank", 86_000.0), ("Meridian", 30_000.0)], title="t", xlabel="x")
    drawn(fig)

    ticks = money_ticks(fig)
    assert len(ticks) >= 3
    assert all(text.endswith("K") for loc, text in ticks if loc)
    assert all(math.isclose(amount(text), loc, abs_tol=1) for loc, text in ticks)
    [ax] = fig.axes
    assert [words(t.get_text()) for t in ax.texts] == ["$30K", "$86K"]  # each bar's amount, bottom to top


def test_three_advocates_past_the_cap_beside_hundreds_carry_a_visible_3():
    # 230 advocates with no use, 230 with one, 3 with six uses; the cap is 4
    fig = charts.histogram([0] * 230 + [1] * 230 + [6] * 3, title="t", xlabel="uses", marker=4)
    renderer = drawn(fig)

    [ax] = fig.axes
    [three] = [t for t in ax.texts if t.get_text() == "3"]
    [bar] = [p for p in ax.patches if math.isclose(p.get_x() + p.get_width() / 2, 6)]
    assert bar.get_height() == 3
    assert three.xy[0] == 6  # written on that bar, not elsewhere
    box = three.get_window_extent(renderer)
    assert inside(box, ax.bbox) and box.y0 >= bar.get_window_extent(renderer).y1 - 0.5  # above it, in view
    assert three.get_fontsize() >= 8
    assert to_hex(bar.get_facecolor()) != to_hex(
        ax.patches[0].get_facecolor()
    )  # past the cap: its own colour
    legend = [words(t.get_text()) for t in the_legend(fig).get_texts()]
    assert "past the cap (3)" in legend


@pytest.mark.parametrize(
    "make",
    [
        # the tallest column at the right, where a legend inside the plot would stand
        lambda: charts.column_chart(
            ["Q1", "Q2", "Q3"], {"won": [10, 20, 30], "lost": [5, 25, 31]}, title="t"
        ),
        lambda: charts.histogram([0] * 50 + [1] * 40 + [2] * 45, title="t", xlabel="uses", marker=1),
    ],
    ids=["columns", "histogram"],
)
def test_the_legend_covers_no_bars_number(make):
    fig = make()
    renderer = drawn(fig)

    [ax] = fig.axes
    box = the_legend(fig).get_window_extent(renderer)
    numbers = [t for t in ax.texts if t.get_text().strip()]
    assert numbers
    assert not any(box.overlaps(t.get_window_extent(renderer)) for t in numbers)
    assert not box.overlaps(ax.bbox)  # outside the plot: it can cover no column, whatever the data
    assert inside(box, fig.bbox)
    assert not any(box.overlaps(t.get_window_extent(renderer)) for t in tick_labels(ax))
    assert not box.overlaps(the_text(fig, "t").get_window_extent(renderer))  # nor the title


def test_the_win_rates_number_stands_clear_of_its_error_bar():
    fig = charts.column_chart(
        ["with", "without"],
        {"win rate": [0.68, 0.28]},
        title="t",
        unit=SHARE,
        intervals={"win rate": [(0.48, 0.83), (0.16, 0.45)]},
    )
    renderer = drawn(fig)

    [ax] = fig.axes
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    caps = [cap.get_window_extent(renderer) for c in bars for cap in c.lines[1]]
    lines = [
        Bbox(ax.transData.transform(segment))
        for c in bars
        for collection in c.lines[2]
        for segment in collection.get_segments()
    ]
    whiskers = caps + lines
    numbers = [t for t in ax.texts if t.get_text() in ("68%", "28%")]
    assert len(numbers) == 2 and len(whiskers) == 6  # per bar: the line and two caps
    assert not any(n.get_window_extent(renderer).overlaps(w) for n in numbers for w in whiskers)


@pytest.mark.parametrize(
    "make",
    [
        lambda goals: charts.attainment_chart([(name, 0.5, "bad") for name in goals]),
        lambda goals: charts.bar_chart(goals, [0.5, 0.25], title="t", unit=SHARE),
    ],
    ids=["e-mail", "report"],
)
def test_two_labels_that_differ_only_after_28_characters_stay_distinct(make):
    # 'Active advocates · industry=' is 28 characters: cutting there made both bars read the same
    goals = ["Active advocates · industry=Insurance", "Active advocates · industry=Healthcare"]
    fig = make(goals)

    [ax] = fig.axes
    shown = [words(t.get_text()) for t in ax.get_yticklabels()]
    assert len(set(shown)) == 2
    assert sorted(shown) == sorted(goals)  # wrapped onto two lines, nothing cut


def test_a_goal_is_labelled_with_its_metrics_name_and_its_segment():
    assert charts.goal_label("G-05", "active_advocates", "industry=Insurance; product=Product A") == (
        "G-05 Active advocates · Insurance · Product A"
    )
    assert charts.goal_label("G-03", "revenue_influenced", None) == "G-03 Revenue influenced (won)"
    assert charts.metric_name("sellers_using_share") == "Sellers using share"  # not a headline figure


def test_an_activity_is_labelled_in_words():
    assert charts.activity_name("reference_call") == "Reference call"
    assert charts.activity_name("rfp") == "RFP reference"  # its words, not 'Rfp'
    assert charts.activity_name("podcast_guest") == "Podcast guest"  # a key the kit does not know


@pytest.mark.parametrize(
    "make",
    [
        lambda: charts.change_chart([("Revenue influenced (won)", -33.0), ("New advocates", 100.0)]),
        lambda: charts.change_chart([("Requests fulfilled", -21.0), ("Revenue influenced (won)", -33.0)]),
        lambda: charts.attainment_chart([("New advocates", 1.0, "good"), ("Requests fulfilled", 0.0, "bad")]),
        lambda: charts.amounts_chart(
            [("Bluewater Bank", 418_000.0), ("Kestrel", 80_000.0)], title="t", xlabel="x"
        ),
    ],
    ids=["rise-and-fall", "falls", "attainment", "amounts"],
)
def test_each_e_mail_bars_number_is_inside_the_plot_clear_of_the_labels(make):
    # a fall's number stands left of its bar: at -33% beside +100% it ran into 'Revenue influenced (won)'
    fig = make()
    renderer = drawn(fig)

    [ax] = fig.axes
    numbers = [t.get_window_extent(renderer) for t in ax.texts]
    assert len(numbers) == 2
    assert all(inside(box, ax.bbox) for box in numbers)
    assert not any(box.overlaps(t.get_window_extent(renderer)) for box in numbers for t in tick_labels(ax))
