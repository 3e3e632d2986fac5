"""Shortest-path kernels on a :class:`~access15.network.RoadNetwork`.

All times are seconds. Searches run on the *reversed* graph from the facilities, so the time of a
node is the resident's trip node → facility (one-way streets respected in the right direction).
Each source carries an initial leg (the facility's off-network last mile) through a virtual node,
so the result is exact, not "network time plus a correction afterwards".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from .errors import InputError

if TYPE_CHECKING:
    from .network import RoadNetwork

__all__ = ["nearest_facility", "nearest_times", "times_from_each"]


def _augmented_reversed(
    network: RoadNetwork, nodes: npt.NDArray[np.int64], leg_s: npt.NDArray[np.float64]
) -> sp.csr_matrix:
    """Reversed graph plus one virtual node per source with an edge of weight ``leg_s``."""
    n, s = network.n_nodes, len(nodes)
    rev = network.csr_reversed.tocoo()
    rows = np.concatenate([rev.row, n + np.arange(s)])
    cols = np.concatenate([rev.col, nodes])
    data = np.concatenate([rev.data, leg_s])
    return sp.csr_matrix((data, (rows, cols)), shape=(n + s, n + s))


def _check_sources(
    network: RoadNetwork, nodes: npt.ArrayLike, leg_s: npt.ArrayLike | None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    nodes_a = np.atleast_1d(np.asarray(nodes, dtype=np.int64))
    if len(nodes_a) == 0:
        msg = "no sources given: at least one facility must be on the network"
        raise InputError(msg)
    if nodes_a.min() < 0 or nodes_a.max() >= network.n_nodes:
        msg = "source node index out of range; pass indexes from RoadNetwork.snap()"
        raise InputError(msg)
    leg = np.zeros(len(nodes_a)) if leg_s is None else np.asarray(leg_s, dtype=np.float64)
    if leg.shape != nodes_a.shape or (leg < 0).any() or not np.isfinite(leg).all():
        msg = "leg_s must be finite, >= 0 seconds and one per source"
        raise InputError(msg)
    return nodes_a, leg


def nearest_facility(
    network: RoadNetwork, nodes: npt.ArrayLike, *, leg_s: npt.ArrayLike | None = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Time from every node to the nearest source, and which source that is.

    One multi-source Dijkstra (``scipy.sparse.csgraph.dijkstra(min_only=True)``) on the reversed
    graph, not one search per source.

    Parameters
    ----------
    network : RoadNetwork
    nodes : array_like of int
        Node index of each source (facility).
    leg_s : array_like of float, optional
        Seconds from each source's network node to the source itself (last mile); default 0.

    Returns
    -------
    time_s : ndarray of float64, shape (n_nodes,)
        Seconds from each node to its nearest source (inf if none is reachable).
    source : ndarray of int64, shape (n_nodes,)
        Position in ``nodes`` of that source (-1 if none is reachable).
    """
    nodes_a, leg = _check_sources(network, nodes, leg_s)
    n = network.n_nodes
    g = _augmented_reversed(network, nodes_a, leg)
    dist, _pred, src = dijkstra(
        g,
        directed=True,
        indices=n + np.arange(len(nodes_a)),
        min_only=True,
        return_predecessors=True,
    )
    src = src[:n].astype(np.int64)
    src = np.where(src >= n, src - n, -1)
    return dist[:n], src


def times_from_each(
    network: RoadNetwork,
    nodes: npt.ArrayLike,
    *,
    leg_s: npt.ArrayLike | None = None,
    cutoff_s: float = np.inf,
) -> npt.NDArray[np.float64]:
    """Time from every node to each source separately, up to a cutoff.

    Parameters
    ----------
    network : RoadNetwork
    nodes : array_like of int
        Node index of each source (e.g. candidate sites).
    leg_s : array_like of float, optional
        Last-mile seconds of each source.
    cutoff_s : float
        Searches stop at this many seconds; farther nodes get inf.

    Returns
    -------
    ndarray of float64, shape (n_sources, n_nodes)
    """
    nodes_a, leg = _check_sources(network, nodes, leg_s)
    n = network.n_nodes
    g = _augmented_reversed(network, nodes_a, leg)
    dist = dijkstra(g, directed=True, indices=n + np.arange(len(nodes_a)), limit=float(cutoff_s))
    return np.asarray(dist[:, :n])


def nearest_times(network: RoadNetwork, sources: npt.ArrayLike) -> pd.Series:
    """Seconds from every node to the nearest of ``sources`` (OSM node ids).

    Parameters
    ----------
    network : RoadNetwork
    sources : array_like of int
        OSM node ids of the destinations (e.g. the nodes facilities are snapped to).

    Returns
    -------
    pandas.Series
        Indexed by OSM node id, seconds (inf where no source is reachable).
    """
    idx = network.index_of(sources)
    t, _ = nearest_facility(network, idx)
    return pd.Series(t, index=pd.Index(network.node_ids, name="osmid"), name="travel_time_s")
