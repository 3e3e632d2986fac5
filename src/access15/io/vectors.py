"""Shared reading of user vector files with one-line errors (private)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from access15.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path

    import geopandas as gpd


def read_vector_file(p: Path, *, what: str, hint: str, empty: str) -> gpd.GeoDataFrame:
    """Read a GeoJSON/GeoPackage file; raise ``InputError`` if unreadable or without features.

    An unreadable file gives "cannot read <what> file '<p>' (<exception name>); <hint>";
    a file without features gives ``empty``.
    """
    import geopandas as gpd

    try:
        gdf = gpd.read_file(p)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        msg = f"cannot read {what} file {str(p)!r} ({type(exc).__name__}); {hint}"
        raise InputError(msg) from None
    if gdf.empty:
        raise InputError(empty)
    return gdf
