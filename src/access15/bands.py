"""Isochrone polygons (travel-time bands) for display, derived from the coverage surface.

One definition of *reachable*: the polygons are drawn from the very per-cell travel times that
:func:`access15.access` reports, never the other way round. Each band is the exact union of the
raster cells whose time falls in it, so

* bands are non-overlapping and valid by construction (they are unions of whole cells), and
  edge-matched, so they can be reprojected or simplified together without slivers;
* the people inside a band's polygons (by cell centre) are exactly the band's population in
  :func:`band_table`, and the bands up to the headline limit add up to the coverage summary's
  ``covered_population``.

A polygon never decides a statistic: ``population`` in :func:`isochrones` is taken from the
cells (the table side), the geometry only shows where those cells are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from affine import Affine
from pyproj import CRS, Geod, Transformer
from rasterio.features import shapes
from shapely.geometry import MultiPolygon, Polygon

from access15.errors import InputError

if TYPE_CHECKING:
    from access15.access import CoverageResult

__all__ = [
    "DEFAULT_BANDS",
    "band_index",
    "band_labels",
    "band_table",
    "isochrones",
    "simplify_bands",
]

DEFAULT_BANDS: tuple[float, ...] = (5.0, 10.0, 15.0, 30.0)
"""Upper edges of the default display bands, minutes: 0-5, 5-10, 10-15 and 15-30 min."""

Edges = Sequence[float] | npt.NDArray[np.float64]
"""Upper band edges, minutes: a sequence of numbers or a float array."""

_WGS84 = "EPSG:4326"
# cylindrical equal-area on the WGS-84 ellipsoid: parallels and meridians stay straight, so the
# area of a lon/lat polygon with cell-edge sides is its exact ellipsoidal area
_EQUAL_AREA = "EPSG:6933"
_COLUMNS = ("band", "min_minutes", "max_minutes", "population", "area_km2")


def _edges(bands: Edges | npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Check and return the band upper edges, minutes (finite, > 0, strictly increasing)."""
    try:
        e = np.asarray(bands, dtype=np.float64)
    except (TypeError, ValueError):
        msg = f"bands must be numbers of minutes, e.g. (5, 10, 15, 30); got {bands!r}"
        raise InputError(msg) from None
    if e.ndim != 1 or len(e) == 0:
        msg = f"bands must be a non-empty list of minutes, e.g. (5, 10, 15, 30); got {bands!r}"
        raise InputError(msg)
    if not np.all(np.isfinite(e)) or e[0] <= 0 or np.any(np.diff(e) <= 0):
        msg = (
            "bands must be finite, positive and strictly increasing minutes, "
            f"e.g. (5, 10, 15, 30); got {e.tolist()}"
        )
        raise InputError(msg)
    return e


def band_labels(bands: Edges = DEFAULT_BANDS) -> list[str]:
    """Labels of the bands whose upper edges are ``bands`` (minutes).

    Examples
    --------
    >>> band_labels((5, 10, 15, 30))
    ['0-5 min', '5-10 min', '10-15 min', '15-30 min']
    >>> band_labels((7.5,))
    ['0-7.5 min']
    """
    e = _edges(bands)
    lows = [0.0, *e[:-1].tolist()]
    return [f"{lo:g}-{hi:g} min" for lo, hi in zip(lows, e.tolist(), strict=True)]


def band_index(minutes: npt.ArrayLike, bands: Edges = DEFAULT_BANDS) -> npt.NDArray[np.int64]:
    """Band of each travel time: ``i`` when ``bands[i-1] < t <= bands[i]``, else -1.

    The first band is ``t <= bands[0]`` (it includes 0). Times above ``bands[-1]`` and NaN
    (off-network, unreachable, outside the area) belong to no band (-1). This is the one
    classification used by both :func:`band_table` and :func:`isochrones`, and it agrees with the
    coverage test ``t <= limit``.

    Parameters
    ----------
    minutes : array_like
        Travel times, minutes; NaN allowed.
    bands : sequence of float
        Upper band edges, minutes, strictly increasing.

    Returns
    -------
    ndarray of int64
        Same shape as ``minutes``.

    Examples
    --------
    >>> band_index([0.0, 5.0, 5.01, 30.0, 30.5, float("nan")], (5, 10, 15, 30)).tolist()
    [0, 0, 1, 3, -1, -1]
    """
    e = _edges(bands)
    m = np.asarray(minutes, dtype=np.float64)
    idx = np.searchsorted(e, np.nan_to_num(m, nan=np.inf), side="left").astype(np.int64)
    idx[idx >= len(e)] = -1
    return idx


