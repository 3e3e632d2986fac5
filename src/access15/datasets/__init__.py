"""Synthetic data: the bundled sample county's files, and small counties made to order.

:func:`sample_paths` finds the sample county 安澜县 shipped with the package (inside the wheel,
or in the source checkout's ``data/``); :mod:`access15.datasets.sample` regenerates it
(``make sample``). :func:`make_county` (or :func:`generate_county`, its keyword form) writes a
small synthetic county into a folder and returns the same kind of paths.
"""

from __future__ import annotations

from pathlib import Path

from access15.datasets.county import SyntheticCountyOptions, generate_county, make_county

__all__ = ["SyntheticCountyOptions", "generate_county", "make_county", "sample_paths"]


def _data_root() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here.parent / "_data"
    if (packaged / "sample").is_dir():
        return packaged
    return here.parents[2] / "data"  # editable install / source checkout


def sample_paths() -> dict[str, Path]:
    """Return the paths of the synthetic sample county's files.

    The files are the bundled sample county 安澜县 (SYNTHETIC: no real people, roads or
    clinics), inside the installed package or, in a source checkout, under ``data/``.

    Returns
    -------
    dict of str to Path
        Keys ``osm`` (OSM PBF: roads and health facilities), ``population`` (GeoTIFF: people
        per 3″ cell), ``county`` and ``townships`` (GeoJSON: county boundary and township
        polygons, WGS-84). Beside the PBF, ``sample_facilities.csv`` lists the same facilities
        with SYNTHETIC doctors and beds (Chinese headers, WGS-84: read it with
        ``read_facilities(path, crs_in="wgs84")``).

    See Also
    --------
    make_county : Write a small synthetic county and return paths with the same keys.

    Examples
    --------
    >>> paths = sample_paths()
    >>> sorted(paths)
    ['county', 'osm', 'population', 'townships']
    >>> paths["osm"].name
    'sample_county.osm.pbf'
    """
    root = _data_root()
    return {
        "osm": root / "sample" / "sample_county.osm.pbf",
        "population": root / "sample" / "sample_population.tif",
        "county": root / "boundaries" / "sample_county.geojson",
        "townships": root / "boundaries" / "sample_townships.geojson",
    }
