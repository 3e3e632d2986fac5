"""Shared reading of user vector files (GeoJSON, GeoPackage, ...) with one-line errors."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from access15.errors import InputError

__all__ = ["VECTOR_SUFFIXES", "read_vector_file"]

#: Vector file suffixes the readers of points and polygons accept.
VECTOR_SUFFIXES = frozenset({".geojson", ".json", ".gpkg", ".shp", ".fgb", ".geojsonl"})


def read_vector_file(p: Path, *, what: str, hint: str, empty: str) -> gpd.GeoDataFrame:
    """Read a GeoJSON/GeoPackage file; raise ``InputError`` if unreadable or without features.

    Parameters
    ----------
    p : Path
        The file.
    what : str
        The kind of file in the message, e.g. ``"boundary"``.
    hint : str
        The fix suggested when the file cannot be read.
    empty : str
        The whole message when the file has no features.

    Returns
    -------
    GeoDataFrame
        The features as read, in the file's CRS (``crs`` None when it declares none).

    Raises
    ------
    InputError
        "cannot read <what> file '<p>' (<exception name>); <hint>" for an unreadable file,
        ``empty`` for a file without features.
    """
    try:
        gdf = gpd.read_file(p)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        msg = f"cannot read {what} file {str(p)!r} ({type(exc).__name__}); {hint}"
        raise InputError(msg) from None
    if gdf.empty:
        raise InputError(empty)
    return gdf
