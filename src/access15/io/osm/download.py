"""Online download of OSM roads and health facilities (osmnx: Nominatim + Overpass), cached.

A place name or boundary polygon is the query; the answer is converted as a GraphML graph is
(:func:`access15.io.osm.graphml.graph_parts`) and saved on disk under the SHA-256 of the
normalized query, so the same query later works offline.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import socket
import threading
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import requests
import shapely
from shapely.geometry.base import BaseGeometry

from access15.errors import DataDownloadError, InputError
from access15.io.osm.data import (
    FACILITY_TAGS,
    HEALTH_AMENITIES,
    HEALTH_CARE,
    OSM_FACILITY_COLUMNS,
    WAY_TAGS,
    OsmData,
    WayParts,
)
from access15.io.osm.graphml import graph_parts, tag_text

__all__ = ["default_cache_dir", "download_osm"]

log = logging.getLogger(__name__)

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


def default_cache_dir() -> Path:
    """Where downloads are cached: ``$ACCESS15_CACHE``, else ``~/.cache/access15``."""
    env = os.environ.get("ACCESS15_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "access15"


def _as_wgs84_polygon(obj: object) -> Any:
    import geopandas as gpd  # noqa: PLC0415  (heavy: ~0.8 s to import; only for GeoDataFrames)

    if isinstance(obj, gpd.GeoDataFrame | gpd.GeoSeries):
        if len(obj) == 0:
            msg = "the boundary has no features; give a polygon of the study area"
            raise InputError(msg)
        data = obj if obj.crs is None else obj.to_crs("EPSG:4326")
        geoms = data.geometry if isinstance(data, gpd.GeoDataFrame) else data
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
    poly = _as_wgs84_polygon(query)
    wkt = shapely.to_wkt(shapely.normalize(poly), rounding_precision=7, trim=True)
    w, s, e, n = poly.bounds
    return _Query("polygon", f"polygon\n{wkt}", f"{w:.5f},{s:.5f},{e:.5f},{n:.5f}", polygon=poly)


def _cache_paths(cache_dir: Path, query: _Query) -> tuple[Path, Path]:
    digest = hashlib.sha256(f"{_CACHE_FORMAT}\n{query.key}".encode()).hexdigest()
    return cache_dir / f"osm-{digest}.npz", cache_dir / f"osm-{digest}.json"


def _source_of(query: _Query) -> str:
    return f"{query.kind}:{query.label}"


# what reading a damaged cache file raises: a truncated zip (BadZipFile, EOFError), a missing
# member (KeyError), cut or binary JSON (ValueError incl. UnicodeDecodeError), wrong shapes
_CACHE_ERRORS = (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile)
_OSM_TYPES = frozenset({"node", "way", "relation"})


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_tag(v: object) -> bool:
    return v is None or isinstance(v, str)


def _check_rows(meta: object) -> tuple[list[list[Any]], list[list[Any]]]:
    """Return the way and facility rows of a cache entry's JSON (ValueError when malformed)."""
    if not isinstance(meta, dict):
        msg = "not a JSON object"
        raise ValueError(msg)
    ways, facilities = meta.get("ways"), meta.get("facilities")
    if not isinstance(ways, list) or not isinstance(facilities, list):
        msg = "no list of ways or facilities"
        raise ValueError(msg)
    n_way, n_fac = 1 + len(WAY_TAGS), len(OSM_FACILITY_COLUMNS)
    for i, row in enumerate(ways):
        if not (
            isinstance(row, list)
            and len(row) == n_way
            and _is_int(row[0])
            and all(_is_tag(v) for v in row[1:])
        ):
            msg = f"way row {i} is malformed"
            raise ValueError(msg)
    for i, row in enumerate(facilities):
        if not (
            isinstance(row, list)
            and len(row) == n_fac
            and row[0] in _OSM_TYPES
            and _is_int(row[1])
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in row[2:4])
            and all(_is_tag(v) for v in row[4:])
        ):
            msg = f"facility row {i} is malformed"
            raise ValueError(msg)
    return ways, facilities


