"""Site selection: exact = brute force, agreement with spopt; greedy, swap, curve properties."""

from __future__ import annotations

import dataclasses
import itertools
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

import access15 as ax
from access15.siting import (
    SitingProblem,
    build_problem,
    candidate_sites,
    coverage_curve,
    plot_curve,
    recommend_upgrades,
    sensitivity,
    solve,
)
from test_coverage import _cfg, _load

pytest.importorskip("highspy")


# ----------------------------------------------------------------------------- brute force
def _raw_value(kind, t, base, w, zone, sites):
    """Objective of ``sites`` straight from the raw instance (no aggregation, no savings)."""
    if kind == "coverage":
        covered = t[list(sites)].any(axis=0) if sites else np.zeros(t.shape[1], dtype=bool)
        return float(w[covered].sum())
    v = base.copy()
    for j in sites:
        v = np.minimum(v, t[j])
    if kind == "median":
        return float(w @ v / w.sum())
    if kind == "center":
        return float(v.max())
    out = []
    for z in np.unique(zone):
        s = zone == z
        out.append(float(w[s] @ v[s] / w[s].sum()))
    return max(out)


def _brute(kind, t, base, w, zone, m, *, k, budget, cost, must, exclude, site_zone, req):
    best = None
    sizes = range(m + 1) if budget is not None else [k]
    for size in sizes:
        if budget is not None and k is not None and size > k:
            continue
        for combo in itertools.combinations(range(m), size):
            if set(must) - set(combo) or set(exclude) & set(combo):
                continue
            if budget is not None and cost[list(combo)].sum() > budget + 1e-9:
                continue
            if any(not (site_zone[list(combo)] == z).any() for z in req):
                continue
            val = _raw_value(kind, t, base, w, zone, combo)
            if best is None or (val > best if kind == "coverage" else val < best):
                best = val
    return best


@st.composite
def instances(draw, kind):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    m = draw(st.integers(2, 6))
    n = draw(st.integers(1, 18))
    w = rng.integers(1, 60, n).astype(float)
    zone = rng.integers(0, 3, n)
    if kind == "coverage":
        t = rng.random((m, n)) < 0.35
        base = None
    else:
        base = rng.integers(5, 40, n).astype(float)
        t = np.where(rng.random((m, n)) < 0.5, rng.integers(0, 45, (m, n)).astype(float), np.inf)
        if draw(st.booleans()):  # ties between sites and with the current time
            t = np.where(np.isfinite(t), np.round(t / 10) * 10, t)
            base = np.round(base / 10) * 10 + 5
    constrained = draw(st.booleans())
    use_budget = constrained and draw(st.booleans())
    k = draw(st.integers(0, m)) if not use_budget else draw(st.one_of(st.none(), st.integers(1, m)))
    cost = rng.integers(1, 5, m).astype(float) if use_budget else np.ones(m)
    budget = float(draw(st.integers(1, 10))) if use_budget else None
    must = [int(rng.integers(m))] if constrained and draw(st.booleans()) else []
    exclude = (
        [j for j in [int(rng.integers(m))] if j not in must]
        if constrained and draw(st.booleans())
        else []
    )
    site_zone = rng.integers(0, 2, m)
    req = sorted(set(rng.integers(0, 2, draw(st.integers(0, 2))).tolist())) if constrained else []
    return {
        "t": t,
        "base": base,
        "w": w,
        "zone": zone,
        "m": m,
        "k": k,
        "budget": budget,
        "cost": cost,
        "must": must,
        "exclude": exclude,
        "site_zone": site_zone,
        "req": req,
    }


def _problem(kind, inst, aggregate=True):
    if kind == "coverage":
        return SitingProblem.from_coverage(sp.csr_matrix(inst["t"]), inst["w"], aggregate=aggregate)
    return SitingProblem.from_times(
        inst["t"],
        inst["base"],
        inst["w"],
        objective=kind,
        zone=inst["zone"],
        aggregate=aggregate,
    )


