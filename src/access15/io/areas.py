"""Study areas (county boundaries, township zones) and China's coordinate systems.

Boundaries and zones are read from GeoJSON/GeoPackage files and returned in WGS-84
(EPSG:4326). Data from Chinese web maps is usually **not** WGS-84:

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

from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt

from access15.errors import InputError

if TYPE_CHECKING:
    from pyproj import CRS

__all__ = [
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "read_boundary",
    "read_zones",
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

_GCJ_WORDS = frozenset({"gcj02", "gcj", "mars", "amap", "gaode", "tencent"})
_BD_WORDS = frozenset({"bd09", "bd09ll", "baidu"})
_WGS_WORDS = frozenset({"wgs84", "epsg4326", "4326"})
_CRS_HINT = "--crs-in gcj02|bd09|wgs84|EPSG:n"


def _parse_crs_in(crs_in: Any) -> str | CRS | None:
    """``crs_in`` as ``"gcj02"``, ``"bd09"``, a pyproj CRS, or None when not given."""
    if crs_in is None:
        return None
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    key = str(crs_in).strip().lower()
    for ch in "-_ .:":
        key = key.replace(ch, "")
    if key in _GCJ_WORDS:
        return "gcj02"
    if key in _BD_WORDS:
        return "bd09"
    if key == "bd09mc":
        msg = (
            f"crs_in={crs_in!r}: Baidu Mercator (bd09mc, metres) is not supported; export "
            "Baidu lon/lat (bd09ll) and pass crs_in='bd09'"
        )
        raise InputError(msg)
    if key in _WGS_WORDS:
        return CRS.from_epsg(4326)
    try:
        return CRS.from_user_input(crs_in)
    except CRSError:
        msg = (
            f"crs_in={crs_in!r} is not a coordinate system access15 knows; use gcj02 (AMap, "
            "Tencent), bd09 (Baidu), wgs84 or EPSG:<code>"
        )
        raise InputError(msg) from None


def _convert_xy(kind: str, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    lon, lat = gcj02_to_wgs84(x, y) if kind == "gcj02" else bd09_to_wgs84(x, y)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _convert_coords(kind: str) -> Any:
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
    import shapely

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
        src = _source_crs(None, crs_in, label)
        if isinstance(src, str):
            return _convert_xy(src, x, y)
        if _is_wgs84(src):
            return x, y
        from pyproj import Transformer

        lon, lat = Transformer.from_crs(src, "EPSG:4326", always_xy=True).transform(x, y)
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)

    src = _source_crs(data.crs, crs_in, label)
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


def _is_wgs84(crs: CRS) -> bool:
    from pyproj import CRS

    return bool(crs.equals(CRS.from_epsg(4326), ignore_axis_order=True))


def _source_crs(declared: Any, crs_in: Any, label: str) -> str | CRS:
    """Coordinates to convert from: ``"gcj02"``, ``"bd09"`` or a pyproj CRS.

    ``crs_in`` wins over a declared geographic CRS for GCJ-02/BD-09 (such files declare
    EPSG:4326); a declared projected CRS with GCJ-02/BD-09, or a declared CRS that contradicts a
    real ``crs_in``, is refused.
    """
    from pyproj import CRS

    kind = _parse_crs_in(crs_in)
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


# --- boundary and zone files -------------------------------------------------------------------


def _read_vector(path: str | Path, what: str, crs_in: str | int | None) -> gpd.GeoDataFrame:
    p = Path(path)
    _parse_crs_in(crs_in)  # a bad crs_in is reported before the file is read
    if not p.is_file():
        msg = f"{what} file {str(p)!r} not found; give a GeoJSON or GeoPackage file"
        raise InputError(msg)
    from access15.io.vectors import read_vector_file

    gdf = read_vector_file(
        p,
        what=what,
        hint="is it GeoJSON/GeoPackage?",
        empty=f"{what} file {str(p)!r} has no features",
    )
    if not gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        kinds = sorted({str(t) for t in gdf.geom_type})
        msg = f"{what} file {str(p)!r} must contain polygons, found {kinds}"
        raise InputError(msg)
    return to_wgs84(gdf, crs_in, what=f"{what} file {str(p)!r}")


def read_boundary(path: str | Path, *, crs_in: str | int | None = None) -> gpd.GeoDataFrame:
    """Read a study-area boundary; all features are dissolved into one polygon (WGS-84).

    Parameters
    ----------
    path : str or Path
        GeoJSON or GeoPackage of polygons.
    crs_in : str or int, optional
        Coordinates of the file when it has no CRS or declares a wrong one: ``"gcj02"`` for
        DataV.GeoAtlas/AMap boundaries (they declare EPSG:4326 but are GCJ-02, ~200-600 m off),
        ``"bd09"``, ``"wgs84"``, ``"EPSG:n"`` or any pyproj string. GCJ-02/BD-09 win over a
        declared EPSG:4326; any other ``crs_in`` must agree with the file's CRS (see
        :func:`to_wgs84`).

    Returns
    -------
    GeoDataFrame
        One row with ``name`` (from the file's first ``name`` value if any) and the geometry,
        in WGS-84 (EPSG:4326).

    Raises
    ------
    InputError
        Missing/unreadable file, no features, non-polygons, no CRS and no ``crs_in``, ``crs_in``
        contradicting the file's CRS.
    """
    gdf = _read_vector(path, "boundary", crs_in)
    name = str(gdf["name"].iloc[0]) if "name" in gdf.columns else Path(path).stem
    geom = gdf.geometry.union_all()
    extra = {c: [gdf[c].iloc[0]] for c in ("name_en", "adcode", "synthetic") if c in gdf.columns}
    return gpd.GeoDataFrame({"name": [name], **extra}, geometry=[geom], crs="EPSG:4326")


def read_zones(
    path: str | Path,
    *,
    crs_in: str | int | None = None,
    id_column: str = "zone_id",
    name_column: str = "name",
) -> gpd.GeoDataFrame:
    """Read township (zone) polygons with an id and a name column (WGS-84).

    Parameters
    ----------
    path : str or Path
        GeoJSON or GeoPackage of polygons.
    crs_in : str or int, optional
        Coordinates of the file, as for :func:`read_boundary` (e.g. ``"gcj02"``).
    id_column, name_column : str
        Columns holding a unique zone id and a display name.

    Returns
    -------
    GeoDataFrame
        Columns ``zone_id``, ``name`` (and ``name_en`` when present), geometry (EPSG:4326).

    Raises
    ------
    InputError
        As :func:`read_boundary`; missing columns; duplicate ids.
    """
    gdf = _read_vector(path, "zones", crs_in)
    missing = [c for c in (id_column, name_column) if c not in gdf.columns]
    if missing:
        msg = (
            f"zones file {str(path)!r} lacks column(s) {missing}; it has {list(gdf.columns)}; "
            "pass the right --zone-id/--zone-name"
        )
        raise InputError(msg)
    out = gdf.rename(columns={id_column: "zone_id", name_column: "name"})
    out["zone_id"] = out["zone_id"].astype(str)
    if out["zone_id"].duplicated().any():
        msg = f"zones file {str(path)!r}: column {id_column!r} has duplicate ids"
        raise InputError(msg)
    cols = ["zone_id", "name"] + (["name_en"] if "name_en" in out.columns else [])
    return out[[*cols, "geometry"]].reset_index(drop=True)
