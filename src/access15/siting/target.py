r"""The fewest sites (or the least cost) that bring the covered share to a target.

"How many township centres must we upgrade so that 90 % of people are within 30 minutes of a
sub-centre?" is the set-covering form of the maximal covering problem (Toregas, Swain, ReVelle &
Bergman 1971; Church & ReVelle 1974, partial covering). On the coverage form of a
:class:`~access15.siting.problem.SitingProblem` — rows :math:`r` of :math:`a_r` people not
covered today whose reaching sites are :math:`N_r`, :math:`F` people covered today, :math:`P`
people in all — :func:`fewest_sites` solves exactly, with HiGHS,

.. math::

    \min \sum_j f_j x_j \quad \text{s.t.} \quad
    F + \sum_r a_r u_r \ge \tau P, \quad
    u_r \le \sum_{j \in N_r} x_j, \quad 0 \le u_r \le 1, \quad x_j \in \{0, 1\},

with :math:`f_j = 1` (the number of sites) unless costs are given, and the usual site
constraints (:class:`~access15.siting.constraints.SiteConstraints`): required and excluded
sites, zones that must get a site, and — only as caps here — :math:`\sum_j x_j \le K` and
:math:`\sum_j f_j x_j \le B`. Rows with the same :math:`N_r` are merged (weights summed), which
is exact: such rows are covered together or not at all.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from access15.errors import InputError, SolverError
from access15.siting.constraints import Rules, SiteConstraints, make_rules
from access15.siting.heuristics import rank_set
from access15.siting.milp import Milp, run_highs
from access15.siting.problem import SitingProblem, group_rows

__all__ = ["TargetPlan", "fewest_sites"]

log = logging.getLogger(__name__)

_REL_TOL = 1e-9  # a plan reaches the target when covered >= target - 1e-9 x population


@dataclass(frozen=True, repr=False)
class TargetPlan:
    """The fewest sites (or least cost) reaching a covered share, with what is proven about it.

    Attributes
    ----------
    sites : ndarray of int
        Candidate positions of the plan, required sites first, then greedily by people added.
    gains : ndarray of float
        People each site adds in that order.
    k : int
        Number of sites in the plan (0 when the target is met today without any).
    cost : float
        Total cost of the plan (``k`` without costs).
    covered : float
        People covered with the plan (those covered today included).
    share : float
        ``covered`` / people in the study area.
    target_share : float
        The target share asked for.
    already_met : bool
        True when the target is met today, without any new site.
    minimised : str
        ``"sites"`` (the count) or ``"cost"`` (total cost, when costs were given).
    bound : float
        No plan meeting the target and the constraints has fewer sites (or less cost) than this:
        HiGHS's dual bound, rounded up to a whole number of sites when counting.
    gap : float
        ``(objective - bound) / objective`` of the minimised quantity (0 when proven).
    proven : bool
        True only when HiGHS proved that no plan needs fewer sites (or less cost).
    status : str
        HiGHS status (``"Optimal"``, ``"Time limit reached"``, ...), ``"Target already met"`` or
        ``"heuristic"``.
    method : str
        ``"exact"`` (HiGHS) or ``"greedy"``.
    seconds : float
        Wall time, seconds.
    details : dict
        Model size: ``rows`` (merged demand rows), ``columns``, ``rows_milp``, ``nodes``,
        ``highs_seconds``; ``max_share`` (every eligible site open) and ``baseline_share``.
    """

    sites: npt.NDArray[np.int64]
    gains: npt.NDArray[np.float64]
    k: int
    cost: float
    covered: float
    share: float
    target_share: float
    already_met: bool
    minimised: str
    bound: float
    gap: float
    proven: bool
    status: str
    method: str
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def objective(self) -> float:
        """The minimised quantity: ``k`` (sites) or ``cost``."""
        return float(self.k) if self.minimised == "sites" else self.cost

    def __repr__(self) -> str:
        proof = "proven" if self.proven else f"not proven, bound {self.bound:,.6g}"
        return (
            f"TargetPlan({self.k} sites reach {self.share:.2%} >= {self.target_share:.2%}; "
            f"{self.minimised} minimised, {proof})"
        )


def _check_share(target_share: float) -> float:
    try:
        t = float(target_share)
    except (TypeError, ValueError):
        msg = f"target_share must be a number in (0, 1], got {target_share!r}"
        raise InputError(msg) from None
    if not 0.0 < t <= 1.0:
        msg = f"target_share must be in (0, 1] (0.9 = 90 %), got {t:g}"
        raise InputError(msg)
    return t


def _rules(m: int, constraints: SiteConstraints | None) -> Rules:
    """Put the constraints in solver form, K and the budget as caps only (K: every site)."""
    c = SiteConstraints() if constraints is None else constraints
    budget = c.budget if c.budget is not None else math.inf  # makes K a cap in make_rules
    return make_rules(m, dataclasses.replace(c, budget=budget))


def _merged(prob: SitingProblem) -> tuple[sp.csr_matrix, npt.NDArray[np.float64]]:
    """Rows x sites 0/1 reach matrix with identical rows merged, and the people of each row."""
    reach = sp.csr_matrix(prob.savings.T, dtype=np.float64)
    reach.data[:] = 1.0
    group, n_g = group_rows(reach, None)
    w = np.bincount(group, weights=prob.weights, minlength=n_g)
    first = np.full(n_g, -1, dtype=np.int64)
    first[group[::-1]] = np.arange(len(group))[::-1]
    return sp.csr_matrix(reach[first]), np.asarray(w, dtype=np.float64)


def _covered(prob: SitingProblem, sites: list[int]) -> float:
    return prob.evaluate(sites)


def _ok_plan(prob: SitingProblem, rules: Rules, sel: list[int], need: float) -> bool:
    """Whether ``sel`` meets the target and every constraint (K and budget as caps)."""
    s = set(sel)
    if not set(rules.must) <= s or any(not rules.allowed[j] for j in s):
        return False
    if rules.k is not None and len(s) > rules.k:
        return False
    budget = math.inf if rules.budget is None else float(rules.budget)
    if float(rules.cost[list(s)].sum()) > budget + 1e-9 * max(1.0, budget):
        return False
    zones = {int(rules.site_zone[j]) for j in s}
    if not set(rules.required.tolist()) <= zones:
        return False
    return _covered(prob, sel) >= need


def _greedy_plan(prob: SitingProblem, rules: Rules, need: float, by_cost: bool) -> list[int]:
    """Add sites by people (per cost) until the target, then zones that need one; then prune."""
    sel = list(rules.must)
    best = prob.best_savings(sel)
    sav = prob.savings
    cost = rules.cost
    w = prob.weights
    fixed = prob.fixed

    def covered_now() -> float:
        return fixed + float(w @ np.minimum(best, 1.0))

    cand = [j for j in np.flatnonzero(rules.allowed).tolist() if j not in sel]
    while covered_now() < need and cand:
        gains = []
        for j in cand:
            a, b = sav.indptr[j], sav.indptr[j + 1]
            idx = sav.indices[a:b]
            gains.append(float(w[idx] @ (best[idx] < 0.5)))
        g = np.asarray(gains)
        score = g / np.maximum(cost[cand], 1e-12) if by_cost else g
        t = int(np.argmax(score))
        if not g[t] > 0:
            break
        j = cand.pop(t)
        sel.append(j)
        a, b = sav.indptr[j], sav.indptr[j + 1]
        best[sav.indices[a:b]] = 1.0
    for zz in rules.required.tolist():
        if not any(int(rules.site_zone[j]) == zz for j in sel):
            in_z = [j for j in cand if int(rules.site_zone[j]) == zz]
            sel.append(min(in_z, key=lambda j: float(cost[j])))
    return _prune(prob, rules, sel, need)


def _prune(prob: SitingProblem, rules: Rules, sel: list[int], need: float) -> list[int]:
    """Drop sites (costliest first) the plan can do without: never costs more, often fewer."""
    out = list(sel)
    for j in sorted(sel, key=lambda j: -float(rules.cost[j])):
        if j in rules.must:
            continue
        trial = [i for i in out if i != j]
        zones = {int(rules.site_zone[i]) for i in trial}
        if set(rules.required.tolist()) <= zones and _covered(prob, trial) >= need:
            out = trial
    return out


def _milp(
    prob: SitingProblem, rules: Rules, need: float, by_cost: bool, start: list[int] | None
) -> tuple[Milp, dict[str, Any]]:
    reach, w = _merged(prob)
    m, n = prob.n_sites, reach.shape[0]
    f = rules.cost if by_cost else np.ones(m)
    # u_r - sum_{j in N_r} x_j <= 0
    link = sp.hstack([-reach, sp.identity(n, format="csr")], format="csr")
    scale = max(prob.total, 1.0)  # people as shares of the population: coefficients <= 1
    cover = sp.csr_matrix(np.r_[np.zeros(m), w / scale][None, :])
    rows = [link, cover]
    lo = [np.full(n, -np.inf), [(need - prob.fixed) / scale]]
    hi = [np.zeros(n), [np.inf]]
    if rules.k is not None:
        rows.append(sp.csr_matrix(np.r_[np.ones(m), np.zeros(n)][None, :]))
        lo.append([-np.inf])
        hi.append([float(rules.k)])
    if rules.budget is not None and math.isfinite(rules.budget):
        rows.append(sp.csr_matrix(np.r_[rules.cost, np.zeros(n)][None, :]))
        lo.append([-np.inf])
        hi.append([float(rules.budget)])
    for zz in rules.required.tolist():
        rows.append(sp.csr_matrix(np.r_[(rules.site_zone == zz).astype(float), np.zeros(n)][None]))
        lo.append([1.0])
        hi.append([np.inf])
    x_lo = np.zeros(m)
    x_lo[list(rules.must)] = 1.0
    a = sp.vstack(rows, format="csr")
    x0 = None
    if start is not None:
        xs = np.zeros(m)
        xs[start] = 1.0
        x0 = np.r_[xs, np.minimum(reach @ xs, 1.0)]
    milp = Milp(
        cost=np.r_[f, np.zeros(n)],
        col_lo=np.r_[x_lo, np.zeros(n)],
        col_hi=np.r_[rules.allowed.astype(np.float64), np.ones(n)],
        a=a,
        row_lo=np.concatenate([np.asarray(v, dtype=np.float64) for v in lo]),
        row_hi=np.concatenate([np.asarray(v, dtype=np.float64) for v in hi]),
        n_int=m,
        maximize=False,
        start=x0,
    )
    return milp, {"rows": n, "columns": m + n, "rows_milp": a.shape[0], "nonzeros": a.nnz}


def fewest_sites(
    problem: SitingProblem,
    constraints: SiteConstraints | None = None,
    *,
    target_share: float,
    by_cost: bool | None = None,
    method: str = "exact",
    time_limit_s: float = 10.0,
    rel_gap: float = 1e-6,
    threads: int | None = None,
) -> TargetPlan:
    """Fewest sites (or least total cost) bringing the covered share to ``target_share``.

    See the module docstring for the model. People covered today count toward the target. K
    and the budget of ``constraints`` are caps; required and excluded sites and zones that must
    get a site are kept.

    Parameters
    ----------
    problem : SitingProblem
        Coverage form (:meth:`SitingProblem.from_coverage` or
        :func:`~access15.siting.build_problem` with ``objective="coverage"``); its ``total``
        (people) is the denominator of the share.
    constraints : SiteConstraints, optional
        ``k`` (at most K sites), ``budget`` (at most this total cost), ``cost``,
        ``must_include``, ``exclude``, ``site_zone`` and ``required_zones`` (positions).
    target_share : float
        Covered share to reach, in (0, 1] (0.9: 90 % of the people).
    by_cost : bool, optional
        Minimise the total cost instead of the number of sites (default: when
        ``constraints.cost`` is given).
    method : {"exact", "greedy"}
        ``"exact"``: HiGHS MILP from the greedy plan; ``"greedy"``: most people (per cost)
        first until the target, then redundant sites dropped (not proven).
    time_limit_s : float
        HiGHS time limit, seconds.
    rel_gap : float
        Relative gap at which HiGHS may stop and optimality counts as proven.
    threads : int, optional
        HiGHS threads.

    Returns
    -------
    TargetPlan
        The plan, its K, cost, covered people and share, and the lower bound on K (or cost).

    Raises
    ------
    InputError
        Not a coverage problem; ``target_share`` outside (0, 1]; the target unreachable even
        with every eligible site (the message gives the largest share reachable) or within the
        K / budget caps; contradictory constraints.
    SolverError
        HiGHS found no plan within the time limit and the greedy one breaks a cap.

    Examples
    --------
    >>> import numpy as np
    >>> p = SitingProblem.from_coverage(
    ...     np.array([[1, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 1]]), [5.0, 1.0, 1.0, 3.0]
    ... )
    >>> plan = fewest_sites(p, target_share=0.9)
    >>> plan.k, plan.sites.tolist(), plan.proven
    (2, [2, 1], True)
    """
    t0 = time.perf_counter()
    prob = problem
    if prob.objective != "coverage":
        msg = (
            f"target_share needs the coverage objective, not {prob.objective!r}; "
            "use objective='coverage'"
        )
        raise InputError(msg)
    if method not in ("exact", "greedy"):
        msg = f"method {method!r} is not one of exact, greedy"
        raise InputError(msg)
    tau = _check_share(target_share)
    m = prob.n_sites
    rules = _rules(m, constraints)
    if by_cost is None:
        by_cost = constraints is not None and constraints.cost is not None
    minimised = "cost" if by_cost else "sites"
    total = float(prob.total)
    need = tau * total - _REL_TOL * max(total, 1.0)
    today = float(prob.fixed)
    allowed = np.flatnonzero(rules.allowed).tolist()
    best_all = _covered(prob, allowed)
    details: dict[str, Any] = {
        "max_share": best_all / total if total > 0 else math.nan,
        "baseline_share": today / total if total > 0 else math.nan,
    }
    if best_all < need:
        msg = (
            f"target_share {tau:g} is unreachable: every eligible site together covers "
            f"{best_all / total:.4f} ({best_all / total:.2%}) of the people; lower target_share "
            f"to at most {math.floor(best_all / total * 1e4) / 1e4:g} or add candidates"
        )
        raise InputError(msg)
    already = today >= need
    run = _Run(prob, rules, tau, already, minimised, method, t0, details)
    if already and not rules.must and not len(rules.required):
        return _plan(run, [], 0.0, True, "Target already met")
    greedy_sel = _greedy_plan(prob, rules, need, by_cost)
    greedy_ok = _ok_plan(prob, rules, greedy_sel, need)
    value = _value(rules, greedy_sel, by_cost)
    floor = float(rules.cost[list(rules.must)].sum()) if by_cost else float(len(rules.must))
    if method == "greedy":
        if not greedy_ok:
            msg = "the greedy plan breaks the K or budget cap; use method='exact'"
            raise InputError(msg)
        proven = value <= floor + 1e-9
        return _plan(run, greedy_sel, floor, proven, "heuristic")
    milp, info = _milp(prob, rules, need, by_cost, greedy_sel if greedy_ok else None)
    details.update(info)
    res = run_highs(milp, time_limit_s=time_limit_s, rel_gap=rel_gap, threads=threads)
    details["highs_seconds"] = res["seconds"]
    details["nodes"] = res["nodes"]
    if res["infeasible"]:
        caps = []
        if rules.k is not None and constraints is not None and constraints.k is not None:
            caps.append(f"K <= {rules.k}")
        if rules.budget is not None and math.isfinite(rules.budget):
            caps.append(f"budget {rules.budget:g}")
        what = " and ".join(caps) or "the constraints"
        msg = (
            f"target_share {tau:g} cannot be reached within {what} (every eligible site would "
            f"cover {best_all / total:.2%}); raise K or the budget, or lower target_share"
        )
        raise InputError(msg)
    sel: list[int] | None = None
    if res["x"] is not None:
        xs = [int(j) for j in np.flatnonzero(res["x"] > 0.5)]
        if _ok_plan(prob, rules, xs, need):
            sel = _prune(prob, rules, xs, need)
        else:  # pragma: no cover - HiGHS tolerances; the greedy plan stands in
            log.warning("HiGHS plan misses the target after rounding; using the greedy plan")
    if sel is None or (greedy_ok and value < _value(rules, sel, by_cost)):
        if not greedy_ok:
            msg = f"HiGHS found no plan ({res['status']}); raise time_limit_s or relax constraints"
            raise SolverError(msg)
        sel = greedy_sel
    bound = max(float(res["bound"]) if np.isfinite(res["bound"]) else floor, floor)
    bound = max(bound, _simple_bound(prob, rules, need, by_cost))
    if not by_cost:
        bound = float(math.ceil(bound - 1e-6))
    obj = _value(rules, sel, by_cost)
    bound = min(bound, obj)
    proven = (bool(res["optimal"]) and _gap(obj, bound) <= rel_gap * 1.01 + 1e-12) or (
        obj <= bound + 1e-9 * max(1.0, abs(obj))
    )
    return _plan(run, sel, bound, proven, res["status"])


def _simple_bound(prob: SitingProblem, rules: Rules, need: float, by_cost: bool) -> float:
    r"""Bound below the sites (or cost) of any plan reaching ``need`` people, without HiGHS.

    Coverage is subadditive: a plan :math:`S` covers at most :math:`F + \sum_{j \in S} g_j`,
    :math:`g_j` the people site j reaches alone. So the fewest sites is at least the smallest
    count of the largest :math:`g_j` summing to ``need - F`` (least cost: the fractional knapsack
    over :math:`g_j / f_j`), and never below the required sites.
    """
    must = list(rules.must)
    floor = _value(rules, must, by_cost)
    left = need - prob.evaluate(must)
    reach = sp.csr_matrix(prob.savings, dtype=np.float64)
    reach.data[:] = 1.0
    g = np.asarray(reach @ prob.weights, dtype=np.float64)  # people each site reaches alone
    free = rules.allowed.copy()
    free[must] = False
    g, f = g[free], rules.cost[free] if by_cost else np.ones(int(free.sum()))
    if left <= 0 or not len(g):
        return floor
    order = np.argsort(-(g / np.maximum(f, 1e-300)), kind="stable")
    cum = np.cumsum(g[order])
    i = int(np.searchsorted(cum, left))  # the first i sites fall short, i + 1 reach
    if i >= len(g):
        return floor
    if not by_cost:
        return floor + i + 1
    before = float(cum[i - 1]) if i else 0.0
    part = float(f[order][:i].sum()) + (left - before) / g[order][i] * float(f[order][i])
    return floor + part


def _value(rules: Rules, sel: list[int], by_cost: bool) -> float:
    return float(rules.cost[sel].sum()) if by_cost else float(len(sel))


def _gap(obj: float, bound: float) -> float:
    return max(0.0, obj - bound) / max(abs(obj), 1e-12)


@dataclass
class _Run:
    """What every plan of one :func:`fewest_sites` call shares."""

    prob: SitingProblem
    rules: Rules
    tau: float
    already: bool
    minimised: str
    method: str
    t0: float
    details: dict[str, Any]


def _plan(run: _Run, sel: list[int], bound: float, proven: bool, status: str) -> TargetPlan:
    """Rank the plan (required first, then by people added) and report it."""
    prob, rules = run.prob, run.rules
    ordered, gains = rank_set(prob, sel, rules.must) if sel else ([], [])
    covered = _covered(prob, ordered)
    obj = _value(rules, ordered, run.minimised == "cost")
    return TargetPlan(
        sites=np.asarray(ordered, dtype=np.int64),
        gains=np.asarray([prob.gain_units(g) for g in gains], dtype=np.float64),
        k=len(ordered),
        cost=float(rules.cost[ordered].sum()),
        covered=covered,
        share=covered / prob.total if prob.total > 0 else math.nan,
        target_share=run.tau,
        already_met=run.already,
        minimised=run.minimised,
        bound=float(bound),
        gap=0.0 if proven else _gap(obj, bound),
        proven=bool(proven),
        status=status,
        method=run.method,
        seconds=time.perf_counter() - run.t0,
        details=run.details,
    )
