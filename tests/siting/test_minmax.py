"""access15.siting.minmax: the worst-township target search and its fallback."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from access15.siting import SitingProblem, solve
from access15.siting import solver as solver_module
from access15.siting.constraints import make_rules
from access15.siting.minmax import center_zone_descent
from conftest import (
    check_exact_equals_brute,
    constraints,
    problem,
    raw_value,
    zone_instances,
)

pytest.importorskip("highspy")


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
