"""Study areas: the county boundary and its township zones, read into WGS-84.

Boundaries and zones are read from GeoJSON/GeoPackage files and returned in WGS-84
(EPSG:4326). Boundaries from Chinese web maps (DataV.GeoAtlas, AMap) are GCJ-02 while declaring
EPSG:4326: pass ``crs_in="gcj02"`` and they are converted (see :mod:`access15.crs`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from access15.crs import parse_crs_in, to_wgs84
from access15.errors import InputError
from access15.io.vectors import read_vector_file

__all__ = ["check_zone_ids", "read_boundary", "read_zones"]


# --- boundary and zone files -------------------------------------------------------------------


def _read_vector(path: str | Path, what: str, crs_in: str | int | None) -> gpd.GeoDataFrame:
    p = Path(path)
    parse_crs_in(crs_in)  # a bad crs_in is reported before the file is read
    if not p.is_file():
        msg = f"{what} file {str(p)!r} not found; give a GeoJSON or GeoPackage file"
        raise InputError(msg)
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
        :func:`access15.crs.to_wgs84`).

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
        As :func:`read_boundary`; missing columns; blank (null or empty) or duplicate ids. A
        zone without an id is refused rather than given one: its people would otherwise be
        missing from the zone table without a word.
    """
    gdf = _read_vector(path, "zones", crs_in)
    missing = [c for c in (id_column, name_column) if c not in gdf.columns]
    if missing:
        msg = (
            f"zones file {str(path)!r} lacks column(s) {missing}; it has {list(gdf.columns)}; "
            "pass the right --zone-id/--zone-name"
        )
        raise InputError(msg)
    check_zone_ids(gdf, where=f"zones {str(path)!r}", id_column=id_column, name_column=name_column)
    out = gdf.rename(columns={id_column: "zone_id", name_column: "name"})
    out["zone_id"] = out["zone_id"].astype(str)
    if out["zone_id"].duplicated().any():
        msg = f"zones file {str(path)!r}: column {id_column!r} has duplicate ids"
        raise InputError(msg)
    cols = ["zone_id", "name"] + (["name_en"] if "name_en" in out.columns else [])
    return out[[*cols, "geometry"]].reset_index(drop=True)


_MAX_LISTED = 5  # zones quoted in one error message


def check_zone_ids(
    zones: gpd.GeoDataFrame,
    *,
    where: str = "zones",
    id_column: str = "zone_id",
    name_column: str = "name",
) -> None:
    """Refuse zones whose id is null or blank: their people would vanish from the zone table.

    Parameters
    ----------
    zones : GeoDataFrame
        Zone polygons with an id column (and, for the message, a name column).
    where : str
        What the zones are, for the message (e.g. ``"zones 'townships.geojson'"``).
    id_column, name_column : str
        Columns holding the zone id and the display name.

    Raises
    ------
    InputError
        When any id is null, empty or only spaces; the message names the rows (counted from
        1, at most five) and the zones' names.
    """
    if id_column not in zones.columns:
        return
    ids = zones[id_column]
    blank = ids.isna().to_numpy() | (ids.astype(object).map(str).str.strip() == "").to_numpy()
    if not blank.any():
        return
    rows = np.flatnonzero(blank)
    names = (
        zones[name_column].to_numpy()
        if name_column in zones.columns
        else np.full(len(zones), None, dtype=object)
    )
    listed = ", ".join(
        f"row {r + 1}, name {'(none)' if pd.isna(names[r]) else repr(str(names[r]))}"
        for r in rows[:_MAX_LISTED]
    )
    more = f", … ({len(rows)} in all)" if len(rows) > _MAX_LISTED else ""
    n = len(rows)
    msg = (
        f"{where}: {n} polygon{'s have' if n > 1 else ' has'} no {id_column} "
        f"({listed}{more}); give every township an id (its people would be left out of the "
        "zone table)"
    )
    raise InputError(msg)