def _check_exact_equals_brute(kind, inst):
    prob = _problem(kind, inst)
    kw = {
        "k": inst["k"],
        "budget": inst["budget"],
        "cost": inst["cost"],
        "must_include": inst["must"],
        "exclude": inst["exclude"],
        "site_zone": inst["site_zone"],
        "required_zones": inst["req"],
    }
    brute = _brute(
        kind,
        inst["t"],
        inst["base"],
        inst["w"],
        inst["zone"],
        inst["m"],
        k=inst["k"],
        budget=inst["budget"],
        cost=inst["cost"],
        must=inst["must"],
        exclude=inst["exclude"],
        site_zone=inst["site_zone"],
        req=inst["req"],
    )
    if brute is None:
        with pytest.raises(ax.InputError):
            solve(prob, method="exact", **kw)
        return
    sol = solve(prob, method="exact", time_limit_s=30, **kw)
    assert sol.proven, sol
    assert sol.objective == pytest.approx(brute, rel=1e-6, abs=1e-6)
    # the reported objective is the raw objective of the sites returned, and they are feasible
    sites = sol.sites.tolist()
    raw = _raw_value(kind, inst["t"], inst["base"], inst["w"], inst["zone"], sites)
    assert raw == pytest.approx(sol.objective, rel=1e-6, abs=1e-6)
    assert set(inst["must"]) <= set(sites)
    assert not set(inst["exclude"]) & set(sites)
    assert all((inst["site_zone"][sites] == z).any() for z in inst["req"])
    if inst["budget"] is None:
        assert len(sites) == inst["k"]
    else:
        assert inst["cost"][sites].sum() <= inst["budget"] + 1e-9
    # heuristics are feasible and never beat the optimum; the bound is on the right side
    for method in ("greedy", "swap"):
        h = solve(prob, method=method, **kw)
        hv = _raw_value(kind, inst["t"], inst["base"], inst["w"], inst["zone"], h.sites.tolist())
        assert hv == pytest.approx(h.objective, rel=1e-6, abs=1e-6)
        if kind == "coverage":
            assert hv <= brute + 1e-6
            assert h.bound >= brute - 1e-6
        else:
            assert hv >= brute - 1e-6
            assert h.bound <= brute + 1e-6


_HYP = settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_HYP
@given(inst=instances("coverage"))
def test_exact_mclp_equals_brute_force(inst):
    _check_exact_equals_brute("coverage", inst)


@_HYP
@given(inst=instances("median"))
def test_exact_median_equals_brute_force(inst):
    _check_exact_equals_brute("median", inst)


@_HYP
@given(inst=instances("center"))
def test_exact_center_equals_brute_force(inst):
    _check_exact_equals_brute("center", inst)


@_HYP
@given(inst=instances("center-zone"))
def test_exact_center_zone_equals_brute_force(inst):
    _check_exact_equals_brute("center-zone", inst)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(["median", "center", "center-zone"]))
def test_aggregation_does_not_change_objectives(seed, kind):
    rng = np.random.default_rng(seed)
    m, n = 5, 40
    # few distinct values so that many rows share a pattern
    t = np.where(rng.random((m, n)) < 0.5, rng.integers(0, 4, (m, n)) * 5.0, np.inf)
    base = rng.integers(2, 5, n) * 5.0
    w = rng.integers(1, 9, n).astype(float)
    zone = rng.integers(0, 2, n)
    a = SitingProblem.from_times(t, base, w, objective=kind, zone=zone)
    b = SitingProblem.from_times(t, base, w, objective=kind, zone=zone, aggregate=False)
    assert a.n_rows <= b.n_rows
    for size in range(m + 1):
        for combo in itertools.combinations(range(m), size):
            assert a.evaluate(combo) == pytest.approx(b.evaluate(combo), rel=1e-9, abs=1e-9)
            assert a.evaluate(combo) == pytest.approx(
                _raw_value(kind, t, base, w, zone, combo), rel=1e-9, abs=1e-9
            )


# ----------------------------------------------------------------------------- spopt
def test_mclp_objective_equals_spopt():
    spopt_locate = pytest.importorskip("spopt.locate")
    pulp = pytest.importorskip("pulp")
    rng = np.random.default_rng(7)
    for _ in range(3):
        n, m, p = 150, 25, 4
        cover = rng.random((m, n)) < 0.08
        w = rng.integers(1, 100, n).astype(float)
        cost = np.where(cover.T, 1.0, 2.0)  # clients x facilities, covered within 1.5
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = spopt_locate.MCLP.from_cost_matrix(cost, w, service_radius=1.5, p_facilities=p)
            model = model.solve(pulp.PULP_CBC_CMD(msg=False))
        theirs = float(pulp.value(model.problem.objective))
        ours = solve(SitingProblem.from_coverage(sp.csr_matrix(cover), w), k=p)
        assert ours.proven
        assert ours.objective == pytest.approx(theirs, rel=1e-9)


