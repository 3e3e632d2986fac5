"""Benchmark capacity-limited coverage (``access15.capacity``): exact, sequential, plain LP.

Generated instance (not a road network): ``n_cells`` populated cells on a 250 m raster of a
~112 km square, people log-normal over a smooth density, ``n_fac`` facilities placed where
people are; travel minutes = distance / speed x a detour factor that varies smoothly over the
cells and per facility (so neighbouring cells reach similar facility sets, as on roads), stored
up to ``cutoff`` minutes. Capacities: each facility's "natural" catchment (people split evenly over
the facilities they reach) times 0.3-0.9 for a random half of them, 1.0-1.6 for the others, so
about half bind.

Run from the checkout::

    PYTHONPATH=src .venv/bin/python benchmarks/capacity.py                # 200k x 300, T=30
    PYTHONPATH=src .venv/bin/python benchmarks/capacity.py --minutes 15   # other threshold
    PYTHONPATH=src .venv/bin/python benchmarks/capacity.py --no-plain     # skip the slow LP

Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import scipy
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.spatial import cKDTree

from access15.capacity import capacity_coverage, group_cells, solve_transport


def generate(
    n_cells: int = 200_000,
    n_fac: int = 300,
    *,
    cutoff: float = 30.0,
    cell_m: float = 250.0,
    speed_kmh: float = 40.0,
    roomy: tuple[float, float] = (1.0, 1.6),
    seed: int = 1,
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Return (times minutes CSR cells x facilities, people per cell, capacity per facility)."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_cells / 0.9)))
    gx, gy = np.meshgrid(np.arange(side), np.arange(side))
    xy = np.column_stack([gx.ravel(), gy.ravel()]).astype(float) * cell_m / 1000  # km
    keep = rng.choice(len(xy), size=n_cells, replace=False)
    xy = xy[np.sort(keep)]
    x, y = xy[:, 0], xy[:, 1]
    dens = np.exp(
        1.2 * np.sin(x / 9.0) * np.cos(y / 13.0)
        + 0.8 * np.sin((x + y) / 23.0)
        + 0.5 * np.cos(x / 31.0)
    )
    pop = dens * rng.lognormal(0.0, 1.0, size=n_cells) * 4.0
    pop[rng.random(n_cells) < 0.05] = 0.0  # some empty cells
    fac = rng.choice(n_cells, size=n_fac, replace=False, p=dens / dens.sum())
    fxy = xy[fac] + rng.normal(0, 0.1, size=(n_fac, 2))
    phase = rng.uniform(0, 2 * np.pi, size=(n_fac, 2))
    fspeed = speed_kmh * rng.uniform(0.8, 1.2, size=n_fac)
    r_km = cutoff / 60 * speed_kmh * 1.2 / 1.0
    pairs = cKDTree(fxy).query_ball_point(xy, r=r_km)
    deg = np.fromiter((len(p) for p in pairs), dtype=np.int64, count=n_cells)
    rows = np.repeat(np.arange(n_cells), deg)
    cols = np.fromiter((j for p in pairs for j in p), dtype=np.int64, count=int(deg.sum()))
    d = np.hypot(x[rows] - fxy[cols, 0], y[rows] - fxy[cols, 1])
    detour = (
        1.25
        + 0.15 * np.sin(x[rows] / 4.0 + phase[cols, 0]) * np.cos(y[rows] / 5.0 + phase[cols, 1])
        + 0.1 * np.sin(x[rows] / 11.0 + y[rows] / 17.0)
    )
    t = 2.0 + d / fspeed[cols] * 60 * detour  # 2 min first/last mile
    ok = t <= cutoff
    times = sp.csr_matrix((t[ok], (rows[ok], cols[ok])), shape=(n_cells, n_fac))
    times.sum_duplicates()
    degc = np.diff(times.indptr)
    share = np.bincount(
        times.indices, weights=np.repeat(pop / np.maximum(degc, 1), degc), minlength=n_fac
    )
    # half the facilities undersized (0.3-0.9 of their natural catchment), half roomy (1.0-1.6)
    small = rng.random(n_fac) < 0.5
    cap = share * np.where(small, rng.uniform(0.3, 0.9, n_fac), rng.uniform(*roomy, n_fac))
    return times, pop, cap


def aggregated_lp(reach: sp.csr_matrix, pop: np.ndarray, cap: np.ndarray) -> dict:
    """The same groups as the exact method, solved as an LP by HiGHS (``solve_transport``)."""
    t0 = time.perf_counter()
    deg = np.diff(reach.indptr)
    cells = np.flatnonzero((pop > 0) & (deg > 0)).astype(np.int64)
    group, rep = group_cells(reach, cells)
    gpop = np.bincount(group, weights=pop[cells], minlength=len(rep))
    gdeg = deg[rep]
    vg = np.repeat(np.arange(len(rep)), gdeg)
    vf = np.concatenate([reach.indices[reach.indptr[r] : reach.indptr[r + 1]] for r in rep])
    x = solve_transport(gpop, vg, vf.astype(np.int64), cap)
    return {"seconds": time.perf_counter() - t0, "pairs": len(vg), "served_total": float(x.sum())}


def plain_lp(
    times: sp.csr_matrix,
    pop: np.ndarray,
    cap: np.ndarray,
    minutes: float,
    time_limit: float,
    method: str = "highs",
) -> dict:
    """One variable per (cell, facility) pair within T; scipy linprog(method="highs")."""
    t0 = time.perf_counter()
    c = times.tocoo()
    ok = (c.data <= minutes) & (pop[c.row] > 0)
    r, j = c.row[ok], c.col[ok]
    nv = len(r)
    cells, ri = np.unique(r, return_inverse=True)
    n = len(cells)
    a = sp.csr_matrix(
        (np.ones(2 * nv), (np.concatenate([ri, n + j]), np.tile(np.arange(nv), 2))),
        shape=(n + len(cap), nv),
    )
    b = np.concatenate([pop[cells], np.where(np.isfinite(cap), cap, 1e30)])
    build = time.perf_counter() - t0
    res = linprog(
        -np.ones(nv),
        A_ub=a,
        b_ub=b,
        bounds=(0, None),
        method=method,
        options={"time_limit": time_limit},
    )
    return {
        "seconds": time.perf_counter() - t0,
        "build_s": build,
        "variables": nv,
        "rows": a.shape[0],
        "method": method,
        "status": res.message,
        "served_total": float(-res.fun) if res.status == 0 else None,
    }


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=200_000)
    ap.add_argument("--facilities", type=int, default=300)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--cutoff", type=float, default=30.0)
    ap.add_argument("--cell-m", type=float, default=250.0, help="raster cell size, metres")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--roomy", default="1.0,1.6", help="capacity factor range of the roomy half")
    ap.add_argument("--time-limit", type=float, default=600.0, help="of the plain LP, seconds")
    ap.add_argument("--plain-method", default="highs", help="linprog method of the plain LP")
    ap.add_argument("--no-plain", action="store_true", help="skip the non-aggregated LP")
    args = ap.parse_args()

    t0 = time.perf_counter()
    roomy = tuple(float(v) for v in args.roomy.split(","))
    times, pop, cap = generate(
        args.cells,
        args.facilities,
        cutoff=args.cutoff,
        cell_m=args.cell_m,
        roomy=roomy,
        seed=args.seed,
    )
    gen_s = time.perf_counter() - t0
    reach = times.copy()
    reach.data = (reach.data <= args.minutes).astype(float)
    reach.eliminate_zeros()
    deg = np.diff(reach.indptr)

    cells = np.flatnonzero((pop > 0) & (deg > 0)).astype(np.int64)
    reach.has_sorted_indices = True
    _, rep = group_cells(reach, cells)

    ex_s, ex = _best(
        lambda: capacity_coverage(times, pop, cap, minutes=args.minutes, method="exact"),
        args.repeat,
    )
    sq_s, sq = _best(
        lambda: capacity_coverage(times, pop, cap, minutes=args.minutes, method="sequential"),
        args.repeat,
    )
    sqc_s, sqc = _best(
        lambda: capacity_coverage(
            times, pop, cap, minutes=args.minutes, method="sequential", order="capacity"
        ),
        1,
    )
    out = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "scipy": scipy.__version__,
        "cells": args.cells,
        "facilities": args.facilities,
        "minutes": args.minutes,
        "roomy": args.roomy,
        "generate_s": round(gen_s, 2),
        "pairs_stored": int(times.nnz),
        "pairs_within": int(reach.nnz),
        "facilities_per_cell": [int(np.percentile(deg, q)) for q in (5, 50, 95)],
        "groups": len(rep),
        "population": float(pop.sum()),
        "within_reach": ex.within_reach_total,
        "exact": {"seconds": ex_s, "served_total": ex.served_total, "full": ex.full_facilities},
        "sequential_given": {
            "seconds": sq_s,
            "served_total": sq.served_total,
            "full": sq.full_facilities,
        },
        "sequential_capacity": {
            "seconds": sqc_s,
            "served_total": sqc.served_total,
            "full": sqc.full_facilities,
        },
    }
    out["aggregated_lp"] = aggregated_lp(reach, pop, cap)
    if not args.no_plain:
        out["plain_lp"] = plain_lp(
            times, pop, cap, args.minutes, args.time_limit, args.plain_method
        )
        if out["plain_lp"]["served_total"] is not None:
            out["plain_lp"]["abs_diff_vs_exact"] = abs(
                out["plain_lp"]["served_total"] - ex.served_total
            )
        out["ratio_plain_over_exact"] = out["plain_lp"]["seconds"] / ex_s
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
