r"""Which sites to upgrade or open: ranked lists, exact optima and how sure we are of them.

The existing facilities stay where they are; we choose sites among candidates (by default the
tier-2 township health centres, which would be promoted to tier-3 sub-centres) for one service
level (facilities of tier >= ``min_tier`` within ``minutes``). Four objectives:

``"coverage"`` — maximal covering (MCLP; Church & ReVelle 1974)
    Most people within the level's threshold.
``"median"`` — p-median (Hakimi 1964; ReVelle & Swain 1970)
    Least population-weighted mean travel time, each cell's time being the smaller of what it has
    today and its time to the nearest chosen site.
``"center"`` — p-center (Hakimi 1965; Daskin 1995), worst cell
    Least travel time of the worst-off populated cell.
``"center-zone"`` — p-center over zones
    Least population-weighted mean time of the worst-off zone (片区 / township).

All four share one representation (:class:`SitingProblem`): demand *rows* with a weight
:math:`a_r` (people), a current time :math:`c_r` (minutes; 1 for coverage, "uncovered") and the
*savings* :math:`s_{rj} = c_r - t_{rj} > 0` of candidate :math:`j` (stored only where a site would
beat what the row has today). The value of row :math:`r` under a set :math:`X` of sites is
:math:`v_r(X) = c_r - \max(0, \max_{j \in X} s_{rj})`.

Algorithms: lazy greedy (Minoux 1978) giving a ranked list with marginal gains (cut it at any K;
within :math:`1 - 1/e` of the optimum for coverage and median, whose objectives are submodular,
Nemhauser, Wolsey & Fisher 1978), 1-swap improvement (Teitz & Bart 1968, with the fast
interchange bookkeeping of Whitaker 1983), and an exact MILP solved by HiGHS (Huangfu & Hall
2018) from the greedy + swap warm start, with a time limit; whether optimality was *proven* is
read from HiGHS's model status and dual bound, never assumed. The two min-max objectives are
solved as sequences of feasibility MILPs on target values instead (the textbook min-max models
have weak LP bounds): for ``center`` one set-covering problem per target, for ``center-zone``
one over each zone's minimal site sets (see :func:`solve`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import heapq
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from access15.config import ServiceLevel
from access15.errors import InputError, SolverError
from access15.siting._kernels import zone_patterns
from access15.travel import nearest_facility, pair_times

if TYPE_CHECKING:
    import geopandas as gpd

    from access15.access import CoverageResult
    from access15.network import RoadNetwork

__all__ = [
    "OBJECTIVES",
    "Recommendation",
    "Sensitivity",
    "SitingProblem",
    "Solution",
    "build_problem",
    "candidate_sites",
    "coverage_curve",
    "coverage_matrix",
    "greedy_max_cover",
    "lp_bound",
    "plot_curve",
    "recommend_upgrades",
    "sensitivity",
    "solve",
]

Objective = Literal["coverage", "median", "center", "center-zone"]
OBJECTIVES: tuple[str, ...] = ("coverage", "median", "center", "center-zone")
_ALIASES = {
    "coverage": "coverage",
    "mclp": "coverage",
    "max-cover": "coverage",
    "median": "median",
    "p-median": "median",
    "pmedian": "median",
    "center": "center",
    "p-center": "center",
    "pcenter": "center",
    "center-zone": "center-zone",
    "p-center-zone": "center-zone",
    "zone": "center-zone",
}
_METHODS = ("greedy", "swap", "exact")
_ROUND_MIN = 1e-9  # savings are rounded to this many minutes so equal patterns merge exactly


def _objective_name(objective: str) -> str:
    key = str(objective).lower().replace("_", "-")
    if key not in _ALIASES:
        msg = f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}"
        raise InputError(msg)
    return _ALIASES[key]


# --------------------------------------------------------------------------- the legacy helpers
def greedy_max_cover(
    cover: sp.csr_matrix, weights: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy maximal covering: pick ``k`` rows of ``cover`` adding the most weight each time.

    Parameters
    ----------
    cover : csr_matrix of bool, shape (n_candidates, n_demand)
        ``cover[j, i]`` is true when candidate j would cover demand i.
    weights : ndarray, shape (n_demand,)
        Weight (people) of each demand not yet covered.
    k : int

    Returns
    -------
    picks : ndarray of int
        Candidate rows in the order chosen (ties go to the lower row).
    gains : ndarray of float
        Weight added by each pick (non-increasing).

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> c = sp.csr_matrix(np.array([[1, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 0]], dtype=bool))
    >>> greedy_max_cover(c, np.array([5.0, 1.0, 1.0, 1.0]), 2)
    (array([0, 1]), array([6., 2.]))
    """
    w = np.asarray(weights, dtype=np.float64).copy()
    c = sp.csr_matrix(cover, dtype=np.float64)
    picks: list[int] = []
    gains: list[float] = []
    available = np.ones(c.shape[0], dtype=bool)
    for _ in range(k):
        g = c @ w
        g[~available] = -1.0
        j = int(np.argmax(g))
        picks.append(j)
        gains.append(float(g[j]))
        available[j] = False
        w[c[j].indices] = 0.0
    return np.asarray(picks, dtype=np.int64), np.asarray(gains, dtype=np.float64)


def coverage_matrix(
    network: RoadNetwork,
    site_nodes: np.ndarray,
    site_leg_s: np.ndarray,
    cell_nodes: np.ndarray,
    cell_first_s: np.ndarray,
    limit_s: float,
) -> sp.csr_matrix:
    """Boolean sites × cells matrix: cell i reaches site j within ``limit_s`` seconds.

    The time of a pair is the cell's first mile + network time + the site's last mile, the same
    definition coverage uses. Searches run once per site over the distinct nodes of the cells.

    Parameters
    ----------
    network : RoadNetwork
    site_nodes, site_leg_s : ndarray
        Node index and last-mile seconds of each candidate site.
    cell_nodes, cell_first_s : ndarray
        Node index and first-mile seconds of each demand cell.
    limit_s : float
        Threshold, seconds.

    Returns
    -------
    csr_matrix of bool, shape (n_sites, n_cells)
    """
    n_sites, n_cells = len(site_nodes), len(cell_nodes)
    if n_cells == 0 or n_sites == 0:
        return sp.csr_matrix((n_sites, n_cells), dtype=bool)
    uniq, cell_to_u = np.unique(cell_nodes, return_inverse=True)
    pt = pair_times(network, site_nodes, leg_s=site_leg_s, cutoff_s=limit_s, targets=uniq)
    # expand node pairs to the cells at each node, keeping those whose first mile still fits
    order = np.argsort(cell_to_u, kind="stable")
    starts = np.searchsorted(cell_to_u[order], np.arange(len(uniq)))
    counts = np.bincount(cell_to_u, minlength=len(uniq))
    reps = counts[pt.target]
    pair_of = np.repeat(np.arange(len(pt)), reps)
    offset = np.arange(len(pair_of)) - np.repeat(np.cumsum(reps) - reps, reps)
    cell = order[starts[pt.target[pair_of]] + offset]
    ok = cell_first_s[cell] + pt.seconds[pair_of] <= limit_s
    rows, cols = pt.source[pair_of[ok]], cell[ok]
    return sp.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(n_sites, n_cells))


