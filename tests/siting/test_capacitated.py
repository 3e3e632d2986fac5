"""Capacitated MCLP: against enumeration with an independent max flow per plan, and limits."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest

from access15.errors import InputError
from access15.siting import (
    SiteConstraints,
    SitingProblem,
    capacitated_value,
    solve,
    solve_capacitated,
)

pytest.importorskip("highspy")


def _flow(cover, w, cap, sites) -> int:
    """Most people a plan serves: max flow source -> demand -> site -> sink (integers)."""
    g = nx.DiGraph()
    for i, wi in enumerate(w):
        g.add_edge("s", ("d", i), capacity=int(wi))
    for j in sites:
        if np.isfinite(cap[j]):
            g.add_edge(("x", j), "t", capacity=int(cap[j]))
        else:
            g.add_edge(("x", j), "t")  # no capacity attribute: unbounded
        for i in np.flatnonzero(cover[j]):
            g.add_edge(("d", int(i)), ("x", j))
    if "t" not in g:
        return 0
    return int(nx.maximum_flow_value(g, "s", "t"))


def _instance(seed: int):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(4, 9))
    n = int(rng.integers(5, 14))
    cover = rng.random((m, n)) < rng.uniform(0.2, 0.5)
    w = rng.integers(1, 50, size=n).astype(float)
    cap = rng.integers(0, 80, size=m).astype(float)
    cap[rng.random(m) < 0.2] = math.inf
    today = float(rng.integers(0, 100))
    return rng, cover, w, cap, today


@pytest.mark.parametrize("seed", range(40))
def test_capacitated_equals_enumeration_with_max_flow(seed):
    rng, cover, w, cap, today = _instance(seed)
    m = cover.shape[0]
    perm = rng.permutation(m).tolist()
    must = perm[:1] if seed % 3 == 0 else []
    exclude = perm[1:2] if seed % 2 == 0 else []
    k = int(rng.integers(1, min(4, m - len(exclude)) + 1))
    best = -1
    for s in itertools.combinations(range(m), k):
        if set(must) <= set(s) and not set(s) & set(exclude):
            best = max(best, _flow(cover, w, cap, s))
    p = SitingProblem.from_coverage(cover, w, covered=today, aggregate=seed % 2 == 0)
    cons = SiteConstraints(k=k, must_include=must, exclude=exclude)
    sol = solve_capacitated(p, cap, cons)
    assert sol.proven
    assert sol.status == "Optimal"
    assert sol.objective == pytest.approx(today + best, abs=1e-6)
    assert sol.bound == pytest.approx(sol.objective, rel=1e-6)
    s = sol.sites.tolist()
    assert len(s) == k
    assert set(must) <= set(s)
    assert s[: len(must)] == must
    assert not set(s) & set(exclude)
    # the plan itself serves that many (independent flow), each site within its capacity
    assert _flow(cover, w, cap, s) == pytest.approx(best, abs=1e-6)
    served = sol.details["served"]
    assert served.sum() == pytest.approx(best, abs=1e-6)
    assert (served <= np.where(np.isfinite(cap), cap, np.inf) + 1e-6).all()
    assert served[[j for j in range(m) if j not in s]].sum() == 0
    assert sol.gains.tolist() == pytest.approx(served[s].tolist())
    rest = sol.gains[len(must) :]
    assert (np.diff(rest) <= 1e-9).all()  # ranked by people served
    # never above the uncapacitated optimum
    plain = solve(p, cons, method="exact")
    assert sol.objective <= plain.objective + 1e-6
    covered, per_site = capacitated_value(p, cap, s)
    assert covered == pytest.approx(sol.objective)
    assert per_site.sum() == pytest.approx(best, abs=1e-6)


@pytest.mark.parametrize("seed", range(200, 215))
def test_infinite_capacity_is_the_plain_mclp(seed):
    _, cover, w, _, today = _instance(seed)
    m = cover.shape[0]
    p = SitingProblem.from_coverage(cover, w, covered=today)
    for k in range(1, min(m, 4) + 1):
        sol = solve_capacitated(p, np.full(m, math.inf), k=k)
        plain = solve(p, k=k, method="exact")
        assert sol.objective == plain.objective  # exactly, both in whole people here
        assert p.evaluate(sol.sites) == plain.objective
        # a capacity larger than everyone a site reaches is the same as none
        big = solve_capacitated(p, np.full(m, w.sum() + 1.0), k=k)
        assert big.objective == plain.objective


def test_known_answer_by_hand():
    # site 0 reaches groups 0, 1 (5 + 4 people), site 1 groups 1, 2 (4 + 3)
    p = SitingProblem.from_coverage(np.array([[1, 1, 0], [0, 1, 1]]), [5.0, 4.0, 3.0], covered=1.0)
    assert solve_capacitated(p, [4.0, 10.0], k=1).sites.tolist() == [1]  # 7 > 4
    assert solve_capacitated(p, [4.0, 10.0], k=1).objective == 8.0
    two = solve_capacitated(p, [6.0, 5.0], k=2)
    assert two.objective == 1.0 + 11.0
    assert sorted(two.details["served"].tolist()) == [5.0, 6.0]
    assert two.sites.tolist() == [0, 1]  # site 0 serves 6, site 1 serves 5
    # a budget and costs: only the cheap site fits
    cons = SiteConstraints(k=2, budget=1.0, cost=[1.0, 2.0])
    assert solve_capacitated(p, [6.0, 5.0], cons).sites.tolist() == [0]
    # required zone
    cons = SiteConstraints(k=1, site_zone=[0, 1], required_zones=[0])
    assert solve_capacitated(p, [4.0, 10.0], cons).sites.tolist() == [0]
    assert "served" in solve_capacitated(p, [4.0, 10.0], k=1).details


def test_zero_capacity_site_is_never_useful():
    rng = np.random.default_rng(3)
    for _ in range(10):
        m, n = 6, 10
        cover = rng.random((m, n)) < 0.4
        w = rng.integers(1, 30, size=n).astype(float)
        cap = rng.integers(5, 60, size=m).astype(float)
        cap[0] = 0.0
        p = SitingProblem.from_coverage(cover, w)
        with_zero = solve_capacitated(p, cap, k=2)
        without = solve_capacitated(p, cap, SiteConstraints(k=2, exclude=[0]))
        assert with_zero.objective == pytest.approx(without.objective)
        assert with_zero.details["served"][0] == 0.0
        forced = solve_capacitated(p, cap, SiteConstraints(k=1, must_include=[0]))
        assert forced.objective == p.fixed
        assert forced.gains.tolist() == [0.0]


def test_capacities_never_raise_the_objective():
    rng = np.random.default_rng(11)
    for _ in range(10):
        m, n = 7, 12
        cover = rng.random((m, n)) < 0.35
        w = rng.integers(1, 40, size=n).astype(float)
        p = SitingProblem.from_coverage(cover, w, covered=5.0)
        lo = rng.integers(0, 40, size=m).astype(float)
        hi = lo + rng.integers(0, 40, size=m)
        for k in (1, 3):
            a = solve_capacitated(p, lo, k=k).objective
            b = solve_capacitated(p, hi, k=k).objective
            c = solve(p, k=k, method="exact").objective
            assert a <= b + 1e-9 <= c + 2e-9  # larger capacities never hurt


def test_capacitated_value_of_plans():
    p = SitingProblem.from_coverage(np.array([[1, 1], [0, 1]]), [5.0, 4.0], covered=2.0)
    covered, served = capacitated_value(p, [6.0, 1.0], [0, 1])
    assert covered == 11.0 - 2.0  # 6 + 1 of 9 people, plus the 2 covered today
    assert served.tolist() == [6.0, 1.0]
    assert capacitated_value(p, [6.0, 1.0], [])[0] == 2.0
    assert capacitated_value(p, [math.inf, 0.0], [0])[0] == 11.0


@pytest.mark.parametrize(
    "cap", [[1.0], [1.0, -1.0], [1.0, math.nan], "many", [[1.0, 2.0]]], ids=str
)
def test_bad_capacities(cap):
    p = SitingProblem.from_coverage(np.array([[1, 1], [0, 1]]), [5.0, 4.0])
    with pytest.raises(InputError, match="site capacity must be"):
        solve_capacitated(p, cap, k=1)


def test_needs_coverage_and_feasible_constraints():
    t = SitingProblem.from_times(np.array([[1.0, 2.0]]), base=[5.0, 5.0], weights=[1.0, 1.0])
    with pytest.raises(InputError, match="coverage objective, not 'median'"):
        solve_capacitated(t, [1.0], k=1)
    p = SitingProblem.from_coverage(np.array([[1, 1], [0, 1]]), [5.0, 4.0])
    with pytest.raises(InputError, match="K=3 is larger"):
        solve_capacitated(p, [1.0, 1.0], k=3)
    # each zone needs a site, but the budget pays for one: only HiGHS can tell
    cons = SiteConstraints(k=2, budget=1.5, cost=[1.0, 1.0], site_zone=[0, 1])
    cons = SiteConstraints(**{**cons.__dict__, "required_zones": [0, 1]})
    with pytest.raises(InputError, match="budget"):
        solve_capacitated(p, [1.0, 1.0], cons)


def test_larger_instance_honest_within_time_limit():
    rng = np.random.default_rng(5)
    m, n = 80, 600
    cover = rng.random((m, n)) < 0.05
    w = rng.integers(1, 200, size=n).astype(float)
    cap = rng.integers(100, 2000, size=m).astype(float)
    p = SitingProblem.from_coverage(cover, w, covered=1000.0)
    sol = solve_capacitated(p, cap, k=8, time_limit_s=0.05)
    assert sol.bound >= sol.objective
    assert sol.objective <= p.trivial_bound()
    assert capacitated_value(p, cap, sol.sites)[0] == pytest.approx(sol.objective)
    if not sol.proven:
        assert sol.gap > 0


def test_no_plan_from_highs_falls_back_to_the_greedy_start(monkeypatch):
    """HiGHS stopped before any plan (simulated): the warm start stands, not proven, with a gap."""
    import access15.siting.capacitated as capmod

    real = capmod.run_highs

    def stopped(milp, **kw):
        res = real(milp, **kw)
        if milp.n_int == 0:  # the LP of a fixed plan runs as usual
            return res
        return {**res, "x": None, "col": None, "optimal": False, "bound": math.nan,
                "status": "Time limit reached"}  # fmt: skip

    monkeypatch.setattr(capmod, "run_highs", stopped)
    p = SitingProblem.from_coverage(np.array([[1, 1, 0], [0, 1, 1]]), [5.0, 4.0, 3.0], covered=1.0)
    sol = solve_capacitated(p, [4.0, 10.0], k=1)
    assert sol.sites.tolist() == [0]  # the uncapacitated greedy pick (reaches 9 people)
    assert sol.objective == 1.0 + 4.0
    assert not sol.proven
    assert sol.status == "Time limit reached"
    assert sol.bound == p.trivial_bound() == 13.0  # every site open, no capacity
    assert sol.gap == pytest.approx((13.0 - 5.0) / 5.0)
    # without a start either (K too small for a greedy plan is caught earlier): a SolverError
    monkeypatch.setattr(capmod, "greedy", lambda *a: (_ for _ in ()).throw(InputError("x")))
    with pytest.raises(capmod.SolverError, match="HiGHS found no plan"):
        solve_capacitated(p, [4.0, 10.0], k=1)


def test_warm_start_assignment_is_feasible():
    from access15.siting.capacitated import _Model

    rng = np.random.default_rng(9)
    for _ in range(10):
        m, n = 6, 12
        cover = rng.random((m, n)) < 0.4
        w = rng.integers(1, 30, size=n).astype(float)
        cap = rng.integers(0, 60, size=m).astype(float)
        p = SitingProblem.from_coverage(cover, w, aggregate=False)
        model = _Model(p, cap)
        sites = rng.choice(m, size=3, replace=False).tolist()
        y = model.assign(sites)
        assert (y >= 0).all()
        assert (np.bincount(model.gi, weights=y, minlength=model.n) <= model.a + 1e-9).all()
        served = model.served(y)
        assert (served <= cap + 1e-9).all()
        assert served[[j for j in range(m) if j not in sites]].sum() == 0
        # filling pair by pair leaves no pair with both demand and capacity left
        left_a = model.a - np.bincount(model.gi, weights=y, minlength=model.n)
        left_c = np.where(np.isin(np.arange(m), sites), model.cap - served, 0.0)
        assert not ((left_a[model.gi] > 1e-9) & (left_c[model.sj] > 1e-9)).any()
