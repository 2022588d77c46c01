"""The charts (kit.charts): one set of matplotlib figures, shown inline in the notebooks and attached to the
e-mail as PNGs; what each draws, and that nothing is drawn where there is nothing to show."""

from __future__ import annotations

import math

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