# ----------------------------------------------------------------------------- properties
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(["coverage", "median"]))
def test_greedy_gains_non_increasing_and_curve_never_falls(seed, kind):
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(3, 9)), int(rng.integers(5, 60))
    if kind == "coverage":
        prob = SitingProblem.from_coverage(sp.csr_matrix(rng.random((m, n)) < 0.3), rng.random(n))
    else:
        t = np.where(rng.random((m, n)) < 0.6, rng.random((m, n)) * 30, np.inf)
        prob = SitingProblem.from_times(t, rng.random(n) * 30 + 1, rng.random(n), objective=kind)
    g = solve(prob, k=m, method="greedy")
    assert (np.diff(g.gains) <= 1e-9).all()
    assert (g.gains >= -1e-12).all()
    cv = coverage_curve(prob, m, exact=True)
    for meth, c in cv.groupby("method"):
        obj = c.sort_values("k")["objective"].to_numpy()
        steps = np.diff(obj) if kind == "coverage" else -np.diff(obj)
        assert (steps >= -1e-9).all(), meth
    ex = cv[cv["method"] == "exact"].set_index("k")["objective"]
    gr = cv[cv["method"] == "greedy"].set_index("k")["objective"]
    better = (ex - gr.loc[ex.index]) if kind == "coverage" else (gr.loc[ex.index] - ex)
    assert (better >= -1e-9).all()


def test_tiny_time_limit_is_not_proven_and_reports_the_gap():
    rng = np.random.default_rng(3)
    m, n = 400, 6000
    cover = sp.random(m, n, density=0.02, random_state=rng, format="csr") > 0
    prob = SitingProblem.from_coverage(cover, rng.integers(1, 100, n).astype(float))
    sol = solve(prob, k=25, method="exact", time_limit_s=0.05)
    assert not sol.proven
    assert sol.status != "Optimal"
    assert np.isfinite(sol.gap)
    assert sol.gap > 0
    assert sol.bound > sol.objective


def test_swap_improves_on_greedy_somewhere():
    # greedy takes the big middle site; two side sites together cover more
    cover = np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=bool)
    w = np.array([2.0, 2.0, 2.0, 2.0, 1.5, 1.5])
    prob = SitingProblem.from_coverage(cover, w)
    g, s, e = (solve(prob, k=2, method=x) for x in ("greedy", "swap", "exact"))
    assert g.sites.tolist() == [0, 2]  # greedy 8 + 3 = 11 = optimum here
    assert s.objective >= g.objective
    assert e.objective == pytest.approx(11.0)
    # a case where greedy is beaten: w favours the union of 1 and 2
    w2 = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    prob2 = SitingProblem.from_coverage(
        np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=bool), w2
    )
    g2 = solve(prob2, k=2, method="greedy")
    s2 = solve(prob2, k=2, method="swap")
    assert g2.objective == 6.0
    assert s2.objective == 6.0


# ----------------------------------------------------------------------------- on a county
def test_recommend_objectives_on_tiny_county(tiny):
    net, fac, pop, zones = _load(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=_cfg(3.0, min_tier=3))
    for objective in ("coverage", "median", "center", "center-zone"):
        rec = recommend_upgrades(net, cov, k=1, objective=objective, zones=zones)
        assert rec.ranking["site_id"].tolist() == ["node/202"]
        assert rec.proven
        assert rec.objective_name == objective
        z = rec.zones
        assert z["population"].sum() == pytest.approx(1180.0)
        assert z["covered_after"].sum() == pytest.approx(
            rec.ranking["cumulative_covered_population"].iloc[-1]
        )
    rec = recommend_upgrades(net, cov, k=1)
    assert rec.method == "exact (HiGHS)"
    cv = rec.curve
    assert set(cv["method"]) == {"greedy", "exact"}
    assert cv.loc[cv["k"] == 0, "share"].iloc[0] == pytest.approx(600 / 1180)
    assert cv.loc[cv["k"] == 1, "share"].max() == pytest.approx(1070 / 1180)


