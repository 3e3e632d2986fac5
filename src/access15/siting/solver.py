r"""Choose sites for a :class:`~access15.siting.problem.SitingProblem`: greedy, swap or exact.

:func:`solve` runs the lazy greedy, the 1-swap and the exact search (HiGHS MILP, or the target
searches of the min-max objectives) and returns a :class:`Solution` that says whether
optimality was proven; :func:`lp_bound` bounds instances too large for the MILP.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from access15._repr import card
from access15.errors import InputError, SolverError
from access15.siting.constraints import Rules, SiteConstraints, make_rules, resolve_constraints
from access15.siting.heuristics import fill_budget, greedy, rank_set, swap
from access15.siting.milp import build_milp, run_highs
from access15.siting.minmax import center_bisection, center_zone_descent
from access15.siting.options import METHODS
from access15.siting.problem import SitingProblem

__all__ = ["Solution", "lp_bound", "relative_gap", "solve"]


def _single_site(
    prob: SitingProblem, rules: Rules
) -> tuple[list[int], float, bool, str, dict[str, Any]] | None:
    """K = 1 without a budget: every eligible site evaluated, the best is proven optimal.

    A MILP spends seconds on what ``n_sites`` evaluations settle (16.8 s of HiGHS for the
    202-candidate coverage problem of the sample county). ``None`` when K is not 1, with a
    budget, or when no single site meets the constraints (the MILP then reports why).
    """
    if rules.k != 1 or rules.budget is not None:
        return None
    cands = list(rules.must) if rules.must else np.flatnonzero(rules.allowed).tolist()
    req = set(rules.required.tolist())
    cands = [j for j in cands if rules.allowed[j] and req <= {int(rules.site_zone[j])}]
    if not cands:
        return None
    costs = [prob.cost_of(prob.best_savings([j])) for j in cands]
    i = int(np.argmin(costs))
    return [cands[i]], prob.report(costs[i]), True, "Optimal", {"enumerated": len(cands)}


@dataclass(frozen=True, repr=False)
class Solution:
    """Sites chosen for one problem, with what is known about their optimality.

    Attributes
    ----------
    sites : ndarray of int
        Candidate positions in ranking order (required sites first, then greedily by gain).
    gains : ndarray of float
        Objective improvement of each site in that order: people (coverage) or minutes.
    objective : float
        People covered (coverage), mean minutes (median), worst minutes (center, center-zone).
    bound : float
        No choice of sites does better than this (an upper bound for coverage, a lower bound
        otherwise): HiGHS's dual bound for ``exact``, the every-site-open value for heuristics.
    gap : float
        ``|bound - objective| / |objective|`` (0 when proven optimal).
    proven : bool
        True only when optimality was proven (HiGHS status optimal and the gap within
        ``rel_gap``, or a heuristic reaching the bound).
    status : str
        Solver status (``"Optimal"``, ``"Time limit reached"``, ...) or ``"heuristic"``.
    method : str
        ``"greedy"``, ``"swap"`` or ``"exact"``.
    seconds : float
        Wall time of the solve.
    swaps : int
        Improving swaps made.
    details : dict
        Size of the model and of the search: ``rows``, ``cells``, ``pairs``; for the MILP
        ``sets``, ``columns``, ``nodes``, ``highs_seconds``; for the target searches ``milps``
        (and ``patterns``); ``enumerated`` when K = 1 was settled by evaluating every site.
    """

    sites: npt.NDArray[np.int64]
    gains: npt.NDArray[np.float64]
    objective: float
    bound: float
    gap: float
    proven: bool
    status: str
    method: str
    seconds: float
    swaps: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"Solution({self.method}: {len(self.sites)} sites, objective {self.objective:,.6g}, "
            f"bound {self.bound:,.6g}, gap {self.gap:.2e}, proven={self.proven})"
        )

    def _repr_html_(self) -> str:
        """Jupyter display: the chosen positions with their gains and the optimality proof."""
        sites = pd.DataFrame(
            {
                "order": np.arange(1, len(self.sites) + 1),
                "candidate position": self.sites,
                "gain": [f"{g:,.6g}" for g in self.gains],
            }
        )
        return card(
            "Solution",
            f"{len(self.sites)} sites by {self.method}, "
            + ("proven optimal" if self.proven else "optimality not proven"),
            facts=[
                ("objective", f"{self.objective:,.6g}"),
                ("bound", f"{self.bound:,.6g} (no choice of sites does better)"),
                ("gap", f"{self.gap:.2e}"),
                ("status", self.status),
                ("time", f"{self.seconds:.2f} s, {self.swaps} improving swaps"),
            ],
            tables=[("Sites in ranking order", sites)],
            attributes=("sites", "gains", "objective", "bound", "gap", "proven", "details"),
        )


def relative_gap(obj: float, bound: float, maximize: bool) -> float:
    """Return the relative gap ``|bound - objective| / |objective|`` (inf without a bound)."""
    if not np.isfinite(bound):
        return math.inf
    diff = (bound - obj) if maximize else (obj - bound)
    return max(0.0, diff) / max(abs(obj), 1e-12)


def solve(
    problem: SitingProblem,
    constraints: SiteConstraints | None = None,
    *,
    k: int | None = None,
    method: str = "exact",
    time_limit_s: float = 10.0,
    rel_gap: float = 1e-6,
    threads: int | None = None,
    start: Sequence[int] | None = None,
    **legacy: Any,
) -> Solution:
    r"""Choose sites for a :class:`SitingProblem`.

    Site variables :math:`x_j \in \{0,1\}` carry the constraints common to every objective:

    .. math::

        \sum_j x_j = K \;(\text{or} \le K \text{ with a budget}), \quad
        \sum_j f_j x_j \le B, \quad
        \sum_{j \in J_z} x_j \ge 1 \;\forall z \in Z^{req}, \quad
        x_j = 1 \;(j \in \text{must}), \quad x_j = 0 \;(j \in \text{exclude}).

    The exact models (HiGHS) write each row's saving as a sum over its distinct savings levels
    :math:`\sigma_{r1} > \dots > \sigma_{rL} > \sigma_{r,L+1} = 0` with nested site sets
    :math:`S_{rl} = \{j : s_{rj} \ge \sigma_{rl}\}`, so that for integral :math:`x`
    :math:`\max_{j \in X} s_{rj} = \sum_l \delta_{rl} u_{S_{rl}}`,
    :math:`\delta_{rl} = \sigma_{rl} - \sigma_{r,l+1}` (Cornuéjols, Nemhauser & Wolsey 1980;
    Elloumi 2010). Levels with the same set share one variable :math:`u_S` (exact: every
    objective improves with larger :math:`u`), which shrinks the model from one variable per
    (cell, site) pair to one per distinct set. With :math:`0 \le u_S \le \sum_{j \in S} x_j`,
    :math:`u_S \le 1`:

    .. math::

        \text{coverage (MCLP; Church \& ReVelle 1974):}\quad
            \max \sum_S w_S u_S, \quad w_S = \sum_{(r,l): S_{rl} = S} a_r \delta_{rl}
            \;(\text{one level per row: } S = N_r);

        \text{median (Hakimi 1964; ReVelle \& Swain 1970):}\quad
            \max \sum_S w_S u_S \;\equiv\;
            \min \sum_r a_r \min\big(c_r, \min_{j \in X} t_{rj}\big);

        \text{center (Hakimi 1965):}\quad
            \min W, \quad W + \sum_l \delta_{rl} u_{S_{rl}} \ge c_r \;\forall r,
            \; W \ge F;

        \text{center-zone (worst township):}\quad
            \min W, \quad P_z W + \sum_{(r,l): r \in z} a_r \delta_{rl} u_{S_{rl}}
            \ge F_z + \sum_{r \in z} a_r c_r \;\forall z.

    The worst-cell center (Hakimi 1965; Daskin 1995) is solved exactly by bisection on the
    answer, each step a set-covering feasibility MILP
    (:func:`~access15.siting.minmax.center_bisection`): :math:`v` is attainable iff some
    feasible :math:`X` gives every row with :math:`c_r > v` a site with
    :math:`c_r - s_{rj} \le v`. The worst-zone center is solved the same way, by targets just
    below the incumbent, each a feasibility MILP over the minimal site sets that bring each
    zone to the target (:func:`~access15.siting.minmax.center_zone_descent`); its root LP is
    far tighter than that of the center-zone model above, which is the fallback when a zone
    has too many such sets.

    Parameters
    ----------
    problem : SitingProblem
        Demand rows x candidate sites (:meth:`SitingProblem.from_coverage`,
        :meth:`SitingProblem.from_times` or :func:`~access15.siting.build_problem`).
    constraints : SiteConstraints, optional
        K or a budget with costs, required and excluded sites, zones that must get a site
        (candidate positions). Default: only ``k``.
    k : int, optional
        Number of sites (exactly K; at most K with a budget); overrides ``constraints.k``.
    method : {"greedy", "swap", "exact"}
        ``greedy``: lazy greedy ranking; ``swap``: greedy then best-improvement 1-swap;
        ``exact``: HiGHS MILP warm-started with the swap solution.
    time_limit_s : float
        HiGHS time limit, seconds (``exact`` only).
    rel_gap : float
        Relative gap at which HiGHS may stop and optimality counts as proven.
    threads : int, optional
        HiGHS threads (default: HiGHS's choice).
    start : sequence of int, optional
        A feasible set of sites to start the swap / MILP from instead of the greedy ranking.
    **legacy
        Deprecated keywords ``budget``, ``cost``, ``must_include``, ``exclude``,
        ``site_zone``, ``required_zones``: pass them in ``constraints`` instead.

    Returns
    -------
    Solution
        The sites in ranking order, their gains, the objective, the bound and whether
        optimality was proven.

    Examples
    --------
    >>> import numpy as np
    >>> p = SitingProblem.from_coverage(
    ...     np.array([[1, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 1]]), [5.0, 1.0, 1.0, 3.0]
    ... )
    >>> s = solve(p, k=1, method="exact")
    >>> s.sites.tolist(), s.objective, s.proven
    ([2], 8.0, True)
    """
    t0 = time.perf_counter()
    if method not in METHODS:
        msg = f"unknown method {method!r}; use one of {', '.join(METHODS)}"
        raise InputError(msg)
    prob = problem
    m = prob.n_sites
    rules = make_rules(m, resolve_constraints(constraints, k, legacy, "solve"))
    maximize = prob.maximize
    greedy_failed = False
    if start is not None:
        sel = [int(j) for j in start]
    else:
        try:
            sel, _ = greedy(prob, rules)
        except InputError:
            if method != "exact":
                raise
            greedy_failed, sel = True, []
    swaps = 0
    if method in ("swap", "exact") and not greedy_failed:
        sel, swaps = swap(prob, rules, sel)
        sel = fill_budget(prob, rules, sel)
    trivial = prob.trivial_bound()
    details: dict[str, Any] = {
        "rows": prob.n_rows,
        "cells": prob.n_cells,
        "pairs": prob.savings.nnz,
    }
    by_targets = _single_site(prob, rules) if method == "exact" else None
    if (
        by_targets is None
        and method == "exact"
        and not greedy_failed
        and prob.objective in ("center", "center-zone")
    ):
        search = center_bisection if prob.objective == "center" else center_zone_descent
        by_targets = search(
            prob,
            rules,
            sel,
            time_limit_s=time_limit_s - (time.perf_counter() - t0),
            threads=threads,
        )  # None: center-zone pattern lists too long, the aggregated MILP below decides
    if method != "exact":
        obj = prob.evaluate(sel)
        gap = relative_gap(obj, trivial, maximize)
        proven = gap <= rel_gap
        status = "heuristic"
        bound = trivial
    elif by_targets is not None:
        sel, bound, proven, status, info = by_targets
        details.update(info)
        obj = prob.evaluate(sel)
        bound = min(bound, obj)
        gap = relative_gap(obj, bound, maximize)
        proven = proven or gap <= 1e-12
    else:
        start_cost = math.inf if greedy_failed else prob.cost_of(prob.best_savings(sel))
        milp, mi = build_milp(prob, rules, sel, start_cost)
        details.update(mi)
        if greedy_failed:
            milp.start = None
        left = time_limit_s - (time.perf_counter() - t0)
        res = run_highs(milp, time_limit_s=max(left, 0.05), rel_gap=rel_gap, threads=threads)
        details["highs_seconds"] = res["seconds"]
        details["nodes"] = res["nodes"]
        if res["infeasible"]:
            msg = (
                "the constraints cannot all be met (K, budget, must_include, per_zone); relax them"
            )
            raise InputError(msg)
        if res["x"] is not None:
            xs = [int(j) for j in np.flatnonzero(res["x"] > 0.5)]
            if greedy_failed or prob.cost_of(prob.best_savings(xs)) < start_cost - 1e-9 * max(
                1.0, abs(start_cost)
            ):
                sel, greedy_failed = xs, False
        if greedy_failed:
            msg = f"HiGHS found no plan ({res['status']}); raise time_limit_s or relax constraints"
            raise SolverError(msg)
        obj = prob.evaluate(sel)
        hb = res["bound"]
        if np.isfinite(hb):
            if prob.objective == "coverage":
                hb = prob.fixed + hb
            elif prob.objective == "median":
                hb = prob.report(float(prob.weights @ prob.base) - hb)
        bound = (min(hb, trivial) if maximize else max(hb, trivial)) if np.isfinite(hb) else trivial
        gap = relative_gap(obj, bound, maximize)
        # HiGHS's "optimal" is trusted only together with a bound that closes the gap
        proven = bool(res["optimal"]) and gap <= rel_gap * 1.01 + 1e-12
        if not proven and relative_gap(obj, trivial, maximize) <= 1e-12:
            proven = True  # every-site-open value reached: nothing can do better
        status = res["status"]
    ordered, gains = rank_set(prob, sel, rules.must)
    return Solution(
        sites=np.asarray(ordered, dtype=np.int64),
        gains=np.asarray([prob.gain_units(g) for g in gains], dtype=np.float64),
        objective=float(obj),
        bound=float(bound),
        gap=float(gap),
        proven=bool(proven),
        status=status,
        method=method,
        seconds=time.perf_counter() - t0,
        swaps=swaps,
        details=details,
    )


def lp_bound(
    problem: SitingProblem,
    constraints: SiteConstraints | None = None,
    *,
    k: int | None = None,
    time_limit_s: float = 60.0,
    **legacy: Any,
) -> float:
    """Bound on the objective from the LP relaxation of the exact model (HiGHS interior point).

    For instances too large for the MILP to finish its root within the time limit (thousands of
    candidates): the relaxation of the model :func:`solve` builds, solved by HiGHS's interior
    point method without crossover (so the value carries its optimality tolerance, about 1e-8
    relative). Takes the same constraints as :func:`solve`.

    Parameters
    ----------
    problem : SitingProblem
        Demand rows x candidate sites.
    constraints : SiteConstraints, optional
        As for :func:`solve`.
    k : int, optional
        Number of sites; overrides ``constraints.k``.
    time_limit_s : float
        HiGHS time limit, seconds.
    **legacy
        Deprecated constraint keywords (``budget``, ``cost``, ...), as for :func:`solve`.

    Returns
    -------
    float
        An upper bound on people covered (coverage) or a lower bound on minutes; NaN if HiGHS did
        not finish within ``time_limit_s``.
    """
    prob = problem
    rules = make_rules(prob.n_sites, resolve_constraints(constraints, k, legacy, "lp_bound"))
    milp, _ = build_milp(prob, rules, [], math.inf)
    res = run_highs(milp, time_limit_s=time_limit_s, rel_gap=0.0, threads=None, relax=True)
    b = float(res["bound"])
    if not np.isfinite(b):
        return math.nan
    if prob.objective == "coverage":
        return prob.fixed + b
    if prob.objective == "median":
        return prob.report(float(prob.weights @ prob.base) - b)
    return b
