"""Road graphs saved with ``osmnx.save_graphml`` (osmnx graphs in general) as :class:`OsmData`.

osmnx stores each OSM way as directed edges with merged, typed attributes; :func:`graph_parts`
turns such a graph back into one way per road segment with OSM-style tag strings, so the network
routes the same as one built from the OSM file the graph was made from.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from pyproj import CRS

from access15.errors import InputError
from access15.io.osm.data import GRAPHML_SUFFIXES, WAY_TAGS, OsmData, WayParts

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["graph_parts", "read_graphml", "tag_text"]

log = logging.getLogger(__name__)


def _is_null(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def tag_text(value: object, *, first: bool = False) -> str | None:
    """Convert an edge attribute to an OSM tag value.

    osmnx merges the attributes of the ways it simplifies into lists: ``first`` keeps the first
    value (used for ``highway``, which must be one class), otherwise the distinct values are
    joined with ``";"`` as OSM does for multiple values (``parse_maxspeed`` then takes the lowest).
    """
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        parts = list(dict.fromkeys(t for t in (tag_text(v) for v in items) if t is not None))
        if not parts:
            return None
        return parts[0] if first else ";".join(parts)
    if _is_null(value):
        return None
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _oneway_tag(value: object) -> str | None:
    """OSM ``oneway`` tag of one osmnx edge ``u -> v``.

    osmnx has already turned every OSM way into directed edges along the direction(s) of travel
    (``oneway=-1`` ways reversed, two-way roads as the pair ``u -> v`` and ``v -> u``) and stores
    ``oneway`` as a bool: ``True`` becomes ``"yes"`` (travel only ``u -> v``), ``False`` becomes
    ``"no"``. A list (merged by simplification) is ``"no"`` only if every part is two-way.
    Strings are OSM values kept by osmnx's ``all_oneway`` setting; ``"-1"``/``"reverse"`` then
    become ``"yes"`` because osmnx has already reversed the nodes of such ways.
    """
    if isinstance(value, list | tuple):
        tags = [_oneway_tag(v) for v in value]
        if all(t is None for t in tags):
            return None
        return "no" if all(t in (None, "no") for t in tags) else "yes"
    if _is_null(value):
        return None
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    text = str(value).strip()
    low = text.lower()
    if low in ("true", "-1", "reverse"):
        return "yes"
    if low == "false":
        return "no"
    return text


def _all_true(value: object) -> bool:
    if isinstance(value, list | tuple):
        return len(value) > 0 and all(_all_true(v) for v in value)
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True or value is np.True_


def _osmids(value: object) -> frozenset[str]:
    items = value if isinstance(value, list | tuple | set | frozenset) else [value]
    return frozenset(str(v) for v in items)


def _has_forward_twin(graph: nx.MultiDiGraph, u: Any, v: Any, data: dict) -> bool:
    """Whether the two-way edge ``u -> v`` flagged ``reversed`` has its forward twin ``v -> u``."""
    if not graph.has_edge(v, u):
        return False
    ids = _osmids(data.get("osmid"))
    return any(
        _oneway_tag(e.get("oneway")) == "no"
        and not _all_true(e.get("reversed"))
        and _osmids(e.get("osmid")) == ids
        for e in graph[v][u].values()
    )


def _interior_coords(
    geometry: object, start: tuple[float, float], source: str
) -> list[tuple[float, float]]:
    """Interior points of an edge ``geometry`` (LineString or WKT), oriented from ``start``."""
    if _is_null(geometry):
        return []
    geom = geometry
    if isinstance(geometry, str):
        try:
            geom = shapely.from_wkt(geometry)
        except Exception:  # shapely raises GEOSException for bad WKT
            msg = f"edge geometry {geometry[:40]!r} in {source!r} is not valid WKT"
            raise InputError(msg) from None
    if not isinstance(geom, shapely.LineString) or geom.geom_type != "LineString":
        return []
    coords = [(float(c[0]), float(c[1])) for c in geom.coords]
    if len(coords) < 3:
        return []
    d0 = (coords[0][0] - start[0]) ** 2 + (coords[0][1] - start[1]) ** 2
    d1 = (coords[-1][0] - start[0]) ** 2 + (coords[-1][1] - start[1]) ** 2
    if d1 < d0:
        coords.reverse()
    return coords[1:-1]


def graph_parts(graph: nx.MultiDiGraph, source: str) -> WayParts:
    """Ways of an osmnx-style graph: one way per edge, each two-way road once.

    Every edge ``(u, v, key)`` becomes a way ``u, [interior points], v``. Interior points come
    from the edge ``geometry`` of simplified graphs; they are not graph nodes, so they get
    synthetic *negative* node ids (one per distinct coordinate, shared by the two directions of a
    road). A two-way road, stored by osmnx as ``u -> v`` plus ``v -> u`` (``reversed=True``), is
    emitted once as a two-way way; one-way edges keep ``oneway="yes"`` in the edge direction.
    """
    node_xy: dict[Any, tuple[int, float, float]] = {}
    for n, d in graph.nodes(data=True):
        try:
            node_xy[n] = (int(n), float(d["x"]), float(d["y"]))
        except (KeyError, TypeError, ValueError):
            msg = (
                f"graph node {n!r} in {source!r} has no integer id with x/y coordinates; "
                "save the graph with osmnx.save_graphml"
            )
            raise InputError(msg) from None
    next_id = min(0, min((v[0] for v in node_xy.values()), default=0)) - 1
    synthetic: dict[tuple[float, float], int] = {}
    offsets: list[int] = [0]
    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    rows: list[list] = []
    for i, (u, v, d) in enumerate(graph.edges(data=True)):
        oneway = _oneway_tag(d.get("oneway"))
        if oneway == "no" and _all_true(d.get("reversed")) and _has_forward_twin(graph, u, v, d):
            continue  # the reverse twin of a two-way road emitted as v -> u
        uid, ux, uy = node_xy[u]
        vid, vx, vy = node_xy[v]
        refs.append(uid)
        lons.append(ux)
        lats.append(uy)
        for x, y in _interior_coords(d.get("geometry"), (ux, uy), source):
            key = (round(x, 7), round(y, 7))
            sid = synthetic.get(key)
            if sid is None:
                sid = synthetic[key] = next_id
                next_id -= 1
            refs.append(sid)
            lons.append(x)
            lats.append(y)
        refs.append(vid)
        lons.append(vx)
        lats.append(vy)
        offsets.append(len(refs))
        osmid = d.get("osmid")
        if isinstance(osmid, list | tuple):
            osmid = osmid[0] if len(osmid) else None
        try:
            way_id = int(osmid)
        except (TypeError, ValueError):
            way_id = -(i + 1)
        tags = [
            oneway if k == "oneway" else tag_text(d.get(k), first=k == "highway") for k in WAY_TAGS
        ]
        rows.append([way_id, *tags])
    return WayParts(
        way_offsets=np.asarray(offsets, dtype=np.int64),
        refs=np.asarray(refs, dtype=np.int64),
        lon=np.asarray(lons, dtype=np.float64),
        lat=np.asarray(lats, dtype=np.float64),
        way_rows=rows,
        facility_rows=[],
    )


def _graph_to_wgs84(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Return the graph in WGS-84 lon/lat (projected graphs are converted back with osmnx)."""
    crs = graph.graph.get("crs")
    if crs is None or CRS.from_user_input(crs).equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return graph
    import osmnx as ox  # noqa: PLC0415  (heavy: seconds to import; only for projected graphs)

    return ox.projection.project_graph(graph, to_crs="EPSG:4326")


