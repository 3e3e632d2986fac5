r"""Heuristics: lazy greedy ranking, 1-swap improvement and filling a budget.

Lazy greedy (Minoux 1978) gives a ranked list with marginal gains (cut it at any K; within
:math:`1 - 1/e` of the optimum for coverage and median, whose objectives are submodular,
Nemhauser, Wolsey & Fisher 1978); 1-swap improvement follows Teitz & Bart (1968) with the fast
interchange bookkeeping of Whitaker (1983).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from access15.errors import InputError
from access15.siting.constraints import Feasible, Rules
from access15.siting.problem import SitingProblem

__all__ = ["add_site", "fill_budget", "greedy", "rank_set", "swap"]

_TIE_DECIMALS = 9  # min-max objectives (minutes) equal to this many decimals are ties


def _site_gain(prob: SitingProblem, j: int, best: npt.NDArray[np.float64]) -> float:
    s = prob.savings
    a, b = s.indptr[j], s.indptr[j + 1]
    idx = s.indices[a:b]
    return float(prob.weights[idx] @ np.maximum(s.data[a:b] - best[idx], 0.0))


def add_site(prob: SitingProblem, j: int, best: npt.NDArray[np.float64]) -> None:
    """Raise ``best`` (each row's best saving, in place) by what site ``j`` saves."""
    s = prob.savings
    a, b = s.indptr[j], s.indptr[j + 1]
    idx = s.indices[a:b]
    best[idx] = np.maximum(best[idx], s.data[a:b])


def greedy(prob: SitingProblem, rules: Rules) -> tuple[list[int], list[float]]:
    """Greedy order and internal-cost decrease of each pick (must-include sites first)."""
    if prob.objective in ("coverage", "median"):
        return _greedy_sum(prob, rules)
    return _greedy_minmax(prob, rules)


def _greedy_sum(prob: SitingProblem, rules: Rules) -> tuple[list[int], list[float]]:
    """Lazy greedy (Minoux 1978); with a budget, the better of two greedy runs.

    With costs, gain-per-cost greedy alone can be arbitrarily bad (one cheap site with a small
    gain crowds out an expensive site with a huge one). Following Khuller, Moss & Naor (1999,
    *Inf. Process. Lett.* 70:39-45) the result is the better of the plain cost-effectiveness
    greedy and the same greedy started from the best single affordable site, which guarantees
    at least (1 - 1/sqrt(e)) ~ 39 % of the optimum (the exact MILP then closes the gap).
    """
    picks, gains = _greedy_sum_from(prob, rules, ())
    if rules.budget is None:
        return picks, gains
    best = np.zeros(prob.n_rows)
    feas = Feasible(rules)
    for j in rules.must:
        add_site(prob, j, best)
        feas.add(j)
    single = [(_site_gain(prob, j, best), -j) for j in range(prob.n_sites) if feas.can_add(j)]
    if not single:
        return picks, gains
    g1, neg_j = max(single)
    if g1 <= sum(gains[len(rules.must) :]) + 1e-12 or -neg_j in picks:
        return picks, gains
    alt, alt_gains = _greedy_sum_from(prob, rules, (-neg_j,))
    if sum(alt_gains) > sum(gains) + 1e-9 * max(1.0, abs(sum(gains))):
        return alt, alt_gains
    return picks, gains


def _greedy_sum_from(
    prob: SitingProblem, rules: Rules, seed: Sequence[int]
) -> tuple[list[int], list[float]]:
    """Lazy greedy from the required sites plus ``seed``: stale gains bound fresh ones."""
    m = prob.n_sites
    best = np.zeros(prob.n_rows)
    feas = Feasible(rules)
    picks: list[int] = []
    gains: list[float] = []
    for j in (*rules.must, *seed):
        g = _site_gain(prob, j, best)
        add_site(prob, j, best)
        feas.add(j)
        picks.append(j)
        gains.append(g)
    by_cost = rules.budget is not None
    cost = np.where(rules.cost > 0, rules.cost, 1e-12)
    g0 = prob.savings @ prob.weights if prob.savings.nnz else np.zeros(m)
    heap: list[tuple[float, int, int]] = []
    for j in range(m):
        if rules.allowed[j] and j not in picks:
            g = g0[j] if not picks else _site_gain(prob, j, best)
            heap.append((-(g / cost[j] if by_cost else g), j, 0 if not picks else 1))
    heapq.heapify(heap)
    step = 1
    while heap and not feas.full():
        stash: list[tuple[float, int, int]] = []
        chosen = -1
        while heap:
            key, j, stamp = heapq.heappop(heap)
            if not feas.can_add(j):
                stash.append((key, j, stamp))
                continue
            if stamp == step:
                chosen = j
                break
            g = _site_gain(prob, j, best)
            heapq.heappush(heap, (-(g / cost[j] if by_cost else g), j, step))
        for e in stash:
            heapq.heappush(heap, e)
        if chosen < 0:
            break
        g = _site_gain(prob, chosen, best)
        if by_cost and rules.k is None and g <= 0 and not feas.unmet:
            break  # with a budget and no K, sites that add nothing are not worth buying
        add_site(prob, chosen, best)
        feas.add(chosen)
        picks.append(chosen)
        gains.append(g)
        step += 1
    if feas.unmet or (rules.budget is None and rules.k is not None and len(picks) < rules.k):
        msg = "the constraints cannot all be met by the greedy ranking; relax them or use exact"
        raise InputError(msg)
    return picks, gains


def _minmax_values(
    prob: SitingProblem, best: npt.NDArray[np.float64], cand: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Objective (center / center-zone) and sum-cost after adding each of ``cand`` to ``best``."""
    s = prob.savings
    a = prob.weights
    v = prob.base - best
    sum_cost = float(a @ v)
    obj = np.empty(len(cand))
    tie = np.empty(len(cand))
    if prob.objective == "center":
        order = np.argsort(-v, kind="stable")
        rank = np.empty(len(v), dtype=np.int64)
        rank[order] = np.arange(len(v))
        vs = v[order]
        fixed = prob.fixed
        for t, j in enumerate(cand):
            lo, hi = s.indptr[j], s.indptr[j + 1]
            idx = s.indices[lo:hi]
            d = s.data[lo:hi]
            better = d > best[idx]
            ii = idx[better]
            newv = prob.base[ii] - d[better]
            # largest value among rows j does not improve: first rank not in j's improved set
            rk = np.sort(rank[ii])
            miss = np.flatnonzero(rk != np.arange(len(rk)))
            first = int(miss[0]) if len(miss) else len(rk)
            rest = vs[first] if first < len(vs) else -np.inf
            obj[t] = max(fixed, rest, newv.max() if len(newv) else -np.inf)
            tie[t] = sum_cost - float(a[ii] @ (d[better] - best[ii]))
        return obj, tie
    zp = np.where(prob.zone_pop > 0, prob.zone_pop, 1.0)
    zs = prob.zone_fixed + np.bincount(prob.zone, weights=a * v, minlength=len(zp))
    for t, j in enumerate(cand):
        lo, hi = s.indptr[j], s.indptr[j + 1]
        idx = s.indices[lo:hi]
        dg = a[idx] * np.maximum(s.data[lo:hi] - best[idx], 0.0)
        dz = np.bincount(prob.zone[idx], weights=dg, minlength=len(zp))
        obj[t] = float(np.max((zs - dz) / zp))
        tie[t] = sum_cost - float(dg.sum())
    return obj, tie


def _greedy_minmax(prob: SitingProblem, rules: Rules) -> tuple[list[int], list[float]]:
    """Greedy for the min-max objectives: best objective after each addition, ties by sum."""
    m = prob.n_sites
    best = np.zeros(prob.n_rows)
    feas = Feasible(rules)
    picks: list[int] = []
    gains: list[float] = []
    cur = prob.cost_of(best)
    for j in rules.must:
        add_site(prob, j, best)
        feas.add(j)
        new = prob.cost_of(best)
        picks.append(j)
        gains.append(cur - new)
        cur = new
    while not feas.full():
        cand = np.flatnonzero(feas.mask(m))
        if len(cand) == 0:
            break
        obj, tie = _minmax_values(prob, best, cand)
        if rules.budget is not None:
            # with a budget: most objective decrease per unit cost, then sum decrease per cost
            c = np.where(rules.cost[cand] > 0, rules.cost[cand], 1e-12)
            sum_now = float(prob.weights @ (prob.base - best))
            key1, key2 = -(cur - obj) / c, -(sum_now - tie) / c
            useless = (cur - obj).max() <= 0 and (sum_now - tie).max() <= 0
            if rules.k is None and useless and not feas.unmet:
                break  # with a budget and no K, sites that change nothing are not bought
        else:
            key1, key2 = obj, tie
        # objectives equal but for rounding noise (51.3 vs 51.300000000000004) are ties, so the
        # total time decides between them, not the last bit of a float
        key1 = np.round(key1, _TIE_DECIMALS)
        t = int(np.lexsort((cand, key2, key1))[0])
        j = int(cand[t])
        add_site(prob, j, best)
        feas.add(j)
        new = prob.cost_of(best)
        picks.append(j)
        gains.append(cur - new)
        cur = new
    if feas.unmet or (rules.budget is None and rules.k is not None and len(picks) < rules.k):
        msg = "the constraints cannot all be met by the greedy ranking; relax them or use exact"
        raise InputError(msg)
    return picks, gains


# --------------------------------------------------------------------------- 1-swap
def _swap_feasible(rules: Rules, sel: list[int], m: int) -> npt.NDArray[np.bool_]:
    """``ok[in, pos]``: replacing ``sel[pos]`` by ``in`` keeps every constraint."""
    k = len(sel)
    ok = np.repeat(rules.allowed[:, None], k, axis=1)
    ok[sel, :] = False
    for pos, j in enumerate(sel):
        if j in rules.must:
            ok[:, pos] = False
    zones_sel = rules.site_zone[sel]
    for pos, j in enumerate(sel):
        zj = int(rules.site_zone[j])
        if zj in set(rules.required.tolist()) and int((zones_sel == zj).sum()) == 1:
            ok[:, pos] &= rules.site_zone == zj
    if rules.budget is not None:
        spent = float(rules.cost[sel].sum())
        ok &= spent - rules.cost[sel][None, :] + rules.cost[:, None] <= rules.budget + 1e-9
    return ok


def swap(
    prob: SitingProblem, rules: Rules, sel: list[int], *, max_iter: int = 500
) -> tuple[list[int], int]:
    """Best-improvement 1-swap from ``sel`` until no swap lowers the cost; (sites, swaps)."""
    if not sel:
        return sel, 0
    if prob.objective in ("coverage", "median"):
        return _swap_sum(prob, rules, sel, max_iter=max_iter)
    return _swap_minmax(prob, rules, sel, max_iter=max_iter)


def _swap_sum(
    prob: SitingProblem, rules: Rules, sel: list[int], *, max_iter: int
) -> tuple[list[int], int]:
    r"""Fast interchange for sum objectives.

    With :math:`b^1_r` the best saving of row r over the open sites, :math:`o_r` the site giving
    it and :math:`b^2_r` the best over the others, replacing ``out`` by ``in`` changes the cost by
    :math:`-G_{in} + L_{out} - E_{in,out}`, where
    :math:`G_{in} = \sum_r a_r (s_{r,in} - b^1_r)^+`,
    :math:`L_{out} = \sum_{o_r = out} a_r (b^1_r - b^2_r)` and
    :math:`E_{in,out} = \sum_{o_r = out} a_r (\min(s_{r,in}, b^1_r) - b^2_r)^+`; all three come
    from one pass over the nonzeros.
    """
    s = prob.savings
    a = prob.weights
    m, n = prob.n_sites, prob.n_rows
    row_of = np.repeat(np.arange(m), np.diff(s.indptr))
    sel = list(sel)
    scale = max(1.0, float(a @ prob.base))
    n_swaps = 0
    for _ in range(max_iter):
        k = len(sel)
        sub = s[sel]
        dense = np.zeros((k, n))
        dense[np.repeat(np.arange(k), np.diff(sub.indptr)), sub.indices] = sub.data
        owner = np.argmax(dense, axis=0)
        b1 = dense[owner, np.arange(n)]
        owner[b1 <= 0] = -1
        dense[np.maximum(owner, 0), np.arange(n)] = 0.0
        b2 = dense.max(axis=0) if k > 1 else np.zeros(n)
        b2[owner < 0] = 0.0
        b1 = np.maximum(b1, 0.0)
        ai = a[s.indices]
        gain = np.bincount(
            row_of, weights=ai * np.maximum(s.data - b1[s.indices], 0.0), minlength=m
        )
        has = owner >= 0
        loss = np.bincount(owner[has], weights=(a * (b1 - b2))[has], minlength=k)
        own = owner[s.indices]
        msk = (own >= 0) & (s.data > b2[s.indices])
        val = ai[msk] * (np.minimum(s.data[msk], b1[s.indices[msk]]) - b2[s.indices[msk]])
        extra = np.bincount(row_of[msk] * k + own[msk], weights=val, minlength=m * k).reshape(m, k)
        delta = -gain[:, None] + loss[None, :] - extra
        ok = _swap_feasible(rules, sel, m)
        delta = np.where(ok, delta, np.inf)
        flat = int(np.argmin(delta))
        j_in, pos = divmod(flat, k)
        if not delta[j_in, pos] < -1e-9 * scale:
            break
        sel[pos] = int(j_in)
        n_swaps += 1
    return sel, n_swaps


def _swap_minmax(
    prob: SitingProblem, rules: Rules, sel: list[int], *, max_iter: int
) -> tuple[list[int], int]:
    """1-swap for the min-max objectives, improving (objective, sum cost) lexicographically."""
    m = prob.n_sites
    sel = list(sel)
    cur = (
        prob.cost_of(prob.best_savings(sel)),
        float(prob.weights @ (prob.base - prob.best_savings(sel))),
    )
    n_swaps = 0
    for _ in range(max_iter):
        ok = _swap_feasible(rules, sel, m)
        best_move: tuple[float, float, int, int] | None = None
        for pos in range(len(sel)):
            cand = np.flatnonzero(ok[:, pos])
            if len(cand) == 0:
                continue
            rest = sel[:pos] + sel[pos + 1 :]
            obj, tie = _minmax_values(prob, prob.best_savings(rest), cand)
            t = int(np.lexsort((cand, tie, obj))[0])
            move = (float(obj[t]), float(tie[t]), int(cand[t]), pos)
            if best_move is None or move[:2] < best_move[:2]:
                best_move = move
        tol = 1e-9 * max(1.0, abs(cur[0]))
        if best_move is None:
            break
        better = best_move[0] < cur[0] - tol or (
            best_move[0] <= cur[0] + tol and best_move[1] < cur[1] - 1e-9 * max(1.0, abs(cur[1]))
        )
        if not better:
            break
        sel[best_move[3]] = best_move[2]
        cur = (best_move[0], best_move[1])
        n_swaps += 1
    return sel, n_swaps


def fill_budget(prob: SitingProblem, rules: Rules, sel: list[int]) -> list[int]:
    """With a budget, add affordable sites that still lower the cost (after swaps free money)."""
    if rules.budget is None:
        return sel
    feas = Feasible(rules)
    for j in sel:
        feas.add(j)
    best = prob.best_savings(sel)
    cur = prob.cost_of(best)
    while not feas.full():
        cand = np.flatnonzero(feas.mask(prob.n_sites))
        if len(cand) == 0:
            break
        vals = []
        for c in cand:
            b = best.copy()
            add_site(prob, int(c), b)
            vals.append(prob.cost_of(b))
        t = int(np.argmin(vals))
        if not vals[t] < cur - 1e-9 * max(1.0, abs(cur)):
            break
        pick = int(cand[t])
        add_site(prob, pick, best)
        feas.add(pick)
        sel = [*sel, pick]
        cur = vals[t]
    return sel


def rank_set(
    prob: SitingProblem, sites: Sequence[int], must: Sequence[int]
) -> tuple[list[int], list[float]]:
    """Rank a fixed set: required sites first, then greedily by cost decrease within the set."""
    sub = [j for j in sites if j not in must]
    restricted = Rules(
        k=len(sites),
        budget=None,
        cost=np.ones(prob.n_sites),
        must=tuple(j for j in must if j in sites),
        allowed=np.isin(np.arange(prob.n_sites), list(sites)),
        site_zone=np.full(prob.n_sites, -1, dtype=np.int64),
        required=np.zeros(0, dtype=np.int64),
    )
    if not sub and not restricted.must:
        return [], []
    return greedy(prob, restricted)