# --------------------------------------------------------------------------- the problem
@dataclass(frozen=True, repr=False)
class SitingProblem:
    r"""Demand rows × candidate sites in savings form, shared by every objective and algorithm.

    The value of row :math:`r` under a set :math:`X` of open sites is
    :math:`v_r(X) = c_r - \max(0, \max_{j \in X} s_{rj})` and the objectives are

    .. math::

        \text{coverage:}\; \max\; F + \sum_r a_r (1 - v_r), \qquad
        \text{median:}\; \min\; \frac{F + \sum_r a_r v_r}{W}, \\
        \text{center:}\; \min\; \max\big(F, \max_r v_r\big), \qquad
        \text{center-zone:}\; \min\; \max_z \frac{F_z + \sum_{r \in z} a_r v_r}{P_z},

    with :math:`F` the part of the objective no candidate can change (people already covered,
    person-minutes of cells no site improves, the worst such time) and :math:`W` the people on the
    network. Rows are *aggregated*: demand cells with identical savings patterns are one row
    (weights summed; for ``center`` the row keeps the largest current time, which dominates).

    Attributes
    ----------
    objective : str
        ``"coverage"``, ``"median"``, ``"center"`` or ``"center-zone"``.
    weights : ndarray, shape (n_rows,)
        People per row, :math:`a_r`.
    base : ndarray, shape (n_rows,)
        Current value :math:`c_r`: 1 (uncovered) for coverage, minutes otherwise.
    savings : csr_matrix, shape (n_sites, n_rows)
        :math:`s_{rj} > 0`: people-free improvement of row r by site j (1 for coverage, minutes
        otherwise). Absent entries are 0.
    zone : ndarray of int, shape (n_rows,)
        Zone position of each row (``center-zone``; -1 elsewhere).
    fixed : float
        :math:`F`: people covered that no choice changes (coverage), person-minutes of rows no
        site improves (median), the worst time no site improves (center).
    total : float
        Denominator: population total for coverage shares, people on the network for median.
    zone_fixed, zone_pop : ndarray, shape (n_zones,)
        :math:`F_z` (person-minutes) and :math:`P_z` (people) per zone (``center-zone``).
    n_cells : int
        Demand cells before aggregation (those some site can improve).
    """

    objective: str
    weights: npt.NDArray[np.float64]
    base: npt.NDArray[np.float64]
    savings: sp.csr_matrix
    zone: npt.NDArray[np.int64]
    fixed: float = 0.0
    total: float = 0.0
    zone_fixed: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    zone_pop: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    n_cells: int = 0

    def __repr__(self) -> str:
        return (
            f"SitingProblem({self.objective}: {self.n_sites:,} sites x {self.n_rows:,} rows "
            f"(from {self.n_cells:,} cells), {self.savings.nnz:,} pairs)"
        )

    @property
    def n_sites(self) -> int:
        """Number of candidate sites."""
        return int(self.savings.shape[0])

    @property
    def n_rows(self) -> int:
        """Number of demand rows after aggregation."""
        return int(self.savings.shape[1])

    @property
    def maximize(self) -> bool:
        """True when the reported objective is to be maximised (coverage)."""
        return self.objective == "coverage"

    # -- constructors for arrays (tests, benchmarks, other callers)
    @classmethod
    def from_coverage(
        cls,
        cover: sp.spmatrix | npt.ArrayLike,
        weights: npt.ArrayLike,
        *,
        covered: float = 0.0,
        total: float | None = None,
        aggregate: bool = True,
    ) -> SitingProblem:
        """Coverage (MCLP) problem from a sites × demand boolean matrix.

        Parameters
        ----------
        cover : sparse or array, shape (n_sites, n_demand)
            ``cover[j, i]`` true when site j would cover demand i (which is not covered today).
        weights : array_like, shape (n_demand,)
            People per demand.
        covered : float
            People already covered (added to the objective).
        total : float, optional
            Denominator of shares (default: ``covered`` + all weights).
        aggregate : bool
            Merge demands with identical coverage patterns.

        Examples
        --------
        >>> import numpy as np
        >>> p = SitingProblem.from_coverage(
        ...     np.array([[1, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 0]]), [5.0, 1.0, 1.0, 1.0]
        ... )
        >>> p.n_rows, p.evaluate([0, 1])
        (3, 8.0)
        """
        c = sp.csr_matrix(cover, dtype=np.float64)
        c.data[:] = 1.0
        c.eliminate_zeros()
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (c.shape[1],) or (w < 0).any() or not np.isfinite(w).all():
            msg = "weights must be finite, >= 0 and one per demand column of cover"
            raise InputError(msg)
        tot = float(covered + w.sum()) if total is None else float(total)
        return _assemble(
            "coverage",
            c,
            w,
            np.ones(len(w)),
            np.full(len(w), -1, dtype=np.int64),
            fixed=float(covered),
            total=tot,
            aggregate=aggregate,
        )

    @classmethod
    def from_times(
        cls,
        times: sp.spmatrix | npt.ArrayLike,
        base: npt.ArrayLike,
        weights: npt.ArrayLike,
        *,
        objective: str = "median",
        zone: npt.ArrayLike | None = None,
        aggregate: bool = True,
    ) -> SitingProblem:
        """Time-based problem (median, center, center-zone) from site × demand times.

        Parameters
        ----------
        times : sparse or array, shape (n_sites, n_demand)
            Minutes from demand i to site j; sparse entries absent (or ``inf`` in an array) mean
            "too far to matter". Only times below ``base`` are used.
        base : array_like, shape (n_demand,)
            Current minutes of each demand to the existing facilities (finite).
        weights : array_like, shape (n_demand,)
            People per demand.
        objective : str
            ``"median"``, ``"center"`` or ``"center-zone"``.
        zone : array_like of int, optional
            Zone position (0..n_zones-1) of each demand, needed for ``"center-zone"``.
        aggregate : bool
            Merge demands with identical savings patterns.

        Examples
        --------
        >>> import numpy as np
        >>> t = np.array([[1.0, np.inf, 9.0], [np.inf, 2.0, 3.0]])
        >>> p = SitingProblem.from_times(t, base=[10.0, 10.0, 10.0], weights=[1, 1, 2])
        >>> p.evaluate([0]), p.evaluate([1])  # mean minutes
        (7.25, 4.5)
        """
        obj = _objective_name(objective)
        if obj == "coverage":
            msg = "from_times builds time objectives; use from_coverage for coverage"
            raise InputError(msg)
        c = np.asarray(base, dtype=np.float64)
        w = np.asarray(weights, dtype=np.float64)
        if c.ndim != 1 or w.shape != c.shape or not np.isfinite(c).all() or (w < 0).any():
            msg = "base and weights must be finite 1-D arrays, one per demand, weights >= 0"
            raise InputError(msg)
        if sp.issparse(times):
            t = sp.coo_matrix(times)
            j, i, tv = t.row, t.col, t.data.astype(np.float64)
            shape = t.shape
        else:
            ta = np.asarray(times, dtype=np.float64)
            j, i = np.nonzero(np.isfinite(ta))
            tv = ta[j, i]
            shape = ta.shape
        if shape[1] != len(c):
            msg = "times must have one column per demand"
            raise InputError(msg)
        s = c[i] - tv
        keep = s > 0
        sav = sp.csr_matrix((s[keep], (j[keep], i[keep])), shape=shape)
        z = (
            np.full(len(c), -1, dtype=np.int64)
            if zone is None
            else np.asarray(zone, dtype=np.int64)
        )
        if obj == "center-zone" and (zone is None or (z < 0).any()):
            msg = "center-zone needs a zone (0..n_zones-1) for every demand"
            raise InputError(msg)
        return _assemble_times(obj, sav, w, c, z, aggregate=aggregate)

    # -- evaluation
    def best_savings(self, sites: Iterable[int]) -> npt.NDArray[np.float64]:
        """Largest saving of each row over ``sites`` (0 where none helps)."""
        best = np.zeros(self.n_rows)
        s = self.savings
        for j in sites:
            a, b = s.indptr[j], s.indptr[j + 1]
            idx = s.indices[a:b]
            best[idx] = np.maximum(best[idx], s.data[a:b])
        return best

    def cost_of(self, best: npt.NDArray[np.float64]) -> float:
        """Return the internal cost (minimised by the algorithms) for given best savings."""
        v = self.base - best
        if self.objective in ("coverage", "median"):
            return float(self.weights @ v)
        if self.objective == "center":
            return float(max(self.fixed, v.max() if len(v) else -np.inf))
        zs = self.zone_fixed + np.bincount(
            self.zone, weights=self.weights * v, minlength=len(self.zone_pop)
        )
        return float(np.max(zs / np.where(self.zone_pop > 0, self.zone_pop, 1.0)))

    def report(self, cost: float) -> float:
        """Convert an internal cost to the reported objective (people covered, or minutes)."""
        if self.objective == "coverage":
            return self.fixed + float(self.weights.sum()) - cost
        if self.objective == "median":
            return (self.fixed + cost) / self.total if self.total > 0 else 0.0
        return cost

    def evaluate(self, sites: Iterable[int]) -> float:
        """Return the objective of opening ``sites``: people covered, or minutes."""
        return self.report(self.cost_of(self.best_savings(list(sites))))

    def gain_units(self, cost_gain: float) -> float:
        """Convert a decrease of internal cost to reported units (people, or minutes)."""
        if self.objective == "median":
            return cost_gain / self.total if self.total > 0 else 0.0
        return cost_gain

    def trivial_bound(self) -> float:
        """Objective with every site open: no choice of sites can do better."""
        return self.evaluate(range(self.n_sites))

    def share(self, objective_value: float) -> float:
        """Covered share for coverage (``objective / total``); NaN otherwise."""
        if self.objective == "coverage" and self.total > 0:
            return objective_value / self.total
        return float("nan")


def _group_rows(
    rows: sp.csr_matrix, extra: npt.NDArray[np.int64] | None
) -> tuple[npt.NDArray[np.int64], int]:
    """Group identical rows (same columns and values, same ``extra``): group id per row.

    Two independent 64-bit random hashes find candidate groups; every member is then compared
    entry by entry with its group's first row, so the grouping is exact.
    """
    n = rows.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0
    rows.sort_indices()
    rng = np.random.default_rng(12345)
    m = rows.shape[1]
    r1 = rng.integers(1, 2**63, size=m, dtype=np.uint64) | np.uint64(1)
    r2 = rng.integers(1, 2**63, size=m, dtype=np.uint64) | np.uint64(1)
    bits = np.ascontiguousarray(rows.data, dtype=np.float64).view(np.uint64)
    cnt = np.diff(rows.indptr)
    row_of = np.repeat(np.arange(n), cnt)
    with np.errstate(over="ignore"):
        e1 = r1[rows.indices] * (bits ^ np.uint64(0x9E3779B97F4A7C15))
        e2 = r2[rows.indices] + bits * np.uint64(0xC2B2AE3D27D4EB4F)
        e2 = e2 ^ (e2 >> np.uint64(29))
    h1 = np.zeros(n, dtype=np.uint64)
    h2 = np.zeros(n, dtype=np.uint64)
    np.add.at(h1, row_of, e1)
    np.add.at(h2, row_of, e2)
    ex = np.zeros(n, dtype=np.int64) if extra is None else np.asarray(extra, dtype=np.int64)
    key = np.column_stack([h1.view(np.int64), h2.view(np.int64), cnt.astype(np.int64), ex])
    _, first, group = np.unique(key, axis=0, return_index=True, return_inverse=True)
    group = group.ravel()
    rep = first[group]
    # exact check: each row equals its representative entry by entry
    ok = (cnt == cnt[rep]).all()
    if ok:
        pos = np.arange(len(rows.indices)) - rows.indptr[row_of]
        other = rows.indptr[rep[row_of]] + pos
        ok = bool(
            (rows.indices == rows.indices[other]).all() and (rows.data == rows.data[other]).all()
        )
    if not ok:  # a hash collision: group by exact bytes instead
        keys: dict[tuple[bytes, bytes, int], int] = {}
        out = np.empty(n, dtype=np.int64)
        for r in range(n):
            a, b = rows.indptr[r], rows.indptr[r + 1]
            kk = (rows.indices[a:b].tobytes(), rows.data[a:b].tobytes(), int(ex[r]))
            out[r] = keys.setdefault(kk, len(keys))
        return out, len(keys)
    return group.astype(np.int64), len(first)


def _assemble(
    objective: str,
    sav: sp.csr_matrix,
    w: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64],
    zone: npt.NDArray[np.int64],
    *,
    fixed: float,
    total: float,
    aggregate: bool,
    base_reduce: str = "mean",
    zone_fixed: npt.NDArray[np.float64] | None = None,
    zone_pop: npt.NDArray[np.float64] | None = None,
    n_cells: int | None = None,
) -> SitingProblem:
    """Aggregate the demand columns of ``sav`` (sites × demand) into rows and build the problem.

    Demands with no saving are assumed already folded into ``fixed`` by the caller, except for
    coverage (dropped here, their weight is simply uncovered and unchangeable).
    """
    sav = sp.csr_matrix(sav, dtype=np.float64)
    sav.sum_duplicates()
    cols = sav.T.tocsr()
    has = np.diff(cols.indptr) > 0
    n0 = int(has.sum())
    cols = cols[has]
    w, c, zone = w[has], c[has], zone[has]
    if aggregate and cols.shape[0]:
        group, n_g = _group_rows(cols, zone if objective == "center-zone" else None)
        first = np.full(n_g, -1, dtype=np.int64)
        first[group[::-1]] = np.arange(len(group))[::-1]
        wg = np.bincount(group, weights=w, minlength=n_g)
        if base_reduce == "max":
            cg = np.full(n_g, -np.inf)
            np.maximum.at(cg, group, c)
        else:
            cg = np.divide(
                np.bincount(group, weights=w * c, minlength=n_g),
                wg,
                out=c[first].astype(np.float64),
                where=wg > 0,
            )
        rows = cols[first]
        w, c, zone = wg, cg, zone[first]
    else:
        rows = cols
    return SitingProblem(
        objective=objective,
        weights=np.asarray(w, dtype=np.float64),
        base=np.asarray(c, dtype=np.float64),
        savings=rows.T.tocsr(),
        zone=np.asarray(zone, dtype=np.int64),
        fixed=float(fixed),
        total=float(total),
        zone_fixed=np.zeros(0) if zone_fixed is None else zone_fixed,
        zone_pop=np.zeros(0) if zone_pop is None else zone_pop,
        n_cells=n0 if n_cells is None else n_cells,
    )


def _assemble_times(
    obj: str,
    sav: sp.csr_matrix,
    w: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64],
    z: npt.NDArray[np.int64],
    *,
    aggregate: bool,
    n_cells: int | None = None,
) -> SitingProblem:
    """Fold the demands no site improves into the constants, then aggregate the others."""
    sav = sp.csr_matrix(sav, dtype=np.float64)
    sav.data = np.round(sav.data / _ROUND_MIN) * _ROUND_MIN
    sav.eliminate_zeros()
    improvable = np.zeros(len(c), dtype=bool)
    improvable[sav.indices] = True
    fixed_rows = ~improvable
    total = float(w.sum())
    if obj == "median":
        fixed = float(w[fixed_rows] @ c[fixed_rows])
    elif obj == "center":
        fixed = (
            float(c[fixed_rows].max()) if fixed_rows.any() else (0.0 if len(c) == 0 else -np.inf)
        )
    else:
        fixed = 0.0
    zf = zp = None
    if obj == "center-zone":
        nz = int(z.max()) + 1 if len(z) else 0
        zf = np.bincount(z[fixed_rows], weights=(w * c)[fixed_rows], minlength=nz)
        zp = np.bincount(z, weights=w, minlength=nz)
    return _assemble(
        obj,
        sav,
        w,
        c,
        z if obj == "center-zone" else np.full(len(c), -1, dtype=np.int64),
        fixed=fixed,
        total=total,
        aggregate=aggregate,
        base_reduce="max" if obj == "center" else "mean",
        zone_fixed=zf,
        zone_pop=zp,
        n_cells=n_cells,
    )


# --------------------------------------------------------------------------- constraints
@dataclass(frozen=True)
class _Rules:
    """Site constraints in solver form (positions in the problem's candidate list)."""

    k: int | None
    budget: float | None
    cost: npt.NDArray[np.float64]
    must: tuple[int, ...]
    allowed: npt.NDArray[np.bool_]
    site_zone: npt.NDArray[np.int64]
    required: npt.NDArray[np.int64]  # zone positions needing at least one site

    @property
    def count_only(self) -> bool:
        return self.budget is None


