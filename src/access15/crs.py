"""Coordinate systems of inputs: the one ``crs_in`` parser, and China's GCJ-02 / BD-09.

Every reader of access15 turns its input into WGS-84 (EPSG:4326) through this module:
:func:`parse_crs_in` reads what the user says about a file's coordinates, :func:`source_crs`
reconciles it with the CRS the file declares, and :func:`to_wgs84` converts. One rule holds for
every **vector** input (points, lines, polygons; CSV, GeoJSON, GeoPackage): GCJ-02 and BD-09
coordinates are converted to WGS-84. A **raster** in GCJ-02/BD-09 is refused
(:func:`raster_crs_in`): the offset varies from place to place, so no affine
warp of its grid is exact.

Data from Chinese web maps is usually **not** WGS-84:

* **GCJ-02** ("Mars coordinates", 国测局坐标): AMap/Gaode, Tencent, Apple Maps in China, and the
  DataV.GeoAtlas / AMap administrative boundaries. Points are shifted by a few hundred metres (about
  200-600 m in the counties tested) from their WGS-84 position.
* **BD-09** (百度坐标, ``bd09ll``): Baidu Maps; GCJ-02 with a further offset of a few hundred
  metres.

GeoJSON has no way to say "GCJ-02", so such files declare (or default to) EPSG:4326 while their
numbers are GCJ-02; pass ``crs_in="gcj02"`` and the lon/lat values as read are converted.

GCJ-02 is defined by an unpublished national standard; the conversion here uses the forward
formulas that are widely published and used as the de-facto reference, e.g.

* ``eviltransform`` (googollee/eviltransform, MIT): https://github.com/googollee/eviltransform
* ``coordtransform`` (wandergis/coordTransform, MIT): https://github.com/wandergis/coordTransform

with the Krasovsky 1940 ellipsoid (a = 6378245 m, e² = 0.00669342162296594323) as in
``coordtransform`` (``eviltransform`` uses a = 6378137 m; the results differ by under 1 cm), and
the usual "out of China" box (longitude 72.004-137.8347, latitude 0.8293-55.8271; outside it,
GCJ-02 equals WGS-84). The forward transform (WGS-84 → GCJ-02) is closed-form; its inverse is not,
and the common one-step approximation ``wgs = 2 gcj - f(gcj)`` is off by 0.7 m (median) and up to
about 5 m over China.
:func:`gcj02_to_wgs84` therefore solves ``f(wgs) = gcj`` by fixed-point iteration
``wgs ← wgs - (f(wgs) - gcj)``: the offset's derivatives stay below 0.008 degree per degree, so
each step shrinks the error more than 100-fold and 4-5 steps reach the 1e-10 degree tolerance
(about 10 µm).
BD-09 is handled the same way (published closed-form forward, iterated inverse).

All coordinates are longitude/latitude in decimal degrees, longitude first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeAlias

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from access15.errors import InputError

__all__ = [
    "CrsSpec",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "crs_name",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "is_wgs84",
    "parse_crs_in",
    "raster_crs_in",
    "source_crs",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

FloatArray = npt.NDArray[np.float64]

# --- GCJ-02 / BD-09 ----------------------------------------------------------------------------

_KRASOVSKY_A = 6378245.0  # semi-major axis, metres
_KRASOVSKY_EE = 0.00669342162296594323  # first eccentricity squared
# the usual "out of China" box, degrees: GCJ-02 equals WGS-84 outside it
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)
_BD_X_PI = np.pi * 3000.0 / 180.0
_TOL_DEG = 1e-10  # convergence of the iterative inverses, degrees (~10 µm)
_MAX_ITER = 30


def _as_arrays(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)


def _out(x: FloatArray, y: FloatArray) -> tuple[Any, Any]:
    """Arrays as returned: 0-d results become numpy float64 scalars."""
    if x.ndim == 0:
        return x[()], y[()]
    return x, y


def _in_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    """Inside the GCJ-02 box (NaN coordinates count as outside)."""
    return (
        (lon >= _CHINA_LON[0])
        & (lon <= _CHINA_LON[1])
        & (lat >= _CHINA_LAT[0])
        & (lat <= _CHINA_LAT[1])
    )


def _gcj_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS-84 at WGS-84 ``lon``, ``lat`` (degrees), ignoring the China box."""
    x = lon - 105.0
    y = lat - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    sqrt_x = np.sqrt(np.abs(x))
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt_x
        + common
        + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt_x
        + common
        + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    )
    rad = lat / 180.0 * pi
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_KRASOVSKY_A / sqrt_magic * np.cos(rad) * pi)
    return dlon, dlat