def _read_cache(cache_dir: Path, query: _Query) -> OsmData | None:
    """Return the cached answer to ``query``, or None; a damaged entry is logged and removed."""
    npz_path, json_path = _cache_paths(cache_dir, query)
    if not (npz_path.is_file() and json_path.is_file()):
        return None
    try:
        meta = json.loads(json_path.read_text(encoding="utf-8"))
        ways, facilities = _check_rows(meta)
        if meta.get("format") != _CACHE_FORMAT or meta.get("key") != query.key:
            msg = "written for another query or format"
            raise ValueError(msg)
        with npz_path.open("rb") as f, np.load(f, allow_pickle=False) as z:
            arrays = {k: z[k] for k in ("way_offsets", "refs", "lon", "lat")}
        if any(a.ndim != 1 for a in arrays.values()) or not all(
            np.issubdtype(arrays[k].dtype, np.integer) for k in ("way_offsets", "refs")
        ):
            msg = "arrays of the wrong shape or type"
            raise ValueError(msg)
        parts = WayParts(
            way_offsets=arrays["way_offsets"].astype(np.int64),
            refs=arrays["refs"].astype(np.int64),
            lon=arrays["lon"].astype(np.float64),
            lat=arrays["lat"].astype(np.float64),
            way_rows=ways,
            facility_rows=facilities,
        )
        n_refs = len(parts.refs)
        off = parts.way_offsets
        if (
            len(off) != len(parts.way_rows) + 1
            or off[0] != 0
            or off[-1] != n_refs
            or (np.diff(off) < 0).any()
            or len(parts.lon) != n_refs
            or len(parts.lat) != n_refs
        ):
            msg = "array lengths disagree"
            raise ValueError(msg)
        notes = (*meta.get("notes", ()), f"read from the download cache {npz_path}")
        osm = parts.to_osm(_source_of(query), tuple(str(n) for n in notes))
    except _CACHE_ERRORS as exc:  # damaged (e.g. a killed write): remove, download again
        log.warning(
            "removing unreadable download cache %s (%s: %s); downloading again",
            npz_path,
            type(exc).__name__,
            exc,
        )
        for path in (json_path, npz_path):  # the JSON first: it marks a complete entry
            with contextlib.suppress(OSError):
                path.unlink()
        return None
    log.info("read %s from cache %s", query.label, npz_path)
    return osm


def _drop_unreadable_http_cache(http_cache: Path) -> list[Path]:
    """Remove osmnx HTTP cache files that are not JSON (cut by a killed run); return them.

    osmnx writes its cache files in place and reads them with ``json.loads``, so a file cut
    short fails every later request for that URL until it is removed.
    """
    removed: list[Path] = []
    for path in sorted(http_cache.glob("*.json")):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def _write_cache(
    cache_dir: Path, query: _Query, parts: WayParts, notes: tuple[str, ...], info: dict
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
    return urlsplit(url).netloc or url


def _reachable(url: str) -> bool:
    """Whether a TCP connection to the host of ``url`` opens (True when behind a proxy)."""
    import osmnx as ox  # noqa: PLC0415  (heavy: seconds to import; only for downloads)

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
    import osmnx as ox  # noqa: PLC0415  (heavy: seconds to import; only for downloads)

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
        s.useful_tags_way = list(dict.fromkeys([*saved["useful_tags_way"], *WAY_TAGS]))
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
    if len(gdf) == 0:
        return []
    geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    pts = shapely.centroid(geoms)  # a point is its own centroid; no geographic-CRS warning
    columns = set(gdf.columns)
    rows: list[list[Any]] = []
    records = gdf.drop(columns="geometry").to_dict("records")
    for (osm_type, osm_id), rec, pt in zip(gdf.index, records, pts, strict=True):
        if not (rec.get("amenity") in HEALTH_AMENITIES or rec.get("healthcare") in HEALTH_CARE):
            continue
        tags = [tag_text(rec.get(k)) if k in columns else None for k in FACILITY_TAGS]
        rows.append([str(osm_type), int(osm_id), float(pt.x), float(pt.y), *tags])
    order = {"node": 0, "way": 1, "relation": 2}
    rows.sort(key=lambda r: (order.get(r[0], 3), r[1]))
    return rows


def _download(query: _Query, http_cache: Path) -> tuple[WayParts, tuple[str, ...], dict, bool]:
    import osmnx as ox  # noqa: PLC0415  (heavy: seconds to import; only for downloads)

    errors = ox._errors
    urls = [ox.settings.overpass_url]
    if query.kind == "place":
        urls.insert(0, ox.settings.nominatim_url)
    unreachable = not all(_reachable(u) for u in urls)
    notes: list[str] = []
    with _osmnx_session(http_cache, unreachable=unreachable):
        try:
            polygon = query.polygon
            place = query.place  # set for place queries only
            if place is not None:
                try:
                    gdf = ox.geocode_to_gdf(place)
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
                    tags={"amenity": sorted(HEALTH_AMENITIES), "healthcare": sorted(HEALTH_CARE)},
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
        parts = WayParts(
            way_offsets=np.zeros(1, dtype=np.int64),
            refs=np.zeros(0, dtype=np.int64),
            lon=np.zeros(0, dtype=np.float64),
            lat=np.zeros(0, dtype=np.float64),
            way_rows=[],
            facility_rows=[],
        )
        notes.append(f"OpenStreetMap has no highway ways in the {query.described}")
    else:
        parts = graph_parts(graph, _source_of(query))
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
    cdir = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    cached = _read_cache(cdir, q)
    if cached is not None:
        return cached
    http_cache = cdir / "osmnx-http"
    with _DOWNLOAD_LOCK:
        try:
            parts, notes, info, has_roads = _download(q, http_cache)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:  # a damaged HTTP cache
            removed = _drop_unreadable_http_cache(http_cache)
            if not removed:
                raise
            log.warning(
                "removed %d unreadable osmnx HTTP cache file(s) in %s (%s); downloading again",
                len(removed),
                http_cache,
                exc,
            )
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