def _rules(
    m: int,
    *,
    k: int | None,
    budget: float | None,
    cost: npt.ArrayLike | None,
    must_include: Sequence[int],
    exclude: Sequence[int],
    site_zone: npt.ArrayLike | None,
    required_zones: Sequence[int] | None,
) -> _Rules:
    if k is None and budget is None:
        msg = "give K (number of sites) or a budget"
        raise InputError(msg)
    cst = np.ones(m) if cost is None else np.asarray(cost, dtype=np.float64)
    if cst.shape != (m,) or not np.isfinite(cst).all() or (cst < 0).any():
        msg = "cost must be finite, >= 0 and one per candidate"
        raise InputError(msg)
    allowed = np.ones(m, dtype=bool)
    ex = np.asarray(list(exclude), dtype=np.int64)
    allowed[ex] = False
    must = tuple(dict.fromkeys(int(j) for j in must_include))
    if any(not allowed[j] for j in must):
        msg = "a site is both required (must_include) and excluded or ineligible; drop one"
        raise InputError(msg)
    sz = np.full(m, -1, dtype=np.int64) if site_zone is None else np.asarray(site_zone, np.int64)
    req = np.asarray(sorted(set(required_zones or ())), dtype=np.int64)
    for zz in req:
        if not (allowed & (sz == zz)).any():
            msg = f"zone #{zz} must get a site but has no eligible candidate; relax per_zone"
            raise InputError(msg)
    if k is not None:
        k = int(k)
        if k < 0:
            msg = f"K must be >= 0, got {k}"
            raise InputError(msg)
        n_ok = int(allowed.sum())
        if budget is not None:
            k = min(k, n_ok)  # with a budget, K is only a cap
        if k > n_ok:
            msg = f"K={k} is larger than the {n_ok} eligible candidates; lower K"
            raise InputError(msg)
        unmet = set(req.tolist()) - {int(sz[j]) for j in must}
        if k < len(must) + len(unmet):
            msg = (
                f"K={k} is too small for {len(must)} required sites and {len(unmet)} zones that "
                "must get one; raise K or relax the constraints"
            )
            raise InputError(msg)
    if budget is not None:
        budget = float(budget)
        mc = float(cst[list(must)].sum())
        need = mc + sum(
            float(cst[allowed & (sz == zz)].min())
            for zz in set(req.tolist()) - {int(sz[j]) for j in must}
        )
        if need > budget + 1e-9:
            msg = (
                f"budget {budget:g} is below the {need:g} the required sites and zones cost; "
                "raise the budget or relax the constraints"
            )
            raise InputError(msg)
    return _Rules(k, budget, cst, must, allowed, sz, req)


class _Feasible:
    """Incremental feasibility of adding sites: count, budget and zones that must get one."""

    def __init__(self, rules: _Rules) -> None:
        self.r = rules
        self.chosen: list[int] = []
        self.spent = 0.0
        self.unmet = set(rules.required.tolist())
        zc: dict[int, float] = {}
        for zz in self.unmet:
            zc[zz] = float(rules.cost[rules.allowed & (rules.site_zone == zz)].min())
        self.zone_min = zc

    def can_add(self, j: int) -> bool:
        r = self.r
        if not r.allowed[j] or j in self.chosen:
            return False
        n_after = len(self.chosen) + 1
        unmet_after = self.unmet - {int(r.site_zone[j])}
        if r.k is not None and r.k - n_after < len(unmet_after):
            return False
        if r.budget is not None:
            left = r.budget - self.spent - r.cost[j]
            if left < -1e-9 or left + 1e-9 < sum(self.zone_min[z] for z in unmet_after):
                return False
        return True

    def mask(self, m: int) -> npt.NDArray[np.bool_]:
        return np.fromiter((self.can_add(j) for j in range(m)), dtype=bool, count=m)

    def add(self, j: int) -> None:
        self.chosen.append(j)
        self.spent += float(self.r.cost[j])
        self.unmet.discard(int(self.r.site_zone[j]))

    def full(self) -> bool:
        return self.r.k is not None and len(self.chosen) >= self.r.k


# --------------------------------------------------------------------------- greedy
def _site_gain(prob: SitingProblem, j: int, best: npt.NDArray[np.float64]) -> float:
    s = prob.savings
    a, b = s.indptr[j], s.indptr[j + 1]
    idx = s.indices[a:b]
    return float(prob.weights[idx] @ np.maximum(s.data[a:b] - best[idx], 0.0))


def _add_site(prob: SitingProblem, j: int, best: npt.NDArray[np.float64]) -> None:
    s = prob.savings
    a, b = s.indptr[j], s.indptr[j + 1]
    idx = s.indices[a:b]
    best[idx] = np.maximum(best[idx], s.data[a:b])


def _greedy(prob: SitingProblem, rules: _Rules) -> tuple[list[int], list[float]]:
    """Greedy order and internal-cost decrease of each pick (must-include sites first)."""
    if prob.objective in ("coverage", "median"):
        return _greedy_sum(prob, rules)
    return _greedy_minmax(prob, rules)


def _greedy_sum(prob: SitingProblem, rules: _Rules) -> tuple[list[int], list[float]]:
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
    feas = _Feasible(rules)
    for j in rules.must:
        _add_site(prob, j, best)
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
    prob: SitingProblem, rules: _Rules, seed: Sequence[int]
) -> tuple[list[int], list[float]]:
    """Lazy greedy from the required sites plus ``seed``: stale gains bound fresh ones."""
    m = prob.n_sites
    best = np.zeros(prob.n_rows)
    feas = _Feasible(rules)
    picks: list[int] = []
    gains: list[float] = []
    for j in (*rules.must, *seed):
        g = _site_gain(prob, j, best)
        _add_site(prob, j, best)
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
        _add_site(prob, chosen, best)
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


def _greedy_minmax(prob: SitingProblem, rules: _Rules) -> tuple[list[int], list[float]]:
    """Greedy for the min-max objectives: best objective after each addition, ties by sum."""
    m = prob.n_sites
    best = np.zeros(prob.n_rows)
    feas = _Feasible(rules)
    picks: list[int] = []
    gains: list[float] = []
    cur = prob.cost_of(best)
    for j in rules.must:
        _add_site(prob, j, best)
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
        t = int(np.lexsort((cand, key2, key1))[0])
        j = int(cand[t])
        _add_site(prob, j, best)
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
def _swap_feasible(rules: _Rules, sel: list[int], m: int) -> npt.NDArray[np.bool_]:
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


def _swap(
    prob: SitingProblem, rules: _Rules, sel: list[int], *, max_iter: int = 500
) -> tuple[list[int], int]:
    """Best-improvement 1-swap from ``sel`` until no swap lowers the cost; (sites, swaps)."""
    if not sel:
        return sel, 0
    if prob.objective in ("coverage", "median"):
        return _swap_sum(prob, rules, sel, max_iter=max_iter)
    return _swap_minmax(prob, rules, sel, max_iter=max_iter)


