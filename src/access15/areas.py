"""Study areas: county boundaries and township zones from GeoJSON/GeoPackage files."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from .errors import InputError

__all__ = ["read_boundary", "read_zones"]


def _read_vector(path: str | Path, what: str) -> gpd.GeoDataFrame:
    p = Path(path)
    if not p.is_file():
        msg = f"{what} file {str(p)!r} not found; give a GeoJSON or GeoPackage file"
        raise InputError(msg)
    try:
        gdf = gpd.read_file(p)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        msg = (
            f"cannot read {what} file {str(p)!r} ({type(exc).__name__}); is it GeoJSON/GeoPackage?"
        )
        raise InputError(msg) from None
    if gdf.empty:
        msg = f"{what} file {str(p)!r} has no features"
        raise InputError(msg)
    if gdf.crs is None:
        msg = f"{what} file {str(p)!r} has no CRS; set one (e.g. EPSG:4326) or pass --crs-in"
        raise InputError(msg)
    if not gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        msg = f"{what} file {str(p)!r} must contain polygons, found {sorted(set(gdf.geom_type))}"
        raise InputError(msg)
    return gdf.to_crs("EPSG:4326")


def read_boundary(path: str | Path) -> gpd.GeoDataFrame:
    """Read a study-area boundary; all features are dissolved into one polygon (WGS-84).

    Returns
    -------
    GeoDataFrame
        One row with ``name`` (from the file's first ``name`` value if any) and the geometry.
    """
    gdf = _read_vector(path, "boundary")
    name = str(gdf["name"].iloc[0]) if "name" in gdf.columns else Path(path).stem
    geom = gdf.geometry.union_all()
    extra = {c: [gdf[c].iloc[0]] for c in ("name_en", "adcode", "synthetic") if c in gdf.columns}
    return gpd.GeoDataFrame({"name": [name], **extra}, geometry=[geom], crs="EPSG:4326")


def read_zones(
    path: str | Path, *, id_column: str = "zone_id", name_column: str = "name"
) -> gpd.GeoDataFrame:
    """Read township (zone) polygons with an id and a name column (WGS-84).

    Parameters
    ----------
    path : str or Path
    id_column, name_column : str
        Columns holding a unique zone id and a display name.

    Returns
    -------
    GeoDataFrame
        Columns ``zone_id``, ``name`` (and ``name_en`` when present), geometry.
    """
    gdf = _read_vector(path, "zones")
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