def _level_name(cov: CoverageResult, level: str | None) -> str:
    name = cov.levels[0].name if level is None else str(level)
    if name not in cov.surface or f"minutes_{name}" not in cov.cells.columns:
        msg = f"unknown service level {name!r}; choose one of {sorted(cov.surface)}"
        raise InputError(msg)
    return name


def band_table(
    cov: CoverageResult, bands: Edges = DEFAULT_BANDS, level: str | None = None
) -> pd.DataFrame:
    """Count the people per travel-time band, from the populated cells (the *table* side).

    Parameters
    ----------
    cov : CoverageResult
        From :func:`access15.access.coverage`: its ``cells`` give the minutes and people.
    bands : sequence of float
        Upper band edges, minutes, strictly increasing (default 5, 10, 15, 30).
    level : str, optional
        Service level name (default: the headline level, ``cov.levels[0]``).

    Returns
    -------
    DataFrame
        One row per band, all bands even when empty: ``band`` (label, e.g. ``"0-5 min"``),
        ``min_minutes`` and ``max_minutes`` (minutes; a band holds times in
        ``(min_minutes, max_minutes]``, the first also 0), ``population`` (people) and ``share``
        (of the total population of the cells, off-network included). People beyond the last
        edge or off-network are in no band.
    """
    name = _level_name(cov, level)
    e = _edges(bands)
    pop = cov.cells["pop"].to_numpy(dtype=np.float64)
    idx = band_index(cov.cells[f"minutes_{name}"].to_numpy(dtype=np.float64), e)
    inb = idx >= 0
    people = np.bincount(idx[inb], weights=pop[inb], minlength=len(e)).astype(np.float64)
    total = float(pop.sum())
    return pd.DataFrame(
        {
            "band": band_labels(e),
            "min_minutes": np.concatenate([[0.0], e[:-1]]),
            "max_minutes": e,
            "population": people,
            "share": people / total if total > 0 else np.zeros(len(e)),
        }
    )


def _band_grid(cov: CoverageResult, name: str, e: npt.NDArray[np.float64]) -> npt.NDArray[np.int32]:
    """Band index (-1 for none) of every grid cell of the level's surface.

    Populated cells take their float64 minutes from ``cov.cells``: the surface is stored as
    float32, and its rounding must not move a cell across a band edge (e.g. 15.0000004 min is
    15.0 in float32), or polygons and table would disagree on that cell. On a surface of blocks
    (a window over :data:`~access15.surface.SURFACE_MAX_CELLS` cells) each block keeps the time
    at its centre: the polygons are then a drawing at the blocks' resolution, and the table,
    from the cells, stays exact.
    """
    pop = cov.population
    minutes = np.asarray(cov.surface[name], dtype=np.float64).copy()
    if cov.surface_factor == 1:
        if minutes.shape != tuple(pop.shape):
            msg = f"surface {name!r} has shape {minutes.shape}, the population grid {pop.shape}"
            raise InputError(msg)
        minutes[~np.asarray(pop.area_mask, dtype=bool)] = np.nan
        c = cov.cells
        minutes[c["row"].to_numpy(), c["col"].to_numpy()] = c[f"minutes_{name}"].to_numpy(
            dtype=np.float64
        )
    return band_index(minutes, e).astype(np.int32)


def _polygons(grid: npt.NDArray[np.int32], n: int) -> list[shapely.Geometry | None]:
    """Per band, the union of its cells in pixel coordinates (column, row), or None if empty."""
    mask = grid >= 0
    if not mask.any():
        return [None] * n
    # 4-connected regions of one band: parts of one band never share an edge, so the dissolve
    # is a plain collection (parts may touch at corners, which a MultiPolygon allows). Built
    # with shapely's vectorised constructors: ring -> polygon (first ring the shell) -> band.
    coords: list[npt.NDArray[np.float64]] = []
    ring_of_poly: list[int] = []
    band_of_poly: list[int] = []
    for geom, value in shapes(grid, mask=mask, connectivity=4, transform=Affine.identity()):
        for ring in geom["coordinates"]:
            coords.append(np.asarray(ring, dtype=np.float64))
            ring_of_poly.append(len(band_of_poly))
        band_of_poly.append(int(value))
    sizes = np.array([len(c) for c in coords])
    rings = shapely.linearrings(
        np.concatenate(coords), indices=np.repeat(np.arange(len(coords)), sizes)
    )
    polys = shapely.polygons(rings, indices=np.asarray(ring_of_poly))
    bands = np.asarray(band_of_poly)
    order = np.argsort(bands, kind="stable")
    present, dense = np.unique(bands[order], return_inverse=True)
    multi = shapely.make_valid(shapely.multipolygons(polys[order], indices=dense))
    out: list[shapely.Geometry | None] = [None] * n
    for k, g in zip(present.tolist(), multi, strict=True):
        out[k] = _as_multipolygon(g)
    return out