def _swap_sum(
    prob: SitingProblem, rules: _Rules, sel: list[int], *, max_iter: int
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
    prob: SitingProblem, rules: _Rules, sel: list[int], *, max_iter: int
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


def _fill_budget(prob: SitingProblem, rules: _Rules, sel: list[int]) -> list[int]:
    """With a budget, add affordable sites that still lower the cost (after swaps free money)."""
    if rules.budget is None:
        return sel
    feas = _Feasible(rules)
    for j in sel:
        feas.add(j)
    best = prob.best_savings(sel)
    cur = prob.cost_of(best)
    while not feas.full():
        cand = np.flatnonzero(feas.mask(prob.n_sites))
        if len(cand) == 0:
            break
        vals = []
        for j in cand:
            b = best.copy()
            _add_site(prob, int(j), b)
            vals.append(prob.cost_of(b))
        t = int(np.argmin(vals))
        if not vals[t] < cur - 1e-9 * max(1.0, abs(cur)):
            break
        j = int(cand[t])
        _add_site(prob, j, best)
        feas.add(j)
        sel = [*sel, j]
        cur = vals[t]
    return sel


def _order(
    prob: SitingProblem, sites: Sequence[int], must: Sequence[int]
) -> tuple[list[int], list[float]]:
    """Rank a fixed set: required sites first, then greedily by cost decrease within the set."""
    sub = [j for j in sites if j not in must]
    restricted = _Rules(
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
    return _greedy(prob, restricted)


# --------------------------------------------------------------------------- exact (HiGHS)
def _new_highs() -> Any:
    try:
        import highspy
    except ImportError as e:  # pragma: no cover - depends on the environment
        msg = "the exact method needs HiGHS: pip install highspy (or use method='swap')"
        raise SolverError(msg) from e
    # the private core class does not print the banner that highspy.Highs() writes to stdout
    core = getattr(getattr(highspy, "_core", None), "_Highs", None)
    h = core() if core is not None else highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


@dataclass
class _Milp:
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


def _site_rows(rules: _Rules, m: int, n_col: int) -> tuple[sp.csr_matrix, list[float], list[float]]:
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
            key = allm.toarray() if allm.shape[0] * m <= 50_000_000 else None
            if key is None:  # pragma: no cover - a 128-bit collision on a huge instance
                msg = "internal hash collision while merging site sets; please report it"
                raise SolverError(msg)
            _, rep, set_id = np.unique(key, axis=0, return_index=True, return_inverse=True)
            set_id = set_id.ravel().astype(np.int64)
            members = members_of(rep)
    return cs[pos].astype(np.int64), delta, set_id, members


def _build_milp(
    prob: SitingProblem, rules: _Rules, sel: Sequence[int], upper: float
) -> tuple[_Milp, dict[str, Any]]:
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
    srows, slo, shi = _site_rows(rules, m, ncol)
    a_all = sp.vstack([*blocks, srows], format="csr")
    info: dict[str, Any] = {
        "levels": len(e_row),
        "sets": ns,
        "columns": ncol,
        "rows_milp": a_all.shape[0],
        "nonzeros": a_all.nnz,
    }
    milp = _Milp(
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


def _run_highs(
    milp: _Milp, *, time_limit_s: float, rel_gap: float, threads: int | None, relax: bool = False
) -> dict[str, Any]:
    import highspy

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
    out["x"] = np.asarray(h.getSolution().col_value)[: milp.n_int] if has_primal else None
    if relax:
        out["bound"] = float(info.objective_function_value) if out["optimal"] else math.nan
    else:
        db = float(info.mip_dual_bound)
        out["bound"] = db if np.isfinite(db) and abs(db) < 1e30 else math.nan
    return out


def _feasibility(
    milp: _Milp, m: int, *, time_limit_s: float, threads: int | None
) -> tuple[bool | None, list[int], str]:
    """Solve a feasibility MILP of the target searches.

    Returns (True, sites, status) when feasible, (False, [], status) when proven infeasible, and
    (None, [], status) when HiGHS could not decide within ``time_limit_s`` seconds.
    """
    res = _run_highs(milp, time_limit_s=time_limit_s, rel_gap=0.0, threads=threads)
    if res["infeasible"]:
        return False, [], res["status"]
    if res["optimal"] and res["x"] is not None:
        return True, [int(j) for j in np.flatnonzero(res["x"][:m] > 0.5)], res["status"]
    return None, [], res["status"]


def _center_bisection(
    prob: SitingProblem,
    rules: _Rules,
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
            grp, ng = _group_rows(cov_rows, None)
            first = np.full(ng, -1, dtype=np.int64)
            first[grp[::-1]] = np.arange(len(grp))[::-1]
            cov_rows = cov_rows[first]
        nr = cov_rows.shape[0]
        srows, slo, shi = _site_rows(rules, m, m)
        x_lo = np.zeros(m)
        x_lo[list(rules.must)] = 1.0
        milp = _Milp(
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
        feasible, xs, res_status = _feasibility(milp, m, time_limit_s=left, threads=threads)
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

    def __init__(self, prob: SitingProblem, rules: _Rules) -> None:
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


def _center_zone_descent(
    prob: SitingProblem,
    rules: _Rules,
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
            feasible, xs, res_status = _feasibility(milp, m, time_limit_s=left, threads=threads)
            n_milp += 1
            if feasible is None:
                status = res_status
                break
        if feasible:
            xs, _ = _swap(prob, rules, xs)
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


def _pattern_milp(lists: list[list[tuple[int, ...]]], rules: _Rules, m: int) -> _Milp:
    r"""Feasibility MILP of :func:`_center_zone_descent` for one target.

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
    srows, slo, shi = _site_rows(rules, m, col)
    x_lo = np.zeros(col)
    x_lo[list(rules.must)] = 1.0
    x_hi = np.concatenate([rules.allowed.astype(np.float64), np.ones(col - m)])
    return _Milp(
        cost=np.zeros(col),
        col_lo=x_lo,
        col_hi=x_hi,
        a=sp.vstack([a, srows], format="csr"),
        row_lo=np.concatenate([lo, slo]),
        row_hi=np.concatenate([hi, shi]),
        n_int=m,
        maximize=False,
    )


def _single_site(
    prob: SitingProblem, rules: _Rules
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


# --------------------------------------------------------------------------- solve
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
        from access15._repr import card

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


def _gap(obj: float, bound: float, maximize: bool) -> float:
    if not np.isfinite(bound):
        return math.inf
    diff = (bound - obj) if maximize else (obj - bound)
    return max(0.0, diff) / max(abs(obj), 1e-12)


def solve(
    problem: SitingProblem,
    *,
    k: int | None = None,
    budget: float | None = None,
    cost: npt.ArrayLike | None = None,
    method: str = "exact",
    must_include: Sequence[int] = (),
    exclude: Sequence[int] = (),
    site_zone: npt.ArrayLike | None = None,
    required_zones: Sequence[int] | None = None,
    time_limit_s: float = 10.0,
    rel_gap: float = 1e-6,
    threads: int | None = None,
    start: Sequence[int] | None = None,
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

        \text{center-zone:}\quad
            \min W, \quad P_z W + \sum_{(r,l): r \in z} a_r \delta_{rl} u_{S_{rl}}
            \ge F_z + \sum_{r \in z} a_r c_r \;\forall z.

    The worst-cell center (Hakimi 1965; Daskin 1995) is solved exactly by bisection on the
    answer, each step a set-covering feasibility MILP (see :func:`_center_bisection`):
    :math:`v` is attainable iff some feasible :math:`X` gives every row with :math:`c_r > v` a
    site with :math:`c_r - s_{rj} \le v`. The worst-zone center is solved the same way, by
    targets just below the incumbent, each a feasibility MILP over the minimal site sets that
    bring each zone to the target (see :func:`_center_zone_descent`); its root LP is far
    tighter than that of the center-zone model above, which is the fallback when a zone has
    too many such sets.

    Parameters
    ----------
    problem : SitingProblem
    k : int, optional
        Number of sites (exactly K; at most K when a budget is also given).
    budget : float, optional
        Total cost allowed (with ``cost``); replaces K.
    cost : array_like, optional
        Cost of each candidate (default 1).
    method : {"greedy", "swap", "exact"}
        ``greedy``: lazy greedy ranking; ``swap``: greedy then best-improvement 1-swap;
        ``exact``: HiGHS MILP warm-started with the swap solution.
    must_include, exclude : sequence of int
        Candidate positions that must / must not be chosen.
    site_zone : array_like of int, optional
        Zone position of each candidate (for ``required_zones``).
    required_zones : sequence of int, optional
        Zones that must get at least one site.
    time_limit_s : float
        HiGHS time limit, seconds (``exact`` only).
    rel_gap : float
        Relative gap at which HiGHS may stop and optimality counts as proven.
    threads : int, optional
        HiGHS threads (default: HiGHS's choice).
    start : sequence of int, optional
        A feasible set of sites to start the swap / MILP from instead of the greedy ranking.

    Returns
    -------
    Solution

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
    if method not in _METHODS:
        msg = f"unknown method {method!r}; use one of {', '.join(_METHODS)}"
        raise InputError(msg)
    prob = problem
    m = prob.n_sites
    rules = _rules(
        m,
        k=k,
        budget=budget,
        cost=cost,
        must_include=must_include,
        exclude=exclude,
        site_zone=site_zone,
        required_zones=required_zones,
    )
    maximize = prob.maximize
    greedy_failed = False
    if start is not None:
        sel = [int(j) for j in start]
    else:
        try:
            sel, _ = _greedy(prob, rules)
        except InputError:
            if method != "exact":
                raise
            greedy_failed, sel = True, []
    swaps = 0
    if method in ("swap", "exact") and not greedy_failed:
        sel, swaps = _swap(prob, rules, sel)
        sel = _fill_budget(prob, rules, sel)
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
        search = _center_bisection if prob.objective == "center" else _center_zone_descent
        by_targets = search(
            prob,
            rules,
            sel,
            time_limit_s=time_limit_s - (time.perf_counter() - t0),
            threads=threads,
        )  # None: center-zone pattern lists too long, the aggregated MILP below decides
    if method != "exact":
        obj = prob.evaluate(sel)
        gap = _gap(obj, trivial, maximize)
        proven = gap <= rel_gap
        status = "heuristic"
        bound = trivial
    elif by_targets is not None:
        sel, bound, proven, status, info = by_targets
        details.update(info)
        obj = prob.evaluate(sel)
        bound = min(bound, obj)
        gap = _gap(obj, bound, maximize)
        proven = proven or gap <= 1e-12
    else:
        start_cost = math.inf if greedy_failed else prob.cost_of(prob.best_savings(sel))
        milp, mi = _build_milp(prob, rules, sel, start_cost)
        details.update(mi)
        if greedy_failed:
            milp.start = None
        left = time_limit_s - (time.perf_counter() - t0)
        res = _run_highs(milp, time_limit_s=max(left, 0.05), rel_gap=rel_gap, threads=threads)
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
        gap = _gap(obj, bound, maximize)
        # HiGHS's "optimal" is trusted only together with a bound that closes the gap
        proven = bool(res["optimal"]) and gap <= rel_gap * 1.01 + 1e-12
        if not proven and _gap(obj, trivial, maximize) <= 1e-12:
            proven = True  # every-site-open value reached: nothing can do better
        status = res["status"]
    ordered, gains = _order(prob, sel, rules.must)
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
    *,
    k: int | None = None,
    budget: float | None = None,
    cost: npt.ArrayLike | None = None,
    must_include: Sequence[int] = (),
    exclude: Sequence[int] = (),
    site_zone: npt.ArrayLike | None = None,
    required_zones: Sequence[int] | None = None,
    time_limit_s: float = 60.0,
) -> float:
    """Bound on the objective from the LP relaxation of the exact model (HiGHS interior point).

    For instances too large for the MILP to finish its root within the time limit (thousands of
    candidates): the relaxation of the model :func:`solve` builds, solved by HiGHS's interior
    point method without crossover (so the value carries its optimality tolerance, about 1e-8
    relative). Takes the same constraints as :func:`solve`.

    Returns
    -------
    float
        An upper bound on people covered (coverage) or a lower bound on minutes; NaN if HiGHS did
        not finish within ``time_limit_s``.
    """
    prob = problem
    rules = _rules(
        prob.n_sites,
        k=k,
        budget=budget,
        cost=cost,
        must_include=must_include,
        exclude=exclude,
        site_zone=site_zone,
        required_zones=required_zones,
    )
    milp, _ = _build_milp(prob, rules, [], math.inf)
    res = _run_highs(milp, time_limit_s=time_limit_s, rel_gap=0.0, threads=None, relax=True)
    b = float(res["bound"])
    if not np.isfinite(b):
        return math.nan
    if prob.objective == "coverage":
        return prob.fixed + b
    if prob.objective == "median":
        return prob.report(float(prob.weights @ prob.base) - b)
    return b


def coverage_curve(
    problem: SitingProblem,
    k_max: int,
    *,
    exact: bool = True,
    time_limit_s: float = 5.0,
    must_include: Sequence[int] = (),
    exclude: Sequence[int] = (),
    site_zone: npt.ArrayLike | None = None,
    required_zones: Sequence[int] | None = None,
    rel_gap: float = 1e-6,
) -> pd.DataFrame:
    """Objective against the number of sites, k = 0..K: the greedy prefix and, if asked, exact.

    The greedy rows are prefixes of one ranked list (so a plan for every K is a prefix of the
    plan for K + 1). Exact rows solve each K afresh, warm-started with the better of the greedy
    prefix and the previous K's optimum plus its best addition, so they never fall as K grows.

    Returns
    -------
    DataFrame
        ``k``, ``objective``, ``share`` (covered share for coverage, NaN otherwise),
        ``method`` (``"greedy"`` / ``"exact"``), ``proven``, ``bound``, ``gap``, ``seconds``,
        ``sites`` (candidate positions, comma-separated).
    """
    prob = problem
    kw = {
        "must_include": must_include,
        "exclude": exclude,
        "site_zone": site_zone,
        "required_zones": required_zones,
    }
    rules = _rules(prob.n_sites, k=k_max, budget=None, cost=None, **kw)
    t0 = time.perf_counter()
    ranked, _ = _greedy(prob, rules)
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
                "proven": _gap(obj, triv, prob.maximize) <= 1e-12,
                "bound": triv,
                "gap": _gap(obj, triv, prob.maximize),
                "seconds": seconds * kk,
                "sites": ",".join(map(str, ranked[:kk])),
            }
        )
    if exact:
        prev: list[int] | None = None
        for kk in range(1, k_max + 1):
            try:
                r_k = _rules(prob.n_sites, k=kk, budget=None, cost=None, **kw)
            except InputError:
                continue  # K too small for the constraints
            starts = []
            with contextlib.suppress(InputError):
                starts.append(_greedy(prob, r_k)[0])
            if prev is not None:
                feas = _Feasible(r_k)
                for j in prev:
                    feas.add(j)
                best = prob.best_savings(prev)
                cand = [j for j in range(prob.n_sites) if feas.can_add(j)]
                if cand:
                    vals = []
                    for j in cand:
                        b = best.copy()
                        _add_site(prob, j, b)
                        vals.append(prob.cost_of(b))
                    starts.append([*prev, cand[int(np.argmin(vals))]])
            st = min(starts, key=lambda s_: prob.cost_of(prob.best_savings(s_))) if starts else None
            sol = solve(
                prob,
                k=kk,
                method="exact",
                time_limit_s=time_limit_s,
                rel_gap=rel_gap,
                start=st,
                **kw,
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


# --------------------------------------------------------------------------- from a county
def _hospital_minutes(
    network: RoadNetwork,
    cov: CoverageResult,
    nodes: npt.NDArray[np.int64],
    legs: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Minutes from each site (its leg + network) to the nearest county hospital (tier 4)."""
    fac = cov.facilities
    hosp = fac[(fac["tier"] >= 4) & fac["on_network"]]
    if len(hosp) == 0 or len(nodes) == 0:
        return np.full(len(nodes), np.nan)
    t, _ = nearest_facility(network, hosp["node"].to_numpy(), leg_s=hosp["leg_s"].to_numpy())
    return (legs + t[nodes]) / 60.0


def _zone_of_sites(
    cov: CoverageResult,
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    zones: gpd.GeoDataFrame | None,
) -> npt.NDArray[np.object_]:
    """Zone id of each site: the polygon holding it, else the zone of the nearest populated cell."""
    from scipy.spatial import cKDTree

    out = np.full(len(lon), "", dtype=object)
    if zones is not None and len(zones):
        from access15.access import _zone_of_points

        zi = _zone_of_points(lon, lat, zones)
        ids = zones["zone_id"].astype(str).to_numpy()
        out = np.where(zi >= 0, ids[np.clip(zi, 0, None)], "").astype(object)
    cells = cov.cells
    todo = out == ""
    if todo.any() and len(cells):
        k = np.cos(np.deg2rad(float(np.median(cells["lat"]))))
        tree = cKDTree(np.column_stack([cells["lon"].to_numpy() * k, cells["lat"].to_numpy()]))
        _, i = tree.query(np.column_stack([lon[todo] * k, lat[todo]]))
        out[todo] = cells["zone_id"].to_numpy()[i]
    return out


def candidate_sites(
    network: RoadNetwork,
    cov: CoverageResult,
    source: str | pd.DataFrame | Sequence[str | pd.DataFrame] = "tier2",
    *,
    zones: gpd.GeoDataFrame | None = None,
    level: str | None = None,
    n: int | None = None,
    min_people: float = 50.0,
    spacing_m: float = 2000.0,
) -> pd.DataFrame:
    """Candidate sites with their road node, last mile, zone and time to the county hospital.

    Parameters
    ----------
    network : RoadNetwork
        The network ``cov`` was computed on.
    cov : CoverageResult
    source : str, (Geo)DataFrame or list of them
        ``"tier2"``: the township health centres (tier 2) on the network (the upgrade
        question); ``"gaps"``: population-weighted centroids of the uncovered clusters
        (``cov.gaps``, clusters of at least ``min_people`` people; recomputed for ``level``
        when given); ``"nodes"``: one road node per ``spacing_m`` grid square holding people
        (the node nearest the square's people-weighted centre); a (Geo)DataFrame of points:
        the user's list, with ``site_id`` (or ``id``), optional ``name``/``name_en``/``cost``
        and point geometry (or ``lon``/``lat``). A list combines sources.
    zones : GeoDataFrame, optional
        Township polygons (``zone_id``); default: the zone of the nearest populated cell.
    level : str, optional
        Service level for ``"gaps"`` (default the first level, as ``cov.gaps``).
    n : int, optional
        Keep at most this many generated sites per source (largest gaps / most people first).
    min_people : float
        Smallest gap cluster that becomes a candidate, people.
    spacing_m : float
        Grid spacing for ``"nodes"``, metres.

    Returns
    -------
    DataFrame
        ``site_id``, ``name``, ``name_en``, ``kind``, ``lon``, ``lat``, ``node``, ``leg_s``
        (seconds), ``snap_m`` (metres), ``on_network``, ``zone_id``, ``minutes_to_hospital``,
        ``cost`` (1 unless given). Off-network sites are kept, flagged, and never chosen.
    """
    cfg = cov.config
    access = cfg.access_kmh.get(network.mode, 4.5)
    parts = [source] if isinstance(source, pd.DataFrame | str) else list(source)
    frames = []
    for src in parts:
        if isinstance(src, pd.DataFrame):
            frames.append(_user_sites(network, src, max_snap_m=cfg.max_snap_m, access=access))
        elif src == "tier2":
            fac = cov.facilities
            f = fac[fac["tier"] == 2]
            frames.append(
                pd.DataFrame(
                    {
                        "site_id": f["facility_id"].astype(str).to_numpy(),
                        "name": f["name"].fillna("").astype(str).to_numpy(),
                        "name_en": (
                            f["name_en"].fillna("").astype(str).to_numpy()
                            if "name_en" in f
                            else np.full(len(f), "")
                        ),
                        "kind": "tier2",
                        "lon": f.geometry.x.to_numpy(),
                        "lat": f.geometry.y.to_numpy(),
                        "node": f["node"].to_numpy(dtype=np.int64),
                        "leg_s": f["leg_s"].to_numpy(dtype=np.float64),
                        "snap_m": f["snap_m"].to_numpy(dtype=np.float64),
                        "on_network": f["on_network"].to_numpy(dtype=bool),
                    }
                )
            )
        elif src == "gaps":
            from access15.access import uncovered_clusters

            gaps = (
                uncovered_clusters(cov.cells, cfg, cov.population, level=level)
                if level is not None
                else cov.gaps
            )
            if gaps is None or len(gaps) == 0:
                continue
            g = gaps[gaps["population"] >= min_people]
            if n is not None:
                g = g.head(n)
            pts = pd.DataFrame(
                {
                    "site_id": ("gap/" + g["gap_id"].astype(str)).to_numpy(),
                    "name": ("gap " + g["gap_id"].astype(str)).to_numpy(),
                    "lon": g.geometry.x.to_numpy(),
                    "lat": g.geometry.y.to_numpy(),
                }
            )
            d = _user_sites(network, pts, max_snap_m=cfg.max_snap_m, access=access)
            d["kind"] = "gap"
            frames.append(d)
        elif src == "nodes":
            frames.append(_grid_sites(network, cov, spacing_m=spacing_m, n=n))
        else:
            msg = f"unknown candidate source {src!r}; use 'tier2', 'gaps', 'nodes' or points"
            raise InputError(msg)
    cols = [
        "site_id",
        "name",
        "name_en",
        "kind",
        "lon",
        "lat",
        "node",
        "leg_s",
        "snap_m",
        "on_network",
    ]
    out = (
        pd.concat([f.reindex(columns=[*cols, "cost"]) for f in frames], ignore_index=True)
        if frames
        else pd.DataFrame(columns=[*cols, "cost"])
    )
    if out["site_id"].duplicated().any():
        dup = out.loc[out["site_id"].duplicated(), "site_id"].iloc[0]
        msg = f"candidate site ids must be unique ({dup!r} repeats); rename or drop duplicates"
        raise InputError(msg)
    out["name"] = out["name"].fillna("").astype(str)
    out["name_en"] = out["name_en"].fillna("").astype(str)
    out["node"] = out["node"].astype(np.int64)
    out["on_network"] = out["on_network"].astype(bool)
    out["cost"] = pd.to_numeric(out["cost"], errors="coerce").fillna(1.0).astype(np.float64)
    lon = out["lon"].to_numpy(dtype=np.float64)
    lat = out["lat"].to_numpy(dtype=np.float64)
    out["zone_id"] = _zone_of_sites(cov, lon, lat, zones)
    out["minutes_to_hospital"] = _hospital_minutes(
        network, cov, out["node"].to_numpy(), out["leg_s"].to_numpy(dtype=np.float64)
    )
    out.loc[~out["on_network"], "minutes_to_hospital"] = np.nan
    return out.reset_index(drop=True)


def _user_sites(
    network: RoadNetwork, pts: pd.DataFrame, *, max_snap_m: float, access: float
) -> pd.DataFrame:
    if "geometry" in pts.columns and hasattr(pts, "crs"):
        g = pts.to_crs("EPSG:4326") if pts.crs is not None else pts
        if not (g.geometry.geom_type == "Point").all():
            msg = "candidate sites must be points; use representative points of polygons"
            raise InputError(msg)
        lon, lat = g.geometry.x.to_numpy(), g.geometry.y.to_numpy()
    elif {"lon", "lat"} <= set(pts.columns):
        lon, lat = pts["lon"].to_numpy(np.float64), pts["lat"].to_numpy(np.float64)
    else:
        msg = "candidate sites need point geometry or lon/lat columns"
        raise InputError(msg)
    idcol = next((c for c in ("site_id", "id", "facility_id") if c in pts.columns), None)
    if idcol is None:
        msg = "candidate sites need an id column (site_id or id)"
        raise InputError(msg)
    snapped = network.snap_points(lon, lat, max_snap_m=max_snap_m, access_kmh=access)
    out = pd.DataFrame(
        {
            "site_id": pts[idcol].astype(str).to_numpy(),
            "name": pts["name"].astype(str).to_numpy() if "name" in pts else pts[idcol].astype(str),
            "name_en": pts["name_en"].astype(str).to_numpy() if "name_en" in pts else "",
            "kind": "user",
            "lon": lon,
            "lat": lat,
            "node": snapped["node"].to_numpy(),
            "leg_s": snapped["leg_s"].to_numpy(),
            "snap_m": snapped["snap_m"].to_numpy(),
            "on_network": snapped["on_network"].to_numpy(),
        }
    )
    if "cost" in pts.columns:
        out["cost"] = pd.to_numeric(pts["cost"], errors="coerce").to_numpy()
    return out


def _grid_sites(
    network: RoadNetwork, cov: CoverageResult, *, spacing_m: float, n: int | None
) -> pd.DataFrame:
    cells = cov.cells[~cov.cells["off_network"].to_numpy()]
    if not spacing_m > 0:
        msg = f"spacing_m must be > 0 metres, got {spacing_m}"
        raise InputError(msg)
    node = cells["node"].to_numpy()
    pop = cells["pop"].to_numpy()
    x, y = network.x[node], network.y[node]
    gx = np.floor(x / spacing_m).astype(np.int64)
    gy = np.floor(y / spacing_m).astype(np.int64)
    _, sq = np.unique(np.column_stack([gx, gy]), axis=0, return_inverse=True)
    sq = sq.ravel()
    ns = int(sq.max()) + 1 if len(sq) else 0
    w = np.bincount(sq, weights=pop, minlength=ns)
    cx = np.bincount(sq, weights=pop * x, minlength=ns) / np.where(w > 0, w, 1)
    cy = np.bincount(sq, weights=pop * y, minlength=ns) / np.where(w > 0, w, 1)
    # the populated node of each square nearest its people-weighted centre
    d = (x - cx[sq]) ** 2 + (y - cy[sq]) ** 2
    order = np.lexsort((d, sq))
    first = order[np.searchsorted(sq[order], np.arange(ns))]
    pick = node[first]
    rank = np.argsort(-w, kind="stable")
    if n is not None:
        rank = rank[:n]
    pick, w = pick[rank], w[rank]
    pick, keep = np.unique(pick, return_index=True)
    pick = pick[np.argsort(keep)]
    return pd.DataFrame(
        {
            "site_id": [f"node/{int(network.node_ids[v])}" for v in pick],
            "name": [f"road node {int(network.node_ids[v])}" for v in pick],
            "name_en": "",
            "kind": "node",
            "lon": network.lon[pick],
            "lat": network.lat[pick],
            "node": pick,
            "leg_s": 0.0,
            "snap_m": 0.0,
            "on_network": True,
        }
    )


def build_problem(
    network: RoadNetwork,
    cov: CoverageResult,
    candidates: pd.DataFrame,
    *,
    objective: str = "coverage",
    level: ServiceLevel | str | None = None,
    cutoff_minutes: float | None = None,
    aggregate: bool = True,
) -> SitingProblem:
    """Build the siting problem of a county from its coverage and candidate sites.

    Times are those coverage uses (first mile + network + the site's last mile). Candidate ×
    demand times come from :func:`~access15.travel.pair_times` on the distinct road nodes of the
    populated on-network cells: within the level's threshold for coverage; for the time
    objectives within ``cutoff_minutes`` (default: the largest current time of any populated
    node, so no useful pair is missed) and kept only where a site is *faster* than what the
    node has today — a site matters to a cell only if it is closer than its current facility.
    Cells at one node share their savings exactly (the first mile cancels), so time rows start
    as nodes; rows with identical savings patterns are then merged.

    Parameters
    ----------
    network : RoadNetwork
    cov : CoverageResult
    candidates : DataFrame
        From :func:`candidate_sites` (``node``, ``leg_s``, ``on_network``); every row becomes a
        candidate position, in order (off-network rows never help).
    objective : str
        ``"coverage"``, ``"median"``, ``"center"`` or ``"center-zone"``.
    level : ServiceLevel or str, optional
        Default ``config.upgrade_level``.
    cutoff_minutes : float, optional
        Time objectives: ignore sites farther than this from a cell (minutes). On-network cells
        that no existing facility reaches count at this time.
    aggregate : bool
        Merge identical rows (on by default; off only to measure what it saves).

    Returns
    -------
    SitingProblem
    """
    obj = _objective_name(objective)
    cfg = cov.config
    lv = level if isinstance(level, ServiceLevel) else cfg.level(level or cfg.upgrade_level)
    col = f"minutes_{lv.name}"
    if col not in cov.cells.columns:
        msg = f"coverage has no times for level {lv.name!r}; add the level to the config and rerun"
        raise InputError(msg)
    cells = cov.cells
    pop = cells["pop"].to_numpy(dtype=np.float64)
    total = float(pop.sum())
    minutes = np.nan_to_num(cells[col].to_numpy(dtype=np.float64), nan=np.inf)
    off = cells["off_network"].to_numpy(dtype=bool)
    speed_ms = cfg.access_kmh.get(network.mode, 4.5) / 3.6
    first_s = cells["snap_m"].to_numpy(dtype=np.float64) / speed_ms
    on = candidates["on_network"].to_numpy(dtype=bool)
    sites = np.flatnonzero(on)
    s_nodes = candidates["node"].to_numpy(dtype=np.int64)[sites]
    s_legs = candidates["leg_s"].to_numpy(dtype=np.float64)[sites]
    m = len(candidates)
    if obj == "coverage":
        base_cov = minutes <= lv.minutes
        idx = np.flatnonzero(~base_cov & ~off)
        cov_m = coverage_matrix(
            network, s_nodes, s_legs, cells["node"].to_numpy()[idx], first_s[idx], lv.minutes * 60
        )
        full = sp.csr_matrix(
            (np.ones(cov_m.nnz), (sites[cov_m.tocoo().row], cov_m.tocoo().col)),
            shape=(m, len(idx)),
        )
        p = SitingProblem.from_coverage(
            full, pop[idx], covered=float(pop[base_cov].sum()), total=total, aggregate=aggregate
        )
        return p
    # time objectives: rows start as nodes (or node x zone for center-zone)
    sel = np.flatnonzero(~off)
    node = cells["node"].to_numpy()[sel]
    uniq, inv = np.unique(node, return_inverse=True)
    fac = cov.facilities
    src = fac[(fac["tier"] >= lv.min_tier) & fac["on_network"]]
    if len(src):
        t_node, _ = nearest_facility(
            network, src["node"].to_numpy(), leg_s=src["leg_s"].to_numpy(dtype=np.float64)
        )
        bn = t_node[uniq]  # seconds from each node, exactly as coverage computes them
    else:
        bn = np.full(len(uniq), np.inf)
    finite = np.isfinite(bn)
    if cutoff_minutes is None:
        cutoff_s = float(bn[finite].max()) if finite.any() else 3600.0
    else:
        cutoff_s = float(cutoff_minutes) * 60.0
    bn_c = np.where(finite, bn, cutoff_s)  # nodes no facility reaches count at the cutoff
    cell_base = (first_s[sel] + bn_c[inv]) / 60.0  # minutes
    if len(sites) and len(uniq):
        pt = pair_times(network, s_nodes, leg_s=s_legs, cutoff_s=cutoff_s, targets=uniq)
        sv = (bn_c[pt.target] - pt.seconds) / 60.0
        ok = sv > 0
        node_sav = sp.csr_matrix(
            (sv[ok], (sites[pt.source[ok]], pt.target[ok])), shape=(m, len(uniq))
        )
    else:
        node_sav = sp.csr_matrix((m, len(uniq)))
    node_has = np.zeros(len(uniq), dtype=bool)
    node_has[node_sav.indices] = True
    w_cell = pop[sel]
    if obj == "center-zone":
        zid = cells["zone_id"].astype(str).to_numpy()[sel]
        zones_u, zpos = np.unique(zid, return_inverse=True)
        real = zones_u != ""
        key_node = inv.astype(np.int64) * len(zones_u) + zpos
        ukey, rinv = np.unique(key_node, return_inverse=True)
        r_node = ukey // len(zones_u)
        r_zone = ukey % len(zones_u)
        w_r = np.bincount(rinv, weights=w_cell, minlength=len(ukey))
        c_r = np.bincount(rinv, weights=w_cell * cell_base, minlength=len(ukey)) / np.where(
            w_r > 0, w_r, 1
        )
        keep = real[r_zone]
        remap = np.cumsum(real) - 1
        return _assemble_times(
            obj,
            node_sav[:, r_node[keep]],
            w_r[keep],
            c_r[keep],
            remap[r_zone[keep]],
            aggregate=aggregate,
            n_cells=int((real[zpos] & node_has[inv]).sum()),
        )
    w_n = np.bincount(inv, weights=w_cell, minlength=len(uniq))
    if obj == "center":
        c_n = np.full(len(uniq), -np.inf)
        np.maximum.at(c_n, inv, cell_base)
    else:
        c_n = np.bincount(inv, weights=w_cell * cell_base, minlength=len(uniq)) / np.where(
            w_n > 0, w_n, 1
        )
    return _assemble_times(
        obj,
        node_sav,
        w_n,
        c_n,
        np.full(len(uniq), -1, dtype=np.int64),
        aggregate=aggregate,
        n_cells=int(node_has[inv].sum()),
    )


# --------------------------------------------------------------------------- recommendation
@dataclass(frozen=True, repr=False)
class Recommendation:
    """A ranked list of sites to upgrade, the curve over K and per-zone effect.

    Attributes
    ----------
    ranking : DataFrame
        ``rank``, ``site_id``, ``name``, ``name_en``, ``lon``, ``lat``, ``added_population``
        (people newly within the level's threshold), ``cumulative_covered_population``,
        ``cumulative_share``, ``objective`` (the model's objective after sites 1..rank: people
        covered for coverage — as before — mean minutes for median, worst minutes for center),
        ``gain`` (objective improvement of the site, people or minutes), ``mean_minutes`` and
        ``max_minutes`` (on-network population after sites 1..rank), ``zone_id``, ``cost``,
        ``minutes_to_hospital``, ``kind`` (``tier2`` upgrade, ``gap`` centroid, grid ``node``
        or ``user`` site).
    level : ServiceLevel
        The service level.
    baseline_covered : float
        People covered at that level before any upgrade.
    population_total : float
        People in the study area (denominator of the shares).
    n_candidates : int
        Eligible candidates.
    method : str
        ``"greedy"``, ``"greedy + swap"`` or ``"exact (HiGHS)"``.
    objective_name : str
        ``"coverage"``, ``"median"``, ``"center"`` or ``"center-zone"``.
    proven : bool
        Optimality of the chosen set proven (see :class:`Solution`).
    bound, gap : float
        Best bound on the objective and the relative gap to it.
    status : str
        Solver status.
    curve : DataFrame
        :func:`coverage_curve` output with site ids; ``share`` is the covered share at the level.
    zones : DataFrame
        Per zone: ``zone_id``, ``name``, ``population``, ``covered_before``, ``covered_after``,
        ``share_before``, ``share_after``, ``mean_minutes_before``, ``mean_minutes_after``.
    candidates : DataFrame
        Every candidate with ``eligible`` and ``reason`` (why not).
    aggregation : dict
        ``cells`` (demand cells some site can improve), ``rows`` (after merging), ``pairs``.
    seconds : float
        Wall time, seconds.
    notes : list of str
        What a planner should know about the result.
    """

    ranking: pd.DataFrame
    level: ServiceLevel
    baseline_covered: float
    population_total: float
    n_candidates: int
    method: str = "greedy"
    objective_name: str = "coverage"
    proven: bool = False
    bound: float = math.nan
    gap: float = math.nan
    status: str = ""
    curve: pd.DataFrame = field(default_factory=pd.DataFrame)
    zones: pd.DataFrame = field(default_factory=pd.DataFrame)
    candidates: pd.DataFrame = field(default_factory=pd.DataFrame)
    aggregation: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def upgrades_only(self) -> bool:
        """True when every ranked site is a tier-2 centre to upgrade (no new sites)."""
        return "kind" not in self.ranking or bool((self.ranking["kind"] == "tier2").all())

    def __repr__(self) -> str:
        r = self.ranking
        base = self.baseline_covered / self.population_total if self.population_total else 0.0
        last = r["cumulative_share"].iloc[-1] if len(r) else base
        return (
            f"Recommendation({len(r)} of {self.n_candidates} candidates by {self.method}; "
            f"{self.level.name} coverage {base:.1%} → "
            f"{last:.1%}: {', '.join(r['name'].astype(str))})"
        )

    def _repr_html_(self) -> str:
        """Jupyter display: the ranking, the level's coverage before and after, the proof."""
        from access15._repr import card, fmt_frame, minutes, pct, people

        r = self.ranking
        lv = self.level
        base = self.baseline_covered / self.population_total if self.population_total else 0.0
        last = float(r["cumulative_share"].iloc[-1]) if len(r) else base
        proof = (
            "proven optimal"
            if self.proven
            else f"not proven optimal (status {self.status or 'heuristic'}, gap {self.gap:.2e})"
        )
        ranking = fmt_frame(
            r,
            {
                "added_population": people,
                "cumulative_share": pct,
                "mean_minutes": minutes,
                "minutes_to_hospital": minutes,
            },
            rename={
                "rank": "rank",
                "site_id": "site",
                "name": "name",
                "zone_id": "zone",
                "added_population": "people added",
                "cumulative_share": "covered share after",
                "mean_minutes": "mean time after",
                "minutes_to_hospital": "to county hospital",
            },
        )
        return card(
            "Recommendation",
            f"upgrade {len(r)} of {self.n_candidates} candidates: {lv.name} coverage "
            f"{pct(base)} → {pct(last)}",
            facts=[
                ("service level", f"tier ≥ {lv.min_tier} within {lv.minutes:g} min ({lv.label})"),
                ("objective", self.objective_name),
                ("method", f"{self.method}: {proof}"),
                ("covered before", f"{people(self.baseline_covered)} people"),
                ("time", f"{self.seconds:.2f} s"),
            ],
            tables=[("Ranking (cut it at any K)", ranking)],
            notes=self.notes,
            notes_title="Notes",
            attributes=("ranking", "curve", "zones", "candidates", "notes", "plot_curve()"),
        )

    def plot_curve(self, path: str | Any, **kwargs: Any) -> None:
        """Write the curve to a PNG (needs matplotlib); see :func:`plot_curve`."""
        plot_curve(self.curve, path, **kwargs)


class _SiteTimes:
    """Per-node minutes to the existing facilities of a level and to single sites (cached)."""

    def __init__(self, network: RoadNetwork, cov: CoverageResult, lv: ServiceLevel) -> None:
        self.net = network
        cells = cov.cells
        col = f"minutes_{lv.name}"
        self.pop = cells["pop"].to_numpy(dtype=np.float64)
        self.node = cells["node"].to_numpy()
        self.off = cells["off_network"].to_numpy(dtype=bool)
        speed_ms = cov.config.access_kmh.get(network.mode, 4.5) / 3.6
        self.first_s = cells["snap_m"].to_numpy(dtype=np.float64) / speed_ms
        self.before = np.nan_to_num(cells[col].to_numpy(dtype=np.float64), nan=np.inf)
        self.cache: dict[tuple[int, float], npt.NDArray[np.float64]] = {}

    def site(self, node: int, leg: float) -> npt.NDArray[np.float64]:
        key = (int(node), float(leg))
        if key not in self.cache:
            t, _ = nearest_facility(self.net, [node], leg_s=[leg])
            self.cache[key] = t
        return self.cache[key]

    def after(self, nodes: Sequence[int], legs: Sequence[float]) -> npt.NDArray[np.float64]:
        """Cell minutes with the given sites added (inf off-network)."""
        best = self.before.copy()
        for nd, lg in zip(nodes, legs, strict=True):
            t = (self.first_s + self.site(nd, lg)[self.node]) / 60.0
            best = np.minimum(best, np.where(self.off, np.inf, t))
        return best


def _stats(
    st: _SiteTimes, minutes: npt.NDArray[np.float64], lv: ServiceLevel
) -> tuple[float, float, float]:
    ok = np.isfinite(minutes)
    covered = float(st.pop[minutes <= lv.minutes].sum())
    mean = float(np.average(minutes[ok], weights=st.pop[ok])) if ok.any() else math.nan
    mx = float(minutes[ok].max()) if ok.any() else math.nan
    return covered, mean, mx


def _as_positions(ids: Iterable[str] | None, cand: pd.DataFrame, what: str) -> list[int]:
    if ids is None:
        return []
    if isinstance(ids, str):
        ids = [ids]
    pos = {s: i for i, s in enumerate(cand["site_id"].astype(str))}
    by_name: dict[str, list[int]] = {}
    if "name" in cand:
        for i, nm in enumerate(cand["name"].astype(str)):
            by_name.setdefault(nm, []).append(i)
    out = []
    for s in ids:
        if str(s) in pos:
            out.append(pos[str(s)])
        elif len(by_name.get(str(s), [])) == 1:  # a planner may give the centre's name
            out.append(by_name[str(s)][0])
        elif str(s) in by_name:
            msg = (
                f"{what} site name {s!r} is ambiguous ({len(by_name[str(s)])} candidates); "
                "use its site_id"
            )
            raise InputError(msg)
        else:
            msg = f"{what} site {s!r} is not among the candidates; give a site_id or a name"
            raise InputError(msg)
    return out


def _is_site_table(candidates: object) -> bool:
    """Tell a :func:`candidate_sites` table (already snapped) from user points or names."""
    return isinstance(candidates, pd.DataFrame) and {"node", "leg_s", "on_network"} <= set(
        candidates.columns
    )


def recommend_upgrades(
    network: RoadNetwork,
    cov: CoverageResult,
    *,
    k: int | None = None,
    level: str | ServiceLevel | None = None,
    objective: str = "coverage",
    method: str = "exact",
    candidates: pd.DataFrame | str | Sequence[str | pd.DataFrame] | None = None,
    must_include: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    per_zone: bool | Iterable[str] = False,
    max_minutes_to_hospital: float | None = None,
    cost: str | Mapping[str, float] | None = None,
    budget: float | None = None,
    time_limit_s: float = 10.0,
    cutoff_minutes: float | None = None,
    curve: bool | str = True,
    zones: gpd.GeoDataFrame | None = None,
    candidate_options: Mapping[str, Any] | None = None,
) -> Recommendation:
    """Rank sites to upgrade to sub-centres (tier 3) — by default the tier-2 township centres.

    Parameters
    ----------
    network : RoadNetwork
        The network ``cov`` was computed on.
    cov : CoverageResult
    k : int, optional
        Number of upgrades (default ``config.k``; with a ``budget`` and no K, as many as fit).
    level : str, optional
        Service level (default ``config.upgrade_level``, "subcentre": tier >= 3 within 30 min).
    objective : str
        ``"coverage"`` (MCLP, default), ``"median"``, ``"center"`` (worst cell) or
        ``"center-zone"`` (worst zone's mean); see :mod:`access15.siting`.
    method : {"exact", "swap", "greedy"}
        ``exact`` (default): HiGHS MILP from the greedy + swap warm start, optimality proven or
        the gap reported; ``swap``: greedy + 1-swap; ``greedy``: the lazy greedy ranking alone.
    candidates : DataFrame, str or list, optional
        A :func:`candidate_sites` table, a (Geo)DataFrame of user points (e.g. from
        :func:`access15.read_sites`), or a source name (``"tier2"`` default, ``"gaps"``,
        ``"nodes"``), or a list of names and point tables.
    must_include, exclude : iterable of str, optional
        ``site_id`` values that must / must not be chosen.
    per_zone : bool or iterable of str
        True: every zone with an eligible candidate gets at least one site; or the zone ids
        that must.
    max_minutes_to_hospital : float, optional
        Only sites within this many minutes of the county hospital are eligible.
    cost : str or mapping, optional
        Candidate column, or ``{site_id: cost}``, giving each site's cost (default 1).
    budget : float, optional
        Total cost allowed; replaces K (or caps it when both are given).
    time_limit_s : float
        HiGHS time limit per solve, seconds.
    cutoff_minutes : float, optional
        Time objectives: see :func:`build_problem`.
    curve : bool or "greedy"
        Compute the curve over K: True: greedy prefix and exact per K (exact method only);
        ``"greedy"``: greedy only; False: none. Not computed with a budget.
    zones : GeoDataFrame, optional
        Township polygons (``zone_id``, ``name``) to place candidates and name zones.
    candidate_options : mapping, optional
        Keywords of :func:`candidate_sites` for generated candidates (``spacing_m`` of
        ``"nodes"``, ``min_people`` of ``"gaps"``, ``n``; ``level`` defaults to the level
        ranked, so ``"gaps"`` are the clusters it leaves uncovered).

    Returns
    -------
    Recommendation
    """
    t0 = time.perf_counter()
    cfg = cov.config
    obj = _objective_name(objective)
    if method not in _METHODS:
        msg = f"unknown method {method!r}; use one of {', '.join(_METHODS)}"
        raise InputError(msg)
    lv = level if isinstance(level, ServiceLevel) else cfg.level(level or cfg.upgrade_level)
    if lv.min_tier > 3:
        msg = (
            f"service level {lv.name!r} needs tier >= {lv.min_tier}: upgrades to tier 3 cannot help"
        )
        raise InputError(msg)
    default_cand = candidates is None
    cand_kw = dict(candidate_options or {})
    if any(x.name == lv.name for x in cfg.levels):
        cand_kw.setdefault("level", lv.name)  # "gaps": the clusters this level leaves uncovered
    if candidates is None:
        cand = candidate_sites(network, cov, "tier2", zones=zones, **cand_kw)
    elif _is_site_table(candidates):
        cand = candidates.reset_index(drop=True).copy()
        for c_, d_ in (("zone_id", ""), ("cost", 1.0), ("name_en", ""), ("kind", "user")):
            if c_ not in cand.columns:
                cand[c_] = d_
        if "minutes_to_hospital" not in cand.columns:
            cand["minutes_to_hospital"] = _hospital_minutes(
                network, cov, cand["node"].to_numpy(), cand["leg_s"].to_numpy(np.float64)
            )
    else:
        cand = candidate_sites(network, cov, candidates, zones=zones, **cand_kw)  # type: ignore[arg-type]
    cand["site_id"] = cand["site_id"].astype(str)
    if cost is not None:
        if isinstance(cost, str):
            if cost not in cand.columns:
                msg = f"cost column {cost!r} not in the candidates; add it or pass a mapping"
                raise InputError(msg)
            cand["cost"] = pd.to_numeric(cand[cost], errors="coerce")
        else:
            cmap = {str(k_): float(v_) for k_, v_ in dict(cost).items()}
            by_id = cand["site_id"].astype(str).map(cmap)
            if "name" in cand:  # a planner's cost table may name the centres instead
                by_id = by_id.fillna(cand["name"].astype(str).map(cmap))
            cand["cost"] = by_id.astype(np.float64)
        if cand["cost"].isna().any():
            miss = cand.loc[cand["cost"].isna(), "site_id"].iloc[0]
            msg = f"no cost for candidate {miss!r}; give every candidate a cost"
            raise InputError(msg)
    reason = np.full(len(cand), "", dtype=object)
    reason[~cand["on_network"].to_numpy(dtype=bool)] = "off the road network"
    ex_pos = _as_positions(exclude, cand, "excluded")
    reason[ex_pos] = "excluded"
    if max_minutes_to_hospital is not None:
        mh = cand["minutes_to_hospital"].to_numpy(dtype=np.float64)
        far = ~(mh <= float(max_minutes_to_hospital)) & (reason == "")
        reason[far] = f"over {float(max_minutes_to_hospital):g} min to the county hospital"
    must_pos = _as_positions(must_include, cand, "required")
    bad = [j for j in must_pos if reason[j]]
    if bad:
        msg = (
            f"required site {cand['site_id'].iloc[bad[0]]!r} is not eligible "
            f"({reason[bad[0]]}); drop it from must_include"
        )
        raise InputError(msg)
    eligible = reason == ""
    cand["eligible"] = eligible
    cand["reason"] = reason
    n_elig = int(eligible.sum())
    if budget is None:
        k = cfg.k if k is None else int(k)
        if k < 1:
            msg = f"K must be >= 1, got {k}"
            raise InputError(msg)
        if k > n_elig:
            label = "tier-2 candidates on the network" if default_cand else "eligible candidates"
            msg = f"K={k} is larger than the {n_elig} {label}; lower K"
            raise InputError(msg)
    zone_ids = sorted({z for z in cand.loc[eligible, "zone_id"].astype(str) if z})
    zpos = {z: i for i, z in enumerate(zone_ids)}
    site_zone = np.array([zpos.get(str(z), -1) for z in cand["zone_id"]], dtype=np.int64)
    notes: list[str] = []
    if per_zone is True:
        required = list(range(len(zone_ids)))
        all_z = sorted(set(cov.cells["zone_id"].astype(str)) - {""})
        missing = [z for z in all_z if z not in zpos]
        if missing:
            notes.append(
                f"{len(missing)} zone(s) have no eligible candidate and cannot get a site: "
                + ", ".join(missing)
            )
    elif per_zone:
        required = []
        for z in per_zone:  # type: ignore[union-attr]
            if str(z) not in zpos:
                msg = f"zone {z!r} has no eligible candidate; drop it from per_zone"
                raise InputError(msg)
            required.append(zpos[str(z)])
    else:
        required = []

    prob = build_problem(network, cov, cand, objective=obj, level=lv, cutoff_minutes=cutoff_minutes)
    common = {
        "must_include": must_pos,
        "exclude": list(np.flatnonzero(~eligible)),
        "site_zone": site_zone,
        "required_zones": required,
    }
    sol = solve(
        prob,
        k=k,
        budget=budget,
        cost=cand["cost"].to_numpy(dtype=np.float64),
        method=method,
        time_limit_s=time_limit_s,
        **common,
    )
    st = _SiteTimes(network, cov, lv)
    before = st.before
    base_cov = _stats(st, before, lv)[0]
    total = float(st.pop.sum())
    nodes = cand["node"].to_numpy()
    legs = cand["leg_s"].to_numpy(dtype=np.float64)
    rows = []
    prev_cov = base_cov
    chosen = sol.sites.tolist()
    for r, j in enumerate(chosen, start=1):
        mins = st.after(nodes[chosen[:r]].tolist(), legs[chosen[:r]].tolist())
        c_, mean_, max_ = _stats(st, mins, lv)
        rows.append(
            {
                "rank": r,
                "site_id": cand["site_id"].iloc[j],
                "name": cand["name"].iloc[j],
                "name_en": cand["name_en"].iloc[j],
                "lon": float(cand["lon"].iloc[j]),
                "lat": float(cand["lat"].iloc[j]),
                "added_population": c_ - prev_cov,
                "cumulative_covered_population": c_,
                "cumulative_share": c_ / total if total else 0.0,
                "objective": prob.evaluate(chosen[:r]),
                "gain": float(sol.gains[r - 1]),
                "mean_minutes": mean_,
                "max_minutes": max_,
                "zone_id": cand["zone_id"].iloc[j],
                "cost": float(cand["cost"].iloc[j]),
                "minutes_to_hospital": float(cand["minutes_to_hospital"].iloc[j]),
                "kind": cand["kind"].iloc[j],
            }
        )
        prev_cov = c_
    ranking = pd.DataFrame(
        rows,
        columns=[
            "rank",
            "site_id",
            "name",
            "name_en",
            "lon",
            "lat",
            "added_population",
            "cumulative_covered_population",
            "cumulative_share",
            "objective",
            "gain",
            "mean_minutes",
            "max_minutes",
            "zone_id",
            "cost",
            "minutes_to_hospital",
            "kind",
        ],
    )
    after = st.after(nodes[chosen].tolist(), legs[chosen].tolist())
    zt = _zone_table(cov, st, before, after, lv, zones)
    cv = pd.DataFrame()
    if curve and budget is None:
        kmax = max(k or 0, len(chosen))
        cv = coverage_curve(
            prob,
            kmax,
            exact=(curve is True and method == "exact"),
            time_limit_s=time_limit_s,
            **common,
        )
        shares, means = [], []
        ids = cand["site_id"].to_numpy()
        for s_ in cv["sites"]:
            pos = [int(v) for v in s_.split(",")] if s_ else []
            mins = st.after(nodes[pos].tolist(), legs[pos].tolist())
            c_, mean_, _ = _stats(st, mins, lv)
            shares.append(c_ / total if total else 0.0)
            means.append(mean_)
        cv["share"] = shares
        cv["mean_minutes"] = means
        cv["sites"] = [
            ",".join(ids[[int(v) for v in s_.split(",")]]) if s_ else "" for s_ in cv["sites"]
        ]
    if not sol.proven and method == "exact":
        notes.append(
            f"optimality not proven within {time_limit_s:g} s ({sol.status}); the plan is within "
            f"{sol.gap:.2%} of the best bound {sol.bound:,.6g}"
        )
    method_label = {"greedy": "greedy", "swap": "greedy + swap", "exact": "exact (HiGHS)"}[method]
    return Recommendation(
        ranking=ranking,
        level=lv,
        baseline_covered=base_cov,
        population_total=total,
        n_candidates=n_elig,
        method=method_label,
        objective_name=obj,
        proven=sol.proven,
        bound=sol.bound,
        gap=sol.gap,
        status=sol.status,
        curve=cv,
        zones=zt,
        candidates=cand,
        aggregation={
            "cells": prob.n_cells,
            "rows": prob.n_rows,
            "pairs": int(prob.savings.nnz),
        },
        seconds=time.perf_counter() - t0,
        notes=notes,
    )


def _zone_table(
    cov: CoverageResult,
    st: _SiteTimes,
    before: npt.NDArray[np.float64],
    after: npt.NDArray[np.float64],
    lv: ServiceLevel,
    zones: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    zid = cov.cells["zone_id"].astype(str).to_numpy()
    names: dict[str, str] = {}
    if zones is not None and "name" in zones:
        names = dict(zip(zones["zone_id"].astype(str), zones["name"].astype(str), strict=True))
    elif "name" in cov.by_zone:
        names = dict(
            zip(cov.by_zone["zone_id"].astype(str), cov.by_zone["name"].astype(str), strict=True)
        )
    pop = st.pop
    df = pd.DataFrame(
        {
            "zone_id": np.where(zid == "", "(none)", zid),
            "pop": pop,
            "cb": pop * (before <= lv.minutes),
            "ca": pop * (after <= lv.minutes),
            "mb": np.where(np.isfinite(before), pop * np.nan_to_num(before, posinf=0.0), 0.0),
            "ma": np.where(np.isfinite(after), pop * np.nan_to_num(after, posinf=0.0), 0.0),
            "on": pop * np.isfinite(before),
            "on_a": pop * np.isfinite(after),
        }
    )
    g = df.groupby("zone_id", sort=True).sum()
    out = pd.DataFrame(
        {
            "zone_id": g.index.to_numpy(),
            "name": [names.get(z, z) for z in g.index],
            "population": g["pop"].to_numpy(),
            "covered_before": g["cb"].to_numpy(),
            "covered_after": g["ca"].to_numpy(),
        }
    )
    popz = np.where(out["population"] > 0, out["population"], 1.0)
    out["share_before"] = out["covered_before"] / popz
    out["share_after"] = out["covered_after"] / popz
    out["mean_minutes_before"] = g["mb"].to_numpy() / np.where(g["on"] > 0, g["on"], np.nan)
    out["mean_minutes_after"] = g["ma"].to_numpy() / np.where(g["on_a"] > 0, g["on_a"], np.nan)
    return out.sort_values("share_before", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- sensitivity
@dataclass(frozen=True, repr=False)
class Sensitivity:
    """How stable a recommendation is when speeds and the threshold change.

    Attributes
    ----------
    scenarios : DataFrame
        One row per scenario: ``scenario``, ``speed_factor``, ``minutes``, ``sites``
        (comma-separated ids), ``objective``, ``share``, ``proven``.
    stability : DataFrame
        One row per site chosen in any scenario: ``site_id``, ``name``, ``base_rank`` (rank in
        the base scenario, 0 if not chosen), ``times_in_top_k``, ``n_scenarios``, ``share``
        (of scenarios choosing it), most stable first.
    """

    scenarios: pd.DataFrame
    stability: pd.DataFrame

    def __repr__(self) -> str:
        s = self.stability
        return (
            f"Sensitivity({len(self.scenarios)} scenarios; "
            + ", ".join(f"{r.site_id} {r.share:.0%}" for r in s.head(5).itertuples())
            + ")"
        )

    def _repr_html_(self) -> str:
        """Jupyter display: how often each site stays in the top K, and the scenarios."""
        from access15._repr import card, fmt_frame, pct

        stab = fmt_frame(
            self.stability,
            {"share": pct},
            rename={
                "site_id": "site",
                "name": "name",
                "base_rank": "base rank (0 = not chosen)",
                "times_in_top_k": "times in top K",
                "share": "share of scenarios",
            },
        )
        scen = fmt_frame(
            self.scenarios,
            {"share": pct},
            rename={"scenario": "scenario", "sites": "sites", "share": "covered share"},
        )
        return card(
            "Sensitivity",
            f"{len(self.scenarios)} scenarios (speeds and threshold varied)",
            tables=[("Stability of the sites", stab), ("Scenarios", scen)],
            attributes=("stability", "scenarios"),
            max_rows=12,
        )


def sensitivity(
    network: RoadNetwork,
    cov: CoverageResult,
    *,
    facilities: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    speed_factors: Sequence[float] = (0.8, 1.0, 1.2),
    minutes_offsets: Sequence[float] = (-5.0, 0.0, 5.0),
    **kwargs: Any,
) -> Sensitivity:
    """Rerun :func:`recommend_upgrades` with speeds and the threshold varied; count stable sites.

    Every combination of a speed factor (network edge speeds multiplied, i.e. edge times
    divided, by it; first/last miles on foot unchanged; coverage recomputed) and a threshold
    offset (minutes added to the level's threshold) is one scenario.

    Parameters
    ----------
    network : RoadNetwork
    cov : CoverageResult
        The base coverage (speed factor 1).
    facilities : GeoDataFrame, optional
        Facilities to recompute coverage with (default ``cov.facilities``).
    zones : GeoDataFrame, optional
        Zones to recompute coverage with (needed for per-zone constraints and zone tables).
    speed_factors : sequence of float
        Speed multipliers (default -20 %, 0, +20 %).
    minutes_offsets : sequence of float
        Threshold offsets, minutes (default -5, 0, +5).
    **kwargs
        Passed to :func:`recommend_upgrades` (``k``, ``level``, ``objective``, ``method``,
        ``candidates``, constraints ...). ``curve`` is turned off.

    Returns
    -------
    Sensitivity
    """
    from access15.access import coverage as run_coverage

    if any(not f > 0 for f in speed_factors):
        msg = "speed factors must be > 0 (e.g. 0.8 for 20 % slower)"
        raise InputError(msg)
    kwargs = dict(kwargs)
    kwargs["curve"] = False
    kwargs.setdefault("zones", zones)
    cfg = cov.config
    lv0 = cfg.level(kwargs.pop("level", None) or cfg.upgrade_level)
    # every scenario ranks the same sites: generated ones (gap centroids, grid nodes) come from
    # the base coverage once, not from each scenario's own gaps
    cand0 = kwargs.pop("candidates", None)
    opts = {"level": lv0.name, **(kwargs.pop("candidate_options", None) or {})}
    if not _is_site_table(cand0):
        cand0 = candidate_sites(
            network, cov, "tier2" if cand0 is None else cand0, zones=kwargs["zones"], **opts
        )
    fac = cov.facilities if facilities is None else facilities
    rows = []
    base_rank: dict[str, int] = {}
    names: dict[str, str] = {}
    for f in speed_factors:
        if f == 1.0:
            net_f, cov_f = network, cov
        else:
            net_f = dataclasses.replace(network, edge_time_s=network.edge_time_s / f)
            cov_f = run_coverage(net_f, fac, cov.population, zones=zones, config=cfg)
        for dm in minutes_offsets:
            lv = dataclasses.replace(lv0, minutes=lv0.minutes + dm)
            if not lv.minutes > 0:
                continue
            # the time to the county hospital changes with the speeds: recomputed there
            cand_f = cand0 if f == 1.0 else cand0.drop(columns=["minutes_to_hospital"])
            rec = recommend_upgrades(net_f, cov_f, level=lv, candidates=cand_f, **kwargs)
            ids = rec.ranking["site_id"].tolist()
            names.update(zip(ids, rec.ranking["name"].astype(str), strict=True))
            if f == 1.0 and dm == 0.0:
                base_rank = {s: i + 1 for i, s in enumerate(ids)}
            rows.append(
                {
                    "scenario": f"speed x{f:g}, {lv.minutes:g} min",
                    "speed_factor": f,
                    "minutes": lv.minutes,
                    "sites": ",".join(ids),
                    "objective": float(rec.ranking["objective"].iloc[-1]) if ids else math.nan,
                    "share": float(rec.ranking["cumulative_share"].iloc[-1]) if ids else math.nan,
                    "proven": rec.proven,
                }
            )
    scen = pd.DataFrame(rows)
    counts: dict[str, int] = {}
    for s_ in scen["sites"]:
        for sid in filter(None, s_.split(",")):
            counts[sid] = counts.get(sid, 0) + 1
    n = len(scen)
    stab = pd.DataFrame(
        {
            "site_id": list(counts),
            "name": [names.get(s, "") for s in counts],
            "base_rank": [base_rank.get(s, 0) for s in counts],
            "times_in_top_k": list(counts.values()),
            "n_scenarios": n,
        }
    )
    stab["share"] = stab["times_in_top_k"] / max(n, 1)
    stab["_r"] = stab["base_rank"].where(stab["base_rank"] > 0, 10**9)
    stab = (
        stab.sort_values(["times_in_top_k", "_r"], ascending=[False, True], kind="stable")
        .drop(columns="_r")
        .reset_index(drop=True)
    )
    return Sensitivity(scenarios=scen, stability=stab)


# --------------------------------------------------------------------------- plotting
def plot_curve(
    curve: pd.DataFrame,
    path: str | Any,
    *,
    title: str | None = None,
    y: str = "share",
    labels: Mapping[str, str] | None = None,
) -> None:
    """Plot the objective (or covered share) against K to a PNG file; needs matplotlib.

    Parameters
    ----------
    curve : DataFrame
        From :func:`coverage_curve` or ``Recommendation.curve``.
    path : str or path-like
        Output PNG.
    title : str, optional
    y : str
        Column to plot (``"share"`` default, ``"objective"``, ``"mean_minutes"``).
    labels : mapping, optional
        Texts to draw instead of the English defaults: ``x``, ``y``, ``greedy``, ``exact``,
        ``unproven`` (e.g. Chinese labels).
    """
    lab = {
        "x": "sites upgraded (K)",
        "y": "covered share (%)" if y == "share" else y.replace("_", " "),
        "greedy": "greedy",
        "exact": "exact",
        "unproven": "not proven optimal",
        **dict(labels or {}),
    }
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:  # pragma: no cover - optional dependency
        msg = "plotting the curve needs matplotlib: pip install matplotlib"
        raise InputError(msg) from e
    if y not in curve.columns:
        msg = f"curve has no column {y!r}; use one of {', '.join(curve.columns)}"
        raise InputError(msg)
    fig = Figure(figsize=(6, 4), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for meth, style in (("greedy", "o--"), ("exact", "s-")):
        c = curve[curve["method"] == meth]
        if len(c):
            vals = c[y] * (100.0 if y == "share" else 1.0)
            ax.plot(c["k"], vals, style, label=lab[meth])
            if "proven" in c and meth == "exact":
                un = c[~c["proven"].astype(bool)]
                if len(un):
                    ax.plot(
                        un["k"],
                        un[y] * (100.0 if y == "share" else 1.0),
                        "rx",
                        label=lab["unproven"],
                    )
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # K is a count: no half-steps
    ax.set_xlabel(lab["x"])
    ax.set_ylabel(lab["y"])
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, format="png")