def test_recommend_constraints_and_errors(tiny):
    net, fac, pop, zones = _load(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=_cfg(3.0, min_tier=3))
    with pytest.raises(ax.InputError, match="not among the candidates"):
        recommend_upgrades(net, cov, k=1, must_include=["node/999"])
    with pytest.raises(ax.InputError, match="over 1 min to the county hospital"):
        recommend_upgrades(net, cov, k=1, must_include=["node/202"], max_minutes_to_hospital=1)
    with pytest.raises(ax.InputError, match="larger than the 0"):
        recommend_upgrades(net, cov, k=1, exclude=["node/202"])
    rec = recommend_upgrades(net, cov, budget=5.0, cost={"node/202": 2.0})
    assert rec.ranking["cost"].tolist() == [2.0]
    with pytest.raises(ax.InputError, match="budget"):
        recommend_upgrades(net, cov, budget=1.0, cost={"node/202": 2.0}, per_zone=["E"])
    with pytest.raises(ax.InputError, match="unknown objective"):
        recommend_upgrades(net, cov, k=1, objective="fastest")


def test_user_and_generated_candidates(tiny):
    net, fac, pop, zones = _load(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=_cfg(3.0, min_tier=3))
    pts = gpd.GeoDataFrame(
        {"id": ["A", "B"], "name": ["near node 4", "far away"], "cost": [3.0, 1.0]},
        geometry=[Point(100.03, 0.0001), Point(101.0, 1.0)],
        crs="EPSG:4326",
    )
    cand = candidate_sites(net, cov, pts, zones=zones)
    assert cand["on_network"].tolist() == [True, False]
    assert cand["zone_id"].iloc[0] == "E"
    assert cand["cost"].tolist() == [3.0, 1.0]
    rec = recommend_upgrades(net, cov, k=1, candidates=pts, zones=zones)
    assert rec.ranking["site_id"].tolist() == ["A"]
    assert rec.candidates.set_index("site_id").loc["B", "reason"] == "off the road network"
    both = candidate_sites(net, cov, ["tier2", "nodes"], spacing_m=1500.0)
    assert {"tier2", "node"} <= set(both["kind"])
    assert both["site_id"].is_unique
    gaps = candidate_sites(net, cov, "gaps", min_people=1.0)
    assert (gaps["kind"] == "gap").all()


def test_sensitivity_and_plot(tiny, tmp_path):
    net, fac, pop, zones = _load(tiny)
    cov = ax.coverage(net, fac, pop, zones=zones, config=_cfg(3.0, min_tier=3))
    s = sensitivity(net, cov, zones=zones, k=1, minutes_offsets=(-1.0, 0.0, 1.0))
    assert len(s.scenarios) == 9
    assert s.stability["site_id"].tolist() == ["node/202"]
    assert s.stability["times_in_top_k"].iloc[0] == 9
    pytest.importorskip("matplotlib")
    rec = recommend_upgrades(net, cov, k=1)
    out = tmp_path / "curve.png"
    rec.plot_curve(out, title="tiny")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plot_curve(rec.curve, tmp_path / "c2.png", y="objective")


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
    rec = recommend_upgrades(net, cov, k=3, objective="median", curve=False)
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


