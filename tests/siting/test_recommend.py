"""recommend_upgrades on a county: hand-computed gains, reruns of coverage, options and errors."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

import access15 as ax
from access15.siting import SitingOptions, build_problem, candidate_sites, recommend_upgrades, solve
from conftest import LEG_S, RES_NS_S, SEC_S, load_tiny, one_level_config

pytest.importorskip("highspy")


def test_upgrade_gain_known_by_hand(tiny):
    net, fac, pop, zones = load_tiny(tiny)
    # 3 minutes = 180 s of a tier >= 3 facility: today only the hospital (node 1) counts
    minutes = 3.0
    cov = ax.coverage(net, fac, pop, zones=zones, config=one_level_config(minutes, min_tier=3))
    # covered today: node 1 (LEG_S), node 2 (SEC_S + LEG_S = 89 s), node 3 (2 SEC_S + LEG_S = 169 s)
    assert 2 * SEC_S + LEG_S < 180 < 3 * SEC_S + LEG_S
    rec = ax.recommend_upgrades(net, cov, k=1)
    assert rec.baseline_covered == pytest.approx(100 + 200 + 300)
    r = rec.ranking.iloc[0]
    assert r.site_id == "node/202"
    # upgrading the centre at node 5 adds node 4 (4->5: RES_NS_S + LEG_S = 168 s) and node 5
    assert RES_NS_S + LEG_S < 180
    assert r.added_population == pytest.approx(400 + 70)
    assert r.cumulative_share == pytest.approx((600 + 470) / 1180)


def test_k_larger_than_candidates(tiny):
    net, fac, pop, _ = load_tiny(tiny)
    cov = ax.coverage(net, fac, pop, config=one_level_config(3.0, min_tier=3))
    with pytest.raises(ax.InputError, match="K=2 is larger than the 1 tier-2 candidates"):
        ax.recommend_upgrades(net, cov, k=2)
    with pytest.raises(ax.InputError, match="K=2 is larger than the 1 tier-2 candidates"):
        ax.recommend_upgrades(net, cov, SitingOptions(k=2, candidates="tier2"))


def test_objective_equals_coverage_rerun_after_upgrade(tiny):
    """Independent check: promote the picks to tier 3, rerun coverage, compare."""
    net, fac, pop, _ = load_tiny(tiny)
    cfg = one_level_config(3.0, min_tier=3)
    cov = ax.coverage(net, fac, pop, config=cfg)
    rec = ax.recommend_upgrades(net, cov, k=1)
    up = fac.copy()
    up.loc[up["facility_id"].isin(rec.ranking["site_id"]), "tier"] = 3
    after = ax.coverage(net, up, pop, config=cfg).summary["levels"]["test"]["covered_population"]
    assert after == pytest.approx(rec.ranking["objective"].iloc[-1])


def test_recommend_objectives_on_tiny_county(tiny):
    net, fac, pop, zones = load_tiny(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=one_level_config(3.0, min_tier=3))
    for objective in ("coverage", "median", "center", "center-zone"):
        rec = recommend_upgrades(net, cov, SitingOptions(k=1, objective=objective), zones=zones)
        assert rec.ranking["site_id"].tolist() == ["node/202"]
        assert rec.proven
        assert rec.objective_name == objective
        assert rec.options.objective == objective
        z = rec.zones
        assert z["population"].sum() == pytest.approx(1180.0)
        assert z["covered_after"].sum() == pytest.approx(
            rec.ranking["cumulative_covered_population"].iloc[-1]
        )
    rec = recommend_upgrades(net, cov, k=1)
    assert rec.method == "exact (HiGHS)"
    assert rec.options == SitingOptions(k=1)
    cv = rec.curve
    assert set(cv["method"]) == {"greedy", "exact"}
    assert cv.loc[cv["k"] == 0, "share"].iloc[0] == pytest.approx(600 / 1180)
    assert cv.loc[cv["k"] == 1, "share"].max() == pytest.approx(1070 / 1180)


def test_recommend_constraints_and_errors(tiny):
    net, fac, pop, zones = load_tiny(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=one_level_config(3.0, min_tier=3))
    with pytest.raises(ax.InputError, match="not among the candidates"):
        recommend_upgrades(net, cov, SitingOptions(k=1, must_include=("node/999",)))
    with pytest.raises(ax.InputError, match="over 1 min to the county hospital"):
        recommend_upgrades(
            net, cov, SitingOptions(k=1, must_include=("node/202",), max_minutes_to_hospital=1)
        )
    with pytest.raises(ax.InputError, match="larger than the 0"):
        recommend_upgrades(net, cov, SitingOptions(k=1, exclude=("node/202",)))
    rec = recommend_upgrades(net, cov, SitingOptions(budget=5.0, cost={"node/202": 2.0}))
    assert rec.ranking["cost"].tolist() == [2.0]
    with pytest.raises(ax.InputError, match="budget"):
        recommend_upgrades(
            net, cov, SitingOptions(budget=1.0, cost={"node/202": 2.0}, per_zone=("E",))
        )
    with pytest.raises(ax.InputError, match="objective 'fastest' is not one of"):
        recommend_upgrades(net, cov, SitingOptions(k=1, objective="fastest"))
    with pytest.raises(ax.InputError, match="zone 'W' has no eligible candidate"):
        recommend_upgrades(net, cov, SitingOptions(k=1, per_zone=("W",)), zones=zones)
    with pytest.raises(ax.InputError, match="cost column 'price' not in the candidates"):
        recommend_upgrades(net, cov, SitingOptions(k=1, cost="price"))
    with pytest.raises(ax.InputError, match="no cost for candidate 'node/202'"):
        recommend_upgrades(net, cov, SitingOptions(k=1, cost={"elsewhere": 1.0}))


def test_user_candidates_are_ranked_and_off_network_ones_explained(tiny):
    net, fac, pop, zones = load_tiny(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=one_level_config(3.0, min_tier=3))
    pts = gpd.GeoDataFrame(
        {"id": ["A", "B"], "name": ["near node 4", "far away"], "cost": [3.0, 1.0]},
        geometry=[Point(100.03, 0.0001), Point(101.0, 1.0)],
        crs="EPSG:4326",
    )
    rec = recommend_upgrades(net, cov, SitingOptions(k=1, candidates=pts), zones=zones)
    assert rec.ranking["site_id"].tolist() == ["A"]
    assert rec.candidates.set_index("site_id").loc["B", "reason"] == "off the road network"
    # a candidate_sites table is used as it is (not snapped again)
    table = candidate_sites(net, cov, pts, zones=zones)
    again = recommend_upgrades(net, cov, SitingOptions(k=1, candidates=table), zones=zones)
    assert again.ranking["site_id"].tolist() == ["A"]


def test_old_keywords_warn_and_rank_as_the_options_do(tiny):
    net, fac, pop, zones = load_tiny(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=one_level_config(3.0, min_tier=3))
    with pytest.warns(DeprecationWarning, match="SitingOptions"):
        old = recommend_upgrades(
            net,
            cov,
            k=1,
            objective="p-median",
            method="swap",
            candidates=["tier2", "nodes"],
            candidate_options={"spacing_m": 1500.0},
            curve=False,
            zones=zones,
        )
    opts = SitingOptions(
        k=1,
        objective="median",
        method="swap",
        candidates=("tier2", "nodes"),
        grid_spacing_m=1500.0,
        curve=False,
    )
    new = recommend_upgrades(net, cov, opts, zones=zones)
    pd.testing.assert_frame_equal(old.ranking, new.ranking)
    assert old.options == new.options == opts
    with pytest.raises(TypeError, match="unexpected keyword argument 'methd'"):
        recommend_upgrades(net, cov, methd="swap")


def test_plot_curve_of_a_recommendation(tiny, tmp_path):
    pytest.importorskip("matplotlib")
    from access15.outputs.figures import plot_curve

    net, fac, pop, zones = load_tiny(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=one_level_config(3.0, min_tier=3))
    rec = recommend_upgrades(net, cov, k=1)
    out = tmp_path / "curve.png"
    plot_curve(rec.curve, out, title="tiny")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plot_curve(rec.curve, tmp_path / "c2.png", y="objective")
    assert (tmp_path / "c2.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ax.InputError, match="curve has no column 'people'"):
        plot_curve(rec.curve, tmp_path / "c3.png", y="people")


@pytest.fixture(scope="module")
def sample_county():
    p = ax.sample_paths()
    osm = ax.read_osm(p["osm"])
    net = ax.build_network(osm)
    fac = ax.facilities_from_osm(osm)
    county = ax.read_boundary(p["county"])
    pop = ax.read_population(p["population"], boundary=county)
    zones = ax.read_zones(p["townships"])
    return net, ax.coverage(net, fac, pop, zones=zones), zones, fac


@pytest.mark.slow
def test_sample_county_exact_equals_enumeration_and_rerun(sample_county):
    net, cov, zones, fac = sample_county
    cand = candidate_sites(net, cov, zones=zones)
    for objective in ("coverage", "median", "center-zone"):
        prob = build_problem(net, cov, cand, objective=objective)
        assert prob.n_rows < prob.n_cells / 5  # aggregation pays
        sol = solve(prob, k=2)
        assert sol.proven
        vals = [prob.evaluate(c) for c in itertools.combinations(range(prob.n_sites), 2)]
        best = max(vals) if objective == "coverage" else min(vals)
        assert sol.objective == pytest.approx(best, rel=1e-9)
    # independent check: promote the chosen centres to tier 3 and rerun coverage
    rec = recommend_upgrades(net, cov, SitingOptions(k=3, objective="median", curve=False))
    up = fac.copy()
    up.loc[up["facility_id"].isin(rec.ranking["site_id"]), "tier"] = 3
    after = ax.coverage(net, up, cov.population, zones=zones).cells
    m = after["minutes_subcentre"].to_numpy()
    ok = np.isfinite(m)
    mean = float(np.average(m[ok], weights=after["pop"].to_numpy()[ok]))
    assert rec.ranking["objective"].iloc[-1] == pytest.approx(mean, rel=1e-9)
    assert rec.ranking["mean_minutes"].iloc[-1] == pytest.approx(mean, rel=1e-9)
    cov_share = float(after["pop"][m <= 30.0].sum()) / float(after["pop"].sum())
    assert rec.ranking["cumulative_share"].iloc[-1] == pytest.approx(cov_share, rel=1e-9)
    assert isinstance(rec.zones, pd.DataFrame)
