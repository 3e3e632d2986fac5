"""Reading OpenStreetMap roads and health facilities straight into arrays.

Files (``.osm.pbf``, ``.osm``, ``.osm.bz2``) are read with pyosmium in one pass, without building
a networkx graph. Ways whose node references are missing from the file (clipped extracts) are kept
where they are complete; segments touching a missing node are dropped and counted.

Three more sources give the same :class:`OsmData`:

* :func:`read_graphml` -- a graph saved with ``osmnx.save_graphml`` (roads only);
* :func:`download_osm` -- an online download (Nominatim + Overpass, through osmnx) for a place name
  or a boundary polygon, cached on disk so a second run works offline;
* :func:`load_osm` -- picks one of the above from what it is given.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import math
import os
import socket
import threading
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from access15.errors import DataDownloadError, InputError

if TYPE_CHECKING:
    from collections.abc import Iterator

    import networkx as nx

__all__ = ["OsmData", "download_osm", "load_osm", "read_graphml", "read_osm"]

log = logging.getLogger(__name__)

_WAY_TAGS = (
    "highway",
    "oneway",
    "junction",
    "maxspeed",
    "access",
    "motor_vehicle",
    "motorcar",
    "vehicle",
    "bicycle",
    "foot",
    "name",
    "ref",
    "bridge",
)
_FACILITY_TAGS = (
    "amenity",
    "healthcare",
    "name",
    "name:zh",
    "name:en",
    "access15:tier",
    "ref",
)
# medical institutions (not pharmacies, dentists or laboratories)
_HEALTH_AMENITIES = frozenset({"hospital", "clinic", "doctors"})
_HEALTH_CARE = frozenset({"hospital", "clinic", "doctor", "centre"})
_OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")
_GRAPHML_SUFFIXES = (".graphml",)
_FACILITY_COLUMNS = ("osm_type", "osm_id", "lon", "lat", *_FACILITY_TAGS)


@dataclass(frozen=True)
class OsmData:
    """Roads and health facilities of one OSM file, as flat arrays.

    Attributes
    ----------
    way_offsets : ndarray of int64, shape (n_ways + 1,)
        Way ``i`` has node references ``refs[way_offsets[i]:way_offsets[i + 1]]``.
    refs, lon, lat : ndarray, shape (n_refs,)
        OSM node id and WGS-84 coordinates (degrees) of every way node; NaN where the file has no
        location for the node (clipped extract).
    ways : DataFrame
        One row per highway way: ``osm_id`` and the routing tags (``highway``, ``oneway``, ...).
    facilities : DataFrame
        One row per health facility (``osm_type``, ``osm_id``, ``lon``, ``lat`` and its tags).
    source : str
        The file read.
    n_missing_refs : int
        Way node references without a location in the file.
    """

    way_offsets: npt.NDArray[np.int64]
    refs: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    ways: pd.DataFrame
    facilities: pd.DataFrame
    source: str
    n_missing_refs: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __repr__(self) -> str:
        return (
            f"OsmData({self.source!r}: {len(self.ways):,} highway ways, "
            f"{len(self.refs):,} way nodes, {len(self.facilities):,} health facilities, "
            f"{self.n_missing_refs:,} missing node refs)"
        )


def _check_path(path: Path) -> None:
    if not path.exists():
        msg = f"OSM file {str(path)!r} not found; give a .osm.pbf, .osm or .osm.bz2 file"
        raise InputError(msg)
    if not path.is_file():
        msg = f"OSM path {str(path)!r} is not a file; give a .osm.pbf, .osm or .osm.bz2 file"
        raise InputError(msg)
    if path.stat().st_size == 0:
        msg = f"OSM file {str(path)!r} is empty; download or export the extract again"
        raise InputError(msg)
    if not path.name.lower().endswith(_OSM_SUFFIXES):
        msg = (
            f"OSM file {str(path)!r} has an unknown extension; "
            "use .osm.pbf, .osm or .osm.bz2 (or .graphml)"
        )
        raise InputError(msg)


def read_osm(path: str | Path) -> OsmData:
    """Read highway ways and health facilities of an OSM file into arrays.

    Parameters
    ----------
    path : str or Path
        ``.osm.pbf``, ``.osm`` or ``.osm.bz2`` file.

    Returns
    -------
    OsmData

    Raises
    ------
    InputError
        If the file is missing, empty, of an unknown type or not readable as OSM data.
    """
    import osmium  # local import keeps `import access15` fast

    p = Path(path)
    _check_path(p)

    offsets: list[int] = [0]
    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    way_rows: list[tuple] = []
    fac_rows: list[dict] = []
    nan = math.nan

    fp = (
        osmium.FileProcessor(str(p))
        .with_locations()
        # multipolygon relations (hospital campuses) come back as areas; closed ways are
        # handled as ways below, so only relation areas are used
        .with_areas(osmium.filter.KeyFilter("amenity", "healthcare", "access15:tier"))
        .with_filter(osmium.filter.KeyFilter("highway", "amenity", "healthcare", "access15:tier"))
    )
    try:
        for obj in fp:
            tags = obj.tags
            amenity = tags.get("amenity")
            healthcare = tags.get("healthcare")
            is_health = (
                amenity in _HEALTH_AMENITIES
                or healthcare in _HEALTH_CARE
                or "access15:tier" in tags
            )
            if obj.is_way():
                highway = tags.get("highway")
                if highway is not None and not is_health:
                    for n in obj.nodes:
                        loc = n.location
                        refs.append(n.ref)
                        if loc.valid():
                            lons.append(loc.lon)
                            lats.append(loc.lat)
                        else:
                            lons.append(nan)
                            lats.append(nan)
                    offsets.append(len(refs))
                    way_rows.append((obj.id, *(tags.get(k) for k in _WAY_TAGS)))
                elif is_health:
                    pts = [
                        (n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()
                    ]
                    if pts:
                        arr = np.asarray(pts)
                        # closed way: drop the repeated last node before averaging
                        if len(arr) > 2 and obj.nodes[0].ref == obj.nodes[len(obj.nodes) - 1].ref:
                            arr = arr[:-1]
                        lon, lat = arr.mean(axis=0)
                        fac_rows.append(_facility_row("way", obj.id, lon, lat, tags))
            elif obj.is_node() and is_health and obj.location.valid():
                fac_rows.append(
                    _facility_row("node", obj.id, obj.location.lon, obj.location.lat, tags)
                )
            elif obj.is_area() and is_health and not obj.from_way():
                pts = [
                    (n.lon, n.lat)
                    for ring in obj.outer_rings()
                    for n in list(ring)[:-1]
                    if n.location.valid()
                ]
                if pts:
                    lon, lat = np.asarray(pts).mean(axis=0)
                    fac_rows.append(_facility_row("relation", obj.orig_id(), lon, lat, tags))
    except RuntimeError as exc:  # libosmium parse errors surface as RuntimeError
        msg = f"cannot read OSM file {str(p)!r} ({exc}); is it a complete, uncorrupted extract?"
        raise InputError(msg) from None

    refs_a = np.asarray(refs, dtype=np.int64)
    lon_a = np.asarray(lons, dtype=np.float64)
    lat_a = np.asarray(lats, dtype=np.float64)
    n_missing = int(np.isnan(lon_a).sum())
    notes: list[str] = []
    if n_missing:
        note = (
            f"{n_missing:,} way node references have no location in {p.name} (clipped extract); "
            "road segments touching them are dropped"
        )
        notes.append(note)
        warnings.warn(note, stacklevel=2)
    ways = pd.DataFrame(way_rows, columns=["osm_id", *_WAY_TAGS])
    facilities = pd.DataFrame(fac_rows, columns=list(_FACILITY_COLUMNS))
    log.info("read %s: %d highway ways, %d facilities", p, len(ways), len(facilities))
    return OsmData(
        way_offsets=np.asarray(offsets, dtype=np.int64),
        refs=refs_a,
        lon=lon_a,
        lat=lat_a,
        ways=ways,
        facilities=facilities,
        source=str(p),
        n_missing_refs=n_missing,
        notes=tuple(notes),
    )


def _facility_row(osm_type: str, osm_id: int, lon: float, lat: float, tags: object) -> dict:
    row: dict = {"osm_type": osm_type, "osm_id": int(osm_id), "lon": float(lon), "lat": float(lat)}
    for k in _FACILITY_TAGS:
        row[k] = tags.get(k)  # type: ignore[attr-defined]
    return row


# --------------------------------------------------------------------------------------------
# networkx / osmnx graphs (GraphML files and online downloads)
# --------------------------------------------------------------------------------------------


def _is_null(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _tag(value: object, *, first: bool = False) -> str | None:
    """Convert an edge attribute to an OSM tag value.

    osmnx merges the attributes of the ways it simplifies into lists: ``first`` keeps the first
    value (used for ``highway``, which must be one class), otherwise the distinct values are
    joined with ``";"`` as OSM does for multiple values (``parse_maxspeed`` then takes the lowest).
    """
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        parts = list(dict.fromkeys(t for t in (_tag(v) for v in items) if t is not None))
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
    if isinstance(geometry, str):
        import shapely

        try:
            geometry = shapely.from_wkt(geometry)
        except Exception:  # shapely raises GEOSException for bad WKT
            msg = f"edge geometry {geometry[:40]!r} in {source!r} is not valid WKT"
            raise InputError(msg) from None
    if getattr(geometry, "geom_type", None) != "LineString":
        return []
    coords = [(float(c[0]), float(c[1])) for c in geometry.coords]  # type: ignore[attr-defined]
    if len(coords) < 3:
        return []
    d0 = (coords[0][0] - start[0]) ** 2 + (coords[0][1] - start[1]) ** 2
    d1 = (coords[-1][0] - start[0]) ** 2 + (coords[-1][1] - start[1]) ** 2
    if d1 < d0:
        coords.reverse()
    return coords[1:-1]


@dataclass
class _Parts:
    """OsmData contents as plain Python values (what the download cache stores)."""

    way_offsets: npt.NDArray[np.int64]
    refs: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    way_rows: list[list]
    facility_rows: list[list]

    def to_osm(self, source: str, notes: tuple[str, ...]) -> OsmData:
        return OsmData(
            way_offsets=self.way_offsets,
            refs=self.refs,
            lon=self.lon,
            lat=self.lat,
            ways=pd.DataFrame(self.way_rows, columns=["osm_id", *_WAY_TAGS]),
            facilities=pd.DataFrame(self.facility_rows, columns=list(_FACILITY_COLUMNS)),
            source=source,
            n_missing_refs=int(np.isnan(self.lon).sum()),
            notes=notes,
        )


def _graph_parts(graph: nx.MultiDiGraph, source: str) -> _Parts:
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
            way_id = int(osmid)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            way_id = -(i + 1)
        tags = [
            oneway if k == "oneway" else _tag(d.get(k), first=k == "highway") for k in _WAY_TAGS
        ]
        rows.append([way_id, *tags])
    return _Parts(
        way_offsets=np.asarray(offsets, dtype=np.int64),
        refs=np.asarray(refs, dtype=np.int64),
        lon=np.asarray(lons, dtype=np.float64),
        lat=np.asarray(lats, dtype=np.float64),
        way_rows=rows,
        facility_rows=[],
    )


def _to_wgs84(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    crs = graph.graph.get("crs")
    if crs is None:
        return graph
    from pyproj import CRS

    if CRS.from_user_input(crs).equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return graph
    import osmnx as ox

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
    if not p.name.lower().endswith(_GRAPHML_SUFFIXES):
        msg = f"{what} does not end in .graphml; give a graph saved with osmnx.save_graphml"
        raise InputError(msg)
    import osmnx as ox

    try:
        try:
            graph = ox.load_graphml(p)
        except ValueError:
            # graphs saved with osmnx's all_oneway=True keep OSM strings in `oneway`
            graph = ox.load_graphml(p, edge_dtypes={"oneway": str, "reversed": str})
        graph = _to_wgs84(graph)
    except Exception as exc:  # networkx/osmnx raise many types for files that are not graphs
        msg = (
            f"cannot read {what} ({type(exc).__name__}: {str(exc)[:80]}); "
            "is it a graph saved with osmnx.save_graphml?"
        )
        raise InputError(" ".join(msg.split())) from None
    parts = _graph_parts(graph, str(p))
    log.info("read %s: %d edges as %d ways", p, graph.number_of_edges(), len(parts.way_rows))
    note = "GraphML road graphs have no health facilities; give facilities separately"
    return parts.to_osm(str(p), (note,))


# --------------------------------------------------------------------------------------------
# online download (osmnx: Nominatim + Overpass) with an on-disk cache
# --------------------------------------------------------------------------------------------

_CACHE_FORMAT = "access15-osm-cache-1"
_DOWNLOAD_LOCK = threading.RLock()  # osmnx settings are process-global
_PROBE_TIMEOUT_S = 3.0
_HIGHWAY_FILTER = '["highway"]'


@dataclass(frozen=True)
class _Query:
    kind: str  # "place" or "polygon"
    key: str  # normalized text; its SHA-256 names the cache files
    label: str  # for messages and OsmData.source
    place: str | None = None
    polygon: Any = None

    @property
    def described(self) -> str:
        return f"place {self.label!r}" if self.kind == "place" else f"polygon {self.label}"


def _default_cache_dir() -> Path:
    """Where downloads are cached: ``$ACCESS15_CACHE``, else ``~/.cache/access15``."""
    env = os.environ.get("ACCESS15_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "access15"


def _as_wgs84_polygon(obj: object) -> Any:
    import geopandas as gpd
    import shapely
    from shapely.geometry.base import BaseGeometry

    if isinstance(obj, gpd.GeoDataFrame | gpd.GeoSeries):
        if len(obj) == 0:
            msg = "the boundary has no features; give a polygon of the study area"
            raise InputError(msg)
        if obj.crs is not None:
            obj = obj.to_crs("EPSG:4326")
        geoms = obj.geometry if isinstance(obj, gpd.GeoDataFrame) else obj
        geom = shapely.union_all(np.asarray(geoms.to_numpy(), dtype=object))
    elif isinstance(obj, BaseGeometry):
        geom = obj
    else:
        msg = (
            f"cannot use a {type(obj).__name__} as OSM source; give an .osm.pbf/.graphml file, "
            "a place name, or a (Multi)Polygon in WGS-84 lon/lat"
        )
        raise InputError(msg)
    if not geom.is_empty and not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type == "GeometryCollection":
        polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(polys) if polys else geom
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        kind = "an empty geometry" if geom.is_empty else f"a {geom.geom_type}"
        msg = f"the boundary is {kind}; give a Polygon or MultiPolygon of the study area"
        raise InputError(msg)
    w, s, e, n = geom.bounds
    if not (-180.0 <= w <= e <= 180.0 and -90.0 <= s <= n <= 90.0):
        msg = (
            f"boundary bounds ({w:.6g}, {s:.6g}, {e:.6g}, {n:.6g}) are not WGS-84 lon/lat "
            "degrees; reproject the boundary to EPSG:4326"
        )
        raise InputError(msg)
    return geom


def _parse_query(query: object) -> _Query:
    if isinstance(query, str):
        name = " ".join(unicodedata.normalize("NFKC", query).split())
        if not name:
            msg = "empty place name; give a place such as 'Anlan County' or a boundary polygon"
            raise InputError(msg)
        return _Query("place", f"place\n{name.casefold()}", name, place=name)
    import shapely

    poly = _as_wgs84_polygon(query)
    wkt = shapely.to_wkt(shapely.normalize(poly), rounding_precision=7, trim=True)
    w, s, e, n = poly.bounds
    return _Query("polygon", f"polygon\n{wkt}", f"{w:.5f},{s:.5f},{e:.5f},{n:.5f}", polygon=poly)


def _cache_paths(cache_dir: Path, query: _Query) -> tuple[Path, Path]:
    digest = hashlib.sha256(f"{_CACHE_FORMAT}\n{query.key}".encode()).hexdigest()
    return cache_dir / f"osm-{digest}.npz", cache_dir / f"osm-{digest}.json"


def _source_of(query: _Query) -> str:
    return f"{query.kind}:{query.label}"


def _read_cache(cache_dir: Path, query: _Query) -> OsmData | None:
    npz_path, json_path = _cache_paths(cache_dir, query)
    if not (npz_path.is_file() and json_path.is_file()):
        return None
    try:
        meta = json.loads(json_path.read_text(encoding="utf-8"))
        if meta.get("format") != _CACHE_FORMAT or meta.get("key") != query.key:
            return None
        with np.load(npz_path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in ("way_offsets", "refs", "lon", "lat")}
        parts = _Parts(
            way_offsets=arrays["way_offsets"].astype(np.int64),
            refs=arrays["refs"].astype(np.int64),
            lon=arrays["lon"].astype(np.float64),
            lat=arrays["lat"].astype(np.float64),
            way_rows=meta["ways"],
            facility_rows=meta["facilities"],
        )
        n_refs = len(parts.refs)
        if (
            len(parts.way_offsets) != len(parts.way_rows) + 1
            or parts.way_offsets[-1] != n_refs
            or len(parts.lon) != n_refs
            or len(parts.lat) != n_refs
        ):
            msg = "array lengths disagree"
            raise ValueError(msg)
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("ignoring unreadable download cache %s (%s)", npz_path, exc)
        return None
    log.info("read %s from cache %s", query.label, npz_path)
    notes = (*meta.get("notes", ()), f"read from the download cache {npz_path}")
    return parts.to_osm(_source_of(query), tuple(notes))


def _write_cache(
    cache_dir: Path, query: _Query, parts: _Parts, notes: tuple[str, ...], info: dict
) -> Path | None:
    npz_path, json_path = _cache_paths(cache_dir, query)
    tag = f".{os.getpid()}.{threading.get_ident()}.tmp"
    meta = {
        "format": _CACHE_FORMAT,
        "key": query.key,
        "kind": query.kind,
        "label": query.label,
        **info,
        "notes": list(notes),
        "ways": parts.way_rows,
        "facilities": parts.facility_rows,
    }
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = npz_path.with_name(npz_path.name + tag)
        with tmp.open("wb") as f:
            np.savez_compressed(
                f, way_offsets=parts.way_offsets, refs=parts.refs, lon=parts.lon, lat=parts.lat
            )
        tmp.replace(npz_path)
        tmp = json_path.with_name(json_path.name + tag)
        tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        tmp.replace(json_path)  # written last: its presence marks a complete entry
    except OSError as exc:
        log.warning("could not write the download cache in %s (%s)", cache_dir, exc)
        return None
    return npz_path


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc or url


def _reachable(url: str) -> bool:
    """Whether a TCP connection to the host of ``url`` opens (True when behind a proxy)."""
    from urllib.parse import urlsplit

    import osmnx as ox
    import requests

    if ox.settings.requests_kwargs.get("proxies") or requests.utils.get_environ_proxies(url):
        return True  # cannot probe through a proxy; let requests try
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=_PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def _osmnx_session(http_cache: Path, *, unreachable: bool) -> Iterator[Any]:
    """Configure osmnx for one download and restore its global state afterwards.

    Turns on osmnx's HTTP cache in ``http_cache`` and asks for every routing tag. When a server
    did not answer a quick probe, skips the Overpass slot check (whose fallback is a 60 s sleep)
    and DNS-over-HTTPS, so a cached request is still answered and an uncached one fails fast.
    osmnx also replaces ``socket.getaddrinfo`` to pin the Overpass host; that is undone too.
    """
    import osmnx as ox

    s = ox.settings
    names = (
        "use_cache",
        "cache_folder",
        "cache_only_mode",
        "useful_tags_way",
        "overpass_rate_limit",
        "doh_url_template",
    )
    saved = {name: getattr(s, name) for name in names}
    saved_getaddrinfo = socket.getaddrinfo
    try:
        s.use_cache = True
        s.cache_folder = str(http_cache)
        s.cache_only_mode = False
        s.useful_tags_way = list(dict.fromkeys([*saved["useful_tags_way"], *_WAY_TAGS]))
        if unreachable:
            s.overpass_rate_limit = False
            s.doh_url_template = None
        yield ox
    finally:
        for name, value in saved.items():
            setattr(s, name, value)
        socket.getaddrinfo = saved_getaddrinfo


def _is_empty_answer(exc: Exception) -> bool:
    text = str(exc)
    return any(
        m in text for m in ("No data elements", "No matching features", "no graph nodes within")
    )


def _facility_parts(gdf: Any) -> list[list]:
    """Health facilities of an ``osmnx.features`` GeoDataFrame: points, or area centroids."""
    import shapely

    if len(gdf) == 0:
        return []
    geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    pts = shapely.centroid(geoms)  # a point is its own centroid; no geographic-CRS warning
    columns = set(gdf.columns)
    rows = []
    records = gdf.drop(columns="geometry").to_dict("records")
    for (osm_type, osm_id), rec, pt in zip(gdf.index, records, pts, strict=True):
        if not (rec.get("amenity") in _HEALTH_AMENITIES or rec.get("healthcare") in _HEALTH_CARE):
            continue
        tags = [_tag(rec.get(k)) if k in columns else None for k in _FACILITY_TAGS]
        rows.append([str(osm_type), int(osm_id), float(pt.x), float(pt.y), *tags])
    order = {"node": 0, "way": 1, "relation": 2}
    rows.sort(key=lambda r: (order.get(r[0], 3), r[1]))
    return rows


def _download(query: _Query, http_cache: Path) -> tuple[_Parts, tuple[str, ...], dict, bool]:
    import osmnx as ox
    import requests
    import shapely

    errors = ox._errors
    urls = [ox.settings.overpass_url]
    if query.kind == "place":
        urls.insert(0, ox.settings.nominatim_url)
    unreachable = not all(_reachable(u) for u in urls)
    notes: list[str] = []
    with _osmnx_session(http_cache, unreachable=unreachable):
        try:
            polygon = query.polygon
            if query.kind == "place":
                try:
                    gdf = ox.geocode_to_gdf(query.place)
                except errors.InsufficientResponseError as exc:
                    if "0 results" not in str(exc):
                        raise
                    msg = (
                        f"place {query.place!r} not found by the geocoder; "
                        "check the spelling or pass a boundary file"
                    )
                    raise InputError(msg) from None
                except TypeError as exc:
                    if "Polygon" not in str(exc):
                        raise
                    msg = (
                        f"place {query.place!r} is only a point for the geocoder, not an area; "
                        "name a county or township, or pass a boundary file"
                    )
                    raise InputError(msg) from None
                polygon = _as_wgs84_polygon(gdf.geometry.iloc[0])
                found = gdf["display_name"].iloc[0] if "display_name" in gdf.columns else ""
                notes.append(f"Nominatim found {query.place!r} as {found!r}")
            try:
                graph = ox.graph_from_polygon(
                    polygon,
                    custom_filter=_HIGHWAY_FILTER,
                    simplify=False,
                    retain_all=True,
                    truncate_by_edge=True,
                )
            except ValueError as exc:  # InsufficientResponseError is a ValueError
                if not _is_empty_answer(exc):
                    raise
                graph = None
            try:
                features = ox.features_from_polygon(
                    polygon,
                    tags={"amenity": sorted(_HEALTH_AMENITIES), "healthcare": sorted(_HEALTH_CARE)},
                )
            except ValueError as exc:
                if not _is_empty_answer(exc):
                    raise
                features = None
        except requests.exceptions.RequestException as exc:
            url = getattr(exc.request, "url", None) or ""
            server = "Nominatim" if url.startswith(ox.settings.nominatim_url) else "Overpass"
            timeout = isinstance(exc, requests.exceptions.Timeout)
            why = "timed out talking to" if timeout else "no connection to"
            msg = (
                f"could not download OSM data for {query.described} ({why} the {server} "
                f"server {_host(url)}) and nothing is cached; download once online, "
                "or pass an .osm.pbf with --osm"
            )
            raise DataDownloadError(msg) from exc
        except (errors.ResponseStatusCodeError, errors.InsufficientResponseError) as exc:
            detail = " ".join(str(exc).split())[:100]
            msg = (
                f"could not download OSM data for {query.described}: the server answered with an "
                f"error ({detail}); try again later, or pass an .osm.pbf with --osm"
            )
            raise DataDownloadError(msg) from exc
    if graph is None:
        parts = _Parts(
            way_offsets=np.zeros(1, dtype=np.int64),
            refs=np.zeros(0, dtype=np.int64),
            lon=np.zeros(0, dtype=np.float64),
            lat=np.zeros(0, dtype=np.float64),
            way_rows=[],
            facility_rows=[],
        )
        notes.append(f"OpenStreetMap has no highway ways in the {query.described}")
    else:
        parts = _graph_parts(graph, _source_of(query))
    parts.facility_rows = [] if features is None else _facility_parts(features)
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    notes.append(f"downloaded {today} from {ox.settings.overpass_url} with osmnx {ox.__version__}")
    info = {
        "downloaded": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "overpass_url": ox.settings.overpass_url,
        "nominatim_url": ox.settings.nominatim_url if query.kind == "place" else None,
        "osmnx": ox.__version__,
        "polygon_wkt": shapely.to_wkt(polygon, rounding_precision=7),
    }
    return parts, tuple(notes), info, graph is not None


def download_osm(query: Any, *, cache_dir: str | Path | None = None) -> OsmData:
    """Download roads and health facilities of an area from OpenStreetMap, with a disk cache.

    The area is a place name (geocoded to its boundary by Nominatim through
    ``osmnx.geocode_to_gdf``) or a boundary. Roads are every ``highway`` way, fetched from Overpass
    with ``osmnx.graph_from_polygon`` (unsimplified; ways crossing the boundary are kept up to
    their first node outside it) and converted as by :func:`read_graphml`: one way per road
    segment, node ids and coordinates as in OSM. Health facilities (``amenity`` =
    hospital/clinic/doctors, ``healthcare`` = hospital/clinic/doctor/centre) come from
    ``osmnx.features_from_polygon``: nodes as points, ways and relations at their centroid.

    The result is saved as ``osm-<sha256>.npz`` (arrays) plus ``osm-<sha256>.json`` (tables and
    provenance) in ``cache_dir``, named by the SHA-256 of the normalized query (place name
    NFKC-normalized, whitespace-collapsed and case-folded; polygon as normalized WKT at 1e-7
    degrees); the same query is then answered from there without any network access. osmnx's
    own HTTP cache goes to ``cache_dir/osmnx-http``. The endpoints are osmnx's settings
    (``osmnx.settings.nominatim_url``, ``overpass_url``); settings changed for the download are
    restored afterwards.

    Parameters
    ----------
    query : str, shapely Polygon/MultiPolygon, GeoDataFrame or GeoSeries
        Place name, or boundary in WGS-84 lon/lat (a GeoDataFrame/GeoSeries is reprojected from
        its CRS and its features are dissolved).
    cache_dir : str or Path, optional
        Cache folder; default ``$ACCESS15_CACHE`` or ``~/.cache/access15``.

    Returns
    -------
    OsmData
        ``source`` is ``"place:<name>"`` or ``"polygon:<west>,<south>,<east>,<north>"``.

    Raises
    ------
    InputError
        If the place is unknown to the geocoder or the boundary is not a lon/lat polygon.
    DataDownloadError
        If the servers cannot be reached (or answer with an error) and nothing is cached.
    """
    q = _parse_query(query)
    cdir = Path(cache_dir).expanduser() if cache_dir is not None else _default_cache_dir()
    cached = _read_cache(cdir, q)
    if cached is not None:
        return cached
    http_cache = cdir / "osmnx-http"
    with _DOWNLOAD_LOCK:
        parts, notes, info, has_roads = _download(q, http_cache)
    if has_roads:  # an empty answer may be an Overpass hiccup: ask again next time
        _write_cache(cdir, q, parts, notes, info)
    log.info(
        "downloaded %s: %d highway ways, %d facilities",
        q.label,
        len(parts.way_rows),
        len(parts.facility_rows),
    )
    return parts.to_osm(_source_of(q), notes)


def load_osm(source: Any, *, cache_dir: str | Path | None = None) -> OsmData:
    """Read or download OSM roads and facilities, whatever form ``source`` takes.

    * an existing ``.graphml`` file → :func:`read_graphml`;
    * any other existing file → :func:`read_osm` (``.osm.pbf``, ``.osm``, ``.osm.bz2``);
    * a shapely (Multi)Polygon, GeoDataFrame or GeoSeries → :func:`download_osm` of that area;
    * a ``str`` that is not an existing file and does not look like a path → a place name for
      :func:`download_osm`;
    * an :class:`OsmData` is returned as is.

    Parameters
    ----------
    source : str, Path, shapely geometry, GeoDataFrame, GeoSeries or OsmData
    cache_dir : str or Path, optional
        Download cache folder (see :func:`download_osm`).

    Returns
    -------
    OsmData

    Raises
    ------
    InputError
        If a path-like ``source`` (a ``Path``, a name ending in an OSM/GraphML suffix, or one
        containing a path separator) does not exist, or as raised by the reader chosen.
    DataDownloadError
        As raised by :func:`download_osm`.

    Examples
    --------
    >>> load_osm("no/such/county.osm.pbf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    access15.errors.InputError: OSM file 'no/such/county.osm.pbf' not found; ...
    """
    if isinstance(source, OsmData):
        return source
    if isinstance(source, str | os.PathLike):
        text = os.fsdecode(source)
        path = Path(text)
        with contextlib.suppress(RuntimeError):  # "~user" of an unknown user
            path = path.expanduser()
        lower = path.name.lower()
        try:
            is_file, exists = path.is_file(), path.exists()
        except (OSError, ValueError):  # name too long, NUL byte: not a file
            is_file = exists = False
        if is_file:
            return read_graphml(path) if lower.endswith(_GRAPHML_SUFFIXES) else read_osm(path)
        looks_like_path = (
            not isinstance(source, str)
            or lower.endswith(_OSM_SUFFIXES + _GRAPHML_SUFFIXES)
            or "/" in text
            or "\\" in text
            or os.sep in text
        )
        if looks_like_path:
            state = "is not a file" if exists else "not found"
            msg = (
                f"OSM file {text!r} {state}; give an .osm.pbf, .osm, .osm.bz2 or .graphml "
                "file, a place name or a boundary polygon"
            )
            raise InputError(msg)
        return download_osm(text, cache_dir=cache_dir)
    return download_osm(source, cache_dir=cache_dir)
