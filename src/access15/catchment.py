"""Who can reach which facility: cells x facilities travel times within a catchment.

The input of every supply-and-demand measure (the 2SFCA family in :mod:`access15.fca`,
capacity-limited coverage in :mod:`access15.capacity`): for each populated cell of a coverage
run and each facility, the travel time in minutes when it is at most ``max_minutes``. A pair's
time is the one coverage uses, so the two views never disagree:

    first-mile walk (cell centre -> its road node) + network time + last-mile walk (facility's
    road node -> facility).

The nearest facility of a level within the catchment is therefore exactly the cell's
``minutes_<level>`` of the coverage run. Searches run once per facility (bounded Dijkstra,
:func:`access15.travel.pair_times`) over the distinct road nodes of the cells, so memory
follows the pairs within reach, not cells x facilities.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from access15.config import MAX_MINUTES
from access15.errors import InputError
from access15.travel import pair_times, pairs_at_cells

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from access15.access import CoverageResult
    from access15.network import RoadNetwork

__all__ = ["Catchment", "catchment_times"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, repr=False)
class Catchment:
    """Travel times from populated cells to facilities, for pairs within ``max_minutes``.

    Attributes
    ----------
    times : scipy.sparse.csr_matrix, shape (n_cells, n_facilities)
        Minutes from cell i (row i of :attr:`cells`) to facility j (row j of
        :attr:`facilities`), stored only when at most :attr:`max_minutes`; a pair at exactly 0
        minutes is an explicit zero (test membership with the sparsity structure).
        Off-network cells and facilities have no pairs.
    pop : ndarray of float64
        People per cell.
    facilities : GeoDataFrame
        The facilities, as the coverage run used them (tier, node, ``on_network``, names and
        any capacity columns), in column order.
    cells : DataFrame
        The coverage run's cells (``row``, ``col``, ``lon``, ``lat``, ``pop``, ``zone_id``,
        ...), in row order.
    max_minutes : float
        The catchment, minutes.
    """

    times: sp.csr_matrix
    pop: npt.NDArray[np.float64]
    facilities: gpd.GeoDataFrame
    cells: pd.DataFrame
    max_minutes: float

    def __repr__(self) -> str:
        n_c, n_f = self.times.shape
        return (
            f"Catchment({self.times.nnz:,} cell-facility pairs within {self.max_minutes:g} min; "
            f"{n_c:,} cells x {n_f:,} facilities)"
        )

    def within(self, minutes: float, facilities: npt.ArrayLike | None = None) -> sp.csr_matrix:
        """Return the pairs within ``minutes`` (<= :attr:`max_minutes`), optionally some columns.

        Parameters
        ----------
        minutes : float
            Catchment, minutes.
        facilities : array_like of bool or int, optional
            Facilities to keep (a mask over :attr:`facilities` or positions); default all.

        Returns
        -------
        scipy.sparse.csr_matrix
            Minutes, shape (n_cells, n_kept); explicit zeros kept.

        Raises
        ------
        InputError
            ``minutes`` above the catchment the times were computed for.
        """
        m = float(minutes)
        if not m <= self.max_minutes:
            msg = (
                f"{minutes} minutes is beyond the catchment the times were computed for "
                f"({self.max_minutes:g} min); build the catchment with max_minutes >= {minutes}"
            )
            raise InputError(msg)
        t = self.times
        if facilities is not None:
            t = t[:, np.asarray(facilities)]
        t = t.tocoo()
        keep = t.data <= m
        return sp.csr_matrix(
            (t.data[keep], (t.row[keep], t.col[keep])), shape=t.shape, dtype=np.float64
        )


def catchment_times(
    network: RoadNetwork,
    cov: CoverageResult,
    *,
    max_minutes: float,
    facilities: gpd.GeoDataFrame | None = None,
) -> Catchment:
    """Compute cells x facilities travel times within ``max_minutes`` for a coverage run.

    Parameters
    ----------
    network : RoadNetwork
        The network the coverage run used.
    cov : CoverageResult
        The coverage run: its populated cells (road node, snap distance, people) and its
        facilities (snapped: ``node``, ``leg_s``, ``on_network``).
    max_minutes : float
        Catchment, minutes (> 0, at most 1440). Pairs farther apart are not stored.
    facilities : GeoDataFrame, optional
        Facilities to use instead of ``cov.facilities`` (e.g. with capacities added); must
        have the snapped columns ``node``, ``leg_s`` and ``on_network``.

    Returns
    -------
    Catchment
        The pairs within the catchment (minutes), the cells' people and the facilities.

    Raises
    ------
    InputError
        A catchment that is not a positive number of minutes up to a day, or facilities
        without the snapped columns.

    Examples
    --------
    >>> import access15 as ax
    >>> c = ax.catchment_times(net, cov, max_minutes=30)  # doctest: +SKIP
    >>> c.times.shape == (len(cov.cells), len(cov.facilities))  # doctest: +SKIP
    True
    """
    try:
        limit = float(max_minutes)
    except (TypeError, ValueError):
        limit = float("nan")
    if isinstance(max_minutes, bool) or not 0 < limit <= MAX_MINUTES:
        msg = f"max_minutes must be a number of minutes in (0, {MAX_MINUTES}], got {max_minutes!r}"
        raise InputError(msg)
    fac = cov.facilities if facilities is None else facilities
    missing = [c for c in ("node", "leg_s", "on_network") if c not in fac.columns]
    if missing:
        msg = (
            f"facilities lack the snapped columns {missing}; pass coverage(...).facilities or a "
            "table from access15.snap_facilities"
        )
        raise InputError(msg)
    cells = cov.cells
    n_c, n_f = len(cells), len(fac)
    pop = cells["pop"].to_numpy(dtype=np.float64)
    speed_ms = cov.config.access_kmh.get(network.mode, 4.5) / 3.6
    first_s = cells["snap_m"].to_numpy(dtype=np.float64) / speed_ms
    on_c = ~cells["off_network"].to_numpy(dtype=bool)
    on_f = fac["on_network"].to_numpy(dtype=bool)
    f_idx = np.flatnonzero(on_f)
    c_idx = np.flatnonzero(on_c)
    limit_s = limit * 60.0
    if len(f_idx) == 0 or len(c_idx) == 0:
        times = sp.csr_matrix((n_c, n_f), dtype=np.float64)
        return Catchment(times, pop, fac, cells, limit)
    cell_nodes = cells["node"].to_numpy(dtype=np.int64)[c_idx]
    uniq, cell_to_u = np.unique(cell_nodes, return_inverse=True)
    pt = pair_times(
        network,
        fac["node"].to_numpy(dtype=np.int64)[f_idx],
        leg_s=fac["leg_s"].to_numpy(dtype=np.float64)[f_idx],
        cutoff_s=limit_s,
        targets=uniq,
    )
    # expand (facility, node) pairs to the cells at each node; keep those whose first mile fits
    pair_of, at = pairs_at_cells(pt.target, cell_to_u, len(uniq))
    cell = c_idx[at]
    seconds = first_s[cell] + pt.seconds[pair_of]
    ok = seconds <= limit_s
    rows, cols = cell[ok], f_idx[pt.source[pair_of[ok]]]
    # the pairs come grouped by facility (pair_times sorts by source): a CSC matrix as it is,
    # then CSR, both linear and neither summing nor pruning (explicit zeros survive)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(cols, minlength=n_f))])
    times = sp.csc_matrix((seconds[ok] / 60.0, rows, indptr), shape=(n_c, n_f)).tocsr()
    times.sort_indices()
    log.info(
        "catchment %g min: %d pairs among %d cells x %d facilities", limit, times.nnz, n_c, n_f
    )
    return Catchment(times, pop, fac, cells, limit)
