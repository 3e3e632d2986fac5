r"""Which township centres to upgrade first: a ranked list with marginal gains.

The upgrade question is a maximal covering location problem (MCLP; Church & ReVelle, 1974,
*Papers of the Regional Science Association* 32:101-118) with the existing facilities fixed:
choose K of the tier-2 candidates J to promote to tier 3 so that the population within the
service level's threshold S of a tier >= 3 facility is largest,

.. math::

    \max \sum_i a_i y_i \quad \text{s.t.} \quad
    y_i \le b_i + \sum_{j \in N_i} x_j,\; \sum_j x_j = K,\; x_j, y_i \in \{0, 1\},

where :math:`a_i` is the population of cell i, :math:`b_i = 1` when cell i is already covered,
and :math:`N_i = \{j : t_{ij} \le S\}`. Greedy selection gives a ranked list whose prefix of
any length is a sensible plan (and is within :math:`1 - 1/e` of the optimum, as the objective is
submodular; Nemhauser, Wolsey & Fisher, 1978).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .config import ServiceLevel
from .errors import InputError
from .travel import pair_times

if TYPE_CHECKING:
    from .coverage import CoverageResult
    from .network import RoadNetwork

__all__ = ["Recommendation", "coverage_matrix", "greedy_max_cover", "recommend_upgrades"]


@dataclass(frozen=True, repr=False)
class Recommendation:
    """A ranked list of sites to upgrade.

    Attributes
    ----------
    ranking : DataFrame
        ``rank``, ``site_id``, ``name``, ``name_en``, ``lon``, ``lat``, ``added_population``,
        ``cumulative_covered_population``, ``cumulative_share``, ``objective`` (people covered
        at the service level after upgrading sites 1..rank).
    level : ServiceLevel
        The service level maximised.
    baseline_covered : float
        People covered at that level before any upgrade.
    population_total : float
        People in the study area (denominator of the shares).
    n_candidates : int
    method : str
    """

    ranking: pd.DataFrame
    level: ServiceLevel
    baseline_covered: float
    population_total: float
    n_candidates: int
    method: str = "greedy"

    def __repr__(self) -> str:
        r = self.ranking
        last = r["cumulative_share"].iloc[-1] if len(r) else self.baseline_covered
        return (
            f"Recommendation({len(r)} of {self.n_candidates} candidates by {self.method}; "
            f"{self.level.name} coverage {self.baseline_covered / self.population_total:.1%} → "
            f"{last:.1%}: {', '.join(r['name'].astype(str))})"
        )


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
    if n_cells == 0:
        return sp.csr_matrix((n_sites, 0), dtype=bool)
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


def recommend_upgrades(
    network: RoadNetwork,
    cov: CoverageResult,
    *,
    k: int | None = None,
    level: str | None = None,
) -> Recommendation:
    """Rank tier-2 township centres to upgrade to sub-centres (tier 3).

    Parameters
    ----------
    network : RoadNetwork
        The network ``cov`` was computed on.
    cov : CoverageResult
    k : int, optional
        Number of upgrades (default ``config.k``).
    level : str, optional
        Service level to maximise (default ``config.upgrade_level``, "subcentre": tier >= 3
        within 30 minutes).

    Returns
    -------
    Recommendation
    """
    cfg = cov.config
    k = cfg.k if k is None else int(k)
    lv = cfg.level(level or cfg.upgrade_level)
    if lv.min_tier > 3:
        msg = (
            f"service level {lv.name!r} needs tier >= {lv.min_tier}: upgrades to tier 3 cannot help"
        )
        raise InputError(msg)
    fac = cov.facilities
    cand = fac[(fac["tier"] == 2) & fac["on_network"]].reset_index(drop=True)
    if k < 1:
        msg = f"K must be >= 1, got {k}"
        raise InputError(msg)
    if k > len(cand):
        msg = f"K={k} is larger than the {len(cand)} tier-2 candidates on the network; lower K"
        raise InputError(msg)
    cells = cov.cells
    pop = cells["pop"].to_numpy()
    total = float(pop.sum())
    minutes = np.nan_to_num(cells[f"minutes_{lv.name}"].to_numpy(), nan=np.inf)
    base_cov = minutes <= lv.minutes
    open_ = ~base_cov & ~cells["off_network"].to_numpy()
    speed_ms = cfg.access_kmh.get(network.mode, 4.5) / 3.6
    limit_s = lv.minutes * 60.0
    idx = np.flatnonzero(open_)
    cover = coverage_matrix(
        network,
        cand["node"].to_numpy(),
        cand["leg_s"].to_numpy(),
        cells["node"].to_numpy()[idx],
        cells["snap_m"].to_numpy()[idx] / speed_ms,
        limit_s,
    )
    picks, gains = greedy_max_cover(cover, pop[idx], k)
    baseline = float(pop[base_cov].sum())
    chosen = cand.iloc[picks]
    cum = baseline + np.cumsum(gains)
    ranking = pd.DataFrame(
        {
            "rank": np.arange(1, k + 1),
            "site_id": chosen["facility_id"].to_numpy(),
            "name": chosen["name"].to_numpy(),
            "name_en": chosen.get("name_en", pd.Series([""] * k)).to_numpy(),
            "lon": chosen.geometry.x.to_numpy(),
            "lat": chosen.geometry.y.to_numpy(),
            "added_population": gains,
            "cumulative_covered_population": cum,
            "cumulative_share": cum / total if total else 0.0,
            "objective": cum,
        }
    )
    return Recommendation(
        ranking=ranking,
        level=lv,
        baseline_covered=baseline,
        population_total=total,
        n_candidates=len(cand),
    )
