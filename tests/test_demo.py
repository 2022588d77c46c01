"""The demo program is deterministic and plants what the reports and checks are meant to find."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kit import schema
from kit.demo import GAP_INDUSTRY, GAP_REGION, build_demo
from tests.factories import DEMO_AS_OF

A, R, X, O = (t.col for t in (schema.ADVOCATES, schema.REQUESTS, schema.ACTIVITIES, schema.OPPORTUNITIES))


def test_same_seed_same_program(demo_frames):
    again = build_demo(300, as_of=DEMO_AS_OF, seed=7)
    for name, frame in demo_frames.items():
        pd.testing.assert_frame_equal(frame, again[name])


def test_size_follows_the_advocates_flag():
    frames = build_demo(1_000, as_of=DEMO_AS_OF)
    assert len(frames["Advocates"]) == 1_000
    assert frames["Advocates"][A.advocate_id].is_unique


def test_every_tab_has_rows_and_every_schema_column(demo_frames):
    for tab in schema.TABS:
        assert list(demo_frames[tab.name].columns) == tab.names
        assert len(demo_frames[tab.name]) > 0


def test_about_eighteen_months_of_requests(demo_frames):
    requested = demo_frames["Requests"][R.requested_on]
    assert (pd.Timestamp(DEMO_AS_OF) - requested.min()).days >= 500
    assert requested.max() <= pd.Timestamp(DEMO_AS_OF)


def test_deals_with_an_advocate_before_close_win_more_often(demo_frames):
    opps = demo_frames["Opportunities"]
    acts = demo_frames["Activities"].dropna(subset=[X.opportunity_id])
    first = acts.groupby(X.opportunity_id)[X.date].min()
    closed = opps[opps[O.is_closed].astype(bool)].copy()
    touched = closed[O.opportunity_id].map(first)
    referenced = touched.notna() & (touched <= closed[O.close_date])
    with_rate = closed.loc[referenced, O.is_won].astype(bool).mean()
    without_rate = closed.loc[~referenced, O.is_won].astype(bool).mean()
    assert with_rate > without_rate + 0.1


def test_a_few_advocates_are_used_beyond_the_default_cap_this_quarter(demo_frames):
    quarter_start = pd.Timestamp(DEMO_AS_OF).to_period("Q").start_time
    acts = demo_frames["Activities"]
    uses = acts[acts[X.date] >= quarter_start].groupby(X.advocate_id).size()
    cap = int(schema.SETTING_BY_KEY["default_max_per_quarter"].default)
    over = uses[uses > cap]
    assert 1 <= len(over) <= 15


def test_about_one_profile_in_eight_is_stale(demo_frames):
    verified = demo_frames["Advocates"][A.last_verified]
    stale = (pd.Timestamp(DEMO_AS_OF) - verified).dt.days > 365
    assert 0.08 < stale.mean() < 0.18


def test_the_planted_gap_segment_has_no_advocate_but_open_requests(demo_frames):
    roster = demo_frames["Advocates"]
    requests = demo_frames["Requests"]
    in_gap = (roster[A.industry] == GAP_INDUSTRY) & (roster[A.region] == GAP_REGION)
    asked = (requests[R.industry] == GAP_INDUSTRY) & (requests[R.region] == GAP_REGION)
    assert not in_gap.any()
    assert (asked & (requests[R.status] == "New")).any()


def test_demo_dates_lie_before_as_of(demo_frames):
    as_of = pd.Timestamp(DEMO_AS_OF)
    assert (demo_frames["Advocates"][A.joined_on] <= as_of).all()
    assert (demo_frames["Activities"][X.date].dropna() <= as_of).all()
    assert (demo_frames["Requests"][R.completed_on].dropna() <= as_of).all()
    assert dt.date.fromisoformat(str(demo_frames["Goals"]["period"].iloc[0])[:4] + "-01-01").year == 2026