def _bd_forward(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _BD_X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _invert(
    forward: Any, tx: FloatArray, ty: FloatArray, x: FloatArray, y: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(x, y) = (tx, ty)`` by fixed-point iteration from the guess ``(x, y)``.

    Each point stops once its forward image is within ``_TOL_DEG`` of its target; the
    forward maps are the identity plus offsets whose derivatives are below 0.03, so the iteration
    contracts by a factor > 30 per step.
    """
    x, y = np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)  # copies, even if 0-d
    tx, ty = np.asarray(tx, dtype=np.float64), np.asarray(ty, dtype=np.float64)
    active = np.flatnonzero(np.isfinite(tx) & np.isfinite(ty) & np.isfinite(x) & np.isfinite(y))
    for _ in range(_MAX_ITER):
        if active.size == 0:
            break
        fx, fy = forward(x.flat[active], y.flat[active])
        rx, ry = fx - tx.flat[active], fy - ty.flat[active]
        todo = np.fmax(np.abs(rx), np.abs(ry)) > _TOL_DEG
        # converged points are left alone, so a point's result does not depend on its batch
        active = active[todo]
        x.flat[active] -= rx[todo]
        y.flat[active] -= ry[todo]
    return x, y


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Any, Any]:
    """WGS-84 → GCJ-02 (the published forward formula; exact by definition).

    Parameters
    ----------
    lon, lat : float or array_like
        WGS-84 longitude and latitude, degrees (broadcast together).

    Returns
    -------
    lon, lat : ndarray of float64 (numpy float for scalar input)
        GCJ-02 longitude and latitude, degrees. Points outside the China box
        (lon 72.004-137.8347, lat 0.8293-55.8271) are returned unchanged; NaN stays NaN.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(116.397, 39.909)  # Tian'anmen, ~500 m shift
    >>> round(float(lon), 6), round(float(lat), 6)
    (116.403244, 39.910403)
    """
    x, y = _as_arrays(lon, lat)
    dx, dy = _gcj_offset(x, y)
    inside = _in_china(x, y)
    return _out(np.where(inside, x + dx, x), np.where(inside, y + dy, y))


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Any, Any]:
    """GCJ-02 → WGS-84, the exact inverse of :func:`wgs84_to_gcj02` (iterated, not one-step).

    Solves ``wgs84_to_gcj02(result) == (lon, lat)`` to within 1e-10 degrees (about 10 µm) by
    fixed-point iteration, starting from the input. Points outside the China box are returned
    unchanged (GCJ-02 equals WGS-84 there), as in the published implementations.

    Parameters
    ----------
    lon, lat : float or array_like
        GCJ-02 longitude and latitude, degrees (broadcast together).

    Returns
    -------
    lon, lat : ndarray of float64 (numpy float for scalar input)
        WGS-84 longitude and latitude, degrees; NaN stays NaN.

    Notes
    -----
    Within a few hundred metres of the box edges (all far out in the sea or beyond China's land
    borders) the forward map is discontinuous and the inverse is ambiguous: a GCJ-02 point
    outside the box is taken as WGS-84 as is.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(116.403244, 39.910403)
    >>> round(float(lon), 5), round(float(lat), 5)
    (116.397, 39.909)
    """
    x, y = _as_arrays(lon, lat)
    inside = _in_china(x, y)
    if not inside.any():
        return _out(x, y)
    tx, ty = x[inside], y[inside]

    def forward(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
        da, db = _gcj_offset(a, b)
        return a + da, b + db

    wx, wy = _invert(forward, tx, ty, tx, ty)
    ox, oy = x.copy(), y.copy()
    ox[inside], oy[inside] = wx, wy
    return _out(ox, oy)


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Any, Any]:
    """GCJ-02 → BD-09 (Baidu ``bd09ll``), the published forward formula.

    Parameters
    ----------
    lon, lat : float or array_like
        GCJ-02 longitude and latitude, degrees.

    Returns
    -------
    lon, lat : ndarray of float64 (numpy float for scalar input)
        BD-09 longitude and latitude, degrees. Applied everywhere (BD-09 has no "out of China"
        box).
    """
    x, y = _as_arrays(lon, lat)
    return _out(*_bd_forward(x, y))


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Any, Any]:
    """BD-09 (Baidu ``bd09ll``) → GCJ-02, the exact inverse of :func:`gcj02_to_bd09`.

    Starts from the widely published closed-form approximation (``z = hypot(x, y) - 2e-5
    sin(y·π·3000/180)``, ``θ = atan2(y, x) - 3e-6 cos(x·π·3000/180)`` with ``x = lon - 0.0065``,
    ``y = lat - 0.006``; off by up to about 0.2 m) and iterates until the forward transform
    matches the input to within 1e-10 degrees.

    Parameters
    ----------
    lon, lat : float or array_like
        BD-09 longitude and latitude, degrees.

    Returns
    -------
    lon, lat : ndarray of float64 (numpy float for scalar input)
        GCJ-02 longitude and latitude, degrees.
    """
    x, y = _as_arrays(lon, lat)
    u, v = x - 0.0065, y - 0.006
    z = np.sqrt(u * u + v * v) - 0.00002 * np.sin(v * _BD_X_PI)
    theta = np.arctan2(v, u) - 0.000003 * np.cos(u * _BD_X_PI)
    return _out(*_invert(_bd_forward, x, y, z * np.cos(theta), z * np.sin(theta)))


def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Any, Any]:
    """BD-09 (Baidu ``bd09ll``) → WGS-84: :func:`bd09_to_gcj02` then :func:`gcj02_to_wgs84`.

    Parameters
    ----------
    lon, lat : float or array_like
        BD-09 longitude and latitude, degrees.

    Returns
    -------
    lon, lat : ndarray of float64 (numpy float for scalar input)
        WGS-84 longitude and latitude, degrees.
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Any, Any]:
    """WGS-84 → BD-09 (Baidu ``bd09ll``): :func:`wgs84_to_gcj02` then :func:`gcj02_to_bd09`.

    Parameters
    ----------
    lon, lat : float or array_like
        WGS-84 longitude and latitude, degrees.

    Returns
    -------
    lon, lat : ndarray of float64 (numpy float for scalar input)
        BD-09 longitude and latitude, degrees.
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


# --- crs_in ------------------------------------------------------------------------------------

ChinaDatum: TypeAlias = Literal["gcj02", "bd09"]
#: A parsed ``crs_in``: ``"gcj02"`` or ``"bd09"`` (lon/lat to convert), or a pyproj CRS.
CrsSpec: TypeAlias = ChinaDatum | CRS

_GCJ_WORDS = frozenset({"gcj02", "gcj", "mars", "amap", "gaode", "tencent"})
_BD_WORDS = frozenset({"bd09", "bd09ll", "baidu"})
_WGS_WORDS = frozenset({"wgs84", "epsg4326", "4326"})
_CRS_HINT = "--crs-in gcj02|bd09|wgs84|EPSG:n"
_DATUM_NAMES: dict[str, str] = {"gcj02": "GCJ-02", "bd09": "BD-09"}


def parse_crs_in(value: Any, *, what: str = "crs_in") -> CrsSpec | None:
    """Read what a user says about a file's coordinates (``--crs-in``, ``crs_in=``).

    Parameters
    ----------
    value : str, int, pyproj.CRS or None
        ``"gcj02"`` (AMap/Gaode, Tencent, DataV boundaries; also spelt ``gcj``, ``mars``,
        ``amap``, ``gaode``, ``tencent``), ``"bd09"`` (Baidu lon/lat; also ``bd09ll``,
        ``baidu``), ``"wgs84"``, ``"EPSG:n"``, an EPSG integer, or anything pyproj understands.
        Case, ``-``, ``_``, ``.``, ``:`` and spaces are ignored in the names.
    what : str, optional
        Name of the option in error messages (default ``"crs_in"``).

    Returns
    -------
    str, pyproj.CRS or None
        ``"gcj02"`` or ``"bd09"`` for China's lon/lat systems, a pyproj CRS otherwise
        (EPSG:4326 for the WGS-84 spellings), None when ``value`` is None.

    Raises
    ------
    InputError
        For Baidu Mercator (``bd09mc``, metres) and for anything pyproj does not understand.

    Examples
    --------
    >>> parse_crs_in("GCJ-02"), parse_crs_in("Baidu"), parse_crs_in("wgs84").to_string()
    ('gcj02', 'bd09', 'EPSG:4326')
    """
    if value is None:
        return None
    key = str(value).strip().lower()
    for ch in "-_ .:":
        key = key.replace(ch, "")
    if key in _GCJ_WORDS:
        return "gcj02"
    if key in _BD_WORDS:
        return "bd09"
    if key == "bd09mc":
        msg = (
            f"{what}={value!r}: Baidu Mercator (bd09mc, metres) is not supported; export "
            "Baidu lon/lat (bd09ll) and pass crs_in='bd09'"
        )
        raise InputError(msg)
    if key in _WGS_WORDS:
        return CRS.from_epsg(4326)
    try:
        return CRS.from_user_input(value)
    except CRSError:
        msg = (
            f"{what}={value!r} is not a coordinate system access15 knows and not a CRS pyproj "
            "understands; use gcj02 (AMap, Tencent), bd09 (Baidu), wgs84 or EPSG:<code>"
        )
        raise InputError(msg) from None


def crs_name(spec: CrsSpec) -> str:
    """Return the short name of a parsed ``crs_in`` for messages: ``"gcj02"``, ``"EPSG:4326"``, ...

    Parameters
    ----------
    spec : str or pyproj.CRS
        A result of :func:`parse_crs_in` (not None).

    Returns
    -------
    str
        The datum word, or the CRS as ``CRS.to_string()`` gives it.
    """
    return spec if isinstance(spec, str) else spec.to_string()


def is_wgs84(crs: CRS) -> bool:
    """Tell whether ``crs`` is WGS-84 longitude/latitude (EPSG:4326, either axis order).

    Parameters
    ----------
    crs : pyproj.CRS
        The CRS to test.

    Returns
    -------
    bool
        True for EPSG:4326 and OGC:CRS84.
    """
    return bool(crs.equals(CRS.from_epsg(4326), ignore_axis_order=True))


def source_crs(declared: Any, crs_in: Any, label: str) -> CrsSpec:
    """Return the coordinates to convert from: ``"gcj02"``, ``"bd09"`` or a pyproj CRS.

    ``crs_in`` wins over a declared geographic CRS for GCJ-02/BD-09 (such files declare
    EPSG:4326); a declared projected CRS with GCJ-02/BD-09, or a declared CRS that contradicts a
    real ``crs_in``, is refused.

    Parameters
    ----------
    declared : str, pyproj.CRS or None
        The CRS the file declares (None when it declares none).
    crs_in : str, int, pyproj.CRS or None
        What the user says, as for :func:`parse_crs_in`.
    label : str
        The input in messages, e.g. ``"boundary file 'x.geojson'"``.

    Returns
    -------
    str or pyproj.CRS
        ``"gcj02"``/``"bd09"`` when the lon/lat values must be converted, else the CRS of the
        coordinates.

    Raises
    ------
    InputError
        No CRS and no ``crs_in``; unknown ``crs_in``; GCJ-02/BD-09 with a declared projected CRS;
        ``crs_in`` contradicting the declared CRS.
    """
    kind = parse_crs_in(crs_in)
    if kind is None:
        if declared is None:
            msg = f"{label} has no CRS; pass crs_in ({_CRS_HINT}) to say which coordinates it uses"
            raise InputError(msg)
        return CRS.from_user_input(declared)
    if declared is None:
        return kind
    dec = CRS.from_user_input(declared)
    if isinstance(kind, str):
        if not dec.is_geographic:
            msg = (
                f"{label} declares the projected CRS {dec.to_string()}, but crs_in={crs_in!r} "
                "needs longitude/latitude degrees; drop crs_in or give lon/lat data"
            )
            raise InputError(msg)
        return kind
    if not dec.equals(kind, ignore_axis_order=True):
        msg = (
            f"{label} declares CRS {dec.to_string()} but crs_in={crs_in!r}; drop crs_in (the "
            "file's CRS is used) or fix the file's CRS"
        )
        raise InputError(msg)
    return kind


def raster_crs_in(crs_in: Any, label: str) -> CRS | None:
    """Return a raster's ``crs_in`` as a CRS, refusing GCJ-02/BD-09 (no exact warp exists).

    GCJ-02 and BD-09 shift each point by its own offset (a few hundred metres, varying with the
    position), so a raster's regular grid has no exact affine warp to WGS-84; resampling it would
    move people between cells silently. Vector inputs are converted instead.

    Parameters
    ----------
    crs_in : str, int, pyproj.CRS or None
        What the user says about the raster's coordinates, as for :func:`parse_crs_in`.
    label : str
        The raster in messages, e.g. ``"population raster 'pop.tif'"``.

    Returns
    -------
    pyproj.CRS or None
        The parsed ``crs_in`` (None when not given).

    Raises
    ------
    InputError
        When ``crs_in`` is GCJ-02 or BD-09 (or not a CRS at all).
    """
    spec = parse_crs_in(crs_in)
    if isinstance(spec, str):
        name = _DATUM_NAMES[spec]
        msg = (
            f"{label}: crs_in={crs_in!r} ({name}) cannot be applied to a raster, because the "
            f"{name} offset varies from place to place and no warp of the grid is exact; give "
            "the raster in its own CRS (WorldPop and GHS-POP are WGS-84 or Mollweide) and drop "
            "crs_in, or give the population as points (CSV/GeoJSON), which are converted"
        )
        raise InputError(msg)
    return spec


def _convert_xy(kind: ChinaDatum, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    lon, lat = gcj02_to_wgs84(x, y) if kind == "gcj02" else bd09_to_wgs84(x, y)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _convert_coords(kind: ChinaDatum) -> Callable[[FloatArray], FloatArray]:
    """Make a ``shapely.transform`` function converting (N, 2) or (N, 3) coordinates to WGS-84."""

    def fn(coords: FloatArray) -> FloatArray:
        out = np.array(coords, dtype=np.float64, copy=True)
        if len(out):
            out[:, 0], out[:, 1] = _convert_xy(kind, out[:, 0], out[:, 1])
        return out

    return fn


def to_wgs84(data: Any, crs_in: Any = None, *, what: str | None = None) -> Any:
    """Bring coordinates to WGS-84 longitude/latitude (EPSG:4326) from any CRS, GCJ-02 or BD-09.

    Parameters
    ----------
    data : GeoDataFrame, GeoSeries or tuple of (x, y) array_like
        Geometries (points, lines, polygons, multi-*, collections; every vertex is converted), or
        bare coordinate arrays.
    crs_in : str, int or pyproj.CRS, optional
        Coordinate system of ``data``: ``"gcj02"`` (AMap/Gaode, Tencent, DataV boundaries;
        also spelt ``gcj``, ``mars``, ``amap``, ``gaode``, ``tencent``), ``"bd09"`` (Baidu
        lon/lat; also ``bd09ll``, ``baidu``), ``"wgs84"``, ``"EPSG:n"``, an EPSG integer, or
        anything pyproj understands. Case, ``-``, ``_`` and spaces are ignored in the names.
        GCJ-02/BD-09 win over a geographic CRS ``data`` declares (GCJ-02 files usually declare
        EPSG:4326): their lon/lat are converted as read; with a declared projected CRS they are
        refused. Any other ``crs_in`` must agree with the declared CRS (else InputError). When
        omitted, ``data`` must carry a CRS (tuples never do).
    what : str, optional
        Name used in error messages (e.g. ``"boundary file 'x.geojson'"``).

    Returns
    -------
    GeoDataFrame, GeoSeries or tuple of ndarray
        Same kind as ``data``, in WGS-84 degrees (a copy; ``data`` is not modified).

    Raises
    ------
    InputError
        No CRS and no ``crs_in``; unknown ``crs_in``; GCJ-02/BD-09 asked for projected data;
        ``crs_in`` contradicting the declared CRS.

    Examples
    --------
    >>> lon, lat = to_wgs84(([116.403244], [39.910403]), "gcj02")
    >>> round(float(lon[0]), 5), round(float(lat[0]), 5)
    (116.397, 39.909)
    """
    is_geo = isinstance(data, gpd.GeoDataFrame | gpd.GeoSeries)
    label = what or ("the data" if is_geo else "the (x, y) input")
    if not is_geo:
        try:
            x_in, y_in = data
        except (TypeError, ValueError):
            msg = (
                f"to_wgs84 takes a GeoDataFrame, a GeoSeries or an (x, y) pair, got "
                f"{type(data).__name__}; pass one of those"
            )
            raise InputError(msg) from None
        x, y = _as_arrays(x_in, y_in)
        src = source_crs(None, crs_in, label)
        if isinstance(src, str):
            return _convert_xy(src, x, y)
        if is_wgs84(src):
            return x, y
        lon, lat = Transformer.from_crs(src, "EPSG:4326", always_xy=True).transform(x, y)
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)

    src = source_crs(data.crs, crs_in, label)
    if not isinstance(src, str):
        out = data if data.crs is not None else data.set_crs(src)
        return out.to_crs("EPSG:4326")
    geoms = np.asarray(data.geometry.array, dtype=object)
    converted = gpd.GeoSeries(
        shapely.transform(geoms, _convert_coords(src), include_z=None),
        index=data.index,
        crs="EPSG:4326",
        name=data.name if isinstance(data, gpd.GeoSeries) else None,
    )
    if isinstance(data, gpd.GeoSeries):
        return converted
    out = data.copy()
    out[out.geometry.name] = converted
    return out
