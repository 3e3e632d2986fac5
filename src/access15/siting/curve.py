"""The objective against the number of sites K: the greedy prefix and the exact optimum per K."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from typing import Any

import numpy as np
import pandas as pd

from access15.errors import InputError
from access15.siting.constraints import (
    Feasible,
    SiteConstraints,
    make_rules,
    resolve_constraints,
)
from access15.siting.heuristics import add_site, greedy
from access15.siting.problem import SitingProblem
from access15.siting.solver import relative_gap, solve

__all__ = ["coverage_curve"]


def coverage_curve(
    problem: SitingProblem,
    k_max: int,
    constraints: SiteConstraints | None = None,
    *,
    exact: bool = True,
    time_limit_s: float = 5.0,
    rel_gap: float = 1e-6,
    **legacy: Any,
) -> pd.DataFrame:
    """Objective against the number of sites, k = 0..K: the greedy prefix and, if asked, exact.

    The greedy rows are prefixes of one ranked list (so a plan for every K is a prefix of the
    plan for K + 1). Exact rows solve each K afresh, warm-started with the better of the greedy
    prefix and the previous K's optimum plus its best addition, so they never fall as K grows.

    Parameters
    ----------
    problem : SitingProblem
        Demand rows x candidate sites.
    k_max : int
        Largest number of sites K.
    constraints : SiteConstraints, optional
        Required and excluded sites and zones that must get a site, kept at every K (its
        ``k``, ``budget`` and ``cost`` are not used: the curve is over K).
    exact : bool
        Also solve each K = 1..``k_max`` exactly (HiGHS).
    time_limit_s : float
        HiGHS time limit per K, seconds.
    rel_gap : float
        Relative gap at which optimality counts as proven.
    **legacy
        Deprecated keywords ``must_include``, ``exclude``, ``site_zone``, ``required_zones``:
        pass them in ``constraints`` instead.

    Returns
    -------
    DataFrame
        ``k``, ``objective``, ``share`` (covered share for coverage, NaN otherwise),
        ``method`` (``"greedy"`` / ``"exact"``), ``proven``, ``bound``, ``gap``, ``seconds``,
        ``sites`` (candidate positions, comma-separated).
    """
    prob = problem
    given = resolve_constraints(constraints, None, legacy, "coverage_curve")
    per_k = SiteConstraints(
        must_include=given.must_include,
        exclude=given.exclude,
        site_zone=given.site_zone,
        required_zones=given.required_zones,
    )
    rules = make_rules(prob.n_sites, dataclasses.replace(per_k, k=k_max))
    t0 = time.perf_counter()
    ranked, _ = greedy(prob, rules)
    base = prob.evaluate([])
    triv = prob.trivial_bound()
    rows: list[dict[str, Any]] = []
    seconds = (time.perf_counter() - t0) / max(1, len(ranked))
    for kk in range(len(ranked) + 1):
        obj = prob.evaluate(ranked[:kk]) if kk else base
        rows.append(
            {
                "k": kk,
                "objective": obj,
                "share": prob.share(obj),
                "method": "greedy",
                "proven": relative_gap(obj, triv, prob.maximize) <= 1e-12,
                "bound": triv,
                "gap": relative_gap(obj, triv, prob.maximize),
                "seconds": seconds * kk,
                "sites": ",".join(map(str, ranked[:kk])),
            }
        )
    if exact:
        prev: list[int] | None = None
        for kk in range(1, k_max + 1):
            try:
                r_k = make_rules(prob.n_sites, dataclasses.replace(per_k, k=kk))
            except InputError:
                continue  # K too small for the constraints
            starts = []
            with contextlib.suppress(InputError):
                starts.append(greedy(prob, r_k)[0])
            if prev is not None:
                feas = Feasible(r_k)
                for j in prev:
                    feas.add(j)
                best = prob.best_savings(prev)
                cand = [j for j in range(prob.n_sites) if feas.can_add(j)]
                if cand:
                    vals = []
                    for j in cand:
                        b = best.copy()
                        add_site(prob, j, b)
                        vals.append(prob.cost_of(b))
                    starts.append([*prev, cand[int(np.argmin(vals))]])
            st = min(starts, key=lambda s_: prob.cost_of(prob.best_savings(s_))) if starts else None
            sol = solve(
                prob,
                per_k,
                k=kk,
                method="exact",
                time_limit_s=time_limit_s,
                rel_gap=rel_gap,
                start=st,
            )
            prev = list(sol.sites)
            rows.append(
                {
                    "k": kk,
                    "objective": sol.objective,
                    "share": prob.share(sol.objective),
                    "method": "exact",
                    "proven": sol.proven,
                    "bound": sol.bound,
                    "gap": sol.gap,
                    "seconds": sol.seconds,
                    "sites": ",".join(map(str, sorted(sol.sites.tolist()))),
                }
            )
    return pd.DataFrame(rows)
