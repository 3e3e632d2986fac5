r"""The siting problem: demand rows x candidate sites in savings form, and how a county builds it.

All four objectives share one representation (:class:`SitingProblem`): demand *rows* with a
weight :math:`a_r` (people), a current time :math:`c_r` (minutes; 1 for coverage, "uncovered")
and the *savings* :math:`s_{rj} = c_r - t_{rj} > 0` of candidate :math:`j` (stored only where a
site would beat what the row has today). :func:`build_problem` makes one from a county's
coverage and candidate sites; :func:`coverage_matrix` gives the sites x cells coverage.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from access15.config import ServiceLevel
from access15.errors import InputError
from access15.siting.options import objective_name
from access15.travel import nearest_facility, pair_times, pairs_at_cells

if TYPE_CHECKING:
    import pandas as pd

    from access15.access import CoverageResult
    from access15.network import RoadNetwork

__all__ = ["SitingProblem", "build_problem", "coverage_matrix", "group_rows"]

_ROUND_MIN = 1e-9  # savings are rounded to this many minutes so equal patterns merge exactly


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
    pair_of, cell = pairs_at_cells(pt.target, cell_to_u, len(uniq))
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
        raw = cls(
            objective="coverage",
            weights=w,
            base=np.ones(len(w)),
            savings=c,
            zone=np.full(len(w), -1, dtype=np.int64),
            fixed=float(covered),
            total=tot,
        )
        return _assemble(raw, aggregate=aggregate)

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
        obj = objective_name(objective)
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


def group_rows(
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
    raw: SitingProblem, *, aggregate: bool, base_reduce: str = "mean", n_cells: int | None = None
) -> SitingProblem:
    """Aggregate the demand columns of ``raw.savings`` (sites × demand) into rows.

    ``raw`` holds one column per demand (weights, base and zone per demand). Demands with no
    saving are assumed already folded into ``fixed`` by the caller, except for coverage (dropped
    here, their weight is simply uncovered and unchangeable). ``n_cells`` defaults to the
    number of demands with a saving.
    """
    sav = sp.csr_matrix(raw.savings, dtype=np.float64)
    sav.sum_duplicates()
    cols = sav.T.tocsr()
    has = np.diff(cols.indptr) > 0
    n0 = int(has.sum())
    cols = cols[has]
    w, c, zone = raw.weights[has], raw.base[has], raw.zone[has]
    if aggregate and cols.shape[0]:
        group, n_g = group_rows(cols, zone if raw.objective == "center-zone" else None)
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
    return dataclasses.replace(
        raw,
        weights=np.asarray(w, dtype=np.float64),
        base=np.asarray(c, dtype=np.float64),
        savings=rows.T.tocsr(),
        zone=np.asarray(zone, dtype=np.int64),
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
    zf = zp = np.zeros(0)
    if obj == "center-zone":
        nz = int(z.max()) + 1 if len(z) else 0
        zf = np.asarray(
            np.bincount(z[fixed_rows], weights=(w * c)[fixed_rows], minlength=nz), np.float64
        )
        zp = np.asarray(np.bincount(z, weights=w, minlength=nz), np.float64)
    raw = SitingProblem(
        objective=obj,
        weights=np.asarray(w, dtype=np.float64),
        base=np.asarray(c, dtype=np.float64),
        savings=sav,
        zone=z if obj == "center-zone" else np.full(len(c), -1, dtype=np.int64),
        fixed=float(fixed),
        total=total,
        zone_fixed=zf,
        zone_pop=zp,
    )
    base_reduce = "max" if obj == "center" else "mean"
    return _assemble(raw, aggregate=aggregate, base_reduce=base_reduce, n_cells=n_cells)


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
    obj = objective_name(objective)
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
    w_n = np.asarray(np.bincount(inv, weights=w_cell, minlength=len(uniq)), np.float64)
    c_n = np.full(len(uniq), -np.inf)
    if obj == "center":
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
