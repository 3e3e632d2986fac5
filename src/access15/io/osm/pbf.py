"""Reading OSM files (``.osm.pbf``, ``.osm``, ``.osm.bz2``) with pyosmium, straight into arrays.

Files are read in one pass, without building a networkx graph. Ways whose node references are
missing from the file (clipped extracts) are kept where they are complete; segments touching a
missing node are dropped and counted.
"""

from __future__ import annotations

import logging
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import pandas as pd

from access15.errors import InputError
from access15.io.osm.data import (
    FACILITY_TAGS,
    HEALTH_AMENITIES,
    HEALTH_CARE,
    OSM_FACILITY_COLUMNS,
    OSM_SUFFIXES,
    WAY_TAGS,
    OsmData,
)

__all__ = ["read_osm"]

log = logging.getLogger(__name__)


def _check_path(path: Path) -> None:
    """Refuse a missing, empty or non-OSM path with a one-line message."""
    if not path.exists():
        msg = f"OSM file {str(path)!r} not found; give a .osm.pbf, .osm or .osm.bz2 file"
        raise InputError(msg)
    if not path.is_file():
        msg = f"OSM path {str(path)!r} is not a file; give a .osm.pbf, .osm or .osm.bz2 file"
        raise InputError(msg)
    if path.stat().st_size == 0:
        msg = f"OSM file {str(path)!r} is empty; download or export the extract again"
        raise InputError(msg)
    if not path.name.lower().endswith(OSM_SUFFIXES):
        msg = (
            f"OSM file {str(path)!r} has an unknown extension; "
            "use .osm.pbf, .osm or .osm.bz2 (or .graphml)"
        )
        raise InputError(msg)


def read_osm(path: str | Path) -> OsmData:
    """Read highway ways and health facilities of an OSM file into arrays.

    Parameters
    ----------
    path : str or Path
        ``.osm.pbf``, ``.osm`` or ``.osm.bz2`` file.

    Returns
    -------
    OsmData
        Highway ways with their node ids and locations, and health facilities (nodes; ways and
        multipolygon relations at the mean of their outer nodes); ``source`` is the file.

    Raises
    ------
    InputError
        If the file is missing, empty, of an unknown type or not readable as OSM data.
    """
    p = Path(path)
    _check_path(p)

    offsets: list[int] = [0]
    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    way_rows: list[tuple[Any, ...]] = []
    fac_rows: list[dict[str, Any]] = []
    nan = math.nan

    fp = (
        osmium.FileProcessor(str(p))
        .with_locations()
        # multipolygon relations (hospital campuses) come back as areas; closed ways are
        # handled as ways below, so only relation areas are used
        .with_areas(osmium.filter.KeyFilter("amenity", "healthcare", "access15:tier"))
        .with_filter(osmium.filter.KeyFilter("highway", "amenity", "healthcare", "access15:tier"))
    )
    try:
        for obj in fp:
            tags = obj.tags
            amenity = tags.get("amenity")
            healthcare = tags.get("healthcare")
            is_health = (
                amenity in HEALTH_AMENITIES or healthcare in HEALTH_CARE or "access15:tier" in tags
            )
            if isinstance(obj, osmium.osm.Way):
                highway = tags.get("highway")
                if highway is not None and not is_health:
                    for n in obj.nodes:
                        loc = n.location
                        refs.append(n.ref)
                        if loc.valid():
                            lons.append(loc.lon)
                            lats.append(loc.lat)
                        else:
                            lons.append(nan)
                            lats.append(nan)
                    offsets.append(len(refs))
                    way_rows.append((obj.id, *(tags.get(k) for k in WAY_TAGS)))
                elif is_health:
                    pts = [
                        (n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()
                    ]
                    if pts:
                        arr = np.asarray(pts)
                        # closed way: drop the repeated last node before averaging
                        if len(arr) > 2 and obj.nodes[0].ref == obj.nodes[len(obj.nodes) - 1].ref:
                            arr = arr[:-1]
                        lon, lat = arr.mean(axis=0)
                        fac_rows.append(_facility_row("way", obj.id, lon, lat, tags))
            elif isinstance(obj, osmium.osm.Node) and is_health and obj.location.valid():
                fac_rows.append(
                    _facility_row("node", obj.id, obj.location.lon, obj.location.lat, tags)
                )
            elif isinstance(obj, osmium.osm.Area) and is_health and not obj.from_way():
                pts = [
                    (n.lon, n.lat)
                    for ring in obj.outer_rings()
                    for n in list(ring)[:-1]
                    if n.location.valid()
                ]
                if pts:
                    lon, lat = np.asarray(pts).mean(axis=0)
                    fac_rows.append(_facility_row("relation", obj.orig_id(), lon, lat, tags))
    except RuntimeError as exc:  # libosmium parse errors surface as RuntimeError
        msg = f"cannot read OSM file {str(p)!r} ({exc}); is it a complete, uncorrupted extract?"
        raise InputError(msg) from None

    refs_a = np.asarray(refs, dtype=np.int64)
    lon_a = np.asarray(lons, dtype=np.float64)
    lat_a = np.asarray(lats, dtype=np.float64)
    n_missing = int(np.isnan(lon_a).sum())
    notes: list[str] = []
    if n_missing:
        note = (
            f"{n_missing:,} way node references have no location in {p.name} (clipped extract); "
            "road segments touching them are dropped"
        )
        notes.append(note)
        warnings.warn(note, stacklevel=2)
    ways = pd.DataFrame(way_rows, columns=["osm_id", *WAY_TAGS])
    facilities = pd.DataFrame(fac_rows, columns=list(OSM_FACILITY_COLUMNS))
    log.info("read %s: %d highway ways, %d facilities", p, len(ways), len(facilities))
    return OsmData(
        way_offsets=np.asarray(offsets, dtype=np.int64),
        refs=refs_a,
        lon=lon_a,
        lat=lat_a,
        ways=ways,
        facilities=facilities,
        source=str(p),
        n_missing_refs=n_missing,
        notes=tuple(notes),
    )


def _facility_row(
    osm_type: str, osm_id: int, lon: float, lat: float, tags: osmium.osm.TagList
) -> dict[str, Any]:
    """One row of :attr:`OsmData.facilities`: type, id, location and the facility tags."""
    row: dict[str, Any] = {
        "osm_type": osm_type,
        "osm_id": int(osm_id),
        "lon": float(lon),
        "lat": float(lat),
    }
    for k in FACILITY_TAGS:
        row[k] = tags.get(k)
    return row
