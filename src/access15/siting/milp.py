r"""Exact models solved by HiGHS (Huangfu & Hall 2018): assembly, run, status and bound.

Whether optimality was *proven* is read from HiGHS's model status and dual bound, never assumed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from access15.errors import SolverError
from access15.siting.constraints import Rules
from access15.siting.problem import SitingProblem

__all__ = ["Milp", "build_milp", "feasibility", "run_highs", "site_rows"]


def _new_highs() -> Any:
    """Return a silent HiGHS instance."""
    # the private core class does not print the banner that highspy.Highs() writes to stdout
    core = getattr(getattr(highspy, "_core", None), "_Highs", None)
    h = core() if core is not None else highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


@dataclass
class Milp:
    """A MILP in row-wise CSR form; columns 0..m-1 are the site variables x."""

    cost: npt.NDArray[np.float64]
    col_lo: npt.NDArray[np.float64]
    col_hi: npt.NDArray[np.float64]
    a: sp.csr_matrix
    row_lo: npt.NDArray[np.float64]
    row_hi: npt.NDArray[np.float64]
    n_int: int  # the first n_int columns are integer
    maximize: bool
    start: npt.NDArray[np.float64] | None = None


def site_rows(rules: Rules, m: int, n_col: int) -> tuple[sp.csr_matrix, list[float], list[float]]:
    """Rows of the site constraints (K, budget, zones that need a site) over ``n_col`` columns."""
    rows: list[npt.NDArray[np.float64]] = []
    lo: list[float] = []
    hi: list[float] = []
    if rules.k is not None:
        rows.append(np.ones(m))
        lo.append(float(rules.k) if rules.budget is None else 0.0)
        hi.append(float(rules.k))
    if rules.budget is not None:
        rows.append(rules.cost.astype(np.float64))
        lo.append(-np.inf)
        hi.append(float(rules.budget))
    for zz in rules.required:
        rows.append((rules.site_zone == zz).astype(np.float64))
        lo.append(1.0)
        hi.append(np.inf)
    if not rows:
        return sp.csr_matrix((0, n_col)), lo, hi
    a = sp.csr_matrix(np.vstack(rows))
    a.resize((len(rows), n_col))
    return a, lo, hi


def _prefix_sets(
    sav: sp.csr_matrix,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64], sp.csr_matrix]:
    r"""Split each row's saving into levels over nested site sets, and merge equal sets.

    For row r with distinct savings :math:`\sigma_1 > \dots > \sigma_L > \sigma_{L+1} = 0`,
    :math:`\max_{j \in X} s_{rj} = \sum_l (\sigma_l - \sigma_{l+1})\,[X \cap S_{rl} \ne \emptyset]`
    with :math:`S_{rl} = \{j : s_{rj} \ge \sigma_l\}`. Sets are found by two 64-bit random set
    hashes and the size, then checked member by member (when that check fits in memory).

    Returns
    -------
    entry_row, entry_delta, entry_set : ndarray
        Row, :math:`\sigma_l - \sigma_{l+1}` and set id of every level.
    members : csr_matrix, shape (n_sets, n_sites)
        0/1 membership of each distinct set.
    """
    csc = sav.tocsc()
    n, m = csc.shape[1], csc.shape[0]
    col = np.repeat(np.arange(n), np.diff(csc.indptr))
    order = np.lexsort((csc.indices, -csc.data, col))
    js, ss, cs = csc.indices[order].astype(np.int64), csc.data[order], col[order]
    if len(js) == 0:
        return (np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64), sp.csr_matrix((0, m)))
    end = np.r_[(cs[1:] != cs[:-1]) | (ss[1:] != ss[:-1]), True]
    start = csc.indptr[:-1].astype(np.int64)[cs]
    rng = np.random.default_rng(2024)
    r1 = rng.integers(1, 2**63, size=m, dtype=np.uint64)
    r2 = rng.integers(1, 2**63, size=m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        c1, c2 = np.cumsum(r1[js]), np.cumsum(r2[js])
        before1 = np.where(start > 0, c1[np.maximum(start - 1, 0)], np.uint64(0))
        before2 = np.where(start > 0, c2[np.maximum(start - 1, 0)], np.uint64(0))
        h1, h2 = c1 - before1, c2 - before2
    pos = np.flatnonzero(end)
    size = pos - start[pos] + 1
    nxt = np.r_[ss[pos[1:]], 0.0]
    same_col = np.r_[cs[pos[1:]] == cs[pos[:-1]], False]
    delta = ss[pos] - np.where(same_col, nxt, 0.0)
    key = np.column_stack([h1[pos].view(np.int64), h2[pos].view(np.int64), size])
    _, rep, set_id = np.unique(key, axis=0, return_index=True, return_inverse=True)
    set_id = set_id.ravel().astype(np.int64)

    def members_of(levels: npt.NDArray[np.int64]) -> sp.csr_matrix:
        sz = size[levels]
        rows = np.repeat(np.arange(len(levels)), sz)
        off = np.arange(int(sz.sum())) - np.repeat(np.cumsum(sz) - sz, sz)
        cols_ = js[np.repeat(start[pos[levels]], sz) + off]
        return sp.csr_matrix((np.ones(len(cols_)), (rows, cols_)), shape=(len(levels), m))

    members = members_of(rep)
    if int(size.sum()) <= 20_000_000:  # exact check of the hashing
        allm = members_of(np.arange(len(pos)))
        if (allm - members[set_id]).count_nonzero():
            if allm.shape[0] * m > 50_000_000:  # pragma: no cover - a 128-bit collision, huge
                msg = "internal hash collision while merging site sets; please report it"
                raise SolverError(msg)
            _, rep, set_id = np.unique(
                allm.toarray(), axis=0, return_index=True, return_inverse=True
            )
            set_id = set_id.ravel().astype(np.int64)
            members = members_of(rep)
    return cs[pos].astype(np.int64), delta, set_id, members


def build_milp(
    prob: SitingProblem, rules: Rules, sel: Sequence[int], upper: float
) -> tuple[Milp, dict[str, Any]]:
    """Assemble the MILP of ``prob`` over merged site sets; see :func:`solve`."""
    m = prob.n_sites
    a = prob.weights
    x_lo = np.zeros(m)
    x_hi = rules.allowed.astype(np.float64)
    x_lo[list(rules.must)] = 1.0
    x0 = np.zeros(m)
    x0[list(sel)] = 1.0
    sav, base, keep_rows = prob.savings, prob.base, np.ones(prob.n_rows, dtype=bool)
    lb = -np.inf
    if prob.objective == "center":
        # values above the incumbent's ``upper`` cannot matter: clip them there; rows whose
        # value cannot exceed the every-site-open optimum ``lb`` cannot bind: drop them
        n = prob.n_rows
        best_all = prob.best_savings(range(m))
        lb = float(max(prob.fixed, np.max(base - best_all) if n else -np.inf))
        if np.isfinite(upper):
            coo = sav.tocoo()
            cut = base - np.minimum(base, upper)
            s2 = coo.data - cut[coo.col]
            ok = s2 > 0
            sav = sp.csr_matrix((s2[ok], (coo.row[ok], coo.col[ok])), shape=sav.shape)
            base = np.minimum(base, upper)
        keep_rows = base > lb + 1e-12 * max(1.0, abs(lb))
    e_row, e_delta, e_set, members = _prefix_sets(sav[:, np.flatnonzero(keep_rows)])
    live = np.flatnonzero(keep_rows)
    ns = members.shape[0]
    w_col = 1 if prob.objective in ("center", "center-zone") else 0
    ncol = m + ns + w_col
    # u_S - sum_{j in S} x_j <= 0
    link = sp.hstack(
        [-members, sp.identity(ns, format="csr"), sp.csr_matrix((ns, w_col))], format="csr"
    )
    blocks = [link]
    rlo = [np.full(ns, -np.inf)]
    rhi = [np.zeros(ns)]
    u0 = (members @ x0 > 0.5).astype(np.float64)
    cost = np.zeros(ncol)
    lo = np.concatenate([x_lo, np.zeros(ns), np.full(w_col, -np.inf)])
    hi = np.concatenate([x_hi, np.ones(ns), np.full(w_col, np.inf)])
    if prob.objective in ("coverage", "median"):
        cost[m : m + ns] = np.bincount(e_set, weights=a[live][e_row] * e_delta, minlength=ns)
        maximize = True
        start = np.concatenate([x0, u0])
    elif prob.objective == "center":
        # W + sum_l delta_rl u_S(r,l) >= c_r for each row that can bind
        nl = len(live)
        rows = sp.csr_matrix(
            (
                np.concatenate([e_delta, np.ones(nl)]),
                (
                    np.concatenate([e_row, np.arange(nl)]),
                    np.concatenate([m + e_set, np.full(nl, m + ns)]),
                ),
            ),
            shape=(nl, ncol),
        )
        blocks.append(rows)
        rlo.append(base[live])
        rhi.append(np.full(nl, np.inf))
        lo[m + ns] = lb
        cost[m + ns] = 1.0
        maximize = False
        start = np.concatenate([x0, u0, [upper if np.isfinite(upper) else 0.0]])
    else:
        # P_z W + sum_{r in z} a_r sum_l delta_rl u_S(r,l) >= F_z + sum_{r in z} a_r c_r
        nz = len(prob.zone_pop)
        zrow = prob.zone[live][e_row]
        rows = sp.csr_matrix(
            (
                np.concatenate([a[live][e_row] * e_delta, prob.zone_pop]),
                (
                    np.concatenate([zrow, np.arange(nz)]),
                    np.concatenate([m + e_set, np.full(nz, m + ns)]),
                ),
            ),
            shape=(nz, ncol),
        )
        rows.sum_duplicates()
        blocks.append(rows)
        rlo.append(prob.zone_fixed + np.bincount(prob.zone, weights=a * prob.base, minlength=nz))
        rhi.append(np.full(nz, np.inf))
        cost[m + ns] = 1.0
        lo[m + ns] = prob.trivial_bound()  # no plan beats every site open
        maximize = False
        start = np.concatenate([x0, u0, [upper if np.isfinite(upper) else 0.0]])
    srows, slo, shi = site_rows(rules, m, ncol)
    a_all = sp.vstack([*blocks, srows], format="csr")
    info: dict[str, Any] = {
        "levels": len(e_row),
        "sets": ns,
        "columns": ncol,
        "rows_milp": a_all.shape[0],
        "nonzeros": a_all.nnz,
    }
    milp = Milp(
        cost=cost,
        col_lo=lo,
        col_hi=hi,
        a=a_all,
        row_lo=np.concatenate([*rlo, slo]),
        row_hi=np.concatenate([*rhi, shi]),
        n_int=m,
        maximize=maximize,
        start=start,
    )
    return milp, info


def run_highs(
    milp: Milp, *, time_limit_s: float, rel_gap: float, threads: int | None, relax: bool = False
) -> dict[str, Any]:
    """Solve ``milp`` (or its LP relaxation) with HiGHS; status, solution and bound."""
    h = _new_highs()
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = len(milp.cost)
    lp.num_row_ = milp.a.shape[0]
    lp.col_cost_ = milp.cost
    lp.col_lower_ = np.where(np.isfinite(milp.col_lo), milp.col_lo, -inf)
    lp.col_upper_ = np.where(np.isfinite(milp.col_hi), milp.col_hi, inf)
    lp.row_lower_ = np.where(np.isfinite(milp.row_lo), milp.row_lo, -inf)
    lp.row_upper_ = np.where(np.isfinite(milp.row_hi), milp.row_hi, inf)
    lp.sense_ = highspy.ObjSense.kMaximize if milp.maximize else highspy.ObjSense.kMinimize
    a = milp.a
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    lp.a_matrix_.num_col_ = lp.num_col_
    lp.a_matrix_.num_row_ = lp.num_row_
    if not relax:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * milp.n_int + [
            highspy.HighsVarType.kContinuous
        ] * (lp.num_col_ - milp.n_int)
    h.passModel(lp)
    h.setOptionValue("time_limit", float(max(time_limit_s, 1e-3)))
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    h.setOptionValue("mip_abs_gap", 1e-9)
    h.setOptionValue("random_seed", 0)
    if threads:
        h.setOptionValue("threads", int(threads))
    if relax:
        # interior point without crossover: the fast way to the LP bound of a large instance
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "off")
    else:
        # measured on the sample county (coverage, median, center-zone; 19, 60 and 202
        # candidates, K = 2..10): these set models solved 6-50 % faster without HiGHS's
        # presolve (202-candidate coverage: 43.0 s -> 27.2 s for K = 2..7); benchmarks/README.md
        h.setOptionValue("presolve", "off")
    if milp.start is not None and not relax:
        sol = highspy.HighsSolution()
        sol.col_value = milp.start.tolist()
        sol.value_valid = True
        h.setSolution(sol)
    t0 = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t0
    status = h.getModelStatus()
    info = h.getInfo()
    out: dict[str, Any] = {
        "status": h.modelStatusToString(status),
        "optimal": status == highspy.HighsModelStatus.kOptimal,
        "infeasible": status == highspy.HighsModelStatus.kInfeasible,
        "seconds": seconds,
        "nodes": int(getattr(info, "mip_node_count", 0) or 0),
    }
    has_primal = info.primal_solution_status >= 2  # kSolutionStatusFeasible
    col = np.asarray(h.getSolution().col_value) if has_primal else None
    out["x"] = col[: milp.n_int] if col is not None else None
    out["col"] = col  # every column (the continuous ones too), None without a solution
    if relax:
        out["bound"] = float(info.objective_function_value) if out["optimal"] else math.nan
    else:
        db = float(info.mip_dual_bound)
        out["bound"] = db if np.isfinite(db) and abs(db) < 1e30 else math.nan
    return out


def feasibility(
    milp: Milp, m: int, *, time_limit_s: float, threads: int | None
) -> tuple[bool | None, list[int], str]:
    """Solve a feasibility MILP of the target searches.

    Returns (True, sites, status) when feasible, (False, [], status) when proven infeasible, and
    (None, [], status) when HiGHS could not decide within ``time_limit_s`` seconds.
    """
    res = run_highs(milp, time_limit_s=time_limit_s, rel_gap=0.0, threads=threads)
    if res["infeasible"]:
        return False, [], res["status"]
    if res["optimal"] and res["x"] is not None:
        return True, [int(j) for j in np.flatnonzero(res["x"][:m] > 0.5)], res["status"]
    return None, [], res["status"]
