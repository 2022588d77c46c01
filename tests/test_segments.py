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


# ---------------------------------------------------------------------------------------------------------
# --segment narrows nominations too


def _nominations_program(nomination_cells=None):
    nomination_cells = nomination_cells or {}
    import datetime as dt

    from kit import schema
    from tests.factories import advocate, nomination, opportunity, program

    A, N, O = schema.ADVOCATES.col, schema.NOMINATIONS.col, schema.OPPORTUNITIES.col
    return program(
        Advocates=[
            advocate(1, **{A.company: "Acme Insurance", A.industry: "Insurance"}),
            advocate(2, **{A.company: "Shop Co", A.industry: "Retail"}),
        ],
        Opportunities=[opportunity(1, **{O.account: "Safe Mutual", O.industry: "Insurance"})],
        Nominations=[
            nomination(1, **{N.company: "ACME insurance", **nomination_cells.get(1, {})}),  # the roster says
            nomination(2, **{N.company: "Shop Co", **nomination_cells.get(2, {})}),
            nomination(3, **{N.company: "Safe Mutual", **nomination_cells.get(3, {})}),  # the CRM says
            nomination(4, **{N.company: "Nobody Knows Ltd", **nomination_cells.get(4, {})}),
            # Accepted as ADV-0001 (Insurance), though typed under another company name.
            nomination(
                5,
                **{
                    N.company: "Acme Group",
                    N.status: schema.NOMINATION_ACCEPTED,
                    N.advocate_id: "ADV-0001",
                    N.decided_on: dt.date(2026, 11, 5),
                    **nomination_cells.get(5, {}),
                },
            ),
        ],
    )


def test_a_segment_on_industry_keeps_the_nominations_whose_company_is_in_it():
    import datetime as dt

    from kit.metrics import measure

    program = _nominations_program()
    everyone = measure(program, period="2026-Q4", as_of=dt.date(2026, 11, 20)).pipeline
    insurance = measure(program, period="2026-Q4", segment="industry=Insurance", as_of=dt.date(2026, 11, 20))
    retail = measure(program, period="2026-Q4", segment="industry=Retail", as_of=dt.date(2026, 11, 20))
    assert everyone.received == 5
    # NOM-1 (roster: Acme Insurance), NOM-3 (CRM: Safe Mutual), NOM-5 (its advocate); not NOM-4, unknown.
    assert (insurance.pipeline.received, insurance.pipeline.accepted) == (3, 1)
    assert retail.pipeline.received == 1


def test_a_nominations_own_industry_column_decides_over_its_companys():
    import datetime as dt

    from kit.metrics import measure

    program = _nominations_program({1: {"industry": "Healthcare"}, 4: {"industry": "Insurance"}})
    insurance = measure(program, period="2026-Q4", segment="industry=Insurance", as_of=dt.date(2026, 11, 20))
    # The tab now has the column: NOM-4 says Insurance; NOM-1 says Healthcare; the others leave it blank.
    assert insurance.pipeline.received == 1


def test_a_segment_on_product_reads_the_nominations_own_products():
    import datetime as dt

    from kit import schema
    from kit.metrics import measure
    from tests.factories import nomination, program

    N = schema.NOMINATIONS.col
    nominations = [nomination(1), nomination(2, **{N.products: "Product B"})]  # the default is Product A
    found = measure(
        program(Nominations=nominations),
        period="2026-Q4",
        segment="product=Product B",
        as_of=dt.date(2026, 11, 20),
    )
    assert found.pipeline.received == 1
