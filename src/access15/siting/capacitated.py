r"""Capacitated maximal covering: a site covers at most the people it can serve.

Each candidate :math:`j` can serve at most :math:`\kappa_j` people (its capacity, e.g. doctors x
people per doctor, computed by the caller). On the coverage form of a
:class:`~access15.siting.problem.SitingProblem`, demand *groups* :math:`i` hold the
:math:`a_i` people not covered today whose set of candidate sites within reach is :math:`N_i`;
groups with the same set are merged, which is exact (the model below is symmetric within a
group: any assignment of the merged group splits back over its members). With
:math:`y_{ij} \ge 0` the people of group :math:`i` served by site :math:`j \in N_i`,
:func:`solve_capacitated` solves exactly, with HiGHS,

.. math::

    \max\; F + \sum_{i, j} y_{ij} \quad \text{s.t.} \quad
    \sum_{j \in N_i} y_{ij} \le a_i, \quad
    \sum_{i : j \in N_i} y_{ij} \le \bar\kappa_j x_j, \quad
    y_{ij} \le \min(a_i, \bar\kappa_j)\, x_j, \quad x_j \in \{0, 1\},

plus the site constraints of :func:`~access15.siting.solve` (exactly K sites, or at most K
with a budget, required and excluded sites, zones that must get a site).
:math:`\bar\kappa_j = \min(\kappa_j, \sum_{i : j \in N_i} a_i)` (an infinite capacity becomes
everyone the site reaches, so that :math:`\kappa_j = \infty` for every site gives the plain MCLP
value exactly); the third family of rows is implied by the first two for integral :math:`x` and
only tightens the LP relaxation (Pirkul & Schilling 1991).

:math:`F`, the people the existing facilities cover today, is taken as it is: existing
facilities are *not* capacitated in this version, and people covered today are never assigned
to a new site.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from access15.errors import InputError, SolverError
from access15.siting.constraints import Rules, SiteConstraints, make_rules, resolve_constraints
from access15.siting.heuristics import greedy
from access15.siting.milp import Milp, run_highs, site_rows
from access15.siting.problem import SitingProblem, group_rows
from access15.siting.solver import Solution, relative_gap

__all__ = ["capacitated_value", "solve_capacitated"]


def _capacity(prob: SitingProblem, capacity: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Check ``capacity`` (one value >= 0 per site, ``inf`` allowed) and return it as floats."""
    if prob.objective != "coverage":
        msg = (
            f"site capacities need the coverage objective, not {prob.objective!r}; "
            "use objective='coverage'"
        )
        raise InputError(msg)
    try:
        cap = np.asarray(capacity, dtype=np.float64)
    except (TypeError, ValueError):
        msg = "site capacity must be numbers of people, one per candidate"
        raise InputError(msg) from None
    if cap.shape != (prob.n_sites,) or np.isnan(cap).any() or (cap < 0).any():
        msg = (
            f"site capacity must be >= 0 people (inf: no limit), one per each of the "
            f"{prob.n_sites} candidates"
        )
        raise InputError(msg)
    return cap


