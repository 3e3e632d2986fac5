"""One entry point for OSM data in any form: a file, a GraphML graph, a place name, a polygon."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from access15.errors import InputError
from access15.io.osm.data import GRAPHML_SUFFIXES, OSM_SUFFIXES, OsmData
from access15.io.osm.download import download_osm
from access15.io.osm.graphml import read_graphml
from access15.io.osm.pbf import read_osm

__all__ = ["load_osm"]


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
        The file, place name, boundary (WGS-84 lon/lat) or data already read.
    cache_dir : str or Path, optional
        Download cache folder (see :func:`download_osm`).

    Returns
    -------
    OsmData
        Roads and health facilities of ``source`` (``source`` itself for an OsmData).

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
            return read_graphml(path) if lower.endswith(GRAPHML_SUFFIXES) else read_osm(path)
        looks_like_path = (
            not isinstance(source, str)
            or lower.endswith(OSM_SUFFIXES + GRAPHML_SUFFIXES)
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
