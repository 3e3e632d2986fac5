r"""The min-max objectives solved exactly by target searches instead of one MILP.

The textbook min-max models have weak LP bounds, so the worst-cell p-center is solved by
bisection on the answer (one set-covering feasibility MILP per target) and the worst-township
model by targets just below the incumbent (one feasibility MILP over each zone's minimal site
sets per target).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from access15.siting._kernels import zone_patterns
from access15.siting.constraints import Rules
from access15.siting.heuristics import swap
from access15.siting.milp import Milp, feasibility, site_rows
from access15.siting.problem import SitingProblem, group_rows

__all__ = ["center_bisection", "center_zone_descent"]


def center_bisection(
    prob: SitingProblem,
    rules: Rules,
    sel: list[int],
    *,
    time_limit_s: float,
    threads: int | None,
) -> tuple[list[int], float, bool, str, dict[str, Any]]:
    r"""Exact worst-cell p-center by bisection on the answer (Minieka 1970; Daskin 1995).

    The optimum is one of the values :math:`c_r` or :math:`c_r - s_{rj}`. A value :math:`v` is
    attainable iff some feasible set of sites covers every row with :math:`c_r > v` by a site
    with :math:`c_r - s_{rj} \le v` — a set-covering feasibility MILP (identical rows merged),
    answered by HiGHS. Bisection between the every-site-open value (a lower bound) and the warm
    start's value finds the least attainable one; any step HiGHS cannot settle in time stops
    the search with the bound proven so far.

    Returns
    -------
    sites, bound, proven, status, details
    """
    t0 = time.perf_counter()
    m = prob.n_sites
    base = prob.base
    coo = prob.savings.tocoo()
    entry_v = base[coo.col] - coo.data
    best_all = prob.best_savings(range(m))
    lb = float(max(prob.fixed, np.max(base - best_all) if prob.n_rows else -np.inf))
    ub = prob.cost_of(prob.best_savings(sel))
    vals = np.unique(np.concatenate([entry_v, base, [lb, ub]]))
    vals = vals[(vals >= lb - 1e-12) & (vals <= ub + 1e-12)]
    lo_i, hi_i = -1, len(vals) - 1  # vals[:lo_i+1] proven unattainable; vals[hi_i] attained
    best_sel = list(sel)
    status = "Optimal"
    n_milp = 0
    tol = 1e-9 * max(1.0, abs(ub))
    while hi_i - lo_i > 1:
        mid = (lo_i + hi_i) // 2
        v = float(vals[mid])
        need = base > v + tol
        ok = need[coo.col] & (entry_v <= v + tol)
        rows_need = np.flatnonzero(need)
        covered = np.zeros(prob.n_rows, dtype=bool)
        covered[coo.col[ok]] = True
        if not covered[rows_need].all():
            lo_i = mid
            continue
        r_id = np.full(prob.n_rows, -1, dtype=np.int64)
        r_id[rows_need] = np.arange(len(rows_need))
        cov_rows = sp.csr_matrix(
            (np.ones(int(ok.sum())), (r_id[coo.col[ok]], coo.row[ok])), shape=(len(rows_need), m)
        )
        if cov_rows.shape[0]:
            grp, ng = group_rows(cov_rows, None)
            first = np.full(ng, -1, dtype=np.int64)
            first[grp[::-1]] = np.arange(len(grp))[::-1]
            cov_rows = cov_rows[first]
        nr = cov_rows.shape[0]
        srows, slo, shi = site_rows(rules, m, m)
        x_lo = np.zeros(m)
        x_lo[list(rules.must)] = 1.0
        milp = Milp(
            cost=np.zeros(m),
            col_lo=x_lo,
            col_hi=rules.allowed.astype(np.float64),
            a=sp.vstack([cov_rows, srows], format="csr"),
            row_lo=np.concatenate([np.ones(nr), slo]),
            row_hi=np.concatenate([np.full(nr, np.inf), shi]),
            n_int=m,
            maximize=False,
        )
        left = time_limit_s - (time.perf_counter() - t0)
        if left <= 0:
            status = "Time limit reached"
            break
        feasible, xs, res_status = feasibility(milp, m, time_limit_s=left, threads=threads)
        n_milp += 1
        if feasible is False:
            lo_i = mid
        elif feasible:
            got = prob.cost_of(prob.best_savings(xs))
            if got <= v + tol:
                best_sel, hi_i = xs, int(np.searchsorted(vals, got - tol))
                hi_i = min(max(hi_i, lo_i + 1), mid)
            else:  # pragma: no cover - numerical trouble: keep the proven part
                status = "numerical trouble"
                break
        else:
            status = res_status
            break
    proven = hi_i - lo_i <= 1
    bound = float(vals[lo_i + 1]) if lo_i + 1 < len(vals) else ub
    bound = max(bound, lb)
    return best_sel, bound, proven, status if not proven else "Optimal", {"milps": n_milp}


class _ZoneSavings:
    r"""Per-zone data of the worst-township model: what each site saves in each zone.

    The value of zone :math:`z` under sites :math:`X` is :math:`(T_z - G_z(X)) / P_z` with
    :math:`T_z = F_z + \sum_{r \in R_z} a_r c_r` and the saving
    :math:`G_z(X) = \sum_{r \in R_z} a_r \max(b_r, \max_{j \in X} s_{rj})`, :math:`b` the savings
    of the required sites. Only the sites saving something in the zone (``sites[z]``) matter.
    """

    def __init__(self, prob: SitingProblem, rules: Rules) -> None:
        nz = len(prob.zone_pop)
        self.pop = np.where(prob.zone_pop > 0, prob.zone_pop, 1.0)
        self.total = prob.zone_fixed + np.bincount(
            prob.zone, weights=prob.weights * prob.base, minlength=nz
        )
        must_best = prob.best_savings(rules.must)
        free = np.flatnonzero(rules.allowed & ~np.isin(np.arange(prob.n_sites), rules.must))
        self.free = free  # the sites a plan may still add
        sub = prob.savings[free].tocsc()
        order = np.argsort(prob.zone, kind="stable")
        cut = np.searchsorted(prob.zone[order], np.arange(nz + 1))
        self.sites: list[npt.NDArray[np.int64]] = []
        self.save: list[npt.NDArray[np.float64]] = []  # sites x rows: max(s_rj, b_r)
        self.a: list[npt.NDArray[np.float64]] = []
        self.b: list[npt.NDArray[np.float64]] = []
        for z in range(nz):
            rows = order[cut[z] : cut[z + 1]]
            b = must_best[rows]
            blk = sub[:, rows].tocsr()
            has = np.flatnonzero(np.diff(blk.indptr) > 0)  # densify only sites saving here
            d = np.maximum(blk[has].toarray(), b[None, :])
            useful = (d > b[None, :]).any(axis=1)
            self.sites.append(free[has][useful].astype(np.int64))
            self.save.append(d[useful])
            self.a.append(prob.weights[rows])
            self.b.append(b)

    def patterns(self, z: int, w: float, max_size: int, cap: int) -> list[tuple[int, ...]] | None:
        """Site sets (candidate positions) bringing zone ``z`` to at most ``w`` minutes.

        Exactly the minimal such sets of at most ``max_size`` sites are listed (compiled
        search: :func:`access15.siting._kernels.zone_patterns`, sites in decreasing order of
        their own saving). ``[()]`` when the required sites already do it, ``[]`` when no set
        does, ``None`` when the search passed ``cap`` sets or nodes (the caller gives up on
        ``w``).
        """
        d, a, b = self.save[z], self.a[z], self.b[z]
        need = float(self.total[z] - w * self.pop[z])
        eps = 1e-12 * max(1.0, abs(float(self.total[z])))
        g0 = float(a @ b)
        if g0 >= need - eps:
            return [()]
        if len(d) == 0 or max_size <= 0:
            return []
        o = np.argsort(-(d @ a), kind="stable")
        d, js = np.ascontiguousarray(d[o]), self.sites[z][o]
        pats, overflow = zone_patterns(d, a, b, need, eps, min(max_size, len(js)), cap)
        if overflow:
            return None
        return [tuple(int(js[i]) for i in p if i >= 0) for p in pats]


def center_zone_descent(
    prob: SitingProblem,
    rules: Rules,
    sel: list[int],
    *,
    time_limit_s: float,
    threads: int | None,
    cap: int = 20_000,
    mid_after: int = 3,
) -> tuple[list[int], float, bool, str, dict[str, Any]] | None:
    r"""Exact worst-township p-center by testing target values (feasibility over site patterns).

    A target :math:`w` is attainable iff some feasible :math:`X` contains, for every zone
    whose value exceeds :math:`w`, one of the zone's minimal site sets :math:`p \in \Pi_z(w)`
    that bring it to :math:`w` or below (listed by :meth:`_ZoneSavings.patterns`). With one
    continuous :math:`y_{zp}` per zone and pattern (a Dantzig–Wolfe form: one pattern per
    zone, linked through :math:`x`):

    .. math::

        \sum_{p \in \Pi_z} y_{zp} \ge 1 \;\forall z, \qquad
        \sum_{p \in \Pi_z,\, p \ni j} y_{zp} \le x_j \;\forall z, j, \qquad y \ge 0,

    with the site constraints of :func:`solve` — a feasibility MILP whose LP, the convex hull
    of each zone's choice, is far tighter than the aggregated model's (whose root bound is the
    every-site-open value). Targets start just below the warm start's value :math:`U`:
    :math:`w = U - \epsilon`, :math:`\epsilon = 10^{-9} \max(1, U)`. Infeasible there means
    :math:`U` is optimal (proven); a feasible answer is improved by 1-swap and lowers
    :math:`U`. After ``mid_after`` (3) such improvements in a row the next target is the midpoint of
    :math:`U` and the proven lower bound :math:`L` (the every-site-open value at first), whose
    answer lowers :math:`U` or raises :math:`L`.

    Returns ``None`` when a pattern list grows past ``cap`` at the first target (the caller
    falls back to the aggregated MILP).
    """
    t0 = time.perf_counter()
    zs = _ZoneSavings(prob, rules)
    nz = len(prob.zone_pop)
    if rules.k is not None:
        max_size = rules.k - len(rules.must)
    else:
        c = np.sort(rules.cost[zs.free])
        left_b = float(rules.budget or 0.0) - float(rules.cost[list(rules.must)].sum())
        max_size = int(np.searchsorted(np.cumsum(c), left_b + 1e-9, side="right"))
    max_size = max(0, min(max_size, len(zs.free)))
    m = prob.n_sites
    best_sel = list(sel)
    ub = prob.cost_of(prob.best_savings(best_sel))
    lb = prob.trivial_bound()
    n_milp = n_pat = 0
    streak, frac = 0, 0.5  # feasible targets in a row just below the incumbent
    status = "Optimal"
    proven = False
    while not proven:
        tol = 1e-9 * max(1.0, abs(ub))
        if ub - lb <= tol:
            proven = True
            break
        at_top = streak < mid_after or ub - lb <= 4 * tol  # the target just below the incumbent
        w = ub - tol if at_top else ub - frac * (ub - lb)
        if time.perf_counter() - t0 > time_limit_s:
            status = "Time limit reached"
            break
        lists: list[list[tuple[int, ...]]] = []
        too_many = empty = False
        for z in range(nz):
            pats = zs.patterns(z, w, max_size, cap)
            if pats is None:
                too_many = True
                break
            if not pats:
                empty = True
                break
            if pats != [()]:
                lists.append(pats)
        if too_many:
            if at_top:
                if n_milp == 0:
                    return None
                status = "pattern lists too long"
                break
            streak, frac = 0, frac / 2  # too deep: the next trial goes less far
            continue
        feasible: bool | None = False
        xs: list[int] = []
        if not empty:
            n_pat += sum(len(p) for p in lists)
            milp = _pattern_milp(lists, rules, m)
            left = time_limit_s - (time.perf_counter() - t0)
            if left <= 0:
                status = "Time limit reached"
                break
            feasible, xs, res_status = feasibility(milp, m, time_limit_s=left, threads=threads)
            n_milp += 1
            if feasible is None:
                status = res_status
                break
        if feasible:
            xs, _ = swap(prob, rules, xs)
            got = prob.cost_of(prob.best_savings(xs))
            if got < ub:
                best_sel, ub = xs, got
            if got > w + 1e-7 * max(1.0, abs(w)):  # pragma: no cover - numerical trouble
                status = "numerical trouble"
                break
        else:
            lb = max(lb, w)
            proven = at_top  # nothing at or below ub - tol: the incumbent is optimal
        streak = streak + 1 if feasible and at_top else 0
    details = {"milps": n_milp, "patterns": n_pat}
    return best_sel, min(lb, ub), proven, "Optimal" if proven else status, details


def _pattern_milp(lists: list[list[tuple[int, ...]]], rules: Rules, m: int) -> Milp:
    r"""Feasibility MILP of :func:`center_zone_descent` for one target.

    One continuous column :math:`y_{zp}` per zone and pattern; per zone
    :math:`\sum_p y_{zp} \ge 1`, and per zone and site
    :math:`\sum_{p \ni j} y_{zp} \le x_j` — the convex hull of "zone :math:`z` picks one of its
    patterns" for fixed :math:`x`, far tighter than one :math:`y_p \le x_j` per pattern (measured:
    6 s → 0.28 s per MILP on the 60-candidate sample). For integral :math:`x` a fractional
    :math:`y` exists iff some pattern lies inside :math:`X`, so :math:`y` need not be integer.
    """
    r_i: list[int] = []
    c_i: list[int] = []
    v_i: list[float] = []
    lo: list[float] = []
    hi: list[float] = []
    col, row = m, 0
    for pats in lists:
        ids = list(range(col, col + len(pats)))
        r_i += [row] * len(ids)  # one of the zone's patterns
        c_i += ids
        v_i += [1.0] * len(ids)
        lo.append(1.0)
        hi.append(np.inf)
        row += 1
        by_site: dict[int, list[int]] = {}
        for cid, p in zip(ids, pats, strict=True):
            for j in p:
                by_site.setdefault(j, []).append(cid)
        for j, cols in by_site.items():  # sum of the zone's patterns using j <= x_j
            r_i += [row] * (len(cols) + 1)
            c_i += [*cols, j]
            v_i += [1.0] * len(cols) + [-1.0]
            lo.append(-np.inf)
            hi.append(0.0)
            row += 1
        col += len(ids)
    a = sp.csr_matrix((v_i, (r_i, c_i)), shape=(row, col))
    srows, slo, shi = site_rows(rules, m, col)
    x_lo = np.zeros(col)
    x_lo[list(rules.must)] = 1.0
    x_hi = np.concatenate([rules.allowed.astype(np.float64), np.ones(col - m)])
    return Milp(
        cost=np.zeros(col),
        col_lo=x_lo,
        col_hi=x_hi,
        a=sp.vstack([a, srows], format="csr"),
        row_lo=np.concatenate([lo, slo]),
        row_hi=np.concatenate([hi, shi]),
        n_int=m,
        maximize=False,
    )