class _Model:
    """Merged demand groups, the (group, site) pairs and the effective capacities."""

    def __init__(self, prob: SitingProblem, cap: npt.NDArray[np.float64]) -> None:
        reach = sp.csr_matrix(prob.savings.T, dtype=np.float64)  # rows x sites
        reach.data[:] = 1.0
        group, n_g = group_rows(reach, None)
        first = np.full(n_g, -1, dtype=np.int64)
        first[group[::-1]] = np.arange(len(group))[::-1]
        self.a = np.asarray(np.bincount(group, weights=prob.weights, minlength=n_g), np.float64)
        coo = sp.coo_matrix(reach[first])
        order = np.lexsort((coo.col, coo.row))
        self.gi = coo.row[order].astype(np.int64)  # group of each pair
        self.sj = coo.col[order].astype(np.int64)  # site of each pair
        self.m, self.n = prob.n_sites, n_g
        reachable = np.bincount(self.sj, weights=self.a[self.gi], minlength=self.m)
        self.cap = np.minimum(cap, reachable)  # finite: inf becomes everyone in reach
        self.ub = np.minimum(self.a[self.gi], self.cap[self.sj])

    def milp(self, rules: Rules | None, fixed: Sequence[int] | None = None) -> Milp:
        """Build the model of the module docstring; with ``fixed``, the LP of that plan alone."""
        m, n, p = self.m, self.n, len(self.gi)
        ncol = m + p
        yc = m + np.arange(p)
        demand = sp.csr_matrix((np.ones(p), (self.gi, yc)), shape=(n, ncol))
        capr = sp.csr_matrix(
            (np.r_[np.ones(p), -self.cap], (np.r_[self.sj, np.arange(m)], np.r_[yc, np.arange(m)])),
            shape=(m, ncol),
        )
        vub = sp.csr_matrix(
            (np.r_[np.ones(p), -self.ub], (np.r_[np.arange(p), np.arange(p)], np.r_[yc, self.sj])),
            shape=(p, ncol),
        )
        blocks = [demand, capr, vub]
        lo = [np.full(n, -np.inf), np.full(m, -np.inf), np.full(p, -np.inf)]
        hi = [self.a, np.zeros(m), np.zeros(p)]
        x_lo, x_hi = np.zeros(m), np.ones(m)
        if fixed is not None:
            x_lo[list(fixed)] = 1.0
            x_hi = x_lo.copy()
        if rules is not None:
            x_lo[list(rules.must)] = 1.0
            x_hi = rules.allowed.astype(np.float64)
            srows, slo, shi = site_rows(rules, m, ncol)
            blocks.append(srows)
            lo.append(np.asarray(slo, dtype=np.float64))
            hi.append(np.asarray(shi, dtype=np.float64))
        return Milp(
            cost=np.r_[np.zeros(m), np.ones(p)],
            col_lo=np.r_[x_lo, np.zeros(p)],
            col_hi=np.r_[x_hi, self.ub],
            a=sp.vstack(blocks, format="csr"),
            row_lo=np.concatenate(lo),
            row_hi=np.concatenate(hi),
            n_int=m if fixed is None else 0,
            maximize=True,
        )

    def assign(self, sites: Sequence[int]) -> npt.NDArray[np.float64]:
        """Assign feasibly for ``sites``: each pair in turn takes what is left."""
        left_a = self.a.copy()
        left_c = np.zeros(self.m)
        left_c[list(sites)] = self.cap[list(sites)]
        y = np.zeros(len(self.gi))
        for q in range(len(y)):
            v = min(left_a[self.gi[q]], left_c[self.sj[q]])
            if v > 0:
                y[q] = v
                left_a[self.gi[q]] -= v
                left_c[self.sj[q]] -= v
        return y

    def served(self, y: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """People served by each site under assignment ``y``."""
        return np.asarray(np.bincount(self.sj, weights=y, minlength=self.m), np.float64)


def _plan_lp(model: _Model, sites: Sequence[int]) -> npt.NDArray[np.float64]:
    """Optimal assignment for a fixed plan (an LP: a transportation problem)."""
    res = run_highs(model.milp(None, fixed=sites), time_limit_s=60.0, rel_gap=0.0, threads=None)
    if not res["optimal"] or res["col"] is None:  # pragma: no cover - an LP this small solves
        msg = f"HiGHS could not assign people to the plan ({res['status']}); please report it"
        raise SolverError(msg)
    y = np.clip(np.asarray(res["col"][model.m :], dtype=np.float64), 0.0, model.ub)
    return y


def capacitated_value(
    problem: SitingProblem, capacity: npt.ArrayLike, sites: Sequence[int]
) -> tuple[float, npt.NDArray[np.float64]]:
    """People covered by a plan whose sites serve at most their capacity, and who serves whom.

    Parameters
    ----------
    problem : SitingProblem
        Coverage form.
    capacity : array_like, shape (n_sites,)
        People each candidate can serve (>= 0; ``inf``: no limit).
    sites : sequence of int
        Candidate positions of the plan.

    Returns
    -------
    covered : float
        People covered (those covered today plus the most the plan's sites can serve).
    served : ndarray, shape (n_sites,)
        People each site serves in one optimal assignment (0 for sites not in the plan).

    Examples
    --------
    >>> import numpy as np
    >>> p = SitingProblem.from_coverage(np.array([[1, 1], [0, 1]]), [5.0, 4.0], covered=2.0)
    >>> covered, served = capacitated_value(p, [6.0, 1.0], [0, 1])
    >>> float(covered), served.tolist()
    (9.0, [6.0, 1.0])
    """
    cap = _capacity(problem, capacity)
    model = _Model(problem, cap)
    sel = sorted({int(j) for j in sites})
    if not sel:
        return float(problem.fixed), np.zeros(problem.n_sites)
    y = _plan_lp(model, sel)
    return float(problem.fixed + y.sum()), model.served(y)


def solve_capacitated(
    problem: SitingProblem,
    capacity: npt.ArrayLike,
    constraints: SiteConstraints | None = None,
    *,
    k: int | None = None,
    time_limit_s: float = 10.0,
    rel_gap: float = 1e-6,
    threads: int | None = None,
) -> Solution:
    """Most people covered when each site serves at most its capacity (exact, HiGHS).

    See the module docstring for the model. The HiGHS MILP starts from the uncapacitated greedy
    plan (its assignment filled pair by pair); the plan HiGHS returns is then re-assigned by
    an exact LP, so the reported objective and the per-site ``served`` are those of the plan.

    Parameters
    ----------
    problem : SitingProblem
        Coverage form (:meth:`SitingProblem.from_coverage` or
        :func:`~access15.siting.build_problem` with ``objective="coverage"``).
    capacity : array_like, shape (n_sites,)
        People each candidate can serve (>= 0; ``inf``: no limit).
    constraints : SiteConstraints, optional
        K or a budget with costs, required and excluded sites, zones that must get a site.
    k : int, optional
        Number of sites (exactly K; at most K with a budget); overrides ``constraints.k``.
    time_limit_s : float
        HiGHS time limit, seconds.
    rel_gap : float
        Relative gap at which HiGHS may stop and optimality counts as proven.
    threads : int, optional
        HiGHS threads.

    Returns
    -------
    Solution
        ``sites`` (required sites first, then by people served), ``gains`` (people each of
        those sites serves in the plan), ``objective`` (people covered: today's plus those
        served), ``bound``, ``gap``, ``proven``; ``details["served"]`` holds the people served
        per candidate position, ``details["capacity"]`` the capacities used.

    Raises
    ------
    InputError
        Not a coverage problem; capacities negative, NaN or not one per candidate; the
        constraints cannot all be met.
    SolverError
        HiGHS found no plan within the time limit.

    Examples
    --------
    >>> import numpy as np
    >>> p = SitingProblem.from_coverage(np.array([[1, 1, 0], [0, 1, 1]]), [5.0, 4.0, 3.0])
    >>> solve_capacitated(p, [4.0, 10.0], k=1).objective
    7.0
    """
    t0 = time.perf_counter()
    prob = problem
    cap = _capacity(prob, capacity)
    rules = make_rules(prob.n_sites, resolve_constraints(constraints, k, {}, "solve_capacitated"))
    model = _Model(prob, cap)
    milp = model.milp(rules)
    try:
        start: list[int] | None = greedy(prob, rules)[0]
    except InputError:
        start = None
    if start is not None:
        x0 = np.zeros(model.m)
        x0[start] = 1.0
        milp.start = np.r_[x0, model.assign(start)]
    res = run_highs(milp, time_limit_s=time_limit_s, rel_gap=rel_gap, threads=threads)
    details: dict[str, Any] = {
        "groups": model.n,
        "pairs": len(model.gi),
        "columns": len(milp.cost),
        "rows_milp": milp.a.shape[0],
        "highs_seconds": res["seconds"],
        "nodes": res["nodes"],
        "capacity": cap,
    }
    if res["infeasible"]:
        msg = "the constraints cannot all be met (K, budget, must_include, per_zone); relax them"
        raise InputError(msg)
    if res["x"] is not None:
        sel = [int(j) for j in np.flatnonzero(res["x"] > 0.5)]
    elif start is not None:
        sel = list(start)
    else:
        msg = f"HiGHS found no plan ({res['status']}); raise time_limit_s or relax constraints"
        raise SolverError(msg)
    y = _plan_lp(model, sel)
    served = model.served(y)
    obj = float(prob.fixed + y.sum())
    trivial = prob.trivial_bound()  # capacities never cover more than every site open
    hb = float(res["bound"])
    bound = min(prob.fixed + hb, trivial) if np.isfinite(hb) else trivial
    bound = max(bound, obj)
    gap = relative_gap(obj, bound, True)
    proven = (bool(res["optimal"]) and gap <= rel_gap * 1.01 + 1e-12) or gap <= 1e-12
    must = [j for j in rules.must if j in sel]
    rest = sorted((j for j in sel if j not in must), key=lambda j: (-served[j], j))
    order = [*must, *rest]
    return Solution(
        sites=np.asarray(order, dtype=np.int64),
        gains=np.asarray([served[j] for j in order], dtype=np.float64),
        objective=obj,
        bound=float(bound),
        gap=float(gap),
        proven=bool(proven),
        status=str(res["status"]),
        method="exact",
        seconds=time.perf_counter() - t0,
        details={**details, "served": served},
    )
