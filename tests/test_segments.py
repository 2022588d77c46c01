"""Segments checked against the program: a column no tab has is an error, a value no row holds a warning."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.errors import InputError
from kit.segments import Segment

ADVOCATES = pd.DataFrame(
    {
        "industry": ["Insurance", "Healthcare", None],
        "region": ["EMEA", "APAC", "EMEA"],
        "products": [("Product A", "Product B"), ("Product C",), ()],
    }
)
REQUESTS = pd.DataFrame({"industry": ["Retail"], "product": ["Product D"]})
TABLES = {"Advocates": ADVOCATES, "Requests": REQUESTS}
ALIASES = {"Advocates": {"product": "products"}}


def check(text: str) -> list[str]:
    return Segment.parse(text).check(TABLES, ALIASES)


def test_a_segment_whose_values_rows_hold_has_no_warning():
    assert check("industry=insurance; region=EMEA") == []
    assert check("product=Product B") == []  # inside the roster's multi-value column, by its alias
    assert check("industry=Retail") == []  # held by a request, not by an advocate


def test_a_condition_on_a_column_no_tab_has_is_an_input_error_naming_it_and_the_closest_column():
    with pytest.raises(InputError) as error:
        check("industy=Insurance")
    assert str(error.value) == (
        "segment 'industy=Insurance': no column 'industy' in the Advocates or Requests tab; did you mean 'industry'?"
    )


def test_a_condition_on_a_column_nothing_resembles_names_the_tabs_looked_in():
    with pytest.raises(InputError, match=r"no column 'zzz' in the Advocates or Requests tab$"):
        check("zzz=1")


def test_a_value_no_row_holds_is_a_warning_with_the_closest_value():
    assert check("industry=Insurence") == [
        "segment 'industry=Insurence': no row has industry 'Insurence', so its figures are empty; "
        "did you mean 'Insurance'?"
    ]


def test_each_value_no_row_holds_is_its_own_warning():
    warnings = check("industry=Nothing Alike; product=Product Z")
    assert len(warnings) == 2
    assert "no row has industry 'Nothing Alike', so its figures are empty" in warnings[0]
    assert not warnings[0].endswith("?")
    assert "no row has product 'Product Z'" in warnings[1]


def test_the_whole_program_needs_no_check():
    assert Segment.parse("").check(TABLES, ALIASES) == []


def test_compute_refuses_a_segment_on_a_column_no_tab_has_so_no_notebook_shows_the_whole_program_under_it(
    demo_program,
):
    from kit.metrics import measure
    from tests.factories import DEMO_AS_OF

    with pytest.raises(InputError, match="did you mean 'industry'"):
        measure(demo_program, segment="industy=Insurance", as_of=DEMO_AS_OF)


def test_compute_carries_a_warning_for_a_value_no_row_holds_and_its_figures_are_empty(demo_program):
    from kit.metrics import measure
    from tests.factories import DEMO_AS_OF

    m = measure(demo_program, segment="industry=Insurence", as_of=DEMO_AS_OF)

    assert m.warnings and "no row has industry 'Insurence'" in m.warnings[0]
    assert m.to_dict()["warnings"] == list(m.warnings)
    assert m.figure("active_advocates").value == 0