def read_graphml(path: str | Path) -> OsmData:
    """Read a road graph saved with ``osmnx.save_graphml`` into arrays.

    Each edge ``(u, v, key)`` becomes one way ``u -> v``; graph nodes keep their OSM ids. Edges of
    simplified graphs keep their interior points (from the edge ``geometry``) as nodes with
    synthetic negative ids. Tags come from the edge attributes (``highway``, ``maxspeed``,
    ``name``, ``access``, ...); attributes osmnx merged into lists while simplifying are joined
    with ``";"`` (``highway``: the first value). ``oneway`` follows osmnx's edges: ``True`` is
    ``"yes"`` in the edge direction; a two-way road (osmnx stores it as ``u -> v`` and
    ``v -> u``) is emitted once as a two-way way. The network routes the same as one built
    from the OSM file the graph was made from. A projected graph is converted back to WGS-84.

    A simplified graph merges the tags of the ways along an edge, so a merged ``maxspeed`` of
    ``"40;60"`` slows the whole edge to 40 km/h; simplify with
    ``edge_attrs_differ=["highway", "maxspeed", "oneway", "access"]`` to keep such edges apart.

    Graphs made with a bidirectional osmnx network type (``"walk"``) have no one-way streets, so
    a drive network built from them ignores one-way restrictions.

    Parameters
    ----------
    path : str or Path
        ``.graphml`` file.

    Returns
    -------
    OsmData
        With no health facilities (GraphML road graphs carry none).

    Raises
    ------
    InputError
        If the file is missing, empty, not ``.graphml`` or not a readable osmnx graph.
    """
    p = Path(path)
    what = f"GraphML file {str(p)!r}"
    if not p.is_file():
        state = "is not a file" if p.exists() else "not found"
        msg = f"{what} {state}; give a graph saved with osmnx.save_graphml"
        raise InputError(msg)
    if p.stat().st_size == 0:
        msg = f"{what} is empty; save the graph again with osmnx.save_graphml"
        raise InputError(msg)
    if not p.name.lower().endswith(GRAPHML_SUFFIXES):
        msg = f"{what} does not end in .graphml; give a graph saved with osmnx.save_graphml"
        raise InputError(msg)
    import osmnx as ox  # noqa: PLC0415  (heavy: seconds to import; only for GraphML files)

    try:
        try:
            graph = ox.load_graphml(p)
        except ValueError:
            # graphs saved with osmnx's all_oneway=True keep OSM strings in `oneway`
            graph = ox.load_graphml(p, edge_dtypes={"oneway": str, "reversed": str})
        graph = _graph_to_wgs84(graph)
    except Exception as exc:  # networkx/osmnx raise many types for files that are not graphs
        msg = (
            f"cannot read {what} ({type(exc).__name__}: {str(exc)[:80]}); "
            "is it a graph saved with osmnx.save_graphml?"
        )
        raise InputError(" ".join(msg.split())) from None
    parts = graph_parts(graph, str(p))
    log.info("read %s: %d edges as %d ways", p, graph.number_of_edges(), len(parts.way_rows))
    note = "GraphML road graphs have no health facilities; give facilities separately"
    return parts.to_osm(str(p), (note,))