# ------------------------------------------------------------------ budgeted greedy guarantee
def test_budget_greedy_is_not_fooled_by_a_cheap_small_site():
    """Gain-per-cost alone picks the cheap site (ratio 20) and then cannot afford the big one.

    Site 0 costs 0.1 and covers 2 people; site 1 costs 10 and covers 100; budget 10. The
    cost-effectiveness greedy alone gets 2 people; with the best-single-site run it gets 100.
    """
    t = np.zeros((2, 102), dtype=bool)
    t[0, :2] = True
    t[1, 2:] = True
    prob = SitingProblem.from_coverage(sp.csr_matrix(t), np.ones(102))
    for method in ("greedy", "swap"):
        sol = solve(prob, method=method, k=None, budget=10.0, cost=[0.1, 10.0])
        assert sol.sites.tolist() == [1], method
        assert sol.objective == pytest.approx(100.0)
    exact = solve(prob, method="exact", k=None, budget=10.0, cost=[0.1, 10.0])
    assert exact.proven
    assert exact.objective == pytest.approx(100.0)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_budget_greedy_at_least_best_single_site(seed):
    """With a budget the greedy never does worse than the best single affordable site."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(2, 8)), int(rng.integers(3, 40))
    t = rng.random((m, n)) < 0.3
    w = rng.integers(1, 50, n).astype(float)
    cost = rng.uniform(0.1, 5.0, m)
    budget = float(rng.uniform(cost.min(), cost.sum()))
    prob = SitingProblem.from_coverage(sp.csr_matrix(t), w)
    single = max(float(w[t[j]].sum()) for j in range(m) if cost[j] <= budget)
    sol = solve(prob, method="greedy", k=None, budget=budget, cost=cost)
    assert cost[sol.sites].sum() <= budget + 1e-9
    assert sol.objective >= single - 1e-9


# ------------------------------------------------------ worst-township model: pattern search
def _zone_saving(d, a, b, subset):
    best = b.copy()
    for j in subset:
        best = np.maximum(best, d[j])
    return float(a @ best)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), max_size=st.integers(1, 4), ties=st.booleans())
def test_zone_patterns_are_exactly_the_minimal_sets(seed, max_size, ties):
    """The compiled search lists every minimal set of <= max_size sites reaching the need,
    and nothing else (checked against enumeration of all subsets)."""
    from access15.siting._kernels import zone_patterns

    rng = np.random.default_rng(seed)
    n, nr = int(rng.integers(1, 8)), int(rng.integers(1, 12))
    scale = 3 if ties else 1000  # few distinct values: many ties between sets
    b = rng.integers(0, scale, nr).astype(float)
    d = np.maximum(rng.integers(0, 2 * scale, (n, nr)).astype(float), b)
    a = rng.integers(1, 20, nr).astype(float)
    g0, full = float(a @ b), _zone_saving(d, a, b, range(n))
    need = float(rng.uniform(g0, full + 1.0))
    need = float(np.round(need)) if ties else need
    eps = 1e-12 * max(1.0, full)
    order = np.argsort(-(d @ a), kind="stable")
    d = np.ascontiguousarray(d[order])
    pats, overflow = zone_patterns(d, a, b, need, eps, max_size, 10**6)
    assert not overflow
    got = {tuple(sorted(int(i) for i in p if i >= 0)) for p in pats}
    assert len(got) == len(pats)  # no set twice

    def reaches(s):
        return _zone_saving(d, a, b, s) >= need - eps

    want = {()} if reaches(()) else set()
    if not reaches(()):
        for size in range(1, min(max_size, n) + 1):
            for s in itertools.combinations(range(n), size):
                if reaches(s) and not any(reaches(s[:i] + s[i + 1 :]) for i in range(len(s))):
                    want.add(s)
    assert got == want
    if want and any(len(s) > 1 for s in want):
        assert zone_patterns(d, a, b, need, eps, max_size, 0)[1]  # cap reached: flagged


@st.composite
def zone_instances(draw):
    """Larger worst-township instances than ``instances``: the warm start is often beaten."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    m, n, nz = int(rng.integers(7, 11)), int(rng.integers(30, 80)), int(rng.integers(2, 6))
    zone = rng.integers(0, nz, n)
    zone[:nz] = np.arange(nz)  # every zone populated
    site_zone = rng.integers(0, nz, m)
    base = rng.integers(20, 60, n).astype(float)
    # a site helps its own zone most, its neighbours a little
    near = (np.abs(site_zone[:, None] - zone[None, :]) <= 1) & (rng.random((m, n)) < 0.7)
    t = np.where(near, rng.integers(2, 50, (m, n)).astype(float), np.inf)
    w = rng.integers(1, 200, n).astype(float)
    k = int(rng.integers(2, 5))
    must = [int(rng.integers(m))] if draw(st.booleans()) else []
    exclude = [j for j in [int(rng.integers(m))] if j not in must] if draw(st.booleans()) else []
    req = [int(site_zone[-1])] if draw(st.booleans()) and m - 1 not in exclude else []
    return {
        "t": t,
        "base": base,
        "w": w,
        "zone": zone,
        "m": m,
        "k": k,
        "budget": None,
        "cost": np.ones(m),
        "must": must,
        "exclude": exclude,
        "site_zone": site_zone,
        "req": req,
    }


@settings(max_examples=60, deadline=None)
@given(inst=zone_instances())
def test_center_zone_pattern_search_equals_brute_force(inst):
    """The target search (and the aggregated MILP it falls back on) equal enumeration."""
    _check_exact_equals_brute("center-zone", inst)
    prob = _problem("center-zone", inst)
    kw = {
        "k": inst["k"],
        "must_include": inst["must"],
        "exclude": inst["exclude"],
        "site_zone": inst["site_zone"],
        "required_zones": inst["req"],
    }
    sol = solve(prob, method="exact", **kw)
    assert "milps" in sol.details  # decided by the pattern search, not the fallback
    assert sol.bound == pytest.approx(sol.objective, rel=1e-8)


