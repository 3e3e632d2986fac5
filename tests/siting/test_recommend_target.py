"""recommend_upgrades with target_share (fewest sites) and site_capacity (capacitated MCLP)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

import access15 as ax
from access15.siting import SitingOptions, candidate_sites, recommend_upgrades
from conftest import load_tiny, one_level_config

pytest.importorskip("highspy")

NODES = ("tier2", "nodes")  # the tier-2 centre (node/202) and one road node per 1 km square
SITES = ("node/202", "node/1", "node/2", "node/3", "node/4", "node/5", "node/6")


def _county(tiny):
    net, fac, pop, zones = load_tiny(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=one_level_config(3.0, min_tier=3))
    return net, cov, zones


def _opts(**kw) -> SitingOptions:
    return SitingOptions(candidates=NODES, grid_spacing_m=1000.0, **kw)


def test_target_share_gives_the_fewest_sites(tiny):
    net, cov, zones = _county(tiny)
    # today 600 of 1180 people (50.8 %); node/202 adds 470 (90.7 %); the best pair 95.8 %
    rec = recommend_upgrades(net, cov, _opts(target_share=0.8), zones=zones)
    assert rec.ranking["site_id"].tolist() == ["node/202"]
    assert rec.target_share == 0.8
    assert rec.target_reached is True
    assert not rec.already_met
    assert rec.proven
    assert rec.bound == 1.0
    assert rec.ranking["cumulative_share"].iloc[-1] == pytest.approx(1070 / 1180)
    assert "target 80.0% reached with K = 1" in " ".join(rec.notes)
    assert rec.options.target_share == 0.8
    rec = recommend_upgrades(net, cov, _opts(target_share=0.95), zones=zones)
    r = rec.ranking
    assert len(r) == 2
    assert r["site_id"].iloc[0] == "node/202"  # ordered by people added
    assert r["added_population"].is_monotonic_decreasing
    assert r["cumulative_share"].iloc[-1] >= 0.95
    assert r["objective"].iloc[-1] == pytest.approx(r["cumulative_covered_population"].iloc[-1])
    assert rec.proven
    assert rec.bound == 2.0
    assert rec.curve["k"].max() == 2
    # greedy answers the same question, without the proof machinery
    greedy = recommend_upgrades(net, cov, _opts(target_share=0.95, method="greedy"))
    assert len(greedy.ranking) >= 2
    assert greedy.ranking["cumulative_share"].iloc[-1] >= 0.95
    assert greedy.method == "greedy"


def test_target_met_today_and_unreachable(tiny):
    net, cov, zones = _county(tiny)
    rec = recommend_upgrades(net, cov, _opts(target_share=0.5), zones=zones)
    assert rec.ranking.empty
    assert rec.already_met
    assert rec.target_reached is True
    assert rec.proven
    assert "met today" in " ".join(rec.notes)
    assert "no site is needed (K = 0)" in " ".join(rec.notes)
    assert rec.curve.empty
    with pytest.raises(ax.InputError, match=r"unreachable: every eligible site together covers "
                                            r"0\.9576"):  # fmt: skip
        recommend_upgrades(net, cov, _opts(target_share=1.0), zones=zones)
    # K is a cap with a target, never the answer
    with pytest.raises(ax.InputError, match="cannot be reached within K <= 1"):
        recommend_upgrades(net, cov, _opts(target_share=0.95, k=1), zones=zones)
    rec = recommend_upgrades(net, cov, _opts(target_share=0.95, k=5), zones=zones)
    assert len(rec.ranking) == 2


def test_target_with_costs_and_exclusions(tiny):
    net, cov, zones = _county(tiny)
    base = recommend_upgrades(net, cov, _opts(target_share=0.95), zones=zones)
    pair = set(base.ranking["site_id"])
    # every other site cheap, the pair dear: least cost may need more sites, never more money
    cost = {s: (50.0 if s in pair else 1.0) for s in SITES}
    rec = recommend_upgrades(net, cov, _opts(target_share=0.95, cost=cost), zones=zones)
    assert rec.ranking["cost"].sum() <= 100.0
    assert rec.ranking["cumulative_share"].iloc[-1] >= 0.95
    assert rec.proven
    assert rec.bound == pytest.approx(rec.ranking["cost"].sum())
    ex = recommend_upgrades(net, cov, _opts(target_share=0.8, exclude=("node/202",)))
    assert "node/202" not in set(ex.ranking["site_id"])
    assert ex.ranking["cumulative_share"].iloc[-1] >= 0.8


def test_target_and_capacity_need_coverage(tiny):
    net, cov, _ = _county(tiny)
    with pytest.raises(ax.InputError, match="target_share needs the coverage objective"):
        recommend_upgrades(net, cov, _opts(target_share=0.9, objective="median"))
    with pytest.raises(ax.InputError, match="site_capacity needs the coverage objective"):
        recommend_upgrades(net, cov, _opts(k=1, site_capacity={}, objective="center"))
    with pytest.raises(ax.InputError, match="cannot be combined"):
        recommend_upgrades(net, cov, _opts(target_share=0.9, site_capacity={"a": 1.0}))


def test_capacity_limits_what_a_site_serves(tiny):
    net, cov, zones = _county(tiny)
    plain = recommend_upgrades(net, cov, _opts(k=2), zones=zones)
    inf = {s: math.inf for s in SITES}
    same = recommend_upgrades(net, cov, _opts(k=2, site_capacity=inf), zones=zones)
    assert same.capacitated
    assert same.ranking["objective"].iloc[-1] == pytest.approx(plain.ranking["objective"].iloc[-1])
    assert same.proven
    assert {"capacity", "served"} <= set(same.ranking.columns)
    assert "capacity" not in plain.ranking.columns
    # node/202 reaches 470 new people but may serve only 100
    cap = {**{s: 1e9 for s in SITES}, "node/202": 100.0}
    rec = recommend_upgrades(net, cov, _opts(k=2, site_capacity=cap), zones=zones)
    r = rec.ranking.set_index("site_id")
    assert rec.proven
    assert rec.method == "exact (HiGHS)"
    assert (r["served"] <= r["capacity"] + 1e-6).all()
    assert r.loc["node/202", "capacity"] == 100.0
    assert r.loc["node/202", "served"] == pytest.approx(100.0)
    assert rec.ranking["objective"].iloc[-1] == pytest.approx(600 + r["served"].sum())
    assert rec.ranking["objective"].iloc[-1] <= plain.ranking["objective"].iloc[-1] + 1e-6
    assert rec.ranking["served"].is_monotonic_decreasing
    assert rec.ranking["gain"].tolist() == rec.ranking["served"].tolist()
    assert rec.curve.empty  # the curve is uncapacitated: not shown
    # zero capacity everywhere: nothing is served beyond today
    zero = recommend_upgrades(net, cov, _opts(k=1, site_capacity=dict.fromkeys(SITES, 0.0)))
    assert zero.ranking["objective"].iloc[-1] == pytest.approx(600.0)
    # one number for every site equals the same number site by site
    one = recommend_upgrades(net, cov, _opts(k=2, site_capacity=100.0), zones=zones)
    each = recommend_upgrades(
        net, cov, _opts(k=2, site_capacity=dict.fromkeys(SITES, 100.0)), zones=zones
    )
    assert one.ranking["capacity"].tolist() == [100.0, 100.0]
    pd.testing.assert_frame_equal(one.ranking, each.ranking)
    swap = recommend_upgrades(net, cov, _opts(k=1, site_capacity=inf, method="swap"))
    assert "solved exactly" in " ".join(swap.notes)


def test_capacity_from_a_column_and_bad_values(tiny):
    net, cov, zones = _county(tiny)
    pts = gpd.GeoDataFrame(
        {"id": ["A", "B"], "name": ["near node 4", "near node 2"], "beds": [50.0, 1000.0]},
        geometry=[Point(100.03, 0.0001), Point(100.01, 0.0001)],
        crs="EPSG:4326",
    )
    # a candidate_sites table is used as it is, with any column added to it
    table = candidate_sites(net, cov, pts, zones=zones)
    table["beds"] = [50.0, 1000.0]
    opts = SitingOptions(k=1, candidates=table, site_capacity="beds")
    rec = recommend_upgrades(net, cov, opts)
    assert rec.ranking["capacity"].iloc[0] in (50.0, 1000.0)
    assert rec.candidates["capacity"].tolist() == [50.0, 1000.0]
    assert rec.ranking["served"].iloc[0] <= rec.ranking["capacity"].iloc[0]
    by_name = recommend_upgrades(
        net, cov, SitingOptions(k=1, candidates=pts, site_capacity={"near node 4": 5, "B": 7})
    )
    assert set(by_name.candidates["capacity"]) == {5.0, 7.0}
    with pytest.raises(ax.InputError, match="site_capacity column 'doctors' not in the cand"):
        recommend_upgrades(net, cov, SitingOptions(k=1, candidates=pts, site_capacity="doctors"))
    with pytest.raises(ax.InputError, match="no site_capacity for candidate 'B'"):
        recommend_upgrades(net, cov, SitingOptions(k=1, candidates=pts, site_capacity={"A": 1}))
    with pytest.raises(ax.InputError, match="site_capacity of candidate 'A' is negative"):
        recommend_upgrades(
            net, cov, SitingOptions(k=1, candidates=pts, site_capacity={"A": -1, "B": 1})
        )


@pytest.mark.parametrize("bad", [0, -0.5, 1.5, "most", math.nan, math.inf])
def test_options_check_target_share(bad):
    with pytest.raises(ax.InputError, match="target_share must"):
        SitingOptions(target_share=bad)


def test_options_normalise_target_and_capacity():
    o = SitingOptions(target_share=1, site_capacity={"a": 3})
    assert o.target_share == 1.0
    assert isinstance(o.target_share, float)
    assert o.site_capacity == {"a": 3}
    assert "target_share=1.0" in repr(o)
    assert SitingOptions(site_capacity="doctors").site_capacity == "doctors"
    assert SitingOptions().target_share is None
    assert SitingOptions().site_capacity is None
    assert SitingOptions(site_capacity=3).site_capacity == 3.0  # one number for every site
    with pytest.raises(ax.InputError, match="site_capacity must be a candidate column name"):
        SitingOptions(site_capacity=[3])
    with pytest.raises(ax.InputError, match="site_capacity must be people >= 0"):
        SitingOptions(site_capacity=-3)
    assert np.isclose(SitingOptions(target_share=0.9).target_share, 0.9)
