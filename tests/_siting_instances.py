"""Random site-selection instances and their brute-force optimum, shared by tests/siting/.

The raw objective of a set of sites is computed straight from the instance (no aggregation, no
savings form), so agreement with :func:`access15.solve` is an independent check.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import strategies as st

import access15 as ax
from access15.siting import SitingProblem, solve


def raw_value(kind, t, base, w, zone, sites):
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


def brute(kind, t, base, w, zone, m, *, k, budget, cost, must, exclude, site_zone, req):
    """Best objective over every feasible set of sites (None when no set is feasible)."""
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
            val = raw_value(kind, t, base, w, zone, combo)
            if best is None or (val > best if kind == "coverage" else val < best):
                best = val
    return best


@st.composite
def instances(draw, kind):
    """Small instances of one objective, with or without constraints."""
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


def problem(kind, inst, aggregate=True):
    """The :class:`SitingProblem` of an instance."""
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


def constraints(inst):
    """The constraints of an instance as :class:`access15.SiteConstraints`."""
    return ax.SiteConstraints(
        k=inst["k"],
        budget=inst["budget"],
        cost=inst["cost"],
        must_include=inst["must"],
        exclude=inst["exclude"],
        site_zone=inst["site_zone"],
        required_zones=inst["req"],
    )


def check_exact_equals_brute(kind, inst):
    """Exact = enumeration; heuristics feasible, never better than it, bounds on the right side."""
    prob = problem(kind, inst)
    cons = constraints(inst)
    best = brute(
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
    if best is None:
        with pytest.raises(ax.InputError):
            solve(prob, cons, method="exact")
        return
    sol = solve(prob, cons, method="exact", time_limit_s=30)
    assert sol.proven, sol
    assert sol.objective == pytest.approx(best, rel=1e-6, abs=1e-6)
    # the reported objective is the raw objective of the sites returned, and they are feasible
    sites = sol.sites.tolist()
    raw = raw_value(kind, inst["t"], inst["base"], inst["w"], inst["zone"], sites)
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
        h = solve(prob, cons, method=method)
        hv = raw_value(kind, inst["t"], inst["base"], inst["w"], inst["zone"], h.sites.tolist())
        assert hv == pytest.approx(h.objective, rel=1e-6, abs=1e-6)
        if kind == "coverage":
            assert hv <= best + 1e-6
            assert h.bound >= best - 1e-6
        else:
            assert hv >= best - 1e-6
            assert h.bound <= best + 1e-6
