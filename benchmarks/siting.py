"""Site-selection benchmarks: exact upgrade instances, greedy + swap at scale, spopt.

Usage (from the repository root)::

    PYTHONPATH=src .venv/bin/python benchmarks/siting.py            # all cases (~5 min)
    PYTHONPATH=src .venv/bin/python benchmarks/siting.py --case big  # one case: upgrade|big|spopt

Cases
-----
upgrade
    The bundled synthetic sample county (19 tier-2 candidates) and a 60-candidate variant (tier-2
    centres + centroids of uncovered clusters + populated road-grid nodes), K = 3..10, every
    objective, solved exactly with HiGHS; time of the solve and whether optimality was proven.
big
    A *generated* coverage instance (random geometry, not a road network): 100,000 demand cells
    in villages, 2,000 candidate sites, a cell covered by a site within 4 km straight line (about
    1.4 % of cells per site, ~28 sites per cell, like the 15-minute pair density measured on the
    generated road network in README.md). Greedy + 1-swap for K = 20 against the best bound
    HiGHS finds within a time limit.
spopt
    The same kind of instance small enough for PySAL spopt's MCLP (dense cost matrix, PuLP +
    CBC); times and objectives side by side.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree


def generated_cover(n_demand: int, n_sites: int, *, radius_m: float = 4000.0, seed: int = 1):
    """Random county-like coverage: (sites x demand bool csr, people per cell)."""
    rng = np.random.default_rng(seed)
    side = 60_000.0  # a 3,600 km² county
    n_vil = 400
    vil = rng.random((n_vil, 2)) * side
    who = rng.integers(0, n_vil, n_demand)
    xy = vil[who] + rng.normal(0.0, 900.0, (n_demand, 2))
    scatter = rng.random(n_demand) < 0.2
    xy[scatter] = rng.random((int(scatter.sum()), 2)) * side
    pop = np.round(rng.lognormal(1.5, 1.0, n_demand), 1) + 0.1
    sites = xy[rng.choice(n_demand, n_sites, replace=False)] + rng.normal(0, 200.0, (n_sites, 2))
    tree = cKDTree(xy)
    nb = tree.query_ball_point(sites, radius_m)
    rows = np.repeat(np.arange(n_sites), [len(x) for x in nb])
    cols = np.concatenate([np.asarray(x, dtype=np.int64) for x in nb])
    cover = sp.csr_matrix((np.ones(len(cols), dtype=bool), (rows, cols)), shape=(n_sites, n_demand))
    return cover, pop


def _sample_county():
    import access15 as ax

    p = ax.sample_paths()
    osm = ax.read_osm(p["osm"])
    net = ax.build_network(osm)
    fac = ax.facilities_from_osm(osm)
    county = ax.read_boundary(p["county"])
    pop = ax.read_population(p["population"], boundary=county)
    zones = ax.read_zones(p["townships"])
    cov = ax.coverage(net, fac, pop, zones=zones)
    return net, cov, zones


def case_upgrade() -> list[dict]:
    import pandas as pd

    from access15.siting import build_problem, candidate_sites, solve

    net, cov, zones = _sample_county()
    tier2 = candidate_sites(net, cov, "tier2", zones=zones)
    gaps = candidate_sites(net, cov, "gaps", zones=zones, min_people=10.0)
    nodes = candidate_sites(net, cov, "nodes", zones=zones, spacing_m=3000.0)
    nodes = nodes[~nodes["node"].isin(pd.concat([tier2, gaps])["node"])]
    c60 = pd.concat([tier2, gaps.head(41)], ignore_index=True)
    c60 = pd.concat([c60, nodes.head(60 - len(c60))], ignore_index=True)
    # compiled kernels (numba, cached on disk) load or compile on first use: timed apart
    t = time.perf_counter()
    warm = build_problem(net, cov, tier2, objective="center-zone")
    solve(warm, k=3, method="exact")
    out = [
        {
            "instance": "first center-zone solve (kernel load/compile)",
            "solve_s": time.perf_counter() - t,
        }
    ]
    for label, cand in (("sample, 19 tier-2", tier2), (f"sample, {len(c60)} mixed", c60)):
        for objective in ("coverage", "median", "center", "center-zone"):
            t = time.perf_counter()
            prob = build_problem(net, cov, cand, objective=objective)
            build = time.perf_counter() - t
            for k in range(3, 11):
                sol = solve(prob, k=k, method="exact", time_limit_s=30.0)
                out.append(
                    {
                        "instance": label,
                        "objective": objective,
                        "k": k,
                        "cells": prob.n_cells,
                        "rows": prob.n_rows,
                        "sets": sol.details.get("sets"),
                        "build_s": build,
                        "solve_s": sol.seconds,
                        "highs_s": sol.details.get("highs_seconds"),
                        "milps": sol.details.get("milps"),
                        "patterns": sol.details.get("patterns"),
                        "proven": sol.proven,
                        "gap": sol.gap,
                        "value": sol.objective,
                    }
                )
    return out


def case_big(time_limit_s: float = 60.0) -> dict:
    from access15.siting import SitingProblem, lp_bound, solve

    cover, pop = generated_cover(100_000, 2_000)
    t = time.perf_counter()
    prob = SitingProblem.from_coverage(cover, pop)
    build = time.perf_counter() - t
    g = solve(prob, k=20, method="greedy")
    s = solve(prob, k=20, method="swap")
    e = solve(prob, k=20, method="exact", time_limit_s=time_limit_s, start=s.sites.tolist())
    t = time.perf_counter()
    lp = lp_bound(prob, k=20, time_limit_s=300.0)
    lp_s = time.perf_counter() - t
    bound = min(e.bound, lp) if np.isfinite(lp) else e.bound
    return {
        "demand": cover.shape[1],
        "sites": cover.shape[0],
        "pairs": int(cover.nnz),
        "rows_after_aggregation": prob.n_rows,
        "build_s": build,
        "greedy_s": g.seconds,
        "greedy": g.objective,
        "swap_s": s.seconds,
        "swap": s.objective,
        "swaps": s.swaps,
        "greedy_swap_total_s": build + s.seconds,
        "highs_time_limit_s": time_limit_s,
        "highs_s": e.seconds,
        "highs_status": e.status,
        "highs_best": e.objective,
        "highs_mip_bound": e.bound,
        "lp_bound": lp,
        "lp_bound_s": lp_s,
        "bound": bound,
        "gap_swap_to_bound": (bound - s.objective) / s.objective,
        "gap_greedy_to_bound": (bound - g.objective) / g.objective,
        "proven": e.proven,
    }


def case_spopt(n_demand: int = 5_000, n_sites: int = 300, k: int = 10) -> dict:
    import pulp
    from spopt.locate import MCLP

    from access15.siting import SitingProblem, solve

    cover, pop = generated_cover(n_demand, n_sites, radius_m=4000.0, seed=2)
    cost = np.where(cover.T.toarray(), 1.0, 2.0)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MCLP.from_cost_matrix(cost, pop, service_radius=1.5, p_facilities=k)
        built = time.perf_counter() - t
        model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    spopt_s = time.perf_counter() - t
    theirs = float(pulp.value(model.problem.objective))
    t = time.perf_counter()
    prob = SitingProblem.from_coverage(cover, pop)
    s = solve(prob, k=k, method="swap")
    ours_swap_s = time.perf_counter() - t
    t = time.perf_counter()
    e = solve(SitingProblem.from_coverage(cover, pop), k=k, method="exact", time_limit_s=60)
    ours_exact_s = time.perf_counter() - t
    return {
        "demand": n_demand,
        "sites": n_sites,
        "k": k,
        "pairs": int(cover.nnz),
        "spopt_s": spopt_s,
        "spopt_build_s": built,
        "spopt": theirs,
        "swap_s": ours_swap_s,
        "swap": s.objective,
        "exact_s": ours_exact_s,
        "exact": e.objective,
        "exact_proven": e.proven,
        "speedup_swap": spopt_s / ours_swap_s,
        "speedup_exact": spopt_s / ours_exact_s,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", choices=["upgrade", "big", "spopt"], action="append")
    ap.add_argument("--big-time-limit", type=float, default=60.0)
    args = ap.parse_args()
    cases = args.case or ["upgrade", "big", "spopt"]
    cpu = platform.processor() or platform.machine()
    res: dict = {"machine": f"{cpu}, Python {platform.python_version()}"}
    if "upgrade" in cases:
        res["upgrade"] = case_upgrade()
    if "big" in cases:
        res["big"] = case_big(args.big_time_limit)
    if "spopt" in cases:
        res["spopt"] = case_spopt()
    print(json.dumps(res, indent=1, default=float))


if __name__ == "__main__":
    main()
