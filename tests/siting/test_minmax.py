"""The min-max target searches: zone patterns, the worst-township search and its fallback."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _siting_instances import (
    check_exact_equals_brute,
    constraints,
    problem,
    raw_value,
    zone_instances,
)
from access15.siting import SitingProblem, solve
from access15.siting import solver as solver_module
from access15.siting._kernels import zone_patterns
from access15.siting.constraints import make_rules
from access15.siting.minmax import center_zone_descent

pytest.importorskip("highspy")


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


@settings(max_examples=60, deadline=None)
@given(inst=zone_instances())
def test_center_zone_pattern_search_equals_brute_force(inst):
    """The target search (and the aggregated MILP it falls back on) equal enumeration."""
    check_exact_equals_brute("center-zone", inst)
    prob = problem("center-zone", inst)
    sol = solve(prob, constraints(inst), method="exact")
    assert "milps" in sol.details  # decided by the pattern search, not the fallback
    assert sol.bound == pytest.approx(sol.objective, rel=1e-8)


def test_center_zone_falls_back_to_the_aggregated_milp(monkeypatch):
    """When a zone has too many minimal sets the aggregated MILP decides, with the same answer."""
    rng = np.random.default_rng(11)
    m, n = 9, 60
    zone = rng.integers(0, 3, n)
    t = np.where(rng.random((m, n)) < 0.6, rng.integers(2, 50, (m, n)).astype(float), np.inf)
    base = rng.integers(20, 60, n).astype(float)
    w = rng.integers(1, 200, n).astype(float)
    prob = SitingProblem.from_times(t, base, w, objective="center-zone", zone=zone)
    brute = min(
        raw_value("center-zone", t, base, w, zone, c) for c in itertools.combinations(range(m), 3)
    )
    direct = solve(prob, k=3)
    assert "milps" in direct.details
    monkeypatch.setattr(
        solver_module, "center_zone_descent", functools.partial(center_zone_descent, cap=0)
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
    prob = problem("center-zone", inst)
    rules = make_rules(prob.n_sites, constraints(inst))
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
    out = center_zone_descent(
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