def _node_edges(geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Give every band a vertex wherever another band's boundary meets its edges.

    ``shapes`` draws a straight edge between two turns of a boundary, so where two bands meet
    a third along it (a T-junction) only two of them have a vertex. The bands are exact but
    not *edge-matched*: reprojected by a user (each edge becoming a chord), they would leave
    slivers, and coverage simplification needs matched edges. In pixel coordinates (integers)
    the edges are split at every cell corner, then the straight-through vertices that are not
    junctions are dropped again with a coverage simplification whose threshold (0.01 px²) is
    below the smallest non-degenerate lattice triangle (0.5 px²): only collinear vertices go,
    no vertex moves.
    """
    dense = shapely.segmentize(geoms, 1.0)
    if not hasattr(shapely, "coverage_simplify"):  # pragma: no cover - shapely < 2.1
        return dense
    return shapely.coverage_simplify(dense, 0.1)


def _as_multipolygon(geom: shapely.Geometry) -> shapely.MultiPolygon:
    """Polygonal part of ``geom`` as a MultiPolygon (lines or points left by repairs dropped)."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom]) if not geom.is_empty else MultiPolygon()
    polys: list[Polygon] = []
    for g in shapely.get_parts(geom):
        if isinstance(g, Polygon) and not g.is_empty:
            polys.append(g)
        elif isinstance(g, MultiPolygon):
            polys.extend(shapely.get_parts(g))
        elif g.geom_type == "GeometryCollection":
            polys.extend(_as_multipolygon(g).geoms)
    return MultiPolygon(polys)


def _apply_affine(geoms: npt.NDArray[np.object_], t: Affine) -> npt.NDArray[np.object_]:
    """Map pixel (column, row) coordinates to the grid CRS with the affine transform ``t``."""
    a, b, c, d, e, f = t.a, t.b, t.c, t.d, t.e, t.f

    def fn(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = xy[:, 0], xy[:, 1]
        return np.column_stack([a * x + b * y + c, d * x + e * y + f])

    return shapely.transform(geoms, fn)


def _tolerance(simplify_m: float | None) -> float | None:
    """Check and return the simplification tolerance, metres (None: no simplification)."""
    if simplify_m is None:
        return None
    try:
        tol = float(simplify_m)
    except (TypeError, ValueError):
        tol = math.nan
    if isinstance(simplify_m, bool) or not (math.isfinite(tol) and tol > 0):
        msg = f"simplify_m must be a positive number of metres or None, got {simplify_m!r}"
        raise InputError(msg)
    return tol


def _transform(cov: CoverageResult) -> Affine:
    """Return the surface grid's affine transform (demand points have none, and no surface)."""
    if cov.population.transform is None or cov.surface_transform is None:
        msg = "isochrones need gridded demand (a population raster); points have no surface"
        raise InputError(msg)
    return cov.surface_transform


def _grid_centre(cov: CoverageResult) -> tuple[float, float]:
    """Longitude and latitude (degrees) of the population window's centre."""
    pop = cov.population
    h, w = pop.shape
    t = pop.transform
    if t is None:
        return _transform(cov).c, _transform(cov).f  # raises the points error
    x = t.c + t.a * w / 2.0 + t.b * h / 2.0
    y = t.f + t.d * w / 2.0 + t.e * h / 2.0
    lon, lat = Transformer.from_crs(pop.crs, _WGS84, always_xy=True).transform(x, y)
    return float(lon), float(lat)


def _metres_per_degree(lon: float, lat: float) -> tuple[float, float]:
    """Geodesic metres per degree of longitude and of latitude at (``lon``, ``lat``)."""
    geod = Geod(ellps="WGS84")
    d = 0.01
    m_lon = geod.inv(lon - d / 2, lat, lon + d / 2, lat)[2] / d
    m_lat = geod.inv(lon, lat - d / 2, lon, lat + d / 2)[2] / d
    return float(m_lon), float(m_lat)


def _simplify_lonlat(
    geoms: npt.NDArray[np.object_], tol_m: float, lon: float, lat: float
) -> npt.NDArray[np.object_]:
    """Coverage-simplify lon/lat polygons by ``tol_m`` metres, measured at (``lon``, ``lat``).

    Visvalingam-Whyatt only compares triangle areas, and an axis scaling multiplies every area
    by the same factor: simplifying lon/lat by ``tol_m / sqrt(m_lon * m_lat)`` degrees is
    simplifying in local metres, and no reprojection follows to bend the kept edges.
    """
    m_lon, m_lat = _metres_per_degree(lon, lat)
    out: npt.NDArray[np.object_] = shapely.coverage_simplify(
        geoms, tol_m / math.sqrt(m_lon * m_lat)
    )
    return out


def _is_wgs84(crs: object) -> bool:

    c = CRS.from_user_input(crs)
    return c.equals(CRS.from_epsg(4326), ignore_axis_order=True)


def isochrones(
    cov: CoverageResult,
    *,
    bands: Edges = DEFAULT_BANDS,
    level: str | None = None,
    simplify_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Travel-time band polygons (isochrones) of a service level, for maps.

    Each band is the dissolved union of the raster cells whose travel time (the level's surface,
    the same numbers the coverage figures use) falls in it. The class raster is polygonized with
    :func:`rasterio.features.shapes` along exact cell edges in the grid CRS, dissolved per band,
    edge-matched (a band has a vertex wherever a neighbouring band's boundary meets its edge, so
    the bands form a polygonal coverage that can be reprojected or simplified without slivers),
    repaired with :func:`shapely.make_valid` and reprojected to EPSG:4326 (densified to every
    cell corner first when the grid is projected). Bands are therefore non-overlapping and valid
    by construction, and the people whose cell centre lies inside a band's polygons are exactly
    that band's ``population`` (see :func:`band_table`). Populated cells are classified by their
    float64 minutes in ``cov.cells`` (the figures' own values), other cells by the float32
    surface, so the surface's rounding cannot move a person across a band edge.

    Parameters
    ----------
    cov : CoverageResult
        From :func:`access15.access.coverage`: the surface and cells to draw the bands from.
    bands : sequence of float
        Upper band edges, minutes, strictly increasing; default ``(5, 10, 15, 30)`` gives the
        bands 0-5, 5-10, 10-15 and 15-30 min. A band holds times in ``(lower, upper]``, the
        first also 0. Cells beyond the last edge, off-network, unreachable or outside the area
        belong to no band.
    level : str, optional
        Service level name (default: the headline level, ``cov.levels[0]``).
    simplify_m : float, optional
        Simplify the polygons for a lighter map, metres (Visvalingam-Whyatt coverage
        simplification: vertices whose triangle is smaller than about ``simplify_m**2`` m²
        are dropped; no vertex moves). Shared edges between bands are simplified once, so bands
        still tile without gaps or overlaps and stay valid, but edges no longer follow cells:
        **the exact equality between the population inside the polygons and the band
        population is lost** (``population`` is still the cells' figure). Tolerances under
        about the cell size change little. Default None: exact cell edges.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, one row per band holding at least one cell, in band order: ``band`` (label,
        e.g. ``"0-5 min"``), ``min_minutes`` and ``max_minutes`` (minutes), ``population``
        (people, from the cells, as in :func:`band_table`), ``area_km2`` (ellipsoidal area of the
        geometry, km²) and ``geometry`` (MultiPolygon). Empty, with these columns, when no cell
        is within ``bands[-1]`` minutes. ``attrs["level"]`` names the service level, so a map
        given the bands labels them with it.

    Raises
    ------
    InputError
        Unknown level, bad ``bands`` or bad ``simplify_m``.

    Examples
    --------
    On the bundled sample county (a few seconds):

    >>> import access15 as ax
    >>> from access15.bands import band_table, isochrones
    >>> p = ax.sample_paths()
    >>> osm = ax.read_osm(p["osm"])  # doctest: +SKIP
    >>> net, fac = ax.build_network(osm), ax.facilities_from_osm(osm)  # doctest: +SKIP
    >>> area = ax.read_boundary(p["county"])
    >>> pop = ax.read_population(p["population"], boundary=area)  # doctest: +SKIP
    >>> cov = ax.coverage(net, fac, pop)  # doctest: +SKIP
    >>> iso = isochrones(cov, bands=(5, 10, 15, 30))  # doctest: +SKIP
    >>> iso.to_file("isochrones.geojson")  # doctest: +SKIP
    >>> band_table(cov)["population"].equals(iso["population"])  # doctest: +SKIP
    True

    For a lighter web map (edges no longer exact):

    >>> light = isochrones(cov, simplify_m=100)  # doctest: +SKIP
    """
    name = _level_name(cov, level)
    e = _edges(bands)
    tol = _tolerance(simplify_m)
    if tol is not None and not hasattr(shapely, "coverage_simplify"):  # pragma: no cover
        msg = "simplify_m needs shapely >= 2.1 (coverage_simplify); upgrade it or pass None"
        raise InputError(msg)
    table = band_table(cov, e, level=name)
    grid = _band_grid(cov, name, e)
    polys = _polygons(grid, len(e))
    keep = [i for i, g in enumerate(polys) if g is not None]
    if not keep:
        empty = table.iloc[0:0][list(_COLUMNS[:-1])].copy()
        empty["area_km2"] = pd.Series(dtype=np.float64)
        out = gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=_WGS84), crs=_WGS84)
        out.attrs["level"] = name
        return out

    pop = cov.population
    parts = np.array([polys[i] for i in keep], dtype=object)
    if _is_wgs84(pop.crs):
        geoms = _apply_affine(_node_edges(parts), _transform(cov))
    else:
        # a vertex at every cell corner, so the reprojected edges still follow the cells
        dense = gpd.GeoSeries(
            _apply_affine(shapely.segmentize(parts, 1.0), _transform(cov)), crs=pop.crs
        )
        geoms = dense.to_crs(_WGS84).to_numpy()
    if tol is not None:
        geoms = _simplify_lonlat(geoms, tol, *_grid_centre(cov))
    geo = gpd.GeoSeries([_as_multipolygon(g) for g in shapely.make_valid(geoms)], crs=_WGS84)
    rows = table.iloc[keep][list(_COLUMNS[:-1])].reset_index(drop=True)
    rows["area_km2"] = geo.to_crs(_EQUAL_AREA).area.to_numpy() / 1e6
    out = gpd.GeoDataFrame(rows, geometry=geo.to_numpy(), crs=_WGS84)
    out.attrs["level"] = name
    return out


def simplify_bands(bands: gpd.GeoDataFrame, simplify_m: float) -> gpd.GeoDataFrame:
    """Simplify band polygons for display, keeping them a gap-free, non-overlapping tiling.

    The same Visvalingam-Whyatt coverage simplification as ``isochrones(..., simplify_m=)``,
    applied to bands already computed (e.g. the exact ones written to ``isochrones.geojson``),
    so a map can draw a lighter copy without computing the bands again. Shared edges are
    simplified once; no vertex moves. The tolerance is converted to degrees at the centre of the
    bands' extent. ``area_km2`` is recomputed for the simplified geometry (as in
    :func:`isochrones`, it is the area of the polygons drawn); ``population`` and the other
    columns are kept: they come from the cells, and a display polygon never decides them.

    Parameters
    ----------
    bands : GeoDataFrame
        Band polygons in WGS-84, as returned by :func:`isochrones`.
    simplify_m : float
        Tolerance, metres (> 0): vertices whose triangle is smaller than about
        ``simplify_m**2`` m² are dropped.

    Returns
    -------
    GeoDataFrame
        A copy of ``bands`` with simplified geometry (valid MultiPolygons, EPSG:4326) and its
        ``area_km2``.

    Raises
    ------
    InputError
        A tolerance that is not a positive number, or bands not in WGS-84.

    Examples
    --------
    >>> from access15.bands import isochrones, simplify_bands
    >>> light = simplify_bands(isochrones(cov), 100)  # doctest: +SKIP
    """
    tol = _tolerance(simplify_m)
    if tol is None:
        msg = f"simplify_m must be a positive number of metres, got {simplify_m!r}"
        raise InputError(msg)
    out = bands.copy()
    if out.empty:
        return out
    if out.crs is None or not _is_wgs84(out.crs):
        msg = f"bands must be in WGS-84 (EPSG:4326), as isochrones() returns them; got {out.crs}"
        raise InputError(msg)
    west, south, east, north = (float(v) for v in out.total_bounds)
    geoms = _simplify_lonlat(out.geometry.to_numpy(), tol, (west + east) / 2, (south + north) / 2)
    geo = gpd.GeoSeries([_as_multipolygon(g) for g in shapely.make_valid(geoms)], crs=_WGS84)
    out["geometry"] = geo.to_numpy()
    if "area_km2" in out.columns:
        out["area_km2"] = geo.to_crs(_EQUAL_AREA).area.to_numpy() / 1e6
    return out
