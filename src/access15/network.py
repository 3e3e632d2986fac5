"""The routable road network: travel-time weights per mode, CSR arrays, snapping.

A :class:`RoadNetwork` owns the arrays the kernels route on: node OSM ids and coordinates (WGS-84
and a local UTM CRS in metres) and a ``scipy.sparse.csr_matrix`` of edge travel times in seconds.
Kernels take and return integer node *indexes*; only this object maps them to OSM ids.
Reading a network from a source, through the compiled on-disk cache, is
:func:`access15.network_cache.read_network`.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from pyproj import Geod, Transformer
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from access15._repr import card
from access15.config import MODES, Config
from access15.errors import InputError, NetworkError
from access15.io.osm import OsmData

__all__ = [
    "MIN_PART_NODES",
    "NetworkStats",
    "NoRoadsError",
    "RoadNetwork",
    "build_network",
    "geodesic_m",
    "parse_maxspeed",
]

log = logging.getLogger(__name__)


class NoRoadsError(InputError, NetworkError):
    """The OSM data has no roads the travel mode can use: bad input, and no network to build.

    An :class:`~access15.errors.InputError` (the command line exits with 2), and a
    :class:`~access15.errors.NetworkError` as before.
    """


_ONEWAY_FWD = frozenset({"yes", "true", "1"})
_ONEWAY_REV = frozenset({"-1", "reverse"})
_NO = frozenset({"no", "private"})
_YES = frozenset({"yes", "designated", "permissive", "destination", "customers", "delivery"})
_MODE_ACCESS_KEYS = {
    "drive": ("motorcar", "motor_vehicle", "vehicle"),
    "ebike": ("bicycle", "vehicle"),
    "walk": ("foot",),
}
_MPH = 1.609344
# Implicit zone values (``maxspeed=CN:rural`` ...). China's Road Traffic Safety Law implementing
# regulations (art. 45) set 30 km/h urban / 40 km/h rural on roads without a centre line and
# 50 / 70 km/h with one lane per direction; expressways allow 120 km/h (art. 78).
ZONE_MAXSPEED_KMH = {
    "CN:motorway": 120.0,
    "CN:expressway": 120.0,
    "CN:rural": 70.0,
    "CN:urban": 50.0,
    "CN:living_street": 20.0,
    "CN:walk": 5.0,
}
MIN_PART_NODES = 10
"""Road systems with fewer nodes than this (isolated driveways, stubs cut by an extract's clip)
are dropped as fragments, counted in :class:`NetworkStats`; every larger system is kept."""
_NUM = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?\s*$", re.IGNORECASE)


def parse_maxspeed(value: str | None) -> float:
    """Parse an OSM ``maxspeed`` value to km/h.

    Parameters
    ----------
    value : str or None
        Tag value such as ``"60"``, ``"40 mph"``, ``"50;60"`` or a Chinese zone value
        (``"CN:rural"`` → 70, see ``ZONE_MAXSPEED_KMH``); junk (``"signals"``) gives NaN.

    Returns
    -------
    float
        Speed in km/h, or NaN when the value carries no usable number.

    Examples
    --------
    >>> parse_maxspeed("40 mph")
    64.37376
    >>> parse_maxspeed("50;60")
    50.0
    >>> parse_maxspeed("CN:rural")
    70.0
    >>> parse_maxspeed("signals")
    nan
    """
    if value is None:
        return math.nan
    speeds = []
    for part in str(value).split(";"):
        zone = ZONE_MAXSPEED_KMH.get(part.strip())
        if zone is not None:
            speeds.append(zone)
            continue
        m = _NUM.match(part)
        if m:
            v = float(m.group(1))
            if (m.group(2) or "").lower() == "mph":
                v *= _MPH
            if v > 0:
                speeds.append(v)
    return min(speeds) if speeds else math.nan


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS-84 UTM zone containing (lon, lat), degrees.

    Examples
    --------
    >>> utm_epsg(112.6, 27.4)
    32649
    """
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def geodesic_m(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Geodesic distance on the WGS-84 ellipsoid, metres, between points given in degrees.

    Exact (Karney's algorithm via pyproj); a spherical haversine is up to 0.5 % off, which is
    enough to move a cell across a 15-minute threshold.

    Examples
    --------
    >>> round(float(geodesic_m(100.0, 0.0, 100.0, 1.0)[0]), 1)
    110574.4
    """
    a = [np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (lon1, lat1, lon2, lat2)]
    if a[0].size == 0:
        return np.zeros(0, dtype=np.float64)
    _, _, dist = Geod(ellps="WGS84").inv(a[0], a[1], a[2], a[3])
    return np.asarray(dist, dtype=np.float64)


@dataclass(frozen=True)
class NetworkStats:
    """What happened while building a network (for diagnostics).

    Attributes are counts, except ``road_km`` (kilometres of routable road, both directions once).
    ``components`` counts strongly connected components of the raw graph; ``parts`` the road
    systems kept (parts not connected to each other, e.g. two valleys or an island: each keeps
    its largest strongly connected core); ``fragments_dropped`` the parts under
    :data:`MIN_PART_NODES` nodes dropped as fragments (isolated driveways, clipped stubs) and
    ``fragment_nodes`` their nodes. ``nodes_dropped`` counts every node left out: fragment nodes
    and nodes outside their part's core (one-way dead ends).
    """

    ways_read: int
    ways_used: int
    segments_missing_nodes: int
    nodes_total: int
    nodes_dropped: int
    components: int
    road_km: float
    simplified: bool = False
    parts: int = 1
    fragments_dropped: int = 0
    fragment_nodes: int = 0


@dataclass(frozen=True, repr=False)
class RoadNetwork:
    """A routable road network for one travel mode.

    Attributes
    ----------
    mode : str
        ``"drive"``, ``"ebike"`` or ``"walk"``.
    crs : str
        Local metric CRS of ``x``/``y`` (a UTM zone, e.g. ``"EPSG:32649"``).
    node_ids : ndarray of int64
        OSM node id of each node index.
    lon, lat : ndarray of float64
        WGS-84 coordinates, degrees.
    x, y : ndarray of float64
        Coordinates in ``crs``, metres.
    edge_u, edge_v : ndarray of int64
        Directed edges as node indexes (travel is allowed from ``u`` to ``v``).
    edge_length_m, edge_time_s : ndarray of float64
        Edge length (metres) and travel time (seconds).
    edge_highway : ndarray of object
        OSM ``highway`` class of each edge.
    stats : NetworkStats
    source : str
    fragment_lon, fragment_lat : ndarray of float64
        WGS-84 coordinates (degrees) of the nodes of dropped fragments (see
        :class:`NetworkStats`), to count the people living nearest to them.
    """

    mode: str
    crs: str
    node_ids: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    edge_u: npt.NDArray[np.int64]
    edge_v: npt.NDArray[np.int64]
    edge_length_m: npt.NDArray[np.float64]
    edge_time_s: npt.NDArray[np.float64]
    edge_highway: npt.NDArray[np.object_]
    stats: NetworkStats
    source: str = ""
    fragment_lon: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    fragment_lat: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    def __repr__(self) -> str:
        return (
            f"RoadNetwork(mode={self.mode!r}, {self.n_nodes:,} nodes, {self.n_edges:,} edges, "
            f"{self.stats.road_km:,.0f} km of road, crs={self.crs}, "
            f"{self.n_parts} road system(s), {self.stats.nodes_dropped:,} nodes dropped)"
        )

    def _repr_html_(self) -> str:
        """Jupyter display: size of the network and what was dropped while building it."""
        st = self.stats
        facts = [
            ("mode", self.mode),
            ("nodes", f"{self.n_nodes:,}"),
            ("directed edges", f"{self.n_edges:,}"),
            ("road", f"{st.road_km:,.0f} km"),
            ("metric CRS", self.crs),
            ("road systems", f"{self.n_parts:,} (not connected to each other)"),
            (
                "dropped",
                f"{st.nodes_dropped:,} of {st.nodes_total:,} nodes ({st.fragments_dropped:,} "
                f"fragments under {MIN_PART_NODES} nodes; one-way dead ends); "
                f"{st.segments_missing_nodes:,} segments with missing nodes",
            ),
            ("ways", f"{st.ways_used:,} of {st.ways_read:,} used by this mode"),
            ("simplified", "yes (road chains contracted)" if st.simplified else "no"),
        ]
        if self.source:
            facts.append(("source", self.source))
        return card(
            "RoadNetwork",
            f"{self.mode}: {self.n_nodes:,} nodes, {st.road_km:,.0f} km of road",
            facts=facts,
            attributes=("node_ids", "lon", "lat", "edge_time_s", "csr", "snap()", "to_networkx()"),
        )

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.edge_u)

    @cached_property
    def node_part(self) -> npt.NDArray[np.int64]:
        """Road system (connected part) of each node: 0 the largest by nodes, then 1, 2, ...

        Parts are not connected to each other (two valleys, an island); inside one part every
        node reaches every other.
        """
        n = self.n_nodes
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        g = sp.csr_matrix((np.ones(self.n_edges), (self.edge_u, self.edge_v)), shape=(n, n))
        _, labels = connected_components(g, directed=True, connection="weak")
        sizes = np.bincount(labels)
        rank = np.empty(len(sizes), dtype=np.int64)
        rank[np.argsort(-sizes, kind="stable")] = np.arange(len(sizes))
        return rank[labels]

    @property
    def n_parts(self) -> int:
        """Number of road systems (parts not connected to each other) in the network."""
        return int(self.node_part.max()) + 1 if self.n_nodes else 0

    @cached_property
    def csr(self) -> sp.csr_matrix:
        """Forward graph, ``csr[u, v]`` = travel time u → v in seconds."""
        n = self.n_nodes
        return sp.csr_matrix((self.edge_time_s, (self.edge_u, self.edge_v)), shape=(n, n))

    @cached_property
    def csr_reversed(self) -> sp.csr_matrix:
        """Reversed graph: searches from facilities on it give resident → facility times."""
        return self.csr.T.tocsr()

    @cached_property
    def reversed_arrays(
        self,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """``(indptr, indices, data)`` of :attr:`csr_reversed` as int64/float64 kernel inputs."""
        r = self.csr_reversed
        return (
            r.indptr.astype(np.int64),
            r.indices.astype(np.int64),
            r.data.astype(np.float64),
        )

    @cached_property
    def _kdtree(self) -> cKDTree:
        return cKDTree(np.column_stack([self.x, self.y]))

    @cached_property
    def _index_of_id(self) -> dict[int, int]:
        return {int(v): i for i, v in enumerate(self.node_ids)}

    def index_of(self, osm_ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Return the node indexes (0..n-1) of OSM node ids.

        Parameters
        ----------
        osm_ids : array_like of int
            OSM node ids of nodes in the network.

        Returns
        -------
        ndarray of int64
            The index of each id, in the order given.

        Raises
        ------
        InputError
            Some ids are not in the routable network (the message names a few).
        """
        ids = np.atleast_1d(np.asarray(osm_ids, dtype=np.int64))
        lookup = self._index_of_id
        missing = [int(i) for i in ids if int(i) not in lookup]
        if missing:
            msg = (
                f"{len(missing)} node id(s) not in the routable network (e.g. {missing[:3]}); "
                "snap points with RoadNetwork.snap() first"
            )
            raise InputError(msg)
        return np.fromiter((lookup[int(i)] for i in ids), dtype=np.int64, count=len(ids))

    def project(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Project WGS-84 points into the network's CRS.

        Parameters
        ----------
        lon : array_like
            Longitudes, degrees (WGS-84).
        lat : array_like
            Latitudes, degrees (WGS-84).

        Returns
        -------
        x, y : ndarray of float64
            Coordinates in the network's projected CRS, metres.
        """
        t = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        x, y = t.transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def snap(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Nearest network node of each WGS-84 point.

        Parameters
        ----------
        lon, lat : array_like
            Point coordinates, degrees.

        Returns
        -------
        node : ndarray of int64
            Node index of the nearest network node.
        dist_m : ndarray of float64
            Straight-line distance to it, metres (the first-mile leg; the caller decides which
            points are too far and therefore off-network).
        """
        lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        x, y = self.project(lon_a, lat_a)
        if len(x) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        _, idx = self._kdtree.query(np.column_stack([x, y]), workers=-1)
        idx = np.asarray(idx, dtype=np.int64)
        # nearest by projected metres; the distance itself is the exact geodesic
        dist = geodesic_m(lon_a, lat_a, self.lon[idx], self.lat[idx])
        return idx, dist

    def snap_points(
        self,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        *,
        max_snap_m: float,
        access_kmh: float,
    ) -> pd.DataFrame:
        """Snap points to the network with an explicit off-network leg.

        Parameters
        ----------
        lon, lat : array_like
            WGS-84 degrees.
        max_snap_m : float
            Points farther than this from every network node are *off-network*, metres.
        access_kmh : float
            Speed of the leg between the point and its node (walking), km/h.

        Returns
        -------
        DataFrame
            One row per point: ``node`` (index), ``osm_node`` (OSM id), ``snap_m`` (metres),
            ``leg_s`` (seconds at ``access_kmh``) and ``on_network`` (``snap_m <= max_snap_m``).
            Off-network points keep their nearest node and distance, for diagnostics; callers
            must not route them.
        """
        if not access_kmh > 0 or not max_snap_m > 0:
            msg = "access_kmh and max_snap_m must be > 0"
            raise InputError(msg)
        node, dist = self.snap(lon, lat)
        return pd.DataFrame(
            {
                "node": node,
                "osm_node": self.node_ids[node] if len(node) else np.zeros(0, dtype=np.int64),
                "snap_m": dist,
                "leg_s": dist / (access_kmh / 3.6),
                "on_network": dist <= max_snap_m,
            }
        )

    def to_networkx(self) -> nx.MultiDiGraph:
        """Return the exact graph the kernels route on, as a networkx MultiDiGraph.

        Nodes are OSM node ids with ``x``/``y`` (lon/lat degrees); edges carry ``travel_time``
        (seconds), ``length`` (metres) and ``highway``. ``graph["crs"]`` is EPSG:4326 so osmnx
        functions accept it.

        Returns
        -------
        networkx.MultiDiGraph
            A new graph; changing it does not change the network.
        """
        g = nx.MultiDiGraph(crs="EPSG:4326", mode=self.mode, source=self.source)
        ids = self.node_ids.tolist()
        g.add_nodes_from(
            (nid, {"x": lo, "y": la})
            for nid, lo, la in zip(ids, self.lon.tolist(), self.lat.tolist(), strict=True)
        )
        g.add_edges_from(
            (ids[u], ids[v], {"travel_time": t, "length": length, "highway": h})
            for u, v, t, length, h in zip(
                self.edge_u.tolist(),
                self.edge_v.tolist(),
                self.edge_time_s.tolist(),
                self.edge_length_m.tolist(),
                self.edge_highway.tolist(),
                strict=True,
            )
        )
        return g


def _tag(tags: dict[str, object], key: str) -> str | None:
    """Return a tag value, or None when absent (pandas holds a missing tag as None or NaN)."""
    v = tags.get(key)
    return v if isinstance(v, str) else None


def _allowed(tags: dict[str, object], mode: str) -> bool:
    """Whether a way with these tags may be used by ``mode`` (most specific key wins)."""
    for key in _MODE_ACCESS_KEYS[mode]:
        v = _tag(tags, key)
        if v is not None:
            return v not in _NO
    access = _tag(tags, "access")
    return access is None or access not in _NO


def _simplify_chains(
    n: int,
    eu: npt.NDArray[np.int64],
    ev: npt.NDArray[np.int64],
    el: npt.NDArray[np.float64],
    et: npt.NDArray[np.float64],
    eh: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.bool_], tuple[np.ndarray, ...]]:
    """Contract interior nodes of road chains; times and lengths are summed, so exact.

    A node is interior when it has exactly two distinct neighbours and is passed straight
    through: either two-way to both (in = out = 2) or one-way in from one and out to the other
    (in = out = 1). Returns the mask of kept nodes and the new edge arrays (old node indexes).
    """
    out_deg = np.bincount(eu, minlength=n)
    in_deg = np.bincount(ev, minlength=n)
    lo, hi = np.minimum(eu, ev), np.maximum(eu, ev)
    pairs = np.unique(lo * n + hi)
    nbrs = np.bincount(np.concatenate([pairs // n, pairs % n]), minlength=n)
    interior = (nbrs == 2) & (((in_deg == 2) & (out_deg == 2)) | ((in_deg == 1) & (out_deg == 1)))
    keep = ~interior
    if not keep.any():  # a network that is one ring: keep one node
        keep[0] = True
    order = np.argsort(eu, kind="stable")
    su, sv, sl, st, sh = eu[order], ev[order], el[order], et[order], eh[order]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(su, minlength=n))])
    nu, nv, nl, nt, nh = [], [], [], [], []
    for e0 in np.flatnonzero(keep[su]).tolist():
        start = int(su[e0])
        prev, v = start, int(sv[e0])
        length, t = float(sl[e0]), float(st[e0])
        steps = 0
        while not keep[v] and steps <= n:
            a, b = int(indptr[v]), int(indptr[v + 1])
            nxt = a if b - a == 1 else (a if int(sv[a]) != prev else a + 1)
            prev, v = v, int(sv[nxt])
            length += float(sl[nxt])
            t += float(st[nxt])
            steps += 1
        if keep[v] and v != start:
            nu.append(start)
            nv.append(v)
            nl.append(length)
            nt.append(t)
            nh.append(sh[e0])
    arrays = (
        np.asarray(nu, dtype=np.int64),
        np.asarray(nv, dtype=np.int64),
        np.asarray(nl, dtype=np.float64),
        np.asarray(nt, dtype=np.float64),
        np.asarray(nh, dtype=object),
    )
    return keep, arrays


def build_network(
    osm: OsmData,
    *,
    mode: str = "drive",
    config: Config | None = None,
    simplify: bool = False,
    min_part_nodes: int = MIN_PART_NODES,
) -> RoadNetwork:
    """Build the routable network of one mode from OSM arrays.

    Every pair of consecutive way nodes becomes an edge (no simplification: exact geometry).
    Edge speed is the class default of the mode, lowered to a parsed ``maxspeed`` where that is
    lower; one-way tags are honoured for drive and e-bike. Every road system (part not
    connected to the others: two valleys, an island) is kept with its largest strongly
    connected core, so inside a part every kept node can reach and be reached from every other;
    parts under ``min_part_nodes`` nodes are dropped as fragments and counted in ``stats``
    (:attr:`RoadNetwork.node_part` tells the parts apart).

    Parameters
    ----------
    osm : OsmData
        Output of :func:`access15.io.osm.read_osm`.
    mode : {"drive", "ebike", "walk"}
    config : Config, optional
        Speeds per class and mode; defaults to :class:`Config()`.
    simplify : bool
        Contract the interior nodes of road chains (several times fewer nodes on OSM data).
        Times between the kept nodes are unchanged, but points snap only to kept nodes, so
        first-mile legs get longer: leave it off for coverage, use it for large batch routing.
    min_part_nodes : int
        Road systems with fewer nodes are dropped as fragments (default
        :data:`MIN_PART_NODES`); the largest system is always kept.

    Returns
    -------
    RoadNetwork
        CSR arrays of edge travel times (seconds) of every road system kept.
    """
    cfg = config or Config()
    if mode not in MODES:
        msg = f"unknown mode {mode!r}; use one of {', '.join(MODES)}"
        raise InputError(msg)
    speeds = cfg.speeds_kmh.get(mode, {})
    ways = osm.ways
    n_ways = len(ways)
    tag_records = ways.to_dict("records")
    way_speed = np.full(n_ways, np.nan)
    way_dir = np.zeros(n_ways, dtype=np.int8)  # 0 both, 1 forward only, -1 backward only
    for i, t in enumerate(tag_records):
        hw = t["highway"]
        default = speeds.get(hw)
        if default is None or not _allowed(t, mode):
            continue
        ms = parse_maxspeed(_tag(t, "maxspeed")) if mode == "drive" else math.nan
        way_speed[i] = min(default, ms) if ms == ms else default
        if mode != "walk":
            ow = _tag(t, "oneway")
            if ow in _ONEWAY_FWD or _tag(t, "junction") in ("roundabout", "circular"):
                way_dir[i] = 1
            elif ow in _ONEWAY_REV:
                way_dir[i] = -1
    used = ~np.isnan(way_speed)
    if not used.any():
        if n_ways == 0:
            why = "no highway=* ways"
        else:
            classes = ways["highway"].astype(str).value_counts().index[:5]
            why = f"{n_ways:,} highway ways ({', '.join(classes)}), none open to {mode}"
        msg = (
            f"{osm.source!r} has no roads usable by mode {mode!r} ({why}); give an OSM extract "
            "that covers the area's roads, or another travel mode"
        )
        raise NoRoadsError(msg)

    counts = np.diff(osm.way_offsets)
    way_of_ref = np.repeat(np.arange(n_ways), counts)
    same_way = way_of_ref[:-1] == way_of_ref[1:]
    seg = np.flatnonzero(same_way & used[way_of_ref[:-1]])
    missing = np.isnan(osm.lon[seg]) | np.isnan(osm.lon[seg + 1])
    n_missing_seg = int(missing.sum())
    seg = seg[~missing]
    if len(seg) == 0:
        msg = (
            f"{osm.source!r} has no complete road segments for mode {mode!r} (the ways' nodes "
            "have no locations); export the extract with complete ways"
        )
        raise NoRoadsError(msg)
    a_ref, b_ref = seg, seg + 1
    w = way_of_ref[seg]

    node_ids, inverse = np.unique(
        np.concatenate([osm.refs[a_ref], osm.refs[b_ref]]), return_inverse=True
    )
    first = np.full(len(node_ids), -1, dtype=np.int64)
    all_pos = np.concatenate([a_ref, b_ref])
    first[inverse[::-1]] = all_pos[::-1]  # any occurrence gives the node's coordinates
    lon, lat = osm.lon[first], osm.lat[first]
    ua, vb = inverse[: len(seg)], inverse[len(seg) :]
    length = geodesic_m(lon[ua], lat[ua], lon[vb], lat[vb])
    time_s = length / (way_speed[w] / 3.6)
    d = way_dir[w]
    fwd = d >= 0
    bwd = d <= 0
    eu = np.concatenate([ua[fwd], vb[bwd]])
    ev = np.concatenate([vb[fwd], ua[bwd]])
    el = np.concatenate([length[fwd], length[bwd]])
    et = np.concatenate([time_s[fwd], time_s[bwd]])
    eh = np.concatenate([ways["highway"].to_numpy()[w][fwd], ways["highway"].to_numpy()[w][bwd]])
    # self-loops carry no routing information
    keep = eu != ev
    eu, ev, el, et, eh = eu[keep], ev[keep], el[keep], et[keep], eh[keep]
    # parallel edges: keep the fastest (a sparse matrix would otherwise *sum* duplicates)
    order = np.lexsort((et, ev, eu))
    eu, ev, el, et, eh = eu[order], ev[order], el[order], et[order], eh[order]
    first_of_pair = np.ones(len(eu), dtype=bool)
    first_of_pair[1:] = (eu[1:] != eu[:-1]) | (ev[1:] != ev[:-1])
    eu, ev, el, et, eh = (a[first_of_pair] for a in (eu, ev, el, et, eh))

    n_all = len(node_ids)
    g = sp.csr_matrix((np.ones(len(eu)), (eu, ev)), shape=(n_all, n_all))
    n_comp, labels = connected_components(g, directed=True, connection="strong")
    keep_node, n_parts, fragment, fragment_parts = _part_cores(g, labels, min_part_nodes)
    new_index = np.full(n_all, -1, dtype=np.int64)
    new_index[keep_node] = np.arange(int(keep_node.sum()))
    keep_edge = keep_node[eu] & keep_node[ev]
    eu, ev = new_index[eu[keep_edge]], new_index[ev[keep_edge]]
    el, et, eh = el[keep_edge], et[keep_edge], eh[keep_edge]
    fragment_lon, fragment_lat = lon[fragment], lat[fragment]
    node_ids, lon, lat = node_ids[keep_node], lon[keep_node], lat[keep_node]

    # road length counted once per undirected pair (before any simplification)
    lo, hi = np.minimum(eu, ev), np.maximum(eu, ev)
    _, uniq = np.unique(lo * len(node_ids) + hi, return_index=True)
    road_km = float(el[uniq].sum() / 1000.0)
    if simplify:
        kept, (eu, ev, el, et, eh) = _simplify_chains(len(node_ids), eu, ev, el, et, eh)
        idx = np.full(len(node_ids), -1, dtype=np.int64)
        idx[kept] = np.arange(int(kept.sum()))
        eu, ev = idx[eu], idx[ev]
        order = np.lexsort((et, ev, eu))
        eu, ev, el, et, eh = eu[order], ev[order], el[order], et[order], eh[order]
        first_of_pair = np.ones(len(eu), dtype=bool)
        first_of_pair[1:] = (eu[1:] != eu[:-1]) | (ev[1:] != ev[:-1])
        eu, ev, el, et, eh = (a[first_of_pair] for a in (eu, ev, el, et, eh))
        node_ids, lon, lat = node_ids[kept], lon[kept], lat[kept]

    epsg = utm_epsg(float(np.median(lon)), float(np.median(lat)))

    x, y = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True).transform(lon, lat)
    stats = NetworkStats(
        ways_read=n_ways,
        ways_used=int(used.sum()),
        segments_missing_nodes=n_missing_seg,
        nodes_total=n_all,
        nodes_dropped=int(n_all - keep_node.sum()),
        components=int(n_comp),
        road_km=road_km,
        simplified=simplify,
        parts=n_parts,
        fragments_dropped=int(fragment_parts),
        fragment_nodes=int(fragment.sum()),
    )
    log.info("built %s network: %d nodes, %d edges", mode, len(node_ids), len(eu))
    return RoadNetwork(
        mode=mode,
        crs=f"EPSG:{epsg}",
        node_ids=node_ids.astype(np.int64),
        lon=lon,
        lat=lat,
        x=np.asarray(x, dtype=np.float64),
        y=np.asarray(y, dtype=np.float64),
        edge_u=eu.astype(np.int64),
        edge_v=ev.astype(np.int64),
        edge_length_m=el,
        edge_time_s=et,
        edge_highway=eh,
        stats=stats,
        source=osm.source,
        fragment_lon=np.asarray(fragment_lon, dtype=np.float64),
        fragment_lat=np.asarray(fragment_lat, dtype=np.float64),
    )


def _part_cores(
    g: sp.csr_matrix, strong: npt.NDArray[np.int32], min_part_nodes: int
) -> tuple[npt.NDArray[np.bool_], int, npt.NDArray[np.bool_], int]:
    """Nodes to keep: the largest strongly connected core of every road system big enough.

    A road system is a weakly connected part of ``g`` (parts are not connected to each other:
    two valleys, an island). Each keeps its largest strongly connected component (ties: the
    lowest label), so every kept node reaches, and is reached from, every node of its part.
    Systems whose core has fewer than ``min_part_nodes`` nodes are fragments and dropped,
    except the largest system, which is always kept.

    Returns
    -------
    keep : ndarray of bool
        Nodes kept.
    parts : int
        Road systems kept.
    fragment : ndarray of bool
        Nodes of the dropped fragments (every node of those systems).
    fragment_parts : int
        Number of dropped fragments.
    """
    n_strong = int(strong.max()) + 1
    _, weak = connected_components(g, directed=True, connection="weak")
    sizes = np.bincount(strong, minlength=n_strong)
    weak_of = np.zeros(n_strong, dtype=np.int64)
    weak_of[strong] = weak
    order = np.lexsort((np.arange(n_strong), -sizes, weak_of))  # per part: largest core first
    first = np.ones(n_strong, dtype=bool)
    first[1:] = weak_of[order[1:]] != weak_of[order[:-1]]
    core = order[first]
    big = sizes[core] >= min_part_nodes
    big[np.argmax(sizes[core])] = True  # the largest system is always kept (ties: lowest label)
    keep_core = np.zeros(n_strong, dtype=bool)
    keep_core[core[big]] = True
    kept_part = np.zeros(int(weak.max()) + 1, dtype=bool)
    kept_part[weak_of[core[big]]] = True
    return keep_core[strong], int(big.sum()), ~kept_part[weak], int((~big).sum())