def test_center_zone_falls_back_to_the_aggregated_milp(monkeypatch):
    """When a zone has too many minimal sets the aggregated MILP decides, with the same answer."""
    import functools

    from access15 import siting

    rng = np.random.default_rng(11)
    m, n = 9, 60
    zone = rng.integers(0, 3, n)
    t = np.where(rng.random((m, n)) < 0.6, rng.integers(2, 50, (m, n)).astype(float), np.inf)
    base = rng.integers(20, 60, n).astype(float)
    w = rng.integers(1, 200, n).astype(float)
    prob = SitingProblem.from_times(t, base, w, objective="center-zone", zone=zone)
    brute = min(
        _raw_value("center-zone", t, base, w, zone, c) for c in itertools.combinations(range(m), 3)
    )
    direct = solve(prob, k=3)
    assert "milps" in direct.details
    monkeypatch.setattr(
        siting, "_center_zone_descent", functools.partial(siting._center_zone_descent, cap=0)
    )
    fallback = solve(prob, k=3)
    assert "sets" in fallback.details
    assert "milps" not in fallback.details
    for sol in (direct, fallback):
        assert sol.proven
        assert sol.objective == pytest.approx(brute, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(inst=zone_instances(), mid_after=st.sampled_from([0, 1]))
def test_center_zone_search_from_a_poor_start_with_midpoint_targets(inst, mid_after):
    """From the worst plan, with midpoint targets early, the search still proves the optimum."""
    from access15 import siting

    prob = _problem("center-zone", inst)
    rules = siting._rules(
        prob.n_sites,
        k=inst["k"],
        budget=None,
        cost=None,
        must_include=inst["must"],
        exclude=inst["exclude"],
        site_zone=inst["site_zone"],
        required_zones=inst["req"],
    )
    plans = [
        c
        for c in itertools.combinations(range(prob.n_sites), inst["k"])
        if set(inst["must"]) <= set(c)
        and not set(inst["exclude"]) & set(c)
        and all((inst["site_zone"][list(c)] == z).any() for z in inst["req"])
    ]
    if not plans:
        return
    vals = [prob.evaluate(c) for c in plans]
    worst = list(plans[int(np.argmax(vals))])
    out = siting._center_zone_descent(
        prob, rules, worst, time_limit_s=30.0, threads=None, mid_after=mid_after
    )
    assert out is not None
    sites, bound, proven, status, _ = out
    assert proven
    assert status == "Optimal"
    assert prob.evaluate(sites) == pytest.approx(min(vals), rel=1e-9)
    assert bound <= min(vals) + 1e-9
    assert bound == pytest.approx(min(vals), rel=1e-8)
    assert sorted(sites) in [sorted(c) for c in plans]


@pytest.mark.slow
def test_sensitivity_ranks_the_base_candidates_in_every_scenario(sample_county, monkeypatch):
    """Generated candidates (gap centroids) come from the base coverage once: with slower
    roads there are other gaps, but every scenario ranks the base list's sites."""
    from access15 import siting

    net, cov, zones, _ = sample_county
    base = candidate_sites(net, cov, "gaps", zones=zones, level="subcentre")
    slow = ax.coverage(
        dataclasses.replace(net, edge_time_s=net.edge_time_s / 0.8),
        cov.facilities,
        cov.population,
        zones=zones,
    )
    slow_gaps = candidate_sites(net, slow, "gaps", zones=zones, level="subcentre")
    assert len(slow_gaps) != len(base)  # regenerating per scenario would rank other sites
    seen = []
    real = siting.recommend_upgrades

    def spy(*args, **kwargs):
        seen.append(kwargs["candidates"])
        return real(*args, **kwargs)

    monkeypatch.setattr(siting, "recommend_upgrades", spy)
    s = sensitivity(
        net,
        cov,
        zones=zones,
        k=2,
        candidates="gaps",
        method="swap",
        speed_factors=(0.8, 1.0),
        minutes_offsets=(0.0,),
    )
    assert len(s.scenarios) == len(seen) == 2
    for cand in seen:
        assert cand["site_id"].tolist() == base["site_id"].tolist()
        np.testing.assert_array_equal(cand[["lon", "lat"]].to_numpy(), base[["lon", "lat"]])
    listed = {sid for sites in s.scenarios["sites"] for sid in sites.split(",") if sid}
    assert listed <= set(base["site_id"])
